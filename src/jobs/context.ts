// What every job runs with, in the worker and in the CLI alike: the GPU, the current model (files,
// spec, tokenizer), a progress callback and an abort signal (a training run reads the signal's
// reason: 'pause' keeps it resumable, anything else stops it). Also the one way a generating job
// loads the model with an adapter. Never touches storage: jobs write through a RunStore.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Example } from '../data/example.ts';
import { renderPrompt } from '../data/render-prompt.ts';
import type { Gpu } from '../gpu/index.ts';
import { openCheckpoint, openWeights, readModelSpec } from '../model/checkpoint.ts';
import type { ModelSpec } from '../model/config.ts';
import { loadEngineModel, type EngineModel } from '../model/engineModel.ts';
import { defaultStopTokenIds, generate } from '../model/generate.ts';
import { PREFILL_CHUNK_TOKENS, prefillChunkTokens } from '../model/kvCache.ts';
import type { LoraAdapter, LoraSettings } from '../model/lora.ts';
import { MissingModelFileError, type ModelFiles } from '../model/model-files.ts';
import type { UploadProgress } from '../model/upload.ts';
import { tokensWithEmbedding } from '../model/tokenCoverage.ts';
import { tokenizerFromModel } from '../train/prepareData.ts';
import { bindGenerator, tokenizerModelAccess, type ModelAccess } from '../eval/index.ts';

export interface ProgressInfo {
  label: string;
  done: number;
  total: number;
  /** Optional rate for downloads (bytes/s) or training (tokens/s). */
  rate?: number;
  /** Items behind `done` when it counts something else (records read while `done` counts bytes). */
  items?: number;
  /** What `done` and `total` count, where a view should show them (a run's long phases before its first step). */
  unit?: 'bytes' | 'examples';
  /** Of `total` examples, how many are held out, counted after the training ones (a run's tokenizing). */
  heldOut?: number;
}

/** A model the engine holds between jobs: its files, spec and tokenizer (weights are loaded per job). */
export interface LoadedModel {
  /** How runs name the model: `embedded:tiny-qwen3`, a hub repo id, `local:…`, or the CLI's --model. */
  ref: string;
  files: ModelFiles;
  spec: ModelSpec;
  tokenizer: PreTrainedTokenizer;
  /** The ids that end an answer (config.json's and generation_config.json's eos ids). */
  stopTokenIds: number[];
  /** The ids whose input embedding is not all zero, where few are (the embedded tiny model's 547;
   * tokenCoverage.ts): the data's other tokens reach it as nothing. Absent: every token has one. */
  tokensWithEmbedding?: Uint32Array;
  /** Where Python PEFT finds the model when it is not `ref` as written: the CLI's --model folder
   * as an absolute path, read from wherever the adapter goes. */
  peftBase?: string;
}

/** What an adapter_config.json names as its base model (base_model_name_or_path), which PEFT's
 * AutoPeftModelForCausalLM loads: a hub repo id or a folder; otherwise the studio's own name for
 * the model (`embedded:…`, `local:…`), which says what it was trained on but loads nothing. */
export function peftBaseModel(model: LoadedModel): string {
  return model.peftBase ?? model.ref;
}

export interface JobContext {
  gpu: Gpu;
  model: LoadedModel;
  progress(p: ProgressInfo): void;
  /** Aborts the job; a training run pauses when the reason is 'pause' and stops otherwise. */
  signal: AbortSignal;
  /** Says the job writes this run row from now on, whatever its status (an ablation's arm while it
   * is still `created`): it is not to be deleted under the job. */
  claimRun?(runId: string): void;
}

/** Why a training run was asked to end early (the abort reason JobEngine gives). */
export type RunInterruption = 'pause' | 'stop';

export async function openLoadedModel(files: ModelFiles, ref: string): Promise<LoadedModel> {
  return withWeights(await describeModel(files, ref));
}

/** A model as its config.json and tokenizer describe it, its weights not yet read: what a job's
 * settings are checked against (the context, the layers, the data's tokens) before gigabytes of
 * weights are downloaded or read. Its spec has config.json's dtype until withWeights. */
export async function describeModel(files: ModelFiles, ref: string): Promise<LoadedModel> {
  const spec = await readModelSpec(files);
  // Read now: a generation_config.json that does not parse is refused with the model, not at the
  // first evaluation or answer, after a run was trained on it.
  const stopTokenIds = await defaultStopTokenIds(files, spec);
  return { ref, files, spec, tokenizer: await tokenizerFromModel(files), stopTokenIds };
}

/** The described model with its weights' headers checked against its config (names, shapes, the
 * files' dtype): `files` hold the weights where the description's did not (a hub download of the rest). */
export async function withWeights(model: LoadedModel, files: ModelFiles = model.files): Promise<LoadedModel> {
  const { spec, checkpoint } = await openWeights(files, model.spec);
  try {
    const known = await tokensWithEmbedding(checkpoint, spec);
    // Of these weights (a described model may carry another's).
    return { ...model, files, spec, tokensWithEmbedding: known ?? undefined };
  } finally {
    await checkpoint.close();
  }
}

/** A job refused because its model's files were deleted: the model cannot run any more job, so the
 * engine lets it go (JobEngine.run) and the page shows it as not loaded, with this message. */
export class ModelFilesGoneError extends Error {
  constructor(readonly modelRef: string, message: string) {
    super(message);
    this.name = 'ModelFilesGoneError';
  }
}

/** Throws, naming the model, when its weights are no longer there: another tab (or this one)
 * deleted its cached files while `job` waited for the model's lock. Checked once the lock is
 * granted, so the job is refused in words before it starts, not failed by a missing file later (an
 * ablation reads the weights again for each arm). Reads the safetensors headers only. */
export async function requireModelFiles(model: LoadedModel, job: string): Promise<void> {
  let checkpoint;
  try {
    checkpoint = await openCheckpoint(model.files);
  } catch (err) {
    if (!(err instanceof MissingModelFileError)) throw err;
    throw new ModelFilesGoneError(model.ref, `${job} cannot start: the files of ${model.ref} were deleted (in this tab or another) while it waited for them; load ${model.ref} again in the Model panel, then start it again`);
  }
  await checkpoint.close();
}

/** Activation rows for generation: the longest prompt, up to one prefill chunk (longer ones take
 * several); `chunk` is the chunk this GPU holds (prefillChunkTokens). */
export function promptTokens(tokenizer: PreTrainedTokenizer, examples: Example[], chunk = PREFILL_CHUNK_TOKENS): number {
  let longest = 16;
  for (const e of examples) {
    longest = Math.max(longest, renderPrompt(tokenizer, e).ids.length);
    // The bound is reached: the rest cannot raise it (thousands of long BFCL prompts took minutes).
    if (longest >= chunk) break;
  }
  return Math.min(longest, chunk);
}

export interface GenerationModelOptions {
  /** The adapter to answer with; without one, a fresh LoRA from `lora` (HDR trains it) or none. */
  adapter: LoraAdapter | null;
  lora: LoraSettings | null;
  seed: number;
  maxTokens: number;
  /** The model also trains (HDR retrains between rounds): its activations keep what a backward
   * needs, per layer unless `recompute`. Otherwise they are for the forward alone: one layer's set,
   * no per-layer inputs, no gradient scratch (per-layer sets for a 4,096-token prefill were 7.7 GiB
   * on Qwen2.5-0.5B, 15.9 GiB on Qwen3-1.7B, for nothing). */
  trains?: { recompute: boolean };
  /** Weights to answer with in place of the model's own (a GGUF file read back,
   * export/ggufReadBack.ts): the same names and shapes, with the model's config and tokenizer. */
  weights?: ModelFiles;
}

const UPLOAD_LABEL = 'loading the model onto the GPU';

/** The weights' upload as the job's progress, in bytes: a 7B model's 15 GB take minutes. */
export function uploadProgress(ctx: JobContext): (p: UploadProgress) => void {
  ctx.progress({ label: UPLOAD_LABEL, done: 0, total: 1 });
  return (p) => ctx.progress({ label: UPLOAD_LABEL, done: p.bytesDone, total: p.bytesTotal, unit: 'bytes' });
}

/** The model on the GPU with its adapter, and the generate/encode/decode functions evaluation uses. */
export async function loadForGeneration(ctx: JobContext, opts: GenerationModelOptions): Promise<{ model: EngineModel; access: ModelAccess }> {
  const onProgress = uploadProgress(ctx);
  const { spec, tokenizer, stopTokenIds } = ctx.model;
  const files = opts.weights ?? ctx.model.files;
  // Generation reads a longer prompt in several prefill chunks, so its rows can shrink to what one
  // binding holds; a model that also trains keeps the rows of its micro-batch (the memory plan's).
  const maxTokens = opts.trains ? opts.maxTokens : Math.min(opts.maxTokens, prefillChunkTokens(spec, ctx.gpu.ctx.limits));
  const model = await loadEngineModel(ctx.gpu, files, { lora: opts.adapter ? null : opts.lora, adapter: opts.adapter ?? undefined, seed: opts.seed, maxTokens, recompute: opts.trains?.recompute ?? true, forwardOnly: !opts.trains, onProgress });
  const access = tokenizerModelAccess(tokenizer, bindGenerator(generate, model.state), stopTokenIds, spec.maxPositionEmbeddings);
  return { model, access };
}
