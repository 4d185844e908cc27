// Every way of starting a training run goes through the memory plan, in the store's startRun (as
// Resume does), not only the Training panel's Start, which is off while its plan is on its way or
// refuses. The guided demo's Train started its run with no plan asked: settings the plan refuses
// made a run that the job then stopped, and a plan on its way was not waited for. A plan the worker
// cannot make holds nothing (the job checks this GPU's limits itself).
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import type { MemoryPlan, TrainShape } from '../../src/worker/protocol.ts';

const requests: Array<{ kind: string; payload: unknown }> = [];
/** The worker's planMemory answers, one per request, settled by the test. */
let planAnswers: Array<{ resolve: (p: unknown) => void; reject: (e: Error) => void }> = [];
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: (kind: string, payload: unknown) => {
      requests.push({ kind, payload });
      if (kind === 'planMemory') return new Promise((resolve, reject) => planAnswers.push({ resolve, reject }));
      if (kind === 'createRun') return Promise.resolve({ runId: 'r-new' });
      if (kind === 'startRun') return Promise.resolve({ status: 'done', step: 30 });
      return Promise.resolve(undefined);
    },
  }),
}));

const { useModel, EMBEDDED_REF } = await import('../../src/state/modelStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { DEMO_DATASET_NAME, DEMO_RUN_CONFIG, DEMO_RUN_NAME, useDemo } = await import('../../src/state/demoStore.ts');
const { DemoGuide } = await import('../../src/ui/demo/DemoGuide.tsx');
const { TrainingPanel } = await import('../../src/ui/training/TrainingPanel.tsx');

const PROBLEM = "layer activation gate needs 2.00 GiB in one buffer, over this GPU's 1.00 GiB binding limit";
const refusing = { fits: false, problems: [PROBLEM], suggestions: ['turn recompute on'] } as unknown as MemoryPlan;
const fitting = { fits: true, problems: [], suggestions: [] } as unknown as MemoryPlan;
const kinds = () => requests.map((r) => r.kind);
const settle = () => new Promise((r) => setTimeout(r, 0));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/<!-- -->/g, '').replace(/\s+/g, ' ');

const stores = { runs: useRuns.getState(), demo: useDemo.getState(), jobs: useJobs.getState(), model: useModel.getState() };
beforeEach(() => {
  requests.length = 0;
  planAnswers = [];
  useJobs.setState(stores.jobs, true);
  useDemo.setState(stores.demo, true);
  useModel.setState({ ...stores.model, info: { ref: EMBEDDED_REF } as never }, true);
  useDatasets.setState({ datasets: [{ id: 'd1', name: DEMO_DATASET_NAME, exampleCount: 320 } as never], selectedId: 'd1', refreshDatasets: async () => undefined, selectDataset: () => undefined } as never);
  useRuns.setState({ ...stores.runs, runs: [], active: null, error: null, refreshRuns: async () => undefined }, true);
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

  it('waits for its plan while it is on its way, then starts the run where it fits', async () => {
    const training = useDemo.getState().train();
    await settle();
    expect(kinds()).toEqual(['planMemory']);
    expect(useDemo.getState().busy).toBe('train');
    planAnswers.shift()!.resolve(fitting);
    await training;
    expect(kinds()).toEqual(['planMemory', 'createRun', 'startRun']);
    expect(requests.find((r) => r.kind === 'createRun')?.payload).toMatchObject({ name: DEMO_RUN_NAME, config: DEMO_RUN_CONFIG });
    expect(useDemo.getState().error).toBeNull();
  });

  it('starts the run where the plan could not be made (the job checks this GPU’s limits itself)', async () => {
    const training = useDemo.getState().train();
    await settle();
    planAnswers.shift()!.reject(new Error('the GPU adapter was lost'));
    await training;
    expect(kinds()).toEqual(['planMemory', 'createRun', 'startRun']);
    expect(useDemo.getState().error).toBeNull();
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
