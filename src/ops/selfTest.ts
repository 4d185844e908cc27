// The self-test the GPU panel and `studio gpu` report: small kernels run on this device and checked
// against the CPU. An elementwise add (the same on every adapter) and a frozen-weight product
// y = x·Wᵀ with bf16 W through the matmul variant this adapter picks: the kernels that differ per
// adapter are the ones a new driver gets wrong. Sizes are not multiples of any tile, so the bounds
// checks run too. Allocates its own buffers and destroys them.
import { createStorageBuffer, GpuDeviceLostError, readF32, uploadBuffer, type Gpu } from '../gpu/index.ts';
import { addForward } from './elementwise.ts';
import { matmul } from './matmul.ts';
import { chooseMatmulVariant } from './matmulChoice.ts';
import { matmulOperands } from './matmulOperands.ts';

export interface SelfTestResult {
  ok: boolean;
  /** Output values checked, over both kernels. */
  elements: number;
  /** The largest |GPU − CPU| over them. */
  maxAbsDiff: number;
  millis: number;
  /** Why a kernel could not run at all (a shader this adapter does not build, say). */
  error?: string;
}

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  return new Float32Array(n).map((_, i) => Math.sin(i * 0.37 + seed));
}

/** A kernel that fails on this adapter is a failed self-test, not a missing WebGPU: the adapter and
 * its limits are still worth showing. A lost device is not the self-test's to report. */
export async function runSelfTest(gpu: Gpu): Promise<SelfTestResult> {
  const t0 = performance.now();
  try {
    return await checkKernels(gpu, t0);
  } catch (err) {
    if (err instanceof GpuDeviceLostError) throw err;
    return { ok: false, elements: 0, maxAbsDiff: Number.NaN, millis: performance.now() - t0, error: (err as Error)?.message ?? String(err) };
  }
}

async function checkKernels(gpu: Gpu, t0: number): Promise<SelfTestResult> {
  const n = 4099; // not a multiple of the workgroup size
  const a = values(n, 0);
  const b = values(n, 1);
  // x [M,K] · Wᵀ, W [N,K] in bf16 (as the checkpoints hold it): W's values are bf16 exactly.
  const M = 37, N = 45, K = 67;
  const x = values(M * K, 2);
  const w = values(N * K, 3).map((v) => v / Math.sqrt(K));
  const wBits = new Uint32Array(w.buffer);
  const halves = new Uint16Array(N * K + ((N * K) & 1));
  for (let i = 0; i < N * K; i++) {
    halves[i] = wBits[i] >>> 16;
    wBits[i] &= 0xffff0000;
  }
  const buffers = [
    uploadBuffer(gpu.ctx, a, 'self-test:a'), uploadBuffer(gpu.ctx, b, 'self-test:b'), createStorageBuffer(gpu.ctx, n * 4, 'self-test:sum'),
    uploadBuffer(gpu.ctx, x, 'self-test:x'), uploadBuffer(gpu.ctx, new Uint32Array(halves.buffer), 'self-test:W'), createStorageBuffer(gpu.ctx, M * N * 4, 'self-test:y'),
  ];
  const [ga, gb, sum, gx, gw, y] = buffers;
  try {
    await addForward(gpu, ga, gb, sum, n);
    // The variant named, so this product is not taken for a job's shape to tune.
    const args = { a: gx, b: gw, c: y, M, N, K, transB: true, bDtype: 'bf16' as const };
    await matmul(gpu, { ...args, variant: chooseMatmulVariant(gpu, matmulOperands(gpu, args)!) });
    gpu.recorder.submit();
    const gotSum = await readF32(gpu.ctx, sum, n);
    const gotY = await readF32(gpu.ctx, y, M * N);
    // f32 addition is correctly rounded: within half an ulp of values below 2.
    let addDiff = 0;
    for (let i = 0; i < n; i++) addDiff = Math.max(addDiff, Math.abs(gotSum[i] - (a[i] + b[i])));
    // Sums of 67 products of size ≤ 1/√67 in f32 differ from f64 by ~1e-6; tensor-core paths take
    // x as f16 (2^-11 relative), ~1e-3 at worst here. A wrong kernel is off by O(1).
    let mmDiff = 0;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += x[i * K + k] * w[j * K + k];
        mmDiff = Math.max(mmDiff, Math.abs(gotY[i * N + j] - s));
      }
    }
    // `<=` is false for NaN, so a NaN anywhere fails.
    const ok = addDiff <= 1e-6 && mmDiff <= 1e-2;
    return { ok, elements: n + M * N, maxAbsDiff: Math.max(addDiff, mmDiff), millis: performance.now() - t0 };
  } finally {
    buffers.forEach((t) => t.destroy());
  }
}
