// The training loop: for each optimizer step, micro-batches from the seeded data order, the SSB
// (or SFT / fixed) loss weights from the whole step's segment counts, forward + fused LM-head
// cross-entropy + backward per micro-batch, then global-norm clipping and AdamW on the GPU. One
// small readback per step (segment sums and the gradient norm) feeds the metrics and the balance
// rule (balance.ts), which needs only the segment means L_cot and L_call that readback holds.
// Owns no UI and no storage: metrics and checkpoints leave through the returned values.
import { readBuffer, readF32, createStorageBuffer, writeBuffer, type Gpu } from '../gpu/index.ts';
import { adamWUpdate } from '../ops/adamw.ts';
import { gradNorm, gradNormPartialCount, GRAD_NORM_INDEX, GRAD_NORM_RESULT_BYTES } from '../ops/gradNorm.ts';
import { modelBackward, modelForward, type ModelState } from '../model/transformer.ts';
import { createBatchSlots, writeBatch, type BatchSlots } from '../model/batchBuffers.ts';
import { createLossHead, lossForward, lossForwardBackward, resetSegmentSums, writeLossInputs, type LossHead } from '../model/lossHead.ts';
import { unflattenLora } from '../model/deviceLora.ts';
import { applyLossWeights, buildMicroBatch, buildStepBatches, takeIndices, trainingSetDigest, type DataCursor, type MicroBatch, type TokenizedExample } from './batching.ts';
import { heldOutLosses, lossValue, lossWeights, parseLossMode, type LossMode, type LossValue } from './ssb.ts';
import { learningRate } from './schedule.ts';
import { ownPrefix } from './ownExamples.ts';
import { balanceAlpha, initialBalanceState, stepBalance, type BalanceSettings, type BalanceState } from './balance.ts';
import { balanceSettingsOf, type RunConfig } from './config.ts';
import { compileAhead } from '../gpu/index.ts';
import { tuneMatmuls, type TunedClass } from '../ops/matmulTune.ts';

export interface StepMetrics {
  step: number; // 1-based optimizer step just taken
  epoch: number;
  loss: number;
  lossCot: number;
  lossCall: number;
  /** α used in this step (the balance weight on the reasoning loss). */
  alpha: number;
  gradAlpha: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  cotTokens: number;
  callTokens: number;
  tokens: number;
  millis: number;
}

export interface EvalMetrics {
  step: number;
  /** The run's own loss on the held-out set (SSB: weighted by the step's α). */
  evalLoss: number;
  /** NaN when the held-out set has no tokens of that segment (heldOutLosses). */
  evalLossCot: number;
  evalLossCall: number;
  /** Every held-out target token alike (plain SFT's loss): unlike evalLoss it does not move when α
   * moves, so it is what says whether the model got better at the held-out examples. */
  evalLossTokens: number;
}

/** Everything needed to continue a run exactly: the adapter, its moments, the balance rule's
 * state, step and cursor. */
export interface TrainerState {
  step: number;
  cursor: DataCursor;
  /** How many training examples the cursor's permutation runs over (absent in checkpoints written
   * before it was kept): over another count the same cursor names other examples. */
  trainExamples?: number;
  /** trainingSetDigest of those examples (absent in checkpoints written before it was kept): the
   * same count of other examples is another data order too. */
  trainDigest?: string;
  balance: BalanceState;
  loraParams: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
}

export interface DumpedStep {
  /** The optimizer step dumped (1-based) and the run's configuration. */
  step: number;
  config: RunConfig;
  batches: MicroBatch[];
  /** Per micro-batch, the NLL at each position [B*T] (the loss of predicting the next token;
   * 0 where there is no target), exactly the values the segment sums added. */
  tokenNll: Float32Array[];
  /** The balance rule's state the step used, and the state its update would leave. */
  balanceBefore: BalanceState;
  balanceAfter: BalanceState;
  loss: number;
  lossCot: number;
  lossCall: number;
  alpha: number;
  gradAlpha: number;
  grads: Map<string, Float32Array>;
}

/** The loss or gradient went non-finite: the adapter is no longer trustworthy after this step.
 * The advice is a new run: a resume keeps the run's settings (learning rate and clip included) and
 * replays its steps exactly, so it would diverge at the same step again. */
export class TrainingDivergedError extends Error {
  constructor(readonly step: number, gradNorm: number, loss: number) {
    super(`training diverged at step ${step} (loss ${loss}, gradient norm ${gradNorm}); start a new run with a lower learning rate or a tighter gradient clip (a resumed run keeps this run's settings and would replay the same steps)`);
    this.name = 'TrainingDivergedError';
  }
}

/** The training set is not the one the checkpoint's data order ran over: resumed, the run would go
 * on over other examples under the same curve. The advice is a new run (or the old examples back). */
export class TrainingSetChangedError extends Error {
  constructor(detail: string) {
    super(`the checkpoint's data order runs over ${detail}; a resume must go on over the examples the run trained on: restore those (the same inclusion, split and files), or start a new run to train on these`);
    this.name = 'TrainingSetChangedError';
  }
}

/** The LoRA dropout seed of one micro-batch of one optimizer step: distinct for every (step,
 * micro-batch) of a run. Micro-batches are numbered 64 to a step, or gradAccum where that is more
 * (with 64 alone, micro-batch 64 of a step drew the masks of micro-batch 0 of the next); runs of at
 * most 64 keep the seeds they always had, so a resume continues them unchanged. */
export function dropoutBatchSeed(seed: number, step: number, microIndex: number, gradAccum: number): number {
  const slot = step * Math.max(64, gradAccum) + microIndex + 1;
  return (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(slot, 0x85ebca6b)) >>> 0;
}

/**
 * The training set a resume goes on over: the run's own where examples were only added after the
 * ones it trained on since its checkpoint (HDR's samples come after the dataset's examples, in
 * import order), which the checkpoint's digest proves; otherwise `train`, refused (checkResumeExamples)
 * unless it is the checkpoint's. A resume refused for HDR's samples made every paused run on the
 * dataset unresumable once HDR had run, though the run's own examples were all still there.
 */
export function resumedTrainingSet(s: Pick<TrainerState, 'trainExamples' | 'trainDigest'>, train: TokenizedExample[]): TokenizedExample[] {
  const own = s.trainExamples !== undefined && train.length > s.trainExamples ? ownTrainingSet(s, train) : null;
  if (own) return own;
  checkResumeExamples(s, train);
  return train;
}

/** The examples a checkpoint's run trained on, out of the training set now: its first
 * `trainExamples` (examples are only ever added after them, as HDR's samples are), where the
 * checkpoint's digest proves them; null where it cannot (older checkpoints, or examples included,
 * left out or re-split since). */
export function ownTrainingSet(s: Pick<TrainerState, 'trainExamples' | 'trainDigest'>, train: TokenizedExample[]): TokenizedExample[] | null {
  if (s.trainExamples === undefined || s.trainDigest === undefined || train.length < s.trainExamples) return null;
  const own = ownPrefix(s, train);
  return trainingSetDigest(own) === s.trainDigest ? own : null;
}

/** Refuses a checkpoint whose data order ran over another training set (checkpoints written before
 * the count or the digest was kept are not checked for it). `digest` is passed where it is already
 * computed. */
function checkResumeExamples(s: Pick<TrainerState, 'trainExamples' | 'trainDigest'>, train: TokenizedExample[], digest?: string): void {
  // Examples included or left out since the checkpoint (the user's, on the Dataset panel, most often),
  // or added to the dataset (HDR samples): the seeded order over the new count is another order, and
  // the run would go on over other examples unannounced.
  if (s.trainExamples !== undefined && s.trainExamples !== train.length) {
    throw new TrainingSetChangedError(`${s.trainExamples} training examples, but the training set now has ${train.length} (examples were included in or left out of its training set, or added to its dataset, since)`);
  }
  if (s.trainDigest !== undefined && s.trainDigest !== (digest ?? trainingSetDigest(train))) {
    throw new TrainingSetChangedError(`other training examples than the ${train.length} the training set has now (as many, but examples were included, left out, edited or re-split since, their text changed, or the model’s chat template or tokenizer now renders them otherwise)`);
  }
}

/** What Trainer.prepare did before the first step. */
export interface PrepareReport {
  millis: number;
  /** Distinct pipelines a step uses, all created before it. */
  pipelines: number;
  /** Matmul shape classes tuned on this adapter now (empty when they were cached or on software). */
  tuned: TunedClass[];
}

export class Trainer {
  readonly mode: LossMode;
  step = 0;
  /** Set once prepare() ran (the first trainStep or evalLoss runs it when nobody did). */
  prepared: PrepareReport | null = null;
  cursor: DataCursor = { epoch: 0, index: 0 };
  /** How α is learned (used when the loss is SSB) and where the rule stands. */
  readonly balanceSettings: BalanceSettings;
  balance: BalanceState;
  private readonly gpu: Gpu;
  private readonly head: LossHead;
  private readonly slots: BatchSlots;
  private readonly partials: GPUBuffer;
  private readonly normResult: GPUBuffer;
  private readonly maxTokens: number;
  private digest: string | undefined;

  /** `packRows: false` gives every example a row of its own (the bench's comparison; training packs). */
  constructor(
    private readonly model: ModelState,
    private readonly train: TokenizedExample[],
    readonly config: RunConfig,
    private readonly options: { packRows?: boolean } = {},
  ) {
    if (!model.lora) throw new Error('the trainer needs a model with a LoRA adapter');
    if (model.acts.forwardOnly) throw new Error('the trainer needs a model loaded for training: this one was loaded for generation only (no gradient buffers)');
    if (train.length === 0) throw new Error('the training set is empty');
    this.gpu = model.gpu;
    this.mode = parseLossMode(config.loss);
    this.balanceSettings = balanceSettingsOf(config);
    this.balance = initialBalanceState(this.balanceSettings);
    this.maxTokens = config.batchSize * config.seqLen;
    if (this.maxTokens > model.acts.maxTokens) throw new Error(`batch ${config.batchSize} × sequence ${config.seqLen} exceeds the model's planned ${model.acts.maxTokens} tokens`);
    this.head = createLossHead(this.gpu, model, this.maxTokens);
    this.slots = createBatchSlots(this.gpu, this.maxTokens);
    const lora = model.lora;
    this.partials = createStorageBuffer(this.gpu.ctx, gradNormPartialCount([lora.size]) * 4, 'train.gradNormPartials');
    this.normResult = createStorageBuffer(this.gpu.ctx, GRAD_NORM_RESULT_BYTES, 'train.gradNorm');
    // A trainer starts at step 0, so its first update divides the moments by Adam's step-1 bias
    // correction: moments an earlier trainer left on this model (HDR builds one per round on the
    // same model) would be blown up by it. Submitted now: restoreState's queue writes come after.
    this.gpu.recorder.clear(lora.adamM);
    this.gpu.recorder.clear(lora.adamV);
    this.gpu.recorder.submit();
  }

  /** Builds the optimizer step's micro-batches with loss weights from the whole step's counts. */
  private nextBatches(pack = this.options.packRows ?? true): MicroBatch[] {
    const { batchSize, gradAccum, seqLen, seed } = this.config;
    const { indices, next } = takeIndices(this.train.length, seed, this.cursor, batchSize * gradAccum);
    this.cursor = next;
    return buildStepBatches(indices.map((j) => this.train[j]), batchSize, seqLen, { pack });
  }

  private async runMicroBatch(mb: MicroBatch, backward: boolean, microIndex = 0): Promise<void> {
    const N = mb.B * mb.T;
    // LoRA dropout only while training; its masks follow from (seed, step, micro-batch), so a
    // resumed run draws the same masks as an uninterrupted one.
    const p = this.model.lora!.settings.dropout;
    this.model.dropout = backward && p > 0 ? { p, batchSeed: dropoutBatchSeed(this.config.seed, this.step, microIndex, this.config.gradAccum) } : null;
    writeBatch(this.gpu, this.slots, { B: mb.B, T: mb.T, inputIds: mb.inputIds, positions: mb.positions, attnSegments: mb.attnSegments });
    writeLossInputs(this.gpu, this.head, { targets: mb.targets, targetSegments: mb.targetSegments, weights: mb.weights });
    await modelForward(this.model, this.slots);
    if (backward) {
      await lossForwardBackward(this.model, this.head, N);
      await modelBackward(this.model, this.slots);
    } else {
      await lossForward(this.model, this.head, N);
    }
    // Submit before the next micro-batch's uploads, which the queue orders after this work.
    this.gpu.recorder.submit();
  }

  private async readSegmentTotals(): Promise<{ nllCot: number; nllCall: number; nCot: number; nCall: number }> {
    const nll = await readF32(this.gpu.ctx, this.head.segmentNll, 3);
    const counts = new Uint32Array(await readBuffer(this.gpu.ctx, this.head.segmentCount, 12));
    return { nllCot: nll[1], nllCall: nll[2], nCot: counts[1], nCall: counts[2] };
  }

  /** Forward + backward over the next optimizer batch, leaving its gradient in lora.grads.
   * `afterMicroBatch` (the step dump only) runs once each micro-batch is submitted. */
  private async accumulateGradients(batches: MicroBatch[], afterMicroBatch?: (i: number) => Promise<void>): Promise<void> {
    const nCot = batches.reduce((n, b) => n + b.nCot, 0);
    const nCall = batches.reduce((n, b) => n + b.nCall, 0);
    const w = lossWeights(this.mode, this.alpha, nCot, nCall);
    for (const mb of batches) applyLossWeights(mb, w);
    resetSegmentSums(this.gpu, this.head);
    this.gpu.recorder.clear(this.model.lora!.grads);
    for (const [i, mb] of batches.entries()) {
      await this.runMicroBatch(mb, true, i);
      await afterMicroBatch?.(i);
    }
  }

  /** The balance state after a step with this loss value (SSB only; other losses keep theirs).
   * grad's θ follows the run's schedule with the rule's own rate. θ's gradient stays out of the
   * global-norm clip on purpose: the clip bounds the LoRA update, and θ is one scalar whose Adam
   * step is already about its rate whatever the gradient's size. The recipe's train.py steps θ
   * outside its clip too, so the two stay step for step alike. */
  private balanceAfter(value: LossValue): BalanceState {
    if (this.mode.kind !== 'ssb') return this.balance;
    const { schedule, warmupSteps, steps, beta1, beta2, eps } = this.config;
    const scheduledLr = learningRate({ kind: schedule, lr: this.balanceSettings.lr, warmupSteps, totalSteps: steps }, this.step);
    return stepBalance(this.balanceSettings, this.balance, value, { scheduledLr, beta1, beta2, eps });
  }

  /** A micro-batch of the largest shape this run records (B × seqLen), for compiling ahead. */
  private largestMicroBatch(): MicroBatch {
    const { batchSize, seqLen } = this.config;
    const ids = Array.from({ length: seqLen }, (_, t) => t % 100);
    // Prompt, then reasoning, then the call: every loss path (and the LM head's gather) is used.
    const segments = ids.map((_, t) => (t < seqLen / 4 ? 0 : t < (seqLen * 3) / 4 ? 1 : 2));
    return buildMicroBatch(Array.from({ length: batchSize }, (_, i) => ({ id: `prepare-${i}`, inputIds: ids, segments })), seqLen);
  }

  /** A step's and a held-out loss's GPU work recorded with dispatches dropped (see compileAhead):
   * the held-out forward ends in its own loss kernel. */
  private async recordStepShapes(): Promise<void> {
    const lora = this.model.lora!;
    await this.runMicroBatch(this.largestMicroBatch(), false);
    await this.runMicroBatch(this.largestMicroBatch(), true);
    await gradNorm(this.gpu, { grads: [{ buffer: lora.grads, length: lora.size }], partials: this.partials, result: this.normResult, maxNorm: this.config.maxGradNorm });
    await adamWUpdate(this.gpu, {
      param: lora.params, grad: lora.grads, m: lora.adamM, v: lora.adamV, n: lora.size, step: 1,
      lr: 0, beta1: this.config.beta1, beta2: this.config.beta2, eps: this.config.eps, weightDecay: 0, clip: this.normResult,
    });
  }

  /**
   * Creates every pipeline a step and a held-out loss use, concurrently, and tunes this run's matmul
   * shapes on this adapter (cached per adapter, so only a first run pays), so the first step or
   * held-out loss costs what later ones do (compiled one by one on first use, a software GPU's
   * pipelines made a run's baseline held-out loss take over twice as long as later ones). Touches
   * no trainable state: the tuner's timed products write activations and gradients that every step
   * overwrites or clears first.
   */
  async prepare(): Promise<PrepareReport> {
    if (this.prepared) return this.prepared;
    const t0 = performance.now();
    let pipelines = await compileAhead(this.gpu, () => this.recordStepShapes());
    const tuned = await tuneMatmuls(this.gpu);
    // Tuned variants were compiled while timing; this only picks up anything left.
    if (tuned.length) pipelines = await compileAhead(this.gpu, () => this.recordStepShapes());
    this.prepared = { millis: performance.now() - t0, pipelines, tuned };
    return this.prepared;
  }

  /** One optimizer step. */
  async trainStep(): Promise<StepMetrics> {
    if (!this.prepared) await this.prepare();
    const t0 = performance.now();
    const epoch = this.cursor.epoch;
    const batches = this.nextBatches();
    await this.accumulateGradients(batches);
    const lora = this.model.lora!;
    const lr = learningRate({ kind: this.config.schedule, lr: this.config.lr, warmupSteps: this.config.warmupSteps, totalSteps: this.config.steps }, this.step);
    await gradNorm(this.gpu, { grads: [{ buffer: lora.grads, length: lora.size }], partials: this.partials, result: this.normResult, maxNorm: this.config.maxGradNorm });
    await adamWUpdate(this.gpu, {
      param: lora.params, grad: lora.grads, m: lora.adamM, v: lora.adamV, n: lora.size, step: this.step + 1,
      lr, beta1: this.config.beta1, beta2: this.config.beta2, eps: this.config.eps, weightDecay: this.config.weightDecay, clip: this.normResult,
    });
    this.gpu.recorder.submit();
    const totals = await this.readSegmentTotals();
    const norm = (await readF32(this.gpu.ctx, this.normResult, 2))[GRAD_NORM_INDEX.norm];
    const value = lossValue(this.mode, this.alpha, totals);
    // Non-finite, or collapsed: an overflow can saturate the model into the same logits for every
    // token (loss ≈ ln V) with a gradient of exactly zero, where nothing will ever train again.
    const collapsed = norm === 0 && value.loss > 0.5 * Math.log(this.model.spec.vocabSize);
    if (!Number.isFinite(norm) || !Number.isFinite(value.loss) || collapsed) {
      throw new TrainingDivergedError(this.step + 1, norm, value.loss);
    }
    this.balance = this.balanceAfter(value);
    this.step++;
    const millis = performance.now() - t0;
    const tokens = batches.reduce((n, b) => n + b.attnSegments.reduce((s, x) => s + (x > 0 ? 1 : 0), 0), 0);
    return {
      step: this.step, epoch, loss: value.loss, lossCot: value.lossCot, lossCall: value.lossCall, alpha: value.alpha, gradAlpha: value.gradAlpha,
      lr, gradNorm: norm, tokensPerSecond: tokens / (millis / 1000), cotTokens: totals.nCot, callTokens: totals.nCall, tokens, millis,
    };
  }

  /** Held-out loss under the current adapter and balance: forward only. */
  async evalLoss(examples: TokenizedExample[]): Promise<EvalMetrics> {
    if (!this.prepared) await this.prepare();
    const totals = { nllCot: 0, nllCall: 0, nCot: 0, nCall: 0 };
    resetSegmentSums(this.gpu, this.head);
    // One sum over all of them: laid out as one step's examples are (rows of like lengths together).
    for (const mb of examples.length ? buildStepBatches(examples, this.config.batchSize, this.config.seqLen, { pack: this.options.packRows }) : []) {
      await this.runMicroBatch(mb, false);
    }
    Object.assign(totals, await this.readSegmentTotals());
    return { step: this.step, ...heldOutLosses(this.mode, this.alpha, totals) };
  }

  /** The gradient of the next optimizer batch without updating anything (for `--dump-step`), with
   * each micro-batch's per-token NLL (read back after each one: a dump is no training step).
   * A row per example unless `pack` (a training step's rows, which the dump's layout cannot hold):
   * packing moves tokens, not their losses or the gradient, which is what `pack` lets a test show. */
  async dumpNextStep(opts: { pack?: boolean } = {}): Promise<DumpedStep> {
    const saved = { ...this.cursor };
    const batches = this.nextBatches(opts.pack ?? false);
    this.cursor = saved;
    const tokenNll: Float32Array[] = [];
    await this.accumulateGradients(batches, async (i) => {
      const mb = batches[i];
      const rows = this.head.lossRows;
      const nll = new Float32Array(mb.B * mb.T);
      if (rows.length > 0) {
        const values = await readF32(this.gpu.ctx, this.head.nll, rows.length);
        rows.forEach((r, k) => (nll[r] = values[k]));
      }
      tokenNll.push(nll);
    });
    const totals = await this.readSegmentTotals();
    const v = lossValue(this.mode, this.alpha, totals);
    const lora = this.model.lora!;
    const grads = unflattenLora(lora.order, await readF32(this.gpu.ctx, lora.grads, lora.size));
    return {
      step: this.step + 1, config: this.config, batches, tokenNll, balanceBefore: structuredClone(this.balance), balanceAfter: this.balanceAfter(v),
      loss: v.loss, lossCot: v.lossCot, lossCall: v.lossCall, alpha: v.alpha, gradAlpha: v.gradAlpha, grads,
    };
  }

  async saveState(): Promise<TrainerState> {
    const lora = this.model.lora!;
    this.gpu.recorder.submit();
    return {
      step: this.step,
      cursor: { ...this.cursor },
      trainExamples: this.train.length,
      trainDigest: this.trainDigest,
      balance: structuredClone(this.balance),
      loraParams: await readF32(this.gpu.ctx, lora.params, lora.size),
      adamM: await readF32(this.gpu.ctx, lora.adamM, lora.size),
      adamV: await readF32(this.gpu.ctx, lora.adamV, lora.size),
    };
  }

  restoreState(s: TrainerState): void {
    const lora = this.model.lora!;
    for (const [name, arr] of [['loraParams', s.loraParams], ['adamM', s.adamM], ['adamV', s.adamV]] as const) {
      if (arr.length !== lora.size) throw new Error(`checkpoint ${name} has ${arr.length} values, this adapter has ${lora.size}`);
    }
    checkResumeExamples(s, this.train, this.trainDigest);
    writeBuffer(this.gpu.ctx, lora.params, s.loraParams);
    writeBuffer(this.gpu.ctx, lora.adamM, s.adamM);
    writeBuffer(this.gpu.ctx, lora.adamV, s.adamV);
    const outside = s.cursor.deferred?.find((j) => j >= this.train.length);
    if (outside !== undefined) throw new Error(`checkpoint's data cursor names example ${outside + 1}, but the training set has ${this.train.length}`);
    this.step = s.step;
    this.cursor = { ...s.cursor };
    this.useBalance(s.balance);
  }

  /** What the data order runs over (computed once: it reads every token of the training set). */
  private get trainDigest(): string {
    return (this.digest ??= trainingSetDigest(this.train));
  }

  /** The α the next step uses: the balance rule's (SSB), otherwise unused by the loss. */
  get alpha(): number {
    return balanceAlpha(this.balanceSettings, this.balance);
  }

  /** Continues with a balance state learned elsewhere (a checkpoint, an earlier HDR round, the run
   * HDR starts from). A state of another rule cannot continue this one: it is refused by name. */
  useBalance(state: BalanceState): void {
    if (state.rule !== this.balanceSettings.rule) {
      throw new Error(`the balance state is of rule "${state.rule}", but this run learns α with "${this.balanceSettings.rule}"`);
    }
    this.balance = structuredClone(state);
  }

  /** Bytes of the loss head's buffers (for the memory check against the plan). */
  get lossHeadBytes(): number {
    return this.head.bytes;
  }

  destroy(): void {
    this.head.destroy();
    this.slots.destroy();
    this.partials.destroy();
    this.normResult.destroy();
  }
}
