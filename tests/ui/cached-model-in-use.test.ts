// Deleting a cached model a job runs with is refused, whichever tab the job runs in. The page
// refused only its loaded model: with another model loaded since (or in another tab), an ablation
// on the deleted one lost its files and failed every arm after (each arm loads the weights again).
// A stand-in for Web Locks plays the tabs; the worker's job engine holds the job's model.
import { describe, expect, it, vi } from 'vitest';
import { stubLocks } from '../helpers/locks.ts';
import { modelWithTinyFiles } from '../helpers/tinyEngine.ts';

const deleted: string[] = [];
vi.mock('../../src/state/cachedModels.ts', () => ({
  deleteCachedModel: async (repo: string) => void deleted.push(repo),
  listCachedModels: async () => [],
}));
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));
vi.stubGlobal('navigator', { locks: stubLocks() });
const { useModel } = await import('../../src/state/modelStore.ts');
const { JobEngine } = await import('../../src/jobs/engine.ts');
const { holdingModel } = await import('../../src/worker/runLock.ts');

describe('deleting a cached model a job runs with', () => {
  it('is refused while the job runs, and goes through once it ended', async () => {
    useModel.setState({ info: { ref: 'HuggingFaceTB/SmolLM2-135M-Instruct' } as never });
    const jobs = new JobEngine(async () => ({ ctx: { clearRefusal() {}, lostError: null }, recorder: { forgetBindGroups: () => 0 } }) as never, { holdModel: holdingModel });
    jobs.useModel(modelWithTinyFiles('Qwen/Qwen3-0.6B').model);
    let end!: () => void;
    const ablation = jobs.run('an ablation', () => new Promise<void>((r) => (end = r)), null);
    await new Promise((r) => setTimeout(r, 0));
    await useModel.getState().deleteCachedModel('Qwen/Qwen3-0.6B');
    expect(deleted).toEqual([]);
    expect(useModel.getState().cacheError).toBe('Qwen/Qwen3-0.6B is in use by a job (training, evaluating, HDR or an ablation, in this tab or another) or being loaded in another tab: delete its files once that ends.');
    end();
    await ablation;
    await useModel.getState().deleteCachedModel('Qwen/Qwen3-0.6B');
    expect(deleted).toEqual(['Qwen/Qwen3-0.6B']);
    vi.unstubAllGlobals();
  });
});
