// The Training form's "Start from": a new LoRA adapter, or the adapter of a run of the loaded model
// (a run on general tool-use data, then on your own); chosen, the draft takes its LoRA settings and
// the LoRA fields are held to them, the start sends it to the worker (the guided demo's does not),
// and the dashboard says where the run started. Rendered with react-dom/server; the worker is a log.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

const requests: Array<{ kind: string; payload: Record<string, unknown> }> = [];
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: async (kind: string, payload: Record<string, unknown>) => {
      requests.push({ kind, payload });
      if (kind === 'planMemory') return { fits: true, problems: [], hdrProblems: [], suggestions: [] };
      if (kind === 'createRun') return { runId: 'new' };
      if (kind === 'startRun') return { status: 'done', step: 1 };
      return undefined;
    },
  }),
}));

const { useRuns } = await import('../../src/state/runStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { RunConfigForm } = await import('../../src/ui/training/RunConfigForm.tsx');
const { RunControls } = await import('../../src/ui/dashboard/RunControls.tsx');

const lora = { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4, targets: ['q', 'v'] };
const general = { id: 'r-gen', name: 'general', kind: 'train', datasetId: 'd-general', status: 'done', createdAt: 1, updatedAt: 1, modelRef: 'tiny', lastStep: 40, config: { ...DEFAULT_RUN_CONFIG, lora } } as unknown as StoredRun;
const otherModel = { ...general, id: 'r-other', name: 'on another model', modelRef: 'big' } as unknown as StoredRun;
const text = (html: string) => html.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ');
const initial = useRuns.getState();

beforeEach(() => {
  requests.length = 0;
  useModel.setState({ info: { ref: 'tiny', maxPositionEmbeddings: 4096 } as never });
  useDatasets.setState({ datasets: [{ id: 'd-mine', name: 'mine' }, { id: 'd-general', name: 'xlam' }] as never, selectedId: 'd-mine' });
  useRuns.setState({ ...initial, runs: [general, otherModel], adapterRuns: new Set(['r-gen', 'r-other']), checkpointSteps: new Map([['r-gen', 40]]), startFrom: null, active: null, error: null, refreshRuns: async () => undefined }, true);
});

describe('where a new run’s adapter starts', () => {
  it('offers a new adapter or a run’s of the loaded model, and holds the LoRA fields to the one chosen', () => {
    let html = renderNow(createElement(RunConfigForm, { disabled: false, datasetId: 'd-mine' }));
    expect(html).toMatch(/<select id="cfg-start-from"><option value="" selected="">a new LoRA adapter \(the model as it is\)<\/option><option value="r-gen">the adapter of general \(step 40\)<\/option><\/select>/);
    expect(html).not.toContain('on another model');
    expect(html).not.toMatch(/id="cfg-rank"[^>]*disabled/);
    useRuns.getState().setStartFrom('r-gen');
    expect(useRuns.getState().draft.lora).toEqual(lora);
    html = renderNow(createElement(RunConfigForm, { disabled: false, datasetId: 'd-mine' }));
    expect(html).toMatch(/<option value="r-gen" selected="">/);
    expect(html).toMatch(/id="cfg-rank"[^>]*disabled=""[^>]*|disabled=""[^>]*id="cfg-rank"/);
    expect(html).toMatch(/<input id="cfg-rank"[^>]*value="2"/);
    expect(html).toMatch(/<fieldset class="field targets" disabled="">/);
    expect(text(html)).toContain('The new run trains on from that adapter, so its LoRA settings are the adapter’s (rank 2, alpha 4, on q, v): the fields below are held to them. It was trained on another dataset (“xlam”): a question this dataset holds out that it trained on is answered from memory');
    // On its own dataset: no word of another.
    expect(text(renderNow(createElement(RunConfigForm, { disabled: false, datasetId: 'd-general' })))).not.toContain('another dataset');
    // Back to a new adapter: the fields are the user's again.
    useRuns.getState().setStartFrom(null);
    expect(renderNow(createElement(RunConfigForm, { disabled: false, datasetId: 'd-mine' }))).not.toMatch(/id="cfg-rank"[^>]*disabled/);
  });

  it('is sent with the form’s start, not with another’s (the guided demo’s), and a source gone since is said', async () => {
    useRuns.getState().setStartFrom('r-gen');
    await useRuns.getState().startRun('d-mine');
    expect(requests.find((r) => r.kind === 'createRun')?.payload).toMatchObject({ datasetId: 'd-mine', startFrom: 'r-gen', config: { lora } });
    requests.length = 0;
    await useRuns.getState().startRun('d-mine', 'demo', DEFAULT_RUN_CONFIG);
    expect(requests.find((r) => r.kind === 'createRun')?.payload).not.toHaveProperty('startFrom');
    requests.length = 0;
    useRuns.setState({ runs: [otherModel] });
    await useRuns.getState().startRun('d-mine');
    expect(requests.map((r) => r.kind)).not.toContain('createRun');
    expect(useRuns.getState().error).toBe('The run whose adapter the new run was to start from is gone (deleted, perhaps in another tab). Choose where to start from again in the Training panel.');
    expect(useRuns.getState().startFrom).toBeNull();
  });

  it('is said on the dashboard of the run it started', async () => {
    // Its curves read their metrics from IndexedDB, which Node lacks: not what this test is about.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const run = { ...general, id: 'r-mine', name: 'mine', datasetId: 'd-mine', lastStep: 10, config: { ...DEFAULT_RUN_CONFIG, steps: 10, lora }, startedFrom: { runId: 'r-gen', name: 'general', step: 40 } } as unknown as StoredRun;
    useRuns.setState({ runs: [run, general] });
    expect(text(renderNow(createElement(RunControls, { run })))).toContain('Finished: 10 of 10 steps. Started from the adapter of “general” (step 40).');
    const fromHdr = { ...run, startedFrom: { runId: 'h', name: 'HDR from general', step: 2, hdr: true } } as unknown as StoredRun;
    expect(text(renderNow(createElement(RunControls, { run: fromHdr })))).toContain('Started from the adapter of “HDR from general” (HDR, round 2).');
    await new Promise((r) => setTimeout(r, 20));
    quiet.mockRestore();
  });
});
