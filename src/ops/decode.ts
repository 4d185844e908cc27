// Launches of shaders/decode.wgsl: the greedy argmax over rows of logits, or over a compact LM head's
// logits (its sampling kernel is launched by ./sampling.ts), and the compact LM head's logits put in
// their columns. Records into
// gpu.recorder only; never submits, never reads back.
import { packParams, shaderFile, type Gpu } from '../gpu/index.ts';
import { rowLoads } from './rowLoads.ts';
import code from '../../shaders/decode.wgsl?raw';

export const DECODE = shaderFile('decode.wgsl', code);
/** Threads per row of sample_rows, and of argmax_rows on GPUs (a power of two). */
export const ARGMAX_WG = 256;
/** Threads per row of argmax_rows on CPU adapters, each scanning its own stretch of the row: few, so
 * the tree's barriers cost few of SwiftShader's coroutine switches. Measured there over rows of
 * 151,936: 1.0 ms a row alone and 4.2 ms for 8 rows, against 1.1 / 4.8 at 64 threads, 1.4 / 7.7
 * at 256, and 2.7 / 13.0 for the strided scan at 256. */
const ARGMAX_WG_CHUNKS = 16;

/** How a thread scans its share of a row (shaders/decode.wgsl ROW_CHUNKS): strided on GPUs, one
 * contiguous stretch each on CPU adapters. Both give the same index. */
export type RowScan = 'strided' | 'chunks';

/** The adapters whose row kernels read four values a load (rowLoads.ts) scan in chunks. */
export function rowScan(gpu: Gpu): RowScan {
  return rowLoads(gpu) === 'vec4' ? 'chunks' : 'strided';
}

/** Records chosen[b] = argmax_v logits[offset + b·V + v] for b < rows (ties to the lowest index).
 * `scan` forces the layout (tests run both on one adapter). */
export async function argmaxRows(gpu: Gpu, a: { logits: GPUBuffer; chosen: GPUBuffer; rows: number; V: number; offset?: number; scan?: RowScan }): Promise<void> {
  if (a.rows > gpu.ctx.limits.maxComputeWorkgroupsPerDimension) throw new RangeError(`argmaxRows: ${a.rows} rows exceed one dispatch dimension`);
  const chunks = (a.scan ?? rowScan(gpu)) === 'chunks';
  const pipeline = await gpu.pipelines.pipeline(DECODE, 'argmax_rows', { AWG: chunks ? ARGMAX_WG_CHUNKS : ARGMAX_WG, ROW_CHUNKS: chunks ? 1 : 0 });
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.V }, { u32: a.offset ?? 0 }]), { 6: a.logits, 7: a.chosen, 11: a.logits }, [a.rows]);
}

/** Records chosen[b] = argmaxRows's token for row b of the whole logits, from the compact LM head's
 * logits [rows, C] alone (shaders/decode.wgsl argmax_compact): `columns` [C] their vocabulary ids,
 * ascending; `firstZero` the lowest id whose head row is all zeros (logit exactly 0), or null when
 * the head kept every row. */
export async function argmaxCompactRows(gpu: Gpu, a: { compact: GPUBuffer; columns: GPUBuffer; chosen: GPUBuffer; rows: number; C: number; firstZero: number | null; scan?: RowScan }): Promise<void> {
  if (a.rows > gpu.ctx.limits.maxComputeWorkgroupsPerDimension) throw new RangeError(`argmaxCompactRows: ${a.rows} rows exceed one dispatch dimension`);
  const chunks = (a.scan ?? rowScan(gpu)) === 'chunks';
  const pipeline = await gpu.pipelines.pipeline(DECODE, 'argmax_compact', { AWG: chunks ? ARGMAX_WG_CHUNKS : ARGMAX_WG, ROW_CHUNKS: chunks ? 1 : 0 });
  const params = packParams([{ u32: a.C }, { u32: a.firstZero ?? NO_ZERO_ROW }]);
  gpu.recorder.dispatch(pipeline, params, { 6: a.compact, 11: a.compact, 13: a.columns, 7: a.chosen }, [a.rows]);
}

/** NONE in decode.wgsl: no row of the head is all zeros. */
const NO_ZERO_ROW = 0xffffffff;

const SCATTER_WG = 64;

/** Records out[b·V + columns[j]] = compact[b·C + j] for b < rows, j < C: the logits of an LM head
 * without its all-zero rows into the whole row, whose other columns the caller keeps at 0. */
export async function scatterColumns(gpu: Gpu, a: { compact: GPUBuffer; columns: GPUBuffer; out: GPUBuffer; rows: number; C: number; V: number }): Promise<void> {
  if (a.rows > gpu.ctx.limits.maxComputeWorkgroupsPerDimension) throw new RangeError(`scatterColumns: ${a.rows} rows exceed one dispatch dimension`);
  const pipeline = await gpu.pipelines.pipeline(DECODE, 'scatter_columns', { SWG: SCATTER_WG });
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.V }, { u32: a.C }]), { 12: a.compact, 13: a.columns, 14: a.out }, [Math.ceil(a.C / SCATTER_WG), a.rows]);
}
