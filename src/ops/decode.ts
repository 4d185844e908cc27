// Launches of shaders/decode.wgsl: the KV-cache append of a decode step and the greedy argmax over
// rows of logits (its sampling kernel is launched by ./sampling.ts). Records into gpu.recorder
// only; never submits, never reads back.
import { packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import code from '../../shaders/decode.wgsl?raw';

export const DECODE = shaderFile('decode.wgsl', code);
const WG = 64;
/** Threads per row of argmax_rows and sample_rows (a power of two). */
export const ARGMAX_WG = 256;

export interface KvAppendArgs {
  /** [B, width] f32: this step's K and V rows (after q/k norm and RoPE for K). */
  kNew: GPUBuffer;
  vNew: GPUBuffer;
  /** [B] u32: the row count after this step (position + 1); 0 = the sequence is inactive. */
  lengths: GPUBuffer;
  /** [B, maxT, width] f32. */
  kCache: GPUBuffer;
  vCache: GPUBuffer;
  B: number;
  maxT: number;
  /** nKvHeads · headDim (a multiple of 4). */
  width: number;
}

/** Records cache[b, lengths[b] − 1] = new[b] for every active row, K and V, in one dispatch. */
export async function kvAppend(gpu: Gpu, a: KvAppendArgs): Promise<void> {
  if (a.width % 4 !== 0) throw new Error(`kvAppend: row width ${a.width} must be a multiple of 4`);
  const need = a.B * a.maxT * a.width * 4;
  for (const [name, buf] of [['kCache', a.kCache], ['vCache', a.vCache]] as const) {
    if (buf.size < need) throw new Error(`kvAppend: buffer "${name}" holds ${buf.size} bytes, the cache needs ${need}`);
  }
  const pipeline = await gpu.pipelines.pipeline(DECODE, 'kv_append', { WG });
  const groups = splitWorkgroups(Math.ceil((a.B * a.width) / 4 / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.B }, { u32: a.maxT }, { u32: a.width / 4 }]), { 1: a.kNew, 2: a.vNew, 3: a.lengths, 4: a.kCache, 5: a.vCache }, groups);
}

/** Records chosen[b] = argmax_v logits[offset + b·V + v] for b < rows (ties to the lowest index). */
export async function argmaxRows(gpu: Gpu, a: { logits: GPUBuffer; chosen: GPUBuffer; rows: number; V: number; offset?: number }): Promise<void> {
  if (a.rows > gpu.ctx.limits.maxComputeWorkgroupsPerDimension) throw new RangeError(`argmaxRows: ${a.rows} rows exceed one dispatch dimension`);
  const pipeline = await gpu.pipelines.pipeline(DECODE, 'argmax_rows', { AWG: ARGMAX_WG });
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.V }, { u32: a.offset ?? 0 }]), { 6: a.logits, 7: a.chosen }, [a.rows]);
}
