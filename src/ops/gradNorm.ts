// Global gradient norm and clip factor over a list of gradient tensors (shaders/grad_norm.wgsl), for
// clipping with no CPU readback: AdamW reads the clip factor from `result` on the GPU. The norm can
// also be read back for metrics after the step is submitted (never inside the step).
// Only records into gpu.recorder; never submits or reads back.
import { packParams, shaderFile, type Gpu } from '../gpu/index.ts';
import code from '../../shaders/grad_norm.wgsl?raw';

export const GRAD_NORM = shaderFile('grad_norm.wgsl', code);
const WG = 256;
/** Elements per thread before a tensor gets another workgroup, and the most workgroups (partials) one
 * tensor gets: LoRA tensors are small (thousands of elements), so most get one to a few partials,
 * and a huge tensor grid-strides instead of growing the partials buffer. */
const ELEMENTS_PER_THREAD = 4;
const MAX_PARTIALS_PER_TENSOR = 256;

/** Layout of the f32 result buffer (GRAD_NORM_RESULT_BYTES long): [‖g‖, clip factor]. */
export const GRAD_NORM_INDEX = { norm: 0, clipFactor: 1 } as const;
export const GRAD_NORM_RESULT_BYTES = 8;

export interface GradTensor {
  buffer: GPUBuffer;
  /** f32 elements to include, from the start of the buffer */
  length: number;
}

function partialsFor(length: number): number {
  return Math.min(MAX_PARTIALS_PER_TENSOR, Math.max(1, Math.ceil(length / (WG * ELEMENTS_PER_THREAD))));
}

/** Length (f32 elements) the partials buffer needs for these tensor lengths. */
export function gradNormPartialCount(lengths: readonly number[]): number {
  return lengths.reduce((sum, n) => sum + partialsFor(n), 0);
}

export interface GradNormArgs {
  grads: readonly GradTensor[];
  /** f32 scratch of at least gradNormPartialCount(lengths) elements */
  partials: GPUBuffer;
  /** f32[2], written: [‖g‖, clip factor] (see GRAD_NORM_INDEX) */
  result: GPUBuffer;
  /** clip threshold; ≤ 0 disables clipping (clip factor 1) */
  maxNorm: number;
  /** multiplies the gradients before the norm (the scale AdamW applies, e.g. 1/micro-batches); default 1 */
  gradScale?: number;
}

/** ‖gradScale·g‖ over all tensors and min(1, maxNorm/(‖·‖ + 1e-6)): per-tensor partial sums of
 * squares into one partials buffer, then one finalizing workgroup. */
export async function gradNorm(gpu: Gpu, a: GradNormArgs): Promise<void> {
  const count = gradNormPartialCount(a.grads.map((t) => t.length));
  if (a.partials.size < count * 4) throw new Error(`gradNorm: partials buffer holds ${a.partials.size / 4} values, needs ${count}`);
  if (a.result.size < GRAD_NORM_RESULT_BYTES) throw new Error(`gradNorm: result buffer needs ${GRAD_NORM_RESULT_BYTES} bytes`);
  const stage1 = await gpu.pipelines.pipeline(GRAD_NORM, 'partialSumSquares', { WG });
  const stage2 = await gpu.pipelines.pipeline(GRAD_NORM, 'finalize', { WG });
  let offset = 0;
  for (const t of a.grads) {
    const workgroups = partialsFor(t.length);
    if (t.length > 0) {
      gpu.recorder.dispatch(stage1, packParams([{ u32: t.length }, { u32: offset }, { f32: 0 }, { f32: 0 }]), { 1: t.buffer, 2: a.partials }, [workgroups]);
    } else {
      gpu.recorder.clear(a.partials, offset * 4, 4); // an empty tensor still owns one (zero) partial
    }
    offset += workgroups;
  }
  const params = packParams([{ u32: count }, { u32: 0 }, { f32: a.maxNorm }, { f32: a.gradScale ?? 1 }]);
  gpu.recorder.dispatch(stage2, params, { 2: a.partials, 3: a.result }, [1]);
}
