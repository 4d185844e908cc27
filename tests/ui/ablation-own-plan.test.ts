// The Ablation form's Start is held by the memory plan the Ablation panel asks for. That plan sized
// decoding for whichever of the Evaluation, HDR and Ablation forms asked the most, so an Evaluation
// form set to many long answers held an ablation that fits, while the store's start (which asks
// for the ablation's own settings) would have let it run. The panel now asks for the ablation's own
// start, the same PlannedStart the store judges: button and store agree.
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';

const planned = vi.hoisted(() => ({ shapes: [] as unknown[], asked: [] as unknown[], planMemory: async (shape: unknown) => void planned.shapes.push(shape) }));
vi.mock('react', async (importOriginal) => {
  const react = await importOriginal<typeof import('react')>();
  // A server render runs no effect: the planning one (it names planMemory) is run here, the others not.
  return { ...react, useEffect: (effect: () => void, deps?: unknown[]) => void (deps?.includes(planned.planMemory) && effect()) };
});
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: async (kind: string, payload: unknown) => {
      if (kind === 'planMemory') planned.asked.push(payload);
      if (kind === 'startAblation') return { arms: 4 };
      return undefined;
    },
  }),
}));
const { useModel, EMBEDDED_REF } = await import('../../src/state/modelStore.ts');
const { useJobs, DEFAULT_ABLATION_DRAFT, DEFAULT_EVAL_DRAFT } = await import('../../src/state/jobStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { AblationPanel } = await import('../../src/ui/ablation/AblationPanel.tsx');

const initial = { jobs: useJobs.getState(), model: useModel.getState(), runs: useRuns.getState(), datasets: useDatasets.getState() };
afterEach(() => {
  useJobs.setState(initial.jobs);
  useModel.setState(initial.model);
  useRuns.setState(initial.runs);
  useDatasets.setState(initial.datasets);
});

describe('the plan the Ablation form’s Start is held by', () => {
  it('is the plan of the ablation’s own start, as the store asks it, not of the forms’ largest decoding', async () => {
    // The Evaluation form answers 32 at once, up to 2,048 new tokens; the ablation 4, up to 128.
    useJobs.setState({ evalDraft: { ...DEFAULT_EVAL_DRAFT, batchSize: 32, maxNewTokens: 2048 }, ablationDraft: { ...DEFAULT_ABLATION_DRAFT, name: 'rules', batchSize: 4, maxNewTokens: 128, hdrRule: 'uncertainty' } });
    useRuns.setState({ draft: { ...initial.runs.draft, batchSize: 3, seqLen: 448 }, active: null, refreshRuns: async () => undefined });
    useDatasets.setState({ datasets: [{ id: 'd', name: 'train.jsonl', exampleCount: 40 }] as never, selectedId: 'd', refreshDatasets: async () => undefined } as never);
    useModel.setState({ info: { ref: EMBEDDED_REF } as never, planMemory: planned.planMemory as never });
    planned.shapes = [];
    renderNow(createElement(AblationPanel));
    expect(planned.shapes).toHaveLength(1);

    planned.asked = [];
    await useJobs.getState().startAblation('d');
    expect(planned.asked).toHaveLength(1);
    expect(planned.shapes[0]).toEqual(planned.asked[0]);
    expect(planned.shapes[0]).toMatchObject({ batch: 3, seqLen: 448, decode: { batch: 4, maxNewTokens: 128, sampled: true } });
  });
});
