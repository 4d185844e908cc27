// `run.json`, the versioned record of a run inside a snapshot (schema `balancesft-run/1`): the run's
// identity, its RunConfig, the model reference with the shape facts the adapter depends on, the
// dataset fingerprint and counts, the full metric history, HDR rounds and an optional evaluation.
// Owns the types, the strict schema check (errors name the field path) and the conversion between
// the model spec and its summary. Never reads zips or the database.
import type { ModelFamily, ModelSpec } from '../model/config.ts';
import type { WeightDtype } from '../model/dtype.ts';
import { LORA_TARGETS } from '../model/lora.ts';
import { BALANCE_RULES } from '../train/balance.ts';
import { validateRunConfig, type RunConfig } from '../train/config.ts';
import type { RunRow } from '../data/db.ts';
import type { AnswerChanges, RoundPhase } from '../hdr/rounds.ts';
import { RUN_JSON_LIMITS as L } from './limits.ts';
import { arr, bool, checkEntry, FieldError, int, literal, num, numOrNull, obj, oneOf, opt, record, SnapshotError, str, type Check } from './validate.ts';
import type { SplitSettings } from '../data/split.ts';

export const RUN_SCHEMA = 'balancesft-run/1';
export const RUN_JSON_FILE = 'run.json';

export type RunStatus = RunRow['status'];
export const RUN_STATUSES: readonly RunStatus[] = ['created', 'running', 'paused', 'done', 'failed'];

/** The spec fields the adapter's tensor shapes depend on, plus what the dashboard shows. */
export interface ModelSpecSummary {
  architecture: string;
  family: ModelFamily;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  tieWordEmbeddings: boolean;
  dtype: WeightDtype;
}

/** One optimizer step's metrics (`step` plus StepMetrics' numbers); null marks a non-finite value. */
export type MetricPoint = { step: number } & Record<string, number | null>;

export interface EvalPoint {
  step: number;
  evalLoss: number | null;
  evalLossCot?: number | null;
  evalLossCall?: number | null;
  evalLossTokens?: number | null;
}

export interface HdrRoundSummary {
  round: number;
  /** Hard cases in the pool at the start of the round. */
  poolSize: number;
  /** Samples drawn (pool × N). */
  sampled?: number;
  /** Share of sampled answers that passed the quality gate, in [0, 1]. */
  passRate: number;
  accepted: number;
  /** Optimizer step at which the round's training ended. */
  step?: number;
  /** The phase a cancel cut the round short in (absent: it ran to its end, or an older snapshot). */
  cancelledIn?: RoundPhase;
  /** The round's retraining steps (what a round cut short in its retraining kept). */
  trainingSteps?: number;
  /** Held-out accuracy before the round's retraining and after it, in [0, 1]; null where the round
   * measured none (absent: an older snapshot or link). */
  evalAccuracyBefore?: number | null;
  evalAccuracyAfter?: number | null;
  /** The held-out answers that turned right (`fixed`) and wrong (`broken`) over the round, and since
   * the HDR run's first evaluation (HdrRoundReport's): whether a gain could be chance. */
  evalChanges?: AnswerChanges;
  evalChangesSinceStart?: AnswerChanges;
}

/** An HDR run's pool from mining to its end and the samples it added to the dataset, as its row has
 * them (absent: a run kept before they were, or an older snapshot). */
export interface HdrTotalsSummary {
  poolStart: number;
  poolEnd: number;
  added: number;
}

/** Of the HDR run a snapshot of one holds, what it is counted in: its own rounds (the last of
 * hdrRounds), its round limit, and its stop code once it stopped (never a failed run's error text).
 * Absent: a training run, or an older snapshot. `interrupted`: it was left running (its tab closed, or
 * its worker ended), which its `failed` status alone cannot tell from an error; absent in older ones. */
export interface HdrRunSummary {
  rounds: number;
  maxRounds: number;
  stopReason?: string;
  interrupted?: boolean;
}

export interface EvaluationSummary {
  step?: number;
  split?: string;
  examples: number;
  /** AST-checker accuracy in [0, 1]. */
  astAccuracy: number;
  /** Outputs that parsed as calls at all, in [0, 1]. */
  parseRate?: number;
  /** Accuracy per category name (e.g. BFCL's simple / multiple / parallel). */
  byCategory?: Record<string, number>;
  /** Answers after earlier calls in their conversation (later steps) and the others, counted apart
   * (EvalSummary.byStep); absent where no held-out example was a later step, or an older snapshot. */
  byStep?: { first: StepTally; afterCalls: StepTally };
  /** Answers to questions a training example asks word for word too, and the others, counted apart
   * (EvalSummary.asked); absent where none was, or an older snapshot. */
  asked?: { inTraining: StepTally; notInTraining: StepTally };
  /** The base model's accuracy on the same examples, judged against the same expected answers
   * (baseEvalOfSameExamples), in [0, 1]; absent where it was not evaluated on them, or an older snapshot. */
  base?: { astAccuracy: number };
}

/** Of the examples of one kind: how many were asked and how many answered right. */
export interface StepTally {
  total: number;
  correct: number;
}

/** What a run trained on, as it recorded it when it started: `train`, the training examples it
 * trained on (those too long for its sequence length left out); and, where it kept them, the
 * dataset's examples, held-out examples and fingerprint then. HDR's samples and the user's edits
 * change the dataset afterwards. Absent: a run that has not trained, or an older snapshot or link. */
export interface TrainedOn {
  train: number;
  examples?: number;
  eval?: number;
  fingerprint?: string;
}

export interface RunJson {
  schema: typeof RUN_SCHEMA;
  exportedAt: number;
  /** `startedFrom`: the run whose adapter this one started from, by name, and its step then (absent: a new adapter, or an older snapshot). */
  run: { id: string; name: string; createdAt: number; status: RunStatus; lastStep?: number; message?: string; tags?: string[]; notes?: string; startedFrom?: { name: string; step: number; hdr?: boolean } };
  config: RunConfig;
  model: { ref: string; spec: ModelSpecSummary };
  /** hubRepo: the Hugging Face dataset it was imported from or pushed to (owner/name), which the
   * model cards of runs trained on it link. */
  /** `edited`: examples whose expected answer the user edited in the studio (absent: none, or an older snapshot).
   * The counts and fingerprint are the dataset's when the snapshot was made (what dataset.jsonl
   * holds, and what an import finds a local copy by); `trained` is what the run trained on. */
  dataset: { name: string; fingerprint: string; examples: number; train?: number; eval?: number; split?: SplitSettings; hubRepo?: string; edited?: number; trained?: TrainedOn };
  metrics: MetricPoint[];
  evalMetrics: EvalPoint[];
  hdrRounds: HdrRoundSummary[];
  /** Of the HDR run a snapshot of one holds (its rounds are the last of hdrRounds). */
  hdrTotals?: HdrTotalsSummary;
  hdrRun?: HdrRunSummary;
  evaluation?: EvaluationSummary;
}

export function specSummary(spec: ModelSpec): ModelSpecSummary {
  const { architecture, family, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize, vocabSize, tieWordEmbeddings, dtype } = spec;
  return { architecture, family, hiddenSize, numLayers, numHeads, numKvHeads, headDim, intermediateSize, vocabSize, tieWordEmbeddings, dtype };
}

/** A spec good enough to compute adapter shapes (loraManifest) when the real model is not loaded.
 * Fields the adapter does not depend on get neutral values; never use it to run the model. */
export function specFromSummary(s: ModelSpecSummary): ModelSpec {
  return {
    ...s,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    ropeScaling: null,
    maxPositionEmbeddings: 0,
    qkvBias: s.family === 'qwen2',
    qkNorm: s.family === 'qwen3',
    bosTokenId: null,
    eosTokenIds: [],
  };
}

/** Refuses a loaded model whose shapes differ from the ones the snapshot was trained on. */
export function checkSpecMatches(summary: ModelSpecSummary, spec: ModelSpec, entry = RUN_JSON_FILE): void {
  const actual = specSummary(spec);
  for (const key of ['family', 'hiddenSize', 'numLayers', 'numHeads', 'numKvHeads', 'headDim', 'intermediateSize', 'vocabSize'] as const) {
    if (actual[key] !== summary[key]) {
      throw new SnapshotError(`${entry}: model.spec.${key} is ${summary[key]}, but the loaded model has ${actual[key]}; load the model the run was trained on`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Schema

const name = str({ max: L.nameChars });
const id = str({ max: L.idChars, min: 1 });
const timestamp = int({ min: 0, max: 8.64e15 });
const fraction = num({ min: 0, max: 1 });
const count = int({ min: 0 });
const positiveInt = int({ min: 1, max: 1 << 24 });
const metricKey = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

const loraSettings = obj({
  rank: positiveInt,
  alpha: num({ min: 0 }),
  useRsLora: bool,
  dropout: num({ min: 0, max: 1 }),
  targets: arr(oneOf(LORA_TARGETS), { max: LORA_TARGETS.length, min: 1 }),
  layers: opt(arr(int({ min: 0, max: 1 << 16 }), { max: 1 << 16 })),
});

const runConfig: Check<RunConfig> = obj({
  loss: str({ max: 40 }),
  lora: loraSettings,
  lr: num({ min: 0 }),
  balanceRule: opt(oneOf(BALANCE_RULES)),
  balanceLr: opt(num({ min: 0 })),
  balanceTemperature: opt(num({ min: 0 })),
  balanceWindow: opt(positiveInt),
  schedule: oneOf(['cosine', 'linear', 'constant'] as const),
  warmupSteps: count,
  steps: count,
  batchSize: count,
  gradAccum: count,
  seqLen: count,
  maxGradNorm: num({ min: 0 }),
  weightDecay: num({ min: 0 }),
  beta1: fraction,
  beta2: fraction,
  eps: num({ min: 0 }),
  seed: count,
  recompute: bool,
  evalEvery: count,
  evalExamples: count,
  checkpointEvery: count,
  keepBest: opt(bool),
  patience: opt(count),
  alpha0: fraction,
  alphaMin: fraction,
  alphaMax: fraction,
});

const modelSpecSummary: Check<ModelSpecSummary> = obj({
  architecture: str({ max: 100 }),
  family: oneOf(['llama', 'qwen2', 'qwen3'] as const),
  hiddenSize: positiveInt,
  numLayers: int({ min: 1, max: 1024 }),
  numHeads: positiveInt,
  numKvHeads: positiveInt,
  headDim: positiveInt,
  intermediateSize: positiveInt,
  vocabSize: positiveInt,
  tieWordEmbeddings: bool,
  dtype: oneOf(['F32', 'F16', 'BF16'] as const),
});

const metricPoint: Check<MetricPoint> = (v, path) => {
  const values = record(numOrNull(), { maxKeys: L.maxMetricKeys, key: metricKey })(v, path);
  const step = int({ min: 0 })(values.step, `${path}.step`);
  return { ...values, step } as MetricPoint;
};

const evalPoint: Check<EvalPoint> = obj({ step: int({ min: 0 }), evalLoss: numOrNull(), evalLossCot: opt(numOrNull()), evalLossCall: opt(numOrNull()), evalLossTokens: opt(numOrNull()) });

const ROUND_PHASES = ['retraining', 're-evaluation'] as const satisfies readonly RoundPhase[];

const answerChanges: Check<AnswerChanges> = obj({ fixed: count, broken: count });

/** Checks a round as run.json and a share link carry it. */
export const hdrRound: Check<HdrRoundSummary> = obj({
  round: int({ min: 0, max: 10_000 }),
  poolSize: count,
  sampled: opt(count),
  passRate: fraction,
  accepted: count,
  step: opt(count),
  cancelledIn: opt(oneOf(ROUND_PHASES)),
  trainingSteps: opt(count),
  evalAccuracyBefore: opt(numOrNull({ min: 0, max: 1 })),
  evalAccuracyAfter: opt(numOrNull({ min: 0, max: 1 })),
  evalChanges: opt(answerChanges),
  evalChangesSinceStart: opt(answerChanges),
});

export const hdrTotals: Check<HdrTotalsSummary> = obj({ poolStart: count, poolEnd: count, added: count });

export const hdrRunSummary: Check<HdrRunSummary> = obj({ rounds: count, maxRounds: count, stopReason: opt(str({ max: 40 })), interrupted: opt(bool) });

const stepTallyShape = obj({ total: count, correct: count });
const stepTally: Check<StepTally> = (v, path) => {
  const t = stepTallyShape(v, path);
  if (t.correct > t.total) throw new FieldError(`${path}.correct`, `must be at most total (${t.total}), got ${t.correct}`);
  return t;
};

export const evaluationSummary: Check<EvaluationSummary> = obj({
  step: opt(count),
  split: opt(str({ max: 40 })),
  examples: count,
  astAccuracy: fraction,
  parseRate: opt(fraction),
  byCategory: opt(record(fraction, { maxKeys: 64, key: /^[A-Za-z0-9_.-]{1,60}$/ })),
  byStep: opt(obj({ first: stepTally, afterCalls: stepTally })),
  asked: opt(obj({ inTraining: stepTally, notInTraining: stepTally })),
  base: opt(obj({ astAccuracy: fraction })),
});

const fingerprint = str({ max: 80, pattern: /^(sha256:[0-9a-f]{64})?$/ });

/** Checks what a run trained on, as run.json and a share link carry it. */
export const trainedOn: Check<TrainedOn> = obj({ train: count, examples: opt(count), eval: opt(count), fingerprint: opt(fingerprint) });

/** A Hub dataset's owner/name, each part as the Hub names repos. */
const HUB_DATASET_REPO = /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/;

const runJsonShape = obj({
  schema: literal(RUN_SCHEMA),
  exportedAt: timestamp,
  run: obj({
    id,
    name,
    createdAt: timestamp,
    status: oneOf(RUN_STATUSES),
    lastStep: opt(count),
    message: opt(str({ max: L.messageChars })),
    tags: opt(arr(str({ max: L.tagChars, min: 1 }), { max: L.maxTags })),
    notes: opt(str({ max: L.notesChars })),
    startedFrom: opt(obj({ name, step: count, hdr: opt(bool) })),
  }),
  config: runConfig,
  model: obj({ ref: str({ max: 300, min: 1 }), spec: modelSpecSummary }),
  dataset: obj({
    name,
    fingerprint,
    examples: count,
    train: opt(count),
    eval: opt(count),
    split: opt(obj({ seed: count, evalFraction: num({ min: 0, max: 0.99 }), by: opt(literal('question')) })),
    hubRepo: opt(str({ max: 193, pattern: HUB_DATASET_REPO })),
    edited: opt(count),
    trained: opt(trainedOn),
  }),
  metrics: arr(metricPoint, { max: L.maxMetrics }),
  evalMetrics: arr(evalPoint, { max: L.maxEvalMetrics }),
  hdrRounds: arr(hdrRound, { max: L.maxHdrRounds }),
  hdrTotals: opt(hdrTotals),
  hdrRun: opt(hdrRunSummary),
  evaluation: opt(evaluationSummary),
});

const isIncreasing = (steps: number[]) => steps.every((s, i) => i === 0 || s > steps[i - 1]);

/** Checks parsed run.json content; the result is rebuilt from known fields only. */
export function validateRunJson(value: unknown, entry = RUN_JSON_FILE): RunJson {
  const run = checkEntry(entry, value, runJsonShape) as RunJson;
  try {
    validateRunConfig(run.config, { stored: true });
  } catch (err) {
    throw new SnapshotError(`${entry}: config: ${(err as Error).message.replace(/^run config: /, '')}`);
  }
  for (const l of run.config.lora.layers ?? []) {
    if (l >= run.model.spec.numLayers) throw new SnapshotError(`${entry}: config.lora.layers names layer ${l}, but model.spec.numLayers is ${run.model.spec.numLayers}`);
  }
  if (!isIncreasing(run.metrics.map((m) => m.step))) throw new SnapshotError(`${entry}: metrics must be in increasing step order without repeats`);
  if (!isIncreasing(run.evalMetrics.map((m) => m.step))) throw new SnapshotError(`${entry}: evalMetrics must be in increasing step order without repeats`);
  return run;
}
