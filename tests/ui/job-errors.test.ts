// A job that failed says so in the user's words. A GPU lost during an evaluation read "…Work since
// the last checkpoint must be redone; acquire a new device to continue.." (an evaluation has no
// checkpoint, the user cannot acquire a device, and the sentence ended twice).
import { describe, expect, it, vi } from 'vitest';
import { GpuDeviceLostError } from '../../src/gpu/errors.ts';
import { serializeError } from '../../src/worker/protocol.ts';
import { WorkerError } from '../../src/worker/client.ts';

let failWith: unknown = null;
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: async () => {
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
