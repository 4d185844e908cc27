// The memory plan belongs to the model the worker holds: a second model that fails to load leaves
// the first one loaded, and its plan must stay shown (it read "Computing the memory plan…" for good,
// and the Training panel's memory check was gone, so a draft that did not fit could start).
import { describe, expect, it, vi } from 'vitest';

const worker = vi.hoisted(() => ({ failLoad: false, plans: 0 }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: async (kind: string, req: { source?: { kind: string; repo?: string } }) => {
      if (kind === 'planMemory') {
        worker.plans++;
        return { fits: false, peakBytes: 1 };
      }
      if (worker.failLoad) throw new Error('HTTP 404 for config.json');
      return { ref: req.source?.repo ?? 'embedded:tiny-qwen3' };
    },
  }),
}));
const { useModel } = await import('../../src/state/modelStore.ts');

describe('the memory plan across model loads', () => {
  it('keeps the loaded model’s plan when another model fails to load', async () => {
    await useModel.getState().loadModel({ kind: 'embedded' });
    await useModel.getState().planMemory({ batch: 1, seqLen: 64, rank: 4, targets: ['q'], recompute: false });
    expect(useModel.getState().plan).toEqual({ fits: false, peakBytes: 1 });
    worker.failLoad = true;
    await useModel.getState().loadModel({ kind: 'hub', repo: 'o/missing' });
    await new Promise((r) => setTimeout(r, 0));
    expect(useModel.getState().error).toMatch(/^Could not load o\/missing/);
    expect(useModel.getState().info?.ref).toBe('embedded:tiny-qwen3');
    expect(useModel.getState().plan).toEqual({ fits: false, peakBytes: 1 });
  });

  it('drops the previous model’s plan once another model is loaded, and plans for the new one', async () => {
    worker.failLoad = false;
    const plansBefore = worker.plans;
    const loading = useModel.getState().loadModel({ kind: 'hub', repo: 'o/next' });
    // While it loads, the plan shown is still the loaded model's.
    expect(useModel.getState().plan).not.toBeNull();
    await loading;
    await new Promise((r) => setTimeout(r, 0));
    expect(useModel.getState().info?.ref).toBe('o/next');
    expect(worker.plans).toBe(plansBefore + 1);
    expect(useModel.getState().plan).toEqual({ fits: false, peakBytes: 1 });
  });
});
