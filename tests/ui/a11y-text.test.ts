// Information that used to be only a colour or a hover title: unavailable GPU features, token
// segments, per-token loss, why a button is off, a chart's numbers, the histogram's bin counts.
import { createElement, Fragment } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));
// The worker's token counts, replaced by fixed ones (no worker in Node).
const views = vi.hoisted(() => ({ tokens: null as unknown, lengths: null as unknown }));
vi.mock('../../src/state/datasetViews.ts', () => ({
  VIEW_TOKENIZER_NAME: 'test tokenizer',
  LENGTH_BINS: 4,
  useExampleTokens: () => ({ value: views.tokens, error: null }),
  useDatasetLengths: () => ({ value: views.lengths, error: null }),
  // The runs table's Start again counts a run's examples at its length (restartHeld.ts): not counted here.
  useTruncation: () => ({ value: null, error: null }),
}));

const { useCapabilities } = await import('../../src/state/capabilityStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { CapabilityReport } = await import('../../src/ui/capability/CapabilityReport.tsx');
const { TokenView } = await import('../../src/ui/dataset/TokenView.tsx');
const { segmentMarkerAt } = await import('../../src/ui/dataset/segmentMarkers.ts');
const { TokenLossStrip, highestLossTokens } = await import('../../src/ui/dashboard/TokenLossStrip.tsx');
const { CachedModels } = await import('../../src/ui/model/CachedModels.tsx');
const { RunActions, RunExports } = await import('../../src/ui/runs/RunActions.tsx');
// A run's row actions and, unfolded, its exports (whose reasons to be off are the row's).
const actionsAndExports = (run: Parameters<typeof RunActions>[0]['run']) => createElement(Fragment, null, createElement(RunActions, { run, onOpenDashboard: () => undefined }), createElement(RunExports, { run }));
const { StaticChart } = await import('../../src/ui/dashboard/StaticChart.tsx');
const { LengthHistogram } = await import('../../src/ui/dataset/LengthHistogram.tsx');
const { ExampleBrowser } = await import('../../src/ui/dataset/ExampleBrowser.tsx');

const initial = { runs: useRuns.getState(), model: useModel.getState(), caps: useCapabilities.getState() };
beforeEach(() => {
  useRuns.setState(initial.runs, true);
  useModel.setState(initial.model, true);
  useCapabilities.setState(initial.caps, true);
});

const trainRow = (id: string, extra: Partial<StoredRun> = {}) => ({ id, datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 3, ...extra }) as StoredRun;

it('a GPU feature that is missing says so in words', () => {
  const caps = { adapter: { vendor: 'v', architecture: '', description: '', device: '', isSoftware: false }, limits: { maxBufferSize: 1, maxStorageBufferBindingSize: 1, maxComputeWorkgroupStorageSize: 1, maxComputeInvocationsPerWorkgroup: 1, maxComputeWorkgroupsPerDimension: 1, maxStorageBuffersPerShaderStage: 1 }, features: ['shader-f16'], largestModelParams: 1e6, selfTest: { ok: true, elements: 1, maxAbsDiff: 0, millis: 1 }, kernels: [] };
  useCapabilities.setState({ status: 'ready', capabilities: caps as never });
  const html = renderNow(createElement(CapabilityReport));
  expect(html).toContain('<span class="chip on">shader-f16</span>');
  expect(html).toContain('<span class="chip off">subgroups (not available)</span>');
});

it('a self-test whose kernel could not run says why, not NaN', () => {
  const caps = { adapter: { vendor: 'v', architecture: '', description: '', device: '', isSoftware: false }, limits: { maxBufferSize: 1, maxStorageBufferBindingSize: 1, maxComputeWorkgroupStorageSize: 1, maxComputeInvocationsPerWorkgroup: 1, maxComputeWorkgroupsPerDimension: 1, maxStorageBuffersPerShaderStage: 1 }, features: [], largestModelParams: 1e6, selfTest: { ok: false, elements: 0, maxAbsDiff: Number.NaN, millis: 1, error: 'shaders/matmul.wgsl:1:1: unresolved value' }, kernels: [] };
  useCapabilities.setState({ status: 'ready', capabilities: caps as never });
  const html = renderNow(createElement(CapabilityReport));
  expect(html).toContain('FAILED: shaders/matmul.wgsl:1:1: unresolved value');
  expect(html).not.toContain('NaN');
});

describe('token segments in words', () => {
  it('a marker where a segment begins, none inside it', () => {
    const segs = [0, 0, 1, 1, 2, 0];
    expect(segs.map((_, i) => segmentMarkerAt(segs, i))).toEqual(['prompt: ', null, 'reasoning: ', null, 'call: ', 'prompt: ']);
  });

  it('the token view reads “reasoning:” and “call:” at their borders', () => {
    views.tokens = { tokenizer: 't', counts: { prompt: 1, cot: 2, call: 1 }, pieces: [{ text: 'Q', segment: 0 }, { text: '<think>', segment: 1 }, { text: 'hm', segment: 1 }, { text: 'f()', segment: 2 }] };
    const html = renderNow(createElement(TokenView, { example: { id: 'e', tools: [], messages: [], target: { calls: [] } } as never }));
    expect(html).toContain('<span class="sr-only">prompt: </span><span class="seg-prompt">Q</span><span class="sr-only">reasoning: </span><span class="seg-cot">&lt;think&gt;</span><span class="seg-cot">hm</span><span class="sr-only">call: </span><span class="seg-call">f()</span>');
  });

  it('the loss strip lists its highest-loss tokens with their loss', () => {
    const strip = { step: 5, exampleId: 'e1', tokens: ['a', 'b', 'c', 'd'], segments: [1, 1, 2, 2], nll: [0.5, 3.25, 1, 3.25] };
    expect(highestLossTokens(strip, 2)).toEqual([{ token: 'b', loss: 3.25, segment: 'reasoning' }, { token: 'd', loss: 3.25, segment: 'call' }]);
    useRuns.setState({ runs: [trainRow('r', { tokenLoss: strip } as never)] });
    const html = renderNow(createElement(TokenLossStrip, { runId: 'r' }));
    expect(html).toContain('Highest loss: &quot;b&quot; 3.250 (reasoning) · &quot;d&quot; 3.250 (call) · &quot;c&quot; 1.000 (call) · &quot;a&quot; 0.500 (reasoning)');
    expect(html).toContain('<span class="sr-only">call: </span>');
  });
});

describe('why a button is off, where a keyboard reaches it', () => {
  it('the loaded model’s cached files: Delete points to a visible reason', () => {
    useModel.setState({ cached: [{ repo: 'o/m', files: 3, bytes: 10 } as never], info: { ref: 'o/m' } as never, refreshCachedModels: async () => undefined });
    const html = renderNow(createElement(CachedModels));
    expect(html).toMatch(/aria-label="Delete the cached files of o\/m" aria-disabled="true" aria-describedby="cached-loaded-why">Delete<\/button><span class="small muted" id="cached-loaded-why">The loaded model: load another model/);
    expect(html).not.toMatch(/title=/);
  });

  it('a run with no trained step: ONNX says it needs one', () => {
    const run = trainRow('fresh', { lastStep: 0, status: 'created' });
    useRuns.setState({ runs: [run] });
    const html = renderNow(actionsAndExports(run));
    expect(html).toMatch(/data-testid="export-onnx" aria-disabled="true" aria-describedby="run-onnx-why-fresh"/);
    expect(html).toMatch(/data-testid="export-gguf" aria-disabled="true" aria-describedby="run-onnx-why-fresh"/);
    expect(html).toMatch(/data-testid="export-merged" aria-disabled="true" aria-describedby="run-onnx-why-fresh"/);
    expect(html).toContain('<span class="small muted" id="run-onnx-why-fresh">The model exports (ONNX, GGUF, merged) need a trained step.</span>');
  });
});

describe('why ONNX is off', () => {
  it('while another run trains: says it waits for that run (it was greyed without a word)', () => {
    const run = trainRow('r1', { name: 'first run' });
    useRuns.setState({ runs: [run, trainRow('r2', { status: 'running' })], active: { runId: 'r2', progress: null, stepTimes: [], pausing: false, stopping: false }, adapterRuns: new Set(['r1']) });
    const html = renderNow(actionsAndExports(run));
    expect(html).toMatch(/data-testid="export-onnx" aria-disabled="true" aria-describedby="run-onnx-why-r1"/);
    expect(html).toContain('<span class="small muted" id="run-onnx-why-r1">The model exports (ONNX, GGUF, merged) wait for the run that is training; export it once that ends.</span>');
  });

  it('while this tab’s job or another tab’s run holds the GPU: off, saying which (it was on, and the worker refused the export)', async () => {
    const { jobBusyText, useJobs } = await import('../../src/state/jobStore.ts');
    const run = trainRow('r1', { name: 'first run' });
    useRuns.setState({ runs: [run, trainRow('r2', { name: 'there', status: 'running' })], adapterRuns: new Set(['r1']) });
    /** The text the ONNX button points to. */
    const onnxWhy = () => {
      const html = renderNow(actionsAndExports(run));
      const id = html.match(/data-testid="export-onnx" aria-disabled="true" aria-describedby="([^"]+)"/)?.[1];
      return id && html.match(new RegExp(`<span class="small muted" id="${id}">([^<]*)</span>`))?.[1];
    };
    const initialJobs = useJobs.getState();
    try {
      useJobs.setState({ running: { kind: 'evaluate', progress: null } });
      expect(onnxWhy()).toBe(jobBusyText('evaluate'));
      useJobs.setState({ running: null });
      useRuns.setState({ trainingNow: new Set(['r2']) });
      expect(onnxWhy()).toBe('The run “there” is training in another tab of the studio, which holds the GPU until it ends: pause or stop it there first.');
      // A paused run's Resume is held for the same reason: said once, beside both.
      const paused = { ...run, status: 'paused', lastStep: 2 } as StoredRun;
      useRuns.setState({ checkpointSteps: new Map([['r1', 2]]) });
      const html = renderNow(actionsAndExports(paused));
      expect(html.match(/aria-label="Resume first run from step 2"[^>]*aria-describedby="([^"]+)"/)?.[1]).toBe(html.match(/data-testid="export-onnx" aria-disabled="true" aria-describedby="([^"]+)"/)?.[1]);
      expect(html.split('is training in another tab of the studio').length).toBe(2);
    } finally {
      useJobs.setState(initialJobs, true);
    }
  });

  it('a run that failed before its first checkpoint: off, saying there is no adapter (it was on, and the export failed)', () => {
    const run = trainRow('failed-early', { status: 'failed', lastStep: 7 });
    useRuns.setState({ runs: [run], adapterRuns: new Set() });
    const html = renderNow(actionsAndExports(run));
    expect(html).toMatch(/data-testid="export-onnx" aria-disabled="true" aria-describedby="run-onnx-why-failed-early"/);
    expect(html).toContain('<span class="small muted" id="run-onnx-why-failed-early">The model exports (ONNX, GGUF, merged) need a saved checkpoint, and this run has none.</span>');
    // With one (a snapshot's adapter-only checkpoint counts: it holds the adapter), it is on.
    useRuns.setState({ adapterRuns: new Set(['failed-early']) });
    expect(renderNow(actionsAndExports(run))).not.toMatch(/data-testid="export-onnx" aria-disabled="true"/);
  });
});

describe('what a run offers', () => {
  it('an HDR run that continued a training run exports and shares as a snapshot; one from the base model or another run does not', () => {
    const hdr = (id: string, fromRunId?: string) => ({ ...trainRow(id), kind: 'hdr', name: id, settings: {}, rounds: [], ...(fromRunId ? { fromRunId } : {}) }) as unknown as StoredRun;
    const continued = hdr('hdr-a', 'r');
    const evalRow = { ...trainRow('e'), kind: 'eval' } as unknown as StoredRun;
    useRuns.setState({ runs: [trainRow('r'), continued, hdr('hdr-b'), evalRow, hdr('hdr-c', 'e')] });
    const html = renderNow(actionsAndExports(continued));
    expect(html).toContain('aria-label="Export hdr-a as a snapshot .zip"');
    expect(html).toContain('aria-label="Copy a share link for hdr-a"');
    expect(renderNow(actionsAndExports(hdr('hdr-b')))).not.toContain('snapshot .zip');
    // HDR that continued an evaluation's model, not a training run: no history to carry.
    expect(renderNow(createElement(RunActions, { run: hdr('hdr-c', 'e'), onOpenDashboard: () => undefined }))).not.toContain('snapshot .zip');
  });

  it('an ended HDR run with an adapter (its last round’s) exports it as GGUF, waiting while a run trains; one without an adapter offers none', () => {
    const hdr = { ...trainRow('h1'), kind: 'hdr', name: 'hdr one', settings: {}, rounds: [] } as unknown as StoredRun;
    useRuns.setState({ runs: [hdr], adapterRuns: new Set(['h1']), active: null });
    const on = renderNow(actionsAndExports(hdr));
    expect(on).toMatch(/<button aria-label="Export hdr one as one GGUF file for llama.cpp, Ollama and LM Studio \(Q8_0 weights, the last HDR round’s adapter merged\)" data-testid="export-gguf">GGUF<\/button>/);
    expect(on).not.toContain('export-onnx');
    useRuns.setState({ runs: [hdr, trainRow('r2', { status: 'running' })], active: { runId: 'r2', progress: null, stepTimes: [], pausing: false, stopping: false } });
    const waiting = renderNow(actionsAndExports(hdr));
    expect(waiting).toMatch(/data-testid="export-gguf" aria-disabled="true" aria-describedby="run-onnx-why-h1"/);
    expect(waiting).toContain('<span class="small muted" id="run-onnx-why-h1">GGUF and merged wait for the run that is training; export it once that ends.</span>');
    useRuns.setState({ adapterRuns: new Set(), active: null });
    expect(renderNow(actionsAndExports(hdr))).not.toContain('export-gguf');
  });
});

describe('numbers behind the pictures', () => {
  it('a fixed chart’s text alternative has each line’s first and last value', () => {
    const html = renderNow(createElement(StaticChart, { title: 'Loss', lines: [{ label: 'total', color: () => '#000', steps: [1, 2, 3], values: [3, 2, 1.5] }] }));
    expect(html).toContain('aria-label="Loss: total from 3.000 at step 1 to 1.500 at step 3"');
  });

  it('the length histogram has a table of its bins’ counts', () => {
    views.lengths = { tokenizer: 't', failed: 0, cot: [1, 2, 9, 30], call: [4, 4, 4, 5], stats: { meanCotPerExample: 10, meanCallPerExample: 4, callShare: 0.3, totalTokens: { median: 50, p95: 80, max: 90 } } };
    const html = renderNow(createElement(LengthHistogram, { datasetId: 'd', examples: 4 }));
    // 4 bins of 8 tokens over 0–32: CoT 1, 2 | 9 | – | 30; call all in the first bin.
    expect(html).toContain('<tr><th scope="row">0–8</th><td>2</td><td>4</td></tr><tr><th scope="row">8–16</th><td>1</td><td>0</td></tr>');
    expect(html).toContain('<tr><th scope="row">24–32</th><td>1</td><td>0</td></tr>');
  });

  it('the search’s “N of M” is a status', () => {
    const html = renderNow(createElement(ExampleBrowser, { dataset: { id: 'd', name: 'd', createdAt: 1, files: [], exampleCount: 0, fingerprint: '', split: { seed: 1, evalFraction: 0.1 }, issues: [], issueCount: 0 }, ruleFilter: null, onClearRule: () => undefined }));
    expect(html).toMatch(/<span class="muted" role="status" data-testid="example-count">0 of 0<\/span>/);
  });
});
