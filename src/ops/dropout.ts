// Inverted dropout for LoRA inputs (shaders/dropout.wgsl). The mask is a hash of (element, seed),
// so the backward regenerates exactly the forward's mask from the seed: nothing is stored.
// Only records into gpu.recorder.
import { packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import code from '../../shaders/dropout.wgsl?raw';

export const DROPOUT = shaderFile('dropout.wgsl', code);
const WG = 256;

export interface DropoutArgs {
  src: GPUBuffer;
  dst: GPUBuffer;
  n: number;
  /** Drop probability in [0, 1). */
  p: number;
  /** The mask seed, or one LoRA module's seed in a micro-batch: loraDropoutSeed(batchSeed[0], …)
   * derived on the GPU from a buffer holding the micro-batch seed and the module number
   * (loraDropoutModule), so the dispatch's uniforms do not change from one micro-batch to the next. */
  seed: number | { batchSeed: GPUBuffer; module: number };
  /** dst += mask·src/(1−p) instead of dst = … (the backward into a gradient). */
  accumulate?: boolean;
}

/** The keep threshold as the kernel compares it: an element is kept when hash ≥ p·2³². */
export function dropoutThreshold(p: number): number {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout probability must be in [0, 1), got ${p}`);
  return Math.min(0xffffffff, Math.floor(p * 2 ** 32));
}

export async function dropout(gpu: Gpu, a: DropoutArgs): Promise<void> {
  const perModule = typeof a.seed !== 'number';
  const entry = `${a.accumulate ? 'accumulate' : 'apply'}${perModule ? '_module' : ''}`;
  const pipeline = await gpu.pipelines.pipeline(DROPOUT, entry, { WG });
  const wg = splitWorkgroups(Math.ceil(a.n / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  const seed = typeof a.seed === 'number' ? a.seed : a.seed.module;
  const params = packParams([{ u32: a.n }, { u32: seed >>> 0 }, { u32: dropoutThreshold(a.p) }, { f32: 1 / (1 - a.p) }]);
  const buffers: Record<number, GPUBuffer> = { 1: a.src, 2: a.dst };
  if (typeof a.seed !== 'number') buffers[3] = a.seed.batchSeed;
  gpu.recorder.dispatch(pipeline, params, buffers, wg);
}

/** The same mask on the CPU (tests and references): 1/(1−p) where kept, else 0. */
export function dropoutMaskValue(i: number, seed: number, p: number): number {
  const mul = (a: number, b: number) => Math.imul(a, b) >>> 0;
  let x = (mul(i, 747796405) + mul(seed >>> 0, 2891336453) + 1) >>> 0;
  x = mul(((x >>> (((x >>> 28) + 4) >>> 0)) ^ x) >>> 0, 277803737);
  x = ((x >>> 22) ^ x) >>> 0;
  x = (mul(x, 2654435769) ^ (seed >>> 0)) >>> 0;
  x = mul(((x >>> 16) ^ x) >>> 0, 0x45d9f3b);
  x = ((x >>> 16) ^ x) >>> 0;
  return x >= dropoutThreshold(p) ? 1 / (1 - p) : 0;
}
