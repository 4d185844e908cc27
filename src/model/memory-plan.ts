// The memory plan: every byte the engine will allocate for a training setting, computed before
// anything is allocated, and a verdict against the adapter's limits with concrete suggestions.
// Pure function of (spec, settings, limits); the engine's measured allocations are checked
// against it. Never allocates, never touches the GPU.
//
// It mirrors what the engine allocates (src/model/activations.ts, lossHead.ts, deviceLora.ts,
// batchBuffers.ts), buffer by buffer; tests compare the two. Activations are f32, kept per layer
// for an llm.c-style backward (no autograd):
//   x (layer input) [T,H], rms1 out [T,H], rstd1 [T], q [T,qd], k [T,kvd], v [T,kvd] (post-RoPE),
//   Qwen3 only: q/k before their norm and the norm's rstd [T,nH+nKV]; attn out = o-proj input
//   [T,qd], attn logsumexp [T,nH], residual after attention [T,H], rms2 out [T,H], rstd2 [T],
//   gate [T,I], up [T,I], swiglu out [T,I], and per LoRA target the rank-r intermediate x·Aᵀ [T,r].
// With recompute only x is kept per layer, plus one layer's worth of the rest as scratch, refilled
// by re-running that layer's forward during backward.
import { DTYPE_BYTES } from './dtype.ts';
import { kvDim, qDim, weightManifest, type ModelSpec } from './config.ts';
import { LORA_TARGETS, loraParameterCount, type LoraTarget } from './lora.ts';
import { vocabChunkRows } from '../ops/crossEntropy.ts';
import { loraLayout } from './deviceLora.ts';
import { matmulScratchBytes, type MatmulScratchKind } from '../ops/matmulKernels.ts';
import { decodeScratchBytes, kvCacheBytes, kvCachePositionLimit, prefillChunkTokens } from './kvCache.ts';
import { hdrRetrainSeqLen, longestMinedPrompt } from './sequence-length.ts';
import { DEFAULT_DECODE, type DecodeShape } from './decoding.ts';

export interface TrainShape {
  batch: number;
  seqLen: number;
  rank: number;
  targets: LoraTarget[];
  recompute: boolean;
  /** Vocabulary columns per LM-head/cross-entropy chunk; chosen automatically when absent. */
  lmHeadChunk?: number;
  /** LoRA dropout probability (0 when absent): two [T, widest input] scratch buffers when on. */
  loraDropout?: number;
  /** Micro-batches per optimizer step (1 when absent): a smaller micro-batch is suggested with the
   * accumulation that keeps batch × gradAccum examples per step. Allocates nothing. */
  gradAccum?: number;
  /** How evaluation and HDR decode with this model (DEFAULT_DECODE when absent): their KV cache is
   * sized by it, not by the training batch. */
  decode?: DecodeShape;
  /** How HDR retrains (jobs/hdr.ts hdrRetrainConfig: the run it starts from, or the studio's base),
   * before its length is fitted to its samples: its model and step are sized by it. This shape's own
   * (training's) when absent, as the ablation's HDR arm retrains. */
  hdr?: Pick<TrainShape, 'batch' | 'seqLen' | 'rank' | 'targets' | 'recompute' | 'loraDropout'>;
}

export interface PlanLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** Total GPU memory to plan against; WebGPU does not report it, so it may be unknown. */
  memoryBytes?: number;
  /** Which matmul kernels the adapter runs, for their scratch (ops/matmulKernels matmulScratchKind);
   * 'none' (software adapters) when absent. */
  matmulScratch?: MatmulScratchKind;
}

export interface MemoryCategories {
  /** Frozen weights in file dtype, split into binding-sized parts where needed. */
  weights: number;
  loraParams: number;
  loraGrads: number;
  /** AdamW first and second moments. */
  optimizer: number;
  /** Kept for backward across all layers (see the file comment). */
  activations: number;
  /** One layer's worth of recompute buffers (0 without recompute) plus backward gradient scratch. */
  scratch: number;
  /** LM-head chunk [T, chunk], final norm out/rstd, logsumexp, per-token loss. */
  lmHead: number;
  /** Token ids, positions, labels, loss weights. */
  inputs: number;
  /** Matmul kernels' scratch on GPUs: split-K partial sums, and with tensor cores an f16 copy of the
   * widest activation operand. */
  kernelScratch: number;
  /** K and V for generation (f32): the decoding batch × (the longest prompt, at least seqLen, + the
   * new tokens);
   * not live during a training step (see generationBytes and hdrBytes). */
  kvCache: number;
}

export interface BufferSize {
  label: string;
  bytes: number;
}

export interface MemoryPlan {
  tokens: number;
  lmHeadChunk: number;
  categories: MemoryCategories;
  /** Bytes of one layer's saved activations (named entries for checking against allocations). */
  layerActivations: BufferSize[];
  /** Everything live during a training step. */
  trainingBytes: number;
  /** Everything live during evaluation's (greedy) generation. */
  generationBytes: number;
  /** Everything live while HDR samples: its model also trains between rounds, so the adapter's
   * gradients and moments and the saved activations stay beside the KV cache and the sampler. */
  hdrBytes: number;
  /** The sequence length HDR retrains at (hdrRetrainSeqLen): its model and step are sized by it. */
  hdrSeqLen: number;
  /** HDR's own verdict on the buffer limits: the buffers of its retraining at hdrSeqLen that one
   * binding cannot hold (empty when they fit, or when training's own do not: those are in
   * `problems`). Apart from `fits`, so a user who only trains is not refused for them; the HDR job
   * refuses with them before it loads or mines anything (jobs/hdr.ts fitSamplesOnGpu). */
  hdrProblems: string[];
  /** The largest of the three; what the verdict compares with memoryBytes. */
  peakBytes: number;
  largestBuffer: BufferSize;
  fits: boolean;
  /** Whether the total was compared with the GPU's memory: a browser does not say how much a GPU
   * has, so there `fits` speaks of the buffer limits only. */
  memoryChecked: boolean;
  /** Why it does not fit (empty when it fits). */
  problems: string[];
  /** Concrete changes that would fit, best first (empty when it fits). */
  suggestions: string[];
}

const F32 = 4;
/** The weights the engine uploads in row parts when one binding cannot hold them (deviceWeights.ts). */
const SPLIT_WEIGHTS = new Set(['model.embed_tokens.weight', 'lm_head.weight']);

function layerActivationBuffers(spec: ModelSpec, s: TrainShape, T: number): BufferSize[] {
  const H = spec.hiddenSize;
  const I = spec.intermediateSize;
  const out: BufferSize[] = [
    { label: 'x', bytes: T * H * F32 },
    { label: 'rms1', bytes: T * H * F32 },
    { label: 'rstd1', bytes: T * F32 },
    { label: 'q', bytes: T * qDim(spec) * F32 },
    { label: 'k', bytes: T * kvDim(spec) * F32 },
    { label: 'v', bytes: T * kvDim(spec) * F32 },
  ];
  // Qwen3 keeps the projections before q/k norm too (the norm's backward needs them); without
  // q/k norm RoPE rotates the projection in place and there is no separate copy.
  if (spec.qkNorm) {
    out.push(
      { label: 'qPreNorm', bytes: T * qDim(spec) * F32 },
      { label: 'kPreNorm', bytes: T * kvDim(spec) * F32 },
      { label: 'qkNormRstd', bytes: T * (spec.numHeads + spec.numKvHeads) * F32 },
    );
  }
  out.push(
    { label: 'attnOut', bytes: T * qDim(spec) * F32 },
    { label: 'attnLse', bytes: T * spec.numHeads * F32 },
    { label: 'residual', bytes: T * H * F32 },
    { label: 'rms2', bytes: T * H * F32 },
    { label: 'rstd2', bytes: T * F32 },
    { label: 'gate', bytes: T * I * F32 },
    { label: 'up', bytes: T * I * F32 },
    { label: 'swiglu', bytes: T * I * F32 },
  );
  for (const t of LORA_TARGETS) if (s.targets.includes(t)) out.push({ label: `lora.${t}.xA`, bytes: T * s.rank * F32 });
  return out;
}

/** Gradient scratch shared by all layers in the backward (src/model/activations.ts GradScratch). */
function gradScratchBuffers(spec: ModelSpec, s: TrainShape, T: number): BufferSize[] {
  const H = spec.hiddenSize;
  const I = spec.intermediateSize;
  const out: BufferSize[] = [
    { label: 'd residual', bytes: T * H * F32 },
    { label: 'd norm out', bytes: T * H * F32 },
    { label: 'd swiglu', bytes: T * I * F32 },
    { label: 'd gate', bytes: T * I * F32 },
    { label: 'd up', bytes: T * I * F32 },
    { label: 'd attn out', bytes: T * qDim(spec) * F32 },
    { label: 'd q', bytes: T * qDim(spec) * F32 },
    { label: 'd k', bytes: T * kvDim(spec) * F32 },
    { label: 'd v', bytes: T * kvDim(spec) * F32 },
    { label: 'd x·Aᵀ', bytes: T * s.rank * F32 },
    { label: 'attention backward scratch', bytes: T * spec.numHeads * 2 * F32 },
  ];
  if (spec.qkNorm) out.push({ label: 'd q before norm', bytes: T * qDim(spec) * F32 }, { label: 'd k before norm', bytes: T * kvDim(spec) * F32 });
  if ((s.loraDropout ?? 0) > 0 && s.targets.length > 0) {
    const widestIn = Math.max(H, I, qDim(spec));
    out.push(
      { label: 'dropped LoRA input', bytes: T * widestIn * F32 },
      { label: 'LoRA input gradient before its mask', bytes: T * widestIn * F32 },
      { label: 'dropout seed of the micro-batch', bytes: 4 },
    );
  }
  return out;
}

/** What a model that trains holds for its backward over `rows` tokens: the saved activations (per
 * layer, or only each layer's input with recompute, plus the final hidden state) and the scratch
 * (with recompute one layer's set but its input, refilled in the backward, and the gradients'). */
function keptForBackward(spec: ModelSpec, s: TrainShape, rows: number, recompute: boolean): { activations: number; scratch: number } {
  const layerBytes = sum(layerActivationBuffers(spec, s, rows));
  const inputBytes = rows * spec.hiddenSize * F32;
  const activations = recompute ? (spec.numLayers + 1) * inputBytes : spec.numLayers * layerBytes + inputBytes;
  const scratch = (recompute ? layerBytes - inputBytes : 0) + sum(gradScratchBuffers(spec, s, rows));
  return { activations, scratch };
}

/** What a training step over `T` rows adds to its model: the LM head (the final norm out and rstd,
 * the rows with a loss gathered [T, H] and their gradient, six per-token vectors (rows, targets,
 * segments, weights, nll, logsumexp), the [T, chunk] logits chunk and the running stats [T, 3]),
 * the micro-batch's token ids, positions and attention ids, and the matmul kernels' scratch. */
function stepBuffers(spec: ModelSpec, T: number, chunk: number, limits: PlanLimits): { lmHead: number; inputs: number; kernelScratch: number } {
  const H = spec.hiddenSize;
  const lmHead = T * H * F32 + T * F32 + 2 * T * H * F32 + 6 * T * F32 + T * chunk * F32 + 3 * T * F32 + 2 * 16;
  const widestK = Math.max(H, qDim(spec), spec.intermediateSize, chunk);
  return { lmHead, inputs: 3 * T * 4, kernelScratch: matmulScratchBytes(limits.matmulScratch ?? 'none', T, widestK) };
}

/** Vocabulary rows per LM-head chunk: the cross-entropy op's own rule. */
function defaultChunk(spec: ModelSpec, T: number, maxBinding: number): number {
  return vocabChunkRows(T, spec.vocabSize, maxBinding);
}

const sum = (xs: BufferSize[]) => xs.reduce((a, b) => a + b.bytes, 0);

/** The buffers a training step over `T` rows allocates per token: one layer's saved activations,
 * the backward's gradient scratch and the LM-head chunk (what grows with the sequence). */
function tokenBuffers(spec: ModelSpec, s: TrainShape, T: number, chunk: number): BufferSize[] {
  return [
    ...layerActivationBuffers(spec, s, T).map((b) => ({ label: `layer activation ${b.label}`, bytes: b.bytes })),
    ...gradScratchBuffers(spec, s, T).map((b) => ({ label: `backward scratch ${b.label}`, bytes: b.bytes })),
    { label: `LM-head chunk [${T}, ${chunk}]`, bytes: T * chunk * F32 },
  ];
}

/** Each buffer over the limit, in words. */
function overLimit(buffers: BufferSize[], limit: number): string[] {
  return buffers.filter((b) => b.bytes > limit).map((b) => `${b.label} needs ${formatBytes(b.bytes)} in one buffer, over this GPU's ${formatBytes(limit)} binding limit`);
}

export function planMemory(spec: ModelSpec, s: TrainShape, limits: PlanLimits): MemoryPlan {
  const plan = planWithoutSuggestions(spec, s, limits);
  if (!plan.fits) plan.suggestions = suggest(spec, s, limits);
  return plan;
}

function planWithoutSuggestions(spec: ModelSpec, s: TrainShape, limits: PlanLimits): MemoryPlan {
  const decode = s.decode ?? DEFAULT_DECODE;
  for (const [k, v] of Object.entries({ batch: s.batch, seqLen: s.seqLen, rank: s.rank, 'decoding batch': decode.batch })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`memory plan: ${k} must be a positive integer, got ${v}`);
  }
  const T = s.batch * s.seqLen;
  const H = spec.hiddenSize;
  const maxBinding = limits.maxStorageBufferBindingSize;
  const chunk = s.lmHeadChunk ?? defaultChunk(spec, T, maxBinding);
  const buffers: BufferSize[] = [];
  const problems: string[] = [];

  // Weights: row-split so each part fits one binding (DESIGN: anything larger is split).
  const bytesPerWeight = DTYPE_BYTES[spec.dtype];
  let weights = 0;
  for (const w of weightManifest(spec)) {
    const rowBytes = (w.shape.length > 1 ? w.shape.slice(1).reduce((a, b) => a * b, 1) : 1) * bytesPerWeight;
    const bytes = w.shape.reduce((a, b) => a * b, 1) * bytesPerWeight;
    weights += bytes;
    const rowsPerPart = Math.floor(Math.min(maxBinding, limits.maxBufferSize) / rowBytes);
    if (rowsPerPart < 1) problems.push(`one row of ${w.name} (${rowBytes} bytes) exceeds the binding limit ${maxBinding}`);
    // The engine splits only the embedding table and the LM head into row chunks; every other
    // weight must fit one binding whole (deviceWeights.ts), so it is planned whole.
    const splittable = SPLIT_WEIGHTS.has(w.name);
    buffers.push({ label: w.name, bytes: splittable ? Math.min(bytes, Math.max(1, rowsPerPart) * rowBytes) : bytes });
  }
  // Qwen2's q/k/v biases are also kept widened to f32 for the matmul's fused bias.
  if (spec.qkvBias) weights += spec.numLayers * (qDim(spec) + 2 * kvDim(spec)) * F32;

  const loraSettings = { rank: s.rank, alpha: 1, useRsLora: false, dropout: 0, targets: s.targets };
  const loraCount = loraParameterCount(spec, loraSettings);
  const loraParams = loraCount * F32;
  // The adapter's parameters, gradients and two AdamW moments are four flat buffers of the device
  // layout (64-element aligned tensors), each bound whole.
  buffers.push({ label: 'LoRA parameters (and their gradients and AdamW moments, each as large)', bytes: loraLayout(spec, loraSettings).size * F32 });

  const layer = layerActivationBuffers(spec, s, T);
  const { activations, scratch } = keptForBackward(spec, s, T, s.recompute);
  buffers.push(...tokenBuffers(spec, s, T, chunk));
  const { lmHead, inputs, kernelScratch } = stepBuffers(spec, T, chunk, limits);

  // Generation's rows: the longest prompt (at least the training length) plus the new tokens (the
  // last one is never fed back), and as many answers at once as one layer's cache binding holds, as
  // generate() takes.
  if (!Number.isInteger(decode.maxNewTokens) || decode.maxNewTokens < 1) throw new Error(`memory plan: max new tokens must be a positive integer, got ${decode.maxNewTokens}`);
  if (decode.promptTokens !== undefined && !(Number.isInteger(decode.promptTokens) && decode.promptTokens >= 0)) throw new Error(`memory plan: the longest prompt must be a whole number of tokens, got ${decode.promptTokens}`);
  const prompt = Math.max(s.seqLen, decode.promptTokens ?? 0);
  const positions = prompt + decode.maxNewTokens - 1;
  const decodeRows = Math.min(decode.batch, Math.max(1, Math.floor(kvCachePositionLimit(spec, limits, 1) / positions)));
  const kvCache = kvCacheBytes(spec, decodeRows, positions);
  buffers.push({ label: `KV cache (one layer, K) for ${decodeRows} answers of ${positions} positions`, bytes: decodeRows * positions * kvDim(spec) * F32 });

  const categories: MemoryCategories = { weights, loraParams, loraGrads: loraParams, optimizer: 2 * loraParams, activations, scratch, lmHead, inputs, kvCache, kernelScratch };
  const trainingBytes = weights + 4 * loraParams + activations + scratch + lmHead + inputs + kernelScratch;
  // Evaluation: same weights and adapter, the KV cache, the decode step's scratch (and the sampler's when it samples) and the
  // prefill's forward-only activations for the longest prompt, in chunks
  // (activations.ts: one layer's set, a ring of two layer inputs, the final norm's out and rstd, and
  // the batch inputs); no grads, moments or saved activations.
  const P = Math.min(prompt, prefillChunkTokens(spec, limits));
  const prefillBytes = sum(layerActivationBuffers(spec, s, P)) + 2 * P * H * F32 + P * F32 + 3 * P * 4;
  const generationBytes = weights + loraParams + kvCache + prefillBytes + decodeScratchBytes(spec, decodeRows, s.rank, decode.sampled ?? false, positions);
  // HDR samples with the model it retrains (jobs/hdr.ts): the trainer's loss head and batch are
  // freed between rounds, the rest of a training step stays beside the cache and the sampler. It
  // retrains (and so loads its model) at the length that holds its samples, the longest prompt plus
  // an answer of max new tokens: longer than the run's, so its model and step are larger than a
  // training step's (counted at the run's length, the plan said 'fits' for an HDR several times it).
  // The longest prompt it mines where known, as the job takes it (not the held-out side's, nor one
  // mining skips); else the data's longest, or prompts up to the run's length.
  const context = spec.maxPositionEmbeddings;
  const hdrAnswer = decode.hdrMaxNewTokens ?? decode.maxNewTokens;
  if (!Number.isInteger(hdrAnswer) || hdrAnswer < 1) throw new Error(`memory plan: HDR's max new tokens must be a positive integer, got ${hdrAnswer}`);
  const h: TrainShape = s.hdr ? { ...s, ...s.hdr } : s;
  // Prompts up to the length of the run HDR retrains with where none are known (not training's).
  const hdrPrompt = decode.minedPrompts ? longestMinedPrompt(decode.minedPrompts, hdrAnswer, context) : (decode.promptTokens ?? h.seqLen);
  const hdrSeqLen = hdrRetrainSeqLen(h.seqLen, hdrPrompt, hdrAnswer, context);
  const hdrT = h.batch * hdrSeqLen;
  const hdrKept = keptForBackward(spec, h, hdrT, h.recompute);
  const hdrLoraParams = loraParameterCount(spec, { ...loraSettings, rank: h.rank, targets: h.targets }) * F32;
  const hdrModel = weights + 4 * hdrLoraParams + hdrKept.activations + hdrKept.scratch;
  const hdrSampling = hdrModel + kvCache + decodeScratchBytes(spec, decodeRows, h.rank, true, positions);
  const hdrChunk = s.lmHeadChunk ?? defaultChunk(spec, hdrT, maxBinding);
  const hdrStep = stepBuffers(spec, hdrT, hdrChunk, limits);
  const hdrBytes = Math.max(hdrModel + hdrStep.lmHead + hdrStep.inputs + hdrStep.kernelScratch, hdrSampling);
  const peakBytes = Math.max(trainingBytes, generationBytes, hdrBytes);
  const largestBuffer = buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a));

  const bufferLimit = Math.min(maxBinding, limits.maxBufferSize);
  problems.push(...overLimit(buffers, bufferLimit));
  // HDR allocates its retraining's buffers at its own, longer length: checked at the run's only, the
  // plan said 'fits' and HDR failed on the GPU when it loaded its model. Only where training's fit
  // (those are already the verdict's), and in words that name HDR's length.
  // HDR retraining with its own run's shape (s.hdr) is judged whatever training's verdict says.
  const hdrProblems = (!s.hdr && problems.length > 0) || (h === s && hdrSeqLen === s.seqLen) ? [] : overLimit(tokenBuffers(spec, h, hdrT, hdrChunk), bufferLimit);
  if (limits.memoryBytes !== undefined && peakBytes > limits.memoryBytes) {
    // Every job that does not fit, by name: naming only the largest (HDR, which also holds the cache)
    // read as if a training step over the memory too fitted. Where training fits, say so: the user
    // who only trains can go ahead, and the remedy is the decoding, not the training settings.
    const memory = limits.memoryBytes;
    const trainingFits = trainingBytes <= memory ? ` (a training step alone fits in ${formatBytes(trainingBytes)})` : '';
    const jobs: Array<[string, number, string]> = [
      ['a training step', trainingBytes, ''],
      ['evaluation (generating answers)', generationBytes, trainingFits],
      // Its peak: sampling, or its retraining at its own length, which the plan's peak counts and
      // the verdict must too.
      [hdrSampling >= hdrBytes ? 'HDR (sampling beside the model it retrains)' : `HDR (retraining at sequence ${hdrSeqLen}, which holds its longest prompt and answer)`, hdrBytes, trainingFits],
    ];
    for (const [job, bytes, note] of jobs) {
      if (bytes > memory) problems.push(`${job} needs ${formatBytes(bytes)} in total, over the ${formatBytes(memory)} of GPU memory available${note}`);
    }
  }
  const fits = problems.length === 0;
  return {
    tokens: T,
    lmHeadChunk: chunk,
    categories,
    layerActivations: layer,
    trainingBytes,
    generationBytes,
    hdrBytes,
    hdrSeqLen,
    hdrProblems,
    peakBytes,
    largestBuffer,
    fits,
    memoryChecked: limits.memoryBytes !== undefined,
    problems,
    suggestions: [],
  };
}

/** The remedies in words, so a combination reads as the single changes do. */
const RECOMPUTE_ON = 'turn recompute on (keeps only each layer input for backward)';
const shorterSequence = (seq: number) => `shorten the sequence to ${seq} tokens`;
const smallerRank = (r: number) => `use a smaller LoRA rank (${r})`;
const fewerAnswers = (b: number) => `generate ${b} answer${b === 1 ? '' : 's'} at once in evaluation and HDR (answers at once)`;
const microBatch = (s: TrainShape, b: number) => `use micro-batch ${b} with gradient accumulation ×${(s.batch / b) * (s.gradAccum ?? 1)}`;

/** Halvings of `n` down to `min`, largest first, `n` itself included when `withSelf`. */
function halvings(n: number, min: number, withSelf: boolean): number[] {
  const out = withSelf ? [n] : [];
  for (let v = Math.floor(n / 2); v >= min; v = Math.floor(v / 2)) out.push(v);
  return out;
}

/** Micro-batches that divide the batch, largest first: only those keep batch × gradAccum examples
 * per optimizer step (5 as 2 × 3 is 6). */
function batchDivisors(batch: number, withSelf: boolean): number[] {
  const out: number[] = [];
  for (let b = withSelf ? batch : Math.floor(batch / 2); b >= 1; b--) if (batch % b === 0) out.push(b);
  return out;
}

/** Tries the usual remedies in order of how little they cost the user, keeping those that fit. */
function suggest(spec: ModelSpec, s: TrainShape, limits: PlanLimits): string[] {
  const out: string[] = [];
  const fitsWith = (change: Partial<TrainShape>) => planWithoutSuggestions(spec, { ...s, ...change, lmHeadChunk: undefined }, limits).fits;
  if (!s.recompute && fitsWith({ recompute: true })) out.push(RECOMPUTE_ON);
  for (const seq of halvings(s.seqLen, 64, false)) {
    if (fitsWith({ seqLen: seq })) {
      out.push(shorterSequence(seq));
      break;
    }
    if (!s.recompute && fitsWith({ seqLen: seq, recompute: true })) {
      out.push(`${shorterSequence(seq)} with recompute on`);
      break;
    }
  }
  const b = batchDivisors(s.batch, false).find((b) => fitsWith({ batch: b }));
  if (b !== undefined) out.push(microBatch(s, b));
  const r = halvings(s.rank, 1, false).find((r) => fitsWith({ rank: r }));
  if (r !== undefined) out.push(smallerRank(r));
  // The generation cache grows with the answers decoded at once, which no training setting changes.
  const decode = s.decode ?? DEFAULT_DECODE;
  const answers = halvings(decode.batch, 1, false).find((b) => fitsWith({ decode: { ...decode, batch: b } }));
  if (answers !== undefined) out.push(fewerAnswers(answers));
  if (out.length === 0) {
    const together = combinedRemedy(s, fitsWith);
    if (together) out.push(together);
  }
  if (out.length === 0) {
    // A weight over the binding limit is the model's, whatever the settings: say that, not "smaller settings".
    const whole = weightManifest(spec).find((w) => !SPLIT_WEIGHTS.has(w.name) && w.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[spec.dtype] > Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize));
    out.push(
      whole
        ? `this GPU binds at most ${formatBytes(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize))} per buffer, less than the model's ${whole.name} alone: use a GPU (or browser) that offers a larger maxStorageBufferBindingSize, or a smaller model`
        : 'choose a smaller model: even recompute, sequence 64, batch 1 and rank 1 do not fit',
    );
  }
  return out;
}

/** When no single change fits (the adapter's flat buffer and an activation both over the binding
 * limit, say), the mildest changes that fit together: the largest rank, then the longest sequence,
 * then the largest micro-batch, recompute only where needed. Null when even the smallest do not fit. */
function combinedRemedy(s: TrainShape, fitsWith: (change: Partial<TrainShape>) => boolean): string | null {
  for (const rank of halvings(s.rank, 1, true)) {
    for (const seqLen of halvings(s.seqLen, 64, true)) {
      for (const batch of batchDivisors(s.batch, true)) {
        for (const recompute of s.recompute ? [true] : [false, true]) {
          if (!fitsWith({ rank, seqLen, batch, recompute })) continue;
          const parts = [recompute !== s.recompute ? RECOMPUTE_ON : '', seqLen !== s.seqLen ? shorterSequence(seqLen) : '', batch !== s.batch ? microBatch(s, batch) : '', rank !== s.rank ? smallerRank(rank) : ''].filter(Boolean);
          return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}, together (no one of them fits alone)`;
        }
      }
    }
  }
  return null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}
