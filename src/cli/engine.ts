// The job engine in the CLI's own thread (the worker serves the same one to the studio): the
// --model folder or hub repo opened as the current model, and the GPU (Dawn; SwiftShader without
// a GPU) acquired when the first job needs it. Commands then choose a run store and call a job.
import { createGpu, type Gpu } from '../gpu/index.ts';
import { acquireNodeGpu } from '../gpu/nodeGpu.ts';
import { openLoadedModel, type LoadedModel } from '../jobs/context.ts';
import { JobEngine } from '../jobs/engine.ts';
import { modelFromAnywhere } from './localFiles.ts';
import { resolveModel, type ModelSourceOptions } from './modelSource.ts';

export async function cliEngine(modelArg: string, opts: ModelSourceOptions): Promise<{ engine: JobEngine; model: LoadedModel }> {
  const model = { ...(await openLoadedModel(await resolveModel(modelArg, opts), modelArg)), peftBase: modelFromAnywhere(modelArg) };
  let gpu: Promise<Gpu> | null = null;
  const engine = new JobEngine(() => (gpu ??= acquireNodeGpu().then(createGpu)));
  engine.useModel(model);
  return { engine, model };
}
