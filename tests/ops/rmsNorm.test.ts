// RMSNorm and Qwen3's per-head q/k norm on the GPU against the f64 reference; the reference backward
// against finite differences. Weights in f32 and packed bf16/f16 (the checkpoint's dtype).
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/gpu/index.ts';
import { headRmsNormBackward, headRmsNormForward, rmsNormBackward, rmsNormForward, type RowWalk, type WeightDtype } from '../../src/ops/rmsNorm.ts';
import type { RowLoads } from '../../src/ops/rowLoads.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { packHalves } from '../helpers/halfPack.ts';
import { dot, numericGradient } from '../reference/finiteDifference.ts';
import { rmsNormBackwardRef, rmsNormForwardRef } from '../reference/rmsNorm.ts';

// f32 GPU vs f64 reference on O(1) inputs: a row sum of C squares carries ~C·2⁻²⁴ relative error and
// inverseSqrt a few ulp, so 1e-5 relative is ~10× the expected worst case at C ≤ 1000. The backward
// subtracts two O(rstd) terms, so its error is absolute in that scale: atol 2e-5 (rstd ≤ ~3 here).
const FWD = { atol: 1e-6, rtol: 1e-5 };
const BWD = { atol: 2e-5, rtol: 1e-4 };
const EPS = 1e-6;

// [rows, C]: a tail of one, C not a multiple of the row stride, C below one warp, a hidden-size row
// (the row stride grows with C: 32 threads up to C = 128, then 64, … 256 at C = 896).
const SHAPES: Array<[number, number]> = [[1, 1], [3, 7], [5, 64], [4, 130], [2, 896], [33, 16]];

function weightBuffer(w: Float32Array, dtype: WeightDtype): { data: Uint32Array | Float32Array; values: Float32Array } {
  if (dtype === 'f32') return { data: w, values: w };
  const { packed, values } = packHalves(w, dtype);
  return { data: packed, values };
}

describe('rmsNorm reference', () => {
  it('backward equals central finite differences of Σ dy⊙y (input and weight)', () => {
    const rows = 3, C = 5;
    const x = Float64Array.from(randomArray(rows * C, 11));
    const w = Float64Array.from(randomArray(C, 12, 2));
    const dy = randomArray(rows * C, 13);
    const { dx, dw } = rmsNormBackwardRef(x, w, dy, rows, C, EPS);
    const numDx = numericGradient((xx) => dot(rmsNormForwardRef(xx, w, rows, C, EPS).y, dy), x);
    const numDw = numericGradient((ww) => dot(rmsNormForwardRef(x, ww, rows, C, EPS).y, dy), w);
    expectClose(dx, numDx, { atol: 1e-7, rtol: 1e-6 }, 'dx vs finite differences');
    expectClose(dw, numDw, { atol: 1e-7, rtol: 1e-6 }, 'dw vs finite differences');
  });
});

describe('rmsNorm on the GPU', () => {
  for (const dtype of ['f32', 'bf16', 'f16'] as const) {
    it(`forward and backward match the reference at several shapes (${dtype} weight)`, async () => {
      const gpu = await testGpu();
      for (const [rows, C] of SHAPES) {
        const x = randomArray(rows * C, rows * 100 + C, 1.5);
        const w = weightBuffer(randomArray(C, C + 7, 1), dtype);
        const dy = randomArray(rows * C, rows + C * 3);
        const gx = uploadBuffer(gpu.ctx, x, 'x');
        const gw = uploadBuffer(gpu.ctx, w.data, 'w');
        const gdy = uploadBuffer(gpu.ctx, dy, 'dy');
        const y = createStorageBuffer(gpu.ctx, rows * C * 4, 'y');
        const rstd = createStorageBuffer(gpu.ctx, rows * 4, 'rstd');
        const dx = createStorageBuffer(gpu.ctx, rows * C * 4, 'dx');
        const dw = createStorageBuffer(gpu.ctx, C * 4, 'dw');
        await rmsNormForward(gpu, { x: gx, weight: gw, weightDtype: dtype, y, rstd, rows, C, eps: EPS });
        await rmsNormBackward(gpu, { x: gx, weight: gw, weightDtype: dtype, rstd, dy: gdy, dx, dw, rows, C });
        gpu.recorder.submit();
        const ref = rmsNormForwardRef(x, w.values, rows, C, EPS);
        const bref = rmsNormBackwardRef(x, w.values, dy, rows, C, EPS);
        const what = `${dtype} [${rows},${C}]`;
        expectClose(await readF32(gpu.ctx, y, rows * C), ref.y, FWD, `y ${what}`);
        expectClose(await readF32(gpu.ctx, rstd, rows), ref.rstd, FWD, `rstd ${what}`);
        expectClose(await readF32(gpu.ctx, dx, rows * C), bref.dx, BWD, `dx ${what}`);
        // dw sums over rows: error grows with the row count, still far under 1e-4 relative here.
        expectClose(await readF32(gpu.ctx, dw, C), bref.dw, BWD, `dw ${what}`);
        [gx, gw, gdy, y, rstd, dx, dw].forEach((b) => b.destroy());
      }
    });
  }

  it('accumulates into dx and dw when asked', async () => {
    const gpu = await testGpu();
    const rows = 6, C = 70;
    const x = randomArray(rows * C, 1);
    const w = randomArray(C, 2);
    const dy = randomArray(rows * C, 3);
    const dx0 = randomArray(rows * C, 4);
    const dw0 = randomArray(C, 5);
    const gx = uploadBuffer(gpu.ctx, x, 'x');
    const gw = uploadBuffer(gpu.ctx, w, 'w');
    const gdy = uploadBuffer(gpu.ctx, dy, 'dy');
    const dx = uploadBuffer(gpu.ctx, dx0, 'dx');
    const dw = uploadBuffer(gpu.ctx, dw0, 'dw');
    const y = createStorageBuffer(gpu.ctx, rows * C * 4, 'y');
    const rstd = createStorageBuffer(gpu.ctx, rows * 4, 'rstd');
    await rmsNormForward(gpu, { x: gx, weight: gw, y, rstd, rows, C, eps: EPS });
    await rmsNormBackward(gpu, { x: gx, weight: gw, rstd, dy: gdy, dx, dw, rows, C, accumulate: true });
    gpu.recorder.submit();
    const ref = rmsNormBackwardRef(x, w, dy, rows, C, EPS);
    expectClose(await readF32(gpu.ctx, dx, rows * C), ref.dx.map((v, i) => v + dx0[i]), BWD, 'dx accumulated');
    expectClose(await readF32(gpu.ctx, dw, C), ref.dw.map((v, i) => v + dw0[i]), BWD, 'dw accumulated');
  });

  it('runs per-head q/k norm over [tokens, heads, headDim] with one bf16 weight shared by all heads', async () => {
    const gpu = await testGpu();
    const tokens = 5, heads = 3, headDim = 16;
    const n = tokens * heads * headDim;
    const x = randomArray(n, 21, 2);
    const w = packHalves(randomArray(headDim, 22), 'bf16');
    const dy = randomArray(n, 23);
    const gx = uploadBuffer(gpu.ctx, x, 'q');
    const gw = uploadBuffer(gpu.ctx, w.packed, 'q_norm');
    const gdy = uploadBuffer(gpu.ctx, dy, 'dq');
    const y = createStorageBuffer(gpu.ctx, n * 4, 'y');
    const rstd = createStorageBuffer(gpu.ctx, tokens * heads * 4, 'rstd');
    const dx = createStorageBuffer(gpu.ctx, n * 4, 'dx');
    const args = { x: gx, weight: gw, weightDtype: 'bf16' as const, rstd, tokens, heads, headDim };
    await headRmsNormForward(gpu, { ...args, y, eps: EPS });
    await headRmsNormBackward(gpu, { ...args, dy: gdy, dx });
    gpu.recorder.submit();
    // Each head is its own row: normalising the whole token instead would give different numbers.
    expectClose(await readF32(gpu.ctx, y, n), rmsNormForwardRef(x, w.values, tokens * heads, headDim, EPS).y, FWD, 'head norm y');
    expectClose(await readF32(gpu.ctx, dx, n), rmsNormBackwardRef(x, w.values, dy, tokens * heads, headDim, EPS).dx, BWD, 'head norm dx');
  });

  it('handles more rows than one dispatch dimension allows (folded workgroups)', async () => {
    const gpu = await testGpu();
    const rows = gpu.ctx.limits.maxComputeWorkgroupsPerDimension + 3, C = 2;
    const x = randomArray(rows * C, 31);
    const w = randomArray(C, 32);
    const gx = uploadBuffer(gpu.ctx, x, 'x');
    const gw = uploadBuffer(gpu.ctx, w, 'w');
    const y = createStorageBuffer(gpu.ctx, rows * C * 4, 'y');
    const rstd = createStorageBuffer(gpu.ctx, rows * 4, 'rstd');
    await rmsNormForward(gpu, { x: gx, weight: gw, y, rstd, rows, C, eps: EPS });
    gpu.recorder.submit();
    const got = await readF32(gpu.ctx, y, rows * C);
    expectClose(got, rmsNormForwardRef(x, w, rows, C, EPS).y, FWD, 'y folded');
    expect(got[rows * C - 1]).not.toBe(0); // the last row, past the first dispatch dimension, was written
  });
});

describe('rmsNorm rows read four elements a load, and a row per invocation (CPU adapters)', () => {
  const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer));

  async function run(form: { rowLoads: RowLoads; rowWalk: RowWalk }, rows: number, C: number, dtype: WeightDtype, accumulate: boolean) {
    const gpu = await testGpu();
    const x = randomArray(rows * C, rows * 100 + C, 1.5);
    const w = weightBuffer(randomArray(C, C + 7, 1), dtype);
    const gx = uploadBuffer(gpu.ctx, x, 'x');
    const gw = uploadBuffer(gpu.ctx, w.data, 'w');
    const gdy = uploadBuffer(gpu.ctx, randomArray(rows * C, rows + C * 3), 'dy');
    const y = createStorageBuffer(gpu.ctx, rows * C * 4, 'y');
    const rstd = createStorageBuffer(gpu.ctx, rows * 4, 'rstd');
    const dx = uploadBuffer(gpu.ctx, randomArray(rows * C, 9), 'dx');
    await rmsNormForward(gpu, { x: gx, weight: gw, weightDtype: dtype, y, rstd, rows, C, eps: EPS, ...form });
    await rmsNormBackward(gpu, { x: gx, weight: gw, weightDtype: dtype, rstd, dy: gdy, dx, rows, C, accumulate, ...form });
    gpu.recorder.submit();
    const out = { y: await readF32(gpu.ctx, y, rows * C), rstd: await readF32(gpu.ctx, rstd, rows), dx: await readF32(gpu.ctx, dx, rows * C) };
    [gx, gw, gdy, y, rstd, dx].forEach((b) => b.destroy());
    return out;
  }

  // Rows of 4 to 896 are 8 to 64 parts a row per invocation (every depth of its tree); 130 rows are
  // three workgroups of the per-invocation form, the last one part full.
  it('give the bits of one a load by a workgroup: y, rstd and dx (overwritten and accumulated), f32 and packed weights, rows of 4 to 896, folded workgroups', async () => {
    const gpu = await testGpu();
    const cases: Array<[number, number, WeightDtype, boolean]> = [
      [5, 64, 'f32', false], [2, 896, 'bf16', true], [33, 16, 'f16', false], [3, 4, 'bf16', true], [7, 132, 'f32', true], [130, 256, 'f32', false],
      [3, 448, 'bf16', false], [gpu.ctx.limits.maxComputeWorkgroupsPerDimension + 3, 4, 'f32', false],
    ];
    for (const [rows, C, dtype, accumulate] of cases) {
      const scalar = await run({ rowLoads: 'scalar', rowWalk: 'workgroup' }, rows, C, dtype, accumulate);
      for (const form of [{ rowLoads: 'vec4', rowWalk: 'workgroup' }, { rowLoads: 'scalar', rowWalk: 'thread' }] as const) {
        const got = await run(form, rows, C, dtype, accumulate);
        const what = `[${rows},${C}] ${dtype}${accumulate ? ' accumulated' : ''}, ${form.rowWalk === 'thread' ? 'a row per invocation' : 'four a load'}`;
        for (const k of ['y', 'rstd', 'dx'] as const) expect(bits(got[k]), `${k} ${what}`).toEqual(bits(scalar[k]));
      }
    }
  });
});
