// SwiGLU on the GPU against the f64 reference (including large |gate| where a naive sigmoid
// overflows); the reference backward against finite differences.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/gpu/index.ts';
import { swigluBackward, swigluForward } from '../../src/ops/swiglu.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { dot, numericGradient } from '../reference/finiteDifference.ts';
import { swigluBackwardRef, swigluForwardRef } from '../reference/swiglu.ts';

// One exp, a division and two or three products per element in f32: a few ulp, so 1e-6 relative
// plus 1e-6 absolute (for results near zero, where silu(g) ≈ 0 for very negative g) is ample.
const TOL = { atol: 1e-6, rtol: 1e-5 };

describe('swiglu reference', () => {
  it('backward equals central finite differences of Σ dy⊙out (gate and up)', () => {
    const n = 9;
    const gate = Float64Array.from(randomArray(n, 1, 4));
    const up = Float64Array.from(randomArray(n, 2, 2));
    const dy = randomArray(n, 3);
    const { dgate, dup } = swigluBackwardRef(gate, up, dy);
    expectClose(dgate, numericGradient((g) => dot(swigluForwardRef(g, up), dy), gate), { atol: 1e-8, rtol: 1e-7 }, 'dgate vs finite differences');
    expectClose(dup, numericGradient((u) => dot(swigluForwardRef(gate, u), dy), up), { atol: 1e-8, rtol: 1e-7 }, 'dup vs finite differences');
  });
});

describe('swiglu on the GPU', () => {
  it('forward and backward match the reference at lengths around the workgroup size', async () => {
    const gpu = await testGpu();
    for (const n of [1, 255, 257, 3 * 4864 + 1]) {
      const gate = randomArray(n, n, 6);
      const up = randomArray(n, n + 1, 2);
      const dy = randomArray(n, n + 2);
      const gg = uploadBuffer(gpu.ctx, gate, 'gate');
      const gu = uploadBuffer(gpu.ctx, up, 'up');
      const gdy = uploadBuffer(gpu.ctx, dy, 'dy');
      const out = createStorageBuffer(gpu.ctx, n * 4, 'out');
      const dgate = createStorageBuffer(gpu.ctx, n * 4, 'dgate');
      const dup = createStorageBuffer(gpu.ctx, n * 4, 'dup');
      await swigluForward(gpu, { gate: gg, up: gu, out, n });
      await swigluBackward(gpu, { gate: gg, up: gu, dy: gdy, dgate, dup, n });
      gpu.recorder.submit();
      const ref = swigluBackwardRef(gate, up, dy);
      expectClose(await readF32(gpu.ctx, out, n), swigluForwardRef(gate, up), TOL, `out n=${n}`);
      expectClose(await readF32(gpu.ctx, dgate, n), ref.dgate, TOL, `dgate n=${n}`);
      expectClose(await readF32(gpu.ctx, dup, n), ref.dup, TOL, `dup n=${n}`);
      [gg, gu, gdy, out, dgate, dup].forEach((b) => b.destroy());
    }
  });

  it('stays finite for gates far in either tail (no exp overflow)', async () => {
    const gpu = await testGpu();
    const gate = Float32Array.from([-200, -90, -30, 30, 90, 200]);
    const up = new Float32Array(gate.length).fill(1.5);
    const dy = new Float32Array(gate.length).fill(1);
    const n = gate.length;
    const out = createStorageBuffer(gpu.ctx, n * 4, 'out');
    const dgate = createStorageBuffer(gpu.ctx, n * 4, 'dgate');
    const dup = createStorageBuffer(gpu.ctx, n * 4, 'dup');
    const gg = uploadBuffer(gpu.ctx, gate, 'gate');
    const gu = uploadBuffer(gpu.ctx, up, 'up');
    await swigluForward(gpu, { gate: gg, up: gu, out, n });
    await swigluBackward(gpu, { gate: gg, up: gu, dy: uploadBuffer(gpu.ctx, dy, 'dy'), dgate, dup, n });
    gpu.recorder.submit();
    const got = [...(await readF32(gpu.ctx, out, n)), ...(await readF32(gpu.ctx, dgate, n)), ...(await readF32(gpu.ctx, dup, n))];
    expect(got.every(Number.isFinite)).toBe(true);
    const ref = swigluBackwardRef(gate, up, dy);
    expectClose(await readF32(gpu.ctx, out, n), swigluForwardRef(gate, up), TOL, 'out in the tails');
    expectClose(await readF32(gpu.ctx, dgate, n), ref.dgate, TOL, 'dgate in the tails');
  });
});
