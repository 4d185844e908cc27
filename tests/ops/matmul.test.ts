// matmul (shaders/matmul.wgsl) against the f64 reference: every transpose combination, packed
// bf16/f16 weights at odd element offsets, bias + accumulate + alpha, batches with strides, slices
// of a larger weight, shapes that are not multiples of the 4×4 block or the 64×64 tile, a tail of 1,
// and a 151,936-column product that must fit the dispatch limit.
import { describe, expect, it } from 'vitest';
import { createGpu, createStorageBuffer } from '../../src/gpu/index.ts';
import { matmul, matmulWorkgroup, type MatmulVariant } from '../../src/ops/matmul.ts';
import { sharedRowsApplies } from '../../src/ops/matmulKernels.ts';
import { matmulRef } from '../reference/matmul.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { dot, numericGradient } from '../reference/finiteDifference.ts';
import { runMatmulCase as runCase, MATMUL_SHAPES as SHAPES } from '../helpers/matmulCase.ts';


describe('matmul f32', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`matches the reference for transA=${transA} transB=${transB} at tile and non-tile shapes`, async () => {
        const gpu = await testGpu();
        for (const [M, N, K] of SHAPES) await runCase(gpu, { M, N, K, transA, transB });
      });
    }
  }
});

describe('matmul as a linear layer backward', () => {
  it('dx = dy·W and dW = dyᵀ·x (the transA/transB forms) equal finite differences of Σ dy⊙(x·Wᵀ)', () => {
    const [T, IN, OUT] = [3, 5, 4];
    const x = Float64Array.from(randomArray(T * IN, 31));
    const w = Float64Array.from(randomArray(OUT * IN, 32));
    const dy = randomArray(T * OUT, 33);
    const loss = (xv: Float64Array, wv: Float64Array) => dot(matmulRef({ a: xv, b: wv, M: T, N: OUT, K: IN, transB: true }), dy);
    const dx = matmulRef({ a: dy, b: w, M: T, N: IN, K: OUT });
    const dW = matmulRef({ a: dy, b: x, M: OUT, N: IN, K: T, transA: true });
    // Central differences of a bilinear loss are exact up to rounding (~1e-10 at h = 1e-5).
    expectClose(dx, numericGradient((xv) => loss(xv, w), x), { atol: 1e-8, rtol: 1e-8 }, 'dx');
    expectClose(dW, numericGradient((wv) => loss(x, wv), w), { atol: 1e-8, rtol: 1e-8 }, 'dW');
  });

  it('computes dx = dy·W (bf16 W) and dW += dyᵀ·x on the GPU like the reference', async () => {
    const gpu = await testGpu();
    await runCase(gpu, { M: 37, N: 29, K: 21, bDtype: 'bf16' }); // dx[T=37, in=29] = dy[37, out=21]·W[21, 29]
    await runCase(gpu, { M: 21, N: 29, K: 37, transA: true, accumulate: true }); // dW[out, in] += dyᵀ·x
  });
});

describe('matmul with packed 16-bit weights', () => {
  for (const bDtype of ['bf16', 'f16'] as const) {
    it(`unpacks ${bDtype} weights for y = x·Wᵀ and dx = dy·W, odd sizes so halves straddle words`, async () => {
      const gpu = await testGpu();
      for (const [M, N, K] of [[9, 13, 11], [3, 6, 5], [70, 66, 37], [1, 1, 1], [12, 8, 16]] as const) {
        await runCase(gpu, { M, N, K, transB: true, bDtype }); // forward: W is [out=N, in=K]
        await runCase(gpu, { M, N, K, transB: false, bDtype }); // input grad: W is [out=K, in=N]
      }
    });
  }

  it('reads a slice of rows of a bigger weight at an odd, unaligned element offset (LM-head chunk)', async () => {
    const gpu = await testGpu();
    // W [V=301, H=19] bf16; use rows 117..117+53 as the B of y = x·W_chunkᵀ.
    await runCase(gpu, { M: 6, N: 53, K: 19, transB: true, bDtype: 'bf16', offsetB: 117 * 19, bElements: 301 * 19 });
    // Backward direction: dH += dlogits[6,53]·W_chunk[53,19].
    await runCase(gpu, { M: 6, N: 19, K: 53, transB: false, bDtype: 'bf16', offsetB: 117 * 19, bElements: 301 * 19, accumulate: true });
    await runCase(gpu, { M: 6, N: 53, K: 19, transB: true, offsetB: 71 * 19, bElements: 301 * 19 });
  });
});

describe('matmul K tail', () => {
  it('compiles the masked K-tail step only into products whose K has a tail, and both match the reference', async () => {
    // A Gpu of its own over the shared device: its pipeline cache starts empty, so the count is exact.
    // y = x·W with rows of A 21 floats apart: scalar loads whatever K is, so only the tail differs.
    const gpu = createGpu((await testGpu()).ctx);
    for (const K of [16, 20, 8]) await runCase(gpu, { M: 12, N: 8, K, rowStrideA: 21 });
    expect(gpu.pipelines.size, 'K a multiple of 4: one pipeline, without the tail').toBe(1);
    for (const K of [17, 18, 19, 1]) await runCase(gpu, { M: 12, N: 8, K, rowStrideA: 21 });
    expect(gpu.pipelines.size, 'K with a tail: one more pipeline, with it').toBe(2);
  });

  it('keeps the tail in products with Aᵀ (K is a micro-batch’s tokens): one pipeline for every length', async () => {
    const gpu = createGpu((await testGpu()).ctx);
    for (const K of [16, 17, 20, 3]) await runCase(gpu, { M: 12, N: 8, K, transA: true, accumulate: true });
    expect(gpu.pipelines.size, 'dW = dyᵀ·x at four token counts').toBe(1);
  });
});

describe('matmul epilogue and batching', () => {
  it('applies alpha, bias and accumulate together: C = C + alpha·A·Bᵀ + bias', async () => {
    const gpu = await testGpu();
    await runCase(gpu, { M: 13, N: 10, K: 7, transB: true, alpha: 0.37, withBias: true, accumulate: true });
    await runCase(gpu, { M: 5, N: 67, K: 6, alpha: -2, withBias: true });
    await runCase(gpu, { M: 4, N: 9, K: 8, bDtype: 'bf16', transB: true, accumulate: true });
  });

  it('one register pipeline serves every workgroup shape, with a bias or without, and each matches the reference', async () => {
    // The shape and the bias are uniforms (an override each was a pipeline each: compiling is what
    // a process pays first). M = 9, 20, 40, 300 run 128×2, 64×4, 32×8 and 16×16 invocations, and
    // N = 1030 spans two workgroups along n even at 128 invocations of 8 columns.
    const shared = await testGpu();
    const Ms = [9, 20, 40, 300];
    expect(Ms.map((M) => matmulWorkgroup(M, 1030)).map((w) => `${w.x}×${w.y}`)).toEqual(['128×2', '64×4', '32×8', '16×16']);
    const variants: Array<[string, MatmulVariant]> = [['plain', { kind: 'register' }]];
    if (sharedRowsApplies(shared)) variants.push(['shared-rows', { kind: 'register', sharedRows: true }]);
    for (const [name, variant] of variants) {
      const gpu = createGpu(shared.ctx); // an empty pipeline cache, so the count is exact
      for (const M of Ms) {
        for (const withBias of [false, true]) await runCase(gpu, { M, N: 1030, K: 12, transB: true, withBias, alpha: 0.5, variant });
      }
      expect(gpu.pipelines.size, `${name} register kernel`).toBe(1);
    }
  });

  it('on a CPU adapter, a product whose N fits one workgroup row spreads its rows over more workgroups, 5 to 8 rows are one block, and each matches the reference', async () => {
    // The LM head's backward into the hidden state (N = hidden size 64, M = the loss rows): 16×16
    // invocations made M = 100 one workgroup, one thread of SwiftShader's; 64×4 makes it four.
    expect(matmulWorkgroup(100, 64, true)).toEqual({ x: 64, y: 4, rows: 8, cols: 8 });
    expect(matmulWorkgroup(100, 64)).toEqual({ x: 16, y: 16, rows: 8, cols: 8 });
    expect(matmulWorkgroup(100, 136, true), 'N past one workgroup row keeps the square shape').toEqual({ x: 16, y: 16, rows: 8, cols: 8 });
    expect(matmulWorkgroup(9, 64, true), 'few rows keep their flat shape').toEqual({ x: 128, y: 2, rows: 8, cols: 8 });
    // A decode step's rows against the LM head: one block of 8 reads each weight value once.
    expect(matmulWorkgroup(8, 151936, true)).toEqual({ x: 256, y: 1, rows: 8, cols: 8 });
    expect(matmulWorkgroup(5, 151936, true)).toEqual({ x: 256, y: 1, rows: 8, cols: 8 });
    expect(matmulWorkgroup(8, 151936)).toEqual({ x: 128, y: 2, rows: 4, cols: 8 });
    expect(matmulWorkgroup(4, 151936, true)).toEqual({ x: 256, y: 1, rows: 4, cols: 8 });
    const shared = await testGpu();
    expect(shared.ctx.adapter.isSoftware, 'these tests run on SwiftShader').toBe(true);
    const variants: MatmulVariant[] = [{ kind: 'register' }];
    if (sharedRowsApplies(shared)) variants.push({ kind: 'register', sharedRows: true });
    for (const variant of variants) {
      // Rows past M in the last workgroup, columns past N in every one, K tails, a packed weight, accumulate.
      await runCase(shared, { M: 100, N: 64, K: 40, variant });
      await runCase(shared, { M: 70, N: 50, K: 37, transB: true, bDtype: 'bf16', accumulate: true, alpha: 0.5, variant });
      await runCase(shared, { M: 33, N: 128, K: 16, transA: true, withBias: true, variant });
      // 5 to 8 rows in one block of 8: rows past M clamped, columns past N in the last workgroup.
      await runCase(shared, { M: 8, N: 2100, K: 64, transB: true, bDtype: 'bf16', variant });
      await runCase(shared, { M: 5, N: 2051, K: 66, transB: true, accumulate: true, variant });
    }
  });

  it('runs a batch of independent products with strides and offsets (attention heads)', async () => {
    const gpu = await testGpu();
    // Scores S[h] = Q[h]·K[h]ᵀ over 3 heads, then O[h] = P[h]·V[h] with padded strides.
    await runCase(gpu, { M: 5, N: 6, K: 7, transB: true, batch: 3, alpha: 0.5 });
    await runCase(gpu, { M: 5, N: 7, K: 6, batch: 3, strideA: 40, strideB: 50, strideC: 41, offsetA: 3, offsetB: 1, offsetC: 2 });
    await runCase(gpu, { M: 9, N: 4, K: 5, transA: true, batch: 2, accumulate: true });
  });

  it('reads heads out of [T, heads, d] activations with row strides (no transposes materialised)', async () => {
    const gpu = await testGpu();
    // Q, K: [T=10, heads=3, d=8] → S[h] = Q[:,h,:]·K[:,h,:]ᵀ: row stride 24, batch stride 8.
    await runCase(gpu, { M: 10, N: 10, K: 8, transB: true, batch: 3, rowStrideA: 24, rowStrideB: 24, strideA: 8, strideB: 8, alpha: 0.35 });
    // O[:,h,:] = P[h]·V[:,h,:] written into [T, heads, d]: row stride 24 on B and C.
    await runCase(gpu, { M: 10, N: 8, K: 10, batch: 3, rowStrideB: 24, strideB: 8, rowStrideC: 24, strideC: 8 });
    // Transposed A slice with an odd leading dimension (scalar loads) and a vector-aligned one.
    await runCase(gpu, { M: 6, N: 5, K: 7, transA: true, rowStrideA: 9 });
    await runCase(gpu, { M: 13, N: 12, K: 9, transA: true, rowStrideA: 16, transB: true, rowStrideB: 12, bDtype: 'bf16' });
  });
});

describe('matmul limits', () => {
  it('runs a 151,936-column product (an LM head over the whole vocabulary) within the dispatch limit', async () => {
    const gpu = await testGpu();
    await runCase(gpu, { M: 2, N: 151_936, K: 8, transB: true, bDtype: 'bf16' });
  });

  it('refuses an operand range past the end of its buffer instead of reading garbage', async () => {
    const gpu = await testGpu();
    const a = createStorageBuffer(gpu.ctx, 4 * 4, 'a');
    const b = createStorageBuffer(gpu.ctx, 4 * 4, 'b');
    const c = createStorageBuffer(gpu.ctx, 4 * 4, 'c');
    let err: unknown = null;
    await matmul(gpu, { a, b, c, M: 2, N: 2, K: 3 }).catch((e) => (err = e));
    if (!(err instanceof RangeError) || !/matmul A/.test(err.message)) throw new Error(`expected a RangeError naming A, got ${err}`);
    [a, b, c].forEach((x) => x.destroy());
  });
});

describe('matmul benchmark harness', () => {
  it('times ours and tfjs-backend-webgpu on the same device, and their outputs agree', async () => {
    const gpu = await testGpu();
    const { createTfjsPeer } = await import('../../src/bench/tfjsPeer.ts');
    const { MATMUL_CASES } = await import('../../src/bench/cases.ts');
    const { runCase, formatTable } = await import('../../src/bench/run.ts');
    const peer = await createTfjsPeer(gpu.ctx);
    const row = await runCase(gpu, peer, MATMUL_CASES[0](), { warmup: 0, reps: 1, inner: 1 });
    expect(row.oursGflops).toBeGreaterThan(0);
    expect(row.tfjsGflops).toBeGreaterThan(0);
    // Same f32 inputs, different summation order: agreement to ~1e-6 of the output scale.
    expect(row.maxRelDiff).toBeLessThan(1e-5);
    expect(formatTable([row])).toMatch(/matmul 256³ .*×/);
  });
});
