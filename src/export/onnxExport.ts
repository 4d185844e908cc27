// ONNX export of a base model with its LoRA adapter merged in, as the folder transformers.js loads
// for `text-generation`: config.json (+ "transformers.js_config"), generation_config.json, the
// tokenizer files, and onnx/model.onnx (fp32) or onnx/model_fp16.onnx (fp16), with the weights in
// onnx/<model file>_data when they exceed the protobuf limit (ONNX external data format).
// Owns the file layout and the weight streaming order; the graph is decoderGraph.ts, the merge
// mergeLora.ts. Returns files as a Map (the UI zips or saves them; the CLI writes them). Streams one
// tensor at a time from the checkpoint, so the only full copy of the weights is the output itself.
import type { Gpu } from '../gpu/index.ts';
import { openModel } from '../model/checkpoint.ts';
import { weightManifest, type ModelSpec } from '../model/config.ts';
import { readModelText, readTokenizerConfig, type ModelFiles } from '../model/model-files.ts';
import { readTensorRange } from '../model/safetensors.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { validateLoraSettings } from '../model/lora.ts';
import { ELEMENT_BYTES } from '../ops/convert.ts';
import { OnnxGraphBuilder, type ExternalLocation } from './onnxBuilder.ts';
import { buildDecoderGraph, type OnnxWeightType } from './decoderGraph.ts';
import { loraFactorsByWeight, mergeTensor } from './mergeLora.ts';
import { releaseAfter } from '../model/releaseAfter.ts';

export type OnnxExportDtype = 'fp32' | 'fp16';

/** Protobuf messages cannot exceed 2 GiB; weights past this (with room for the graph) go external. */
export const DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES = 2 * 2 ** 30 - 64 * 2 ** 20;
/** Offsets of tensors in the external data file are aligned (ORT may mmap; 4 KiB pages). */
const EXTERNAL_ALIGN = 4096;

/** Tokenizer and chat-template files copied as they are when the source model has them. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.json', 'merges.txt', 'added_tokens.json', 'chat_template.jinja', 'chat_template.json'];
/** What an export writes beside its ONNX model (addSideFiles): the model folder's own names. */
export const EXPORT_SIDE_FILES = ['config.json', 'generation_config.json', ...TOKENIZER_FILES];

export interface OnnxExportProgress {
  stage: 'weights' | 'encode' | 'done';
  tensor?: string;
  tensorsDone: number;
  tensorsTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface OnnxExportOptions {
  dtype: OnnxExportDtype;
  /** Merged into the weights; null exports the base model. */
  adapter: LoraAdapter | null;
  /** Weights larger than this many bytes are written as external data (default just under 2 GiB). */
  externalDataThresholdBytes?: number;
  onProgress?: (p: OnnxExportProgress) => void;
  /** Stops the merge before its next tensor (throwing the signal's reason). */
  signal?: AbortSignal;
}

export interface OnnxExportResult {
  spec: ModelSpec;
  /** Relative path → contents, e.g. `onnx/model.onnx`, `config.json`. */
  files: Map<string, Uint8Array>;
  /** The ONNX file's path within `files`. */
  modelPath: string;
  /** The external data file's path, when weights were written externally. */
  externalDataPath: string | null;
  weightBytes: number;
  /** What transformers.js needs as `dtype` to pick this file. */
  dtype: OnnxExportDtype;
}

export function onnxModelPath(dtype: OnnxExportDtype): string {
  return dtype === 'fp32' ? 'onnx/model.onnx' : 'onnx/model_fp16.onnx';
}

const WEIGHT_TYPE: Record<OnnxExportDtype, OnnxWeightType> = { fp32: 'float32', fp16: 'float16' };
const GPU_OUT: Record<OnnxExportDtype, 'f32' | 'f16'> = { fp32: 'f32', fp16: 'f16' };

/** Bytes of each weight of the export, in weightManifest order. */
function weightTensorBytes(spec: ModelSpec, dtype: OnnxExportDtype): number[] {
  return weightManifest(spec).map((w) => w.shape.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[GPU_OUT[dtype]]);
}

/** What the export's weights weigh in `dtype`: known before any is merged (size limits are checked first). */
export function onnxWeightBytes(spec: ModelSpec, dtype: OnnxExportDtype): number {
  return weightTensorBytes(spec, dtype).reduce((a, b) => a + b, 0);
}

export async function exportOnnxModel(gpu: Gpu, source: ModelFiles, opts: OnnxExportOptions): Promise<OnnxExportResult> {
  const { spec, checkpoint } = await openModel(source);
  // Closed whatever the export met; a close that fails after a failed export does not replace why.
  return releaseAfter(async () => {
    if (opts.adapter) validateLoraSettings(spec, opts.adapter.settings);
    const factors = opts.adapter ? loraFactorsByWeight(spec, opts.adapter) : new Map();
    const manifest = weightManifest(spec);
    const outType = GPU_OUT[opts.dtype];
    const sizes = weightTensorBytes(spec, opts.dtype);
    const weightBytes = sizes.reduce((a, b) => a + b, 0);
    const external = weightBytes > (opts.externalDataThresholdBytes ?? DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES);
    const modelPath = onnxModelPath(opts.dtype);
    const dataName = `${modelPath.split('/').pop()}_data`;

    // External data: one allocation for all weights, filled in place tensor by tensor.
    const offsets: number[] = [];
    let dataBytes = 0;
    for (const size of sizes) {
      offsets.push(dataBytes);
      dataBytes = Math.ceil((dataBytes + size) / EXTERNAL_ALIGN) * EXTERNAL_ALIGN;
    }
    const data = external ? new Uint8Array(dataBytes) : null;

    const b = new OnnxGraphBuilder();
    buildDecoderGraph(b, spec, WEIGHT_TYPE[opts.dtype]);
    let bytesDone = 0;
    for (const [i, w] of manifest.entries()) {
      opts.signal?.throwIfAborted();
      const t = checkpoint.tensors.get(w.name);
      if (!t) throw new Error(`${checkpoint.label}: tensor "${w.name}" is missing`);
      const rowBytes = t.shape.length > 1 ? t.byteLength / t.shape[0] : t.byteLength;
      const out = data ? data.subarray(offsets[i], offsets[i] + sizes[i]) : new Uint8Array(sizes[i]);
      await mergeTensor(
        gpu,
        { name: w.name, dtype: t.dtype as 'F32' | 'F16' | 'BF16', shape: t.shape, readRows: (r0, rows) => readTensorRange(t.source, t, r0 * rowBytes, rows * rowBytes) },
        factors.get(w.name) ?? null,
        outType,
        out,
      );
      if (data) {
        const at: ExternalLocation = { file: dataName, offset: offsets[i], length: sizes[i] };
        b.externalWeight(w.name, WEIGHT_TYPE[opts.dtype], w.shape, at);
      } else {
        b.weight(w.name, WEIGHT_TYPE[opts.dtype], w.shape, out);
      }
      bytesDone += sizes[i];
      opts.onProgress?.({ stage: 'weights', tensor: w.name, tensorsDone: i + 1, tensorsTotal: manifest.length, bytesDone, bytesTotal: weightBytes });
    }
    opts.onProgress?.({ stage: 'encode', tensorsDone: manifest.length, tensorsTotal: manifest.length, bytesDone, bytesTotal: weightBytes });

    const files = new Map<string, Uint8Array>();
    files.set(modelPath, b.encode(`${spec.architecture} (merged LoRA)`, { name: 'balancesft-studio', version: '0.1.0' }));
    const externalDataPath = data ? `onnx/${dataName}` : null;
    if (data && externalDataPath) files.set(externalDataPath, data);
    await addSideFiles(files, source, spec, opts.dtype, external);
    opts.onProgress?.({ stage: 'done', tensorsDone: manifest.length, tensorsTotal: manifest.length, bytesDone, bytesTotal: weightBytes });
    return { spec, files, modelPath, externalDataPath, weightBytes, dtype: opts.dtype };
  }, () => checkpoint.close());
}

/** config.json with the transformers.js hints, generation_config.json, the tokenizer files. */
async function addSideFiles(files: Map<string, Uint8Array>, source: ModelFiles, spec: ModelSpec, dtype: OnnxExportDtype, external: boolean): Promise<void> {
  const enc = new TextEncoder();
  const config = JSON.parse(await readModelText(source, 'config.json')) as Record<string, unknown>;
  const jsConfig: Record<string, unknown> = { ...((config['transformers.js_config'] as object | undefined) ?? {}), dtype };
  // transformers.js only looks for `<model file>_data` when told how many chunks there are.
  if (external) jsConfig.use_external_data_format = { [onnxModelPath(dtype).split('/').pop()!]: 1 };
  else delete jsConfig.use_external_data_format;
  config['transformers.js_config'] = jsConfig;
  config.use_cache = true;
  files.set('config.json', enc.encode(JSON.stringify(config, null, 2) + '\n'));

  const generation = await readModelText(source, 'generation_config.json', true);
  const generationConfig = generation ?? JSON.stringify({ bos_token_id: spec.bosTokenId, eos_token_id: spec.eosTokenIds.length === 1 ? spec.eosTokenIds[0] : spec.eosTokenIds }, null, 2) + '\n';
  files.set('generation_config.json', enc.encode(generationConfig));
  for (const name of TOKENIZER_FILES) {
    const src = await source.open(name);
    if (src) files.set(name, await releaseAfter(() => src.read(0, src.size), () => src.close()));
  }
  // transformers.js's tokenizer reads its chat template from tokenizer_config.json only: one kept in
  // chat_template.jinja (as recent transformers saves it, and the studio trained with) goes in there.
  const copied = files.get('tokenizer_config.json');
  if (copied && files.has('chat_template.jinja') && (JSON.parse(new TextDecoder().decode(copied)) as { chat_template?: unknown }).chat_template == null) {
    files.set('tokenizer_config.json', enc.encode(JSON.stringify(await readTokenizerConfig(source), null, 2) + '\n'));
  }
}
