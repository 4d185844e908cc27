// Starting a training run from the page: a start the worker refuses before training (another job
// holds the GPU, the dataset is gone) leaves no run behind to sit in every adapter picker, while a
// run that did begin is kept whatever became of it.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

const requests: string[] = [];
let reply: (kind: string) => Promise<unknown> = async () => undefined;
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: (kind: string) => {
      requests.push(kind);
      return reply(kind);
    },
  }),
}));

const { useModel } = await import('../../src/state/modelStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');

const initial = useRuns.getState();
/** The run rows `refreshRuns` finds: the new run, in the state the worker left it. */
let stored: Partial<StoredRun> | null = null;

beforeEach(() => {
  requests.length = 0;
  useModel.setState({ info: { ref: 'tiny' } as never });
  useRuns.setState({ ...initial, active: null, error: null, refreshRuns: async () => useRuns.setState({ runs: stored ? [{ id: 'r', datasetId: 'd', kind: 'train', createdAt: 0, updatedAt: 0, config: {}, ...stored } as StoredRun] : [] }) }, true);
});

describe('starting a training run', () => {
  it('removes the run a refused start made, and says why it did not start', async () => {
    stored = { status: 'created' };
    reply = async (kind) => {
      if (kind === 'createRun') return { runId: 'r' };
      if (kind === 'startRun') throw new Error('an evaluation is running; wait for it or cancel it first');
      if (kind === 'deleteRun') stored = null;
      return undefined;
    };
    await useRuns.getState().startRun('d');
    expect(requests).toEqual(['createRun', 'startRun', 'deleteRun']);
    expect(useRuns.getState().runs).toEqual([]);
    expect(useRuns.getState().error).toMatch(/could not run: an evaluation is running; wait for it or cancel it first/);
  });

  it('keeps a run that began training, even when the request then failed (the worker died mid-run)', async () => {
    stored = { status: 'running', lastStep: 3 };
    reply = async (kind) => {
      if (kind === 'createRun') return { runId: 'r' };
      if (kind === 'startRun') throw new Error('the GPU worker stopped');
      return undefined;
    };
    await useRuns.getState().startRun('d');
    expect(requests).toEqual(['createRun', 'startRun']);
    expect(useRuns.getState().runs.map((r) => r.id)).toEqual(['r']);
  });
});
