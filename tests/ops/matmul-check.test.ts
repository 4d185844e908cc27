// The check a tensor-core variant passes on an adapter before the autotune races it or the rule of
// thumb picks it (src/ops/matmulCheck.ts), and the generated tile kernel it guards
// (src/ops/matmulTensorCoreSource.ts). The check's machinery runs here on the kernels this adapter
// has; the tensor-core kernels themselves are tested in matmul-variants.test.ts where they exist.
import { describe, expect, it } from 'vitest';
import { checkMatmulVariants, worstDifference } from '../../src/ops/matmulCheck.ts';
import { checkKey, checkVerdict, chooseMatmulVariant, defaultMatmulVariant, MATMUL_CHECK_HASH, MATMUL_CHECK_OP, MATMUL_SOURCE_HASH, MATMUL_TUNING_OP, matmulCheckHash, matmulShapeClass, passedCheck, TENSOR_CORE_CONFIGS } from '../../src/ops/matmulChoice.ts';
import { MATMUL_CHECK_CASES } from '../../src/ops/matmulCheckCases.ts';
import { KernelTuning, type Gpu } from '../../src/gpu/index.ts';
import { subgroupMatrixLanes, type MatmulVariant } from '../../src/ops/matmulKernels.ts';
import { stagedGeometry, stagedTensorCoreSource } from '../../src/ops/matmulTensorCoreSource.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('the check before a tensor-core variant is used', () => {
  it('passes kernels that compute the exact product, in both layouts of B (bias, alpha, accumulate, offset, every tail)', async () => {
    const gpu = await testGpu();
    const variants: MatmulVariant[] = [{ kind: 'register' }, { kind: 'tiled', BM: 32, BN: 32, BK: 8, TM: 4, TN: 4, splitK: 1 }];
    await checkMatmulVariants(gpu, variants);
    for (const v of variants) {
      for (const transB of [true, false]) {
        const verdict = checkVerdict(gpu, v, transB);
        expect(verdict?.ok).toBe(true);
        expect(verdict!.worst).toBeLessThan(1e-6);
      }
    }
  });

  it('fails a variant this adapter cannot run, which then is neither raced nor picked; it is not checked twice', async () => {
    const gpu = await testGpu();
    const v: MatmulVariant = { kind: 'subgroupMatrix', ...TENSOR_CORE_CONFIGS[0] };
    const lanes = subgroupMatrixLanes(gpu);
    await checkMatmulVariants(gpu, [v]);
    const verdict = checkVerdict(gpu, v, true)!;
    // Where tensor cores exist this is the real kernel, and it must pass.
    expect(verdict.ok).toBe(lanes > 0);
    if (!lanes) expect(verdict.worst).toBe(Infinity);
    expect(passedCheck(gpu, v, true)).toBe(lanes > 0);
    expect(passedCheck(gpu, v, false)).toBe(lanes > 0);
    // A stored verdict is kept: a second call runs nothing and changes nothing.
    const stored = { ok: !verdict.ok, worst: 123 };
    gpu.tuning.set(MATMUL_CHECK_OP, MATMUL_CHECK_HASH, checkKey(v, true), stored);
    await checkMatmulVariants(gpu, [v]);
    expect(checkVerdict(gpu, v, true)).toEqual(stored);
  });

  it('only tensor-core variants need a verdict', async () => {
    const gpu = await testGpu();
    expect(passedCheck(gpu, { kind: 'register' }, true)).toBe(true);
    expect(passedCheck(gpu, { kind: 'matvec', G: 32 }, true)).toBe(true);
    expect(passedCheck(gpu, { kind: 'subgroupMatrix', ...TENSOR_CORE_CONFIGS[3] }, false)).toBe(false); // never checked
  });

  it('counts NaN, unwritten and wrong values as failures', () => {
    const want = new Float64Array([1, -2, 300]);
    expect(worstDifference(new Float32Array([1, -2, 300]), want)).toBe(0);
    expect(worstDifference(new Float32Array([1, Number.NaN, 300]), want)).toBe(Infinity);
    expect(worstDifference(new Float32Array([1, -2, 0]), want)).toBeCloseTo(300 / 301, 6);
    expect(worstDifference(new Float32Array([1, -2, 300.01]), want)).toBeLessThan(1e-4);
  });
});

describe('verdicts of an earlier check', () => {
  // The verdicts were kept under the kernel sources' hash alone: a stricter check (other sizes, an
  // epilogue it did not ask for) would have found every variant an adapter passed already judged.
  it('are kept under a hash of the check\'s own product as well as the kernels', () => {
    const changed = [
      { ...MATMUL_CHECK_CASES, M: MATMUL_CHECK_CASES.M + 1 },
      { ...MATMUL_CHECK_CASES, K: MATMUL_CHECK_CASES.K + 16 },
      { ...MATMUL_CHECK_CASES, tolerance: MATMUL_CHECK_CASES.tolerance / 10 },
      { ...MATMUL_CHECK_CASES, forms: MATMUL_CHECK_CASES.forms.map((f) => ({ ...f, accumulate: false })) },
      { ...MATMUL_CHECK_CASES, forms: MATMUL_CHECK_CASES.forms.map((f) => ({ ...f, offsetB: f.offsetB + 8 })) },
      { ...MATMUL_CHECK_CASES, forms: [...MATMUL_CHECK_CASES.forms, { ...MATMUL_CHECK_CASES.forms[0], alpha: 2 }] },
      { ...MATMUL_CHECK_CASES, seeds: { ...MATMUL_CHECK_CASES.seeds, a: MATMUL_CHECK_CASES.seeds.a + 1 } },
    ];
    expect(MATMUL_CHECK_HASH).toBe(matmulCheckHash(MATMUL_CHECK_CASES));
    expect(MATMUL_CHECK_HASH).not.toBe(MATMUL_SOURCE_HASH);
    const hashes = changed.map(matmulCheckHash);
    expect(new Set([MATMUL_CHECK_HASH, ...hashes]).size).toBe(changed.length + 1);
  });

  it('are not reused: the variant is checked again, and a tensor-core winner of the autotune stops running until it passes', async () => {
    const gpu = { ...(await testGpu()), tuning: new KernelTuning('check-test', null) };
    const earlier = matmulCheckHash({ ...MATMUL_CHECK_CASES, M: 64 });
    const register: MatmulVariant = { kind: 'register' };
    gpu.tuning.set(MATMUL_CHECK_OP, earlier, checkKey(register, true), { ok: false, worst: 9 });
    expect(checkVerdict(gpu, register, true)).toBeUndefined();
    await checkMatmulVariants(gpu, [register]);
    expect(checkVerdict(gpu, register, true)).toMatchObject({ ok: true });

    // This device presented as one with tensor cores (chosen, not run), a tensor-core kernel tuned for a class.
    const tc = { ...gpu, ctx: { ...gpu.ctx, features: new Set([...gpu.ctx.features, 'subgroups', 'shader-f16', 'chromium-experimental-subgroup-matrix'] as const) } } as Gpu;
    tc.ctx.adapter = { ...tc.ctx.adapter, isSoftware: false, subgroupMinSize: 32, subgroupMaxSize: 32, subgroupMatrixConfigs: [{ componentType: 'f16', resultComponentType: 'f32', M: 16, N: 16, K: 16 }] };
    tc.tuning = new KernelTuning('check-test-tc', null);
    const o = { M: 256, N: 256, K: 256, batch: 1, dtype: 'f16' as const, transA: false, transB: true };
    const winner: MatmulVariant = { kind: 'subgroupMatrix', ...TENSOR_CORE_CONFIGS[6] };
    tc.tuning.set(MATMUL_TUNING_OP, MATMUL_SOURCE_HASH, matmulShapeClass(o), winner);
    tc.tuning.set(MATMUL_CHECK_OP, MATMUL_CHECK_HASH, checkKey(winner, true), { ok: true, worst: 0 });
    expect(chooseMatmulVariant(tc, o)).toEqual(winner);
    tc.tuning.set(MATMUL_CHECK_OP, earlier, checkKey(winner, true), { ok: true, worst: 0 });
    expect(chooseMatmulVariant(tc, o)).toEqual(defaultMatmulVariant(tc, o));
    expect(defaultMatmulVariant(tc, o).kind).not.toBe('subgroupMatrix');
  });
});

describe('the generated staged tensor-core kernel', () => {
  it('builds every configuration the autotune races, in both layouts of B, within 48 KiB of workgroup memory', () => {
    for (const c of TENSOR_CORE_CONFIGS.filter((x) => x.staged)) {
      for (const transB of [true, false]) {
        const g = stagedGeometry(c, 32, transB)!;
        expect(g, JSON.stringify(c)).not.toBeNull();
        expect(g.tileBytes + g.squareBytes).toBeLessThanOrEqual(48 * 1024);
        const code = stagedTensorCoreSource(c, 32, transB);
        expect(code).toContain(`@workgroup_size(${g.WG})`);
        expect(code).toContain(transB ? 'col_major>(th' : 'row_major>(th, bB');
      }
    }
  });

  it('names every fragment: no arrays of subgroup matrices (what made the same tiling 10× slower), one product per fragment and 16 of K', () => {
    const t = { SGM: 2, SGN: 4, FM: 4, FN: 2, BK: 32 };
    const code = stagedTensorCoreSource(t, 32, true);
    expect(code).not.toMatch(/array<subgroup_matrix/);
    expect(code.match(/subgroupMatrixMultiplyAccumulate/g)).toHaveLength(t.FM * t.FN * (t.BK / 16));
    expect(code.match(/var acc\d_\d: subgroup_matrix_result/g)).toHaveLength(t.FM * t.FN);
    expect(code.match(/storeFragment\(acc\d/g)).toHaveLength(t.FM * t.FN);
    expect(stagedTensorCoreSource(t, 32, true)).toBe(code);
  });

  it('refuses tiles it cannot build: K steps that do not divide A’s padding, copies that do not split evenly, too many fragments', () => {
    expect(stagedGeometry({ SGM: 2, SGN: 2, FM: 2, FN: 2, BK: 48 }, 32, true)).toBeNull();
    expect(stagedGeometry({ SGM: 2, SGN: 2, FM: 1, FN: 1, BK: 16 }, 32, true)).toBeNull(); // 32×32×16: 64 runs for 128 threads
    expect(stagedGeometry({ SGM: 1, SGN: 1, FM: 5, FN: 2, BK: 32 }, 32, true)).toBeNull();
    expect(() => stagedTensorCoreSource({ SGM: 2, SGN: 2, FM: 2, FN: 2, BK: 48 }, 32, true)).toThrow(/cannot be built/);
  });
});
