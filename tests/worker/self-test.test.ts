// The GPU panel's self-test must fail when the kernels training runs on are wrong on this adapter,
// not only when an elementwise add is: here the matrix multiply writes nothing, or cannot be built.
import { describe, expect, it, vi } from 'vitest';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';

const broken = vi.hoisted(() => ({ matmul: 'writes nothing' as 'writes nothing' | 'fails to compile' }));
vi.mock('../../src/ops/matmul.ts', async (original) => ({
  ...(await original<typeof import('../../src/ops/matmul.ts')>()),
  matmul: async () => {
    if (broken.matmul === 'fails to compile') throw new Error('shaders/matmul.wgsl:1:1: error: unresolved value');
  },
}));

describe('the capability probe', () => {
  it('reports the self-test FAILED when the matrix multiply is wrong', async () => {
    const engine = new StudioEngine(await nodeGpu(), () => undefined);
    broken.matmul = 'writes nothing';
    const caps = await engine.handlers.probe({}, () => undefined);
    expect(caps.selfTest.ok).toBe(false);
    expect(caps.selfTest.maxAbsDiff).toBeGreaterThan(0.01);
  });

  it('reports a kernel that cannot be built on this adapter as a failed self-test, not as a browser without WebGPU', async () => {
    const engine = new StudioEngine(await nodeGpu(), () => undefined);
    broken.matmul = 'fails to compile';
    const caps = await engine.handlers.probe({}, () => undefined);
    expect(caps.selfTest.ok).toBe(false);
    expect(caps.selfTest.error).toMatch(/matmul\.wgsl.*unresolved value/);
    expect(caps.adapter.vendor.length).toBeGreaterThan(0);
  });
});
