// The memory plan: every byte the engine will allocate for a training setting, computed before
// anything is allocated, and a verdict against the adapter's limits with concrete suggestions.
// Pure function of (spec, settings, limits); the engine's measured allocations are checked
// against it. Never allocates, never touches the GPU.
//
// Activations are f32 and kept per layer for an llm.c-style backward (no autograd):
//   x (layer input) [T,H], rms1 out [T,H], rstd1 [T], q [T,qd], k [T,kvd], v [T,kvd] (post-RoPE),
//   q/k-norm rstd [T,nH+nKV] (Qwen3 only), attn out = o-proj input [T,qd], attn logsumexp [T,nH],
//   residual after attention [T,H], rms2 out [T,H], rstd2 [T], gate [T,I], up [T,I], swiglu out [T,I],
//   and per LoRA target the rank-r intermediate x·Aᵀ [T,r].
// With recompute only x is kept per layer, plus one layer's worth of the rest as scratch, refilled
// by re-running that layer's forward during backward.
import { DTYPE_BYTES } from './dtype.ts';
import { kvDim, qDim, weightManifest, type ModelSpec } from './config.ts';
import { LORA_TARGETS, loraParameterCount, type LoraTarget } from './lora.ts';

export interface TrainShape {
  batch: number;
  seqLen: number;
  rank: number;
  targets: LoraTarget[];
  recompute: boolean;
  /** Vocabulary columns per LM-head/cross-entropy chunk; chosen automatically when absent. */
  lmHeadChunk?: number;
}

export interface PlanLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** Total GPU memory to plan against; WebGPU does not report it, so it may be unknown. */
  memoryBytes?: number;
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
  /** K and V for generation at batch × seqLen (f32); not live during training (see generationBytes). */
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
  /** Everything live during generation (evaluation, HDR sampling). */
  generationBytes: number;
  /** The larger of the two; what the verdict compares with memoryBytes. */
  peakBytes: number;
  largestBuffer: BufferSize;
  fits: boolean;
  /** Why it does not fit (empty when it fits). */
  problems: string[];
  /** Concrete changes that would fit, best first (empty when it fits). */
  suggestions: string[];
}

const F32 = 4;

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
  if (spec.qkNorm) out.push({ label: 'qkNormRstd', bytes: T * (spec.numHeads + spec.numKvHeads) * F32 });
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

function defaultChunk(spec: ModelSpec, T: number, maxBinding: number): number {
  // Wide chunks mean fewer passes over the LM head; 8192 columns keep [T, chunk] modest.
  let chunk = Math.min(spec.vocabSize, 8192);
  while (chunk > 256 && T * chunk * F32 > maxBinding) chunk = Math.ceil(chunk / 2);
  return chunk;
}

const sum = (xs: BufferSize[]) => xs.reduce((a, b) => a + b.bytes, 0);

export function planMemory(spec: ModelSpec, s: TrainShape, limits: PlanLimits): MemoryPlan {
  const plan = planWithoutSuggestions(spec, s, limits);
  if (!plan.fits) plan.suggestions = suggest(spec, s, limits);
  return plan;
}

function planWithoutSuggestions(spec: ModelSpec, s: TrainShape, limits: PlanLimits): MemoryPlan {
  for (const [k, v] of Object.entries({ batch: s.batch, seqLen: s.seqLen, rank: s.rank })) {
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
    buffers.push({ label: w.name, bytes: Math.min(bytes, Math.max(1, rowsPerPart) * rowBytes) });
  }

  const loraCount = loraParameterCount(spec, { rank: s.rank, alpha: 1, useRsLora: false, dropout: 0, targets: s.targets });
  const loraParams = loraCount * F32;

  const layer = layerActivationBuffers(spec, s, T);
  const layerBytes = sum(layer);
  const inputBytes = layer[0].bytes;
  const activations = s.recompute ? spec.numLayers * inputBytes + inputBytes /* final hidden state */ : spec.numLayers * layerBytes + inputBytes;
  // Backward scratch: the residual-stream gradient twice (in/out), plus two of the widest per-op
  // gradients (d gate and d up, or d q and d k/v packed).
  const widest = T * Math.max(spec.intermediateSize, qDim(spec) + 2 * kvDim(spec), H) * F32;
  const scratch = (s.recompute ? layerBytes : 0) + 2 * T * H * F32 + 2 * widest;
  buffers.push(...layer.map((b) => ({ label: `layer activation ${b.label}`, bytes: b.bytes })));
  buffers.push({ label: 'backward scratch (widest gradient)', bytes: widest });

  const lmChunk = T * chunk * F32;
  const lmHead = lmChunk + T * H * F32 /* final norm out */ + 3 * T * F32; /* rstd, logsumexp, loss */
  buffers.push({ label: `LM-head chunk [${T}, ${chunk}]`, bytes: lmChunk });
  const inputs = 4 * T * 4;

  const kvCache = 2 * spec.numLayers * T * kvDim(spec) * F32;
  buffers.push({ label: 'KV cache (one layer, K)', bytes: T * kvDim(spec) * F32 });

  const categories: MemoryCategories = { weights, loraParams, loraGrads: loraParams, optimizer: 2 * loraParams, activations, scratch, lmHead, inputs, kvCache };
  const trainingBytes = weights + 4 * loraParams + activations + scratch + lmHead + inputs;
  // Generation: same weights and adapter, the KV cache, one layer of prefill scratch and only the
  // last position's logits per sequence; no grads, moments or saved activations.
  const generationBytes = weights + loraParams + kvCache + layerBytes + s.batch * spec.vocabSize * F32 + inputs;
  const peakBytes = Math.max(trainingBytes, generationBytes);
  const largestBuffer = buffers.reduce((a, b) => (b.bytes > a.bytes ? b : a));

  const bufferLimit = Math.min(maxBinding, limits.maxBufferSize);
  for (const b of buffers) {
    if (b.bytes > bufferLimit) problems.push(`${b.label} needs ${formatBytes(b.bytes)} in one buffer, over this GPU's ${formatBytes(bufferLimit)} binding limit`);
  }
  if (limits.memoryBytes !== undefined && peakBytes > limits.memoryBytes) {
    problems.push(`needs ${formatBytes(peakBytes)} in total, over the ${formatBytes(limits.memoryBytes)} of GPU memory available`);
  }
  const fits = problems.length === 0;
  return {
    tokens: T,
    lmHeadChunk: chunk,
    categories,
    layerActivations: layer,
    trainingBytes,
    generationBytes,
    peakBytes,
    largestBuffer,
    fits,
    problems,
    suggestions: [],
  };
}

/** Tries the usual remedies in order of how little they cost the user, keeping those that fit. */
function suggest(spec: ModelSpec, s: TrainShape, limits: PlanLimits): string[] {
  const out: string[] = [];
  const fitsWith = (change: Partial<TrainShape>) => planWithoutSuggestions(spec, { ...s, ...change, lmHeadChunk: undefined }, limits).fits;
  if (!s.recompute && fitsWith({ recompute: true })) out.push('turn recompute on (keeps only each layer input for backward)');
  for (let seq = Math.floor(s.seqLen / 2); seq >= 64; seq = Math.floor(seq / 2)) {
    if (fitsWith({ seqLen: seq })) {
      out.push(`shorten the sequence to ${seq} tokens`);
      break;
    }
    if (!s.recompute && fitsWith({ seqLen: seq, recompute: true })) {
      out.push(`shorten the sequence to ${seq} tokens with recompute on`);
      break;
    }
  }
  if (s.batch > 1) {
    for (let b = Math.floor(s.batch / 2); b >= 1; b = Math.floor(b / 2)) {
      if (fitsWith({ batch: b })) {
        out.push(`use micro-batch ${b} with gradient accumulation ×${Math.ceil(s.batch / b)}`);
        break;
      }
    }
  }
  for (let r = Math.floor(s.rank / 2); r >= 1; r = Math.floor(r / 2)) {
    if (fitsWith({ rank: r })) {
      out.push(`use a smaller LoRA rank (${r})`);
      break;
    }
  }
  if (out.length === 0) out.push('choose a smaller model: even recompute, sequence 64, batch 1 and rank 1 do not fit');
  return out;
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
