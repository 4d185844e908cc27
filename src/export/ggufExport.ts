// GGUF export of a base model with its LoRA adapter merged in: one file that llama.cpp, Ollama and
// LM Studio load as they would one written by llama.cpp's convert_hf_to_gguf.py from the merged
// Hugging Face model. Same architecture names, metadata keys, tensor names and types, the Q/K row
// order llama.cpp's Llama expects, and the tokenizer as tokenizer.* keys (ggufVocab.ts).
// Streams: the header is written first (every tensor's size is known from its shape and type), then
// each tensor merged on the GPU in row blocks and encoded, so memory holds one block at a time.
import type { Gpu } from '../gpu/index.ts';
import { openModel } from '../model/checkpoint.ts';
import { weightManifest, type ModelSpec } from '../model/config.ts';
import { readModelJson, readTokenizerConfig, type ModelFiles } from '../model/model-files.ts';
import { readTensorRange } from '../model/safetensors.ts';
import { loraScale, validateLoraSettings, type LoraAdapter } from '../model/lora.ts';
import { releaseAfter } from '../model/releaseAfter.ts';
import { loraFactorsByWeight, mergeTensor, type LoraFactors } from './mergeLora.ts';
import { alignUp, ggmlTensorBytes, ggufLayout, QUANT_BLOCK, type GgmlQuantType, type GgmlTypeName, type GgufTensorInfo, type GgufValue } from './ggufFile.ts';
import { quantize } from './ggufQuant.ts';
import type { QuantPool } from './quantPool.ts';
import { importanceMetadata, importanceWeights, type ImportanceMatrix } from './importanceMatrix.ts';
import { ggufTokenizerMetadata, type TokenizerSources } from './ggufVocab.ts';
import type { CheckpointTensor } from '../model/checkpoint.ts';

import { GGUF_EXPORT_TYPES, takesImportance, type GgufExportType } from './ggufExportTypes.ts';
import { sourceMetadata, type GgufSources } from './ggufSources.ts';
import type { GgufTypeFallback } from './ggufFallback.ts';
export { GGUF_EXPORT_TYPES, isQuantizedExport, takesImportance, type GgufExportType } from './ggufExportTypes.ts';

/** llama.cpp's `LlamaFileType` (general.file_type). */
const FILE_TYPE: Record<GgufExportType, number> = { f32: 0, f16: 1, q8_0: 7, q4_k_m: 15, q5_k_m: 17, q6_k: 18 };
const ARCH: Record<ModelSpec['family'], string> = { llama: 'llama', qwen2: 'qwen2', qwen3: 'qwen3' };

/** Largest f32 block of rows merged at once; smaller where the CPU quantizes it after (a K-quant
 * block of 8 MiB takes about a second), so progress and cancelling keep up. */
const BLOCK_BYTES = 64 * 2 ** 20;
const QUANTIZED_BLOCK_BYTES = 8 * 2 ** 20;

export interface GgufExportProgress {
  tensor: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface GgufExportOptions {
  type: GgufExportType;
  adapter: LoraAdapter | null;
  /** general.name: what the model is called in llama.cpp's and Ollama's listings. */
  name: string;
  /** The model's tokenizer (its ids name llama.cpp's pre-tokenizer). */
  encode: TokenizerSources['encode'];
  /** Receives the file in order; awaited before the next bytes. */
  write(bytes: Uint8Array): Promise<void> | void;
  onProgress?: (p: GgufExportProgress) => void;
  signal?: AbortSignal;
  /** Quantizes blocks of rows on other threads (quantPool.ts); without it, on this one. */
  quantPool?: Pick<QuantPool, 'quantize'>;
  /** An importance matrix weighing a K-quant mix's rounding, as llama-quantize --imatrix does, and
   * the name the file records it by (quantize.imatrix.file). */
  importance?: { matrix: ImportanceMatrix; fileName: string };
  /** The base model and datasets it came from (Hub ids), recorded as convert_hf_to_gguf.py records them. */
  sources?: GgufSources;
}

export interface GgufExportResult {
  spec: ModelSpec;
  bytes: number;
  tensors: number;
  /** tokenizer.ggml.pre: llama.cpp's pre-tokenizer for this tokenizer. */
  preTokenizer: string;
  /** How many tensors are stored as each ggml type (q4_k_m mixes several). */
  tensorTypes: Partial<Record<GgmlTypeName, number>>;
  /** Tensors quantized with the importance matrix's weights (0 without one). */
  weightedTensors: number;
  /** The file's bytes had it been written as each type (the header is the same length in all, a
   * type being a fixed-width field, but for an importance matrix's keys, which only the K-quant
   * mixes record), `bytes` for its own: what the studio offers next, by size. */
  bytesAs: Record<GgufExportType, number>;
  /** Of each type whose fallbacks store some matrices otherwise than it meant, which and why
   * (ggufTypeFallback): why a K-quant file is as large as the Q8_0 one. */
  fallbackAs: Partial<Record<GgufExportType, GgufTypeFallback>>;
}

/** Hugging Face weight name → llama.cpp tensor name. */
export function ggufTensorName(hf: string): string {
  const fixed: Record<string, string> = { 'model.embed_tokens.weight': 'token_embd.weight', 'model.norm.weight': 'output_norm.weight', 'lm_head.weight': 'output.weight' };
  if (fixed[hf]) return fixed[hf];
  const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(hf);
  const part: Record<string, string> = {
    input_layernorm: 'attn_norm', 'self_attn.q_proj': 'attn_q', 'self_attn.k_proj': 'attn_k', 'self_attn.v_proj': 'attn_v', 'self_attn.o_proj': 'attn_output',
    'self_attn.q_norm': 'attn_q_norm', 'self_attn.k_norm': 'attn_k_norm', post_attention_layernorm: 'ffn_norm',
    'mlp.gate_proj': 'ffn_gate', 'mlp.up_proj': 'ffn_up', 'mlp.down_proj': 'ffn_down',
  };
  if (!m || !part[m[2]]) throw new Error(`GGUF export: no llama.cpp name for the weight ${hf}`);
  return `blk.${m[1]}.${part[m[2]]}.${m[3]}`;
}

/** The K-quant mixes' main type, and what a tensor that needs more bits gets. */
const K_MIX: Partial<Record<GgufExportType, { base: GgmlQuantType; more: GgmlQuantType }>> = {
  q4_k_m: { base: 'Q4_K', more: 'Q6_K' },
  q5_k_m: { base: 'Q5_K', more: 'Q6_K' },
  q6_k: { base: 'Q6_K', more: 'Q6_K' },
};

/** llama-quantize's type for a row that is not whole blocks of a K-quant: the 32-value type nearest it. */
const K_FALLBACK: Partial<Record<GgmlQuantType, GgmlQuantType>> = { Q4_K: 'Q5_0', Q5_K: 'Q5_1', Q6_K: 'Q8_0' };

/** How one tensor is stored: vectors in f32 (as llama.cpp's converter keeps them), matrices as
 * `type` says. For the K-quant mixes, llama-quantize's choice for its LLAMA_FTYPE_MOSTLY_Q4_K_M,
 * Q5_K_M and Q6_K without an importance matrix (llama_tensor_get_type, for these dense
 * architectures): the mix's type, with Q6_K for the output matrix (the embedding where it is tied)
 * and, in Q4_K_M and Q5_K_M, for attn_v and ffn_down in the layers use_more_bits picks; then its
 * fallbacks where a row is not whole blocks (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0, F16 past
 * those). The tests compare it with llama-quantize's own files. */
export function ggufTensorType(name: string, shape: number[], type: GgufExportType, layers: number, tiedEmbedding: boolean): GgmlTypeName {
  return ggufTensorChoice(name, shape, type, layers, tiedEmbedding).stored;
}

/** ggufTensorType (`stored`), with the type `type` meant for the tensor before the fallbacks
 * (`meant`: the same where its rows are whole blocks of it). */
function ggufTensorChoice(name: string, shape: number[], type: GgufExportType, layers: number, tiedEmbedding: boolean): { meant: GgmlTypeName; stored: GgmlTypeName } {
  const as = (t: GgmlTypeName) => ({ meant: t, stored: t });
  if (shape.length < 2 || type === 'f32') return as('F32');
  if (type === 'f16') return as('F16');
  const cols = shape[shape.length - 1];
  const fits = (t: GgmlTypeName) => t in QUANT_BLOCK && cols % QUANT_BLOCK[t as GgmlQuantType].values === 0;
  if (type === 'q8_0') return { meant: 'Q8_0', stored: fits('Q8_0') ? 'Q8_0' : 'F16' };
  const mix = K_MIX[type]!;
  const layer = /^blk\.(\d+)\./.exec(name);
  const output = name === 'output.weight' || (tiedEmbedding && name === 'token_embd.weight');
  const meant = output ? 'Q6_K' : layer && /\.(attn_v|ffn_down)\.weight$/.test(name) && useMoreBits(Number(layer[1]), layers) ? mix.more : mix.base;
  // The output matrix falls back to Q8_0, the others to the 32-value type nearest theirs.
  const t = fits(meant) ? meant : output ? 'Q8_0' : (K_FALLBACK[meant] ?? meant);
  return { meant, stored: fits(t) ? t : 'F16' };
}

/** Of the matrices `type` quantizes, those whose rows are not whole blocks of the type meant for
 * them, stored otherwise by the fallbacks (ggufTensorChoice), by weights; null where none is. */
export function ggufTypeFallback(tensors: ReadonlyArray<{ name: string; shape: number[] }>, type: GgufExportType, layers: number, tiedEmbedding: boolean): GgufTypeFallback | null {
  let total = 0;
  const meant = new Map<GgmlTypeName, number>();
  const stored = new Map<GgmlTypeName, number>();
  const rows = new Set<number>();
  const add = (m: Map<GgmlTypeName, number>, t: GgmlTypeName, n: number) => m.set(t, (m.get(t) ?? 0) + n);
  for (const t of tensors) {
    if (t.shape.length < 2) continue;
    const n = t.shape.reduce((a, b) => a * b, 1);
    total += n;
    const c = ggufTensorChoice(t.name, t.shape, type, layers, tiedEmbedding);
    if (c.meant === c.stored) continue;
    add(meant, c.meant, n);
    add(stored, c.stored, n);
    rows.add(t.shape[t.shape.length - 1]);
  }
  const fallen = [...meant.values()].reduce((a, b) => a + b, 0);
  if (fallen === 0) return null;
  const byWeights = (m: Map<GgmlTypeName, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([t]) => t);
  const block = Math.max(...[...meant.keys()].map((t) => QUANT_BLOCK[t as GgmlQuantType].values));
  return { share: fallen / total, meant: byWeights(meant), storedAs: byWeights(stored), rowLengths: [...rows].sort((a, b) => a - b), block };
}

/** llama-quantize's layers that get more bits: the first and last eighth, and every third between. */
function useMoreBits(layer: number, layers: number): boolean {
  const eighth = Math.trunc(layers / 8);
  return layer < eighth || layer >= Math.trunc((7 * layers) / 8) || (layer - eighth) % 3 === 2;
}

/** llama.cpp's Llama rotates (x[2i], x[2i+1]) pairs where Hugging Face rotates (x[i], x[i+d/2]):
 * the converter reorders each head's rows of q_proj and k_proj to match (LlamaModel.permute). */
export function ropeRowOrder(rows: number, heads: number): Int32Array {
  const d = rows / heads;
  const order = new Int32Array(rows);
  for (let h = 0; h < heads; h++) for (let i = 0; i < d / 2; i++) for (let j = 0; j < 2; j++) order[h * d + i * 2 + j] = h * d + j * (d / 2) + i;
  return order;
}

function permuteRows(bytes: Uint8Array, order: Int32Array): Uint8Array {
  const rowBytes = bytes.byteLength / order.length;
  const out = new Uint8Array(bytes.byteLength);
  for (let r = 0; r < order.length; r++) out.set(bytes.subarray(order[r] * rowBytes, (order[r] + 1) * rowBytes), r * rowBytes);
  return out;
}

/** Llama 3's RoPE scaling as the per-frequency factors llama.cpp reads from rope_freqs.weight. */
export function llama3RopeFactors(spec: ModelSpec): Float32Array | null {
  const s = spec.ropeScaling;
  if (!s) return null;
  const dim = spec.headDim;
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  const out = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    const freq = Math.fround(1 / Math.fround(spec.ropeTheta ** Math.fround((2 * i) / dim)));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = s.factor;
    else {
      const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / s.factor + smooth);
    }
  }
  return out;
}

function modelMetadata(spec: ModelSpec, type: GgufExportType, name: string, fileKind: 'model' | 'adapter' = 'model', sources?: GgufSources): Array<[string, GgufValue]> {
  const a = ARCH[spec.family];
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufValue => ({ type: 'f32', value });
  const out: Array<[string, GgufValue]> = [
    ['general.architecture', { type: 'string', value: a }],
    ['general.type', { type: 'string', value: fileKind }],
    ['general.name', { type: 'string', value: name }],
    ...sourceMetadata(sources),
    [`${a}.block_count`, u32(spec.numLayers)],
    [`${a}.context_length`, u32(spec.maxPositionEmbeddings)],
    [`${a}.embedding_length`, u32(spec.hiddenSize)],
    [`${a}.feed_forward_length`, u32(spec.intermediateSize)],
    [`${a}.attention.head_count`, u32(spec.numHeads)],
    [`${a}.attention.head_count_kv`, u32(spec.numKvHeads)],
    [`${a}.rope.freq_base`, f32(spec.ropeTheta)],
    [`${a}.attention.layer_norm_rms_epsilon`, f32(spec.rmsNormEps)],
    [`${a}.attention.key_length`, u32(spec.headDim)],
    [`${a}.attention.value_length`, u32(spec.headDim)],
    ['general.file_type', u32(FILE_TYPE[type])],
    [`${a}.vocab_size`, u32(spec.vocabSize)],
  ];
  if (spec.family === 'llama') out.push([`${a}.rope.dimension_count`, u32(spec.headDim)]);
  out.push(['general.quantization_version', u32(2)]);
  return out;
}

export async function exportGgufModel(gpu: Gpu, source: ModelFiles, opts: GgufExportOptions): Promise<GgufExportResult> {
  const [tokenizer, tokenizerConfig, config] = await Promise.all([readModelJson(source, 'tokenizer.json'), readTokenizerConfig(source), readModelJson(source, 'config.json')]);
  const { spec, checkpoint } = await openModel(source);
  return releaseAfter(async () => {
    if (opts.adapter) validateLoraSettings(spec, opts.adapter.settings);
    if (opts.importance && !takesImportance(opts.type)) throw new Error(`an importance matrix weighs the K-quant mixes' rounding (q4_k_m, q5_k_m, q6_k); ${opts.type} has no use for one`);
    const vocab = await ggufTokenizerMetadata({ tokenizer, tokenizerConfig, config, vocabSize: spec.vocabSize, encode: opts.encode });
    const factors = opts.adapter ? loraFactorsByWeight(spec, opts.adapter) : new Map<string, LoraFactors>();
    const ropeFactors = spec.family === 'llama' ? llama3RopeFactors(spec) : null;
    const manifest = weightManifest(spec);
    const infos: GgufTensorInfo[] = [];
    if (ropeFactors) infos.push({ name: 'rope_freqs.weight', shape: [ropeFactors.length], type: 'F32' });
    const tied = !manifest.some((w) => w.name === 'lm_head.weight');
    for (const w of manifest) {
      const name = ggufTensorName(w.name);
      infos.push({ name, shape: w.shape, type: ggufTensorType(name, w.shape, opts.type, spec.numLayers, tied) });
    }
    const imatrixKeys = opts.importance ? importanceMetadata(opts.importance.matrix, opts.importance.fileName) : [];
    const layout = ggufLayout([...modelMetadata(spec, opts.type, opts.name, 'model', opts.sources), ...vocab, ...imatrixKeys], infos);
    // The header other types would have: the K-quant mixes record the matrix as this one does.
    const plainHeaderBytes = imatrixKeys.length ? ggufLayout([...modelMetadata(spec, opts.type, opts.name, 'model', opts.sources), ...vocab], infos).header.byteLength : layout.header.byteLength;
    // Each weight's importance, checked against its columns before anything is written.
    const importance = new Map<string, Float32Array>();
    if (opts.importance) {
      for (const t of infos) {
        if (!(t.type in QUANT_BLOCK) || t.type === 'Q8_0') continue;
        const w = importanceWeights(opts.importance.matrix, t.name, t.shape[t.shape.length - 1]);
        if (w) importance.set(t.name, w);
      }
    }
    const bytesTotal = layout.header.byteLength + layout.dataBytes;

    let written = 0;
    const write = async (bytes: Uint8Array) => {
      await opts.write(bytes);
      written += bytes.byteLength;
    };
    const pad = async (n: number) => {
      if (n > 0) await write(new Uint8Array(n));
    };
    await write(layout.header);
    const dataStart = written;
    const placed = new Map(layout.tensors.map((t) => [t.name, t]));
    if (ropeFactors) {
      await write(new Uint8Array(ropeFactors.buffer));
      await pad(alignUp(ropeFactors.byteLength) - ropeFactors.byteLength);
    }
    for (const w of manifest) {
      opts.signal?.throwIfAborted();
      const t = checkpoint.tensors.get(w.name);
      if (!t) throw new Error(`${checkpoint.label}: tensor "${w.name}" is missing`);
      const info = placed.get(ggufTensorName(w.name))!;
      if (written - dataStart !== info.offset) throw new Error(`GGUF export: ${info.name} would land at ${written - dataStart}, its header says ${info.offset}`);
      const heads = spec.family !== 'llama' ? 0 : /\.q_proj\.(weight|bias)$/.test(w.name) ? spec.numHeads : /\.k_proj\.(weight|bias)$/.test(w.name) ? spec.numKvHeads : 0;
      for await (const block of mergedBlocks(gpu, t, factors.get(w.name) ?? null, info.type, heads, opts.signal, opts.quantPool, importance.get(info.name))) {
        await write(block);
        opts.onProgress?.({ tensor: w.name, bytesDone: written, bytesTotal });
      }
      await pad(alignUp(info.bytes) - info.bytes);
    }
    if (written !== bytesTotal) throw new Error(`GGUF export: wrote ${written} bytes, the layout has ${bytesTotal}`);
    const tensorTypes: Partial<Record<GgmlTypeName, number>> = {};
    for (const t of infos) tensorTypes[t.type] = (tensorTypes[t.type] ?? 0) + 1;
    const bytesAs = {} as Record<GgufExportType, number>;
    const fallbackAs: Partial<Record<GgufExportType, GgufTypeFallback>> = {};
    for (const as of GGUF_EXPORT_TYPES) {
      const data = infos.reduce((n, t) => n + alignUp(ggmlTensorBytes(ggufTensorType(t.name, t.shape, as, spec.numLayers, tied), t.shape)), 0);
      bytesAs[as] = (takesImportance(as) ? layout.header.byteLength : plainHeaderBytes) + data;
      const fallback = ggufTypeFallback(infos, as, spec.numLayers, tied);
      if (fallback) fallbackAs[as] = fallback;
    }
    if (bytesAs[opts.type] !== written) throw new Error(`GGUF export: wrote ${written} bytes, its size as ${opts.type} says ${bytesAs[opts.type]}`);
    const preTokenizer = (vocab.find(([k]) => k === 'tokenizer.ggml.pre')![1] as { value: string }).value;
    return { spec, bytes: written, tensors: infos.length, preTokenizer, tensorTypes, weightedTensors: importance.size, bytesAs, fallbackAs };
  }, () => checkpoint.close());
}

/** One weight merged (W + scale·B·A on the GPU) and encoded as `type`, in blocks of whole rows.
 * `ropeHeads` > 0: q/k rows reordered for llama.cpp's Llama, a whole tensor at once. */
async function* mergedBlocks(
  gpu: Gpu,
  t: CheckpointTensor,
  lora: LoraFactors | null,
  type: GgmlTypeName,
  ropeHeads: number,
  signal?: AbortSignal,
  pool?: Pick<QuantPool, 'quantize'>,
  importance?: Float32Array,
): AsyncGenerator<Uint8Array> {
  const matrix = t.shape.length > 1;
  const rows = matrix ? t.shape[0] : 1;
  const cols = matrix ? t.shape.slice(1).reduce((a, b) => a * b, 1) : t.shape[0];
  const rowBytes = t.byteLength / rows;
  const quantized = type in QUANT_BLOCK;
  const blockRows = ropeHeads > 0 ? rows : Math.max(1, Math.min(rows, Math.floor((quantized ? QUANTIZED_BLOCK_BYTES : BLOCK_BYTES) / (cols * 4))));
  const gpuOut = type === 'F16' ? 'f16' : 'f32';
  for (let r0 = 0; r0 < rows; r0 += blockRows) {
    signal?.throwIfAborted();
    const n = Math.min(blockRows, rows - r0);
    const out = new Uint8Array(n * cols * (gpuOut === 'f16' ? 2 : 4));
    await mergeTensor(
      gpu,
      {
        name: t.name,
        dtype: t.dtype as 'F32' | 'F16' | 'BF16',
        shape: matrix ? [n, cols] : [cols],
        readRows: (a, m) => readTensorRange(t.source, t, (r0 + a) * rowBytes, m * rowBytes),
      },
      lora && { ...lora, B: lora.B.subarray(r0 * lora.rank, (r0 + n) * lora.rank) },
      gpuOut,
      out,
    );
    // A bias is reordered as the rows it belongs to: one value per row.
    const ordered = ropeHeads > 0 ? permuteRows(out, ropeRowOrder(matrix ? n : cols, ropeHeads)) : out;
    if (!quantized) yield ordered;
    else {
      const values = new Float32Array(ordered.buffer, ordered.byteOffset, ordered.byteLength / 4);
      yield pool ? await pool.quantize(type as GgmlQuantType, values, importance) : quantize(type as GgmlQuantType, values, importance);
    }
  }
}

export interface GgufAdapterOptions {
  name: string;
  sources?: GgufSources;
  write(bytes: Uint8Array): Promise<void> | void;
}

/** The LoRA adapter alone as a GGUF adapter file, as llama.cpp's convert_lora_to_gguf.py writes
 * one: for `llama-server --lora`, or Ollama's ADAPTER over the same base model. Each adapted weight
 * W gets `<its tensor name>.lora_a` (A, [r, in]) and `.lora_b` (B, [out, r]), in f32 as trained,
 * B's rows of Llama's q/k in llama.cpp's order; llama.cpp scales B·A by alpha / r, so the alpha
 * written is the run's own scale times r (rsLoRA's alpha / √r included). No GPU: nothing is merged. */
export async function exportGgufAdapter(spec: ModelSpec, adapter: LoraAdapter, opts: GgufAdapterOptions): Promise<{ bytes: number; tensors: number; alpha: number }> {
  validateLoraSettings(spec, adapter.settings);
  const rank = adapter.settings.rank;
  const factors = loraFactorsByWeight(spec, adapter);
  if (factors.size === 0) throw new Error('GGUF adapter: the adapter adapts no weight');
  const alpha = loraScale(adapter.settings) * rank;
  const parts: Array<{ name: string; shape: number[]; data: Float32Array }> = [];
  for (const [weight, f] of factors) {
    const name = ggufTensorName(weight);
    const rows = f.B.length / rank;
    const heads = spec.family !== 'llama' ? 0 : /\.q_proj\.weight$/.test(weight) ? spec.numHeads : /\.k_proj\.weight$/.test(weight) ? spec.numKvHeads : 0;
    const B = heads > 0 ? new Float32Array(permuteRows(new Uint8Array(f.B.buffer, f.B.byteOffset, f.B.byteLength), ropeRowOrder(rows, heads)).buffer) : f.B;
    parts.push({ name: `${name}.lora_a`, shape: [rank, f.A.length / rank], data: f.A });
    parts.push({ name: `${name}.lora_b`, shape: [rows, rank], data: B });
  }
  const metadata: Array<[string, GgufValue]> = [
    ...modelMetadata(spec, 'f32', opts.name, 'adapter', opts.sources).filter(([k]) => k !== 'general.file_type' && k !== 'general.quantization_version'),
    ['adapter.type', { type: 'string', value: 'lora' }],
    ['adapter.lora.alpha', { type: 'f32', value: alpha }],
  ];
  const layout = ggufLayout(metadata, parts.map((p) => ({ name: p.name, shape: p.shape, type: 'F32' as const })));
  let written = 0;
  const write = async (bytes: Uint8Array) => {
    await opts.write(bytes);
    written += bytes.byteLength;
  };
  await write(layout.header);
  for (const p of parts) {
    const bytes = new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength);
    await write(bytes.slice());
    if (alignUp(bytes.byteLength) > bytes.byteLength) await write(new Uint8Array(alignUp(bytes.byteLength) - bytes.byteLength));
  }
  return { bytes: written, tensors: parts.length, alpha };
}
