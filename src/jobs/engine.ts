// The job engine: the one interface that runs jobs on the GPU, used in-thread by the CLI and served
// by the Web Worker (WebLLM's pattern: one engine, in-thread or behind a message protocol). It holds
// the current model between jobs and lets one job hold the GPU at a time: a training run (which can
// be paused or stopped) or another job (which can be cancelled). A new kind of job is a function
// `(ctx: JobContext, input) => Promise<result>` given to `run`; it gets the GPU, the model, progress
// and the abort signal, and keeps what it makes in the RunStore its input names.
// Never chooses a store and never reads flags or messages: its callers do.
import type { Gpu } from '../gpu/index.ts';
import { ModelFilesGoneError, requireModelFiles, type JobContext, type LoadedModel, type ProgressInfo, type RunInterruption } from './context.ts';
import { evaluateJob, type EvalJob } from './evaluate.ts';
import { hdrJob, type HdrJob, type HdrJobResult } from './hdr.ts';
import { trainJob, type TrainJob, type TrainOutcome } from './train.ts';
import { ablationJob, type AblationJob, type AblationResult } from './ablate.ts';
import type { EvalReport } from '../eval/index.ts';

/** A model load refused because a job holds the GPU (the page gives no advice about the model's files). */
export class ModelInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelInUseError';
  }
}

export type Job<Input, Result> = (ctx: JobContext, input: Input) => Promise<Result>;

interface Running {
  /** How messages name it: "an evaluation", "an HDR run", … */
  label: string;
  /** Set for a training run: pause and stop address it by run id. */
  trainingRunId?: string;
  abort: AbortController;
  /** Rows it said it writes (ctx.claimRun), whatever their status. */
  claimed: Set<string>;
}

export class JobEngine {
  private current: LoadedModel | null = null;
  private running: Running | null = null;

  /** `onRows`: the rows the running job writes, each time it claims one and ([]) when it ends: the
   * page shows them as its own job's, and a row another tab's worker writes as that tab's.
   * `holdModel`: runs the job's work once its model (its files) is marked in use, until it settles:
   * the job is this engine's (a Cancel finds it) while it waits for a deletion of the files to end.
   * `holdGpu`: runs the job holding the GPU against other engines on it (another tab's worker), or
   * throws without running it.
   * `onModelFilesGone`: the loaded model was let go, its files deleted (ModelFilesGoneError's message). */
  constructor(
    private readonly device: () => Promise<Gpu>,
    private readonly hooks: { onRows?(runIds: string[]): void; holdModel?<T>(modelRef: string, work: () => Promise<T>): Promise<T>; holdGpu?<T>(work: () => Promise<T>): Promise<T>; onModelFilesGone?(modelRef: string, message: string): void } = {},
  ) {}

  get model(): LoadedModel | null {
    return this.current;
  }

  /** The model later jobs use. Refused while a job holds the GPU (refuseModelChange). */
  useModel(model: LoadedModel): void {
    this.refuseModelChange();
    this.current = model;
  }

  /** Throws while a job holds the GPU: it goes on with the model it started with, while the panels,
   * the memory plan and the next job would be about the new one. Callers that fetch a model first
   * ask before the download too. */
  refuseModelChange(): void {
    const busy = this.running;
    if (!busy) return;
    const how = busy.trainingRunId !== undefined ? 'pause or stop it first' : 'wait for it or cancel it first';
    throw new ModelInUseError(`${busy.label} is using the GPU with ${this.current?.ref ?? 'the loaded model'}; ${how}, then load the other model`);
  }

  requireModel(): LoadedModel {
    if (!this.current) throw new Error('no model is loaded; choose a model first');
    return this.current;
  }

  /** Runs `job` holding the GPU alone. `trainingRunId` marks a training run (pause/stop reach it). */
  async run<I, R>(label: string, job: Job<I, R>, input: I, progress: (p: ProgressInfo) => void = () => undefined, trainingRunId?: string): Promise<R> {
    const busy = this.running;
    if (busy?.trainingRunId !== undefined) {
      throw new Error(trainingRunId !== undefined ? 'another run is training; pause or stop it first' : `a training run is using the GPU; pause it before starting ${label}`);
    }
    if (busy) throw new Error(trainingRunId !== undefined ? `${busy.label} is using the GPU; wait for it or cancel it first` : `${busy.label} is running; wait for it or cancel it first`);
    const model = this.requireModel();
    const running: Running = { label, trainingRunId, abort: new AbortController(), claimed: new Set() };
    const claimRun = (runId: string) => {
      running.claimed.add(runId);
      this.hooks.onRows?.([...running.claimed]);
    };
    this.running = running;
    // Set inside onGpu (a closure): typed so the finally below does not take it for always null.
    let gpu = null as Gpu | null;
    const onGpu = async () => {
      const device = (gpu = await this.device());
      device.ctx.clearRefusal();
      const work = () => job({ gpu: device, model, progress, signal: running.abort.signal, claimRun }, input);
      const { holdModel } = this.hooks;
      // A deletion of the model's files held its lock alone: granted after one, the files may be gone.
      return await (holdModel ? holdModel(model.ref, async () => (await requireModelFiles(model, label), work())) : work());
    };
    try {
      return await (this.hooks.holdGpu?.(onGpu) ?? onGpu());
    } catch (err) {
      // Kept, it would read as loaded and refuse every next job the same way.
      if (err instanceof ModelFilesGoneError && this.current === model) {
        this.current = null;
        this.hooks.onModelFilesGone?.(model.ref, err.message);
      }
      throw err;
    } finally {
      this.running = null;
      if (running.claimed.size > 0) this.hooks.onRows?.([]);
      // The job's buffers went with it: so do the bind groups that bound them.
      if (gpu && !gpu.ctx.lostError) gpu.recorder.forgetBindGroups();
    }
  }

  train(job: TrainJob, progress?: (p: ProgressInfo) => void, runId = job.store.label): Promise<TrainOutcome> {
    return this.run('a training run', trainJob, job, progress, runId);
  }

  evaluate(job: EvalJob, progress?: (p: ProgressInfo) => void): Promise<EvalReport> {
    return this.run('an evaluation', evaluateJob, job, progress);
  }

  hdr(job: HdrJob, progress?: (p: ProgressInfo) => void): Promise<HdrJobResult> {
    return this.run('an HDR run', hdrJob, job, progress);
  }

  /** An ablation holds the GPU for all its arms; cancelling it ends it after the current step. */
  ablate(job: AblationJob, progress?: (p: ProgressInfo) => void): Promise<AblationResult> {
    return this.run('an ablation', ablationJob, job, progress);
  }

  /** Asks the training run to end at the next step with a checkpoint: paused (resumable) or stopped. */
  interrupt(runId: string, how: RunInterruption): void {
    if (this.running?.trainingRunId !== runId) throw new Error(`run ${runId} is not training`);
    this.running.abort.abort(how);
  }

  /** How messages name the job running now ("the training run “sft”", "an evaluation"); null: none. */
  get runningLabel(): string | null {
    return this.running?.label ?? null;
  }

  /** How the running job is named when it is writing this run row (its training run, or a row it
   * claimed: an HDR run, an ablation and its arms), else null. A row set running since the job began
   * is not enough: another tab's worker may be training it. */
  writing(row: { id: string }): string | null {
    const r = this.running;
    return r && (r.claimed.has(row.id) || r.trainingRunId === row.id) ? r.label : null;
  }

  /** Aborts the running job that is not a training run (it ends with what it has). */
  cancel(): void {
    if (this.running && this.running.trainingRunId === undefined) this.running.abort.abort();
  }
}
