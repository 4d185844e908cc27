// Tensor-core kernels run through an experimental WebGPU feature (subgroup matrices) whose lowering
// differs per driver, and their tile code is generated per configuration: each one is run on this
// adapter once, on a product whose result is exact, before the autotune may race it or the rule of
// thumb may pick it. A configuration that computes anything else is never used here; the verdict is
// kept with the adapter's tuning (per kernel source), so the check runs once per adapter.
//
// The product: values k/256 (|k| ≤ 256) in A and in the f16 weight, so every f16 copy is exact, every
// product is exact in f32 and so is every partial sum (K·2^16 < 2^24); the per-row scaling and alpha
// are powers of two. Sizes cross every tile edge: M over two 256-row tiles and a tail, N a tail of
// 16-column fragments, K a tail of half a 32-wide step. One form has B [N][K] at an offset with bias,
// alpha and accumulate; the other B [K][N].
import { createStorageBuffer, compileAhead, readF32, uploadBuffer, type Gpu } from '../gpu/index.ts';
import { matmul } from './matmul.ts';
import type { MatmulVariant } from './matmulKernels.ts';
import { checkKey, checkVerdict, MATMUL_CHECK_OP, MATMUL_SOURCE_HASH, type CheckVerdict } from './matmulChoice.ts';

const M = 300;
const N = 272;
const K = 80;
const B_OFFSET = 16; // halves: a whole 8-half run, as the staged copy needs

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

/** f32 rounding of the bias and accumulate additions is all that separates a right kernel from the
 * exact result; a wrong one is off by O(1). */
const TOLERANCE = 1e-5;

type MatmulCall = Omit<Parameters<typeof matmul>[1], 'c' | 'variant'>;

interface Case {
  transB: boolean;
  args: MatmulCall;
  /** What C holds before the product (accumulate), or null. */
  init: Float32Array | null;
  want: Float64Array;
}

function buildCases(gpu: Gpu, owned: GPUBuffer[]): Case[] {
  const a = exactValues(M * K, 11);
  const w = exactValues(N * K, 23); // as [N][K]; the [K][N] form is its transpose
  const bias = exactValues(N, 31);
  const start = exactValues(M * N, 37);
  const keep = (b: GPUBuffer) => (owned.push(b), b);
  const ga = keep(uploadBuffer(gpu.ctx, a, 'matmul-check:a'));
  const gbias = keep(uploadBuffer(gpu.ctx, bias, 'matmul-check:bias'));
  const wNK = keep(uploadBuffer(gpu.ctx, packHalves(w, B_OFFSET), 'matmul-check:w[N][K]'));
  const wT = new Float32Array(K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) wT[k * N + n] = w[n * K + k];
  const wKN = keep(uploadBuffer(gpu.ctx, packHalves(wT, 0), 'matmul-check:w[K][N]'));
  const nk = new Float64Array(M * N);
  const kn = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[m * K + k] * w[n * K + k];
      nk[m * N + n] = start[m * N + n] + 0.5 * s + bias[n];
      kn[m * N + n] = s;
    }
  }
  return [
    { transB: true, init: start, want: nk, args: { a: ga, b: wNK, M, N, K, transB: true, bDtype: 'f16', offsetB: B_OFFSET, bias: gbias, alpha: 0.5, accumulate: true } },
    { transB: false, init: null, want: kn, args: { a: ga, b: wKN, M, N, K, bDtype: 'f16' } },
  ];
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
    for (const r of runs) {
      const worst = r.compiled ? worstDifference(await readF32(gpu.ctx, r.out, M * N), r.c.want) : Infinity;
      gpu.tuning.set(MATMUL_CHECK_OP, MATMUL_SOURCE_HASH, checkKey(r.v, r.c.transB), { ok: worst <= TOLERANCE, worst } satisfies CheckVerdict);
    }
  } finally {
    for (const b of owned) b.destroy();
  }
}
