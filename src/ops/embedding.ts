// Token embedding launches (shaders/embedding.wgsl): the gather from an f32 or packed bf16/f16
// table, whole or split into row chunks, and the backward scatter-add into an f32 gradient table.
// The backward needs a grouping of token indices by id, built here on the CPU from the ids the data
// loader already holds (planEmbeddingBackward) and uploaded once per batch; no readback, ever.
// Only records into gpu.recorder; never submits.
import { packParams, shaderFile, splitWorkgroups, uploadBuffer, type Gpu, type GpuContext } from '../gpu/index.ts';
import code from '../../shaders/embedding.wgsl?raw';

export const EMBEDDING = shaderFile('embedding.wgsl', code);
const WG = 256;

/** Storage dtype of the table: f32, or bf16/f16 packed two per u32 (the same union as matmul's). */
export type WeightDtype = 'f32' | 'bf16' | 'f16';
const DTYPE_CODE: Record<WeightDtype, number> = { f32: 0, bf16: 1, f16: 2 };

/** Rows [firstRow, firstRow + rows) of a [vocab, C] table, held by one buffer (row-major from firstRow). */
export interface TableChunk {
  buffer: GPUBuffer;
  firstRow: number;
  rows: number;
}

/** A whole table in one buffer, or its row chunks in order, covering [0, vocab) without gaps. */
export type EmbeddingTable = GPUBuffer | TableChunk[];

/** Row ranges for splitting a [vocab, C] table of `dtype` into buffers of at most `maxBindingBytes`
 * (maxStorageBufferBindingSize): as few chunks as possible, each starting on a whole u32 word. */
export function splitTableRows(vocab: number, C: number, dtype: WeightDtype, maxBindingBytes: number): Array<{ firstRow: number; rows: number }> {
  const bytesPerRow = C * (dtype === 'f32' ? 4 : 2);
  let rowsPerChunk = Math.floor(maxBindingBytes / bytesPerRow);
  if (dtype !== 'f32' && C % 2 === 1) rowsPerChunk -= rowsPerChunk % 2; // keeps firstRow·C even
  if (rowsPerChunk < 1) throw new Error(`one embedding row (${bytesPerRow} bytes) does not fit a ${maxBindingBytes}-byte binding`);
  const out: Array<{ firstRow: number; rows: number }> = [];
  for (let firstRow = 0; firstRow < vocab; firstRow += rowsPerChunk) out.push({ firstRow, rows: Math.min(rowsPerChunk, vocab - firstRow) });
  return out;
}

function chunksOf(table: EmbeddingTable, vocab: number, C: number, dtype: WeightDtype, what: string): TableChunk[] {
  const chunks = Array.isArray(table) ? table : [{ buffer: table, firstRow: 0, rows: vocab }];
  let next = 0;
  for (const c of chunks) {
    if (c.firstRow !== next || c.rows <= 0) throw new Error(`${what}: chunks must cover rows 0..${vocab} in order; got a chunk at row ${c.firstRow} (rows ${c.rows}), expected row ${next}`);
    // A half-precision chunk must begin on a whole u32 word of the packed file bytes.
    if (dtype !== 'f32' && (c.firstRow * C) % 2 !== 0) throw new Error(`${what}: a ${dtype} chunk must start at an even element; row ${c.firstRow} × C ${C} is odd`);
    next += c.rows;
  }
  if (next !== vocab) throw new Error(`${what}: chunks cover ${next} rows, the vocabulary has ${vocab}`);
  return chunks;
}

function params(n: number, C: number, vocab: number, chunk: TableChunk): ArrayBuffer {
  return packParams([{ u32: n }, { u32: C }, { u32: vocab }, { u32: chunk.firstRow }, { u32: chunk.rows }]);
}

export interface EmbeddingForwardArgs {
  /** [T] u32 token ids; an id ≥ vocab yields a zero row */
  ids: GPUBuffer;
  table: EmbeddingTable;
  tableDtype?: WeightDtype;
  /** [T, C] f32, written */
  out: GPUBuffer;
  tokens: number;
  C: number;
  vocab: number;
}

/** out[t] = table[ids[t]]: one dispatch per table chunk, each writing the tokens whose id it holds. */
export async function embeddingForward(gpu: Gpu, a: EmbeddingForwardArgs): Promise<void> {
  const dtype = a.tableDtype ?? 'f32';
  const chunks = chunksOf(a.table, a.vocab, a.C, dtype, 'embedding table');
  const pipeline = await gpu.pipelines.pipeline(EMBEDDING, 'gather', { WG, TABLE_DTYPE: DTYPE_CODE[dtype] });
  const n = a.tokens * a.C;
  const wg = splitWorkgroups(Math.ceil(n / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  for (const chunk of chunks) {
    gpu.recorder.dispatch(pipeline, params(n, a.C, a.vocab, chunk), { 1: a.ids, 2: chunk.buffer, 3: a.out }, wg);
  }
}

/** Token indices grouped by id: group g is id groupIds[g] (ascending) with tokens
 * tokenOrder[groupStart[g] .. groupStart[g+1]) in increasing order, so sums run in a fixed order. */
export interface EmbeddingGradPlan {
  groupIds: Uint32Array;
  groupStart: Uint32Array;
  tokenOrder: Uint32Array;
}

/** Groups token positions by id; O(T log T) on the CPU, where the batch's ids already live. */
export function planEmbeddingBackward(ids: ArrayLike<number>): EmbeddingGradPlan {
  const byId = new Map<number, number[]>();
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t] >>> 0; // as the GPU reads it: a negative (ignored) id becomes ≥ vocab and is dropped
    const list = byId.get(id);
    if (list) list.push(t);
    else byId.set(id, [t]);
  }
  const groupIds = Uint32Array.from(byId.keys()).sort();
  const groupStart = new Uint32Array(groupIds.length + 1);
  const tokenOrder = new Uint32Array(ids.length);
  let k = 0;
  groupIds.forEach((id, g) => {
    groupStart[g] = k;
    for (const t of byId.get(id)!) tokenOrder[k++] = t;
  });
  groupStart[groupIds.length] = k;
  return { groupIds, groupStart, tokenOrder };
}

/** The plan on the GPU; the caller destroys it once the backward that uses it has been submitted. */
export interface EmbeddingGradPlanBuffers {
  groupIds: GPUBuffer;
  groupStart: GPUBuffer;
  tokenOrder: GPUBuffer;
  groups: number;
  destroy(): void;
}

export function uploadEmbeddingBackwardPlan(ctx: GpuContext, ids: ArrayLike<number>): EmbeddingGradPlanBuffers {
  const plan = planEmbeddingBackward(ids);
  const bufs = {
    groupIds: uploadBuffer(ctx, plan.groupIds, 'embedding-grad:groupIds'),
    groupStart: uploadBuffer(ctx, plan.groupStart, 'embedding-grad:groupStart'),
    tokenOrder: uploadBuffer(ctx, plan.tokenOrder, 'embedding-grad:tokenOrder'),
  };
  return {
    ...bufs,
    groups: plan.groupIds.length,
    destroy: () => Object.values(bufs).forEach((b) => b.destroy()),
  };
}

export interface EmbeddingBackwardArgs {
  plan: EmbeddingGradPlanBuffers;
  /** [T, C] f32, gradient of the gathered rows */
  dy: GPUBuffer;
  /** [vocab, C] f32 (whole or in row chunks), ADDED to: clear it at the start of an optimizer step */
  dTable: EmbeddingTable;
  C: number;
  vocab: number;
}

/** dTable[v] += Σ_{t: ids[t] = v} dy[t]: one thread per (distinct id, feature), one dispatch per chunk. */
export async function embeddingBackward(gpu: Gpu, a: EmbeddingBackwardArgs): Promise<void> {
  const chunks = chunksOf(a.dTable, a.vocab, a.C, 'f32', 'embedding gradient table');
  const pipeline = await gpu.pipelines.pipeline(EMBEDDING, 'scatterAdd', { WG });
  const n = a.plan.groups * a.C;
  const wg = splitWorkgroups(Math.ceil(n / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  const { groupIds, groupStart, tokenOrder } = a.plan;
  for (const chunk of chunks) {
    gpu.recorder.dispatch(pipeline, params(n, a.C, a.vocab, chunk), { 4: groupIds, 5: groupStart, 6: tokenOrder, 7: a.dy, 8: chunk.buffer }, wg);
  }
}
