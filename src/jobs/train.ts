// The training job, one loop for the studio and the CLI: tokenize the examples with the model's
// template, load the model with a LoRA (fresh, or a given adapter), open the run's history (resume
// from its newest checkpoint, or start afresh), then train step by step: every step's metrics into
// the store and out as an event, the held-out loss and the per-token loss strip at eval steps, a
// checkpoint every N steps, on pause or stop and at the end, and the PEFT adapter at the end.
// A lost GPU device or any error ends the run as `failed` with a message; the checkpoint stays for
// a resume. A resume refused (another training set, too few epochs) throws and leaves the run as
// it was. Where the run is kept (Dexie or a folder) is the RunStore's business, never this file's.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Example } from '../data/example.ts';
import { GpuDeviceLostError, GpuLimitError, GpuRefusedWorkError } from '../gpu/errors.ts';
import { loadEngineModel, type EngineModel } from '../model/engineModel.ts';
import { loraLayout, readLoraParams, unflattenLora } from '../model/deviceLora.ts';
import type { LoraAdapter } from '../model/lora.ts';
import type { BalanceState } from '../train/balance.ts';
import { exportPeftAdapter } from '../model/peft.ts';
import type { RunStatus } from '../data/db.ts';
import { tokenTexts } from '../data/token-segments.ts';
import { trainingSetDigest, type TokenizedExample } from '../train/batching.ts';
import { validateRunConfigFor, type RunConfig } from '../train/config.ts';
import { stepsForEpochs } from '../train/epochs.ts';
import { plural } from '../data/plural.ts';
import { tokenizeAllForTraining, trainingSets } from '../train/prepareData.ts';
import { resumedTrainingSet, Trainer, TrainingDivergedError, TrainingSetChangedError, type DumpedStep, type EvalMetrics, type StepMetrics, type TrainerState } from '../train/trainer.ts';
import { peftBaseModel, uploadProgress, type JobContext, type RunInterruption } from './context.ts';
import type { JobExamples } from './data.ts';
import type { BestStep, RunStore } from './store/runStore.ts';
import { tokenLossStrip, type TokenLossStrip } from './tokenLoss.ts';

export interface TrainJob {
  store: RunStore;
  config: RunConfig;
  examples: JobExamples;
  /** Continue from the store's newest checkpoint (a run without one starts from step 0). */
  resume: boolean;
  /** Steps from epochs over the tokenized training set instead of config.steps. */
  epochs?: number;
  /** Start from this adapter; its settings replace config.lora. */
  adapter?: LoraAdapter;
  /** Start α from this balance state (one a recipe's train.py or an HDR run kept in balance.json)
   * instead of α₀; a resumed checkpoint's own state wins. Its rule must be the config's. */
  balance?: BalanceState;
  events?: TrainEvents;
}

export interface TrainEvents {
  /** `step` undefined: the run failed before its checkpoint was read and keeps the step it had. */
  onStatus?(status: RunStatus, step: number | undefined, message?: string): void;
  onStep?(m: StepMetrics, totalSteps: number): void;
  onEval?(m: EvalMetrics): void;
  onTokenLoss?(strip: TokenLossStrip): void;
  /** Examples that did not fit the sequence length or could not be rendered, one message each
   * (before training starts): the training ones, then the held-out ones (`heldOut` of them, each
   * message saying "held-out"); `unrendered`: how many training ones the chat template cannot render. */
  onSkipped?(messages: string[], unrendered: number, heldOut: number): void;
  /** The configuration the run trains with, once its data is tokenized and before the model loads:
   * its steps are known here first when they come from epochs. `trainExamples`: the training
   * examples it passes over (those that fit the sequence length). */
  onPlanned?(config: RunConfig, trainExamples: number): void;
}

export interface TrainOutcome {
  status: RunStatus;
  step: number;
  message?: string;
  /** The run's total steps (config.steps, or from --epochs) and training examples used. */
  steps: number;
  trainExamples: number;
  /** Held-out examples the held-out loss was measured on: at most evalExamples of the eval side
   * (the first that fit), none when the run never evaluates (evalEvery 0). */
  heldOutLossExamples: number;
  /** Why it failed before its first step with no training example to train on (its message says
   * it in words): a caller reads this, not the words, to say what would help. */
  nothingToTrain?: NothingToTrainCause;
}

/** Why a run has no training example: every one is longer than its sequence length (only a new run
 * with a longer one helps: a run keeps its settings), none on the training side is used, or the
 * chat template cannot render some (the others, if any, too long). */
export type NothingToTrainCause = 'too_long' | 'none_used' | 'unrenderable';

interface Prepared {
  config: RunConfig;
  train: TokenizedExample[];
  held: TokenizedExample[];
  tooLong: string[];
  /** Examples the chat template cannot render, skipped like the too-long ones (one message each). */
  unrendered: string[];
  /** Held-out examples passed over (too long or not renderable), one message each. */
  heldSkipped: string[];
}

/** What a training run starts from, whether it then trains or only dumps its first step. */
type TrainingStart = Pick<TrainJob, 'config' | 'examples' | 'epochs' | 'adapter' | 'balance'> & Partial<Pick<TrainJob, 'resume'>>;

/** Tokenized train and held-out sets, and the config with its final steps and LoRA settings. */
async function prepare(ctx: JobContext, job: TrainingStart): Promise<Prepared> {
  const config: RunConfig = { ...job.config, lora: job.adapter?.settings ?? job.config.lora };
  // A resumed run's configuration is stored (it may predate a limit: validateRunConfig).
  validateRunConfigFor(config, ctx.model.spec, { stored: job.resume });
  // The held-out examples for the held-out loss are tokenized even with evalEvery 0: the run
  // records how many fit (its setup's held-out count, which a recipe of it is checked against), and
  // a resume may turn that loss on.
  const heldOut = Math.min(job.examples.eval.length, config.evalExamples);
  const total = job.examples.train.length + heldOut;
  const tokenized = (done: number) => ctx.progress({ label: 'tokenizing', done, total, unit: 'examples', heldOut });
  tokenized(0);
  const { train, held, tooLong, unrendered, heldSkipped } = await trainingSets(ctx.model.tokenizer, job.examples, config, {
    onProgress: tokenized,
    signal: ctx.signal,
  });
  if (job.epochs !== undefined && train.length > 0) {
    config.steps = stepsForEpochs(job.epochs, train.length, config.batchSize, config.gradAccum);
  }
  return { config, train, held, tooLong, unrendered, heldSkipped };
}

function loadModel(ctx: JobContext, job: TrainingStart, config: RunConfig): Promise<EngineModel> {
  return loadEngineModel(ctx.gpu, ctx.model.files, { lora: config.lora, adapter: job.adapter, seed: config.seed, maxTokens: config.batchSize * config.seqLen, recompute: config.recompute, onProgress: uploadProgress(ctx) });
}

/** A resume refused for settings the run cannot continue under, said in words (no class name). */
class ResumeRefusedError extends Error {}

/** A training job's error that is a refused resume (the run is as it was), not a failure. */
export function isResumeRefusal(err: unknown): boolean {
  return err instanceof ResumeRefusedError || err instanceof TrainingSetChangedError;
}

const NOTHING_TRAINED = 'stopped by the user before its first step; nothing was trained';

export async function trainJob(ctx: JobContext, job: TrainJob): Promise<TrainOutcome> {
  const { store, events = {} } = job;
  const { gpu } = ctx;
  let prepared: Prepared;
  try {
    prepared = await prepare(ctx, job);
  } catch (err) {
    if (!ctx.signal.aborted) throw err;
    // Paused or stopped while it tokenized: nothing trained, so nothing to save. A resumed run keeps
    // the step (and checkpoint) it had. A stop here changed nothing: the row stays as it was (a new
    // run startable, a run started or resumed again keeps what it had trained, and its status).
    const pause = (ctx.signal.reason as RunInterruption) === 'pause';
    // `created`: nothing changed; a resumed run says the step it keeps (step 0 read "stopped before
    // it trained a step" for a run with steps).
    if (!pause) return { status: 'created', step: job.resume ? await store.lastStep() : 0, message: job.resume ? 'stopped by the user before training went on; the run is as it was' : NOTHING_TRAINED, steps: job.config.steps, trainExamples: 0, heldOutLossExamples: 0 };
    const s: RunStatus = pause ? 'paused' : 'done';
    const message = pause ? undefined : 'stopped by the user';
    await store.setStatus(s, { ...(job.resume ? {} : { lastStep: 0 }), message, modelRef: ctx.model.ref });
    events.onStatus?.(s, job.resume ? undefined : 0, message);
    // A resumed run is paused where it was ("paused after step 0" read as if its steps were lost).
    return { status: s, step: job.resume ? await store.lastStep() : 0, message, steps: job.config.steps, trainExamples: 0, heldOutLossExamples: 0 };
  }
  const { config, held, tooLong, unrendered, heldSkipped } = prepared;
  let { train } = prepared;
  /** Examples after the ones a resumed run trained on (resumedTrainingSet): HDR's samples, or
   * examples the user included since that come after the run's own. */
  let addedSince = 0;
  /** `step` undefined: it failed before its checkpoint was read, and the run keeps the step it had;
   * `reported`: the step the outcome says (the checkpoint's if it was read, else the run's). */
  const status = async (s: RunStatus, step: number | undefined, message?: string, reported = step): Promise<TrainOutcome> => {
    await store.setStatus(s, { ...(step !== undefined ? { lastStep: step } : {}), message, modelRef: ctx.model.ref });
    events.onStatus?.(s, step, message);
    return { status: s, step: reported ?? 0, message, steps: config.steps, trainExamples: train.length, heldOutLossExamples: config.evalEvery > 0 ? held.length : 0 };
  };
  /** The step of the run's newest checkpoint, for a failure's resume hint: null, none (a fresh start
   * has none until it saves one); undefined, not known (a resume that failed before reading it). */
  let newestCheckpoint: number | null | undefined = job.resume ? undefined : null;
  const failed = async (err: unknown, step: number | undefined, reported = step): Promise<TrainOutcome> => {
    await store.flush().catch(() => undefined);
    return status('failed', step, failureMessage(err, ctx, newestCheckpoint), reported);
  };
  if (tooLong.length + unrendered.length + heldSkipped.length) events.onSkipped?.([...tooLong, ...unrendered, ...heldSkipped], unrendered.length, heldSkipped.length);
  if (train.length === 0) return { ...(await status('failed', 0, noTrainingExampleText(tooLong, unrendered, config.seqLen))), nothingToTrain: nothingToTrainCause(tooLong, unrendered) };
  events.onPlanned?.(config, train.length);

  // A failure before training (a corrupt checkpoint, a model or batch the GPU cannot hold) marks
  // the run failed at the step it had reached, and frees what was loaded.
  let state: Awaited<ReturnType<RunStore['openHistory']>> = null;
  /** keepBest: the lowest held-out loss per token so far, and its step (its checkpoint is the store's best). */
  let best: BestStep | null = null;
  /** Evaluations in a row since the best that found no lower loss (patience). */
  let sinceBest = 0;
  let checkpointStep: number | undefined;
  let model: EngineModel | undefined;
  let trainer: Trainer;
  try {
    // Refused before the history is cut back to the checkpoint: the run keeps its metrics and step.
    state = await store.openHistory(job.resume, (s) => {
      checkpointStep = s.step;
      // Another model's checkpoint (other widths or depth) fits no LoRA of this one: refused while
      // the run is as it was, not failed after its model loaded.
      const want = loraLayout(ctx.model.spec, config.lora).size;
      if (s.loraParams.length !== want) {
        throw new ResumeRefusedError(`the run's checkpoint holds a LoRA of ${s.loraParams.length} values, where ${ctx.model.ref} needs ${want} for the same LoRA settings: it was trained on another model; resume it with that one`);
      }
      const own = resumedTrainingSet(s, train);
      addedSince = train.length - own.length;
      train = own;
      // Steps from epochs are known only now (the CLI checks a --steps before loading): fewer than
      // the run trained would train nothing and write a run shorter than its own adapter.
      if (job.epochs !== undefined && s.step > config.steps) {
        throw new ResumeRefusedError(`the run has trained ${s.step} steps already, more than the ${config.steps} that ${job.epochs} epochs over ${train.length} training examples give; resume with more epochs, or with --steps ${s.step} to keep the adapter as it is`);
      }
    });
    newestCheckpoint = state?.step ?? null;
    // A resumed run goes on comparing with its best so far; one past its checkpoint is of steps it
    // trains again (a run folder's checkpoint is older than a best kept since), so it is not kept.
    const kept = config.keepBest ? await store.readBest() : null;
    best = kept && kept.step <= (state?.step ?? 0) ? kept : null;
    // Patience goes on counting where the run left off: the evaluations it kept after its best step.
    if (kept && best && config.patience) sinceBest = (await store.evaluatedSteps()).filter((s) => s > kept.step).length;
    model = await loadModel(ctx, job, config);
    trainer = new Trainer(model.state, train, config);
  } catch (err) {
    if (model && !gpu.ctx.lostError) model.release();
    // A refused resume trained and changed nothing: the run keeps its status (a paused run its
    // Resume), and the refusal is the caller's error to show, as a config refused in prepare is.
    if (isResumeRefusal(err)) throw err;
    // A resume that failed before its checkpoint was read says the step the run has ("failed after
    // 0 steps" read as if it had trained none).
    return failed(err, job.resume ? state?.step : 0, job.resume ? (checkpointStep ?? (await store.lastStep().catch(() => 0))) : 0);
  }
  /** `saved`: the trainer state of this step already read back (the best step's, saved just before). */
  const saveCheckpoint = async (saved?: TrainerState) => {
    await store.saveCheckpoint(saved ?? (await trainer.saveState()));
    newestCheckpoint = trainer.step;
  };
  /** The checkpoint of the step a run ends at (done or stopped): not written where the run keeps an
   * earlier best step, whose checkpoint replaces it at once (keepBestStep). */
  const saveEndCheckpoint = async () => {
    if (!(config.keepBest && best && best.step < trainer.step)) await saveCheckpoint();
  };
  let lastEval: EvalMetrics | undefined;
  /** The held-out loss per token before the run's first step (a resumed run's, from its first start). */
  let startLoss: number | undefined;
  /** keepBest as the run ends (done or stopped): the best step's checkpoint becomes the newest, and
   * the adapter files are its (`state`, null when the last step is the one kept), with the words
   * the run says it in; null without keepBest. */
  const keepBestStep = async (): Promise<{ state: TrainerState | null; words: string } | null> => {
    if (!config.keepBest) return null;
    if (!best) return { state: null, words: 'it keeps its last step’s adapter: no held-out loss was measured to choose another' };
    const loss = (x: number) => x.toFixed(4);
    // The lowest of the trained steps can still be above where the run started (a learning rate
    // far too high): kept, it would read as an improvement.
    const worse = startLoss !== undefined && Number.isFinite(startLoss) && best.loss >= startLoss ? `; but no step came below the held-out loss before training (${loss(startLoss)}): training made the model worse on held-out examples (a lower learning rate may help)` : '';
    if (best.step === trainer.step) return { state: null, words: `its last step had the lowest held-out loss per token (${loss(best.loss)}), so it keeps that adapter${worse}` };
    const kept = await store.rewindToBest();
    newestCheckpoint = kept.step;
    const last = lastEval?.step === trainer.step ? `, against ${loss(lastEval.evalLossTokens)} at its last step ${trainer.step}` : '';
    return { state: kept, words: `it keeps the adapter of step ${best.step}, its lowest held-out loss per token (${loss(best.loss)}${last})${worse}` };
  };
  const saveAdapter = (kept: TrainerState | null) =>
    store.saveAdapter(kept?.step ?? trainer.step, async () => {
      const lora = kept ? { settings: model.state.lora!.settings, tensors: unflattenLora(model.state.lora!.order, kept.loraParams) } : await readLoraParams(gpu, model.state.lora!);
      const peft = exportPeftAdapter(model.state.spec, lora, peftBaseModel(ctx.model));
      return { configJson: peft.adapterConfigJson, weights: peft.adapterSafetensors };
    }, kept?.balance ?? trainer.balance);
  try {
    if (job.balance) trainer.useBalance(job.balance);
    if (state) trainer.restoreState(state);
    // Where the held-out curve starts: the model before the first step (a resumed run keeps its own).
    let baseline: EvalMetrics | undefined;
    if (!state && config.evalEvery > 0 && held.length > 0) {
      ctx.progress({ label: 'held-out loss before training', done: 0, total: config.steps });
      baseline = await trainer.evalLoss(held);
    }
    startLoss = (await store.recordSetup({ config, examples: { train: train.length, eval: held.length, tooLong: tooLong.length, unrendered: unrendered.length, lastTrainId: train.at(-1)?.id, digest: trainingSetDigest(train) }, memory: model.bytes, gpuAdapter: gpu.ctx.adapter, ...(baseline ? { baseline } : {}) }))?.evalLossTokens;
    // The page draws it as the eval curve's step-0 point (a reload reads it from the setup).
    if (baseline) events.onEval?.(baseline);
    // Not only HDR's: an example included since that comes after the run's own looks the same here.
    const addedNote = addedSince > 0 ? `${plural(addedSince, 'example')} added to or included in the dataset since this run's checkpoint, after its own, ${addedSince === 1 ? 'is' : 'are'} not part of it: it goes on over its own ${train.length}; a new run trains on ${addedSince === 1 ? 'it' : 'them'}` : '';
    const runningMessage = [skippedNote(prepared, job.examples.eval.length), addedNote].filter(Boolean).join('; ') || undefined;
    await status('running', trainer.step, runningMessage);
    const texts = (ids: number[]) => tokenTexts(ctx.model.tokenizer, ids);
    while (trainer.step < config.steps) {
      if (ctx.signal.aborted) {
        const pause = (ctx.signal.reason as RunInterruption) === 'pause';
        // Stopped while the model loaded or the baseline ran: a fresh start with no step has no
        // adapter to keep (its earlier history went when it started again).
        if (!pause && !state && trainer.step === 0) return await status('created', 0, NOTHING_TRAINED);
        if (pause) {
          await saveCheckpoint();
          return await status('paused', trainer.step);
        }
        await saveEndCheckpoint();
        const kept = await keepBestStep();
        if (kept?.state) await saveAdapter(kept.state);
        return await status('done', trainer.step, ['stopped by the user', kept?.words].filter(Boolean).join('; '));
      }
      const m = await trainer.trainStep();
      await store.addMetric(m);
      events.onStep?.(m, config.steps);
      ctx.progress({ label: 'training', done: m.step, total: config.steps, rate: m.tokensPerSecond });
      // A new best step's trainer state, read back once for its best checkpoint and a regular one.
      let bestState: TrainerState | undefined;
      if (config.evalEvery > 0 && held.length > 0 && (m.step % config.evalEvery === 0 || m.step === config.steps)) {
        const e = await trainer.evalLoss(held);
        await store.addEval(e);
        events.onEval?.(e);
        lastEval = e;
        if (config.keepBest && Number.isFinite(e.evalLossTokens) && (best === null || e.evalLossTokens < best.loss)) {
          bestState = await trainer.saveState();
          await store.saveBest(bestState, e.evalLossTokens);
          best = { step: m.step, loss: e.evalLossTokens };
          sinceBest = 0;
        } else if (config.keepBest) {
          sinceBest++;
        }
        // The dashboard's per-token strip: the first held-out example (the store keeps the latest).
        const strip = await tokenLossStrip(gpu, model.state, held[0], config.seqLen, m.step, texts);
        await store.setTokenLoss(strip);
        events.onTokenLoss?.(strip);
      }
      // Patience run out (the eval above found no lower loss for the last `patience` times): the
      // run ends here as a stop does, keeping its best step.
      if (config.patience && best && sinceBest >= config.patience && trainer.step < config.steps) {
        await saveEndCheckpoint();
        const early = `stopped early: ${plural(sinceBest, 'held-out evaluation')} in a row found no lower loss than step ${best.step}’s`;
        const kept = await keepBestStep();
        if (kept?.state) await saveAdapter(kept.state);
        return await status('done', trainer.step, [early, kept?.words].filter(Boolean).join('; '));
      }
      if (config.checkpointEvery > 0 && m.step % config.checkpointEvery === 0) {
        await saveCheckpoint(bestState);
        // The row says the step its newest checkpoint holds: a tab closed or a worker lost from
        // here on leaves a run that says how far it got (and resumes from there), not step 0.
        // (The page follows the steps by their metrics: no status event.)
        await store.setStatus('running', { lastStep: m.step, message: runningMessage, modelRef: ctx.model.ref });
      }
    }
    await saveEndCheckpoint();
    const kept = await keepBestStep();
    await saveAdapter(kept?.state ?? null);
    return await status('done', trainer.step, kept?.words);
  } catch (err) {
    return await failed(err, Math.max(trainer.step, state?.step ?? 0));
  } finally {
    trainer.destroy();
    if (!gpu.ctx.lostError) model.release();
  }
}

/** Why a run has no training example to train on, from what tokenizing skipped. */
function nothingToTrainCause(tooLong: string[], unrendered: string[]): NothingToTrainCause {
  if (unrendered.length) return 'unrenderable';
  // None to skip either: a longer sequence would not help.
  return tooLong.length ? 'too_long' : 'none_used';
}

/** nothingToTrainCause in words, with what tokenizing skipped. */
function noTrainingExampleText(tooLong: string[], unrendered: string[], seqLen: number): string {
  const cause = nothingToTrainCause(tooLong, unrendered);
  if (cause === 'unrenderable') return `no training example could be used: ${skippedText(tooLong, unrendered, seqLen)}`;
  if (cause === 'none_used') return 'there are no training examples to train on: the dataset’s training side is empty, or every example on it is left out (flagged by the quality check, or left out in the studio’s examples table)';
  return `no training examples fit the sequence length ${seqLen} (${tooLong.length} too long): train with a longer one, or check the dataset`;
}

/** Why a run on `train` at `seqLen` would train nothing (the job's words, and a note per example
 * skipped), or null when an example fits: for a caller to say before it loads the model's weights.
 * Tokenizes up to the first example that fits, so a run that can train pays for one. */
export async function nothingToTrain(tokenizer: PreTrainedTokenizer, train: Example[], seqLen: number): Promise<{ message: string; skipped: string[] } | null> {
  const { examples, tooLong, unrendered } = await tokenizeAllForTraining(tokenizer, train, seqLen, { limit: 1 });
  return examples.length ? null : { message: noTrainingExampleText(tooLong, unrendered, seqLen), skipped: [...tooLong, ...unrendered] };
}

/** The examples a run skipped, in words: how many were too long, and how many the chat template
 * cannot render with the first one's reason (often the template's own, the same for them all). */
function skippedText(tooLong: string[], unrendered: string[], seqLen: number): string {
  const examples = (n: number) => `${n} example${n === 1 ? '' : 's'}`;
  const parts = [tooLong.length && `${examples(tooLong.length)} longer than ${seqLen} tokens`, unrendered.length && `${examples(unrendered.length)} the chat template cannot render (${unrendered[0]})`];
  return parts.filter(Boolean).join(' and ');
}

/** What the running run says it left out: the training examples skipped, and the held-out ones
 * passed over (the held-out loss is then on fewer examples than asked, or on none). `evalSide`: the
 * examples on the eval side of the split (fewer than evalExamples asks, the loss is on at most those). */
function skippedNote({ config, held, tooLong, unrendered, heldSkipped }: Prepared, evalSide: number): string {
  const parts = [tooLong.length + unrendered.length && `skipped ${skippedText(tooLong, unrendered, config.seqLen)}`];
  if (heldSkipped.length) parts.push(`the held-out loss is on ${held.length} of ${Math.min(config.evalExamples, evalSide)} examples: ${heldSkipped.length} held-out example${heldSkipped.length === 1 ? '' : 's'} passed over (${heldSkipped[0]})`);
  return parts.filter(Boolean).join('; ');
}

/** Why a run failed, in the words it keeps: a lost device says whether a resume goes on from a
 * checkpoint (`newestCheckpoint`, trainJob's) or the run must start again; errors that already say
 * what happened in words stand alone; others keep their class for the bug report. */
function failureMessage(err: unknown, ctx: JobContext, newestCheckpoint: number | null | undefined): string {
  const lost = err instanceof GpuDeviceLostError ? err : ctx.gpu.ctx.lostError;
  if (lost) {
    if (newestCheckpoint === null) return `${lost.message}. It had saved no checkpoint, so there is nothing to resume: start the run again from step 0`;
    return `${lost.message}. Resume the run to continue from its last checkpoint${newestCheckpoint ? ` (step ${newestCheckpoint})` : ''}`;
  }
  // A thrown string or object (a library's rejection) has no name or message of its own.
  if (!(err instanceof Error)) return String(err);
  return err instanceof TrainingDivergedError || err instanceof TrainingSetChangedError || err instanceof ResumeRefusedError || err instanceof GpuRefusedWorkError || err instanceof GpuLimitError ? err.message : `${err.name}: ${err.message}`;
}

/** The first optimizer step as DESIGN.md's dump: its inputs, per-token NLL, losses, α with the
 * balance state before and after, and LoRA gradients, without training or storing anything: the
 * same data, model and balance state a training run would start with. */
export async function dumpStep(ctx: JobContext, job: TrainingStart): Promise<DumpedStep> {
  const { config, train, tooLong, unrendered } = await prepare(ctx, job);
  if (train.length === 0) throw new Error(noTrainingExampleText(tooLong, unrendered, config.seqLen));
  const model = await loadModel(ctx, job, config);
  const trainer = new Trainer(model.state, train, config);
  try {
    if (job.balance) trainer.useBalance(job.balance);
    return await trainer.dumpNextStep();
  } finally {
    trainer.destroy();
    model.release();
  }
}
