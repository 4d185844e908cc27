// The kernels' shared scratch (src/gpu/scratch.ts) against what the memory plan counts for it
// (ops/matmulKernels matmulScratchBytes): the largest request, never more. It grew by 1.5× past a
// larger request, so split-K partials asked for 12 and then 14 MiB held 18 MiB, over the 16 MiB the
// plan counts (and the f16 operand copy up to half as much again as its widest product).
import { describe, expect, it } from 'vitest';
import { SPLIT_SCRATCH_BYTES } from '../../src/ops/matmulKernels.ts';
import { testGpu } from '../helpers/gpu.ts';

const MiB = 2 ** 20;

describe('scratch buffers', () => {
  it('hold the largest size asked for each purpose, as the memory plan counts it', async () => {
    const gpu = await testGpu();
    // The process's device: files before this one may hold scratch of their own (it grows again on use).
    gpu.scratch.release();
    const first = gpu.scratch.get('test-split-k', 12 * MiB);
    expect(gpu.scratch.get('test-split-k', 8 * MiB)).toBe(first); // a smaller request reuses the buffer
    const grown = gpu.scratch.get('test-split-k', 14 * MiB);
    expect(grown.size).toBeGreaterThanOrEqual(14 * MiB);
    expect(grown.size).toBeLessThanOrEqual(SPLIT_SCRATCH_BYTES);
    expect(gpu.scratch.bytes).toBe(grown.size);
    gpu.scratch.release();
    expect(gpu.scratch.bytes).toBe(0);
  });
});
