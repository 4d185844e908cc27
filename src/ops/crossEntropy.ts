// LM head + cross-entropy, fused and chunked over the vocabulary (shaders/cross_entropy.wgsl with
// shaders/matmul.wgsl): for each chunk of `chunk` vocabulary rows the logits [T, chunk] are computed
// into a scratch buffer, folded into running log-sum-exp stats, and dropped; the [T, V] logits never
// exist. Training takes the hidden-state gradient in the same pass (crossEntropyWithGradient): each
// chunk's logits become e^(z − m) and their product with W_chunk is added to a running sum that is
// rescaled whenever the row's max m grows, so no logits are computed twice. Tied embeddings work
// unchanged: pass embed_tokens as W.
// Records into gpu.recorder only: never submits, never reads back, never allocates (the scratch comes
// from the caller's memory plan; createCrossEntropyScratch is a convenience for tests and tools).
//
//   nll[t] = logsumexp_v(h[t]·W[v]) − h[t]·W[target[t]]          (0 where target ∉ [0, V))
//   dH[t]  = w[t] · (Σ_v softmax(z[t])_v · W[v] − W[target[t]])
// W may come in row parts (a head larger than one storage binding is uploaded so): no chunk crosses
// a part's end, so each chunk's product binds one buffer.
import { createStorageBuffer, packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import { matmul, type WeightDtype } from './matmul.ts';
import { embeddingForward, type EmbeddingTable, type TableChunk } from './embedding.ts';
import { rowLoads, type RowLoads } from './rowLoads.ts';
import code from '../../shaders/cross_entropy.wgsl?raw';

export const CROSS_ENTROPY = shaderFile('cross_entropy.wgsl', code);

/** Invocations per workgroup for every cross-entropy entry point but the *4 ones, which stand in for
 * 64 with 16 invocations of four logits each. */
const WG = 64;
const WG4 = 16;
/** Upper bound on vocabulary rows per chunk; more rows only add scratch memory. */
export const MAX_CHUNK = 8192;
/** Scratch budget for one chunk's logits when the binding limit is larger. */
const CHUNK_SCRATCH_BYTES = 64 * 2 ** 20;
/** Segments with their own NLL sum and token count: 0 prompt/pad, 1 cot, 2 call. */
export const SEGMENT_COUNT = 3;

export interface CrossEntropyShape {
  T: number; // tokens
  H: number; // hidden size
  V: number; // vocabulary size (rows of W)
  /** Vocabulary rows per chunk; default crossEntropyChunk(gpu, T, V). */
  chunk?: number;
  /** How rows of logits are read (rowLoads.ts; 'vec4' only for chunks of a multiple of 4 columns);
   * default rowLoads(gpu). Either gives the same bits. */
  rowLoads?: RowLoads;
  /** Rows of the LM head left out of W because they are all zero (src/model/compactHead.ts): W holds
   * the V others, a target is an index into W or V for one of the left-out rows, and their logits,
   * exactly 0, are folded in after the chunks (ce_fold_zero_rows) instead of computed. */
  zeroRows?: number;
}

/** The V the kernels check targets against: one past W's rows when a target may be a left-out row. */
function targetLimit(s: CrossEntropyShape): number {
  return s.V + ((s.zeroRows ?? 0) > 0 ? 1 : 0);
}

/** The entry point for one chunk's rows, its workgroup size and the binding of its logits. */
function rowEntry(gpu: Gpu, s: CrossEntropyShape, C: number, name: 'ce_chunk_stats' | 'ce_chunk_softmax', scalarBinding: number, vecBinding: number) {
  const vec4 = (s.rowLoads ?? rowLoads(gpu)) === 'vec4' && C % 4 === 0;
  return vec4
    ? { pipeline: gpu.pipelines.pipeline(CROSS_ENTROPY, `${name}4`, { WG: WG4 }), binding: vecBinding }
    : { pipeline: gpu.pipelines.pipeline(CROSS_ENTROPY, name, { WG }), binding: scalarBinding };
}

export interface CrossEntropyScratch {
  /** [T, chunk] f32: one chunk's logits, then its dlogits. */
  logits: GPUBuffer;
  /** [T, 3] f32: running max, running Σexp, target logit. */
  stats: GPUBuffer;
}

export interface CrossEntropyForwardBuffers {
  hidden: GPUBuffer; // [T, H] f32 (after the final norm)
  weight: EmbeddingTable; // [V, H] lm_head (or tied embed_tokens), f32 or packed bf16/f16, whole or in row parts
  weightDtype: WeightDtype;
  targets: GPUBuffer; // [T] i32, outside [0, V) = ignored
  segments: GPUBuffer; // [T] u32: 0 prompt/pad, 1 cot, 2 call; other ids are left out of the sums
  /** written: [T] per-token NLL (0 where ignored) */
  nll: GPUBuffer;
  /** written: [T] logsumexp, kept for the backward */
  lse: GPUBuffer;
  /** written (or added to, with accumulateSegments): [3] f32 NLL sums per segment */
  segmentNll: GPUBuffer;
  /** written (or added to): [3] u32 counts of non-ignored tokens per segment */
  segmentCount: GPUBuffer;
  scratch: CrossEntropyScratch;
  /** Add into segmentNll/segmentCount (micro-batch accumulation) instead of overwriting. */
  accumulateSegments?: boolean;
}

export interface CrossEntropyGradientBuffers extends CrossEntropyForwardBuffers {
  /** [T] f32: ∂loss/∂nll[t] (e.g. α/N_cot on cot tokens, (1−α)/N_call on call tokens) */
  tokenWeight: GPUBuffer;
  /** written: [T, H] f32 ∂loss/∂hidden (0 on ignored rows) */
  dHidden: GPUBuffer;
  /** [T, H] f32 scratch for the targets' rows of W, written after the last read of `hidden`: it may
   * be `hidden` itself. */
  targetRows: GPUBuffer;
}

/** Vocabulary rows per chunk: as many as fit MAX_CHUNK, the scratch budget and one binding, in whole
 * 16-row fragments (so every chunk but the last runs on the tensor-core kernels where offered).
 * Pure, so the memory plan sizes the scratch with the same rule. */
export function vocabChunkRows(T: number, V: number, maxStorageBufferBindingSize: number): number {
  const budget = Math.min(CHUNK_SCRATCH_BYTES, maxStorageBufferBindingSize);
  const byBudget = Math.floor(budget / (Math.max(1, T) * 4));
  let chunk = Math.min(MAX_CHUNK, V, byBudget);
  if (chunk < 1) throw new Error(`cross-entropy: ${T} tokens do not fit one logits row in ${budget} bytes`);
  if (chunk > 16 && chunk < V) chunk -= chunk % 16;
  return chunk;
}

export function crossEntropyChunk(gpu: Gpu, T: number, V: number): number {
  return vocabChunkRows(T, V, gpu.ctx.limits.maxStorageBufferBindingSize);
}

export function crossEntropyScratchBytes(T: number, chunk: number): { logits: number; stats: number } {
  return { logits: T * chunk * 4, stats: T * 3 * 4 };
}

export function createCrossEntropyScratch(gpu: Gpu, T: number, chunk: number): CrossEntropyScratch {
  const bytes = crossEntropyScratchBytes(T, chunk);
  return {
    logits: createStorageBuffer(gpu.ctx, bytes.logits, 'ce:logits-chunk'),
    stats: createStorageBuffer(gpu.ctx, bytes.stats, 'ce:stats'),
  };
}

function resolveChunk(gpu: Gpu, s: CrossEntropyShape, scratch: CrossEntropyScratch): number {
  const chunk = s.chunk ?? crossEntropyChunk(gpu, s.T, s.V);
  const need = crossEntropyScratchBytes(s.T, chunk);
  if (scratch.logits.size < need.logits || scratch.stats.size < need.stats) {
    throw new RangeError(`cross-entropy scratch too small for T=${s.T}, chunk=${chunk}: need ${need.logits} + ${need.stats} bytes`);
  }
  return chunk;
}

function params(T: number, C: number, v0: number, V: number, flag: number, H = 0): ArrayBuffer {
  return packParams([{ u32: T }, { u32: C }, { u32: v0 }, { u32: V }, { u32: flag }, { u32: H }]);
}

interface VocabChunk {
  v0: number;
  C: number;
  /** The part holding rows v0..v0+C, and the chunk's first element in it. */
  part: TableChunk;
  offset: number;
}

/** The vocabulary in chunks of at most `chunk` rows, each inside one part of W. */
function vocabChunks(s: CrossEntropyShape, weight: EmbeddingTable, chunk: number): VocabChunk[] {
  const parts = Array.isArray(weight) ? weight : [{ buffer: weight, firstRow: 0, rows: s.V }];
  const out: VocabChunk[] = [];
  for (let v0 = 0; v0 < s.V; ) {
    const part = parts.find((p) => p.firstRow <= v0 && v0 < p.firstRow + p.rows);
    if (!part) throw new RangeError(`cross-entropy: no part of the LM head holds vocabulary row ${v0} (of ${s.V})`);
    const C = Math.min(chunk, s.V - v0, part.firstRow + part.rows - v0);
    out.push({ v0, C, part, offset: (v0 - part.firstRow) * s.H });
    v0 += C;
  }
  return out;
}

/** Logits of the chunk's vocabulary rows into scratch.logits: z = h·W[v0:v0+C]ᵀ. */
function chunkLogits(gpu: Gpu, s: CrossEntropyShape, hidden: GPUBuffer, c: VocabChunk, dtype: WeightDtype, logits: GPUBuffer): Promise<void> {
  return matmul(gpu, { a: hidden, b: c.part.buffer, c: logits, M: s.T, N: c.C, K: s.H, transB: true, bDtype: dtype, offsetB: c.offset });
}

/** Records the forward: per-token NLL and logsumexp, and per-segment NLL sums and counts. */
export async function crossEntropyForward(gpu: Gpu, s: CrossEntropyShape, b: CrossEntropyForwardBuffers): Promise<void> {
  if (s.T === 0) return;
  const chunk = resolveChunk(gpu, s, b.scratch);
  const rows = splitWorkgroups(s.T, gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  for (const c of vocabChunks(s, b.weight, chunk)) {
    await chunkLogits(gpu, s, b.hidden, c, b.weightDtype, b.scratch.logits);
    const stats = rowEntry(gpu, s, c.C, 'ce_chunk_stats', 1, 13);
    // Both read the target's logit through binding 1.
    const bindings = { 1: b.scratch.logits, 2: b.targets, 3: b.scratch.stats, [stats.binding]: b.scratch.logits };
    gpu.recorder.dispatch(await stats.pipeline, params(s.T, c.C, c.v0, targetLimit(s), c.v0 === 0 ? 1 : 0), bindings, rows);
  }
  await foldZeroRows(gpu, s, b.scratch.stats, null, b.lse);
  await finalizeLoss(gpu, s, b);
}

/** Records the forward (as crossEntropyForward) and the hidden-state gradient into dHidden, in one
 * pass over the vocabulary: per chunk its logits, and dH's running sum += e^(z − m)·W_chunk. */
export async function crossEntropyWithGradient(gpu: Gpu, s: CrossEntropyShape, b: CrossEntropyGradientBuffers): Promise<void> {
  if (s.T === 0) return;
  const chunk = resolveChunk(gpu, s, b.scratch);
  const rows = splitWorkgroups(s.T, gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  for (const c of vocabChunks(s, b.weight, chunk)) {
    await chunkLogits(gpu, s, b.hidden, c, b.weightDtype, b.scratch.logits);
    const softmax = rowEntry(gpu, s, c.C, 'ce_chunk_softmax', 9, 14);
    const bindings = { 2: b.targets, 3: b.scratch.stats, [softmax.binding]: b.scratch.logits, 11: b.dHidden };
    gpu.recorder.dispatch(await softmax.pipeline, params(s.T, c.C, c.v0, targetLimit(s), c.v0 === 0 ? 1 : 0, s.H), bindings, rows);
    // Σ[T,H] (+)= e^(z − m)[T,C] · W[v0:v0+C, :]  (W rows are the chunk's [C, H], not transposed)
    await matmul(gpu, { a: b.scratch.logits, b: c.part.buffer, c: b.dHidden, M: s.T, N: s.H, K: c.C, bDtype: b.weightDtype, offsetB: c.offset, accumulate: c.v0 > 0 });
  }
  await foldZeroRows(gpu, s, b.scratch.stats, b.dHidden, b.lse);
  await finalizeLoss(gpu, s, b);
  await embeddingForward(gpu, { ids: b.targets, table: b.weight, tableDtype: b.weightDtype, out: b.targetRows, tokens: s.T, C: s.H, vocab: s.V });
  const finalize = await gpu.pipelines.pipeline(CROSS_ENTROPY, 'ce_grad_finalize', { WG });
  const groups = splitWorkgroups(Math.ceil((s.T * s.H) / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  gpu.recorder.dispatch(finalize, params(s.T, 0, 0, targetLimit(s), 0, s.H), { 2: b.targets, 3: b.scratch.stats, 10: b.tokenWeight, 11: b.dHidden, 12: b.targetRows }, groups);
}

/** The left-out zero rows (shape.zeroRows) folded into the running stats, and, when training, the
 * running Σ e^(z − m)·W in `runningSum` rescaled to the new max. `unused` fills the running sum's
 * binding when there is none (the entry point's layout has it; the forward never touches it). */
async function foldZeroRows(gpu: Gpu, s: CrossEntropyShape, stats: GPUBuffer, runningSum: GPUBuffer | null, unused: GPUBuffer): Promise<void> {
  const Z = s.zeroRows ?? 0;
  if (Z === 0) return;
  const fold = await gpu.pipelines.pipeline(CROSS_ENTROPY, 'ce_fold_zero_rows', { WG });
  const groups = splitWorkgroups(Math.ceil(s.T / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  gpu.recorder.dispatch(fold, params(s.T, Z, 0, targetLimit(s), runningSum ? 1 : 0, s.H), { 3: stats, 11: runningSum ?? unused }, groups);
}

/** lse, nll and the segment sums from the running stats. */
async function finalizeLoss(gpu: Gpu, s: CrossEntropyShape, b: CrossEntropyForwardBuffers): Promise<void> {
  const finalize = await gpu.pipelines.pipeline(CROSS_ENTROPY, 'ce_finalize', { WG });
  gpu.recorder.dispatch(
    finalize,
    params(s.T, 0, 0, targetLimit(s), b.accumulateSegments ? 1 : 0),
    { 2: b.targets, 3: b.scratch.stats, 4: b.segments, 5: b.lse, 6: b.nll, 7: b.segmentNll, 8: b.segmentCount },
    [1],
  );
}
