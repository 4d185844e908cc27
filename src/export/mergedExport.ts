// The trained model as a Hugging Face folder: the model's own safetensors files, shard for shard,
// with each adapted weight replaced by W + scale·B·A (mergeLora.ts, on the GPU, rounded once to the
// folder's dtype, as PEFT's merge_and_unload() rounds a bf16 model with its f32 adapter), beside the
// model's config, generation config and tokenizer files. What transformers, vLLM, SGLang, MLX's
// converter and llama.cpp's convert_hf_to_gguf.py load without PEFT. Every tensor the model's files
// hold is kept (a saved lm_head beside tied embeddings too), and one not merged or converted is
// copied byte for byte. The files are handed on as they are made, a tensor at a time (the CLI
// writes them to disk, the page zips them): a 7B model's shards are never whole in memory.
import type { Gpu } from '../gpu/index.ts';
import { openModel } from '../model/checkpoint.ts';
import type { ModelSpec } from '../model/config.ts';
import { DTYPE_BYTES, type SafetensorsDtype, type WeightDtype } from '../model/dtype.ts';
import { validateLoraSettings, type LoraAdapter } from '../model/lora.ts';
import { readModelText, type ModelFiles } from '../model/model-files.ts';
import { releaseAfter } from '../model/releaseAfter.ts';
import { elementCount, readTensorRange, safetensorsHeader, writeOrder } from '../model/safetensors.ts';
import { datasetsFront, loraScaleText, trainedOnLine } from './hubCards.ts';
import { GPU_DTYPE, loraFactorsByWeight, mergeTensor, type LoraFactors } from './mergeLora.ts';
import { TOKENIZER_FILES } from './onnxExport.ts';

export type MergedDtype = 'bf16' | 'f16' | 'f32';
export const MERGED_DTYPES: readonly MergedDtype[] = ['bf16', 'f16', 'f32'];

const FILE_DTYPE: Record<MergedDtype, WeightDtype> = { bf16: 'BF16', f16: 'F16', f32: 'F32' };
const TORCH_DTYPE: Record<MergedDtype, string> = { bf16: 'bfloat16', f16: 'float16', f32: 'float32' };
const INDEX_FILE = 'model.safetensors.index.json';
/** What a tensor copied unchanged is read and handed on in. */
const COPY_SLICE_BYTES = 64 * 2 ** 20;

/** Every file the export writes besides the weights (so a CLI --out holding them is an earlier export's). */
export const MERGED_SIDE_FILES = ['config.json', 'generation_config.json', 'README.md', ...TOKENIZER_FILES];

export interface MergedExportOptions {
  adapter: LoraAdapter;
  /** The weights' type in the folder; the model's own when omitted. */
  dtype?: MergedDtype;
  /** For the model card: the folder's title, the base model's Hub id (when it is one), the run, and
   * the Hub repo the folder is pushed to (its loading lines name it rather than a local folder). */
  card: { title: string; baseModel?: string; run: string; repo?: string; /** The Hub dataset repos the adapter was trained on. */ datasets?: string[] };
  /** Receives the folder's files in order, each one's chunks one after another (`file`: its path
   * in the folder). */
  write(file: string, chunk: Uint8Array): void | Promise<void>;
  signal?: AbortSignal;
  /** How much of a tensor copied unchanged is read and handed on at once, and (×4, as f32) the GPU's
   * working chunk of one merged or converted (tests lower it). */
  sliceBytes?: number;
  onProgress?: (p: { tensorsDone: number; tensorsTotal: number; bytesDone: number; bytesTotal: number }) => void;
}

export interface MergedExportResult {
  spec: ModelSpec;
  /** The files written, in order, with their sizes. */
  files: Array<{ name: string; bytes: number }>;
  dtype: MergedDtype;
  /** The safetensors files, as written (one, or the model's shards). */
  weightFiles: string[];
  weightBytes: number;
  /** Weights W + scale·B·A was added to. */
  merged: number;
}

/** A model's name as the model card's base_model takes it: a Hub repo id (`owner/name`, a revision
 * after @ left off), not a folder, a dropped model or the embedded one. */
export function hubRepoId(ref: string): string | undefined {
  const id = ref.split('@')[0];
  return /^[\w.-]+\/[\w.-]+$/.test(id) ? id : undefined;
}

export function mergedDtypeOf(dtype: WeightDtype): MergedDtype {
  return dtype === 'BF16' ? 'bf16' : dtype === 'F16' ? 'f16' : 'f32';
}

export async function exportMergedModel(gpu: Gpu, source: ModelFiles, opts: MergedExportOptions): Promise<MergedExportResult> {
  const { spec, checkpoint } = await openModel(source);
  return releaseAfter(async () => {
    validateLoraSettings(spec, opts.adapter.settings);
    const factors = loraFactorsByWeight(spec, opts.adapter);
    checkAdapterFits(source.label, opts.adapter, factors, checkpoint.tensors);
    const weightDtype = spec.dtype;
    const dtype = opts.dtype ?? mergedDtypeOf(weightDtype);
    // The model's parameters take the folder's dtype; another tensor (an integer buffer, an f32
    // one in a bf16 model) is the model's as it is.
    const outDtypeOf = (t: { dtype: string }): SafetensorsDtype => (t.dtype === weightDtype ? FILE_DTYPE[dtype] : (t.dtype as SafetensorsDtype));
    const tensors = [...checkpoint.tensors.values()];
    const bytesTotal = tensors.reduce((n, t) => n + outBytes(t.shape, outDtypeOf(t)), 0);
    const files: MergedExportResult['files'] = [];
    const write = async (name: string, bytes: Uint8Array) => {
      await opts.write(name, bytes);
      files.push({ name, bytes: bytes.byteLength });
    };
    const weightMap: Record<string, string> = {};
    let bytesDone = 0;
    let tensorsDone = 0;
    let merged = 0;
    for (const file of checkpoint.files) {
      // Python safetensors' order (by dtype, then name): the bytes save_pretrained would write.
      const order = writeOrder(tensors.filter((t) => t.file === file).map((t) => ({ t, name: t.name, dtype: outDtypeOf(t), shape: t.shape })));
      const { prefix, dataBytes } = safetensorsHeader(order, { format: 'pt' });
      await opts.write(file, prefix);
      for (const { t, dtype: to } of order) {
        opts.signal?.throwIfAborted();
        const size = outBytes(t.shape, to);
        const lora = factors.get(t.name) ?? null;
        if (!lora && to === t.dtype) {
          // Copied as it is, in slices: the largest tensor (a 7B model's 1 GB embedding) is never whole in memory.
          const slice = opts.sliceBytes ?? COPY_SLICE_BYTES;
          for (let at = 0; at < size; at += slice) await opts.write(file, await readTensorRange(t.source, t, at, Math.min(slice, size - at)));
        } else {
          // Merged or converted a row chunk at a time, each handed on as it comes back from the GPU.
          const rowBytes = t.shape.length > 1 ? t.byteLength / t.shape[0] : t.byteLength;
          const source = { name: t.name, dtype: t.dtype as WeightDtype, shape: t.shape, readRows: (r0: number, rows: number) => readTensorRange(t.source, t, r0 * rowBytes, rows * rowBytes) };
          await mergeTensor(gpu, source, lora, GPU_DTYPE[to as WeightDtype], (chunk) => opts.write(file, chunk), ...(opts.sliceBytes ? [opts.sliceBytes * 4] : []));
          if (lora) merged++;
        }
        weightMap[t.name] = file;
        bytesDone += size;
        opts.onProgress?.({ tensorsDone: ++tensorsDone, tensorsTotal: tensors.length, bytesDone, bytesTotal });
      }
      files.push({ name: file, bytes: prefix.byteLength + dataBytes });
    }
    if (merged !== factors.size) throw new Error(`the adapter has ${factors.size} LoRA layers but ${merged} of the model's weights took one`);
    if (checkpoint.files.length > 1) {
      const sorted = Object.fromEntries(Object.keys(weightMap).sort().map((k) => [k, weightMap[k]]));
      await write(INDEX_FILE, json({ metadata: { total_size: bytesTotal }, weight_map: sorted }));
    }
    await writeSideFiles(write, source, dtype, dtype !== mergedDtypeOf(weightDtype));
    await write('README.md', new TextEncoder().encode(mergedModelCard(spec, opts.adapter, dtype, opts.card)));
    return { spec, files, dtype, weightFiles: checkpoint.files, weightBytes: bytesTotal, merged };
  }, () => checkpoint.close());
}

/** Before a byte is merged: every LoRA tensor the adapter holds has its weight, of its shape. */
function checkAdapterFits(label: string, adapter: LoraAdapter, factors: Map<string, LoraFactors>, tensors: Map<string, { shape: number[] }>): void {
  if (adapter.tensors.size !== 2 * factors.size) {
    throw new Error(`the adapter holds ${adapter.tensors.size} LoRA tensors and ${2 * factors.size} of them are for weights ${label} has: it is an adapter of another model`);
  }
  for (const [name, f] of factors) {
    const [rows, cols] = tensors.get(name)!.shape;
    if (f.A.length !== f.rank * cols || f.B.length !== rows * f.rank) {
      throw new Error(`the adapter's LoRA for ${name} is A [${f.rank}, ${f.A.length / f.rank}] · B [${f.B.length / f.rank}, ${f.rank}], which does not fit its weight [${rows}, ${cols}] in ${label}: it is an adapter of another model`);
    }
  }
}

function outBytes(shape: number[], dtype: SafetensorsDtype): number {
  return elementCount(shape) * DTYPE_BYTES[dtype];
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n');
}

/** config.json as the model has it (its dtype named anew when the folder's differs), the generation
 * config and every tokenizer file the model has. */
async function writeSideFiles(write: (name: string, bytes: Uint8Array) => Promise<void>, source: ModelFiles, dtype: MergedDtype, dtypeChanged: boolean): Promise<void> {
  const configText = await readModelText(source, 'config.json');
  if (dtypeChanged) {
    const config = JSON.parse(configText) as Record<string, unknown>;
    // transformers ≥ 4.56 writes `dtype`, earlier ones `torch_dtype`: whichever the model has.
    if ('dtype' in config || !('torch_dtype' in config)) config.dtype = TORCH_DTYPE[dtype];
    if ('torch_dtype' in config) config.torch_dtype = TORCH_DTYPE[dtype];
    await write('config.json', json(config));
  } else await write('config.json', new TextEncoder().encode(configText));
  for (const name of ['generation_config.json', ...TOKENIZER_FILES]) {
    const src = await source.open(name);
    if (src) await write(name, await releaseAfter(() => src.read(0, src.size), () => src.close()));
  }
}

/** The folder's README: what it is, for a person and for the Hub (its front matter). */
export function mergedModelCard(spec: ModelSpec, adapter: LoraAdapter, dtype: MergedDtype, card: MergedExportOptions['card']): string {
  const s = adapter.settings;
  const front = ['---', ...(card.baseModel ? [`base_model: ${card.baseModel}`] : []), ...datasetsFront(card.datasets), 'library_name: transformers', 'pipeline_tag: text-generation', 'tags:', '- lora', '- merged', '- function-calling', '- balancesft-studio', '---'];
  const where = card.repo ?? 'path/to/this/folder';
  return [
    ...front,
    '',
    `# ${card.title}`,
    '',
    `${card.baseModel ?? `A ${spec.architecture} model`} with the LoRA adapter of the BalanceSFT Studio run "${card.run}" merged into its weights: W + scale·B·A for ${s.targets.join(', ')} in ${s.layers ? `layers ${s.layers.join(', ')}` : `all ${spec.numLayers} layers`} (${loraScaleText(s)}), rounded once to ${TORCH_DTYPE[dtype]}.`,
    '',
    ...trainedOnLine(card.datasets),
    'It loads as the base model does, without PEFT:',
    '',
    '```python',
    'from transformers import AutoModelForCausalLM, AutoTokenizer',
    `model = AutoModelForCausalLM.from_pretrained("${where}")`,
    `tokenizer = AutoTokenizer.from_pretrained("${where}")`,
    '```',
    '',
    card.repo ? `\`vllm serve ${where}\` and \`mlx_lm.convert --hf-path ${where}\` read it too, and llama.cpp's \`convert_hf_to_gguf.py\` once it is downloaded.` : `\`vllm serve ${where}\`, \`mlx_lm.convert --hf-path ${where}\` and llama.cpp's \`convert_hf_to_gguf.py\` read it too.`,
    '',
  ].join('\n');
}
