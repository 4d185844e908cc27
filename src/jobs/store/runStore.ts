// The RunStore: everything a job keeps about one run, behind one interface with two homes —
// IndexedDB through Dexie in the browser (./dexie.ts) and a run folder in Node (./folder.ts:
// run.json, metrics.jsonl, checkpoint.safetensors, the PEFT adapter, HDR files). Training,
// evaluation and HDR are written once against it (../train.ts, ../evaluate.ts, ../hdr.ts).
// The groups below are what a job may ask for; every store implements all of them.
// A store never runs the model and never decides anything a job decides (when to checkpoint,
// what to evaluate): it only keeps what it is given and reads back what it kept.
import type { RunStatus } from '../../data/db.ts';
import type { EvalReport } from '../../eval/index.ts';
import type { AdapterSummary } from '../../gpu/context.ts';
import type { EvalRunConfig, HardCase, HdrHooks, HdrSettings } from '../../hdr/index.ts';
import type { ModelSpec } from '../../model/config.ts';
import type { LoraAdapter } from '../../model/lora.ts';
import type { RunConfig } from '../../train/config.ts';
import type { EvalMetrics, StepMetrics, TrainerState } from '../../train/trainer.ts';
import type { BalanceState } from '../../train/balance.ts';
import type { AblationResult } from '../ablate.ts';
import type { AblationConfig } from '../ablationConfig.ts';
import type { TokenLossStrip } from '../tokenLoss.ts';

/** A PEFT adapter as its two files (adapter_config.json text, adapter_model.safetensors bytes). */
export interface AdapterFiles {
  configJson: string;
  weights: Uint8Array;
}

export interface StatusPatch {
  /** The last optimizer step (training) or round (HDR) written. */
  lastStep?: number;
  /** Why the run is where it is (a failure, a stop, skipped examples). */
  message?: string;
  modelRef?: string;
}

/** Facts of a training run known once its data is tokenized and its model is on the GPU. */
export interface TrainingSetup {
  config: RunConfig;
  /** `unrendered`: training examples the chat template cannot render, skipped like the too-long
   * ones (absent in runs recorded before it was counted). */
  examples: {
    train: number;
    eval: number;
    tooLong: number;
    unrendered?: number;
    /** The id of the last example of the run's own training set (ownExamples.ts), which its
     * checkpoints' data order ends with: a change after it in import order leaves its resume going
     * on (absent in runs recorded before it was kept, and with no training example). */
    lastTrainId?: string;
    /** trainingSetDigest of the examples it trains on, which tells two sets of one count apart
     * (absent in runs recorded before it was kept). */
    digest?: string;
  };
  /** GPU memory the model allocated, by category (measured). */
  memory: { weights: number; lora: number; activations: number };
  gpuAdapter: AdapterSummary;
  /** The held-out loss before the first step (a fresh run with eval on): where the curve starts from. */
  baseline?: EvalMetrics;
}

/** The step a run with keepBest keeps, and its held-out loss per token. */
export interface BestStep {
  step: number;
  loss: number;
}

/** What an HDR run reports when it ends (a failed one carries the error as its stop reason). */
export interface HdrOutcome {
  settings: HdrSettings;
  config: RunConfig;
  stopReason: string;
  failed: boolean;
  rounds: number;
  poolStart: number;
  poolEnd: number;
  added: number;
}

/** The hard-case pool of an HDR run: where its rounds start, the hooks that keep the pool, the
 * mining evaluation, and the end. */
export interface HdrPool {
  /** The first round's number: after any round an earlier HDR run on the same data recorded, so
   * new sample ids never clash with stored ones. */
  firstRound(): Promise<number>;
  /** Persistence hooks for src/hdr's round loop (open cases, accepted samples, solved, rounds). */
  hooks: Pick<HdrHooks, 'onHardCases' | 'onAccepted' | 'onSolved' | 'onRound'>;
  /** `notes`: the earlier runs' open hard cases it asked again or could not, and the examples mining
   * left out and why, kept for the run's results. */
  saveMined(report: EvalReport, pool: HardCase[], notes?: string[]): Promise<void>;
  finish(outcome: HdrOutcome): Promise<void>;
}

export interface RunStore {
  /** How messages name the run (its id, or its folder). */
  readonly label: string;
  /** How other runs refer to it (a database row id, or the folder's name). */
  readonly id: string;

  // Status
  setStatus(status: RunStatus, patch?: StatusPatch): Promise<void>;
  /** The step the run says it reached (0 for one that has trained none). */
  lastStep(): Promise<number>;
  /** Returns the run's held-out loss before its first step: this setup's, or, on a resume, the one its first start recorded. */
  recordSetup(setup: TrainingSetup): Promise<EvalMetrics | undefined>;

  // Metrics (per optimizer step; eval values join their step; the latest per-token loss strip)
  addMetric(m: StepMetrics): Promise<void>;
  addEval(m: EvalMetrics): Promise<void>;
  setTokenLoss(strip: TokenLossStrip): Promise<void>;
  /** The steps of the run's history with a held-out evaluation, ascending (after a resume's
   * openHistory, those up to its checkpoint). */
  evaluatedSteps(): Promise<number[]>;
  /** Writes anything buffered (a store may batch metric writes). */
  flush(): Promise<void>;

  // Checkpoints
  /** Resume: the newest checkpoint (null when there is none), with metrics past its step dropped so
   * the resumed curve stays one line. Fresh start: an empty history, and null. `accept` sees the
   * checkpoint first and throws to refuse it: a resume that cannot go on leaves the history as it was. */
  openHistory(resume: boolean, accept?: (state: TrainerState) => void): Promise<TrainerState | null>;
  saveCheckpoint(state: TrainerState): Promise<void>;

  // The best step (config.keepBest)
  /** Keeps `state` as the run's best checkpoint so far (`loss`: its held-out loss per token) beside
   * its newest ones, in place of an earlier best. */
  saveBest(state: TrainerState, loss: number): Promise<void>;
  /** The best checkpoint kept so far (its step and loss), null when there is none. */
  readBest(): Promise<BestStep | null>;
  /** Makes the best checkpoint the run's newest, dropping the checkpoints after it: its adapter is
   * then the run's (readAdapter, exports and snapshots read the newest) and a resume goes on from
   * it. Its metrics stay: they show why it was kept. Returns its trainer state. */
  rewindToBest(): Promise<TrainerState>;

  // Adapters
  /** The run's adapter for a model of this spec (its newest checkpoint or its PEFT files); throws
   * with what is missing when the run has none. */
  readAdapter(spec: ModelSpec): Promise<LoraAdapter>;
  /** Keeps the adapter as of `step` in PEFT's format. `files` is called only when the store has no
   * other way to give it back (a trainer checkpoint of that step already holds it). `balance`: the
   * balance rule's state of that step, so a run started from the adapter continues its α. */
  saveAdapter(step: number, files: () => Promise<AdapterFiles>, balance?: BalanceState): Promise<void>;
  /** The balance rule's state of the adapter readAdapter gives (of the same step: α from another
   * step with that LoRA is a model no run trained); null when it has none. HDR continues α from it. */
  readBalance(): Promise<BalanceState | null>;

  // Evaluations
  saveEvaluation(report: EvalReport): Promise<void>;

  // HDR pool
  /** The run's hard-case pool, opened for an HDR run with these settings, retraining with `config`
   * (a store that keeps a summary as the run goes has it before the run ends). */
  hdrPool(settings: HdrSettings, config: RunConfig): Promise<HdrPool>;

  // Ablations
  /** Keeps an ablation's result (and where the home keeps files, its report). */
  saveAblation(result: AblationResult): Promise<void>;
}

/** A run a job starts, by kind (the kind's configuration, and an HDR run's settings). */
export type NewRun =
  | { kind: 'train'; name: string; config: RunConfig }
  | { kind: 'eval'; name: string; config: EvalRunConfig }
  | { kind: 'hdr'; name: string; config: RunConfig; settings: HdrSettings; fromRunId?: string }
  | { kind: 'ablation'; name: string; config: AblationConfig };

/** Where new runs go: the browser's database (runs of one dataset and model) or a folder of run
 * folders. A job that makes several runs (an ablation: one per arm, then an evaluation of each)
 * asks its workspace for each run's store, so it is written once for both homes. */
export interface RunWorkspace {
  createRun(run: NewRun): Promise<RunStore>;
}
