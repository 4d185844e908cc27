// Launch of sample_rows in shaders/decode.wgsl (temperature and top-p sampling of a token per row) and the
// constants that define its arithmetic, which the CPU sampler (src/model/sampling.ts) shares so
// that both pick the same token: the workgroup size (it fixes the summation order), the 2^x
// tables, and the f32 parameters derived from temperature and top-p. Records into gpu.recorder
// only; never submits, never reads back.
import { packParams, type Gpu } from '../gpu/index.ts';
import { ARGMAX_WG, DECODE, rowScan, type RowScan } from './decode.ts';

/** Threads per row (the greedy argmax's). Part of the sampler's definition: the CPU mirror sums in this order too. */
export const SAMPLE_WG = ARGMAX_WG;
/** Entries per 2^x table (2^10 for the high 10 fraction bits of −y, 2^10 for the low 10). */
const TABLE_SIZE = 1024;
/** Temperatures whose log2(e)/T exceeds this are greedy (T < 7.8e-20), so the kernel never sees ∞. */
const MAX_SCALE = 2 ** 64;

/** [2^(−j/2^10) for j < 1024, then 2^(−k/2^20) for k < 1024], rounded to f32: the weights' 2^y. */
export function exp2Table(): Float32Array {
  const t = new Float32Array(2 * TABLE_SIZE);
  for (let j = 0; j < TABLE_SIZE; j++) {
    t[j] = 2 ** (-j / TABLE_SIZE);
    t[TABLE_SIZE + j] = 2 ** (-j / (TABLE_SIZE * TABLE_SIZE));
  }
  return t;
}

/** The kernel's f32 parameters for a temperature and top-p; null when the draw is greedy. */
export interface SamplingParams {
  /** f32(log2(e) / T): w = 2^((z − max)·scale) = exp((z − max)/T). */
  scale: number;
  /** f32(−125 / scale): logits further below the max get weight 0 (every weight stays ≥ 2^-126). */
  dCut: number;
  /** f32(topP); ≥ 1 keeps the whole distribution. */
  topP: number;
}

export function samplingParams(temperature: number | undefined, topP: number | undefined): SamplingParams | null {
  const T = temperature ?? 0;
  if (!(T > 0)) return null;
  const scale = Math.fround(Math.LOG2E / T);
  if (!(scale <= MAX_SCALE)) return null;
  return { scale, dCut: Math.fround(-125 / scale), topP: Math.fround(topP ?? 1) };
}

/** A uniform draw from the sequence's RNG as the kernel takes it: 24 bits, exact in f32, < 1. */
export function drawToF32(u: number): number {
  return Math.floor(u * 2 ** 24) / 2 ** 24;
}

export interface SampleRowsArgs {
  /** [rows, V] f32. */
  logits: GPUBuffer;
  /** [rows] f32 uniform draws (drawToF32). */
  draws: GPUBuffer;
  /** exp2Table() uploaded. */
  table: GPUBuffer;
  /** [rows, V] f32 scratch (the nucleus search's weights, left reordered). */
  weights: GPUBuffer;
  /** [rows] u32: the chosen token per row. */
  chosen: GPUBuffer;
  rows: number;
  V: number;
  params: SamplingParams;
  /** Forces how the row's maximum is scanned (tests run both on one adapter). */
  scan?: RowScan;
}

/** Records chosen[b] = the token drawn from row b (shaders/decode.wgsl sample_rows states the rule). */
export async function sampleRows(gpu: Gpu, a: SampleRowsArgs): Promise<void> {
  if (a.rows > gpu.ctx.limits.maxComputeWorkgroupsPerDimension) throw new RangeError(`sampleRows: ${a.rows} rows exceed one dispatch dimension`);
  if (a.weights.size < a.rows * a.V * 4) throw new Error(`sampleRows: weights scratch holds ${a.weights.size} bytes, needs ${a.rows * a.V * 4}`);
  // The row's maximum is found either way (its index, hence every weight, is the same); the draw's
  // chunks are SAMPLE_WG's, which the CPU sampler mirrors.
  const pipeline = await gpu.pipelines.pipeline(DECODE, 'sample_rows', { AWG: SAMPLE_WG, ROW_CHUNKS: (a.scan ?? rowScan(gpu)) === 'chunks' ? 1 : 0 });
  const p = a.params;
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.V }, { f32: p.scale }, { f32: p.dCut }, { f32: p.topP }]), { 6: a.logits, 7: a.chosen, 8: a.draws, 9: a.table, 10: a.weights, 11: a.logits }, [a.rows]);
}
