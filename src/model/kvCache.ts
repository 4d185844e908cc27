// The KV cache and the GPU side of generation: per-layer caches [B, maxSeq, nKv, headDim] f32
// (K after q/k norm and RoPE, V as projected), a prompt prefill through the training
// transformer's own layerForward, and a one-token-per-sequence decode step built from the same
// ops (llm.c style, one layer read top to bottom). Only records GPU work and submits once per
// call; the single readback is either the B chosen token ids (argmax or temperature/top-p sampling
// on the GPU) or, for a caller that wants them, the [B, V] logits of a decode step. Every step of a
// generation records the same dispatches on the same buffers (what changes per token, the ids and
// cache lengths, is written into buffers first), so after the first steps a step replays its captured
// program instead of recording again (gpu/recorder.ts): the CPU cost of a token drops ~10×.
// Never touches LoRA gradients or optimizer state; the prefill overwrites m.acts (activations are
// scratch between training steps, never state).
//
// Decode layer, for the B new tokens x [B, H] at positions pos_b:
//   h1 = rms(x)·w_in;  q,k,v = h1·Wᵀ (+b) + s·(h1·Aᵀ)·Bᵀ;  [Qwen3: q,k = rms_head(q,k)];  q,k = rope(q,k)
//   cache[b, pos_b] = k_b, v_b;  att_b = softmax(q_b·cache_k[b, ≤pos_b]ᵀ/√d)·cache_v[b, ≤pos_b]
//   x_mid = x + att·W_oᵀ;  x = x_mid + (silu(rms(x_mid)·W_gᵀ)·(rms(x_mid)·W_uᵀ))·W_dᵀ
import { compileAhead, createReadback, createStorageBuffer, readF32, uploadBuffer, writeBuffer, type Gpu, type RecordedProgram } from '../gpu/index.ts';
import { matmul, seenMatmulClasses } from '../ops/matmul.ts';
import { tuneMatmuls } from '../ops/matmulTune.ts';
import { seenLoraDecodeClasses } from '../ops/loraDecode.ts';
import { tuneLoraDecodes } from '../ops/loraDecodeTune.ts';
import { rmsNormForward } from '../ops/rmsNorm.ts';
import { ropeAppend } from '../ops/rope.ts';
import { attentionCachedRows, attentionDecode, attentionDecodeForm, attentionDecodeScratchBytes, type AttentionDecodeForm } from '../ops/attention.ts';
import { embeddingForward } from '../ops/embedding.ts';
import { argmaxCompactRows, argmaxRows, scatterColumns } from '../ops/decode.ts';
import { exp2Table, sampleRows, type SamplingParams } from '../ops/sampling.ts';
import { kvDim, qDim, type ModelSpec } from './config.ts';
import { createBatchSlots, writeBatch, type BatchSlots } from './batchBuffers.ts';
import { layerForward, layerForwardPass, type LayerBuffers, type ModelState } from './transformer.ts';

export interface KvCache {
  /** Sequences (batch rows). */
  B: number;
  /** Positions per sequence. */
  maxSeq: number;
  /** Per layer [B, maxSeq, nKv, headDim] f32. */
  k: GPUBuffer[];
  v: GPUBuffer[];
  bytes: number;
}

/** Scratch for one decode step of B tokens (one per sequence); all f32 unless noted. */
interface DecodeBuffers {
  ids: GPUBuffer; // [B] u32
  lengths: GPUBuffer; // [B] u32: valid cache entries after this step's write (0 = inactive row)
  x: GPUBuffer; // [B, H] residual stream
  h: GPUBuffer; // [B, H] norm out (h1, h2 and the final norm in turn)
  rstd: GPUBuffer; // [B]
  qPre: GPUBuffer; // [B, qd]
  kPre: GPUBuffer; // [B, kvd]
  q: GPUBuffer; // [B, qd]
  k: GPUBuffer; // [B, kvd]
  v: GPUBuffer; // [B, kvd]
  headRstd: GPUBuffer; // [B·nHeads]
  att: GPUBuffer; // [B, qd]
  gate: GPUBuffer; // [B, I]
  up: GPUBuffer; // [B, I]
  act: GPUBuffer; // [B, I]
  loraU: GPUBuffer; // [B, r] x·Aᵀ, reused by every target in turn
  logits: GPUBuffer; // [B, V]; columns of the LM head's zero rows are never written: they stay 0
  /** [B, rows] the logits of the model's compact LM head (compactHead.ts), when it has one. */
  compactLogits: GPUBuffer | null;
  chosen: GPUBuffer; // [B] u32 chosen ids
  /** The split decode attention's per-chunk partials, sized once for the cache's capacity (null
   * where the single pass runs). */
  attentionPartials: GPUBuffer | null;
  /** Made on the first sampled step (greedy generation never needs them). */
  sampler: { draws: GPUBuffer; table: GPUBuffer; weights: GPUBuffer } | null;
}

export interface Generator {
  m: ModelState;
  cache: KvCache;
  buffers: DecodeBuffers;
  /** How each layer's decode attention walks the cache (chosen once, by the cache's capacity). */
  attention: AttentionDecodeForm;
  /** Captured decode steps by what they compute (programKey). */
  programs: Map<string, RecordedProgram>;
  destroy(): void;
}

/** GPU bytes of the KV cache for B sequences of maxSeq positions (K and V, every layer, f32), so
 * callers can pick a batch size before allocating: 2·layers·B·maxSeq·nKv·headDim·4. */
export function kvCacheBytes(spec: ModelSpec, B: number, maxSeq: number): number {
  return 2 * spec.numLayers * B * maxSeq * kvDim(spec) * 4;
}

/** GPU bytes of a decode step's scratch for B sequences of maxSeq positions (DecodeBuffers, made by
 * createGenerator), with the sampler's buffers when tokens are drawn (temperature > 0) rather than
 * taken greedily: the [B, V] logits, and for sampling their [B, V] weights, dominate. The split
 * attention's partials are counted whatever the adapter runs (the plan does not know it; they are
 * about H/(512·layers·nKv) of the cache: 0.06% on Qwen2.5-0.5B). */
export function decodeScratchBytes(spec: ModelSpec, B: number, rank: number, sampled: boolean, maxSeq: number): number {
  const qd = qDim(spec);
  const kvd = kvDim(spec);
  // ids, lengths, rstd, chosen [B]; x, h [B, H]; qPre, att [B, qd]; kPre, v [B, kvd]; head rstd; gate, up, act; LoRA u; logits.
  let floats = 4 * B + 2 * B * spec.hiddenSize + 2 * B * qd + 2 * B * kvd + B * spec.numHeads + 3 * B * spec.intermediateSize + B * rank + B * spec.vocabSize;
  // With q/k norm, q and k after the norm are their own buffers (without it RoPE rotates qPre/kPre in place).
  if (spec.qkNorm) floats += B * qd + B * kvd;
  // The sampler: one draw per row, the exp2 table, the [B, V] weights (samplerBuffers).
  if (sampled) floats += B + exp2Table().length + B * spec.vocabSize;
  return floats * 4 + attentionDecodeScratchBytes(decodeAttentionShape(spec, B, maxSeq));
}

/** Positions each of B rows can hold on a GPU with these limits: one layer's K (or V) for all rows
 * is one buffer and one binding, B·positions·kvDim·4 bytes. */
export function kvCachePositionLimit(spec: ModelSpec, limits: { maxStorageBufferBindingSize: number; maxBufferSize: number }, B: number): number {
  return Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / (B * kvDim(spec) * 4));
}

export interface GeneratorOptions {
  /** The decode attention's form; default: attentionDecodeForm's rule for this adapter and maxSeq. */
  attention?: AttentionDecodeForm;
}

/** The decode attention's shape for B rows of maxSeq positions. */
function decodeAttentionShape(spec: ModelSpec, B: number, maxSeq: number) {
  return { batch: B, maxSeqLen: maxSeq, nHeads: spec.numHeads, nKvHeads: spec.numKvHeads, headDim: spec.headDim };
}

/** Allocates the cache for B sequences of up to maxSeq positions, and the decode scratch. */
export function createGenerator(m: ModelState, B: number, maxSeq: number, opts: GeneratorOptions = {}): Generator {
  const { gpu, spec } = m;
  // Generation never drops LoRA inputs; a training step leaves its micro-batch's dropout set.
  m.dropout = null;
  if (!(B >= 1 && maxSeq >= 1)) throw new RangeError(`generation needs at least one sequence and one position (B ${B}, maxSeq ${maxSeq})`);
  const H = spec.hiddenSize;
  const qd = qDim(spec);
  const kvd = kvDim(spec);
  const I = spec.intermediateSize;
  const owned: GPUBuffer[] = [];
  const f32 = (elements: number, label: string) => {
    const b = createStorageBuffer(gpu.ctx, Math.max(1, elements) * 4, label);
    owned.push(b);
    return b;
  };
  const cacheElems = B * maxSeq * kvd;
  if (maxSeq > kvCachePositionLimit(spec, gpu.ctx.limits, B)) {
    const limit = Math.min(gpu.ctx.limits.maxStorageBufferBindingSize, gpu.ctx.limits.maxBufferSize);
    throw new RangeError(`KV cache of one layer needs ${B}×${maxSeq}×${kvd}×4 = ${cacheElems * 4} bytes, over this GPU's buffer limit of ${limit}; generate fewer sequences at once or fewer tokens`);
  }
  const cache: KvCache = { B, maxSeq, k: [], v: [], bytes: 0 };
  try {
    for (let l = 0; l < spec.numLayers; l++) {
      cache.k.push(f32(cacheElems, `kv.${l}.k`));
      cache.v.push(f32(cacheElems, `kv.${l}.v`));
    }
    cache.bytes = kvCacheBytes(spec, B, maxSeq);
    const buffers: DecodeBuffers = {
      ids: f32(B, 'decode.ids'),
      lengths: f32(B, 'decode.lengths'),
      x: f32(B * H, 'decode.x'),
      h: f32(B * H, 'decode.h'),
      rstd: f32(B, 'decode.rstd'),
      qPre: f32(B * qd, 'decode.qPre'),
      kPre: f32(B * kvd, 'decode.kPre'),
      q: null as unknown as GPUBuffer,
      k: null as unknown as GPUBuffer,
      v: f32(B * kvd, 'decode.v'),
      headRstd: f32(B * spec.numHeads, 'decode.headRstd'),
      att: f32(B * qd, 'decode.att'),
      gate: f32(B * I, 'decode.gate'),
      up: f32(B * I, 'decode.up'),
      act: f32(B * I, 'decode.act'),
      loraU: f32(B * (m.lora?.settings.rank ?? 1), 'decode.loraU'),
      logits: f32(B * spec.vocabSize, 'decode.logits'),
      compactLogits: m.weights.compactHead ? f32(B * m.weights.compactHead.rows, 'decode.compactLogits') : null,
      chosen: f32(B, 'decode.chosen'),
      attentionPartials: null,
      sampler: null,
    };
    const attention = attentionDecodeForm(gpu, maxSeq, { form: opts.attention });
    if (attention === 'split') buffers.attentionPartials = f32(attentionDecodeScratchBytes(decodeAttentionShape(spec, B, maxSeq)) / 4, 'decode.attentionPartials');
    // As in activations.ts: without q/k norm RoPE rotates the projection output in place.
    buffers.q = spec.qkNorm ? f32(B * qd, 'decode.q') : buffers.qPre;
    buffers.k = spec.qkNorm ? f32(B * kvd, 'decode.k') : buffers.kPre;
    const programs = new Map<string, RecordedProgram>();
    return {
      m,
      cache,
      buffers,
      attention,
      programs,
      destroy: () => {
        programs.forEach((p) => p.release());
        programs.clear();
        [...owned, ...Object.values(buffers.sampler ?? {})].forEach((b) => b.destroy());
      },
    };
  } catch (err) {
    owned.forEach((b) => b.destroy());
    throw err;
  }
}

/** Prompt rows a generation's prefill chunk holds at most (its activations are sized to the longest
 * prompt up to this): longer prompts go in several chunks, so larger chunks would only cost memory. */
export const PREFILL_CHUNK_TOKENS = 4096;

/** Prompt rows one prefill chunk can hold on a GPU with these limits: PREFILL_CHUNK_TOKENS, or fewer
 * where a chunk's widest activation, [rows, intermediate] f32, would pass one storage binding (at
 * WebGPU's default 128 MiB, Qwen2.5-1.5B's [4,096, 8,960] is 146.8 MB; 3,744 rows fit). */
export function prefillChunkTokens(spec: ModelSpec, limits: { maxStorageBufferBindingSize: number; maxBufferSize: number }): number {
  const widest = Math.max(spec.hiddenSize, qDim(spec), kvDim(spec), spec.intermediateSize, 2 * spec.numHeads);
  const rows = Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / (widest * 4));
  return Math.max(1, Math.min(PREFILL_CHUNK_TOKENS, rows));
}

/** A run of prompt tokens to put into sequence `seq`'s cache at positions 0..ids.length. */
export interface PrefillItem {
  seq: number;
  ids: ArrayLike<number>;
}

/** Part of a prompt: its tokens at positions start..start+ids.length of sequence `seq`, and of
 * `copies`, sequences with the same prompt whose cache rows get the same K and V. */
interface PrefillPiece extends PrefillItem {
  start: number;
  copies: number[];
}

/**
 * Runs the prompts through the training layers and leaves each layer's post-RoPE K and V rows in
 * the cache, in chunks of at most m.acts.maxTokens tokens. A prompt's first chunk-sized piece goes
 * in a packed row with other prompts' (equal attention ids = one sequence, positions from 0), its
 * K and V copied into the cache layer by layer; a longer prompt's later pieces go after it, their K
 * and V appended to the cache before attention, each query attending to the cache up to its own
 * position. A prompt given for several sequences (HDR's k samples of one case) goes through the
 * layers once, its K and V copied into each of their rows. Produces no logits: the last prompt token
 * goes through decode.
 */
export async function prefill(g: Generator, items: PrefillItem[]): Promise<void> {
  const { m, cache } = g;
  const cap = m.acts.maxTokens;
  const firstOf = new Map<string, { seq: number; ids: ArrayLike<number>; copies: number[] }>();
  for (const it of items) {
    if (it.ids.length > cache.maxSeq) throw new RangeError(`prefill of ${it.ids.length} tokens exceeds the cache's ${cache.maxSeq} positions`);
    if (it.ids.length === 0) continue;
    const key = Array.prototype.join.call(it.ids, ',');
    const first = firstOf.get(key);
    if (first) first.copies.push(it.seq);
    else firstOf.set(key, { seq: it.seq, ids: it.ids, copies: [] });
  }
  // rounds[j]: every prompt's j-th piece; a piece needs the pieces before it in the cache.
  const rounds: PrefillPiece[][] = [];
  for (const { seq, ids, copies } of firstOf.values()) {
    for (let start = 0, j = 0; start < ids.length; start += cap, j++) {
      (rounds[j] ??= []).push({ seq, copies, start, ids: Array.prototype.slice.call(ids, start, start + cap) as number[] });
    }
  }
  if (rounds.length === 0) return;
  const slots = createBatchSlots(m.gpu, cap);
  const cacheRows = rounds.length > 1 ? createStorageBuffer(m.gpu.ctx, cap * 4, 'prefill.cacheRows') : null;
  try {
    for (const [j, round] of rounds.entries()) {
      for (const chunk of packChunks(round, cap)) await prefillChunk(g, slots, chunk, j === 0 ? null : cacheRows);
    }
  } finally {
    // Destroying after submit is safe: WebGPU keeps buffers alive for work already submitted.
    slots.destroy();
    cacheRows?.destroy();
  }
}

/** Pieces in order, as many to a chunk as `cap` tokens hold. */
function packChunks(pieces: PrefillPiece[], cap: number): PrefillPiece[][] {
  const chunks: PrefillPiece[][] = [];
  let used = cap;
  for (const p of pieces) {
    if (used + p.ids.length > cap) {
      chunks.push([]);
      used = 0;
    }
    chunks[chunks.length - 1].push(p);
    used += p.ids.length;
  }
  return chunks;
}

/** One chunk through every layer. First pieces (cacheRows null) attend among themselves; later
 * pieces attend to the cache, which then already holds their own keys. */
async function prefillChunk(g: Generator, slots: BatchSlots, chunk: PrefillPiece[], cacheRows: GPUBuffer | null): Promise<void> {
  const { m, cache } = g;
  const { gpu, spec } = m;
  const kvBytes = kvDim(spec) * 4;
  const T = chunk.reduce((n, p) => n + p.ids.length, 0);
  const inputIds = new Uint32Array(T);
  const positions = new Uint32Array(T);
  const attnSegments = new Uint32Array(T);
  const rows = new Uint32Array(T);
  let off = 0;
  chunk.forEach((p) => {
    for (let t = 0; t < p.ids.length; t++) {
      inputIds[off + t] = p.ids[t];
      positions[off + t] = p.start + t;
      attnSegments[off + t] = off + 1;
      rows[off + t] = p.seq;
    }
    off += p.ids.length;
  });
  writeBatch(gpu, slots, { B: 1, T, inputIds, positions, attnSegments });
  if (cacheRows) writeBuffer(gpu.ctx, cacheRows, rows);
  /** Each piece's K and V rows of layer l, from the layer's buffers into the cache at its positions
   * (its own sequence's rows and those of the sequences with the same prompt). */
  const toCache = (l: number, a: { k: GPUBuffer; v: GPUBuffer }) => {
    let row = 0;
    for (const p of chunk) {
      for (const seq of [p.seq, ...p.copies]) {
        const dst = (seq * cache.maxSeq + p.start) * kvBytes;
        gpu.recorder.copy(a.k, row * kvBytes, cache.k[l], dst, p.ids.length * kvBytes);
        gpu.recorder.copy(a.v, row * kvBytes, cache.v[l], dst, p.ids.length * kvBytes);
      }
      row += p.ids.length;
    }
  };
  await embeddingForward(gpu, { ids: slots.inputIds, table: m.weights.embed, tableDtype: m.weights.dtype, out: m.acts.layerInputs[0], tokens: T, C: spec.hiddenSize, vocab: spec.vocabSize });
  for (let l = 0; l < spec.numLayers; l++) {
    if (!cacheRows) {
      await layerForward(m, l, slots);
      // With recompute every layer shares acts.layers[0]; copies are ordered before the next layer overwrites it.
      toCache(l, m.acts.recompute ? m.acts.layers[0] : m.acts.layers[l]);
      continue;
    }
    await layerForward(m, l, slots, async (a) => {
      toCache(l, a);
      await attentionCachedRows(
        gpu,
        { rows: T, cacheRows: cache.B, maxSeqLen: cache.maxSeq, nHeads: spec.numHeads, nKvHeads: spec.numKvHeads, headDim: spec.headDim },
        { q: a.q, kCache: cache.k[l], vCache: cache.v[l], positions: slots.positions, cacheRows, out: a.att },
      );
    });
  }
  gpu.recorder.submit();
}

/**
 * On a GPU, before a generation's first prefill: compiles every pipeline the prefill of `items` and
 * a decode step with this `output` use, concurrently, and tunes the products they meet that this
 * adapter has no choice for yet (ops/matmulTune.ts; cached per adapter, so only a first generation
 * of a shape pays), and the adapter's fused LoRA shares alike (ops/loraDecodeTune.ts), so decode rows
 * run the kernels measured fastest rather than a rule of thumb.
 * The timed products overwrite prefill and decode scratch, which holds nothing yet. Software
 * adapters are never tuned: there it does nothing.
 */
export async function prepareGenerator(g: Generator, items: PrefillItem[], step: Pick<DecodeStepInput, 'output' | 'sample'>): Promise<void> {
  const { gpu } = g.m;
  if (gpu.ctx.adapter.isSoftware) return;
  // Only this generation's products: classes left from other work may name buffers since freed.
  seenMatmulClasses(gpu).clear();
  seenLoraDecodeClasses(gpu).clear();
  const B = g.cache.B;
  const input: DecodeStepInput = { ids: new Array(B).fill(0), positions: new Array(B).fill(0), active: new Array(B).fill(true), ...step };
  await compileAhead(gpu, async () => {
    await prefill(g, items);
    await recordDecodeStep(g, input);
  });
  await tuneMatmuls(gpu);
  await tuneLoraDecodes(gpu);
}

/** One decode step's inputs, per sequence (row) b of the generator. */
export interface DecodeStepInput {
  /** Token fed at this step (ignored for inactive rows). */
  ids: ArrayLike<number>;
  /** Its position = the number of tokens already in that row's cache. */
  positions: ArrayLike<number>;
  /** Rows that take part; inactive rows write nothing to the cache. */
  active: ArrayLike<boolean>;
  /** What to read back: the [B, V] logits of the fed tokens, or only each row's next token chosen
   * on the GPU (B ids instead of B·V floats): its argmax ('greedy') or a draw ('sample', with `sample`). */
  output: 'logits' | 'greedy' | 'sample';
  /** For 'sample': the kernel's parameters and one uniform draw per row (drawToF32; any value for
   * rows that do not sample). */
  sample?: { params: SamplingParams; draws: Float32Array };
  /** Feed each row the token the previous step chose on the GPU ('greedy' or 'sample'), not `ids`:
   * the step can be submitted before that choice has been read back. */
  idsFromChosen?: boolean;
}

export type DecodeStepOutput = { logits: Float32Array } | { chosen: Uint32Array };

/** The decode step's scratch seen as one layer's buffers: every norm output in `h`, one rstd, one
 * head-norm rstd, one LoRA u buffer shared by every target in turn, and the residual stream `x` as
 * its own x_mid (the layer then adds to it in place). */
function decodeLayerBuffers(g: Generator): LayerBuffers {
  const d = g.buffers;
  const loraU: LayerBuffers['loraU'] = {};
  for (const t of g.m.lora?.settings.targets ?? []) loraU[t] = d.loraU;
  return {
    h1: d.h, rstd1: d.rstd, qPre: d.qPre, kPre: d.kPre, q: d.q, k: d.k, v: d.v, qRstd: d.headRstd, kRstd: d.headRstd,
    att: d.att, xMid: d.x, h2: d.h, rstd2: d.rstd, gate: d.gate, up: d.up, act: d.act, loraU,
  };
}

/** One layer for the B new tokens: the training layer's own code, with the cache's attention. */
async function decodeLayer(g: Generator, l: number, buf: LayerBuffers): Promise<void> {
  const { m, cache, buffers: d } = g;
  const { gpu, spec } = m;
  const B = cache.B;
  await layerForwardPass(m, l, {
    rows: B,
    x: d.x,
    out: d.x,
    buf,
    fuseLora: true,
    async attend() {
      // q and k rotated at each row's position and every active row's K, V in its cache: one dispatch.
      await ropeAppend(gpu, {
        invFreq: m.invFreq, lengths: d.lengths, q: d.q, k: d.k, v: d.v, kCache: cache.k[l], vCache: cache.v[l],
        B, maxT: cache.maxSeq, qHeads: spec.numHeads, kvHeads: spec.numKvHeads, headDim: spec.headDim,
      });
      await attentionDecode(gpu, decodeAttentionShape(spec, B, cache.maxSeq), { q: d.q, kCache: cache.k[l], vCache: cache.v[l], lengths: d.lengths, out: d.att, partials: d.attentionPartials ?? undefined }, { form: g.attention });
    },
  });
}

/** A decode step submitted to the GPU whose readback may still be in flight. */
export interface SubmittedDecodeStep {
  output: Promise<DecodeStepOutput>;
}

/**
 * Feeds one token per active row and appends its K/V to the row's cache; reads back the next-token
 * logits [B, V] or the ids [B] chosen on the GPU (rows of inactive sequences are meaningless). One
 * submit, one readback. Returns once submitted, without waiting for the readback, so the caller
 * can submit the next step (fed with `idsFromChosen`) while this one runs and its ids come back:
 * the CPU's encoding of token N+1 overlaps the GPU's work on token N and the copy back.
 * Steps run in submission order; each reads back into its own staging buffer.
 */
export async function submitDecodeStep(g: Generator, input: DecodeStepInput): Promise<SubmittedDecodeStep> {
  // Resolves once the step is submitted (recording awaits pipeline compilation on first use): only
  // then may the next step be recorded into the shared recorder. The output sits in an object, as a
  // promise resolved with a promise would wait for it.
  const { m, cache, buffers: d } = g;
  const { gpu, spec } = m;
  const B = cache.B;
  const V = spec.vocabSize;
  const ids = new Uint32Array(B);
  const lengths = new Uint32Array(B);
  for (let b = 0; b < B; b++) {
    if (!input.active[b]) continue; // id 0, position 0, length 0: attention writes zeros for the row
    const pos = input.positions[b];
    if (pos >= cache.maxSeq) throw new RangeError(`sequence ${b}: position ${pos} is past the KV cache's ${cache.maxSeq} positions`);
    ids[b] = input.ids[b];
    lengths[b] = pos + 1;
  }
  if (!input.idsFromChosen) writeBuffer(gpu.ctx, d.ids, ids);
  writeBuffer(gpu.ctx, d.lengths, lengths);
  if (input.output === 'sample') {
    if (!input.sample || input.sample.draws.length !== B) throw new Error(`submitDecodeStep: 'sample' needs sampling parameters and ${B} draws`);
    writeBuffer(gpu.ctx, samplerBuffers(g).draws, input.sample.draws);
  }
  const key = programKey(input);
  const program = g.programs.get(key);
  // One command buffer a token: with the next step submitted before this one's ids are read back,
  // the GPU always has work queued, so splitting a long step gains nothing.
  gpu.recorder.splitLongRecordings = false;
  try {
    if (!program || !gpu.recorder.replay(program)) {
      program?.release();
      g.programs.delete(key);
      const captured = await gpu.recorder.capture(() => recordDecodeStep(g, input));
      if (captured) g.programs.set(key, captured);
    }
  } finally {
    gpu.recorder.splitLongRecordings = true;
  }
  if (input.output === 'logits') {
    gpu.recorder.submit();
    return { output: readF32(gpu.ctx, d.logits, B * V).then((logits) => ({ logits })) };
  }
  // The chosen ids go to a staging buffer in the same submit: the next step may overwrite d.chosen
  // before this readback is mapped.
  const readback = createReadback(gpu.ctx, B * 4, 'decode.chosen');
  gpu.recorder.copy(d.chosen, 0, readback.buffer, 0, B * 4);
  gpu.recorder.submit();
  const chosen = readback.read().then((bytes) => ({ chosen: new Uint32Array(bytes) }));
  // Awaited by the caller, maybe after it has submitted more: not an unhandled rejection meanwhile.
  chosen.catch(() => undefined);
  return { output: chosen };
}

/** What a decode step records depends on these and nothing else (ids, positions and draws are
 * buffer contents): equal keys, equal programs. */
function programKey(input: DecodeStepInput): string {
  const sample = input.output === 'sample' ? JSON.stringify(input.sample!.params) : '';
  return `${input.output}|${input.idsFromChosen ? 'chosen' : 'ids'}|${sample}`;
}

/** The GPU work of one decode step, up to the chosen ids (or logits): recorded, not submitted. */
async function recordDecodeStep(g: Generator, input: DecodeStepInput): Promise<void> {
  const { m, cache, buffers: d } = g;
  const { gpu, spec } = m;
  const B = cache.B;
  const V = spec.vocabSize;
  if (input.idsFromChosen) gpu.recorder.copy(d.chosen, 0, d.ids, 0, B * 4);
  await embeddingForward(gpu, { ids: d.ids, table: m.weights.embed, tableDtype: m.weights.dtype, out: d.x, tokens: B, C: spec.hiddenSize, vocab: V });
  const buf = decodeLayerBuffers(g);
  for (let l = 0; l < spec.numLayers; l++) await decodeLayer(g, l, buf);
  await rmsNormForward(gpu, { x: d.x, weight: m.weights.finalNorm, weightDtype: m.weights.dtype, y: d.h, rstd: d.rstd, rows: B, C: spec.hiddenSize, eps: spec.rmsNormEps });
  const compact = m.weights.compactHead;
  if (compact) {
    // Only the head's rows that are not all zero: the others' columns hold the 0 they would give.
    await matmul(gpu, { a: d.h, b: compact.buffer, c: d.compactLogits!, M: B, N: compact.rows, K: spec.hiddenSize, transB: true, bDtype: 'f32' });
    if (input.output === 'greedy') {
      // The greedy token needs no whole row: the kept logits and the first zero row decide it.
      await argmaxCompactRows(gpu, { compact: d.compactLogits!, columns: compact.columns, chosen: d.chosen, rows: B, C: compact.rows, firstZero: compact.firstZeroRow });
      return;
    }
    await scatterColumns(gpu, { compact: d.compactLogits!, columns: compact.columns, out: d.logits, rows: B, C: compact.rows, V });
  } else {
    // The LM head may be split by rows (vocabulary chunks past the binding limit): each chunk
    // writes its columns of the [B, V] logits.
    for (const chunk of m.weights.lmHead) {
      await matmul(gpu, { a: d.h, b: chunk.buffer, c: d.logits, M: B, N: chunk.rows, K: spec.hiddenSize, transB: true, bDtype: m.weights.dtype, offsetC: chunk.firstRow, rowStrideC: V });
    }
  }
  if (input.output === 'greedy') {
    await argmaxRows(gpu, { logits: d.logits, chosen: d.chosen, rows: B, V });
  } else if (input.output === 'sample') {
    const s = samplerBuffers(g);
    await sampleRows(gpu, { logits: d.logits, draws: s.draws, table: s.table, weights: s.weights, chosen: d.chosen, rows: B, V, params: input.sample!.params });
  }
}

function samplerBuffers(g: Generator): NonNullable<DecodeBuffers['sampler']> {
  const d = g.buffers;
  if (!d.sampler) {
    const { ctx } = g.m.gpu;
    d.sampler = {
      draws: createStorageBuffer(ctx, g.cache.B * 4, 'decode.draws'),
      table: uploadBuffer(ctx, exp2Table(), 'decode.exp2Table'),
      weights: createStorageBuffer(ctx, g.cache.B * g.m.spec.vocabSize * 4, 'decode.weights'),
    };
  }
  return d.sampler;
}
