// Launches of shaders/decode.wgsl: the greedy argmax over rows of logits (its sampling kernel is
// launched by ./sampling.ts). Records into gpu.recorder only; never submits, never reads back.
import { packParams, shaderFile, type Gpu } from '../gpu/index.ts';
import code from '../../shaders/decode.wgsl?raw';

export const DECODE = shaderFile('decode.wgsl', code);
/** Threads per row of argmax_rows and sample_rows (a power of two). */
export const ARGMAX_WG = 256;

/** Records chosen[b] = argmax_v logits[offset + b·V + v] for b < rows (ties to the lowest index). */
export async function argmaxRows(gpu: Gpu, a: { logits: GPUBuffer; chosen: GPUBuffer; rows: number; V: number; offset?: number }): Promise<void> {
  if (a.rows > gpu.ctx.limits.maxComputeWorkgroupsPerDimension) throw new RangeError(`argmaxRows: ${a.rows} rows exceed one dispatch dimension`);
  const pipeline = await gpu.pipelines.pipeline(DECODE, 'argmax_rows', { AWG: ARGMAX_WG });
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.V }, { u32: a.offset ?? 0 }]), { 6: a.logits, 7: a.chosen }, [a.rows]);
}
