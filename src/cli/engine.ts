// The job engine in the CLI's own thread (the worker serves the same one to the studio): the
// --model folder or hub repo opened as the current model, and the GPU (Dawn; SwiftShader without
// a GPU) acquired when the first job needs it. Commands then choose a run store and call a job.
// A model opens in two parts: its config and tokenizer first (openCliModel; openCliModelFiles for the
// files alone), which a command checks its settings against, then its weights (`engine()`,
// `withWeights()`): a hub model's 1–15 GB download, or a folder's weights read, come only after the
// settings that would refuse the run have been told.
import { createGpu, type Gpu } from '../gpu/index.ts';
import { acquireNodeGpu } from '../gpu/nodeGpu.ts';
import { describeModel, withWeights, type LoadedModel } from '../jobs/context.ts';
import { JobEngine } from '../jobs/engine.ts';
import { modelFromAnywhere } from './localFiles.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { resolveModel, type ModelSourceOptions } from './modelSource.ts';

/** The --model's files but its weights (config.json, generation_config.json, the tokenizer: a hub
 * repo downloads only those), and the one way on to the rest, for a command that checks its
 * settings against the config alone (`studio export-onnx`: a model without a tokenizer is checked too). */
export interface CliModelFiles {
  files: ModelFiles;
  /** Downloads the weights (a hub repo; a folder holds them already): the files whole, unchecked. */
  weightFiles(): Promise<ModelFiles>;
}

export async function openCliModelFiles(modelArg: string, opts: ModelSourceOptions): Promise<CliModelFiles> {
  // One load in two downloads: if the first updated the config, the cached old weights are no model offline.
  const source = { ...opts, load: { updating: false } };
  return { files: await resolveModel(modelArg, { ...source, withoutWeights: true }), weightFiles: () => resolveModel(modelArg, source) };
}

/** The --model as its config and tokenizer describe it, and the one way to go on to its weights. */
export interface CliModel {
  /** Spec (config.json's dtype until the weights are read), tokenizer and stop ids. */
  model: LoadedModel;
  /** Downloads (a hub repo) and checks the weights: the model whole, for a command that drives the GPU itself. */
  withWeights(): Promise<LoadedModel>;
  /** withWeights, and the engine holding the model; `weights`: files holding the model's weights in
   * place of its own (a GGUF file read back), whose own are then not read. */
  engine(weights?: ModelFiles): Promise<{ engine: JobEngine; model: LoadedModel }>;
}

export async function openCliModel(modelArg: string, opts: ModelSourceOptions): Promise<CliModel> {
  const head = await openCliModelFiles(modelArg, opts);
  const described = { ...(await describeModel(head.files, modelArg)), peftBase: modelFromAnywhere(modelArg) };
  const whole = async () => withWeights(described, await head.weightFiles());
  return {
    model: described,
    withWeights: whole,
    async engine(weights) {
      const model = weights ? await withWeights(described, weights) : await whole();
      const engine = new JobEngine(cliGpu);
      engine.useModel(model);
      return { engine, model };
    },
  };
}

let processGpu: Promise<Gpu> | null = null;

/** The GPU this process's commands run on: acquired when the first one needs it, and again after a
 * loss, as the worker's engine does. A process runs one command; main() called again in the same
 * process (the tests do) keeps the device and its compiled pipelines, which took 3 of a short
 * `studio train`'s 5 seconds to build again on SwiftShader. */
export function cliGpu(): Promise<Gpu> {
  if (!processGpu) {
    const acquiring = acquireNodeGpu().then((ctx) => {
      void ctx.lost.then(() => {
        if (processGpu === acquiring) processGpu = null;
      });
      return createGpu(ctx);
    });
    acquiring.catch(() => {
      if (processGpu === acquiring) processGpu = null;
    });
    processGpu = acquiring;
  }
  return processGpu;
}
