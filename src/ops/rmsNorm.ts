// RMSNorm launches (shaders/rmsnorm.wgsl): the model's pre-attention, pre-MLP and final norms, and
// Qwen3's per-head q/k norm (the same kernel over rows = tokens·heads, C = head_dim).
// Only records into gpu.recorder; never submits or reads back. Outputs must not alias inputs
// (WebGPU forbids binding one buffer as read and read_write in a dispatch).
import { packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import { unrollLoops } from '../gpu/unrollLoops.ts';
import { rowLoads, type RowLoads } from './rowLoads.ts';
import code from '../../shaders/rmsnorm.wgsl?raw';

export const RMSNORM = shaderFile('rmsnorm.wgsl', code);

/** Storage dtype of a frozen weight: f32, or bf16/f16 packed two per u32 (element 2i in the low half).
 * The same literal union as matmul's `bDtype`. */
export type WeightDtype = 'f32' | 'bf16' | 'f16';
const DTYPE_CODE: Record<WeightDtype, number> = { f32: 0, bf16: 1, f16: 2 };

/** Threads per row: about four elements each (C = 896 → 256 threads, head_dim 128 → 32), at least a
 * 32-wide warp and at most 256; a power of two for the tree reduction. */
function threadsPerRow(C: number): number {
  let wg = 32;
  while (wg < 256 && wg * 4 < C) wg *= 2;
  return wg;
}

export interface RmsNormForwardArgs {
  /** [rows, C] f32 */
  x: GPUBuffer;
  /** [C], f32 or packed bf16/f16 (see weightDtype) */
  weight: GPUBuffer;
  weightDtype?: WeightDtype;
  /** [rows, C] f32, written */
  y: GPUBuffer;
  /** [rows] f32, written: 1/sqrt(mean x² + eps), kept for the backward */
  rstd: GPUBuffer;
  rows: number;
  C: number;
  eps: number;
  /** rowLoads.ts ('vec4' only where C is a multiple of 4); default rowLoads(gpu). Same bits. */
  rowLoads?: RowLoads;
  /** Who walks a row: 'workgroup' (its threads stride and tree-reduce in workgroup memory) or
   * 'thread' (one invocation, the same tree in registers; C a multiple of 4). Default: 'thread' on
   * CPU adapters (SwiftShader, 7,168 rows of 16: forward 17.1 → 1.5 ms, backward 18.8 → 3.3 ms),
   * 'workgroup' elsewhere. Same bits. */
  rowWalk?: RowWalk;
}

export type RowWalk = 'workgroup' | 'thread';

export interface RmsNormBackwardArgs {
  /** [rows, C] f32, the forward input */
  x: GPUBuffer;
  weight: GPUBuffer;
  weightDtype?: WeightDtype;
  /** [rows] f32 from the forward */
  rstd: GPUBuffer;
  /** [rows, C] f32 */
  dy: GPUBuffer;
  /** [rows, C] f32, written (or added to with accumulate) */
  dx: GPUBuffer;
  /** [C] f32, optional: the weight gradient (frozen norms do not need it) */
  dw?: GPUBuffer;
  rows: number;
  C: number;
  /** dx += …, dw += … instead of overwriting (residual-stream gradients, micro-batches) */
  accumulate?: boolean;
  rowLoads?: RowLoads;
  rowWalk?: RowWalk;
}

function params(rows: number, C: number, eps: number, accumulate: boolean): ArrayBuffer {
  return packParams([{ u32: rows }, { u32: C }, { f32: eps }, { u32: accumulate ? 1 : 0 }]);
}

/** Rows (invocations) per workgroup of the 'thread' entry points. */
const THREAD_ROWS = 64;

/** The pipeline and workgroups of a row walk: forward/backward, forward4/backward4 with a quarter of
 * the invocations where rows are read four elements a load, or forward_thread/backward_thread with
 * one invocation per row. */
function rowPipeline(gpu: Gpu, entry: 'forward' | 'backward', a: { rows: number; C: number; weightDtype?: WeightDtype; rowLoads?: RowLoads; rowWalk?: RowWalk }) {
  const fits4 = a.C % 4 === 0;
  const thread = (a.rowWalk ?? (gpu.ctx.adapter.isSoftware ? 'thread' : 'workgroup')) === 'thread' && fits4;
  const vec4 = thread || ((a.rowLoads ?? rowLoads(gpu)) === 'vec4' && fits4);
  const wg = threadsPerRow(a.C);
  const dtype = DTYPE_CODE[a.weightDtype ?? 'f32'];
  const maxPerDim = gpu.ctx.limits.maxComputeWorkgroupsPerDimension;
  if (thread) {
    const levels = Math.log2(wg / 4);
    const shader = unrollLoops(RMSNORM, { WG: wg / 4, WG_LEVELS: levels });
    const constants = { WG: wg / 4, WG_LEVELS: levels, ROWS: THREAD_ROWS, WEIGHT_DTYPE: dtype };
    return { vec4, pipeline: gpu.pipelines.pipeline(shader, `${entry}_thread`, constants), workgroups: splitWorkgroups(Math.ceil(a.rows / THREAD_ROWS), maxPerDim) };
  }
  const constants = { WG: vec4 ? wg / 4 : wg, WEIGHT_DTYPE: dtype };
  return { vec4, pipeline: gpu.pipelines.pipeline(RMSNORM, vec4 ? `${entry}4` : entry, constants), workgroups: splitWorkgroups(a.rows, maxPerDim) };
}

/** y = x·rstd·w per row, rstd = 1/sqrt(mean(x²) + eps); saves rstd. */
export async function rmsNormForward(gpu: Gpu, a: RmsNormForwardArgs): Promise<void> {
  const { vec4, pipeline, workgroups } = rowPipeline(gpu, 'forward', a);
  const bindings: Record<number, GPUBuffer> = vec4 ? { 9: a.x, 13: a.weight, 10: a.y, 4: a.rstd } : { 1: a.x, 2: a.weight, 3: a.y, 4: a.rstd };
  gpu.recorder.dispatch(await pipeline, params(a.rows, a.C, a.eps, false), bindings, workgroups);
}

/** dx = rstd·(dy⊙w) − x·rstd³·Σ(dy⊙w⊙x)/C per row; with `dw`, also dw = Σ_rows dy⊙x·rstd. */
export async function rmsNormBackward(gpu: Gpu, a: RmsNormBackwardArgs): Promise<void> {
  const accumulate = a.accumulate ?? false;
  const { vec4, pipeline, workgroups } = rowPipeline(gpu, 'backward', a);
  const u = params(a.rows, a.C, 0, accumulate);
  const bindings: Record<number, GPUBuffer> = vec4 ? { 9: a.x, 13: a.weight, 5: a.rstd, 11: a.dy, 12: a.dx } : { 1: a.x, 2: a.weight, 5: a.rstd, 6: a.dy, 7: a.dx };
  gpu.recorder.dispatch(await pipeline, u, bindings, workgroups);
  if (a.dw) {
    // One thread per feature, 64 to a workgroup.
    const wgPipeline = await gpu.pipelines.pipeline(RMSNORM, 'weightGrad', { WG: 64 });
    gpu.recorder.dispatch(wgPipeline, u, { 1: a.x, 5: a.rstd, 6: a.dy, 8: a.dw }, [Math.ceil(a.C / 64)]);
  }
}

/** Qwen3's q_norm / k_norm: RMSNorm over head_dim of every head of a [tokens, heads, headDim] tensor,
 * one weight [headDim] shared by all heads. It is rmsNormForward with rows = tokens·heads. */
export interface HeadNormForwardArgs extends Omit<RmsNormForwardArgs, 'rows' | 'C'> {
  tokens: number;
  heads: number;
  headDim: number;
}
export interface HeadNormBackwardArgs extends Omit<RmsNormBackwardArgs, 'rows' | 'C'> {
  tokens: number;
  heads: number;
  headDim: number;
}

export function headRmsNormForward(gpu: Gpu, a: HeadNormForwardArgs): Promise<void> {
  return rmsNormForward(gpu, { ...a, rows: a.tokens * a.heads, C: a.headDim });
}

export function headRmsNormBackward(gpu: Gpu, a: HeadNormBackwardArgs): Promise<void> {
  return rmsNormBackward(gpu, { ...a, rows: a.tokens * a.heads, C: a.headDim });
}
