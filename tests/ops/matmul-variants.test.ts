// Every matmul kernel variant against the same f64 reference as the default path: the workgroup-tiled
// kernel (checked and unchecked, several tile shapes, every transpose form, packed halves, epilogue,
// batches, strides), split-K with its reduce, and the tensor-core kernel where the adapter has
// subgroup matrices (a visible "not available" line elsewhere). The choice logic is tested too:
// software adapters keep the register kernel, and a tuned choice is what runs.
import { describe, expect, it } from 'vitest';
import { matmulCandidates, chooseMatmulVariant, defaultMatmulVariant, MATMUL_SOURCE_HASH, MATMUL_TUNING_OP, matmulShapeClass, TENSOR_CORE_CONFIGS } from '../../src/ops/matmulChoice.ts';
import { effectiveSplit, matvecApplies, matvecSubgroupThreads, sharedRowsApplies, subgroupMatrixApplies, subgroupMatrixLanes, type MatmulVariant } from '../../src/ops/matmulKernels.ts';
import { testGpu } from '../helpers/gpu.ts';
import { MATMUL_SHAPES, runMatmulCase } from '../helpers/matmulCase.ts';

const TILED: MatmulVariant[] = [
  { kind: 'tiled', BM: 32, BN: 32, BK: 8, TM: 4, TN: 4, splitK: 1 },
  { kind: 'tiled', BM: 64, BN: 32, BK: 16, TM: 8, TN: 4, splitK: 1 },
  { kind: 'tiled', BM: 32, BN: 64, BK: 8, TM: 4, TN: 8, splitK: 1 },
  { kind: 'tiled', BM: 32, BN: 32, BK: 8, TM: 4, TN: 4, splitK: 1, prefetch: false },
];
const SPLIT: MatmulVariant = { kind: 'tiled', BM: 32, BN: 32, BK: 8, TM: 4, TN: 4, splitK: 3 };

// Each (variant, layout) is a pipeline of its own, and SwiftShader compiles slowly: one tile shape
// covers every transpose form and shape, the others the two linear-layer forms.
describe('tiled matmul (workgroup-memory tiles, hardware adapters)', () => {
  it('32×32×8: every transpose form at tile and non-tile shapes', async () => {
    const gpu = await testGpu();
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [M, N, K] of MATMUL_SHAPES) await runMatmulCase(gpu, { M, N, K, transA, transB, variant: TILED[0] });
      }
    }
  });

  it('TM ≠ TN tiles (64×32×16 with 8×4 per thread, 32×64×8 with 4×8) and single-buffered tiles: forward and input-gradient forms', async () => {
    const gpu = await testGpu();
    for (const variant of TILED.slice(1)) {
      for (const [M, N, K] of [[67, 33, 70], [5, 7, 3], [64, 64, 64]] as const) {
        await runMatmulCase(gpu, { M, N, K, transB: true, variant });
        await runMatmulCase(gpu, { M, N, K, variant });
      }
    }
  });

  it('unchecked (aligned) shapes: M, N, K multiples of the tile skip every bound check and still match', async () => {
    const gpu = await testGpu();
    const variant = TILED[0];
    for (const [transA, transB] of [[false, true], [false, false], [true, false]] as const) {
      await runMatmulCase(gpu, { M: 64, N: 96, K: 48, transA, transB, variant });
    }
  });

  it('packed bf16/f16 weights at odd sizes and offsets, bias + alpha + accumulate, batches, row strides', async () => {
    const gpu = await testGpu();
    const variant = TILED[0];
    for (const bDtype of ['bf16', 'f16'] as const) {
      await runMatmulCase(gpu, { M: 37, N: 29, K: 21, transB: true, bDtype, variant });
      await runMatmulCase(gpu, { M: 9, N: 13, K: 11, bDtype, variant });
      // LM-head chunk: rows 117.. of a [301, 19] weight at an odd element offset.
      await runMatmulCase(gpu, { M: 6, N: 53, K: 19, transB: true, bDtype, offsetB: 117 * 19, bElements: 301 * 19, variant });
    }
    await runMatmulCase(gpu, { M: 13, N: 10, K: 7, transB: true, alpha: 0.37, withBias: true, accumulate: true, variant });
    await runMatmulCase(gpu, { M: 5, N: 67, K: 6, alpha: -2, withBias: true, variant });
    await runMatmulCase(gpu, { M: 5, N: 7, K: 6, batch: 3, strideA: 40, strideB: 50, strideC: 41, offsetA: 3, offsetB: 1, offsetC: 2, variant });
    await runMatmulCase(gpu, { M: 10, N: 10, K: 8, transB: true, batch: 3, rowStrideA: 24, rowStrideB: 24, strideA: 8, strideB: 8, alpha: 0.35, variant });
    await runMatmulCase(gpu, { M: 13, N: 12, K: 9, transA: true, rowStrideA: 16, transB: true, rowStrideB: 12, bDtype: 'bf16', variant });
  });
});

describe('split-K matmul (partial sums + reduce)', () => {
  it('LoRA gradient shapes dA += duᵀ·x and dB += s·dyᵀ·u with a long K, bias and accumulate, non-multiple tails', async () => {
    const gpu = await testGpu();
    // dA[r=5, in=37] += du[T=203, r]ᵀ · x[T, in]
    await runMatmulCase(gpu, { M: 5, N: 37, K: 203, transA: true, accumulate: true, variant: SPLIT });
    // dB[out=41, r=6] += 0.5 · dy[T=150, out]ᵀ · u[T, r]
    await runMatmulCase(gpu, { M: 41, N: 6, K: 150, transA: true, alpha: 0.5, accumulate: true, variant: SPLIT });
    await runMatmulCase(gpu, { M: 7, N: 9, K: 100, transB: true, withBias: true, bDtype: 'bf16', variant: SPLIT });
    await runMatmulCase(gpu, { M: 33, N: 35, K: 64, variant: SPLIT });
  });

  it('slices K in whole tiles and falls back to one slice for batches or a tiny K', () => {
    const c = { BM: 32, BN: 32, BK: 8, TM: 4, TN: 4, splitK: 3 };
    expect(effectiveSplit({ M: 5, N: 37, K: 203, batch: 1 }, c)).toEqual({ splits: 3, kPerSplit: 72 });
    expect(effectiveSplit({ M: 5, N: 37, K: 203, batch: 2 }, c).splits).toBe(1);
    expect(effectiveSplit({ M: 5, N: 37, K: 8, batch: 1 }, c).splits).toBe(1);
  });
});

describe('register kernel with A read once per subgroup (CPU adapters with subgroups)', () => {
  const PLAIN: MatmulVariant = { kind: 'register' };
  const SHARED: MatmulVariant = { kind: 'register', sharedRows: true };

  it('the plain register kernel matches the reference in every transpose form (adapters without subgroups run it)', async () => {
    const gpu = await testGpu();
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [M, N, K] of [[67, 33, 70], [2, 130, 9], [12, 8, 8]] as const) await runMatmulCase(gpu, { M, N, K, transA, transB, variant: PLAIN });
      }
    }
  });

  it('gives the plain kernel’s bits: every transpose form, tails, packed halves, flat and square workgroups, subgroups partly past N, batches and strides', async (t) => {
    const gpu = await testGpu();
    if (!sharedRowsApplies(gpu)) {
      const { features, wgslFeatures, adapter } = gpu.ctx;
      const why = !features.has('subgroups') ? 'no subgroups' : !wgslFeatures.has('subgroup_id') ? 'no subgroup_id in WGSL' : `subgroups of ${adapter.subgroupMinSize}–${adapter.subgroupMaxSize} lanes`;
      console.log(`register kernel with subgroup-shared A rows: not available on this adapter (${why})`);
      t.skip();
      return;
    }
    const cases = [
      ...[[67, 33, 70], [2, 130, 9], [12, 8, 8], [16, 12, 8]].flatMap(([M, N, K]) =>
        [[false, false], [false, true], [true, false], [true, true]].map(([transA, transB]) => ({ M, N, K, transA, transB }))),
      // N = 36: a 16-wide workgroup row covers 128 columns, so most subgroups have no column and
      // one straddles N (lanes past it compute clamped columns and store nothing).
      { M: 40, N: 36, K: 64, transB: true, bDtype: 'bf16' as const },
      { M: 37, N: 29, K: 21, transB: true, bDtype: 'f16' as const, withBias: true, alpha: 0.37, accumulate: true },
      { M: 6, N: 53, K: 19, transB: true, bDtype: 'bf16' as const, offsetB: 117 * 19, bElements: 301 * 19 },
      { M: 5, N: 7, K: 6, batch: 3, strideA: 40, strideB: 50, strideC: 41, offsetA: 3, offsetB: 1, offsetC: 2 },
      { M: 13, N: 12, K: 9, transA: true, rowStrideA: 16, transB: true, rowStrideB: 12, bDtype: 'bf16' as const },
    ];
    for (const c of cases) {
      const shared = await runMatmulCase(gpu, { ...c, variant: SHARED });
      const plain = await runMatmulCase(gpu, { ...c, variant: PLAIN });
      const differ = shared.findIndex((x, i) => !Object.is(x, plain[i]));
      expect(differ, `${JSON.stringify(c)}: first element whose bits differ from the plain kernel's`).toBe(-1);
    }
    if (gpu.ctx.adapter.isSoftware) {
      expect(chooseMatmulVariant(gpu, { M: 384, N: 8192, K: 64, batch: 1, dtype: 'bf16', transA: false, transB: true })).toEqual(SHARED);
    }
  });
});

describe('matrix–vector products (decode rows)', () => {
  it('M ≤ 8 rows against a weight [N, K]: f32 and packed halves, K tails, bias + alpha + accumulate, LM-head slices', async () => {
    const gpu = await testGpu();
    // Each (G, layout) is a pipeline and SwiftShader compiles slowly: G = 32 covers the dtypes and
    // shapes, 16 and 64 one shape each (their reduction depth differs).
    const variant: MatmulVariant = { kind: 'matvec', G: 32 };
    for (const [M, N, K] of [[1, 70, 37], [3, 5, 130], [8, 64, 64]] as const) {
      for (const bDtype of ['f32', 'bf16', 'f16'] as const) await runMatmulCase(gpu, { M, N, K, transB: true, bDtype, variant });
    }
    for (const G of [16, 64]) await runMatmulCase(gpu, { M: 3, N: 70, K: 130, transB: true, bDtype: 'bf16', variant: { kind: 'matvec', G } });
    await runMatmulCase(gpu, { M: 2, N: 33, K: 19, transB: true, withBias: true, alpha: 0.5, accumulate: true, variant });
    await runMatmulCase(gpu, { M: 4, N: 53, K: 19, transB: true, bDtype: 'bf16', offsetB: 117 * 19, bElements: 301 * 19, variant });
    await runMatmulCase(gpu, { M: 3, N: 9, K: 12, transB: true, rowStrideA: 13, offsetA: 1, rowStrideB: 14, variant });
  });

  it('with subgroups: the column’s sums added by shuffles, the same bits as the workgroup tree, as a tuning candidate', async (t) => {
    const gpu = await testGpu();
    const threads = matvecSubgroupThreads(gpu);
    if (threads.length === 0) {
      const why = !gpu.ctx.features.has('subgroups') ? 'no subgroups' : !gpu.ctx.wgslFeatures.has('subgroup_id') ? 'no subgroup_id in WGSL' : `subgroups of ${gpu.ctx.adapter.subgroupMinSize} lanes`;
      console.log(`matvec with subgroup shuffles: not available on this adapter (${why})`);
      t.skip();
      return;
    }
    // The largest G this adapter's subgroups take (4 on SwiftShader), and the smallest when they differ.
    for (const G of new Set([threads[threads.length - 1], threads[0]])) {
      const cases = [
        { M: 1, N: 70, K: 37, transB: true, bDtype: 'bf16' as const },
        { M: 8, N: 64, K: 130, transB: true, bDtype: 'f32' as const },
        { M: 3, N: 53, K: 19, transB: true, bDtype: 'f16' as const, offsetB: 117 * 19, bElements: 301 * 19, withBias: true, alpha: 0.5, accumulate: true },
        { M: 2, N: 9, K: 12, transB: true, rowStrideA: 13, offsetA: 1, rowStrideB: 14 },
      ];
      for (const c of cases) {
        const shuffled = await runMatmulCase(gpu, { ...c, variant: { kind: 'matvec', G, subgroups: true } });
        const tree = await runMatmulCase(gpu, { ...c, variant: { kind: 'matvec', G } });
        const differ = shuffled.findIndex((x, i) => !Object.is(x, tree[i]));
        expect(differ, `G=${G} M=${c.M} N=${c.N} K=${c.K}: first element whose bits differ from the workgroup tree's`).toBe(-1);
      }
    }
    const o = { M: 4, N: 4864, K: 896, batch: 1, dtype: 'bf16' as const, transA: false, transB: true };
    const raced = matmulCandidates(gpu, o).filter((v) => v.kind === 'matvec' && v.subgroups);
    expect(raced.map((v) => (v.kind === 'matvec' ? v.G : 0))).toEqual(gpu.ctx.adapter.isSoftware ? [] : threads.filter((G) => G >= 8));
  });

  it('8 columns a thread (CPU adapters): 1, 2, 3–4 and 5–8 rows, f32 and packed halves, K tails, column tails, bias + alpha + accumulate, slices and strides', async () => {
    const gpu = await testGpu();
    const variant: MatmulVariant = { kind: 'matvecColumns' };
    for (const [M, N, K] of [[1, 70, 37], [2, 5, 130], [3, 17, 64], [7, 64, 66]] as const) {
      for (const bDtype of ['f32', 'bf16', 'f16'] as const) await runMatmulCase(gpu, { M, N, K, transB: true, bDtype, variant });
    }
    await runMatmulCase(gpu, { M: 1, N: 33, K: 19, transB: true, withBias: true, alpha: 0.5, accumulate: true, variant });
    await runMatmulCase(gpu, { M: 2, N: 53, K: 19, transB: true, bDtype: 'bf16', offsetB: 117 * 19, bElements: 301 * 19, variant });
    await runMatmulCase(gpu, { M: 4, N: 9, K: 12, transB: true, rowStrideA: 13, offsetA: 1, rowStrideB: 14, withBias: true, variant });
    // Software adapters pick it for one or two rows (the decode LM head), the register kernel above.
    const o = { M: 1, N: 151936, K: 64, batch: 1, dtype: 'bf16' as const, transA: false, transB: true };
    if (gpu.ctx.adapter.isSoftware) {
      expect(chooseMatmulVariant(gpu, o)).toEqual(variant);
      expect(chooseMatmulVariant(gpu, { ...o, M: 2 })).toEqual(variant);
      const register: MatmulVariant = sharedRowsApplies(gpu) ? { kind: 'register', sharedRows: true } : { kind: 'register' };
      expect(chooseMatmulVariant(gpu, { ...o, M: 3 })).toEqual(register);
      expect(chooseMatmulVariant(gpu, { ...o, transB: false })).toEqual(register);
    } else {
      expect(matmulCandidates(gpu, o)).toContainEqual(variant);
    }
  });

  it('applies only to a few rows against a transposed weight, one batch item', async () => {
    const gpu = await testGpu();
    const o = { M: 8, N: 4864, K: 896, batch: 1, dtype: 'bf16' as const, transA: false, transB: true };
    expect(matvecApplies(gpu, o)).toBe(true);
    expect(matvecApplies(gpu, { ...o, M: 9 })).toBe(false);
    expect(matvecApplies(gpu, { ...o, transB: false })).toBe(false);
    expect(matvecApplies(gpu, { ...o, batch: 2 })).toBe(false);
  });
});

describe('tensor-core matmul (subgroup matrices, f16 inputs, f32 results)', () => {
  // Every configuration the autotune races: the generated staged tiles and the direct fallbacks.
  const SGM: MatmulVariant[] = TENSOR_CORE_CONFIGS.map((c) => ({ kind: 'subgroupMatrix', ...c }));
  it('forward y = x·Wᵀ and input gradient dx = dy·W with f16 weights, tiny gradients, bias, accumulate, tails', async (ctx) => {
    const gpu = await testGpu();
    if (!subgroupMatrixLanes(gpu)) {
      console.log(`tensor-core matmul: not available on this adapter (${gpu.ctx.adapter.description || gpu.ctx.adapter.architecture}); tested where chromium-experimental-subgroup-matrix and shader-f16 exist`);
      ctx.skip();
      return;
    }
    // Tensor cores add in f32 but round each step's partial sums toward zero, so the error grows
    // with K: ~1e-7 per term of size ≤ 1 (seen: 6.8e-5 at K = 1000 against f64).
    const tolFor = (K: number) => ({ atol: 2e-5 + 2e-7 * K, rtol: 1e-5 });
    for (const variant of SGM) {
      if (variant.kind === 'subgroupMatrix' && variant.staged && !gpu.ctx.wgslFeatures.has('buffer_view')) {
        console.log('staged tensor-core matmul: not available (no buffer_view WGSL feature)');
        continue;
      }
      // Tensor cores take N and K in whole 16-wide fragments (the op sends other shapes elsewhere);
      // M, offsets and strides are free.
      for (const [M, N, K] of [[64, 64, 64], [67, 48, 80], [17, 128, 16], [128, 256, 96], [200, 64, 1008]]) {
        await runMatmulCase(gpu, { M, N, K, transB: true, bDtype: 'f16', variant }, tolFor(K));
        await runMatmulCase(gpu, { M, N, K, transB: false, bDtype: 'f16', variant }, tolFor(K));
      }
      // Gradients far below f16's normal range: per-row scaling keeps full relative precision.
      await runMatmulCase(gpu, { M: 70, N: 48, K: 304, bDtype: 'f16', aScale: 1e-7, variant }, tolFor(304));
      await runMatmulCase(gpu, { M: 33, N: 32, K: 48, transB: true, bDtype: 'f16', withBias: true, alpha: 0.5, accumulate: true, variant }, tolFor(48));
      // LM-head chunk: rows 117.. of a [301, 16] weight (an offset of whole 8-half runs for the staged copy).
      await runMatmulCase(gpu, { M: 40, N: 48, K: 16, transB: true, bDtype: 'f16', offsetB: 117 * 16, bElements: 301 * 16, variant }, tolFor(16));
      await runMatmulCase(gpu, { M: 64, N: 48, K: 32, rowStrideA: 36, offsetA: 3, transB: true, bDtype: 'f16', variant }, tolFor(32));
    }
  });
});

describe('matmul variant choice', () => {
  it('sends products whose N or K is not whole 16-wide fragments away from the tensor cores', async () => {
    const gpu = await testGpu();
    const lanes = subgroupMatrixLanes(gpu);
    const o = { M: 64, N: 48, K: 32, batch: 1, dtype: 'f16' as const, transA: false, transB: true };
    expect(subgroupMatrixApplies(gpu, o)).toBe(lanes > 0);
    expect(subgroupMatrixApplies(gpu, { ...o, N: 40 })).toBe(false);
    expect(subgroupMatrixApplies(gpu, { ...o, K: 40 })).toBe(false);
    expect(subgroupMatrixApplies(gpu, { ...o, dtype: 'bf16' })).toBe(false);
  });

  it('software adapters run the register kernel for every product but decode rows, and tune nothing', async () => {
    const gpu = await testGpu();
    if (!gpu.ctx.adapter.isSoftware) return;
    const o = { M: 2048, N: 4864, K: 896, batch: 1, dtype: 'bf16' as const, transA: false, transB: true };
    const register: MatmulVariant = sharedRowsApplies(gpu) ? { kind: 'register', sharedRows: true } : { kind: 'register' };
    expect(chooseMatmulVariant(gpu, o)).toEqual(register);
    expect(matmulCandidates(gpu, o)).toEqual([register]);
  });

  it('a tuned choice for a shape class is what a hardware adapter runs; decode rows go to the matrix–vector kernel', async () => {
    const base = await testGpu();
    // The same device, presented as a hardware adapter, to exercise the choice logic here.
    const gpu = { ...base, ctx: { ...base.ctx, adapter: { ...base.ctx.adapter, isSoftware: false } } };
    const o = { M: 300, N: 200, K: 96, batch: 1, dtype: 'f32' as const, transA: false, transB: true };
    // Decode rows against a weight: the matrix–vector kernel; a sliver of N stays on the register one.
    expect(defaultMatmulVariant(gpu, { ...o, M: 1 })).toEqual({ kind: 'matvec', G: 32 });
    expect(defaultMatmulVariant(gpu, { ...o, M: 1, N: 8 })).toEqual({ kind: 'register' });
    expect(chooseMatmulVariant(gpu, o).kind).toBe('tiled');
    const pick: MatmulVariant = { kind: 'tiled', BM: 32, BN: 64, BK: 8, TM: 4, TN: 8, splitK: 1 };
    gpu.tuning.set(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, matmulShapeClass(o), pick);
    expect(chooseMatmulVariant(gpu, o)).toEqual(pick);
    // A stored choice the device cannot run (a tensor-core kernel here) falls back to the rule.
    // (an f32 B never runs on tensor cores, whatever the adapter).
    gpu.tuning.set(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, matmulShapeClass(o), { kind: 'subgroupMatrix', SGM: 2, SGN: 2, FM: 2, FN: 2, staged: false, BK: 16 });
    expect(chooseMatmulVariant(gpu, o).kind).toBe('tiled');
    // Long K over few output tiles: split-K is among the candidates.
    const skinny = { M: 16, N: 896, K: 8192, batch: 1, dtype: 'f32' as const, transA: true, transB: false };
    expect(matmulCandidates(gpu, skinny).some((v) => v.kind === 'tiled' && v.splitK > 1)).toBe(true);
  });
});
