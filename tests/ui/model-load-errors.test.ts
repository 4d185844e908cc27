// What the Model panel says when a download fails: a full disk is not a connection problem, and its
// partial download is no promise of a resume (nothing was kept that a retry could continue).
import { describe, expect, it, vi } from 'vitest';

const worker = vi.hoisted(() => ({ error: null as Error | null }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: async () => {
      throw worker.error;
    },
  }),
}));
const { useModel } = await import('../../src/state/modelStore.ts');
const { WorkerError } = await import('../../src/worker/client.ts');

describe('a failed model download', () => {
  it('names a full disk without the connection hint; other failures keep it', async () => {
    worker.error = new WorkerError('HubStorageError', 'rev/q7b needs 3.11 GB more to download, and 0.90 GB can be stored in the browser Origin Private File System. Free disk space (or delete cached models you no longer use) and try again');
    await useModel.getState().loadModel({ kind: 'hub', repo: 'rev/q7b' } as never);
    expect(useModel.getState().error).toBe('Could not load rev/q7b: rev/q7b needs 3.11 GB more to download, and 0.90 GB can be stored in the browser Origin Private File System. Free disk space (or delete cached models you no longer use) and try again.');
    worker.error = new WorkerError('HubTruncatedError', 'download of model.safetensors from rev/q7b was truncated');
    await useModel.getState().loadModel({ kind: 'hub', repo: 'rev/q7b' } as never);
    expect(useModel.getState().error).toMatch(/a partial download resumes when you try again\.$/);
  });
});
