// Every way of starting a training, HDR or ablation run goes through the memory plan, in the stores'
// starts (startRun, as Resume does; startHdr, startAblation), asked for the settings that job really
// runs and waited for, not only the panels' Start buttons, which are off while the panels' plan (the
// forms' settings) is on its way or refuses. The guided demo's Train and HDR steps started with no
// plan asked: settings the plan refuses made a job that then stopped, and a plan on its way was not
// waited for. A refusal says the settings and the limit; a plan the worker cannot make holds nothing
// (the job checks this GPU's limits itself).
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import type { MemoryPlan, ProgressInfo, TrainShape } from '../../src/worker/protocol.ts';

const requests: Array<{ kind: string; payload: unknown }> = [];
/** The worker's planMemory answers, one per request, settled by the test. */
let planAnswers: Array<{ resolve: (p: unknown) => void; reject: (e: Error) => void }> = [];
/** The demo dataset's prompt lengths as the worker counts them: the longest decoded, and those HDR mines in order. */
const MINED_PROMPTS = Array.from({ length: 130 }, (_, i) => 100 + i);
const LONGEST_PROMPT = 260;
/** Where set, datasetFits counts as the worker does on a dataset not counted yet: it reports its
 * progress, and answers when the test says so. */
let counting: { progress: ProgressInfo; answer?: () => void; report?: (p: ProgressInfo) => void } | null = null;
/** Where set, loadModel loads as the worker does a hub model: it reports its bytes, and answers when
 * the test says so, or ends at a cancelModelLoad as the worker's does (by the error's name). */
let loading: { progress: ProgressInfo; answer?: () => void; cancel?: () => void; fail?: (err: Error) => void } | null = null;
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: (kind: string, payload: unknown, onProgress?: (p: ProgressInfo) => void) => {
      requests.push({ kind, payload });
      if (kind === 'planMemory') return new Promise((resolve, reject) => planAnswers.push({ resolve, reject }));
      if (kind === 'datasetFits' && counting) {
        onProgress?.(counting.progress);
        const c = counting;
        c.report = onProgress;
        return new Promise((resolve) => (c.answer = () => resolve({ longestPrompt: LONGEST_PROMPT, minedPrompts: MINED_PROMPTS })));
      }
      if (kind === 'loadModel' && loading) {
        onProgress?.(loading.progress);
        const l = loading;
        return new Promise((resolve, reject) => {
          l.answer = () => resolve({ ref: (payload as { source: { repo: string } }).source.repo });
          l.cancel = () => reject(Object.assign(new Error('loading was cancelled'), { name: 'ModelLoadCancelledError' }));
          l.fail = reject;
        });
      }
      if (kind === 'cancelModelLoad') {
        queueMicrotask(() => loading?.cancel?.());
        return Promise.resolve(!!loading?.cancel);
      }
      if (kind === 'createRun') return Promise.resolve({ runId: 'r-new' });
      if (kind === 'exportRecipe') return Promise.resolve({ zip: new Uint8Array(10), fileName: 'hub-run-recipe.zip', trainExamples: 3, evalExamples: 1, notes: [] });
      if (kind === 'exportSnapshot') return Promise.resolve({ zip: new Uint8Array(10), holds: { adapter: true, checkpoint: true, dataset: false } });
      if (kind === 'startRun') return Promise.resolve({ status: 'done', step: 30 });
      if (kind === 'datasetFits') return Promise.resolve({ longestPrompt: LONGEST_PROMPT, minedPrompts: MINED_PROMPTS });
      if (kind === 'startHdr') return Promise.resolve({ hdrRunId: 'h1', stopReason: 'max_rounds', rounds: 1, poolStart: 3, added: 4 });
      if (kind === 'startAblation') return Promise.resolve({ arms: 5 });
      return Promise.resolve(undefined);
    },
  }),
}));

vi.mock('../../src/state/download.ts', () => ({ downloadBytes: () => undefined }));

const { useModel, EMBEDDED_REF } = await import('../../src/state/modelStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { DEMO_DATASET_NAME, DEMO_HDR, DEMO_RUN_CONFIG, DEMO_RUN_NAME, useDemo } = await import('../../src/state/demoStore.ts');
const { DemoGuide } = await import('../../src/ui/demo/DemoGuide.tsx');
const { TrainingPanel } = await import('../../src/ui/training/TrainingPanel.tsx');
const { JobProgress } = await import('../../src/ui/shell/JobProgress.tsx');
const { PLAN_CHECK_LABEL } = await import('../../src/state/startPlan.ts');
const { RunStrip } = await import('../../src/ui/shell/RunStrip.tsx');
const { DashboardPanel } = await import('../../src/ui/dashboard/DashboardPanel.tsx');
const { useSnapshots } = await import('../../src/state/snapshotStore.ts');
const { EvalPanel } = await import('../../src/ui/eval/EvalPanel.tsx');

const PROBLEM = "layer activation gate needs 2.00 GiB in one buffer, over this GPU's 1.00 GiB binding limit";
const HDR_PROBLEM = "layer activation gate needs 1.50 GiB in one buffer, over this GPU's 1.00 GiB binding limit";
const plan = (p: Partial<MemoryPlan>) => ({ fits: true, problems: [], hdrProblems: [], hdrSeqLen: 320, suggestions: [], ...p }) as unknown as MemoryPlan;
const refusing = plan({ fits: false, problems: [PROBLEM], suggestions: ['turn recompute on'] });
const fitting = plan({});
/** Training fits; HDR's retraining at its own, longer length does not (the plan's HDR verdict). */
const hdrRefusing = (hdrSeqLen: number) => plan({ hdrProblems: [HDR_PROBLEM], hdrSeqLen });
const kinds = () => requests.map((r) => r.kind);
const payloadOf = (kind: string) => requests.find((r) => r.kind === kind)?.payload;
const settle = () => new Promise((r) => setTimeout(r, 0));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/<!-- -->/g, '').replace(/\s+/g, ' ');

const demoRun = { id: 'r-demo', kind: 'train', name: DEMO_RUN_NAME, datasetId: 'd1', status: 'done', createdAt: 1, updatedAt: 1, config: DEMO_RUN_CONFIG };
/** The Training form's settings (every ablation arm's) and the ablation form's, with an SSB + HDR arm. */
function ablationForms() {
  useRuns.getState().updateDraft({ batchSize: 4, seqLen: 512, recompute: true, lora: { ...useRuns.getState().draft.lora, rank: 16 } });
  useJobs.getState().setAblationDraft({ name: 'rules', hdrRule: 'uncertainty', maxNewTokens: 128, batchSize: 6, hdrMineLimit: 20 });
}
const stores = { runs: useRuns.getState(), demo: useDemo.getState(), jobs: useJobs.getState(), model: useModel.getState() };
beforeEach(() => {
  requests.length = 0;
  planAnswers = [];
  counting = null;
  loading = null;
  useJobs.setState(stores.jobs, true);
  useDemo.setState(stores.demo, true);
  useModel.setState({ ...stores.model, info: { ref: EMBEDDED_REF } as never }, true);
  useDatasets.setState({ datasets: [{ id: 'd1', name: DEMO_DATASET_NAME, exampleCount: 320, split: { seed: 1234, evalFraction: 0.1, by: 'question' } } as never], selectedId: 'd1', refreshDatasets: async () => undefined, selectDataset: () => undefined } as never);
  useRuns.setState({ ...stores.runs, runs: [demoRun as never], active: null, error: null, refreshRuns: async () => undefined }, true);
});

describe('the demo’s Train, whose run has its own settings', () => {
  it('asks the plan for the demo’s settings and starts nothing when it refuses, saying why', async () => {
    const training = useDemo.getState().train();
    await settle();
    expect(requests.find((r) => r.kind === 'planMemory')?.payload).toMatchObject({ batch: DEMO_RUN_CONFIG.batchSize, seqLen: DEMO_RUN_CONFIG.seqLen, rank: DEMO_RUN_CONFIG.lora.rank } satisfies Partial<TrainShape>);
    planAnswers.shift()!.resolve(refusing);
    await training;
    expect(kinds()).not.toContain('createRun');
    expect(kinds()).not.toContain('startRun');
    const error = useDemo.getState().error;
    expect(error).toBe(`The memory plan says the settings of “${DEMO_RUN_NAME}” do not fit this GPU (batch 2 × 320 tokens, LoRA rank 8): ${PROBLEM}. No run was started.`);
    expect(text(renderNow(createElement(DemoGuide, { onOpen: () => undefined })))).toContain(error!);
  });
});

describe('Start training and the store’s start', () => {
  it('say the same where the plan refuses the form’s settings', async () => {
    useRuns.getState().updateDraft({ batchSize: 4, seqLen: 512, recompute: true, lora: { ...useRuns.getState().draft.lora, rank: 16 } });
    useModel.setState({ plan: refusing });
    const html = renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined }));
    const buttonReason = /id="start-blocked"[^>]*>([^<]*)</.exec(html.replace(/<!-- -->/g, ''))![1].replace(/&#x27;/g, "'");
    expect(buttonReason).toBe(`The memory plan says these settings do not fit this GPU (batch 4 × 512 tokens, LoRA rank 16, recompute on): ${PROBLEM}. See the Model panel for what to change.`);
    const starting = useRuns.getState().startRun('d1');
    await settle();
    planAnswers.shift()!.resolve(refusing);
    await starting;
    expect(kinds()).not.toContain('createRun');
    expect(useRuns.getState().error).toBe(buttonReason);
  });
});

describe('the demo’s HDR step, which runs HDR from the demo run with the demo’s settings', () => {
  it('asks the plan for HDR’s own retraining and sampling, and starts nothing when it refuses, saying why', async () => {
    const running = useDemo.getState().runHdr();
    await settle();
    // Retrains with the demo run's settings, samples as the demo's HDR does, at the length its mined prompts need.
    expect(payloadOf('datasetFits')).toEqual({ datasetId: 'd1' });
    expect(payloadOf('planMemory')).toMatchObject({
      batch: DEMO_RUN_CONFIG.batchSize, seqLen: DEMO_RUN_CONFIG.seqLen, rank: DEMO_RUN_CONFIG.lora.rank,
      decode: { batch: DEMO_HDR.settings.batchSize, maxNewTokens: DEMO_HDR.settings.maxNewTokens, sampled: true, promptTokens: LONGEST_PROMPT, minedPrompts: MINED_PROMPTS.slice(0, DEMO_HDR.mineLimit) },
    } satisfies Partial<TrainShape>);
    planAnswers.shift()!.resolve(refusing);
    await running;
    expect(kinds()).not.toContain('startHdr');
    const error = useDemo.getState().error;
    expect(error).toBe(`The memory plan says HDR from “${DEMO_RUN_NAME}” does not fit this GPU (retraining with batch 2 × 320 tokens, LoRA rank 8; sampling 8 answers at once, up to 96 new tokens each): ${PROBLEM}. No HDR run was started.`);
    expect(text(renderNow(createElement(DemoGuide, { onOpen: () => undefined })))).toContain(error!);
    expect(useJobs.getState().running).toBeNull();
  });

  it('is refused by the plan’s HDR verdict too, naming the length HDR retrains at', async () => {
    const running = useDemo.getState().runHdr();
    await settle();
    planAnswers.shift()!.resolve(hdrRefusing(352));
    await running;
    expect(kinds()).not.toContain('startHdr');
    expect(useDemo.getState().error).toBe(`The memory plan says HDR from “${DEMO_RUN_NAME}” does not fit this GPU (retraining with batch 2 × 320 tokens, LoRA rank 8, at sequence 352 to hold its longest mined prompt and an answer; sampling 8 answers at once, up to 96 new tokens each): ${HDR_PROBLEM}. No HDR run was started.`);
  });
});

describe('the ablation’s start, whose arms train with the Training panel’s settings', () => {
  beforeEach(ablationForms);

  it('asks the plan for the arms’ training, evaluation and HDR arm, and starts nothing when it refuses, saying why', async () => {
    const starting = useJobs.getState().startAblation('d1');
    await settle();
    expect(payloadOf('planMemory')).toMatchObject({
      batch: 4, seqLen: 512, rank: 16, recompute: true,
      decode: { batch: 6, maxNewTokens: 128, sampled: true, promptTokens: LONGEST_PROMPT, minedPrompts: MINED_PROMPTS.slice(0, 20) },
    } satisfies Partial<TrainShape>);
    planAnswers.shift()!.resolve(refusing);
    await starting;
    expect(kinds()).not.toContain('startAblation');
    expect(useJobs.getState().error).toBe(`The memory plan says the ablation “rules” does not fit this GPU (every arm trains with batch 4 × 512 tokens, LoRA rank 16, recompute on; evaluating 6 answers at once, up to 128 new tokens each): ${PROBLEM}. The ablation was not started.`);
    expect(useJobs.getState().errorKind).toBe('ablation');
    expect(useJobs.getState().running).toBeNull();
  });

  it('is refused by the plan’s HDR verdict where it has an SSB + HDR arm, and not without one', async () => {
    let starting = useJobs.getState().startAblation('d1');
    await settle();
    planAnswers.shift()!.resolve(hdrRefusing(640));
    await starting;
    expect(kinds()).not.toContain('startAblation');
    expect(useJobs.getState().error).toBe(`The memory plan says the ablation “rules” does not fit this GPU (every arm trains with batch 4 × 512 tokens, LoRA rank 16, recompute on; the SSB + HDR arm retrains at sequence 640 to hold its longest mined prompt and an answer; evaluating 6 answers at once, up to 128 new tokens each): ${HDR_PROBLEM}. The ablation was not started.`);

    requests.length = 0;
    useJobs.getState().setAblationDraft({ hdrRule: null });
    starting = useJobs.getState().startAblation('d1');
    await settle();
    expect(payloadOf('planMemory')).not.toHaveProperty('decode.sampled', true);
    planAnswers.shift()!.resolve(hdrRefusing(640));
    await starting;
    expect(kinds()).toContain('startAblation');
    expect(useJobs.getState().error).toBeNull();
  });
});

/** Each start made outside its form: what it asks before its plan, what it sends once the plan lets
 * it (the first request's payload), what shows it waiting, and where its error shows. */
const starts = [
  { what: 'the demo’s Train', start: () => useDemo.getState().train(), asks: ['planMemory'], sends: ['createRun', 'startRun'], sent: { name: DEMO_RUN_NAME, config: DEMO_RUN_CONFIG }, waiting: () => useDemo.getState().busy, holding: 'train', error: () => useDemo.getState().error },
  { what: 'the demo’s HDR step', start: () => useDemo.getState().runHdr(), asks: ['datasetFits', 'planMemory'], sends: ['startHdr'], sent: { datasetId: 'd1', runId: 'r-demo', settings: DEMO_HDR.settings, mineLimit: DEMO_HDR.mineLimit }, waiting: () => useDemo.getState().busy, holding: 'hdr', error: () => useDemo.getState().error },
  { what: 'the ablation’s start', start: () => (ablationForms(), useJobs.getState().startAblation('d1')), asks: ['datasetFits', 'planMemory'], sends: ['startAblation'], sent: { datasetId: 'd1', name: 'rules' }, waiting: () => useJobs.getState().running?.kind, holding: 'ablation', error: () => useJobs.getState().error },
];

describe.each(starts)('$what', ({ start, asks, sends, sent, waiting, holding, error }) => {
  it('waits for its plan while it is on its way, then starts where it fits', async () => {
    const starting = start();
    await settle();
    expect(kinds()).toEqual(asks);
    expect(waiting()).toBe(holding);
    planAnswers.shift()!.resolve(fitting);
    await starting;
    expect(kinds()).toEqual([...asks, ...sends]);
    expect(payloadOf(sends[0])).toMatchObject(sent);
    expect(error()).toBeNull();
  });

  it('starts where the plan could not be made (the job checks this GPU’s limits itself)', async () => {
    const starting = start();
    await settle();
    planAnswers.shift()!.reject(new Error('the GPU adapter was lost'));
    await starting;
    expect(kinds()).toEqual([...asks, ...sends]);
    expect(error()).toBeNull();
  });
});

describe('Cancel while an HDR or ablation start waits for its plan', () => {
  it('says it is checking the plan, and a Cancel pressed then ends the start with nothing sent to the worker', async () => {
    const running = useJobs.getState().startHdr('d1');
    await settle();
    const bar = text(renderNow(createElement(JobProgress, { kinds: ['hdr'] })));
    expect(bar).toContain(PLAN_CHECK_LABEL);
    expect(bar).toContain('Cancel');
    await useJobs.getState().cancelJob();
    planAnswers.shift()!.resolve(fitting);
    await running;
    expect(kinds()).toEqual(['datasetFits', 'planMemory']);
    expect(useJobs.getState().running).toBeNull();
    expect(useJobs.getState().notice).toBe('The HDR run was cancelled before it started.');
    expect(useJobs.getState().error).toBeNull();
  });
});

describe('Cancel while a training start waits for its plan', () => {
  const strip = () => renderNow(createElement(RunStrip, { onOpenDashboard: () => undefined }));

  it('shows the start checking the plan, with a Cancel that ends it with nothing sent to the worker (the demo’s Train)', async () => {
    const training = useDemo.getState().train();
    await settle();
    const bar = text(strip());
    expect(bar).toContain(PLAN_CHECK_LABEL);
    expect(bar).toContain(`Training ${DEMO_RUN_NAME}`);
    expect(strip()).toMatch(/<button[^>]*data-testid="run-start-cancel"[^>]*>Cancel</);
    // Start training is off meanwhile: pressed, it only said a run was starting.
    const panel = renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined }));
    expect(panel).toMatch(/<button[^>]*data-testid="start-run"[^>]*aria-disabled="true"/);
    // …with its reason beside it, as every other reason it is off has.
    expect(panel.replace(/<!-- -->/g, '').replace(/&#x27;/g, "'")).toMatch(/id="start-blocked"[^>]*>A run is starting: its memory plan is being checked \(the run strip's Cancel stops it\)\.</);
    await useRuns.getState().cancelStart();
    await training;
    expect(kinds()).toEqual(['planMemory']);
    expect(useRuns.getState().notice).toBe(`The training run “${DEMO_RUN_NAME}” was cancelled before it started.`);
    expect(useRuns.getState().error).toBeNull();
    expect(useDemo.getState().error).toBeNull();
    expect(text(strip())).not.toContain(PLAN_CHECK_LABEL);
    // Start training and the demo's Train open the dashboard: the notice is there.
    expect(text(renderNow(createElement(DashboardPanel, { theme: 'light' })))).toContain(useRuns.getState().notice!);
    // The plan answering late starts nothing.
    planAnswers.shift()!.resolve(fitting);
    await settle();
    expect(kinds()).toEqual(['planMemory']);
  });

  it('ends a resume waiting for its plan too', async () => {
    const paused = { ...demoRun, id: 'r-paused', name: 'paused run', status: 'paused', lastStep: 3 };
    useRuns.setState({ runs: [paused as never] });
    const resuming = useRuns.getState().resumeRun('r-paused');
    await settle();
    expect(text(strip())).toContain(PLAN_CHECK_LABEL);
    await useRuns.getState().cancelStart();
    await resuming;
    expect(kinds()).toEqual(['planMemory']);
    expect(useRuns.getState().notice).toBe('Resuming “paused run” was cancelled before it started.');
  });
});

describe('an HDR or ablation start on a dataset the panels have not counted yet', () => {
  it('shows the worker counting its tokens on the bar while it waits, then the plan check', async () => {
    counting = { progress: { label: 'counting tokens', done: 120, total: 321 } };
    ablationForms();
    const starting = useJobs.getState().startAblation('d1');
    await settle();
    const bar = text(renderNow(createElement(JobProgress, { kinds: ['ablation'] })));
    expect(bar).toContain(`${PLAN_CHECK_LABEL}: counting tokens`);
    expect(bar).toContain('120 of 321 examples');
    counting.answer!();
    await settle();
    const planning = text(renderNow(createElement(JobProgress, { kinds: ['ablation'] })));
    expect(planning).toContain(PLAN_CHECK_LABEL);
    expect(planning).not.toContain('counting tokens');
    planAnswers.shift()!.resolve(fitting);
    await starting;
    expect(kinds()).toEqual(['datasetFits', 'planMemory', 'startAblation']);
  });

  it('ends at a Cancel pressed while the worker counts, and the count ending later shows nothing', async () => {
    counting = { progress: { label: 'counting tokens', done: 5, total: 321 } };
    const running = useJobs.getState().startHdr('d1');
    await settle();
    await useJobs.getState().cancelJob();
    await running;
    expect(useJobs.getState().notice).toBe('The HDR run was cancelled before it started.');
    counting.answer!();
    await settle();
    expect(useJobs.getState().running).toBeNull();
    // Not even the plan is asked: the start is over.
    expect(kinds()).toEqual(['datasetFits']);
  });
});

// A hub model of about 1 GB: its download takes a while, which the strip used to leave blank, with no Cancel.
const HUB = 'Qwen/Qwen2.5-0.5B-Instruct';
const hubRun = { ...demoRun, id: 'r-hub', name: 'hub run', status: 'paused', lastStep: 3, modelRef: HUB };
/** What a Cancel on the strip adds where its action began the model's load. */
const STOPPED_TOO = `Loading ${HUB} stopped too: what was downloaded is kept, and loading it again resumes the download.`;
const HUB_BYTES_SO_FAR: ProgressInfo = { label: 'model.safetensors', done: 300 * 2 ** 20, total: 942 * 2 ** 20 };
const hubStrip = () => renderNow(createElement(RunStrip, { onOpenDashboard: () => undefined }));
/** The strip shows HUB loading, with its bytes so far and a Cancel. */
function expectStripLoadingHub(html: string) {
  expect(text(html)).toContain(`loading ${HUB}`);
  expect(text(html)).toContain('300 MiB of 942 MiB');
  expect(html).toMatch(/<button[^>]*data-testid="run-start-cancel"[^>]*>Cancel</);
}
/** Starts `action` (a resume, an export), and cancels it on the strip while HUB loads. */
async function cancelledWhileLoading(action: () => Promise<void>, cancel: () => unknown = () => useRuns.getState().cancelStart()) {
  const acting = action();
  await settle();
  await cancel();
  await acting;
}

describe('a resume of a run trained on another model than the one loaded', () => {
  const strip = hubStrip;
  /** What the strip's live region says (each phase once: its text names the phase, not its bytes). */
  const announced = (html: string) => /data-testid="run-announcer">([^<]*)</.exec(html)![1];
  beforeEach(() => {
    useRuns.setState({ runs: [hubRun as never] });
    loading = { progress: HUB_BYTES_SO_FAR };
  });

  it('shows the strip loading that model with its bytes, then checking the plan, then trains', async () => {
    const resuming = useRuns.getState().resumeRun('r-hub');
    await settle();
    const html = strip();
    expect(text(html)).toContain(`Training hub run`);
    expectStripLoadingHub(html);
    expect(announced(html)).toBe(`Training “hub run”: loading ${HUB}.`);
    // Start training is off meanwhile, saying what the start is doing.
    const panel = renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined }));
    expect(panel.replace(/<!-- -->/g, '').replace(/&#x27;/g, "'")).toMatch(new RegExp(`id="start-blocked"[^>]*>A run is starting: loading ${HUB} \\(the run strip's Cancel stops it\\)\\.<`));
    expect(kinds()).toEqual(['loadModel']);
    loading!.answer!();
    await settle();
    const checking = strip();
    expect(text(checking)).toContain(PLAN_CHECK_LABEL);
    expect(text(checking)).not.toContain(`loading ${HUB}`);
    expect(announced(checking)).toBe(`Training “hub run”: ${PLAN_CHECK_LABEL}.`);
    planAnswers.shift()!.resolve(fitting);
    await resuming;
    expect(kinds()).toEqual(['loadModel', 'planMemory', 'startRun']);
  });

  it('ends at the strip’s Cancel pressed while the model loads, stopping the load it began, and sends nothing more', async () => {
    await cancelledWhileLoading(() => useRuns.getState().resumeRun('r-hub'));
    expect(useRuns.getState().notice).toBe(`Resuming “hub run” was cancelled before it started. ${STOPPED_TOO}`);
    expect(text(strip())).not.toContain(`loading ${HUB}`);
    await settle();
    await settle();
    expect(kinds()).toEqual(['loadModel', 'cancelModelLoad']);
    expect(useRuns.getState().active).toBeNull();
    // The Model panel says it as its own Cancel would; the model loaded before stays.
    expect(useModel.getState().loading).toBeNull();
    expect(useModel.getState().notice).toBe(`Loading ${HUB} was cancelled: what was downloaded is kept, and loading it again resumes the download. ${EMBEDDED_REF} stays loaded.`);
    expect(useModel.getState().info?.ref).toBe(EMBEDDED_REF);
  });

  it.each([
    { first: 'a resume', cancelled: () => useRuns.getState().resumeRun('r-hub') },
    { first: 'a recipe export', cancelled: () => useRuns.getState().exportRecipe('r-hub') },
  ])('pressed at once after a Cancel of $first, loads the model again once the cancelled load ended (its bytes and a Cancel on the strip), then trains', async ({ cancelled }) => {
    await cancelledWhileLoading(cancelled);
    const resuming = useRuns.getState().resumeRun('r-hub');
    await settle();
    expectStripLoadingHub(strip());
    expect(useRuns.getState().error).toBeNull();
    loading!.answer!();
    await settle();
    planAnswers.shift()!.resolve(fitting);
    await resuming;
    expect(useRuns.getState().error).toBeNull();
    expect(kinds()).toEqual(['loadModel', 'cancelModelLoad', 'loadModel', 'planMemory', 'startRun']);
  });

  it('pressed again then, can be cancelled too, and nothing more is sent', async () => {
    await cancelledWhileLoading(() => useRuns.getState().resumeRun('r-hub'));
    await cancelledWhileLoading(() => useRuns.getState().resumeRun('r-hub'));
    expect(useRuns.getState().notice).toBe(`Resuming “hub run” was cancelled before it started. ${STOPPED_TOO}`);
    await settle();
    expect(kinds()).toEqual(['loadModel', 'cancelModelLoad', 'loadModel', 'cancelModelLoad']);
    expect(useRuns.getState().error).toBeNull();
    expect(useModel.getState().loading).toBeNull();
  });

  it('ends as cancelled, not failed, where the Model panel’s Cancel stops the load it waits on', async () => {
    const resuming = useRuns.getState().resumeRun('r-hub');
    await settle();
    await useModel.getState().cancelLoad();
    await resuming;
    expect(useRuns.getState().error).toBeNull();
    expect(useRuns.getState().notice).toBe(`Resuming “hub run” was cancelled before it started. ${STOPPED_TOO}`);
    expect(kinds()).toEqual(['loadModel', 'cancelModelLoad']);
  });

  it('while another model loads, says so in its own words and leaves the Model panel without an error', async () => {
    // It was refused with the Model panel's words ("Wait for it to finish, then load … again"),
    // shown in the panel too, as if the user had asked it there.
    const other = useModel.getState().loadModel({ kind: 'hub', repo: 'Qwen/Qwen3-0.6B' });
    await useRuns.getState().resumeRun('r-hub');
    expect(useRuns.getState().error).toBe(
      `Resuming “hub run” needs ${HUB}, which did not load. Qwen/Qwen3-0.6B is loading now, and the studio holds one model at a time: try again once it has loaded, or cancel its load in the Model panel.`,
    );
    expect(useModel.getState().error).toBeNull();
    expect(kinds()).toEqual(['loadModel']);
    loading!.answer!();
    await other;
  });

  it('whose load joined one the Model panel began, leaves that load going at its Cancel, and says so', async () => {
    const fromPanel = useModel.getState().loadModel({ kind: 'hub', repo: HUB });
    await cancelledWhileLoading(() => useRuns.getState().resumeRun('r-hub'));
    expect(useRuns.getState().notice).toBe(`Resuming “hub run” was cancelled before it started. ${HUB} goes on loading (the Model panel shows it).`);
    expect(useModel.getState().loading?.source).toBe(HUB);
    loading!.answer!();
    expect((await fromPanel)?.ref).toBe(HUB);
    await settle();
    expect(kinds()).toEqual(['loadModel']);
    expect(useModel.getState().info?.ref).toBe(HUB);
  });
});

describe('exporting a run trained on another model than the one loaded, which loads it first', () => {
  const strip = hubStrip;
  beforeEach(() => {
    useRuns.setState({ runs: [hubRun as never], recipeBusy: null, recipeNotice: null, notice: null });
    useSnapshots.setState({ busy: null, error: null, notice: null });
    loading = { progress: HUB_BYTES_SO_FAR };
  });
  const exports = [
    { what: 'a recipe', title: 'Exporting a recipe of hub run', run: () => useRuns.getState().exportRecipe('r-hub'), sends: 'exportRecipe', notice: () => useRuns.getState().recipeNotice, error: () => useRuns.getState().error, cancelled: `The recipe of “hub run” was not exported: cancelled while its model loaded. ${STOPPED_TOO}` },
    { what: 'a snapshot', title: 'Exporting a snapshot of hub run', run: () => useSnapshots.getState().exportSnapshot('r-hub', false), sends: 'exportSnapshot', notice: () => useSnapshots.getState().notice, error: () => useSnapshots.getState().error, cancelled: `The snapshot of “hub run” was not exported: cancelled while its model loaded. ${STOPPED_TOO}` },
  ];

  it.each(exports)('$what: the strip shows the load with its bytes and a Cancel, then the export goes on', async ({ title, run, sends, notice, error }) => {
    const exporting = run();
    await settle();
    const html = strip();
    expect(text(html)).toContain(title);
    expectStripLoadingHub(html);
    expect(kinds()).toEqual(['loadModel']);
    loading!.answer!();
    await exporting;
    expect(kinds()).toEqual(['loadModel', sends]);
    expect(error()).toBeNull();
    expect(notice()).toMatch(/^Saved /);
    expect(text(strip())).not.toContain(`loading ${HUB}`);
  });

  it.each(exports)('$what: a Cancel while the model loads ends the export and the load it began, and sends nothing more', async ({ run, notice, error, cancelled }) => {
    await cancelledWhileLoading(run);
    expect(notice()).toBe(cancelled);
    expect(error()).toBeNull();
    expect(text(strip())).not.toContain(`loading ${HUB}`);
    await settle();
    await settle();
    expect(kinds()).toEqual(['loadModel', 'cancelModelLoad']);
    expect(useModel.getState().loading).toBeNull();
  });

  it.each(exports)('$what: ends as cancelled, not failed, where the Model panel’s Cancel stops the load it waits on', async ({ run, notice, error, cancelled }) => {
    const exporting = run();
    await settle();
    await useModel.getState().cancelLoad();
    await exporting;
    expect(error()).toBeNull();
    expect(notice()).toBe(cancelled);
    expect(kinds()).toEqual(['loadModel', 'cancelModelLoad']);
  });

  it.each(exports)('$what: a Cancel while it waits on a load the Model panel began leaves that load going, and says so', async ({ run, notice, sends, cancelled }) => {
    const fromPanel = useModel.getState().loadModel({ kind: 'hub', repo: HUB });
    await cancelledWhileLoading(run);
    expect(notice()).toBe(cancelled.replace(STOPPED_TOO, `${HUB} goes on loading (the Model panel shows it).`));
    loading!.answer!();
    expect((await fromPanel)?.ref).toBe(HUB);
    await settle();
    expect(kinds()).toEqual(['loadModel']);
    expect(kinds()).not.toContain(sends);
  });
});

describe('the job bar’s live region while an HDR or ablation start is on its way', () => {
  /** What a screen reader hears, in order: the job bar's status each time its text changes while the
   * job holds its place, and the refusal's alert. Read at every store change, so a phase said for an
   * instant is heard too. */
  function listen(kind: 'hdr' | 'ablation') {
    const heard: string[] = [];
    const hear = (said: string) => said && said !== heard.at(-1) && heard.push(said);
    const stop = useJobs.subscribe((s) => {
      if (s.running) hear(/data-testid="job-announcer">([^<]*)</.exec(renderNow(createElement(JobProgress, { kinds: [kind] })).replace(/<!-- -->/g, ''))![1].replace(/&#x27;/g, "'"));
      else if (s.error) hear(s.error);
    });
    return { heard, stop };
  }

  it('says each phase once, in order: counting, checking whether it fits, started', async () => {
    counting = { progress: { label: 'counting tokens', done: 5, total: 321 } };
    ablationForms();
    const { heard, stop } = listen('ablation');
    const starting = useJobs.getState().startAblation('d1');
    await settle();
    for (const done of [90, 170, 250, 320]) counting.report!({ label: 'counting tokens', done, total: 321 });
    counting.answer!();
    await settle();
    planAnswers.shift()!.resolve(fitting);
    await starting;
    stop();
    expect(heard).toEqual(['Ablation: counting the dataset’s tokens for its memory check.', `Ablation: ${PLAN_CHECK_LABEL}.`, 'Ablation started.']);
  });

  it('says the refusal after the check, and never that it started', async () => {
    const { heard, stop } = listen('hdr');
    const running = useJobs.getState().startHdr('d1');
    await settle();
    planAnswers.shift()!.resolve(refusing);
    await running;
    stop();
    expect(heard).toEqual(['HDR: counting the dataset’s tokens for its memory check.', `HDR: ${PLAN_CHECK_LABEL}.`, useJobs.getState().error]);
    expect(useJobs.getState().error).toMatch(/^The memory plan says HDR from .* No HDR run was started\.$/);
  });
});

// After a page reload no model is loaded: the Evaluation & HDR panel said "Load a model first" and
// sent the user to the Model panel, while a Resume of the same run loads the run's own model itself.
describe('Run evaluation and Start HDR on the adapter of a run whose model is not loaded', () => {
  const hubDone = { ...hubRun, status: 'done', lastStep: 30 };
  const job = (kind: 'evaluate' | 'hdr') => renderNow(createElement(JobProgress, { kinds: [kind] }));
  const panel = () => renderNow(createElement(EvalPanel)).replace(/<!-- -->/g, '');
  const off = (html: string, testId: string) => new RegExp(`data-testid="${testId}"[^>]*aria-disabled="true"`).test(html);
  beforeEach(() => {
    useModel.setState({ info: null });
    useRuns.setState({ runs: [hubDone as never], checkpointSteps: new Map([['r-hub', 30]]) });
    useJobs.setState({ evalDraft: { ...useJobs.getState().evalDraft, adapterRunId: 'r-hub' }, hdrDraft: { ...useJobs.getState().hdrDraft, adapterRunId: 'r-hub' } });
    loading = { progress: HUB_BYTES_SO_FAR };
  });

  it('leaves both starts on, saying nothing of loading a model first', () => {
    const html = panel();
    expect(text(html)).not.toContain('Load a model first');
    expect(html).not.toMatch(/<fieldset[^>]*disabled/);
    expect(off(html, 'run-eval')).toBe(false);
    expect(off(html, 'start-hdr')).toBe(false);
  });

  it('Run evaluation loads that model, with its bytes and a Cancel, then evaluates that adapter', async () => {
    const evaluating = useJobs.getState().runEvaluation('d1');
    await settle();
    expect(text(job('evaluate'))).toContain(`loading ${HUB}`);
    expect(text(job('evaluate'))).toContain('300 MiB of 942 MiB');
    expect(job('evaluate')).toMatch(/<button[^>]*aria-label="Cancel the evaluation job"[^>]*>Cancel</);
    expect(kinds()).toEqual(['loadModel']);
    loading!.answer!();
    await evaluating;
    expect(kinds()).toEqual(['loadModel', 'evaluate']);
    expect(payloadOf('evaluate')).toMatchObject({ runId: 'r-hub' });
  });

  it('Start HDR loads that model, then counts, checks the plan and starts', async () => {
    const starting = useJobs.getState().startHdr('d1');
    await settle();
    expect(text(job('hdr'))).toContain(`loading ${HUB}`);
    loading!.answer!();
    await settle();
    planAnswers.shift()!.resolve(fitting);
    await starting;
    expect(kinds()).toEqual(['loadModel', 'datasetFits', 'planMemory', 'startHdr']);
    expect(useJobs.getState().error).toBeNull();
  });

  it('ends at the Cancel pressed while the model loads, stopping that load, and sends nothing more', async () => {
    await cancelledWhileLoading(() => useJobs.getState().runEvaluation('d1'), () => useJobs.getState().cancelJob());
    expect(useJobs.getState().notice).toBe(`The evaluation was cancelled before it started. ${STOPPED_TOO}`);
    await settle();
    await settle();
    expect(kinds()).toEqual(['loadModel', 'cancelModelLoad']);
    expect(useJobs.getState().running).toBeNull();
  });

  it('ends as cancelled, not failed, where the Model panel’s Cancel stops the load HDR waits on', async () => {
    await cancelledWhileLoading(() => useJobs.getState().startHdr('d1'), () => useModel.getState().cancelLoad());
    expect(useJobs.getState().error).toBeNull();
    expect(useJobs.getState().notice).toBe(`The HDR run was cancelled before it started. ${STOPPED_TOO}`);
    await settle();
    expect(kinds()).toEqual(['loadModel', 'cancelModelLoad']);
  });

  it('says the model did not load, in the evaluation’s words, and evaluates nothing', async () => {
    const evaluating = useJobs.getState().runEvaluation('d1');
    await settle();
    loading!.fail!(new Error('the download of model.safetensors failed: HTTP 503'));
    await evaluating;
    expect(useJobs.getState().error).toMatch(new RegExp(`^The evaluation needs ${HUB}, which did not load\\. .*HTTP 503`));
    expect(kinds()).toEqual(['loadModel']);
    expect(useJobs.getState().running).toBeNull();
  });

  it('keeps "Load a model first" where no model can be told: the base model chosen, none loaded', async () => {
    useJobs.setState({ evalDraft: { ...useJobs.getState().evalDraft, adapterRunId: '' } });
    const html = panel();
    expect(off(html, 'run-eval')).toBe(true);
    expect(/id="eval-problem"[^>]*>([^<]*)</.exec(html)?.[1]).toBe('Load a model first (Model panel).');
    // HDR still starts from the hub run's adapter.
    expect(off(html, 'start-hdr')).toBe(false);
    await useJobs.getState().runEvaluation('d1');
    expect(useJobs.getState().error).toBe('Load a model first (Model panel), then try the evaluation again.');
    expect(kinds()).toEqual([]);
  });

  it('says to drop the folder of a model the studio cannot reopen itself, with Start HDR off', async () => {
    useRuns.setState({ runs: [{ ...hubDone, modelRef: 'local:my-model' } as never] });
    const html = panel().replace(/&#x27;/g, "'");
    expect(off(html, 'start-hdr')).toBe(true);
    const why = '“hub run” was trained on local:my-model: drop that model’s folder in the Model panel first.';
    expect(/id="hdr-problem"[^>]*>([^<]*)</.exec(html)?.[1]).toBe(why);
    await useJobs.getState().startHdr('d1');
    expect(useJobs.getState().error).toBe('“hub run” was trained on local:my-model: drop that model’s folder in the Model panel first, then try the HDR run again.');
    expect(kinds()).toEqual([]);
  });
});

// A run that ended with words said them twice on the dashboard: once as a notice, once in its line.
describe('a run’s end, on the dashboard', () => {
  it('is said once for the run on show (its line), and as a notice when another run is shown', async () => {
    const { runEndNotice } = await import('../../src/state/runStore.ts');
    // Its charts read their metrics from IndexedDB, which Node lacks: not what this test is about.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const message = 'stopped early: 2 held-out evaluations in a row found no lower loss than step 4’s';
    const ended = { ...demoRun, id: 'r-early', name: 'early', lastStep: 6, message };
    useRuns.setState({ runs: [ended as never, demoRun as never], selectedRunId: 'r-early', notice: runEndNotice('early', message) });
    let html = text(renderNow(createElement(DashboardPanel, { theme: 'light' })));
    expect(html.split('stopped early: 2 held-out evaluations').length - 1).toBe(1);
    expect(html).not.toContain('Training run “early”');
    useRuns.setState({ selectedRunId: demoRun.id });
    html = text(renderNow(createElement(DashboardPanel, { theme: 'light' })));
    expect(html).toContain(`Training run “early”: ${message}.`);
    await new Promise((r) => setTimeout(r, 20));
    quiet.mockRestore();
  });
});
