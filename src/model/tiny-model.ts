// Generates tiny decoder checkpoints in the exact Hugging Face layout (config.json,
// generation_config.json, model.safetensors or an index + shards), from a fixed seed.
// Used by scripts/gen-tiny-model.ts for the embedded default model (real Qwen3 vocabulary and
// tokenizer; its weights pre-trained, see pretrainedTinyModel) and by tests for small-vocabulary
// Llama / Qwen2 / Qwen3 parity models (random weights from a seed).
// Pure: returns file contents; never writes files, never touches the GPU.
import { specToConfigJson, weightManifest, type ModelSpec } from './config.ts';
import type { WeightDtype } from './dtype.ts';
import { DTYPE_BYTES, encodeFromNumbers } from './dtype.ts';
import { memorySource } from './byte-source.ts';
import { hashString, seededNormal } from './random.ts';
import { elementCount, encodeSafetensors, readSafetensorsHeader, streamTensors, type TensorToWrite } from './safetensors.ts';

export interface TinyModelOptions {
  family: 'qwen3' | 'qwen2' | 'llama';
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  tieWordEmbeddings: boolean;
  dtype: WeightDtype;
  seed: number;
  /** HF's `initializer_range`: linear and embedding weights ~ N(0, std²). */
  initStd: number;
  /** HF initialises norms to 1 and biases to 0; parity tests perturb them so a missing
   * norm weight or bias cannot go unnoticed. */
  perturbNormsAndBiases: boolean;
  /** Split weights into shards of at most this many bytes, with model.safetensors.index.json. */
  maxShardBytes?: number;
  bosTokenId: number;
  eosTokenIds: number[];
}

/** The embedded default: Qwen3 architecture with the real Qwen3 vocabulary. */
export const TINY_QWEN3_DEFAULT: TinyModelOptions = {
  family: 'qwen3',
  vocabSize: 151936,
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  intermediateSize: 128,
  tieWordEmbeddings: true,
  dtype: 'BF16',
  seed: 20250520,
  initStd: 0.02,
  perturbNormsAndBiases: false,
  bosTokenId: 151643,
  eosTokenIds: [151645, 151643],
};

/** Small-vocabulary variants for parity tests: each exercises its family's distinctive parts. */
export function tinyTestOptions(family: TinyModelOptions['family'], overrides: Partial<TinyModelOptions> = {}): TinyModelOptions {
  const base: TinyModelOptions = {
    ...TINY_QWEN3_DEFAULT,
    family,
    vocabSize: 97,
    // Qwen2: q/k/v bias with an untied head; Qwen3: q/k norm, tied; Llama: llama3 rope scaling, untied.
    tieWordEmbeddings: family === 'qwen3',
    perturbNormsAndBiases: true,
    initStd: 0.2, // larger than HF's 0.02 so the tiny model's logits are not all ≈ uniform
    seed: 7 + ['qwen3', 'qwen2', 'llama'].indexOf(family),
    bosTokenId: 1,
    eosTokenIds: [2],
  };
  return { ...base, ...overrides };
}

export function tinyModelSpec(o: TinyModelOptions): ModelSpec {
  const architecture = { qwen3: 'Qwen3ForCausalLM', qwen2: 'Qwen2ForCausalLM', llama: 'LlamaForCausalLM' }[o.family];
  return {
    family: o.family,
    architecture,
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers,
    numHeads: o.numHeads,
    numKvHeads: o.numKvHeads,
    headDim: o.headDim,
    intermediateSize: o.intermediateSize,
    vocabSize: o.vocabSize,
    rmsNormEps: o.family === 'llama' ? 1e-5 : 1e-6,
    ropeTheta: o.family === 'llama' ? 500000 : 1000000,
    // Small original context so the tiny head_dim has frequencies in all three llama3 bands.
    ropeScaling: o.family === 'llama' ? { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 } : null,
    maxPositionEmbeddings: 4096,
    tieWordEmbeddings: o.tieWordEmbeddings,
    qkvBias: o.family === 'qwen2',
    qkNorm: o.family === 'qwen3',
    dtype: o.dtype,
    bosTokenId: o.bosTokenId,
    eosTokenIds: o.eosTokenIds,
  };
}

/** The values of one tensor, deterministic in (seed, name). */
export function tinyTensorValues(o: TinyModelOptions, name: string, shape: number[]): Float32Array {
  const n = elementCount(shape);
  const out = new Float32Array(n);
  const rand = seededNormal((o.seed ^ hashString(name)) >>> 0);
  const isNorm = name.endsWith('norm.weight');
  const isBias = name.endsWith('.bias');
  for (let i = 0; i < n; i++) {
    if (isNorm) out[i] = o.perturbNormsAndBiases ? 1 + 0.1 * rand() : 1;
    else if (isBias) out[i] = o.perturbNormsAndBiases ? 0.1 * rand() : 0;
    else out[i] = o.initStd * rand();
  }
  return out;
}

export interface TinyModelFiles {
  spec: ModelSpec;
  /** File name → contents, in the hub layout. */
  files: Map<string, string | Uint8Array>;
}

export function generateTinyModel(o: TinyModelOptions): TinyModelFiles {
  const spec = tinyModelSpec(o);
  const files = new Map<string, string | Uint8Array>();
  const config = specToConfigJson(spec, { initializer_range: o.initStd, use_cache: true, transformers_version: '4.51.0' });
  if (o.family !== 'llama') Object.assign(config, { use_sliding_window: false, sliding_window: null, max_window_layers: o.numLayers });
  files.set('config.json', JSON.stringify(config, null, 2) + '\n');
  files.set(
    'generation_config.json',
    JSON.stringify({ bos_token_id: o.bosTokenId, eos_token_id: o.eosTokenIds, pad_token_id: o.eosTokenIds[o.eosTokenIds.length - 1], do_sample: false, transformers_version: '4.51.0' }, null, 2) + '\n',
  );
  const tensors: TensorToWrite[] = weightManifest(spec).map((w) => ({
    name: w.name,
    dtype: o.dtype,
    shape: w.shape,
    data: encodeFromNumbers(tinyTensorValues(o, w.name, w.shape), o.dtype),
  }));
  const metadata = { format: 'pt' };
  if (!o.maxShardBytes) {
    files.set('model.safetensors', encodeSafetensors(tensors, metadata));
    return { spec, files };
  }
  // Shards in manifest order, as transformers' `save_pretrained(max_shard_size=…)` fills them.
  const shards: TensorToWrite[][] = [[]];
  let shardBytes = 0;
  for (const t of tensors) {
    if (shardBytes > 0 && shardBytes + t.data.byteLength > o.maxShardBytes) {
      shards.push([]);
      shardBytes = 0;
    }
    shards[shards.length - 1].push(t);
    shardBytes += t.data.byteLength;
  }
  const weightMap: Record<string, string> = {};
  const pad = (i: number) => String(i).padStart(5, '0');
  shards.forEach((shard, i) => {
    const file = `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`;
    files.set(file, encodeSafetensors(shard, metadata));
    for (const t of shard) weightMap[t.name] = file;
  });
  const totalSize = tensors.reduce((a, t) => a + t.data.byteLength, 0);
  files.set('model.safetensors.index.json', JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2) + '\n');
  return { spec, files };
}

/** The embedded default as shipped: TINY_QWEN3_DEFAULT's architecture with weights pre-trained by
 * scripts/demo-model/ on synthetic function-calling data. The committed artifact holds the layer
 * weights and only the embedding rows of the tokens that data uses (`used_token_ids`); every other
 * row of the tied embedding is zero, so its logit is exactly 0 — the pre-training computed its
 * softmax over the full vocabulary on that assumption, so losses here equal those it measured. */
export async function pretrainedTinyModel(artifact: Uint8Array, o: TinyModelOptions = TINY_QWEN3_DEFAULT): Promise<TinyModelFiles> {
  const source = memorySource(artifact, 'pretrained.safetensors');
  const header = await readSafetensorsHeader(source);
  const stored = new Map<string, { dtype: string; shape: number[]; bytes: Uint8Array }>();
  for await (const t of streamTensors(source, header)) stored.set(t.name, t);
  const ids = stored.get('used_token_ids');
  if (!ids || ids.dtype !== 'I32') throw new Error('pretrained.safetensors: no I32 tensor "used_token_ids"');
  const view = new DataView(ids.bytes.buffer, ids.bytes.byteOffset, ids.bytes.byteLength);
  const used = Array.from({ length: ids.bytes.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
  const { spec, files } = generateTinyModel(o);
  const tensors: TensorToWrite[] = weightManifest(spec).map((w) => {
    const t = stored.get(w.name);
    if (!t || t.dtype !== o.dtype) throw new Error(`pretrained.safetensors: tensor "${w.name}" is missing or not ${o.dtype}`);
    if (w.name !== 'model.embed_tokens.weight') {
      if (t.shape.join() !== w.shape.join()) throw new Error(`pretrained.safetensors: "${w.name}" is [${t.shape}], the model needs [${w.shape}]`);
      return { name: w.name, dtype: o.dtype, shape: w.shape, data: t.bytes };
    }
    const H = w.shape[1];
    const rowBytes = H * DTYPE_BYTES[o.dtype];
    if (t.shape[0] !== used.length || t.shape[1] !== H) throw new Error(`pretrained.safetensors: the embedding rows are [${t.shape}], expected [${used.length}, ${H}]`);
    const full = new Uint8Array(w.shape[0] * rowBytes); // zero rows: logit 0 for every unused token
    used.forEach((id, i) => full.set(t.bytes.subarray(i * rowBytes, (i + 1) * rowBytes), id * rowBytes));
    return { name: w.name, dtype: o.dtype, shape: w.shape, data: full };
  });
  files.set('model.safetensors', encodeSafetensors(tensors, { format: 'pt', what: header.metadata?.what ?? 'pre-trained tiny Qwen3' }));
  return { spec, files };
}
