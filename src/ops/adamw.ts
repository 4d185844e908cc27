// AdamW launches (shaders/adamw.wgsl): one optimizer step over one flat f32 parameter tensor and its
// moments, optionally scaled by the clip factor gradNorm() left on the GPU. The trainer calls it once
// per tensor (per parameter group: the SSB balance parameter has its own lr and no weight decay).
// Only records into gpu.recorder; never submits or reads back.
import { packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import code from '../../shaders/adamw.wgsl?raw';

export const ADAMW = shaderFile('adamw.wgsl', code);
const WG = 256;

export interface AdamWHyper {
  lr: number;
  /** default 0.9 */
  beta1?: number;
  /** default 0.999 */
  beta2?: number;
  /** default 1e-8 */
  eps?: number;
  /** decoupled weight decay; default 0 (the HF Trainer default) */
  weightDecay?: number;
}

export interface AdamWArgs extends AdamWHyper {
  /** [n] f32, updated in place */
  param: GPUBuffer;
  /** [n] f32 */
  grad: GPUBuffer;
  /** [n] f32 moments, updated in place (zeros before step 1) */
  m: GPUBuffer;
  v: GPUBuffer;
  n: number;
  /** 1 for the first update (bias corrections use it) */
  step: number;
  /** multiplies the gradient (e.g. 1/micro-batches); default 1 */
  gradScale?: number;
  /** the f32[2] result of gradNorm(): its clip factor multiplies the gradient too */
  clip?: GPUBuffer;
}

/** The uniform for one step; bias corrections in f64 on the CPU. */
function adamWParams(a: AdamWHyper & { n: number; step: number; gradScale?: number }): ArrayBuffer {
  if (!(a.step >= 1) || !Number.isInteger(a.step)) throw new Error(`AdamW step must be an integer ≥ 1, got ${a.step}`);
  const beta1 = a.beta1 ?? 0.9;
  const beta2 = a.beta2 ?? 0.999;
  const bc1 = 1 - beta1 ** a.step;
  const bc2 = 1 - beta2 ** a.step;
  return packParams([
    { u32: a.n },
    { f32: a.lr / bc1 },
    { f32: 1 / Math.sqrt(bc2) },
    { f32: 1 - a.lr * (a.weightDecay ?? 0) },
    { f32: beta1 },
    { f32: 1 - beta1 },
    { f32: beta2 },
    { f32: 1 - beta2 },
    { f32: a.eps ?? 1e-8 },
    { f32: a.gradScale ?? 1 },
  ]);
}

/** One AdamW step (bias-corrected, decoupled weight decay) on param, m, v in place. */
export async function adamWUpdate(gpu: Gpu, a: AdamWArgs): Promise<void> {
  const pipeline = await gpu.pipelines.pipeline(ADAMW, a.clip ? 'updateClipped' : 'update', { WG });
  const wg = splitWorkgroups(Math.ceil(a.n / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  const storage: Record<number, GPUBuffer> = { 1: a.param, 2: a.grad, 3: a.m, 4: a.v };
  if (a.clip) storage[5] = a.clip;
  gpu.recorder.dispatch(pipeline, adamWParams(a), storage, wg);
}
