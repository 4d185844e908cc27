// The frozen base weights as the transformer uses them: the uploader's per-tensor buffers
// (upload.ts, file dtype kept) arranged per layer. q/k/v biases (Qwen2) are widened to f32 on
// the GPU, because the matmul adds its bias in f32; they are tiny.
import { createStorageBuffer, uploadBuffer, type Gpu } from '../gpu/index.ts';
import { embeddingForward, type TableChunk } from '../ops/embedding.ts';
import type { WeightDtype as OpDtype } from '../ops/matmul.ts';
import { lmHeadTensor, type ModelSpec } from './config.ts';
import type { GpuWeight } from './upload.ts';
import { buildCompactHead, type CompactHead } from './compactHead.ts';

export interface LayerWeights {
  inputNorm: GPUBuffer;
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  qBias?: GPUBuffer;
  kBias?: GPUBuffer;
  vBias?: GPUBuffer;
  qNorm?: GPUBuffer;
  kNorm?: GPUBuffer;
  o: GPUBuffer;
  postNorm: GPUBuffer;
  gate: GPUBuffer;
  up: GPUBuffer;
  down: GPUBuffer;
}

export interface DeviceWeights {
  spec: ModelSpec;
  /** Storage dtype of every matrix and norm weight (the checkpoint's). */
  dtype: OpDtype;
  /** Row chunks of the embedding table (one chunk unless it exceeds a storage binding). */
  embed: TableChunk[];
  /** Row chunks of the LM head: the embedding's own when tied. */
  lmHead: TableChunk[];
  /** The LM head without its all-zero rows, for the loss and decoding, where almost all are
   * (compactHead.ts); null for every real model. */
  compactHead: CompactHead | null;
  finalNorm: GPUBuffer;
  layers: LayerWeights[];
  /** Buffers this module allocated itself (the f32 biases, the compact head), freed with the weights. */
  owned: GPUBuffer[];
  /** Only needed until the recorded widening ran: destroy after the next submit. */
  temporary: GPUBuffer[];
}

const OP_DTYPE = { F32: 'f32', BF16: 'bf16', F16: 'f16' } as const;

function single(weights: Map<string, GpuWeight>, name: string): GPUBuffer {
  const w = weights.get(name);
  if (!w) throw new Error(`weight ${name} was not uploaded`);
  if (w.parts.length !== 1) throw new Error(`weight ${name} is split into ${w.parts.length} parts; only the embedding and LM head may exceed one storage binding`);
  return w.parts[0].buffer;
}

function chunks(weights: Map<string, GpuWeight>, name: string): TableChunk[] {
  const w = weights.get(name);
  if (!w) throw new Error(`weight ${name} was not uploaded`);
  return w.parts.map((p) => ({ buffer: p.buffer, firstRow: p.firstRow, rows: p.rows }));
}

/** Arranges uploaded weights per layer and widens the biases; records GPU work (caller submits). */
export async function arrangeWeights(gpu: Gpu, spec: ModelSpec, weights: Map<string, GpuWeight>): Promise<DeviceWeights> {
  const embedW = weights.get('model.embed_tokens.weight');
  if (!embedW) throw new Error('weight model.embed_tokens.weight was not uploaded');
  const dtype = OP_DTYPE[embedW.dtype];
  const owned: GPUBuffer[] = [];
  const temporary: GPUBuffer[] = [];
  let zeroId: GPUBuffer | null = null;
  const widen = async (name: string): Promise<GPUBuffer> => {
    if (!zeroId) temporary.push((zeroId = uploadBuffer(gpu.ctx, new Uint32Array([0]), 'bias-row-id')));
    const w = weights.get(name)!;
    const n = w.shape[0];
    const out = createStorageBuffer(gpu.ctx, n * 4, `${name}.f32`);
    owned.push(out);
    // A one-row embedding gather is exactly a dtype widening of that row.
    await embeddingForward(gpu, { ids: zeroId, table: single(weights, name), tableDtype: OP_DTYPE[w.dtype], out, tokens: 1, C: n, vocab: 1 });
    return out;
  };
  const layers: LayerWeights[] = [];
  for (let i = 0; i < spec.numLayers; i++) {
    const p = `model.layers.${i}`;
    const get = (s: string) => single(weights, `${p}.${s}`);
    const l: LayerWeights = {
      inputNorm: get('input_layernorm.weight'),
      q: get('self_attn.q_proj.weight'),
      k: get('self_attn.k_proj.weight'),
      v: get('self_attn.v_proj.weight'),
      o: get('self_attn.o_proj.weight'),
      postNorm: get('post_attention_layernorm.weight'),
      gate: get('mlp.gate_proj.weight'),
      up: get('mlp.up_proj.weight'),
      down: get('mlp.down_proj.weight'),
    };
    if (spec.qkvBias) {
      l.qBias = await widen(`${p}.self_attn.q_proj.bias`);
      l.kBias = await widen(`${p}.self_attn.k_proj.bias`);
      l.vBias = await widen(`${p}.self_attn.v_proj.bias`);
    }
    if (spec.qkNorm) {
      l.qNorm = get('self_attn.q_norm.weight');
      l.kNorm = get('self_attn.k_norm.weight');
    }
    layers.push(l);
  }
  const embed = chunks(weights, 'model.embed_tokens.weight');
  const lmHead = spec.tieWordEmbeddings ? embed : chunks(weights, 'lm_head.weight');
  const kept = weights.get(lmHeadTensor(spec))?.keptRows;
  let compactHead: CompactHead | null = null;
  if (kept) {
    compactHead = await buildCompactHead(gpu, lmHead, dtype, spec.vocabSize, spec.hiddenSize, kept);
    owned.push(compactHead.buffer, compactHead.columns);
  }
  return {
    spec,
    dtype,
    embed,
    lmHead,
    compactHead,
    finalNorm: single(weights, 'model.norm.weight'),
    layers,
    owned,
    temporary,
  };
}
