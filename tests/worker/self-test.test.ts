// The GPU panel's self-test must fail when the kernels training runs on are wrong on this adapter,
// not only when an elementwise add is: here the matrix multiply writes nothing.
import { describe, expect, it, vi } from 'vitest';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';

vi.mock('../../src/ops/matmul.ts', async (original) => ({ ...(await original<typeof import('../../src/ops/matmul.ts')>()), matmul: async () => undefined }));

describe('the capability probe', () => {
  it('reports the self-test FAILED when the matrix multiply is wrong', async () => {
    const engine = new StudioEngine(await nodeGpu(), () => undefined);
    const caps = await engine.handlers.probe({}, () => undefined);
    expect(caps.selfTest.ok).toBe(false);
    expect(caps.selfTest.maxAbsDiff).toBeGreaterThan(0.01);
  });
});
