// A job that failed says so in the user's words. A GPU lost during an evaluation read "…Work since
// the last checkpoint must be redone; acquire a new device to continue.." (an evaluation has no
// checkpoint, the user cannot acquire a device, and the sentence ended twice).
import { describe, expect, it, vi } from 'vitest';
import { GpuDeviceLostError } from '../../src/gpu/errors.ts';
import { serializeError } from '../../src/worker/protocol.ts';
import { WorkerError } from '../../src/worker/client.ts';

let failWith: unknown = null;
let hdrReply: Record<string, unknown> | null = null;
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: async (kind: string) => {
      if (kind === 'startHdr' && hdrReply) return hdrReply;
      const e = serializeError(failWith);
      throw new WorkerError(e.name, e.message);
    },
  }),
}));
const { useJobs } = await import('../../src/state/jobStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');

describe('a job the GPU was lost under', () => {
  it('says what was lost and what happens next, in one sentence end', async () => {
    useModel.setState({ info: { ref: 'tiny' } as never });
    useRuns.setState({ refreshRuns: async () => undefined });
    failWith = new GpuDeviceLostError('destroyed', 'Device was destroyed');
    await useJobs.getState().runEvaluation('d', { adapterRunId: '', limit: 1, maxNewTokens: 8, batchSize: 1 });
    expect(useJobs.getState().error).toBe('The evaluation failed: the GPU device was lost (destroyed): Device was destroyed. What the job had not saved is gone; the next job gets a new device.');
  });
});

describe('an HDR run that added samples to a dataset with paused runs', () => {
  // A paused run's resume goes on over the training set its checkpoint ran over and is refused over
  // another: the user learned it only when Resume failed, after HDR said only "3 examples added".
  it('names the runs on that dataset that can no longer resume', async () => {
    const { DEFAULT_RUN_CONFIG } = await import('../../src/train/config.ts');
    const row = (id: string, name: string, datasetId: string, status: string) => ({ id, name, datasetId, kind: 'train', status, createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 3 });
    useModel.setState({ info: { ref: 'tiny' } as never });
    const { useDatasets } = await import('../../src/state/datasetStore.ts');
    useDatasets.setState({ refreshDatasets: async () => undefined });
    useRuns.setState({ refreshRuns: async () => undefined, active: null, runs: [row('a', 'paused here', 'd', 'paused'), row('b', 'done here', 'd', 'done'), row('c', 'paused elsewhere', 'other', 'paused')] as never });
    hdrReply = { rounds: 1, stopReason: 'max-rounds', poolStart: 3, poolEnd: 1, added: 2 };
    await useJobs.getState().startHdr('d', { ...useJobs.getState().hdrDraft, adapterRunId: '' });
    expect(useJobs.getState().notice).toMatch(/2 examples added to the dataset\. The run “paused here” on this dataset cannot be resumed any more: its checkpoint goes on over the training set as it was before these samples\. A new run trains on them\.$/);
    // Nothing added: nothing to say.
    hdrReply = { ...hdrReply, added: 0 };
    await useJobs.getState().startHdr('d', { ...useJobs.getState().hdrDraft, adapterRunId: '' });
    expect(useJobs.getState().notice).toMatch(/0 examples added to the dataset\.$/);
  });
});
