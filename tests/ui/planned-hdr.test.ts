// The HDR the memory plan judges is one HDR job, with that job's own settings: the HDR form's run
// (the run it starts from, its answers, its mining), or the ablation's SSB + HDR arm (the Training
// panel's settings, the ablation's answers and mining). The plan took the HDR form's run with the
// longer answers and the larger mining of the two forms: an HDR neither form runs, so the HDR
// form's Start was held for the ablation's answers (or passed what the job then refused).
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import type { TrainShape } from '../../src/worker/protocol.ts';

const planned = vi.hoisted(() => ({ shapes: [] as unknown[], planMemory: async (shape: unknown) => void planned.shapes.push(shape) }));
vi.mock('react', async (importOriginal) => {
  const react = await importOriginal<typeof import('react')>();
  // A server render runs no effect: the planning one (it names planMemory) is run here, the others not.
  return { ...react, useEffect: (effect: () => void, deps?: unknown[]) => void (deps?.includes(planned.planMemory) && effect()) };
});
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => () => undefined }) }));
const { useModel } = await import('../../src/state/modelStore.ts');
const { useJobs, DEFAULT_ABLATION_DRAFT, DEFAULT_HDR_DRAFT, plannedHdr } = await import('../../src/state/jobStore.ts');
const { useRuns, plannedRunConfig, plannedRunDatasetId } = await import('../../src/state/runStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { usePlanFollowsDraft } = await import('../../src/ui/model/usePlanFollowsDraft.ts');
const { AblationPanel } = await import('../../src/ui/ablation/AblationPanel.tsx');

const initial = { jobs: useJobs.getState(), model: useModel.getState(), runs: useRuns.getState() };
afterEach(() => {
  useJobs.setState(initial.jobs);
  useModel.setState(initial.model);
  useRuns.setState(initial.runs);
});

/** The shape the panel's memory plan asks for, rendering `panel` once. */
function plannedShape(panel: () => unknown): TrainShape {
  useModel.setState({ planMemory: planned.planMemory as never });
  planned.shapes = [];
  renderNow(createElement(() => (panel(), null)));
  expect(planned.shapes).toHaveLength(1);
  return planned.shapes[0] as TrainShape;
}

// The HDR form answers in 256 tokens and mines 8 examples; the ablation in 1,024 and 50.
const forms = {
  hdrDraft: { ...DEFAULT_HDR_DRAFT, adapterRunId: '', mineLimit: 8, settings: { ...DEFAULT_HDR_DRAFT.settings, maxNewTokens: 256 } },
  ablationDraft: { ...DEFAULT_ABLATION_DRAFT, maxNewTokens: 1024, hdrMineLimit: 50 },
};

describe('the HDR the memory plan judges', () => {
  it('is the HDR form’s run, with the HDR form’s answers, on the Training and Evaluation panels', () => {
    useJobs.setState(forms);
    const shape = plannedShape(() => usePlanFollowsDraft());
    // From the base model: the studio's batch 1 × 320, at the HDR form's 256 new tokens (the
    // ablation's 1,024 were taken).
    expect(shape.hdr).toMatchObject({ batch: 1, seqLen: 320 });
    expect(shape.decode?.hdrMaxNewTokens).toBe(256);
  });

  it('is the ablation’s SSB + HDR arm, with the ablation’s answers, on the Ablation panel', () => {
    useJobs.setState({ ...forms, hdrDraft: { ...forms.hdrDraft, settings: { ...forms.hdrDraft.settings, maxNewTokens: 2048 } } });
    useRuns.setState({ draft: { ...initial.runs.draft, batchSize: 3, seqLen: 448 } });
    useDatasets.setState({ datasets: [], selectedId: null });
    const shape = plannedShape(() => AblationPanel());
    // The arm retrains with the Training panel's settings (no HDR shape of its own), at the
    // ablation's answers (its own decoding's, which the plan takes for HDR's answers where no
    // other is given), not the HDR form's longer ones.
    expect(shape).toMatchObject({ batch: 3, seqLen: 448 });
    expect(shape.hdr).toBeUndefined();
    expect(shape.decode?.hdrMaxNewTokens ?? shape.decode?.maxNewTokens).toBe(1024);
  });

  it('is the ablation’s arm on the Model panel while this tab’s ablation runs, and the HDR form’s otherwise', () => {
    useJobs.setState({ ...forms, hdrDraft: { ...forms.hdrDraft, settings: { ...forms.hdrDraft.settings, maxNewTokens: 2048 } }, running: { kind: 'ablation', progress: null, datasetId: 'd' } });
    const modelPanel = () => usePlanFollowsDraft(plannedRunConfig, true, plannedRunDatasetId);
    const ablating = plannedShape(modelPanel);
    expect(ablating.hdr).toBeUndefined();
    expect(ablating.decode?.hdrMaxNewTokens).toBe(1024);
    useJobs.setState({ running: null });
    const idle = plannedShape(modelPanel);
    expect(idle.hdr).toMatchObject({ batch: 1, seqLen: 320 });
    expect(idle.decode?.hdrMaxNewTokens).toBe(2048);
  });

  it('mines as many examples as that job’s own form says', () => {
    // The plan's HDR length is that of the longest prompt among the examples it mines: the HDR
    // form's run was judged over the ablation's 50.
    expect(plannedHdr(forms, 'hdr-form')).toEqual({ maxNewTokens: 256, mineLimit: 8 });
    expect(plannedHdr(forms, 'ablation-arm')).toEqual({ maxNewTokens: 1024, mineLimit: 50 });
    // A field mid-edit is no size: the studio's default stands, not the other form's.
    const editing = { ...forms, hdrDraft: { ...forms.hdrDraft, mineLimit: Number.NaN, settings: { ...forms.hdrDraft.settings, maxNewTokens: 0 } } };
    expect(plannedHdr(editing, 'hdr-form')).toEqual({ maxNewTokens: DEFAULT_HDR_DRAFT.settings.maxNewTokens, mineLimit: DEFAULT_HDR_DRAFT.mineLimit });
  });
});
