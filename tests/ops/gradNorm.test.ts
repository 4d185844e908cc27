// Global gradient norm over several gradient tensors and the clip factor, on the GPU against the f64
// reference: tensors of length 1, non-multiples of the workgroup, one long enough to hit the
// per-tensor partial cap (grid-stride), and an empty one.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/gpu/index.ts';
import { GRAD_NORM_INDEX, GRAD_NORM_RESULT_BYTES, gradNorm, gradNormPartialCount } from '../../src/ops/gradNorm.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { gradNormRef } from '../reference/gradNorm.ts';

// A sum of ~3·10⁵ f32 squares, reduced per thread, per workgroup tree and across partials: relative
// error ~log2(n)·2⁻²⁴ ≈ 1e-6 at worst; 1e-5 relative leaves 10×.
const TOL = { atol: 1e-7, rtol: 1e-5 };

describe('gradNorm on the GPU', () => {
  it('sizes the partials buffer by tensor and caps the partials of a huge tensor', () => {
    expect(gradNormPartialCount([1, 1024, 1025])).toBe(1 + 1 + 2);
    expect(gradNormPartialCount([0])).toBe(1);
    expect(gradNormPartialCount([10_000_000])).toBe(256);
  });

  it('matches the reference norm and clip factor across several tensors', async () => {
    const gpu = await testGpu();
    const lengths = [1, 257, 5000, 300_000, 0];
    const grads = lengths.map((n, i) => randomArray(n, 40 + i, i === 2 ? 5 : 0.01));
    const tensors = grads.map((g, i) => ({ buffer: g.length ? uploadBuffer(gpu.ctx, g, `g${i}`) : createStorageBuffer(gpu.ctx, 4, 'empty'), length: g.length }));
    const count = gradNormPartialCount(lengths);
    // Garbage in every slot: each partial the finalize reads must have been written this time.
    const partials = uploadBuffer(gpu.ctx, new Float32Array(count).fill(1e30), 'partials');
    const result = createStorageBuffer(gpu.ctx, GRAD_NORM_RESULT_BYTES, 'result');
    const exact = gradNormRef(grads, 0);
    for (const [maxNorm, gradScale] of [[exact.norm * 2, 1], [exact.norm / 3, 1], [1, 0.25], [0, 1]]) {
      await gradNorm(gpu, { grads: tensors, partials, result, maxNorm, gradScale });
      gpu.recorder.submit();
      const got = await readF32(gpu.ctx, result, 2);
      const want = gradNormRef(grads, maxNorm, gradScale);
      expectClose([got[GRAD_NORM_INDEX.norm], got[GRAD_NORM_INDEX.clipFactor]], [want.norm, want.clip], TOL, `norm, clip at maxNorm=${maxNorm} scale=${gradScale}`);
    }
  });

  it('refuses a partials buffer that is too small', async () => {
    const gpu = await testGpu();
    const g = uploadBuffer(gpu.ctx, randomArray(5000, 1), 'g');
    const small = createStorageBuffer(gpu.ctx, 4, 'partials');
    const result = createStorageBuffer(gpu.ctx, 8, 'result');
    await expect(gradNorm(gpu, { grads: [{ buffer: g, length: 5000 }], partials: small, result, maxNorm: 1 })).rejects.toThrow(/needs 5/);
  });
});
