// Tensor-core kernels run through an experimental WebGPU feature (subgroup matrices) whose lowering
// differs per driver, and their tile code is generated per configuration: each one is run on this
// adapter once, on a product whose result is exact, before the autotune may race it or the rule of
// thumb may pick it. A configuration that computes anything else is never used here; the verdict is
// kept with the adapter's tuning (per kernel source and per check), so the check runs once per adapter.
//
// The product (its sizes and forms: matmulCheckCases.ts): values k/256 (|k| ≤ 256) in A and in the
// f16 weight, so every f16 copy is exact, every product is exact in f32 and so is every partial sum
// (K·2^16 < 2^24); the per-row scaling and alpha are powers of two.
import { createStorageBuffer, compileAhead, readF32, uploadBuffer, type Gpu } from '../gpu/index.ts';
import { matmul } from './matmul.ts';
import type { MatmulVariant } from './matmulKernels.ts';
import { checkKey, checkVerdict, MATMUL_CHECK_HASH, MATMUL_CHECK_OP, type CheckVerdict } from './matmulChoice.ts';
import { MATMUL_CHECK_CASES, type MatmulCheckForm } from './matmulCheckCases.ts';

const { M, N, K } = MATMUL_CHECK_CASES;

/** Deterministic k/256 values, |k| ≤ 256 (exact in f16 and bf16). */
function exactValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (((s >>> 8) % 513) - 256) / 256;
  }
  return out;
}

/** f16 bits of a value k/256 (|k| ≤ 256): normal or zero, so the f32 fields carry over exactly. */
function f16Bits(x: number): number {
  if (x === 0) return 0;
  const u = new Uint32Array(new Float32Array([x]).buffer)[0];
  return ((u >>> 16) & 0x8000) | ((((u >>> 23) & 0xff) - 112) << 10) | ((u >>> 13) & 0x3ff);
}

function packHalves(values: Float32Array, offset: number): Uint32Array {
  const halves = new Uint16Array(Math.ceil((offset + values.length) / 2) * 2);
  values.forEach((v, i) => (halves[offset + i] = f16Bits(v)));
  return new Uint32Array(halves.buffer);
}

/** The largest relative difference, NaN and unwritten values counting as failures. */
export function worstDifference(got: Float32Array, want: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

type MatmulCall = Omit<Parameters<typeof matmul>[1], 'c' | 'variant'>;

interface Case {
  transB: boolean;
  args: MatmulCall;
  /** What C holds before the product (accumulate), or null. */
  init: Float32Array | null;
  want: Float64Array;
}

function buildCases(gpu: Gpu, owned: GPUBuffer[]): Case[] {
  const { seeds, forms } = MATMUL_CHECK_CASES;
  const a = exactValues(M * K, seeds.a);
  const w = exactValues(N * K, seeds.w); // as [N][K]; the [K][N] form is its transpose
  const bias = exactValues(N, seeds.bias);
  const start = exactValues(M * N, seeds.start);
  const keep = (b: GPUBuffer) => (owned.push(b), b);
  const ga = keep(uploadBuffer(gpu.ctx, a, 'matmul-check:a'));
  const gbias = keep(uploadBuffer(gpu.ctx, bias, 'matmul-check:bias'));
  const wT = new Float32Array(K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) wT[k * N + n] = w[n * K + k];
  const products = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[m * K + k] * w[n * K + k];
      products[m * N + n] = s;
    }
  }
  return forms.map((f: MatmulCheckForm) => {
    const b = keep(uploadBuffer(gpu.ctx, packHalves(f.transB ? w : wT, f.offsetB), `matmul-check:w${f.transB ? '[N][K]' : '[K][N]'}`));
    const want = new Float64Array(M * N);
    for (let i = 0; i < M * N; i++) want[i] = (f.accumulate ? start[i] : 0) + f.alpha * products[i] + (f.bias ? bias[i % N] : 0);
    const args: MatmulCall = { a: ga, b, M, N, K, transB: f.transB, bDtype: 'f16', offsetB: f.offsetB, alpha: f.alpha, accumulate: f.accumulate, ...(f.bias && { bias: gbias }) };
    return { transB: f.transB, init: f.accumulate ? start : null, want, args };
  });
}

/**
 * Checks the variants given that have no verdict on this adapter yet, in both layouts of B, and
 * stores the verdicts (the caller saves the tuning table). The autotune gives it the tensor-core
 * variants; any variant can be checked. Pipelines are compiled before
 * anything runs and every result is read after one submit (creating pipelines between readbacks has
 * been seen to destabilise Dawn). A variant the driver cannot compile fails its check.
 */
export async function checkMatmulVariants(gpu: Gpu, variants: MatmulVariant[]): Promise<void> {
  const unchecked = variants.filter((v) => checkVerdict(gpu, v, true) === undefined || checkVerdict(gpu, v, false) === undefined);
  if (unchecked.length === 0) return;
  const owned: GPUBuffer[] = [];
  try {
    const cases = buildCases(gpu, owned);
    const runs = unchecked.flatMap((v) => cases.map((c) => {
      const out = c.init ? uploadBuffer(gpu.ctx, c.init, 'matmul-check:c') : createStorageBuffer(gpu.ctx, M * N * 4, 'matmul-check:c');
      owned.push(out);
      return { v, c, out, compiled: false };
    }));
    for (const r of runs) {
      r.compiled = await compileAhead(gpu, () => matmul(gpu, { ...r.c.args, c: r.out, variant: r.v })).then(() => true, () => false);
    }
    for (const r of runs) if (r.compiled) await matmul(gpu, { ...r.c.args, c: r.out, variant: r.v });
    gpu.recorder.submit();
    // A layout's verdict is its worst form's.
    const worst = new Map<string, number>();
    for (const r of runs) {
      const key = checkKey(r.v, r.c.transB);
      const d = r.compiled ? worstDifference(await readF32(gpu.ctx, r.out, M * N), r.c.want) : Infinity;
      worst.set(key, Math.max(worst.get(key) ?? 0, d));
    }
    for (const [key, d] of worst) gpu.tuning.set(MATMUL_CHECK_OP, MATMUL_CHECK_HASH, key, { ok: d <= MATMUL_CHECK_CASES.tolerance, worst: d } satisfies CheckVerdict);
  } finally {
    for (const b of owned) b.destroy();
  }
}
