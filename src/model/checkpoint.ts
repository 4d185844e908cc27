// A model checkpoint: config.json → spec, plus the tensors of model.safetensors or of the shards
// listed in model.safetensors.index.json, validated against the spec's weight manifest.
// Owns finding each tensor and checking names/shapes/dtypes with errors that name file and
// tensor, and checking values as they are read: every range read from a float tensor is scanned
// for NaN/±Infinity (finite.ts), so uploading, merging and exporting all refuse corrupt weights by
// name without reading the file a second time.
// Never reads tensor data except when streaming, one tensor (or chunk) at a time.
import type { ByteSource } from './byte-source.ts';
import { parseModelConfig, weightManifest, type ModelSpec } from './config.ts';
import type { WeightDtype } from './dtype.ts';
import { DTYPE_BYTES } from './dtype.ts';
import { firstNonFinite } from './finite.ts';
import { readModelText, MissingModelFileError, type ModelFiles } from './model-files.ts';
import { releaseOnFailure } from './releaseAfter.ts';
import { readSafetensorsHeader, readTensorRange, type TensorBytes, type TensorInfo } from './safetensors.ts';

export const INDEX_FILE = 'model.safetensors.index.json';
export const SINGLE_FILE = 'model.safetensors';

export interface CheckpointTensor extends TensorInfo {
  file: string;
  source: ByteSource;
}

export interface Checkpoint {
  label: string;
  files: string[];
  tensors: Map<string, CheckpointTensor>;
  close(): Promise<void>;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** The weight files of a model: the shards named by the index, or the single file. */
export async function checkpointFileNames(files: ModelFiles): Promise<string[]> {
  const indexText = await indexTextToUse(files);
  if (indexText === null) return [SINGLE_FILE];
  return shardNamesFromIndex(indexText, `${files.label}/${INDEX_FILE}`);
}

/** The index, unless model.safetensors is there: transformers loads that one whenever it exists, and
 * a folder re-saved as one file keeps its old index (save_pretrained does not remove it). */
async function indexTextToUse(files: ModelFiles): Promise<string | null> {
  const single = await files.open(SINGLE_FILE);
  if (single) {
    await single.close();
    return null;
  }
  return readModelText(files, INDEX_FILE, true);
}

export function shardNamesFromIndex(indexText: string, where: string): string[] {
  let index: { weight_map?: Record<string, string> };
  try {
    index = JSON.parse(indexText);
  } catch (err) {
    throw new CheckpointError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (!index.weight_map || typeof index.weight_map !== 'object') throw new CheckpointError(`${where}: has no "weight_map"`);
  const names = [...new Set(Object.values(index.weight_map))];
  for (const n of names) {
    if (typeof n !== 'string' || n.includes('/') || n.includes('..')) throw new CheckpointError(`${where}: shard name ${JSON.stringify(n)} is not a plain file name`);
  }
  return names.sort();
}

/**
 * `source` whose reads are checked for non-finite values in every float tensor they overlap (the
 * header and integer tensors pass through). Tensors are sorted by offset (readSafetensorsHeader).
 */
function finiteCheckedSource(source: ByteSource, tensors: TensorInfo[], where: string): ByteSource {
  return {
    name: source.name,
    size: source.size,
    close: () => source.close(),
    async read(offset, length) {
      const bytes = await source.read(offset, length);
      const end = offset + length;
      // First tensor ending after `offset` (binary search), then every tensor starting before `end`.
      let lo = 0;
      let hi = tensors.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (tensors[mid].byteOffset + tensors[mid].byteLength <= offset) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < tensors.length && tensors[i].byteOffset < end; i++) {
        const t = tensors[i];
        const size = DTYPE_BYTES[t.dtype];
        let from = Math.max(offset, t.byteOffset);
        from += (size - ((from - t.byteOffset) % size)) % size; // whole elements only
        const to = Math.min(end, t.byteOffset + t.byteLength);
        if (to <= from) continue;
        const hit = firstNonFinite(bytes.subarray(from - offset, to - offset), t.dtype);
        if (hit) {
          const element = (from - t.byteOffset) / size + hit.index;
          throw new CheckpointError(`${where}: tensor "${t.name}" holds ${hit.what} at element ${element} (shape [${t.shape.join(', ')}]); the weights are corrupt, so every output would be too: download or export them again`);
        }
      }
      return bytes;
    },
  };
}

export async function openCheckpoint(files: ModelFiles): Promise<Checkpoint> {
  const indexText = await indexTextToUse(files);
  // shardNamesFromIndex validates the JSON, so the parse below cannot throw a bare SyntaxError.
  const fileNames = indexText === null ? [SINGLE_FILE] : shardNamesFromIndex(indexText, `${files.label}/${INDEX_FILE}`);
  const weightMap = indexText === null ? null : (JSON.parse(indexText).weight_map as Record<string, string>);
  const sources: ByteSource[] = [];
  const tensors = new Map<string, CheckpointTensor>();
  const close = async () => {
    await Promise.all(sources.map((s) => s.close()));
  };
  await releaseOnFailure(async () => {
    for (const file of fileNames) {
      const raw = await files.open(file);
      if (!raw) throw new MissingModelFileError(file, files.label);
      sources.push(raw);
      const header = await readSafetensorsHeader(raw);
      const source = finiteCheckedSource(raw, header.tensors, `${files.label}/${file}`);
      for (const t of header.tensors) {
        if (tensors.has(t.name)) throw new CheckpointError(`${files.label}: tensor "${t.name}" is in both ${tensors.get(t.name)!.file} and ${file}`);
        if (weightMap && weightMap[t.name] !== file) {
          throw new CheckpointError(`${files.label}/${file}: tensor "${t.name}" is listed in ${INDEX_FILE} under ${JSON.stringify(weightMap[t.name] ?? null)}`);
        }
        tensors.set(t.name, { ...t, file, source });
      }
    }
    if (weightMap) {
      for (const [name, file] of Object.entries(weightMap)) {
        if (!tensors.has(name)) throw new CheckpointError(`${files.label}: ${INDEX_FILE} lists "${name}" in ${file}, but that shard does not contain it`);
      }
    }
  }, close);
  return { label: files.label, files: fileNames, tensors, close };
}

/** Checks that every tensor the spec needs is present with its shape and a float dtype. Extra
 * tensors (a saved `lm_head.weight` beside tied embeddings, old `rotary_emb.inv_freq`) are ignored. */
/** Checks every weight against the spec; returns the one dtype they share. The engine reads all
 * weights with one dtype (a float32 norm read as bfloat16 pairs would be nonsense), so a checkpoint
 * that mixes them is refused by the first tensor that differs. */
export function validateCheckpoint(spec: ModelSpec, ckpt: Checkpoint): WeightDtype {
  let common: { dtype: WeightDtype; name: string } | undefined;
  for (const w of weightManifest(spec)) {
    const t = ckpt.tensors.get(w.name);
    if (!t) throw new CheckpointError(`${ckpt.label}: tensor "${w.name}" is missing (${spec.architecture} with ${spec.numLayers} layers needs it)`);
    if (t.shape.length !== w.shape.length || t.shape.some((d, i) => d !== w.shape[i])) {
      throw new CheckpointError(`${ckpt.label}/${t.file}: tensor "${w.name}" has shape [${t.shape.join(', ')}], config.json implies [${w.shape.join(', ')}]`);
    }
    if (t.dtype !== 'BF16' && t.dtype !== 'F16' && t.dtype !== 'F32') {
      throw new CheckpointError(`${ckpt.label}/${t.file}: tensor "${w.name}" has dtype ${t.dtype}; weights must be BF16, F16 or F32`);
    }
    common ??= { dtype: t.dtype, name: w.name };
    if (t.dtype !== common.dtype) {
      throw new CheckpointError(`${ckpt.label}/${t.file}: tensor "${w.name}" is ${t.dtype} but "${common.name}" is ${common.dtype}; checkpoints that mix weight dtypes are not supported (save the model in one dtype)`);
    }
  }
  return common?.dtype ?? spec.dtype;
}

export interface LoadedModel {
  spec: ModelSpec;
  checkpoint: Checkpoint;
}

/** config.json → spec, then open and validate the checkpoint against it. */
export async function openModel(files: ModelFiles): Promise<LoadedModel> {
  return openWeights(files, await readModelSpec(files));
}

/** config.json → spec, without the weights: enough to check a run's settings against the model's
 * shape before the weights are read (or downloaded). The dtype is config.json's until openWeights. */
export async function readModelSpec(files: ModelFiles): Promise<ModelSpec> {
  return parseModelConfig(await readModelText(files, 'config.json'), `${files.label}/config.json`);
}

/** Opens the checkpoint of `files` and validates it against `spec`; the spec returned has the files' dtype. */
export async function openWeights(files: ModelFiles, spec: ModelSpec): Promise<LoadedModel> {
  const checkpoint = await openCheckpoint(files);
  return releaseOnFailure(async () => {
    // The files' dtype, not config.json's torch_dtype, is what is uploaded and planned for.
    const dtype = validateCheckpoint(spec, checkpoint);
    return { spec: dtype === spec.dtype ? spec : { ...spec, dtype }, checkpoint };
  }, () => checkpoint.close());
}

/** The spec's tensors one at a time, in manifest order (the uploader drops each after writing it). */
export async function* streamModelWeights(spec: ModelSpec, ckpt: Checkpoint): AsyncGenerator<TensorBytes> {
  for (const w of weightManifest(spec)) {
    const t = ckpt.tensors.get(w.name);
    if (!t) throw new CheckpointError(`${ckpt.label}: tensor "${w.name}" is missing`);
    yield { name: t.name, dtype: t.dtype, shape: t.shape, bytes: await readTensorRange(t.source, t) };
  }
}
