// Causal grouped-query attention, forward and backward (flash-style), and KV-cache decode.
// Owns the launches of shaders/attention_fwd.wgsl, attention_bwd.wgsl and attention_decode.wgsl.
// Only records into gpu.recorder (the caller submits); never reads back, never allocates: every
// buffer, including the backward's scratch, comes from the caller's memory plan.
//
// Layouts (row-major, f32):
//   q, out, dOut, dq      [B·T, nHeads, headDim]
//   k, v, dk, dv          [B·T, nKvHeads, headDim]      head h uses kv head h / (nHeads / nKvHeads)
//   segments              [B·T] u32: 0 = padding, equal non-zero ids = one sequence
//   lse                   [B·T, nHeads]   logsumexp of each row's scaled scores (0 on padded rows)
// Visibility: query i sees key j of the same batch row iff j ≤ i and segments[j] = segments[i] ≠ 0.
// This one rule covers both needs: an attention mask [B, T] (1 = token, 0 = padding, left or right)
// is passed as `segments` unchanged, and packed sequences label their tokens by sequence. A
// sequence is one run of its row, labelled at most 1 + the index of its first token (a mask, or
// labels 1, 2, 3, … in order, qualify; batchBuffers.ts checks it): the kernels skip the keys before a
// row's label − 1, and stop a key's walk over the queries where its run ends. Packed batches label
// each sequence exactly 1 + its first index, so nothing before it is walked.
// Padded query rows output zeros and get zero gradients; padded keys are never attended.
// Decode (one new query per sequence against its KV cache) runs in one of three forms chosen by the
// adapter and the cache's capacity (attentionDecodeForm): a single pass, split into chunks and
// merged, or (CPU adapters) the single pass by one invocation per head.
import { packParams, shaderFile, splitWorkgroups, type Gpu, type ShaderFile, type Workgroups } from '../gpu/index.ts';
import { unrollLoops } from '../gpu/unrollLoops.ts';
import fwdCode from '../../shaders/attention_fwd.wgsl?raw';
import bwdCode from '../../shaders/attention_bwd.wgsl?raw';
import decodeCode from '../../shaders/attention_decode.wgsl?raw';
import tiledCode from '../../shaders/attention_tiled.wgsl?raw';

export const ATTENTION_FWD = shaderFile('attention_fwd.wgsl', fwdCode);
export const ATTENTION_BWD = shaderFile('attention_bwd.wgsl', bwdCode);
export const ATTENTION_DECODE = shaderFile('attention_decode.wgsl', decodeCode);
export const ATTENTION_TILED = shaderFile('attention_tiled.wgsl', tiledCode);
/** Rows of a block in attention_tiled.wgsl (BR): queries forward and for dQ, keys for dK/dV. */
const TILED_ROWS = 64;
const TILED_KEY_ROWS = 32;

/** Largest head_dim the kernels hold in registers (MAX_D4 = 32 vec4s in the WGSL). */
export const MAX_HEAD_DIM = 128;
/** Rows owned by one workgroup (one per thread) in every tiled pass. */
const ROWS_PER_WORKGROUP = 64;
/** Rows per staged tile are capped here and by TILE_BUDGET_BYTES (≤ MAX_BC in attention_fwd.wgsl). */
const MAX_TILE_ROWS = 32;
/** Workgroup memory for the two staged tiles. 8 KiB keeps several workgroups resident per compute
 * unit on real GPUs; larger tiles also made SwiftShader's compile time grow with the array size
 * (32 KiB: ~8 s per pipeline). */
const TILE_BUDGET_BYTES = 8 * 1024;
const DELTA_WG = 256;
/** Threads per decode workgroup: a power of two (the split form's tree reductions), ≥ head_dim / 4. */
const DECODE_WG = 64;
/** Heads of a row per workgroup of the 'thread' decode form: one SwiftShader SIMD register's lanes. */
const THREAD_HEADS = 4;
/** Keys scored per decode chunk (CH in attention_decode.wgsl), and the positions of one split chunk. */
export const DECODE_CHUNK = 256;
/** Cache capacity above which a hardware GPU decodes in the split form. The single pass runs one
 * workgroup per (head, row) (14 at B = 1 on Qwen2.5-0.5B) whose 16 folding threads walk every cached
 * position in turn: fine for two chunks, ~95 ms a token at 6,000 positions on an H200. The split form
 * gives each 256-position chunk its own workgroup and costs a second (merge) dispatch, which only
 * pays once the single pass walks more than two chunks. Software adapters (SwiftShader, CI) keep the
 * single pass at every length: their few CPU threads gain nothing from more workgroups. The rule
 * reads the capacity, not the current length, so each step records the same dispatches and a
 * generation's captured step replays at every length. */
export const SPLIT_DECODE_MIN_POSITIONS = 2 * DECODE_CHUNK;

/** How key (or query) tiles reach the threads that use them. */
export interface AttentionOptions {
  /** 'rows' (attention_fwd/bwd.wgsl: a query or key row per thread) or 'tiled' (attention_tiled.wgsl:
   * 4×4 register blocks of tile products, for GPUs; head_dim a multiple of 32, ≤ 128 forward and ≤ 64
   * backward). Default: tiled on hardware adapters where the head fits, rows elsewhere. */
  kernel?: 'rows' | 'tiled';
  /** Rows kernel only. true: staged in workgroup memory (what real GPUs want); false: read straight
   * from storage. Default: staged unless the adapter is a CPU implementation, where the barriers cost
   * more than they save (SwiftShader, forward T=256, 14/2 heads, d=64: direct reads 2–5× faster). */
  stageTiles?: boolean;
  /** Rows kernel only. true: its loops over the head dimension written out (unrollLoops.ts), so q and
   * the running sums stay in registers where the compiler does not unroll (SwiftShader, B=4, T=448,
   * 4/2 heads, d=16: forward 155 → 71 ms, backward 525 → 174 ms); false: the source as written.
   * Default: written out on CPU implementations only; GPU drivers unroll a constant bound themselves. */
  unrollHead?: boolean;
}

/** Workgroup memory (bytes) of attention_tiled.wgsl's largest entry point for a pass: the arrays each
 * entry point uses (BC = 32 tile columns, DC = 16 staged head dims; BR = 64 rows, 32 for dK/dV). */
export function tiledWorkgroupBytes(headDim: number, pass: 'forward' | 'backward'): number {
  const BC = 32;
  const DC = 16;
  const staged = (br: number) => DC * br * 4; // rowsA (rowsB) of DC dims per row
  const cols = DC * BC * 4; // colsA (colsB)
  const tile = BC * headDim * 4; // tileA (tileB): whole heads of BC rows
  const scores = (br: number) => BC * br * 4; // probs (dprobs)
  if (pass === 'forward') return staged(TILED_ROWS) + cols + tile + scores(TILED_ROWS) + TILED_ROWS * 8 * 4; // + red
  const dq = 2 * staged(TILED_ROWS) + 2 * cols + tile + scores(TILED_ROWS);
  const dkv = 2 * staged(TILED_KEY_ROWS) + 2 * cols + 2 * tile + 2 * scores(TILED_KEY_ROWS);
  return Math.max(dq, dkv);
}

/** Which attention kernel runs (the GPU panel and the bench say it). The tiled kernel needs 24–32 KiB
 * of workgroup memory; an adapter offering less (WebGPU's default is 16 KiB) runs the rows kernel. */
export function attentionKernel(gpu: Gpu, headDim: number, pass: 'forward' | 'backward', opts: AttentionOptions = {}): 'rows' | 'tiled' {
  const shapeFits = headDim % 32 === 0 && headDim <= (pass === 'forward' ? 128 : 64);
  if (opts.kernel === 'tiled' && !shapeFits) throw new Error(`attention: the tiled kernel needs head_dim a multiple of 32, ≤ ${pass === 'forward' ? 128 : 64} (got ${headDim})`);
  const bytes = shapeFits ? tiledWorkgroupBytes(headDim, pass) : 0;
  const allowed = gpu.ctx.limits.maxComputeWorkgroupStorageSize;
  if (opts.kernel === 'tiled' && bytes > allowed) throw new Error(`attention: the tiled kernel's ${pass} at head_dim ${headDim} needs ${bytes} bytes of workgroup memory, and this GPU allows ${allowed}`);
  return opts.kernel ?? (shapeFits && bytes <= allowed && !gpu.ctx.adapter.isSoftware ? 'tiled' : 'rows');
}

export interface AttentionShape {
  batch: number; // B sequences
  seqLen: number; // T tokens per sequence
  nHeads: number;
  nKvHeads: number; // divides nHeads
  headDim: number; // multiple of 4, ≤ 128
  /** Defaults to 1/√headDim. */
  scale?: number;
}

export interface AttentionForwardBuffers {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  segments: GPUBuffer;
  /** written: [B·T, nHeads, headDim] */
  out: GPUBuffer;
  /** written: [B·T, nHeads], kept for the backward */
  lse: GPUBuffer;
}

export interface AttentionBackwardBuffers {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  segments: GPUBuffer;
  out: GPUBuffer;
  lse: GPUBuffer;
  dOut: GPUBuffer;
  /** written (overwritten, not accumulated) */
  dq: GPUBuffer;
  dk: GPUBuffer;
  dv: GPUBuffer;
  /** scratch of attentionBackwardScratchBytes(shape) bytes: per row (lse, rowsum(dO∘O)) */
  scratch: GPUBuffer;
}

export function attentionScale(shape: AttentionShape): number {
  return shape.scale ?? 1 / Math.sqrt(shape.headDim);
}

/** Bytes of the backward's scratch: a vec2 f32 per (token, head). */
export function attentionBackwardScratchBytes(shape: AttentionShape): number {
  return shape.batch * shape.seqLen * shape.nHeads * 8;
}

function checkHeads(nHeads: number, nKvHeads: number, headDim: number): void {
  if (!Number.isInteger(nHeads / nKvHeads) || nKvHeads < 1) throw new Error(`attention: nHeads ${nHeads} is not a multiple of nKvHeads ${nKvHeads}`);
  if (headDim % 4 !== 0 || headDim < 4 || headDim > MAX_HEAD_DIM) {
    throw new Error(`attention: headDim ${headDim} must be a multiple of 4 in [4, ${MAX_HEAD_DIM}]`);
  }
}

function checkShape(s: AttentionShape): void {
  checkHeads(s.nHeads, s.nKvHeads, s.headDim);
  if (s.batch < 1 || s.seqLen < 1) throw new Error(`attention: empty batch ${s.batch}×${s.seqLen}`);
}

/** A buffer smaller than its tensor would be read out of range (WGSL clamps, so silently wrong). */
function checkSizes(op: string, want: Record<string, [GPUBuffer, number]>): void {
  for (const [name, [buffer, bytes]] of Object.entries(want)) {
    if (buffer.size < bytes) throw new Error(`${op}: buffer "${name}" holds ${buffer.size} bytes, the shape needs ${bytes}`);
  }
}

function forwardSizes(s: AttentionShape, b: AttentionForwardBuffers): Record<string, [GPUBuffer, number]> {
  const N = s.batch * s.seqLen;
  const qBytes = N * s.nHeads * s.headDim * 4;
  const kvBytes = N * s.nKvHeads * s.headDim * 4;
  return { q: [b.q, qBytes], k: [b.k, kvBytes], v: [b.v, kvBytes], segments: [b.segments, N * 4], out: [b.out, qBytes], lse: [b.lse, N * s.nHeads * 4] };
}

/** The rows kernel's file as it compiles on this adapter (see AttentionOptions.unrollHead). */
function rowsShader(gpu: Gpu, shader: ShaderFile, headDim: number, opts: AttentionOptions): ShaderFile {
  return (opts.unrollHead ?? gpu.ctx.adapter.isSoftware) ? unrollLoops(shader, { HD4: headDim / 4 }) : shader;
}

/** Rows per staged tile: two tiles of rows × headDim f32 within the budget and the device limit. */
export function attentionTileRows(gpu: Gpu, headDim: number): number {
  const bytesPerRow = 2 * headDim * 4;
  const budget = Math.min(TILE_BUDGET_BYTES, gpu.ctx.limits.maxComputeWorkgroupStorageSize);
  return Math.max(1, Math.min(MAX_TILE_ROWS, Math.floor(budget / bytesPerRow)));
}

function tiledConstants(gpu: Gpu, headDim: number, opts: AttentionOptions): Record<string, number> {
  const stage = opts.stageTiles ?? !gpu.ctx.adapter.isSoftware;
  return { BR: ROWS_PER_WORKGROUP, BC: attentionTileRows(gpu, headDim), HD4: headDim / 4, SHARED_KV: stage ? 1 : 0 };
}

function tiledParams(s: AttentionShape, rows = 0): ArrayBuffer {
  return packParams([{ u32: s.seqLen }, { u32: s.nHeads }, { u32: s.nKvHeads }, { f32: attentionScale(s) }, { u32: rows }]);
}

/**
 * Records out = softmax(scale·q·kᵀ + mask)·v per head and the row logsumexp into `lse`.
 * Signature for callers such as the benchmark: (gpu, shape, {q, k, v, segments, out, lse}).
 * Memory: at most two tiles of ≤32 key rows per workgroup (8 KiB); nothing of size T².
 */
export async function attentionForward(gpu: Gpu, shape: AttentionShape, b: AttentionForwardBuffers, opts: AttentionOptions = {}): Promise<void> {
  checkShape(shape);
  checkSizes('attentionForward', forwardSizes(shape, b));
  if (attentionKernel(gpu, shape.headDim, 'forward', opts) === 'tiled') {
    const pipe = await gpu.pipelines.pipeline(ATTENTION_TILED, 'attn_fwd_tiled', { HD4: shape.headDim / 4 });
    gpu.recorder.dispatch(pipe, tiledParams(shape), { 1: b.q, 2: b.k, 3: b.v, 4: b.segments, 5: b.out, 6: b.lse }, [Math.ceil(shape.seqLen / TILED_ROWS), shape.nHeads, shape.batch]);
    return;
  }
  const pipeline = await gpu.pipelines.pipeline(rowsShader(gpu, ATTENTION_FWD, shape.headDim, opts), 'attention_forward', tiledConstants(gpu, shape.headDim, opts));
  gpu.recorder.dispatch(
    pipeline,
    tiledParams(shape),
    { 1: b.q, 2: b.k, 3: b.v, 4: b.segments, 5: b.out, 6: b.lse },
    [Math.ceil(shape.seqLen / ROWS_PER_WORKGROUP), shape.nHeads, shape.batch],
  );
}

/**
 * Records dq, dk, dv (overwritten) for the loss gradient dOut, recomputing P from q, k and the
 * forward's lse. Three dispatches: D = rowsum(dO∘O) into scratch, then dQ, then dK/dV (each kv
 * head sums over its query heads inside one thread, so no float atomics).
 */
export async function attentionBackward(gpu: Gpu, shape: AttentionShape, b: AttentionBackwardBuffers, opts: AttentionOptions = {}): Promise<void> {
  checkShape(shape);
  const rows = shape.batch * shape.seqLen * shape.nHeads;
  const qBytes = rows * shape.headDim * 4;
  const kvBytes = (qBytes / shape.nHeads) * shape.nKvHeads;
  checkSizes('attentionBackward', {
    ...forwardSizes(shape, b),
    dOut: [b.dOut, qBytes],
    dq: [b.dq, qBytes],
    dk: [b.dk, kvBytes],
    dv: [b.dv, kvBytes],
    scratch: [b.scratch, attentionBackwardScratchBytes(shape)],
  });
  const params = tiledParams(shape, rows);
  if (attentionKernel(gpu, shape.headDim, 'backward', opts) === 'tiled') {
    const [delta, dq, dkv] = await Promise.all([
      gpu.pipelines.pipeline(ATTENTION_BWD, 'attention_delta', { WG: DELTA_WG, HD4: shape.headDim / 4 }),
      gpu.pipelines.pipeline(ATTENTION_TILED, 'attn_dq_tiled', { HD4: shape.headDim / 4 }),
      gpu.pipelines.pipeline(ATTENTION_TILED, 'attn_dkv_tiled', { HD4: shape.headDim / 4, BR: TILED_KEY_ROWS }),
    ]);
    const blocks = Math.ceil(shape.seqLen / TILED_ROWS);
    const keyBlocks = Math.ceil(shape.seqLen / TILED_KEY_ROWS);
    gpu.recorder.dispatch(delta, params, { 5: b.dOut, 6: b.out, 7: b.lse, 8: b.scratch }, splitWorkgroups(Math.ceil(rows / DELTA_WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension));
    gpu.recorder.dispatch(dq, params, { 1: b.q, 2: b.k, 3: b.v, 4: b.segments, 7: b.dOut, 9: b.scratch, 10: b.dq }, [blocks, shape.nHeads, shape.batch]);
    gpu.recorder.dispatch(dkv, params, { 1: b.q, 2: b.k, 3: b.v, 4: b.segments, 7: b.dOut, 9: b.scratch, 11: b.dk, 12: b.dv }, [keyBlocks, shape.nKvHeads, shape.batch]);
    return;
  }
  const consts = tiledConstants(gpu, shape.headDim, opts);
  const shader = rowsShader(gpu, ATTENTION_BWD, shape.headDim, opts);
  const [delta, dq, dkv] = await Promise.all([
    gpu.pipelines.pipeline(shader, 'attention_delta', { WG: DELTA_WG, HD4: shape.headDim / 4 }),
    gpu.pipelines.pipeline(shader, 'attention_bwd_dq', consts),
    gpu.pipelines.pipeline(shader, 'attention_bwd_dkv', consts),
  ]);
  const blocks = Math.ceil(shape.seqLen / ROWS_PER_WORKGROUP);
  gpu.recorder.dispatch(delta, params, { 5: b.dOut, 6: b.out, 7: b.lse, 8: b.scratch }, splitWorkgroups(Math.ceil(rows / DELTA_WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension));
  gpu.recorder.dispatch(dq, params, { 1: b.q, 2: b.k, 3: b.v, 4: b.segments, 5: b.dOut, 9: b.scratch, 10: b.dq }, [blocks, shape.nHeads, shape.batch]);
  gpu.recorder.dispatch(dkv, params, { 1: b.q, 2: b.k, 3: b.v, 4: b.segments, 5: b.dOut, 9: b.scratch, 11: b.dk, 12: b.dv }, [blocks, shape.nKvHeads, shape.batch]);
}

export interface AttentionDecodeShape {
  batch: number; // B sequences, one new query token each
  maxSeqLen: number; // cache capacity per sequence
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  scale?: number;
}

export interface AttentionDecodeBuffers {
  /** [B, nHeads, headDim] */
  q: GPUBuffer;
  /** [B, maxSeqLen, nKvHeads, headDim]; positions < lengths[b] are valid (the new token included) */
  kCache: GPUBuffer;
  vCache: GPUBuffer;
  /** [B] u32 */
  lengths: GPUBuffer;
  /** written: [B, nHeads, headDim]; zeros for a sequence of length 0 */
  out: GPUBuffer;
  /** The split form's scratch of attentionDecodeScratchBytes(shape) bytes (unused by the single pass). */
  partials?: GPUBuffer;
}

/** 'single-pass': one workgroup per (head, row) walks the whole cache. 'split': one per 256-position
 * chunk, then a merge. 'thread': the single pass by one invocation, for CPU adapters (SwiftShader,
 * 8 rows, 4/2 heads, d=16, 300 positions: 3.6 → 0.47 ms); the same bits (see attention_decode.wgsl). */
export type AttentionDecodeForm = 'single-pass' | 'split' | 'thread';

export interface AttentionDecodeOptions {
  /** Default: attentionDecodeForm's rule. */
  form?: AttentionDecodeForm;
}

/** Which decode form runs for a cache of maxSeqLen positions (rule at SPLIT_DECODE_MIN_POSITIONS). */
export function attentionDecodeForm(gpu: Gpu, maxSeqLen: number, opts: AttentionDecodeOptions = {}): AttentionDecodeForm {
  if (opts.form) return opts.form;
  if (gpu.ctx.adapter.isSoftware) return 'thread';
  return maxSeqLen > SPLIT_DECODE_MIN_POSITIONS ? 'split' : 'single-pass';
}

/** Bytes of the split form's partials, sized by the cache's capacity so they are allocated once:
 * per (row, head, chunk) the chunk's max and sum of exps in one vec4, then its weighted V. */
export function attentionDecodeScratchBytes(shape: Omit<AttentionDecodeShape, 'scale'>): number {
  const chunks = Math.ceil(shape.maxSeqLen / DECODE_CHUNK);
  return shape.batch * shape.nHeads * chunks * (shape.headDim / 4 + 1) * 16;
}

/** Records one decode step: each sequence's new query against its first lengths[b] cached keys. */
export async function attentionDecode(gpu: Gpu, shape: AttentionDecodeShape, b: AttentionDecodeBuffers, opts: AttentionDecodeOptions = {}): Promise<void> {
  checkHeads(shape.nHeads, shape.nKvHeads, shape.headDim);
  const qBytes = shape.batch * shape.nHeads * shape.headDim * 4;
  const cacheBytes = shape.batch * shape.maxSeqLen * shape.nKvHeads * shape.headDim * 4;
  checkSizes('attentionDecode', { q: [b.q, qBytes], kCache: [b.kCache, cacheBytes], vCache: [b.vCache, cacheBytes], lengths: [b.lengths, shape.batch * 4], out: [b.out, qBytes] });
  const form = attentionDecodeForm(gpu, shape.maxSeqLen, opts);
  if (form !== 'split') {
    const [entry, x] = form === 'thread' ? ['attention_decode_thread', Math.ceil(shape.nHeads / THREAD_HEADS)] : ['attention_decode', shape.nHeads];
    await dispatchCacheAttention(gpu, entry, shape, 0, [x, shape.batch], { 1: b.q, 2: b.kCache, 3: b.vCache, 4: b.lengths, 5: b.out });
    return;
  }
  if (!b.partials) throw new Error(`attentionDecode: the split form needs a "partials" buffer of ${attentionDecodeScratchBytes(shape)} bytes`);
  checkSizes('attentionDecode', { partials: [b.partials, attentionDecodeScratchBytes(shape)] });
  const chunks = Math.ceil(shape.maxSeqLen / DECODE_CHUNK);
  await dispatchCacheAttention(gpu, 'attention_decode_split', shape, 0, [chunks, shape.nHeads, shape.batch], { 1: b.q, 2: b.kCache, 3: b.vCache, 4: b.lengths, 8: b.partials });
  await dispatchCacheAttention(gpu, 'attention_decode_merge', shape, 0, [shape.nHeads, shape.batch], { 4: b.lengths, 5: b.out, 8: b.partials });
}

/** A dispatch of attention_decode.wgsl's entry point `entry`. */
async function dispatchCacheAttention(gpu: Gpu, entry: string, shape: Omit<AttentionDecodeShape, 'batch'>, firstRow: number, workgroups: Workgroups, bindings: Record<number, GPUBuffer>): Promise<void> {
  const hd4 = shape.headDim / 4;
  const constants = { WG: DECODE_WG, CH: DECODE_CHUNK, HD4: hd4 };
  const pipeline = entry === 'attention_decode_thread'
    ? await gpu.pipelines.pipeline(unrollLoops(ATTENTION_DECODE, { HD4: hd4 }), entry, { ...constants, THREAD_HEADS })
    : await gpu.pipelines.pipeline(ATTENTION_DECODE, entry, constants);
  const scale = shape.scale ?? 1 / Math.sqrt(shape.headDim);
  const params = packParams([{ u32: shape.maxSeqLen }, { u32: shape.nHeads }, { u32: shape.nKvHeads }, { f32: scale }, { u32: firstRow }]);
  gpu.recorder.dispatch(pipeline, params, bindings, workgroups);
}

export interface AttentionCachedRowsShape {
  /** Query rows (tokens of a prefill chunk, of one or more sequences). */
  rows: number;
  /** Cache rows (sequences) and positions per row. */
  cacheRows: number;
  maxSeqLen: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  scale?: number;
}

export interface AttentionCachedRowsBuffers {
  /** [rows, nHeads, headDim] */
  q: GPUBuffer;
  /** [cacheRows, maxSeqLen, nKvHeads, headDim], holding each query's own key and every earlier one */
  kCache: GPUBuffer;
  vCache: GPUBuffer;
  /** [rows] u32: each query's position in its sequence */
  positions: GPUBuffer;
  /** [rows] u32: the cache row (sequence) each query reads */
  cacheRows: GPUBuffer;
  /** written: [rows, nHeads, headDim] */
  out: GPUBuffer;
}

/** Records causal attention of query rows against the cache: row r attends to positions 0..positions[r]
 * of cache row cacheRows[r]. The later chunks of a prompt longer than one prefill chunk, whose keys
 * sit partly in earlier chunks. */
export async function attentionCachedRows(gpu: Gpu, shape: AttentionCachedRowsShape, b: AttentionCachedRowsBuffers): Promise<void> {
  checkHeads(shape.nHeads, shape.nKvHeads, shape.headDim);
  const qBytes = shape.rows * shape.nHeads * shape.headDim * 4;
  const cacheBytes = shape.cacheRows * shape.maxSeqLen * shape.nKvHeads * shape.headDim * 4;
  checkSizes('attentionCachedRows', {
    q: [b.q, qBytes], kCache: [b.kCache, cacheBytes], vCache: [b.vCache, cacheBytes], positions: [b.positions, shape.rows * 4], cacheRows: [b.cacheRows, shape.rows * 4], out: [b.out, qBytes],
  });
  // A chunk may hold more rows than one dispatch has workgroups along y.
  const most = gpu.ctx.limits.maxComputeWorkgroupsPerDimension;
  for (let first = 0; first < shape.rows; first += most) {
    await dispatchCacheAttention(gpu, 'attention_cached_rows', shape, first, [shape.nHeads, Math.min(most, shape.rows - first)], { 1: b.q, 2: b.kCache, 3: b.vCache, 5: b.out, 6: b.positions, 7: b.cacheRows });
  }
}
