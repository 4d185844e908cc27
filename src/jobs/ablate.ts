// The ablation job, one for the studio and the CLI: the paper's comparison on the user's data.
// Arms share the split, seed, steps, LoRA settings and learning rate and differ only in how the
// loss balances reasoning and call tokens: `sft` (token mean), `fixed:<α₀>`, `ssb:<rule>` for each
// balance rule compared, and `ssb:<rule>+hdr` (HDR rounds starting from that SSB arm's adapter and
// balance state). Every arm is a normal run of its workspace (a training run, or an HDR run for the
// HDR arm), then its adapter is evaluated on the same held-out examples with the same decoding (an
// evaluation run). The base model (no adapter) is evaluated first, alike: the reference that says
// whether any arm learned anything. The result (accuracy per category, BFCL's aggregate, failures by rule, the
// loss and α curves, which run is which) is kept by the ablation's own store, which writes the
// report (./ablationReport.ts) where its home keeps files.
// Runs the other jobs' functions in sequence with the one GPU; never touches storage directly.
import { compareAnswers, type AnswerComparison, type EvalSummary, type Prediction } from '../eval/index.ts';
import type { Example } from '../data/example.ts';
import type { SplitSettings } from '../data/split.ts';
import { firstMinable } from '../hdr/index.ts';
import { balanceAlpha } from '../train/balance.ts';
import { balanceSettingsOf, lossLabel, type RunConfig } from '../train/config.ts';
import type { StepMetrics } from '../train/trainer.ts';
import { segmentGaps } from '../train/ssb.ts';
import { GpuDeviceLostError, GpuRefusedWorkError } from '../gpu/errors.ts';
import type { JobContext, RunInterruption } from './context.ts';
import { promptKey } from '../data/prompt-key.ts';
import { evaluationSample, type JobExamples } from './data.ts';
import { evaluateJob, type Decoding } from './evaluate.ts';
import { fitSamples, fitSamplesOnGpu, hdrJob } from './hdr.ts';
import type { RunStore, RunWorkspace } from './store/runStore.ts';
import { trainJob } from './train.ts';
import { ablationArms, ARM_OF, BASE_MODEL, validateAblationConfig, type AblationArm, type AblationConfig } from './ablationConfig.ts';

/** One point of an arm's curves (an optimizer step; the HDR arm's retraining steps follow its
 * SSB arm's steps, numbered on). */
export interface AblationPoint {
  step: number;
  loss: number;
  /** Null where the step's batch had no tokens of that segment (the trainer logs 0 for its loss
   * and puts all weight on the other, α 0 or 1: not values of the arm). */
  lossCot: number | null;
  lossCall: number | null;
  alpha: number | null;
}

export interface AblationArmResult {
  id: string;
  label: string;
  /** The loss as runs name it (`ssb:uncertainty`, `fixed:0.7`, `sft`). */
  loss: string;
  /** The run that holds the arm's adapter (the training run, or the HDR run), and the evaluation. */
  run: { id: string; name: string; kind: 'train' | 'hdr' };
  evalRun: { id: string; name: string };
  summary: EvalSummary;
  curve: AblationPoint[];
  /** α the arm started at and ended with (the balance rule's, after its last update); null for SFT,
   * whose α is only the token share. */
  alpha0: number | null;
  finalAlpha: number | null;
  /** `steps`: the retraining steps of its rounds, past the arm it starts from (absent in results made before). */
  hdr?: { rounds: number; poolStart: number; poolEnd: number; added: number; stopReason: string; steps?: number };
  /** Its answers beside the SFT arm's, example by example: what the loss changed beyond the accuracy
   * (absent for SFT itself, where SFT did not finish, and in results made before). */
  vsSft?: AnswerComparison;
}

/** The base model with no adapter, evaluated as the arms are: what training changed is read against it. */
export interface AblationBaseResult {
  evalRun: { id: string; name: string };
  summary: EvalSummary;
}

export interface AblationResult {
  name: string;
  arms: AblationArmResult[];
  /** Absent where its evaluation did not finish (cancelled), and in results made before. */
  base?: AblationBaseResult;
  /** Held-out examples each arm answered. */
  heldOut: number;
  /** What every arm shared. */
  shared: { steps: number; seed: number; batchSize: number; seqLen: number; lr: number; lora: RunConfig['lora']; alpha0: number; alphaMin: number; alphaMax: number; decoding: Decoding };
  /** The ablation ended before it tried every arm (cancelled, a lost GPU, a closed page); arms that
   * failed while the others ran are in `failed`, not a stop. */
  stopped: boolean;
  /** Arms that failed, and why; the others still ran (absent in results made before). */
  failed?: Array<{ id: string; message: string }>;
  /** Examples every arm skipped (the same for every arm): too long for the sequence length, or
   * `unrendered` of them not renderable by the chat template. */
  skipped: number;
  /** Of `skipped`, those the chat template cannot render (absent in results made before: all too long). */
  unrendered?: number;
  /** The data the arms ran on, as it was when the ablation started (absent in results made before):
   * a dataset changed since (HDR samples, a re-import) is told apart from it. */
  dataset?: AblationData;
}

/** A dataset by name and content: `fingerprint` is src/data/fingerprint.ts's. */
export interface AblationData {
  name: string;
  fingerprint: string;
  /** The studio dataset row's count of examples included or left out (its `inclusionEdits`), which
   * the fingerprint does not cover (absent where none is kept: the CLI, results made before). */
  inclusionEdits?: number;
  /** The studio dataset's split when the arms ran (absent: the CLI, results made before): split
   * again since, its arms' held-out examples are not the dataset's now. */
  split?: SplitSettings;
}

export interface AblationEvents {
  /** An arm starts a phase. */
  onPhase?(arm: AblationArm, phase: 'training' | 'hdr' | 'evaluating', index: number, arms: number): void;
  onStep?(armId: string, m: StepMetrics): void;
  onArmDone?(arm: AblationArmResult): void;
  /** The base model's evaluation, before the first arm. */
  onBaseDone?(base: AblationBaseResult): void;
  /** Examples that do not fit the sequence length or cannot be rendered, one message each (once, from the first arm that tokenizes). */
  onSkipped?(messages: string[]): void;
}

export interface AblationJob {
  /** The ablation's own record (status, result, report). */
  store: RunStore;
  /** Where each arm's runs are created. */
  workspace: RunWorkspace;
  name: string;
  config: AblationConfig;
  examples: JobExamples;
  /** What `examples` are, named in the result and its report. */
  dataset?: AblationData;
  events?: AblationEvents;
  /** Trains an arm holding its run's lock, as a training run is trained (the browser's Web Lock:
   * another tab sees the arm training, not interrupted, and cannot resume or delete it). */
  lockRun?<T>(runId: string, work: () => Promise<T>): Promise<{ refused: false; value: T } | { refused: true }>;
}

/** Cancelling an ablation pauses the arm that is training (with a checkpoint, resumable from the
 * Runs panel) instead of ending it as a finished run of fewer steps. */
function pausingSignal(signal: AbortSignal): AbortSignal {
  const pausing = new AbortController();
  const pause = () => pausing.abort('pause' satisfies RunInterruption);
  if (signal.aborted) pause();
  else signal.addEventListener('abort', pause, { once: true });
  return pausing.signal;
}

/** An arm's curve point from a training step: a segment the step had no tokens of is a gap. */
export function ablationPoint(m: StepMetrics, step = m.step): AblationPoint {
  const gaps = segmentGaps(m as unknown as Record<string, number>);
  const kept = (k: 'lossCot' | 'lossCall' | 'alpha') => (gaps.includes(k) ? null : m[k]);
  return { step, loss: m.loss, lossCot: kept('lossCot'), lossCall: kept('lossCall'), alpha: kept('alpha') };
}
const point = ablationPoint;

/** How an ablation ended, in words (null: every arm finished). One that failed some arms and ran
 * the others did not stop: it says how many arms failed, as the row, the notice and the CLI tell it. */
export function ablationEndText(result: Pick<AblationResult, 'arms' | 'failed' | 'stopped'>, armCount: number): string | null {
  const failed = result.failed ?? [];
  if (result.stopped) return `stopped after ${result.arms.length} of ${armCount} arms`;
  if (failed.length === 0) return null;
  return `${result.arms.length} of ${armCount} arms trained and evaluated; ${failed.length} failed (${failed.map((f) => f.id).join(', ')})`;
}

/** Why the SSB + HDR arm would find nothing to mine in `train`, or null. Found only when its turn
 * came, every arm before it had trained for nothing; with training examples to train on, the only
 * way to have none to mine is a side of samples an earlier HDR run added. `withoutHdr` says how to
 * leave the arm out where the message is read (the form's choice, or `--hdr-rule none`). */
export function hdrArmNothingToMine(c: Pick<AblationConfig, 'hdrRule'>, train: Example[], withoutHdr: string): string | null {
  if (c.hdrRule === null || train.length === 0 || firstMinable(train, 1).length) return null;
  const n = train.length;
  return `the ssb:${c.hdrRule}+hdr arm has nothing to mine: ${n === 1 ? 'the training example is a sample' : `the ${n} training examples are all samples`} an earlier HDR run added, which are not mined again; ${withoutHdr}, or on the dataset they were sampled from`;
}

export async function ablationJob(ctx: JobContext, job: AblationJob): Promise<AblationResult> {
  const { config: c, workspace, store, events = {} } = job;
  ctx.claimRun?.(store.id);
  validateAblationConfig(c, ctx.model.spec);
  const heldOut = evaluationSample(job.examples.eval, c.evalLimit);
  // Each arm's held-out questions also asked in training are counted apart, as an evaluation's are.
  const trainedAsks = new Set(job.examples.train.map(promptKey));
  const arms = ablationArms(c);
  const mineSet = firstMinable(job.examples.train, c.hdrMineLimit);
  // HDR's arm retrains at its own, longer length: refused now where this GPU cannot bind its
  // buffers, not after the arms before it trained.
  for (const arm of arms) if (arm.hdrFrom) fitSamplesOnGpu(ctx, arm.config, c.hdr, mineSet);
  const failed: NonNullable<AblationResult['failed']> = [];
  const result: AblationResult = {
    name: job.name,
    arms: [],
    heldOut: heldOut.length,
    shared: { steps: c.steps, seed: c.seed, batchSize: c.batchSize, seqLen: c.seqLen, lr: c.lr, lora: c.lora, alpha0: c.alpha0, alphaMin: c.alphaMin, alphaMax: c.alphaMax, decoding: c.decoding },
    stopped: false,
    skipped: 0,
    failed,
    ...(job.dataset ? { dataset: job.dataset } : {}),
  };
  const done = new Map<string, { store: RunStore; curve: AblationPoint[] }>();
  /** The SFT arm's answers, once it is evaluated. */
  let sftAnswers: Prediction[] | null = null;
  /** The too-long examples are told once, by the first arm that tokenizes (an arm before it may
   * have failed first). */
  let skippedTold = false;
  /** Arms that ran to an end, finished or failed. */
  const tried = () => result.arms.length + failed.length;
  // Progress counts the base model's evaluation as the first of the ablation's parts.
  const parts = arms.length + 1;
  /** The base model on the held-out examples, as an arm's adapter is evaluated (its own evaluation
   * run, the same decoding); null when the ablation was cancelled meanwhile. */
  const evaluateBase = async (): Promise<AblationBaseResult | null> => {
    // Cancelled before it began: no evaluation row for answers never asked.
    if (ctx.signal.aborted) return null;
    const baseCtx: JobContext = { ...ctx, progress: (p) => ctx.progress({ ...p, label: `1 of ${parts}, ${BASE_MODEL}: ${p.label}` }) };
    const evalName = `${job.name}${ARM_OF}eval ${BASE_MODEL}`;
    const evalStore = await workspace.createRun({ kind: 'eval', name: evalName, config: { adapterRunId: null, limit: heldOut.length, maxNewTokens: c.decoding.maxNewTokens, lora: null } });
    ctx.claimRun?.(evalStore.id);
    const report = await evaluateJob(baseCtx, { store: evalStore, examples: heldOut, adapter: null, decoding: c.decoding, trainedAsks });
    if (report.aborted) return null;
    const { predictions: _p, aborted: _a, ...summary } = report;
    return { evalRun: { id: evalStore.id, name: evalName }, summary };
  };
  /** One arm: trained (or HDR from the arm it names), then evaluated on the held-out examples;
   * null when the ablation was cancelled meanwhile. */
  const runArm = async (arm: AblationArm, index: number): Promise<AblationArmResult | null> => {
    const name = `${job.name}${ARM_OF}${arm.id}`;
    // Progress names the arm: "4 of 7, arm ssb:grad: training".
    const armCtx: JobContext = { ...ctx, signal: pausingSignal(ctx.signal), progress: (p) => ctx.progress({ ...p, label: `${index + 2} of ${parts}, arm ${arm.id}: ${p.label}` }) };
    let armStore: RunStore;
    let curve: AblationPoint[] = [];
    let hdr: AblationArmResult['hdr'];
    if (!arm.hdrFrom) {
      events.onPhase?.(arm, 'training', index, arms.length);
      armStore = await workspace.createRun({ kind: 'train', name, config: arm.config });
      const armId = armStore.id;
      ctx.claimRun?.(armId);
      const train = () => trainJob(armCtx, {
        store: armStore,
        config: arm.config,
        examples: job.examples,
        resume: false,
        events: {
          onStep: (m) => {
            curve.push(point(m));
            events.onStep?.(arm.id, m);
          },
          onSkipped: (messages, unrendered, heldOut) => {
            result.skipped = messages.length - heldOut;
            result.unrendered = unrendered;
            if (!skippedTold) events.onSkipped?.(messages);
            skippedTold = true;
          },
        },
      });
      const locked = job.lockRun ? await job.lockRun(armId, train) : { refused: false as const, value: await train() };
      if (locked.refused) throw new Error(`arm ${arm.id}: its run is training in another tab of the studio`);
      const outcome = locked.value;
      if (ctx.signal.aborted) return null;
      if (outcome.status !== 'done') throw new Error(`arm ${arm.id}: training ${outcome.status} after ${outcome.step} step${outcome.step === 1 ? '' : 's'}: ${outcome.message ?? 'no reason given'}`);
    } else {
      events.onPhase?.(arm, 'hdr', index, arms.length);
      const from = done.get(arm.hdrFrom)!;
      // It continues that arm's run, as HDR from a training run does (its snapshot is that run plus the rounds).
      // With the sequence length the job retrains at (fitSamples), so the arm's row shows it.
      const config = fitSamples(arm.config, c.hdr, ctx.model.tokenizer, mineSet, ctx.model.spec.maxPositionEmbeddings);
      armStore = await workspace.createRun({ kind: 'hdr', name, config, settings: c.hdr, fromRunId: from.store.id });
      ctx.claimRun?.(armStore.id);
      curve = [...from.curve];
      const offset = from.curve.at(-1)?.step ?? 0;
      let retrainSteps = 0;
      const r = await hdrJob(armCtx, {
        store: armStore,
        settings: c.hdr,
        config,
        mineSet,
        // The arms are compared on the held-out set below; HDR's own before/after evaluation would repeat it.
        evalSet: [],
        replayPool: job.examples.train,
        heldOutSamples: job.examples.heldOutSamples,
        excludedSamples: job.examples.excludedSamples,
        adapter: await from.store.readAdapter(ctx.model.spec),
        balance: await from.store.readBalance(),
        events: {
          onStep: (_round, m) => {
            const p = point(m, offset + ++retrainSteps);
            curve.push(p);
            events.onStep?.(arm.id, { ...m, step: p.step });
          },
        },
      });
      hdr = { rounds: r.rounds, poolStart: r.poolStart, poolEnd: r.poolEnd, added: r.added, stopReason: r.stopReason, steps: retrainSteps };
      if (ctx.signal.aborted) return null;
    }
    done.set(arm.id, { store: armStore, curve });

    events.onPhase?.(arm, 'evaluating', index, arms.length);
    const adapter = await armStore.readAdapter(ctx.model.spec);
    const evalName = `${job.name}${ARM_OF}eval ${arm.id}`;
    const evalStore = await workspace.createRun({
      kind: 'eval',
      name: evalName,
      config: { adapterRunId: armStore.id, limit: heldOut.length, maxNewTokens: c.decoding.maxNewTokens, lora: adapter.settings },
    });
    ctx.claimRun?.(evalStore.id);
    const report = await evaluateJob(armCtx, { store: evalStore, examples: heldOut, adapter, decoding: c.decoding, trainedAsks });
    if (report.aborted) return null;
    const { predictions, aborted: _a, ...summary } = report;
    // SFT is the first arm: every other is set beside it, answer by answer.
    if (arm.config.loss === 'sft') sftAnswers = predictions;
    const vsSft = arm.config.loss !== 'sft' && sftAnswers ? compareAnswers(predictions, sftAnswers) : null;
    const balance = arm.config.loss === 'ssb' ? await armStore.readBalance() : null;
    const learned = balance && balance.rule === (arm.config.balanceRule ?? 'grad') ? balanceAlpha(balanceSettingsOf(arm.config), balance) : null;
    const fixed = arm.config.loss.startsWith('fixed:') ? Number(arm.config.loss.slice(6)) : null;
    return {
      id: arm.id,
      label: arm.label,
      loss: lossLabel(arm.config),
      run: { id: armStore.id, name, kind: arm.hdrFrom ? 'hdr' : 'train' },
      evalRun: { id: evalStore.id, name: evalName },
      summary,
      curve,
      alpha0: arm.config.loss === 'sft' ? null : c.alpha0,
      finalAlpha: learned ?? fixed,
      ...(hdr ? { hdr } : {}),
      ...(vsSft ? { vsSft } : {}),
    };
  };
  try {
    // Inside the try: the ablation's row says why it could not start instead of staying "created".
    if (heldOut.length === 0) throw new Error('the data has no held-out examples to evaluate the arms on (its split put every example on the train side)');
    if (job.examples.train.length === 0) throw new Error('the data has no training examples');
    const nothingToMine = hdrArmNothingToMine(c, job.examples.train, 'run the ablation without its HDR arm');
    if (nothingToMine) throw new Error(nothingToMine);
    await store.setStatus('running', { lastStep: 0, modelRef: ctx.model.ref });
    // A failure here (the GPU, a full disk) would fail every arm's evaluation too: it ends the ablation.
    const base = await evaluateBase();
    if (base) {
      result.base = base;
      events.onBaseDone?.(base);
    }
    for (const [index, arm] of arms.entries()) {
      if (ctx.signal.aborted) break;
      if (arm.hdrFrom && !done.has(arm.hdrFrom)) {
        failed.push({ id: arm.id, message: `the ${arm.hdrFrom} arm it starts from did not finish` });
        continue;
      }
      // One arm that fails (a full disk, a diverged run) leaves the others to run; a lost device or
      // a refused GPU would fail them all, so those end the ablation.
      try {
        const armResult = await runArm(arm, index);
        if (!armResult) break;
        result.arms.push(armResult);
        events.onArmDone?.(armResult);
      } catch (err) {
        if (err instanceof GpuDeviceLostError || err instanceof GpuRefusedWorkError || ctx.gpu.ctx.lostError || ctx.gpu.ctx.refusal) throw err;
        failed.push({ id: arm.id, message: (err as Error).message });
      }
      // Kept after every arm, so a long ablation shows (and keeps) what it has so far: stopped until
      // the last arm, which a page closed mid-way leaves true.
      await store.saveAblation({ ...result, stopped: tried() < arms.length });
      await store.setStatus('running', { lastStep: result.arms.length, modelRef: ctx.model.ref });
    }
    result.stopped = tried() < arms.length;
    await store.saveAblation(result);
    const ending = ablationEndText(result, arms.length);
    const reasons = failed.length ? `; failed: ${failed.map((f) => `${f.id} (${f.message})`).join('; ')}` : '';
    await store.setStatus('done', { lastStep: result.arms.length, message: ending === null ? undefined : `${ending}${reasons}`, modelRef: ctx.model.ref });
    return result;
  } catch (err) {
    result.stopped = true;
    if (result.arms.length) await store.saveAblation(result).catch(() => undefined);
    await store.setStatus('failed', { lastStep: result.arms.length, message: (err as Error).message, modelRef: ctx.model.ref }).catch(() => undefined);
    throw err;
  }
}
