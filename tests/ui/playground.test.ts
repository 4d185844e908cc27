// The Playground's form and its stores: Cancel does not submit the form it sits in, a refused
// Generate leaves the streamed answer alone, every sampled request carries a fresh seed (and the
// answer shows it), the draft outlives the panel and reloads with only values the form takes, the
// ONNX backend stays offered after its export notice is dismissed, and Generate waits for an export.
// Generate says why it is off (the job holding the GPU, an empty question); a held-out question is
// sent as its example (the evaluation's prompt) until its tools are changed; a cancelled answer is
// not judged, and one cancelled before its first token leaves the previous answer on show.
// Going on: an answer that calls tools offers a field per call for what it returned and a button
// that asks the model for its next turn with the conversation so far; the turns join the
// conversation once the next answer comes (a failed one keeps what was typed), a new question or
// Start over drops them, and a later turn is never checked against the held-out example's answer.
// Components are rendered with react-dom/server; its zustand hooks read the stores' current state.
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow as render } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';
import type { Example, GenerateResult } from '../../src/worker/protocol.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
// The page's one worker client, replaced by a request log (no worker in Node).
const requests: Array<{ kind: string; payload: Record<string, unknown> }> = [];
let reply: (kind: string, payload: Record<string, unknown>) => Promise<unknown> = async () => undefined;
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: (kind: string, payload: Record<string, unknown>) => {
      requests.push({ kind, payload });
      return reply(kind, payload);
    },
  }),
}));
vi.mock('../../src/state/download.ts', () => ({ downloadBytes: () => undefined }));

const { useJobs } = await import('../../src/state/jobStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { EXPORTING_REASON, useOnnxExport } = await import('../../src/state/onnxExportStore.ts');
const playgroundModule = await import('../../src/state/playgroundStore.ts');
const { askedAsHeldOut, DEFAULT_PLAYGROUND_DRAFT, parsePlaygroundDraft, PLAYGROUND_DRAFT_KEY, playgroundBlocker, usePlayground } = playgroundModule;
const { JobProgress } = await import('../../src/ui/shell/JobProgress.tsx');
const { PlaygroundPanel } = await import('../../src/ui/playground/PlaygroundPanel.tsx');
const { PlaygroundAnswer } = await import('../../src/ui/playground/PlaygroundAnswer.tsx');
const { besideBaseText } = await import('../../src/eval/besideBase.ts');
const { OnnxExportStatus } = await import('../../src/ui/runs/OnnxExportStatus.tsx');

const answer = (over: Partial<GenerateResult> = {}): GenerateResult => ({ text: 'hi', calls: [], finishReason: 'eos', tokens: 3, millis: 30, ...over });
const input = { adapterRunId: '', tools: [], query: 'Weather in Paris?', maxNewTokens: 8 };

const stores = { jobs: useJobs.getState(), model: useModel.getState(), runs: useRuns.getState(), onnx: useOnnxExport.getState(), play: usePlayground.getState() };
beforeEach(() => {
  requests.length = 0;
  reply = async () => undefined;
  useJobs.setState(stores.jobs, true);
  useModel.setState({ ...stores.model, info: { name: 'tiny' } as never }, true);
  useRuns.setState({ ...stores.runs, refreshRuns: async () => undefined }, true);
  useOnnxExport.setState(stores.onnx, true);
  usePlayground.setState({ ...stores.play, draft: DEFAULT_PLAYGROUND_DRAFT }, true);
});
afterEach(() => vi.restoreAllMocks());

describe('the playground’s Cancel', () => {
  it('is a plain button, so pressing it inside the form does not submit the form again', () => {
    useJobs.setState({ running: { kind: 'generate', progress: null } });
    const html = render(createElement(JobProgress, { kinds: ['generate'] }));
    expect(html).toMatch(/<button[^>]*type="button"[^>]*>Cancel<\/button>/);
    expect(html).not.toMatch(/<button(?![^>]*type=)[^>]*>/);
  });

  it('a Generate refused because a job runs leaves the streamed answer as it was', async () => {
    useJobs.setState({ running: { kind: 'generate', progress: null }, streamId: 'gen-1', streamText: 'The weather in Par' });
    await useJobs.getState().generateAnswer({ ...input, temperature: 0 });
    const s = useJobs.getState();
    expect(s.error).toBe('A playground answer is using the GPU; wait for it or cancel it first.');
    expect([s.streamId, s.streamText, s.answer]).toEqual(['gen-1', 'The weather in Par', null]);
    expect(requests).toEqual([]);
    // Its stream's events still land.
    s.noteGeneration('gen-1', 'The weather in Paris');
    expect(useJobs.getState().streamText).toBe('The weather in Paris');
  });
});

describe('sampling in the playground', () => {
  it('sends a fresh seed with every sampled request, and none with a greedy one', async () => {
    reply = async (_kind, p) => answer(p.seed === undefined ? {} : { seed: p.seed as number });
    await useJobs.getState().generateAnswer({ ...input, temperature: 0.8 });
    await useJobs.getState().generateAnswer({ ...input, temperature: 0.8 });
    await useJobs.getState().generateAnswer({ ...input, temperature: 0 });
    const seeds = requests.map((r) => r.payload.seed);
    expect(requests.map((r) => r.kind)).toEqual(['generate', 'generate', 'generate']);
    expect(Number.isInteger(seeds[0]) && Number.isInteger(seeds[1])).toBe(true);
    expect(seeds[0]).not.toBe(seeds[1]); // 31-bit draws: equal once in 2^31
    expect(seeds[2]).toBeUndefined();
    // A seed the caller gives is the one sent (to reproduce a sample).
    await useJobs.getState().generateAnswer({ ...input, temperature: 0.8, seed: 1234 });
    expect(requests.at(-1)!.payload.seed).toBe(1234);
    expect(useJobs.getState().answer?.seed).toBe(1234);
  });

  it('shows the seed under a sampled answer and says “greedy” under a greedy one', () => {
    useJobs.setState({ streamText: 'hi', answer: answer({ seed: 1234 }) });
    expect(render(createElement(PlaygroundAnswer))).toContain('sampled with seed 1234');
    useJobs.setState({ answer: answer() });
    const html = render(createElement(PlaygroundAnswer));
    expect(html).toContain('greedy');
    expect(html).not.toMatch(/seed \d/);
  });
});

describe('which model and adapter answered', () => {
  const run = (id: string, name: string, lastStep: number) => ({ id, name, datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: {}, lastStep }) as never;

  it('is said under the answer, so switching the adapter (even while it generates) never passes one adapter’s answer off as another’s', async () => {
    useModel.setState({ info: { ref: 'Qwen/Qwen3-0.6B' } as never });
    useRuns.setState({ runs: [run('r-b', 'ssb-b', 80), run('r-a', 'sft-a', 40)] });
    reply = async () => {
      // The user picks the base model while the answer is generated.
      usePlayground.getState().setPlaygroundDraft({ adapterRunId: '' });
      return answer();
    };
    await useJobs.getState().generateAnswer({ ...input, adapterRunId: 'r-a', temperature: 0 });
    expect(requests[0].payload.runId).toBe('r-a');
    let html = render(createElement(PlaygroundAnswer));
    expect(html).toMatch(/data-testid="playground-from"[^>]*>Answered: Qwen\/Qwen3-0\.6B with the adapter of sft-a \(step 40\)/);
    // The base model's answer says so; a cancelled-before-the-first-token request keeps the earlier one's.
    reply = async () => answer();
    await useJobs.getState().generateAnswer({ ...input, adapterRunId: '', temperature: 0 });
    html = render(createElement(PlaygroundAnswer));
    expect(html).toMatch(/Qwen\/Qwen3-0\.6B, base model \(no adapter\)/);
    reply = async () => answer({ text: '', tokens: 0, finishReason: 'aborted' });
    await useJobs.getState().generateAnswer({ ...input, adapterRunId: 'r-b', temperature: 0 });
    expect(render(createElement(PlaygroundAnswer))).toMatch(/base model \(no adapter\)/);
  });
});

describe('an empty answer', () => {
  it('says it is empty once the model has ended it at once, never “…” as if it were still coming', () => {
    // The model wrote its end-of-turn token first: nothing streamed, 0 tokens.
    useJobs.setState({ running: null, streamText: '', answer: answer({ text: '', tokens: 0, finishReason: 'eos' }) });
    const html = render(createElement(PlaygroundAnswer));
    expect(html).toMatch(/data-testid="playground-text"[^>]*>\(empty\)</);
    // While it is being generated and nothing has come yet, “…” is right.
    useJobs.setState({ running: { kind: 'generate', progress: null }, streamText: '', answer: null });
    expect(render(createElement(PlaygroundAnswer))).toMatch(/data-testid="playground-text"[^>]*>…</);
  });
});

describe('why an answer ended', () => {
  it('is said in words a user knows: the model ended it, or the limit the form’s Max new tokens field sets stopped it', () => {
    useJobs.setState({ running: null, streamText: 'x', answer: answer({ finishReason: 'length', tokens: 96 }) });
    let html = render(createElement(PlaygroundAnswer));
    expect(html).toMatch(/96 tokens · stopped at the Max new tokens limit: raise it if the answer is cut off · /);
    expect(html).not.toContain('finished by length');
    useJobs.setState({ answer: answer({ finishReason: 'eos', tokens: 40 }) });
    html = render(createElement(PlaygroundAnswer));
    expect(html).toMatch(/40 tokens · ended by the model · /);
    expect(html).not.toContain('finished by eos');
    // 11 tokens the model ended: 10 more after the first, and the step of its end-of-answer token.
    useJobs.setState({ answer: answer({ finishReason: 'eos', tokens: 11, firstTokenMillis: 100, millis: 1100 }) });
    expect(render(createElement(PlaygroundAnswer))).toContain('first token after 0.1 s, then 11 tokens/s');
    useJobs.setState({ answer: answer({ finishReason: 'length', tokens: 11, firstTokenMillis: 100, millis: 1100 }) });
    expect(render(createElement(PlaygroundAnswer))).toContain('first token after 0.1 s, then 10 tokens/s');
    useJobs.setState({ answer: answer({ finishReason: 'eos', tokens: 1 }) });
    expect(render(createElement(PlaygroundAnswer))).toMatch(/>1 token · ended by the model · /);
  });
});

describe('the playground draft', () => {
  it('is read back from the store when the panel is shown again (a tab switch unmounts it)', () => {
    usePlayground.getState().setPlaygroundDraft({ query: 'Book a table for two', maxNewTokens: 40, temperature: 0.7 });
    const html = render(createElement(PlaygroundPanel));
    expect(html).toContain('Book a table for two</textarea>');
    expect(html).toMatch(/id="play-tokens"[^>]*value="40"/);
    expect(html).toMatch(/id="play-temp"[^>]*value="0.7"/);
  });

  it('is kept across reloads with only the values the form takes (and never the adapter)', () => {
    const kept = { query: 'q', pickedTools: ['a', 'b'], sampleId: 'ex-3', adapterRunId: 'run-gone', maxNewTokens: 40, temperature: 0.5, seed: 7, backend: 'onnx', besideBase: false };
    expect(parsePlaygroundDraft(JSON.stringify(kept))).toEqual({ ...kept, adapterRunId: null });
    const bad = { query: 7, pickedTools: ['a', 3], sampleId: {}, maxNewTokens: 0.5, temperature: -1, seed: 2 ** 32, backend: 'gpu', besideBase: 'yes' };
    expect(parsePlaygroundDraft(JSON.stringify(bad))).toEqual(DEFAULT_PLAYGROUND_DRAFT);
    expect(parsePlaygroundDraft(JSON.stringify({ maxNewTokens: 1e400, temperature: 'hot' }))).toEqual(DEFAULT_PLAYGROUND_DRAFT);
    for (const text of [null, '{not json', '[1,2]', '"q"', 'null']) expect(parsePlaygroundDraft(text)).toEqual(DEFAULT_PLAYGROUND_DRAFT);
    expect(parsePlaygroundDraft(JSON.stringify({ temperature: 0.9 }))).toEqual({ ...DEFAULT_PLAYGROUND_DRAFT, temperature: 0.9 });
  });

  it('is written to localStorage as it changes', () => {
    const saved = new Map<string, string>();
    vi.stubGlobal('localStorage', { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => saved.set(k, v), removeItem: (k: string) => saved.delete(k) });
    try {
      usePlayground.getState().setPlaygroundDraft({ query: 'Weather?', temperature: 0.3 });
      expect(parsePlaygroundDraft(saved.get(PLAYGROUND_DRAFT_KEY) ?? null)).toEqual({ ...DEFAULT_PLAYGROUND_DRAFT, query: 'Weather?', temperature: 0.3 });
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('a sampled answer’s seed', () => {
  // The answer said "sampled with seed 123" and nothing in the panel could ask for it again: only
  // \`studio generate --seed\` could reproduce a sample.
  it('can be kept, and a kept seed goes with every request until it is let go', async () => {
    useJobs.setState({ running: null, streamText: 'x', answer: answer({ seed: 123 }) });
    const html = render(createElement(PlaygroundAnswer));
    expect(html).toContain('sampled with seed 123');
    expect(html).toContain('>Keep this seed</button>');
    usePlayground.getState().setPlaygroundDraft({ seed: 123 });
    expect(render(createElement(PlaygroundAnswer))).not.toContain('Keep this seed');

    requests.length = 0;
    reply = async (_kind, p) => answer({ seed: p.seed as number });
    await useJobs.getState().generateAnswer({ adapterRunId: '', tools: [], query: 'q', maxNewTokens: 4, temperature: 0.7, seed: usePlayground.getState().draft.seed ?? undefined });
    await useJobs.getState().generateAnswer({ adapterRunId: '', tools: [], query: 'q', maxNewTokens: 4, temperature: 0.7, seed: usePlayground.getState().draft.seed ?? undefined });
    expect(requests.map((r) => r.payload.seed)).toEqual([123, 123]);
    usePlayground.getState().setPlaygroundDraft({ seed: null });
    await useJobs.getState().generateAnswer({ adapterRunId: '', tools: [], query: 'q', maxNewTokens: 4, temperature: 0.7, seed: usePlayground.getState().draft.seed ?? undefined });
    expect(requests[2].payload.seed).not.toBe(123);
  });

  it('is offered as a field when the panel samples with our engine', () => {
    expect(render(createElement(PlaygroundPanel))).not.toContain('play-fixed-seed');
    usePlayground.getState().setPlaygroundDraft({ temperature: 0.7 });
    const free = render(createElement(PlaygroundPanel));
    expect(free).toMatch(/<input type="checkbox" data-testid="play-fixed-seed"\/> Same seed every time/);
    expect(free).not.toContain('id="play-seed"');
    usePlayground.getState().setPlaygroundDraft({ seed: 42 });
    expect(render(createElement(PlaygroundPanel))).toMatch(/id="play-seed"[^>]*value="42"/);
  });
});

describe('the ONNX export and the playground', () => {
  const report = { runId: 'r1', report: null, fileName: 'run-one-onnx-fp32.zip', bytes: 4 };

  it('keeps the run’s export (and the ONNX backend) when its notice is dismissed', async () => {
    let finish!: (v: unknown) => void;
    reply = (kind) => (kind === 'exportOnnx' ? new Promise((r) => (finish = r)) : Promise.resolve(undefined));
    const exporting = useOnnxExport.getState().exportOnnx('r1', 'run one', 'fp32');
    expect(useOnnxExport.getState().exporting).toBe(true);
    finish({ zip: new Blob([new Uint8Array(4)]), report: null, held: true });
    await exporting;
    expect(useOnnxExport.getState()).toMatchObject({ exporting: false, busy: null, exportedRunIds: ['r1'], report });
    useOnnxExport.setState({ report: null }); // the notice's ✕
    expect(useOnnxExport.getState().exportedRunIds).toEqual(['r1']);
    usePlayground.getState().setPlaygroundDraft({ adapterRunId: 'r1', backend: 'onnx' });
    const html = render(createElement(PlaygroundPanel));
    expect(html).toMatch(/<option value="onnx"(?![^>]*disabled)[^>]*>/);
    expect(html).toMatch(/<option value="onnx"[^>]*selected/);
    // Unchecked, the playground says so beside the answers it gives (the notice is gone).
    expect(html).toContain('This export was not checked against the engine');
  });

  it('names the run it exports as the Runs panel does, not by its id', async () => {
    let finish!: (v: unknown) => void;
    reply = (kind) => (kind === 'exportOnnx' ? new Promise((r) => (finish = r)) : Promise.resolve(undefined));
    const exporting = useOnnxExport.getState().exportOnnx('0b7f3c2e-run-id', 'tool calls, rank 16', 'fp16');
    const html = render(createElement(OnnxExportStatus));
    expect(html).toContain('ONNX export of tool calls, rank 16: starting');
    expect(html).not.toContain('0b7f3c2e-run-id');
    finish({ zip: new Blob([new Uint8Array(4)]), report: null, held: true });
    await exporting;
  });

  it('says when the export holds an earlier step than the run reached (it failed after its newest checkpoint)', async () => {
    reply = async () => ({ zip: new Blob([new Uint8Array(4)]), report: null, checkError: null, adapterStep: 50, runStep: 80, held: true });
    await useOnnxExport.getState().exportOnnx('r5', 'run five', 'fp16');
    const html = render(createElement(OnnxExportStatus)).replaceAll('&#x27;', "'");
    expect(html).toContain("the export was not checked. It holds the adapter of step 50, the run's newest checkpoint, not of step 80 where the run stopped.");
    reply = async () => ({ zip: new Blob([new Uint8Array(4)]), report: null, checkError: null, adapterStep: 80, runStep: 80, held: true });
    await useOnnxExport.getState().exportOnnx('r5', 'run five', 'fp16');
    expect(render(createElement(OnnxExportStatus))).not.toContain('It holds the adapter of step');
  });

  it('says beside the ONNX backend when the export failed its check (after its notice is dismissed)', async () => {
    const failed = { passed: false, greedyEqual: false, greedyNearTie: false, maxAbsDiff: 3, kvCacheMaxAbsDiff: 0, tolerance: 0.01, dtype: 'fp32', executionProvider: 'wasm' };
    reply = async () => ({ zip: new Blob([new Uint8Array(4)]), report: failed, checkError: null, held: true });
    await useOnnxExport.getState().exportOnnx('r4', 'run four', 'fp32');
    useOnnxExport.setState({ report: null });
    usePlayground.getState().setPlaygroundDraft({ adapterRunId: 'r4', backend: 'onnx' });
    useRuns.setState({ runs: [{ id: 'r4', kind: 'train', status: 'done', name: 'run four' } as never] });
    expect(render(createElement(PlaygroundPanel))).toContain('This export FAILED its check against the engine');
    usePlayground.getState().setPlaygroundDraft({ backend: 'engine' });
    expect(render(createElement(PlaygroundPanel))).not.toContain('play-onnx-check');
  });

  it('an export whose check could not run is saved, and its notice says so as an error (not as unchecked)', async () => {
    reply = async () => ({ zip: new Blob([new Uint8Array(4)]), report: null, checkError: { side: 'onnxruntime-web', message: 'no available backend found' }, held: true });
    await useOnnxExport.getState().exportOnnx('r3', 'run three', 'fp16');
    expect(useOnnxExport.getState()).toMatchObject({ exportedRunIds: ['r3'], error: null });
    const html = render(createElement(OnnxExportStatus));
    expect(html).toMatch(/class="alert error" role="alert" data-testid="onnx-export-report"/);
    expect(html).toContain('Saved run-three-onnx-fp16.zip (4 B), but its check could not run on onnxruntime-web: no available backend found.');
  });

  it('a failed export leaves no export to run', async () => {
    reply = async () => {
      throw new Error('no checkpoint');
    };
    await useOnnxExport.getState().exportOnnx('r2', 'run two', 'fp32');
    expect(useOnnxExport.getState()).toMatchObject({ exporting: false, exportedRunIds: [] });
    expect(useOnnxExport.getState().error).toMatch(/no checkpoint/);
    // A failure that is not about the checkpoint is not pointed at one.
    reply = async () => {
      throw new Error('the GPU ran out of memory merging layer 3');
    };
    await useOnnxExport.getState().exportOnnx('r2', 'run two', 'fp32');
    expect(useOnnxExport.getState().error).toBe('Could not export run two to ONNX: the GPU ran out of memory merging layer 3.');
    // Nor the earlier one: the worker lets it go as a new export starts, so the playground does not
    // offer an ONNX backend it would answer with "export this run to ONNX first".
    reply = async () => ({ zip: new Blob([new Uint8Array(4)]), report: null, checkError: null, held: true });
    await useOnnxExport.getState().exportOnnx('r1', 'run one', 'fp32');
    expect(useOnnxExport.getState()).toMatchObject({ exportedRunIds: ['r1'], exportedCheck: 'unchecked' });
    reply = async () => {
      throw new Error('the GPU ran out of memory merging layer 3');
    };
    await useOnnxExport.getState().exportOnnx('r2', 'run two', 'fp32');
    expect(useOnnxExport.getState()).toMatchObject({ exportedRunIds: [], exportedCheck: null });
  });

  it('an export refused before it starts keeps the earlier export on offer (the worker still holds it)', async () => {
    reply = async () => ({ zip: new Blob([new Uint8Array(4)]), report: null, checkError: null, held: true });
    await useOnnxExport.getState().exportOnnx('r1', 'run one', 'fp32');
    reply = async (kind) => {
      if (kind === 'heldOnnxExports') return ['r1'];
      throw new Error('an evaluation is running; wait for it or cancel it first');
    };
    await useOnnxExport.getState().exportOnnx('r2', 'run two', 'fp32');
    expect(useOnnxExport.getState()).toMatchObject({ exportedRunIds: ['r1'], exportedCheck: 'unchecked' });
    expect(useOnnxExport.getState().error).toBe('Could not export run two to ONNX: an evaluation is running; wait for it or cancel it first.');
    usePlayground.getState().setPlaygroundDraft({ adapterRunId: 'r1', backend: 'onnx' });
    expect(render(createElement(PlaygroundPanel))).toMatch(/<option value="onnx"(?![^>]*disabled)[^>]*>/);
  });

  it('an export whose run was deleted while it ran is not offered (the worker did not keep it)', async () => {
    reply = async () => ({ zip: new Blob([new Uint8Array(4)]), report: null, checkError: null, held: false });
    await useOnnxExport.getState().exportOnnx('r1', 'run one', 'fp32');
    expect(useOnnxExport.getState()).toMatchObject({ exportedRunIds: [], exportedCheck: null });
  });

  it('holds Generate while an export runs, saying to wait (an export has no Cancel)', async () => {
    useOnnxExport.setState({ exporting: true, busy: { kind: 'ONNX', runId: 'r1', runName: 'run one', label: 'merging', done: 0, total: 1 } });
    expect(playgroundBlocker({ modelMissing: null, training: false, fieldProblem: null, exporting: true })).toBe(EXPORTING_REASON);
    expect(EXPORTING_REASON).not.toMatch(/cancel/i);
    usePlayground.getState().setPlaygroundDraft({ query: 'Weather in Paris?' });
    const html = render(createElement(PlaygroundPanel));
    // Off by aria-disabled (it keeps the focus), pointing to the reason on show.
    expect(html).toMatch(/<button[^>]*data-testid="play-generate" aria-disabled="true" aria-describedby="play-blocked"/);
    expect(html).toMatch(/<p class="muted" id="play-blocked">/);
    expect(html).toContain(EXPORTING_REASON);
    // Nor does the store start one (and the answer on show stays).
    useJobs.setState({ streamText: 'earlier answer' });
    await useJobs.getState().generateAnswer({ ...input, temperature: 0 });
    expect(useJobs.getState()).toMatchObject({ error: EXPORTING_REASON, errorKind: 'generate', streamText: 'earlier answer' });
    expect(requests).toEqual([]);
    // Once it is done, Generate is offered again.
    useOnnxExport.setState({ exporting: false, busy: null });
    expect(render(createElement(PlaygroundPanel))).toMatch(/<button(?![^>]*disabled)[^>]*data-testid="play-generate"/);
  });
});

describe('why Generate is off', () => {
  it('names the job holding the GPU and where to cancel it, pointed to by the button', () => {
    usePlayground.setState({ draft: { ...DEFAULT_PLAYGROUND_DRAFT, query: 'Weather in Oslo?' } });
    useJobs.setState({ running: { kind: 'evaluate', progress: { label: 'evaluating', done: 3, total: 31 } } });
    const html = render(createElement(PlaygroundPanel));
    expect(html).toMatch(/<button[^>]*data-testid="play-generate" aria-disabled="true" aria-describedby="play-blocked"/);
    expect(html).toContain('An evaluation is using the GPU: wait for it, or cancel it in the Evaluation &amp; HDR panel.');
    const blocked = (job: 'hdr' | 'ablation' | 'generate') => playgroundBlocker({ modelMissing: null, training: false, fieldProblem: null, exporting: false, job, query: 'q' });
    expect(blocked('ablation')).toMatch(/^An ablation is using the GPU: .* Ablation panel\.$/);
    expect(blocked('hdr')).toMatch(/^An HDR run is using the GPU/);
    // The playground's own answer has its Cancel beside Generate.
    expect(blocked('generate')).toBeNull();
  });

  it('asks for a question when the query is empty', () => {
    const html = render(createElement(PlaygroundPanel));
    expect(html).toMatch(/<button[^>]*data-testid="play-generate" aria-disabled="true" aria-describedby="play-blocked"/);
    expect(html).toContain('Type a question first.');
  });
});

describe('a held-out question in the playground', () => {
  const held: Example = {
    id: 'fr-7',
    tools: [
      { name: 'zeta', description: 'z', parameters: { type: 'object', properties: {} } },
      { name: 'alpha', description: 'a', parameters: { type: 'object', properties: { x: { type: 'integer' } } } },
    ],
    messages: [
      { role: 'system', content: 'You are an expert in composing functions.' },
      { role: 'user', content: 'Do z.' },
    ],
    target: { calls: [{ name: 'zeta', arguments: {} }], callSyntax: 'python' },
  };

  it('is sent as its example: its system turn, its own tools in its order, its call syntax, checked against it', async () => {
    reply = async () => answer();
    const datasetWide = [{ name: 'alpha', description: 'another schema', parameters: { type: 'object' as const, properties: {} } }, held.tools[0]];
    await useJobs.getState().generateAnswer({ ...input, query: 'Do z.', tools: datasetWide, heldOut: held, temperature: 0 });
    expect(requests[0].payload).toMatchObject({ tools: held.tools, messages: held.messages, callSyntax: 'python', expectation: held });
  });

  it('is asked as it stands only while exactly its own tools are ticked', () => {
    expect(askedAsHeldOut(['zeta', 'alpha'], ['alpha', 'zeta'])).toBe(true);
    expect(askedAsHeldOut(['zeta', 'alpha'], ['zeta'])).toBe(false);
    expect(askedAsHeldOut(['zeta'], ['zeta', 'alpha'])).toBe(false);
  });

  it('typed on a Python-syntax dataset carries the call syntax with one user turn', async () => {
    reply = async () => answer();
    await useJobs.getState().generateAnswer({ ...input, callSyntax: 'python', temperature: 0 });
    expect(requests[0].payload).toMatchObject({ messages: [{ role: 'user', content: 'Weather in Paris?' }], callSyntax: 'python' });
  });
});

describe('a cancelled playground answer', () => {
  it('cancelled before its first token leaves the previous answer on show', async () => {
    const earlier = answer({ text: '[get_weather(city="Oslo")]', tokens: 20 });
    useJobs.setState({ answer: earlier, streamText: earlier.text });
    reply = async () => answer({ text: '', tokens: 0, finishReason: 'aborted' });
    await useJobs.getState().generateAnswer({ ...input, temperature: 0 });
    expect(useJobs.getState()).toMatchObject({ answer: earlier, streamText: earlier.text, notice: expect.stringMatching(/previous answer is still shown/) });
  });

  it('cancelled part-way says the user cancelled it, with no verdict', async () => {
    reply = async () => answer({ text: '<think>The user', tokens: 12, finishReason: 'aborted' });
    await useJobs.getState().generateAnswer({ ...input, temperature: 0 });
    expect(useJobs.getState().notice).toBe('Cancelled after 12 tokens.');
    const html = render(createElement(PlaygroundAnswer));
    expect(html).toContain('you cancelled it');
    expect(html).not.toContain('finished by aborted');
    expect(html).not.toContain('data-testid="playground-check"');
    expect(html).toContain('Answer cancelled after 12 tokens.');
  });
});

describe('Generate on the adapter of a run whose model is not loaded', () => {
  const HUB = 'Qwen/Qwen2.5-0.5B-Instruct';
  const hubRun = { id: 'r-hub', kind: 'train', name: 'hub run', datasetId: 'd1', status: 'done', createdAt: 1, updatedAt: 1, lastStep: 30, modelRef: HUB };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  const kinds = () => requests.map((r) => r.kind);
  /** loadModel answers when the test says so, or ends at a cancelModelLoad as the worker's does. */
  let loading: { answer?: () => void; cancel?: () => void } = {};
  beforeEach(() => {
    loading = {};
    useModel.setState({ info: null });
    useRuns.setState({ runs: [hubRun as never] });
    usePlayground.setState({ draft: { ...DEFAULT_PLAYGROUND_DRAFT, query: 'Weather in Oslo?', adapterRunId: 'r-hub' } });
    reply = (kind, p) => {
      if (kind === 'loadModel') {
        return new Promise((resolve, reject) => {
          loading.answer = () => resolve({ ref: (p.source as { repo: string }).repo });
          loading.cancel = () => reject(Object.assign(new Error('loading was cancelled'), { name: 'ModelLoadCancelledError' }));
        });
      }
      if (kind === 'cancelModelLoad') return Promise.resolve(queueMicrotask(() => loading.cancel?.()) ?? true);
      return Promise.resolve(kind === 'generate' ? answer() : undefined);
    };
  });

  it('leaves Generate on, saying nothing of loading a model first', () => {
    const html = render(createElement(PlaygroundPanel));
    expect(html).not.toContain('Load a model first');
    expect(html).not.toMatch(/<button[^>]*data-testid="play-generate" aria-disabled="true"/);
  });

  it('loads that model, with a Cancel on the answer’s bar, then answers with that adapter', async () => {
    const answering = useJobs.getState().generateAnswer({ ...input, adapterRunId: 'r-hub', temperature: 0 });
    await settle();
    expect(kinds()).toEqual(['loadModel']);
    const bar = render(createElement(JobProgress, { kinds: ['generate'] })).replace(/<!-- -->/g, '');
    expect(bar).toContain(`loading ${HUB}`);
    expect(bar).toMatch(/<button[^>]*>Cancel</);
    loading.answer!();
    await answering;
    expect(kinds()).toEqual(['loadModel', 'generate']);
    expect(requests[1].payload).toMatchObject({ runId: 'r-hub' });
    expect(useJobs.getState().error).toBeNull();
  });

  it('ends at the Cancel pressed while the model loads, stopping that load, and asks nothing', async () => {
    const answering = useJobs.getState().generateAnswer({ ...input, adapterRunId: 'r-hub', temperature: 0 });
    await settle();
    await useJobs.getState().cancelJob();
    await answering;
    await settle();
    expect(kinds()).toEqual(['loadModel', 'cancelModelLoad']);
    expect(useJobs.getState().notice).toMatch(/^The playground answer was cancelled before it started\. Loading Qwen/);
    expect(useJobs.getState().running).toBeNull();
  });

  it('the ONNX backend loads nothing (a load would drop the export it answers from) and needs the model that exported it', async () => {
    useModel.setState({ info: { ref: HUB } as never });
    useOnnxExport.setState({ exportedRunIds: ['r-hub'] });
    usePlayground.getState().setPlaygroundDraft({ backend: 'onnx' });
    expect(render(createElement(PlaygroundPanel))).not.toMatch(/<button[^>]*data-testid="play-generate" aria-disabled="true"/);
    await useJobs.getState().generateAnswer({ ...input, adapterRunId: 'r-hub', temperature: 0, backend: 'onnx' });
    expect(kinds()).toEqual(['generate']);
    expect(requests[0].payload).toMatchObject({ runId: 'r-hub', backend: 'onnx' });
  });
});

const calls = [
  { name: 'find_order', arguments: { email: 'ann@example.com' } },
  { name: 'weather', arguments: { city: 'Oslo' } },
];
const calling = (over: Partial<GenerateResult> = {}): GenerateResult => ({ text: '<tool_call>…</tool_call>', reasoning: 'Look both up.', calls, finishReason: 'eos', tokens: 30, millis: 30, ...over });
const question = { adapterRunId: '', tools: [], query: 'Refund my order and tell me the weather', maxNewTokens: 8, temperature: 0 };
describe('going on with what the calls returned', () => {
  beforeEach(() => {
    reply = async () => calling({ calls: [], reasoning: undefined, text: 'Done.' });
    usePlayground.getState().setPlaygroundDraft({ query: question.query });
  });
  it('offers a field per call and the button under an answer that calls tools, and none under one that does not', () => {
    useJobs.setState({ streamText: 'x', answer: calling() });
    usePlayground.getState().setResult(0, '{"order": "A-1"}');
    const html = render(createElement(PlaygroundAnswer, { onGoOn: () => undefined }));
    expect(html).toContain('What find_order returned');
    expect(html).toContain('What weather returned');
    expect(html).toContain('{&quot;order&quot;: &quot;A-1&quot;}');
    expect(html).toMatch(/data-testid="play-go-on"[^>]*>Go on with these results/);
    // Blocked (no model, a job holding the GPU): the button says why instead of asking.
    const blocked = render(createElement(PlaygroundAnswer, { onGoOn: null, goOnBlocked: 'Load a model first.' }));
    expect(blocked).toMatch(/aria-disabled="true"[^>]*data-testid="play-go-on"/);
    expect(blocked).toContain('Load a model first.');
    for (const other of [calling({ calls: [] }), calling({ parseError: 'bad JSON' }), calling({ finishReason: 'aborted' })]) {
      useJobs.setState({ answer: other });
      expect(render(createElement(PlaygroundAnswer, { onGoOn: () => undefined }))).not.toContain('playground-results');
    }
  });

  it('asks the next turn with the question, the calls and their results, and keeps them once it is answered', async () => {
    useJobs.setState({ answer: calling() });
    const play = usePlayground.getState();
    play.setResult(0, '{"order": "A-1"}');
    play.setResult(1, '{"temp": 21}');
    const asked = play.goOn(calling());
    expect(asked).toEqual([
      { role: 'assistant', content: '', calls, reasoning: 'Look both up.' },
      { role: 'tool', name: 'find_order', content: '{"order": "A-1"}' },
      { role: 'tool', name: 'weather', content: '{"temp": 21}' },
    ]);
    // Shown while its answer comes; not yet the conversation.
    expect([usePlayground.getState().pending, usePlayground.getState().followUp]).toEqual([asked, []]);
    const held: Example = { id: 'h-1', tools: [], messages: [{ role: 'user', content: question.query }], target: { calls } };
    await useJobs.getState().generateAnswer({ ...question, heldOut: held, expectation: held, followUp: asked });
    expect(requests[0].payload.messages).toEqual([{ role: 'user', content: question.query }, ...asked]);
    // A later turn is not the example's own answer: nothing to check it against.
    expect(requests[0].payload.expectation).toBeUndefined();
    usePlayground.getState().settle(true);
    expect(usePlayground.getState()).toMatchObject({ followUp: asked, pending: null, results: [] });
    const html = render(createElement(PlaygroundAnswer, { onGoOn: () => undefined }));
    expect(html).toContain('The conversation so far');
    expect(html).toContain('The model called find_order(email=&quot;ann@example.com&quot;); weather(city=&quot;Oslo&quot;)');
    expect(html).toContain('find_order returned: {&quot;order&quot;: &quot;A-1&quot;}');
    expect(html).toContain('Start over from the question');
  });

  it('keeps what was typed when the answer does not come, and drops the conversation with a new question or Start over', () => {
    const play = usePlayground.getState();
    play.setResult(0, 'typed');
    play.goOn(calling());
    usePlayground.getState().settle(false);
    expect(usePlayground.getState()).toMatchObject({ followUp: [], pending: null, results: ['typed'] });
    usePlayground.getState().goOn(calling());
    usePlayground.getState().settle(true);
    expect(usePlayground.getState().followUp).toHaveLength(3);
    // Decoding settings are not another question; the query is.
    usePlayground.getState().setPlaygroundDraft({ maxNewTokens: 64 });
    expect(usePlayground.getState().followUp).toHaveLength(3);
    usePlayground.getState().setPlaygroundDraft({ query: 'Something else' });
    expect(usePlayground.getState().followUp).toEqual([]);
    usePlayground.getState().goOn(calling());
    usePlayground.getState().settle(true);
    useJobs.setState({ answer: calling() });
    usePlayground.getState().startOver();
    useJobs.getState().clearAnswer();
    expect([usePlayground.getState().followUp, useJobs.getState().answer]).toEqual([[], null]);
  });

  it('from the panel: the button asks the model, and the turns join the conversation when it answers', async () => {
    useJobs.setState({ streamText: 'x', answer: calling() });
    usePlayground.getState().setResult(0, '{"order": "A-1"}');
    render(createElement(PlaygroundPanel));
    press('Go on with these results');
    await vi.waitFor(() => expect(usePlayground.getState().pending).toBeNull());
    expect(requests.map((r) => r.kind)).toEqual(['generate']);
    expect((requests[0].payload.messages as unknown[]).slice(1)).toEqual(usePlayground.getState().followUp);
    expect(usePlayground.getState().followUp.map((m) => [m.role, m.content])).toEqual([['assistant', ''], ['tool', '{"order": "A-1"}'], ['tool', '']]);
    expect(useJobs.getState().answer?.text).toBe('Done.');
    // A refused answer (a failure) leaves the conversation as it was and the results typed.
    reply = async () => {
      throw new Error('the GPU was lost');
    };
    useJobs.setState({ answer: calling() });
    usePlayground.getState().setResult(0, 'again');
    render(createElement(PlaygroundPanel));
    press('Go on with these results');
    await vi.waitFor(() => expect(usePlayground.getState().pending).toBeNull());
    expect(usePlayground.getState().followUp).toHaveLength(3);
    expect(usePlayground.getState().results).toEqual(['again']);
  });

  // A reload lost the conversation: the calls' results the user typed, turn after turn.
  it('is kept across a reload with its question, and dropped with another question or Start over', () => {
    const { parsePlaygroundConversation, PLAYGROUND_CONVERSATION_KEY } = playgroundModule;
    const saved = new Map<string, string>();
    vi.stubGlobal('localStorage', { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => saved.set(k, v), removeItem: (k: string) => saved.delete(k) });
    try {
      usePlayground.getState().setPlaygroundDraft({ query: 'Refund A-1' });
      usePlayground.getState().setResult(0, '{"order": "A-1"}');
      usePlayground.getState().goOn(calling({ wholeFloats: [[0, 'n']] }));
      // Not kept until it is answered (a failed answer leaves the conversation as it was).
      expect(saved.has(PLAYGROUND_CONVERSATION_KEY)).toBe(false);
      usePlayground.getState().settle(true);
      const turns = usePlayground.getState().followUp;
      const draft = usePlayground.getState().draft;
      // What the next page load reads: the same turns, for the same question only.
      expect(parsePlaygroundConversation(saved.get(PLAYGROUND_CONVERSATION_KEY) ?? null, draft)).toEqual(turns);
      expect(turns[0].wholeFloats).toEqual([[0, 'n']]);
      expect(parsePlaygroundConversation(saved.get(PLAYGROUND_CONVERSATION_KEY) ?? null, { ...draft, query: 'Refund A-2' })).toEqual([]);
      // Unreadable or hand-edited storage gives no conversation, never a malformed turn.
      for (const text of [null, '{bad', '[]', JSON.stringify({ question: JSON.stringify([draft.query, draft.sampleId, draft.pickedTools]), turns: [{ role: 'robot', content: '' }] }), JSON.stringify({ question: JSON.stringify([draft.query, draft.sampleId, draft.pickedTools]), turns: [{ role: 'assistant', content: '', calls: [{ name: 'f', arguments: 'x' }] }] })]) {
        expect(parsePlaygroundConversation(text, draft)).toEqual([]);
      }
      // Decoding settings keep it; another question drops it, and so does Start over.
      usePlayground.getState().setPlaygroundDraft({ temperature: 0.5 });
      expect(saved.has(PLAYGROUND_CONVERSATION_KEY)).toBe(true);
      usePlayground.getState().setPlaygroundDraft({ query: 'Something else' });
      expect(saved.has(PLAYGROUND_CONVERSATION_KEY)).toBe(false);
      usePlayground.getState().goOn(calling());
      usePlayground.getState().settle(true);
      expect(saved.has(PLAYGROUND_CONVERSATION_KEY)).toBe(true);
      usePlayground.getState().startOver();
      expect(saved.has(PLAYGROUND_CONVERSATION_KEY)).toBe(false);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('lists a held-out conversation’s turns in words', async () => {
    const { turnText } = await import('../../src/ui/playground/PlaygroundAnswer.tsx');
    expect([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Refund A-1' },
      { role: 'assistant', content: '', calls: [calls[0]] },
      { role: 'tool', name: 'find_order', content: ' ' },
      { role: 'assistant', content: 'Done.' },
      { role: 'assistant', content: '', calls: [{ name: 'refund', arguments: { order: 'A-1', amount: 5 } }], wholeFloats: [[0, 'amount']] },
    ].map((m) => turnText(m as never))).toEqual(['System: Be brief.', 'The user: Refund A-1', 'The model called find_order(email="ann@example.com")', 'find_order returned: (nothing)', 'The model: Done.', 'The model called refund(order="A-1", amount=5.0)']);
  });
});

// Whether training changed an answer needed the same question asked twice, the adapter switched in
// between, and the first answer gone from the screen when the second came.
describe('an answer beside the base model’s', () => {
  const run = (id: string, name: string, lastStep: number) => ({ id, name, datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: {}, lastStep }) as never;
  const call = (city: string) => ({ name: 'get_weather', arguments: { city } });
  const heldOut = { id: 'ex-9', tools: [], messages: [{ role: 'user', content: 'Weather in Oslo?' }], target: { calls: [call('Oslo')] } } as unknown as Example;

  it('asks the base model the same question, settings, seed and expected answer after the adapter, and shows both', async () => {
    useRuns.setState({ runs: [run('r-a', 'sft-a', 40)] });
    let midway = '';
    reply = async (_kind, p) => {
      // The base model's stream is its own: its tokens never land in the adapter's answer.
      const base = p.runId === undefined;
      useJobs.getState().noteGeneration(p.streamId as string, base ? 'base so far' : 'adapter so far');
      if (base) midway = render(createElement(PlaygroundAnswer));
      return base ? answer({ text: 'base', calls: [call('Bergen')], seed: p.seed as number, check: { exampleId: 'ex-9', correct: false, why: 'wrong city' } }) : answer({ text: 'adapter', calls: [call('Oslo')], seed: p.seed as number, check: { exampleId: 'ex-9', correct: true } });
    };
    await useJobs.getState().generateAnswer({ ...input, adapterRunId: 'r-a', heldOut, temperature: 0.7, besideBase: true });
    expect(requests.map((r) => r.payload.runId)).toEqual(['r-a', undefined]);
    const [first, second] = requests.map((r) => r.payload);
    for (const key of ['messages', 'tools', 'maxNewTokens', 'temperature', 'seed', 'expectation', 'backend']) expect(second[key]).toEqual(first[key]);
    expect(second.expectation).toMatchObject({ id: 'ex-9' });
    expect(second.streamId).not.toBe(first.streamId);
    // While the base model answers, the adapter's answer is whole and the base model's grows under it.
    expect(midway).toMatch(/<h3>The adapter’s answer<\/h3><pre class="wrap" data-testid="playground-text" aria-busy="false">adapter<\/pre>/);
    expect(midway).toMatch(/<h3>The base model’s answer \(generating…\)<\/h3>[\s\S]*data-testid="playground-base-text" aria-busy="true">base so far</);
    const s = useJobs.getState();
    expect([s.streamText, s.baseStreamText, s.answer?.text, s.baseAnswer?.text]).toEqual(['adapter', 'base', 'adapter', 'base']);
    expect(s.notice).toBe('3 tokens (eos). The base model: 3 tokens (eos).');
    const html = render(createElement(PlaygroundAnswer));
    expect(html).toContain('The adapter’s answer');
    expect(html).toMatch(/data-testid="playground-base-answer"[\s\S]*The base model’s answer[\s\S]*The same question and settings, and seed \d+, without the adapter\.[\s\S]*get_weather\(city=&quot;Bergen&quot;\)[\s\S]*✗ The evaluation would count it wrong: wrong city/);
    // What differs is said under the adapter's answer, before the base model's below it.
    expect(html).toMatch(/data-testid="playground-stats"[^>]*>[^<]*<\/p><p data-testid="playground-beside-base"><strong>The base model makes other calls\. The adapter’s answer would count right and the base model’s wrong: training fixed this one\.<\/strong>/);
    expect(html.indexOf('playground-beside-base')).toBeLessThan(html.indexOf('playground-base-answer'));
    // The status says both, once both came.
    expect(html).toMatch(/role="status"[^>]*>Answer ready: 3 tokens, 1 call; the evaluation would count it right\. The base model’s answer ready: 3 tokens, 1 call; the evaluation would count it wrong\.</);
  });

  it('is not asked for the base model itself, the ONNX export, a later turn, or when unticked; a new answer takes the old base answer away', async () => {
    useRuns.setState({ runs: [run('r-a', 'sft-a', 40)] });
    reply = async () => answer();
    useJobs.setState({ baseAnswer: answer({ text: 'an older question’s' }), baseStreamId: 'gen-0-base', baseStreamText: 'an older question’s' });
    await useJobs.getState().generateAnswer({ ...input, adapterRunId: '', temperature: 0, besideBase: true });
    await useJobs.getState().generateAnswer({ ...input, adapterRunId: 'r-a', temperature: 0, besideBase: true, backend: 'onnx' });
    await useJobs.getState().generateAnswer({ ...input, adapterRunId: 'r-a', temperature: 0, besideBase: true, followUp: [{ role: 'assistant', content: '', calls: [call('Oslo')] }, { role: 'tool', name: 'get_weather', content: '{}' }] });
    await useJobs.getState().generateAnswer({ ...input, adapterRunId: 'r-a', temperature: 0, besideBase: false });
    expect(requests.map((r) => r.payload.runId)).toEqual([undefined, 'r-a', 'r-a', 'r-a']);
    const s = useJobs.getState();
    expect([s.baseAnswer, s.baseStreamText]).toEqual([null, '']);
    expect(render(createElement(PlaygroundAnswer))).not.toContain('playground-base-answer');
  });

  it('keeps the adapter’s answer when the base model’s fails, and says which one failed', async () => {
    useRuns.setState({ runs: [run('r-a', 'sft-a', 40)] });
    reply = async (_kind, p) => {
      if (p.runId === undefined) throw new Error('the GPU device was lost');
      return answer({ text: 'adapter' });
    };
    await useJobs.getState().generateAnswer({ ...input, adapterRunId: 'r-a', temperature: 0, besideBase: true });
    const s = useJobs.getState();
    expect(s.answer?.text).toBe('adapter');
    expect(s.baseAnswer).toBeNull();
    expect(s.error).toMatch(/the adapter's answer came, but the base model's did not: the GPU device was lost/);
    expect(render(createElement(PlaygroundAnswer))).not.toContain('playground-base-answer');
  });

  it('is offered, ticked by default, for an adapter on our engine, and not for the base model', () => {
    useRuns.setState({ runs: [run('r-a', 'sft-a', 40)] });
    usePlayground.setState({ draft: { ...DEFAULT_PLAYGROUND_DRAFT, query: 'Weather in Oslo?', adapterRunId: 'r-a' } });
    expect(render(createElement(PlaygroundPanel))).toMatch(/data-testid="play-beside-base"[^>]*checked=""[^>]*\/> Beside the base model: it answers the same question after the adapter, so what training changed shows/);
    usePlayground.setState({ draft: { ...DEFAULT_PLAYGROUND_DRAFT, query: 'Weather in Oslo?', adapterRunId: 'r-a', temperature: 0.5 } });
    expect(render(createElement(PlaygroundPanel))).toContain('after the adapter, with the same seed, so');
    usePlayground.setState({ draft: { ...DEFAULT_PLAYGROUND_DRAFT, query: 'Weather in Oslo?', adapterRunId: '' } });
    expect(render(createElement(PlaygroundPanel))).not.toContain('play-beside-base');
  });

  it('says what differs: the words, the calls, and the verdicts', () => {
    const a = (text: string, calls: ReturnType<typeof call>[], correct?: boolean, over: Partial<GenerateResult> = {}) => answer({ text, calls, ...(correct !== undefined && { check: { exampleId: 'ex', correct } }), ...over });
    expect(besideBaseText(a('x', [call('Oslo')], true), a('x', [call('Oslo')], true))).toBe('The base model answers the same, word for word: training did not change this answer.');
    expect(besideBaseText(a('x', [call('Oslo')], true), a('y', [call('Oslo')], true))).toBe('The base model makes the same calls, with other words around them. Both would count right.');
    expect(besideBaseText(a('x', []), a('y', []))).toBe('Neither calls a tool; the base model’s words differ.');
    expect(besideBaseText(a('x', [call('Oslo')], false), a('y', [call('Rome')], true))).toBe('The base model makes other calls. The base model’s answer would count right and the adapter’s wrong: training broke this one.');
    expect(besideBaseText(a('x', [call('Oslo')], false), a('y', [call('Rome')], false))).toBe('The base model makes other calls. Both would count wrong.');
    expect(besideBaseText(a('x', [call('Oslo')]), a('y', [], undefined, { parseError: 'bad JSON' }))).toBe('The base model’s calls do not parse; the adapter’s do.');
    expect(besideBaseText(a('x', [], undefined, { parseError: 'bad' }), a('y', [call('Oslo')]))).toBe('The adapter’s calls do not parse; the base model’s do.');
    expect(besideBaseText(a('x', [], undefined, { parseError: 'bad' }), a('y', [], undefined, { parseError: 'bad' }))).toBe('Neither answer’s calls parse.');
    expect(besideBaseText(a('x', [call('Oslo')]), a('y', [], undefined, { finishReason: 'aborted' }))).toBe('One of the two answers was cancelled part-way: they cannot be compared.');
    // The calls compared as a set: parallel calls in another order are the same calls.
    expect(besideBaseText(a('x', [call('Oslo'), call('Rome')]), a('y', [call('Rome'), call('Oslo')]))).toMatch(/^The base model makes the same calls/);
  });
});
