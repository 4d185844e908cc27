// The HDR job, one for the studio and the CLI: load the model with the starting adapter (or a
// fresh LoRA), mine hard cases from the mining set and the open hard cases earlier runs left
// (hdr/openCases.ts), then run src/hdr's rounds (sample, gate,
// retrain from the current adapter, re-evaluate) with the run's store keeping the pool, the
// accepted samples and every round; after each round the retrained adapter is kept with the run, with the
// balance rule's state, so evaluation, export and a later HDR run can start from it (it replaces the
// round before's: the run keeps its last round's adapter). Retraining
// continues α from the run HDR starts from (its balance state), not from α₀.
// The procedure is src/hdr/rounds.ts; this file only wires the model, the store and progress.
import type { Example } from '../data/example.ts';
import type { EvalReport } from '../eval/index.ts';
import { examplesToMine, minableExamples, mineHardCases, openCasesNotes, runHdrRounds, withEarlierOutputs, type ExamplesToMine, type OpenHardCase, trainerRetraining, validateHdrSettings, type CutShortRound, type HardCase, type HdrEngine, type HdrRoundReport, type HdrSettings, type HdrStopReason } from '../hdr/index.ts';
import { readLoraParams } from '../model/deviceLora.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { exportPeftAdapter } from '../model/peft.ts';
import { validateRunConfigFor, type RunConfig } from '../train/config.ts';
import { tokenizeForTraining } from '../train/prepareData.ts';
import type { StepMetrics } from '../train/trainer.ts';
import type { BalanceState } from '../train/balance.ts';
import type { EngineModel } from '../model/engineModel.ts';
import { loadForGeneration, peftBaseModel, promptTokens, type JobContext } from './context.ts';
import { prefillChunkTokens } from '../model/kvCache.ts';
import type { HdrPool, RunStore } from './store/runStore.ts';
import { hdrRetrainSeqLen, longestMinedPrompt } from '../model/sequence-length.ts';
import { planMemory } from '../model/memory-plan.ts';
import { renderPrompt } from '../data/render-prompt.ts';
import type { PreTrainedTokenizer } from '@huggingface/transformers';

export interface HdrJob {
  store: RunStore;
  settings: HdrSettings;
  /** Retraining configuration (see retrainConfig); its LoRA settings give a fresh adapter's shape. */
  config: RunConfig;
  /** Examples to mine hard cases from. */
  mineSet: Example[];
  /** Hard cases earlier HDR runs left open on this data (the dataset's in the studio, an --adapter
   * HDR run folder's in the CLI): asked again beside `mineSet`, so the next run retries them.
   * None for an ablation's HDR arm, which mines the same set as a run on its own would. */
  openCases?: OpenHardCase[];
  /** The side `mineSet` was drawn from, where the open cases are looked up: the training side
   * (`replayPool`) unless given (`studio hdr --mine eval` mines the held-out side). */
  mineFrom?: Example[];
  /** Held-out examples for accuracy before/after each round (may be empty). */
  evalSet: Example[];
  /** Qualified training data replayed beside the HDR samples. */
  replayPool: Example[];
  /** HDR samples of held-out questions, known but never replayed (HdrRunInput). */
  heldOutSamples?: Example[];
  /** HDR samples not in use, known so they are not accepted again (HdrRunInput). */
  excludedSamples?: Example[];
  /** Start from this adapter; null: a fresh LoRA from config.lora. */
  adapter: LoraAdapter | null;
  /** The balance state of the run the adapter comes from (its rule must be config's); null: α₀. */
  balance?: BalanceState | null;
  events?: HdrEvents;
}

export interface HdrEvents {
  /** `notes`: the open hard cases mining asked again or could not (openCasesNotes), and the examples
   * it left out and why (mineHardCases). */
  onMined?(report: EvalReport, pool: HardCase[], notes: string[]): void;
  onRound?(report: HdrRoundReport): void;
  onStep?(round: number, m: StepMetrics): void;
  onProgress?(text: string): void;
}

export interface HdrJobResult {
  stopReason: HdrStopReason;
  /** Rounds recorded, the one a cancel cut short (`cutShort`) among them. */
  rounds: number;
  poolStart: number;
  poolEnd: number;
  added: number;
  cutShort?: CutShortRound;
}

/**
 * The retraining config with a sequence length that holds every sample HDR can accept
 * (hdrRetrainSeqLen over the longest prompt it mines). With the run's (or the studio's 320) length,
 * accepted samples longer than the data were skipped as too long after all the sampling.
 */
export function fitSamples(config: RunConfig, settings: HdrSettings, tokenizer: PreTrainedTokenizer, mineSet: Example[], context: number): RunConfig {
  return fitted(config, settings, minedPrompt(tokenizer, mineSet, settings, context), context);
}

/** The longest prompt of `mineSet` HDR mines (longestMinedPrompt over the rendered prompts). */
function minedPrompt(tokenizer: PreTrainedTokenizer, mineSet: Example[], settings: HdrSettings, context: number): number {
  // Counted, a prompt mining leaves out as too long took the retraining to the whole context.
  return longestMinedPrompt(mineSet.map((e) => renderPrompt(tokenizer, e).ids.length), settings.maxNewTokens, context);
}

function fitted(config: RunConfig, settings: HdrSettings, longestPrompt: number, context: number): RunConfig {
  const seqLen = hdrRetrainSeqLen(config.seqLen, longestPrompt, settings.maxNewTokens, context);
  return seqLen > config.seqLen ? { ...config, seqLen } : config;
}

/**
 * fitSamples, refused in words where this GPU cannot bind a buffer of HDR at that length (the
 * memory plan's verdict, HDR's own included): checked at the run's length only, HDR failed when it
 * loaded its model with a bare GPU-limit error, or, for an ablation, after its other arms trained.
 */
export function fitSamplesOnGpu(ctx: Pick<JobContext, 'gpu' | 'model'>, config: RunConfig, settings: HdrSettings, mineSet: Example[]): RunConfig {
  const { spec, tokenizer } = ctx.model;
  const context = spec.maxPositionEmbeddings;
  const longestPrompt = minedPrompt(tokenizer, mineSet, settings, context);
  const retraining = fitted(config, settings, longestPrompt, context);
  const { maxBufferSize, maxStorageBufferBindingSize } = ctx.gpu.ctx.limits;
  const shape = { batch: config.batchSize, seqLen: config.seqLen, rank: config.lora.rank, targets: config.lora.targets, recompute: config.recompute, loraDropout: config.lora.dropout, decode: { batch: settings.batchSize, maxNewTokens: settings.maxNewTokens, promptTokens: longestPrompt, sampled: true } };
  const plan = planMemory(spec, shape, { maxBufferSize, maxStorageBufferBindingSize });
  const problem = [...plan.problems, ...plan.hdrProblems][0];
  if (problem) {
    const batch = config.batchSize > 1 ? `, the retraining batch (${config.batchSize})` : '';
    throw new Error(`HDR cannot retrain on this GPU at sequence length ${retraining.seqLen} (its longest mined prompt, ${longestPrompt} tokens, plus an answer of up to ${settings.maxNewTokens}): ${problem}. Lower Max new tokens (${settings.maxNewTokens})${batch} or Examples to mine (${mineSet.length} mined; fewer can leave the longest prompt out)`);
  }
  return retraining;
}

/**
 * The pool's hooks, with `outcome`'s pool and added count kept as they store them. A round's
 * samples (real, checked answers: they stay in the data) and solved cases are stored before its
 * retraining; counted only when the round finished, a run whose retraining then failed said fewer
 * added and a larger pool than its files held. `rounds` counts finished rounds only (onRound).
 */
export function countedHooks(outcome: { poolEnd: number; added: number }, hooks: HdrPool['hooks']): HdrPool['hooks'] {
  return {
    ...hooks,
    onHardCases: async (round, open) => {
      outcome.poolEnd = open.length;
      await hooks.onHardCases?.(round, open);
    },
    onAccepted: async (round, examples) => {
      outcome.added += examples.length;
      await hooks.onAccepted?.(round, examples);
    },
  };
}

/** The examples a job mines: its mining set and the open hard cases it takes up, found among its
 * training examples (examplesToMine). */
export function jobExamplesToMine(job: Pick<HdrJob, 'mineSet' | 'replayPool' | 'openCases' | 'mineFrom'>): ExamplesToMine {
  return examplesToMine(job.mineSet, minableExamples(job.mineFrom ?? job.replayPool), job.openCases ?? []);
}

export async function hdrJob(ctx: JobContext, job: HdrJob): Promise<HdrJobResult> {
  const { settings, store, events = {} } = job;
  // Its row is `running` from the start: this job writes it.
  ctx.claimRun?.(store.id);
  validateHdrSettings(settings);
  validateRunConfigFor(job.config, ctx.model.spec);
  if (job.mineSet.length === 0) throw new Error('there are no training examples to mine hard cases from');
  const toMine = jobExamplesToMine(job);
  const config = fitSamplesOnGpu(ctx, job.config, settings, toMine.examples);
  const batchTokens = config.batchSize * config.seqLen;
  const prompts = promptTokens(ctx.model.tokenizer, [...toMine.examples, ...job.evalSet], prefillChunkTokens(ctx.model.spec, ctx.gpu.ctx.limits));
  const maxTokens = Math.max(batchTokens, prompts);
  // The retraining keeps per-layer activations as the run does, unless the prompts need more rows
  // than a training batch: then every layer would hold a prompt-sized set only generation uses.
  const recompute = config.recompute || prompts > batchTokens;
  const pool = await store.hdrPool(settings, config);
  const outcome = { settings, config, stopReason: '', failed: false, rounds: 0, poolStart: 0, poolEnd: 0, added: 0 };
  let model: EngineModel | null = null;
  try {
    const loaded = await loadForGeneration(ctx, { adapter: job.adapter, lora: config.lora, seed: config.seed, maxTokens, trains: { recompute } });
    model = loaded.model;
    const { state } = model;
    const access = loaded.access;
    const firstRound = await pool.firstRound();
    const retrain = trainerRetraining(state, {
      config,
      stepsPerRound: settings.stepsPerRound,
      tokenize: (e) => tokenizeForTraining(ctx.model.tokenizer, e, config.seqLen),
      initialBalance: job.balance ?? null,
      onStep: (round, m) => {
        ctx.progress({ label: `round ${round}: retraining`, done: m.step, total: settings.stepsPerRound });
        events.onStep?.(round, m);
      },
    });
    const keepAdapter = (round: number) => store.saveAdapter(
      round,
      async () => {
        const peft = exportPeftAdapter(state.spec, await readLoraParams(state.gpu, state.lora!), peftBaseModel(ctx.model));
        return { configJson: peft.adapterConfigJson, weights: peft.adapterSafetensors };
      },
      retrain.balance ?? undefined,
    );
    const engine: HdrEngine = { ...access, train: (examples, round, signal) => retrain.train(examples, round, signal) };
    ctx.progress({ label: `mining hard cases from ${toMine.examples.length} examples`, done: 0, total: toMine.examples.length });
    const count = (label: string, done: number, total: number) => ctx.progress({ label, done, total });
    const mined = await mineHardCases(toMine.examples, engine, settings, ctx.signal, count);
    const minedPool = withEarlierOutputs(mined.pool, job.openCases ?? [], settings.maxFailedOutputs);
    const notes = [...openCasesNotes(toMine, job.mineSet.length, job.mineFrom ? 'held-out' : 'training'), ...mined.notes];
    // Kept up to date from here on, so a run that fails later says what it mined and the rounds it
    // finished (hdr.json said "0 rounds, pool 0 → 0" beside them).
    Object.assign(outcome, { poolStart: minedPool.length, poolEnd: minedPool.length });
    await pool.saveMined(mined.report, minedPool, notes);
    events.onMined?.(mined.report, minedPool, notes);
    const result = await runHdrRounds({
      pool: minedPool,
      evalSet: job.evalSet,
      replayPool: job.replayPool,
      heldOutSamples: job.heldOutSamples,
      excludedSamples: job.excludedSamples,
      engine,
      settings,
      signal: ctx.signal,
      firstRound,
      hooks: {
        ...countedHooks(outcome, pool.hooks),
        onRound: async (r) => {
          outcome.rounds++;
          await pool.hooks.onRound?.(r);
          // Kept with every finished round, not once at the end: a later round that fails (its
          // retraining throws, the GPU is lost) took the adapter of the rounds before it with it.
          await keepAdapter(r.round);
          events.onRound?.(r);
        },
        onProgress: (text) => {
          ctx.progress({ label: text, done: 0, total: 0 });
          events.onProgress?.(text);
        },
        onCount: count,
      },
    });
    // Every finished round kept its adapter (onRound). A run that ended before any round without being
    // cancelled (no hard case mined) keeps the one it started from, which is its result: evaluated,
    // exported or continued (an ablation's HDR arm) like any other. Cancelled, it keeps none.
    if (result.rounds.length === 0 && result.stopReason !== 'aborted') await keepAdapter(0);
    Object.assign(outcome, {
      stopReason: result.stopReason,
      rounds: result.rounds.length,
      poolStart: minedPool.length,
      poolEnd: result.pool.filter((c) => c.status === 'open').length,
      added: result.added.length,
    });
    await pool.finish(outcome);
    const last = result.rounds.at(-1);
    const cutShort = last?.cancelledIn ? { cutShort: { round: last.round, phase: last.cancelledIn } } : {};
    return { stopReason: result.stopReason, rounds: outcome.rounds, poolStart: outcome.poolStart, poolEnd: outcome.poolEnd, added: outcome.added, ...cutShort };
  } catch (err) {
    await pool.finish({ ...outcome, stopReason: (err as Error).message, failed: true }).catch(() => undefined);
    throw err;
  } finally {
    model?.release();
  }
}
