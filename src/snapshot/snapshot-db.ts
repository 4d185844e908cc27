// Snapshots and the Dexie tables: gathering a stored run into a SnapshotInput (snapshotFromDb; an
// HDR run travels as the training run it continued, with HDR's rounds and adapter), and writing a
// validated ImportedSnapshot back as a run (saveImportedSnapshot), read-only or resumable.
// Row shapes follow src/data/db.ts. Facts a snapshot carries that RunRow has no field for yet (the
// model's shape summary, the dataset summary, HDR rounds, evaluation, provenance) are kept as extra
// unindexed properties on the run row (SnapshotRunRow), which IndexedDB stores as they are.
// Imported adapter files live in the checkpoint row's blobs next to the trainer checkpoint.
// Never validates untrusted bytes itself (snapshot-file.ts has already done that) and never
// touches the GPU.
import { EXAMPLE_SPLIT, sameSplit, splitText, type SplitSettings } from '../data/split.ts';
import type { CheckpointRow, ExampleRow, MetricRow, RunRow, StudioDb } from '../data/db.ts';
import type { Example } from '../data/example.ts';
import { editedAnswerCount, loadExampleRows, saveDataset, usedCount } from '../data/dataset-store.ts';
import { importedAnswers } from './dataset-export.ts';
import { datasetFingerprint } from '../data/fingerprint.ts';
import type { ModelSpec } from '../model/config.ts';
import { loraLayout, unflattenLora } from '../model/deviceLora.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../model/peft.ts';
import { baseEvalOfSameExamples, isEvalRun, isFinishedEval, isHdrRun, scoresAdapter, type HdrRunRow } from '../hdr/store.ts';
import { interruptedWhy, isHdrStopReason } from '../hdr/stopReason.ts';
import { decodeCheckpoint } from '../train/checkpointFile.ts';
import type { RunConfig } from '../train/config.ts';
import type { StartedFrom, TrainRunRow } from '../jobs/store/schema.ts';
import { specFromSummary, specSummary, type EvalPoint, type EvaluationSummary, type HdrRoundSummary, type HdrRunSummary, type HdrTotalsSummary, type MetricPoint, type ModelSpecSummary, type RunJson, type RunStatus, type TrainedOn } from './run-json.ts';
import { exportSnapshot, type AdapterFiles, type ImportedSnapshot, type SnapshotInput } from './snapshot-file.ts';
import { SnapshotError } from './validate.ts';
import { RUN_JSON_LIMITS } from './limits.ts';

/** The snapshot facts a training run's row may carry (unindexed; see the file comment). */
export interface SnapshotFacts {
  modelSpec?: ModelSpecSummary;
  datasetSummary?: RunJson['dataset'];
  hdrRounds?: HdrRoundSummary[];
  /** Of the HDR run whose snapshot this run was opened from (its rounds are the last of hdrRounds). */
  hdrTotals?: HdrTotalsSummary;
  /** That HDR run's own round count and stop (its status is told in rounds, not this row's steps). */
  hdrRun?: HdrRunSummary;
  evaluation?: EvaluationSummary;
  importedFrom?: { runId: string; exportedAt: number; mode: ImportMode };
}

/** A training run's row plus the snapshot facts kept on it, and the adapter it started from. */
export type SnapshotRunRow = RunRow<'train', RunConfig> & SnapshotFacts & { startedFrom?: StartedFrom };

export type ImportMode = 'read-only' | 'resume';

/** Metric names the trainer's eval writes into the row of their step (worker/runStore.ts addEval). */
const EVAL_KEYS = ['evalLoss', 'evalLossCot', 'evalLossCall', 'evalLossTokens'] as const;
const CHECKPOINT_BLOB = 'checkpoint';

async function blobBytes(b: Blob | ArrayBuffer | undefined): Promise<Uint8Array | undefined> {
  if (b === undefined) return undefined;
  return new Uint8Array(b instanceof Blob ? await b.arrayBuffer() : b);
}

const toArrayBuffer = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;

async function newestCheckpoint(db: StudioDb, runId: string): Promise<CheckpointRow | undefined> {
  return (await db.checkpoints.where('runId').equals(runId).sortBy('step')).at(-1);
}

/** The newest finished evaluation of the run's newest adapter, as run.json summarizes one (an
 * evaluation older than the newest checkpoint scored an earlier adapter: left out; so is one the
 * user stopped, stored `done` but scoring only the examples it answered, and one of a GGUF export,
 * which scored the file's rounding of it). */
async function latestEvaluation(db: StudioDb, row: SnapshotRunRow): Promise<EvaluationSummary | undefined> {
  const newest = await newestCheckpoint(db, row.id);
  const all = (await db.runs.where('datasetId').equals(row.datasetId).toArray()).filter(isEvalRun).sort((a, b) => b.createdAt - a.createdAt);
  const own = all.find((e) => e.config.adapterRunId === row.id && scoresAdapter(e.config) && isFinishedEval(e) && e.summary.total > 0 && (!newest || e.createdAt >= newest.createdAt));
  const s = own?.summary;
  if (!s) return undefined;
  // What training changed is read beside the base model on the very same examples.
  const base = baseEvalOfSameExamples(own, all)?.summary;
  const byCategory = Object.fromEntries(Object.entries(s.byCategory).filter(([, t]) => t.total > 0).map(([k, t]) => [k, t.accuracy]));
  const byStep = s.byStep && { first: { total: s.byStep.first.total, correct: s.byStep.first.correct }, afterCalls: { total: s.byStep.afterCalls.total, correct: s.byStep.afterCalls.correct } };
  const asked = s.asked && { inTraining: { total: s.asked.inTraining.total, correct: s.asked.inTraining.correct }, notInTraining: { total: s.asked.notInTraining.total, correct: s.asked.notInTraining.correct } };
  return { step: newest?.step ?? row.lastStep, split: 'eval', examples: s.total, astAccuracy: s.accuracy, ...(Object.keys(byCategory).length ? { byCategory } : {}), ...(byStep && { byStep }), ...(asked && { asked }), ...(base && { base: { astAccuracy: base.accuracy } }) };
}

/** Whether a checkpoint row is the one a snapshot import wrote (not one trained here since). */
const writtenByImport = (c: CheckpointRow): boolean => (c.meta as { importedFrom?: string } | undefined)?.importedFrom !== undefined;

/** The evaluation an imported snapshot brought: it scored the adapter the snapshot brought, so it
 * holds only while the run's newest checkpoint is still the one the import wrote (a run resumed
 * and trained on here has another adapter). */
async function importedEvaluation(db: StudioDb, row: SnapshotRunRow): Promise<EvaluationSummary | undefined> {
  if (!row.evaluation) return undefined;
  const newest = await newestCheckpoint(db, row.id);
  return !newest || writtenByImport(newest) ? row.evaluation : undefined;
}

/** What the run trained on (run.json's dataset.trained): as its latest start recorded it, or, for a
 * run opened from a snapshot and not trained here, as that snapshot said. The dataset's own counts
 * are today's: HDR's samples and the user's edits since would read as the run's data. */
function trainedOnOf(row: SnapshotRunRow & Pick<TrainRunRow, 'setup'>): TrainedOn | undefined {
  const setup = row.setup;
  // A start stopped before its first step trained on nothing.
  if (!setup?.examples || !((row.lastStep ?? 0) > 0)) return row.datasetSummary?.trained;
  // A run opened from a snapshot and trained on here: its first start was the sharer's, whose
  // dataset the snapshot recorded (the resume here keeps none of its own).
  const imported = row.datasetSummary?.trained;
  const then = setup.dataset ?? (imported?.examples !== undefined && imported.eval !== undefined ? { examples: imported.examples, eval: imported.eval, fingerprint: imported.fingerprint } : undefined);
  return { train: setup.examples.train, ...(then && { examples: then.examples, eval: then.eval, ...(then.fingerprint && { fingerprint: then.fingerprint }) }) };
}

/** Splits stored metric rows into run.json's per-step metrics and eval points. */
function splitMetricRows(rows: MetricRow[]): { metrics: MetricPoint[]; evalMetrics: EvalPoint[] } {
  const metrics: MetricPoint[] = [];
  const evalMetrics: EvalPoint[] = [];
  for (const row of rows.sort((a, b) => a.step - b.step)) {
    const train: Record<string, number> = {};
    for (const [k, v] of Object.entries(row.values)) {
      if (k !== 'step' && !(EVAL_KEYS as readonly string[]).includes(k)) train[k] = v;
    }
    if (Object.keys(train).length > 0) metrics.push({ ...train, step: row.step } as MetricPoint);
    if (row.values.evalLoss !== undefined) {
      evalMetrics.push({ step: row.step, evalLoss: row.values.evalLoss, evalLossCot: row.values.evalLossCot, evalLossCall: row.values.evalLossCall, ...(row.values.evalLossTokens !== undefined ? { evalLossTokens: row.values.evalLossTokens } : {}) });
    }
  }
  return { metrics, evalMetrics };
}

export interface SnapshotFromDbOptions {
  /** The loaded model's spec; without it the spec summary stored on an imported run is used. */
  spec?: ModelSpec;
  /** Model reference when the run row has none yet. */
  modelRef?: string;
  /** Adapter files already exported (e.g. by the worker's exportAdapter); otherwise taken from the newest checkpoint. */
  adapterFiles?: AdapterFiles;
  /** Include the PEFT adapter (default true). A share link needs neither adapter nor checkpoint, and
   * skipping them avoids decoding the checkpoint. */
  includeAdapter?: boolean;
  /** Include checkpoint.safetensors so the snapshot can be resumed (default true). */
  includeCheckpoint?: boolean;
  /** Include dataset.jsonl (default false: datasets can be large or private). */
  includeDataset?: boolean;
  hdrRounds?: HdrRoundSummary[];
  evaluation?: EvaluationSummary;
  /** The runs some worker trains now (their Web Locks, held). Given, a row still `running` that is
   * not among them goes out as `paused`: its tab closed or its worker ended (the studio shows it
   * interrupted), and a link saying "running at step 12" would tell its reader a run goes on that
   * nothing trains. Opening the snapshot makes it paused anyway. */
  trainingNow?: ReadonlySet<string>;
}

/** The status `row` goes out with (SnapshotFromDbOptions.trainingNow). */
function exportedStatus(row: { id: string; status: RunStatus }, trainingNow: ReadonlySet<string> | undefined): RunStatus {
  return leftRunning(row, trainingNow) ? 'paused' : row.status;
}

/** A row still `running` that no worker runs: its tab closed or its worker ended. */
const leftRunning = (row: { id: string; status: RunStatus }, trainingNow: ReadonlySet<string> | undefined): boolean => row.status === 'running' && !!trainingNow && !trainingNow.has(row.id);

/** An HDR run left running was interrupted: it cannot be paused and resumed as a training run can.
 * Said as the HDR panel says it of a row an earlier page left. */
const HDR_INTERRUPTED = `interrupted: ${interruptedWhy(false)}`;

/** `text` in at most `max` UTF-16 units, cut with an ellipsis; never between the halves of a
 * surrogate pair (an emoji cut in two travels as a lone surrogate and shows as �). */
function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = max - 1;
  const high = text.charCodeAt(end - 1);
  return `${text.slice(0, high >= 0xd800 && high <= 0xdbff ? end - 1 : end)}…`;
}

/** A name stored before the limits existed (a long file name) still fits run.json's. */
const clip = (name: string) => clipText(name, RUN_JSON_LIMITS.nameChars);

/** A run's message is the job's words, uncapped where it was written (a GPU error can quote a whole
 * shader log): cut to run.json's limit, so a long one never stops the run being exported. */
const clipMessage = (message: string | undefined) => (message === undefined ? undefined : clipText(message, RUN_JSON_LIMITS.messageChars));

/** Everything exportSnapshot needs for a stored run. Errors name the run and what is missing. */
export async function snapshotFromDb(db: StudioDb, runId: string, options: SnapshotFromDbOptions = {}): Promise<SnapshotInput> {
  const stored = await db.runs.get(runId);
  if (!stored) throw new SnapshotError(`run ${runId} does not exist`);
  if (isHdrRun(stored)) return hdrSnapshotFromDb(db, stored, options);
  if (stored.kind !== 'train') throw new SnapshotError(`run ${runId} is an ${stored.kind} run; snapshots hold training runs and the HDR runs that continue them`);
  const row = stored as SnapshotRunRow;
  // Named as the Runs panel names it: an id says nothing to the user (an HDR run's errors name the run it continued).
  const title = `run “${row.name ?? runId}”`;
  const config = row.config;
  const modelRef = row.modelRef ?? options.modelRef;
  if (!modelRef) throw new SnapshotError(`${title} does not say which model it was trained on; load that model first`);
  const summary = options.spec ? specSummary(options.spec) : row.modelSpec;
  if (!summary) throw new SnapshotError(`${title}: the model's spec is needed to describe the adapter; load the model it was trained on (${modelRef}) first`);
  const spec = options.spec ?? specFromSummary(summary);

  const dataset = await db.datasets.get(row.datasetId);
  let datasetInfo: RunJson['dataset'];
  let examples: SnapshotInput['dataset'];
  let inclusion: SnapshotInput['datasetInclusion'];
  let imported: SnapshotInput['datasetImported'];
  if (dataset) {
    // A reader of its accuracy is told that some expected answers are the sharer's, not the dataset's.
    const edited = await editedAnswerCount(db, dataset.id);
    datasetInfo = { name: clip(dataset.name), fingerprint: dataset.fingerprint, examples: dataset.exampleCount, train: await usedCount(db, dataset.id, 'train'), eval: await usedCount(db, dataset.id, 'eval'), split: dataset.split, ...(dataset.hubRepo ? { hubRepo: dataset.hubRepo } : {}), ...(edited ? { edited } : {}) };
    if (options.includeDataset) {
      const rows = await loadExampleRows(db, dataset.id);
      examples = rows.map((r) => r.example);
      inclusion = new Map(rows.map((r) => [r.id, r.included === 1]));
      // Edited answers travel with the examples they were imported as, to restore after an import.
      const edited = importedAnswers(rows);
      if (edited.size) imported = edited;
      // Recomputed: a database upgraded from v1 keeps '' until then, and import checks this value.
      datasetInfo.fingerprint = await datasetFingerprint(examples);
      datasetInfo.examples = examples.length;
    }
  } else if (row.datasetSummary) {
    if (options.includeDataset) throw new SnapshotError(`${title}: its dataset is not in this browser, so it cannot be included`);
    datasetInfo = { ...row.datasetSummary, name: clip(row.datasetSummary.name) };
  } else {
    throw new SnapshotError(`${title}: its dataset was deleted before the studio kept a summary of deleted datasets, so run.json cannot describe it`);
  }
  const trained = trainedOnOf(row);
  if (trained) datasetInfo.trained = trained;

  const { metrics, evalMetrics } = splitMetricRows(await db.metrics.where('runId').equals(runId).toArray());
  // The held-out loss before the first step (kept on the run's setup) is the eval curve's step 0.
  const baseline = (row as SnapshotRunRow & Pick<TrainRunRow, 'setup'>).setup?.baseline;
  if (baseline && !evalMetrics.some((e) => e.step === 0)) {
    evalMetrics.unshift({ step: 0, evalLoss: baseline.evalLoss, evalLossCot: baseline.evalLossCot, evalLossCall: baseline.evalLossCall, ...(baseline.evalLossTokens !== undefined ? { evalLossTokens: baseline.evalLossTokens } : {}) });
  }
  const { adapter, checkpointBytes } = await storedAdapter(db, runId, { spec, modelRef, lora: config.lora }, options);

  return {
    run: {
      run: {
        id: row.id,
        name: clip(row.name ?? `run ${row.id.slice(0, 8)}`),
        createdAt: row.createdAt,
        status: exportedStatus(row, options.trainingNow),
        lastStep: row.lastStep,
        message: clipMessage(row.message),
        ...(row.tags?.length ? { tags: row.tags.slice(0, RUN_JSON_LIMITS.maxTags).map((t) => clipText(t, RUN_JSON_LIMITS.tagChars)) } : {}),
        ...(row.notes ? { notes: row.notes } : {}),
        // By name: the run it started from is in this browser, not the snapshot's.
        ...(row.startedFrom && { startedFrom: { name: clip(row.startedFrom.name), step: row.startedFrom.step, ...(row.startedFrom.hdr && { hdr: true }) } }),
      },
      config,
      model: { ref: modelRef, spec: summary },
      dataset: datasetInfo,
      metrics,
      evalMetrics,
      hdrRounds: options.hdrRounds ?? row.hdrRounds ?? [],
      ...(row.hdrTotals ? { hdrTotals: row.hdrTotals } : {}),
      ...(row.hdrRun ? { hdrRun: row.hdrRun } : {}),
      // One made here is newer than the one the snapshot brought (latestEvaluation keeps only one of the newest adapter).
      evaluation: options.evaluation ?? (await latestEvaluation(db, row)) ?? (await importedEvaluation(db, row)),
    },
    adapter,
    checkpoint: options.includeCheckpoint === false ? undefined : checkpointBytes,
    dataset: examples,
    datasetInclusion: inclusion,
    ...(imported && { datasetImported: imported }),
  };
}

/** A run's adapter (its stored PEFT files, or the LoRA values of its newest trainer checkpoint)
 * and that checkpoint's bytes, as the options ask for them. */
async function storedAdapter(
  db: StudioDb,
  runId: string,
  model: { spec: ModelSpec; modelRef: string; lora: RunConfig['lora'] },
  options: SnapshotFromDbOptions,
): Promise<{ adapter: SnapshotInput['adapter']; checkpointBytes?: Uint8Array }> {
  const newest = options.includeAdapter === false && options.includeCheckpoint === false ? undefined : await newestCheckpoint(db, runId);
  const checkpointBytes = await blobBytes(newest?.blobs[CHECKPOINT_BLOB]);
  if (options.includeAdapter === false) return { adapter: undefined, checkpointBytes };
  if (options.adapterFiles) return { adapter: { files: options.adapterFiles }, checkpointBytes };
  const storedConfig = await blobBytes(newest?.blobs[ADAPTER_CONFIG_FILE]);
  const storedWeights = await blobBytes(newest?.blobs[ADAPTER_WEIGHTS_FILE]);
  if (storedConfig && storedWeights) return { adapter: { files: { configJson: new TextDecoder().decode(storedConfig), weights: storedWeights } }, checkpointBytes };
  if (!checkpointBytes) return { adapter: undefined };
  // Named as the Runs panel names it (an HDR run's adapter may be the one of the run it continued).
  const title = `run “${(await db.runs.get(runId))?.name ?? runId}”`;
  const { state } = await decodeCheckpoint(checkpointBytes, `checkpoint of ${title} at step ${newest?.step}`);
  const layout = loraLayout(model.spec, model.lora);
  if (layout.size !== state.loraParams.length) throw new SnapshotError(`${title}: its checkpoint has ${state.loraParams.length} LoRA values, the model ${model.modelRef} needs ${layout.size}`);
  return { adapter: { spec: model.spec, adapter: { settings: model.lora, tensors: unflattenLora(layout.order, state.loraParams) } }, checkpointBytes };
}

/**
 * An HDR run as a snapshot: the training run it continued (its config, curves and dataset) with
 * HDR's rounds and HDR's adapter, the model the rounds made. It carries no trainer checkpoint: it
 * opens read-only (resuming goes on from the training run itself, or from HDR again).
 */
async function hdrSnapshotFromDb(db: StudioDb, hdr: HdrRunRow, options: SnapshotFromDbOptions): Promise<SnapshotInput> {
  const name = hdr.name ?? `HDR run ${hdr.id.slice(0, 8)}`;
  if (!hdr.fromRunId) throw new SnapshotError(`“${name}” started HDR from the base model: a snapshot holds a training run and the HDR rounds that continued it`);
  const start = await db.runs.get(hdr.fromRunId);
  if (!start) throw new SnapshotError(`“${name}” continued run ${hdr.fromRunId}, which is no longer here; a snapshot needs that run's history`);
  if (start.kind !== 'train') throw new SnapshotError(`“${name}” continued an ${start.kind} run, not a training run: a snapshot holds a training run and the HDR rounds that continued it`);
  const base = await snapshotFromDb(db, hdr.fromRunId, { ...options, includeAdapter: false, includeCheckpoint: false });
  const spec = options.spec ?? specFromSummary(base.run.model.spec);
  const model = { spec, modelRef: base.run.model.ref, lora: hdr.config.lora };
  // HDR that retrained nothing kept no adapter of its own: the model is the one it started from.
  const adapter = (await storedAdapter(db, hdr.id, model, { ...options, includeCheckpoint: false })).adapter ?? (await storedAdapter(db, hdr.fromRunId, model, { ...options, includeCheckpoint: false })).adapter;
  // A training run imported from an HDR snapshot brings its earlier rounds: these follow them.
  const earlier = base.run.hdrRounds;
  let step = earlier.at(-1)?.step ?? base.run.run.lastStep ?? 0;
  const rounds: HdrRoundSummary[] = [...hdr.rounds]
    .sort((a, b) => a.round - b.round)
    .map((r) => {
      step += r.training?.steps ?? 0;
      const cut = r.cancelledIn ? { cancelledIn: r.cancelledIn, trainingSteps: r.training?.steps ?? 0 } : {};
      const changes = { ...(r.evalChanges && { evalChanges: { ...r.evalChanges } }), ...(r.evalChangesSinceStart && { evalChangesSinceStart: { ...r.evalChangesSinceStart } }) };
      return { round: r.round, poolSize: r.poolBefore, sampled: r.samples, passRate: r.samples > 0 ? r.gatePassed / r.samples : 0, accepted: r.accepted, step, evalAccuracyBefore: r.evalAccuracyBefore, evalAccuracyAfter: r.evalAccuracyAfter, ...changes, ...cut };
    });
  const hdrRounds = [...earlier, ...rounds];
  // HDR keeps its adapter under the round's number: the evaluation is of the step the rounds reached.
  const latest = options.evaluation ?? (await latestEvaluation(db, { id: hdr.id, datasetId: hdr.datasetId, lastStep: step } as SnapshotRunRow));
  const evaluation = latest && !options.evaluation ? { ...latest, step } : latest;
  const interrupted = leftRunning(hdr, options.trainingNow);
  return {
    ...base,
    run: {
      ...base.run,
      run: {
        ...base.run.run,
        id: hdr.id,
        name: clip(name),
        createdAt: hdr.createdAt,
        ...(interrupted ? { status: 'failed' as const, message: HDR_INTERRUPTED } : { status: hdr.status, message: clipMessage(hdr.stopReason ?? hdr.message) }),
      },
      hdrRounds,
      // This run's, or none (a row kept before them): never those of the HDR run `base` was opened from.
      hdrTotals: hdr.poolStart !== undefined && hdr.poolEnd !== undefined && hdr.added !== undefined ? { poolStart: hdr.poolStart, poolEnd: hdr.poolEnd, added: hdr.added } : undefined,
      // Its status is counted in rounds: the steps the run carries are those of the run it continued.
      // A reader of `failed` alone would take the closed tab for an error (the studio says "Interrupted").
      hdrRun: { rounds: hdr.rounds.length, maxRounds: hdr.settings.maxRounds, ...(isHdrStopReason(hdr.stopReason) ? { stopReason: hdr.stopReason } : {}), ...(interrupted && { interrupted }) },
      evaluation,
    },
    adapter,
    checkpoint: undefined,
  };
}

/** The zip for a stored run (snapshotFromDb + exportSnapshot). */
export async function exportRunSnapshot(db: StudioDb, runId: string, options: SnapshotFromDbOptions = {}): Promise<Uint8Array> {
  return exportSnapshot(await snapshotFromDb(db, runId, options));
}

// ---------------------------------------------------------------------------------------------
// Import into the database

function newRunId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Training and eval metrics of one step share a row, as the worker writes them; null (non-finite) becomes NaN. */
function metricRows(runId: string, run: RunJson): MetricRow[] {
  const byStep = new Map<number, Record<string, number>>();
  const at = (step: number) => byStep.get(step) ?? byStep.set(step, {}).get(step)!;
  for (const m of run.metrics) {
    const values = at(m.step);
    for (const [k, v] of Object.entries(m)) values[k] = v ?? NaN;
  }
  for (const e of run.evalMetrics) {
    const values = at(e.step);
    for (const k of EVAL_KEYS) if (e[k] !== undefined) values[k] = e[k] ?? NaN;
  }
  return [...byStep].sort(([a], [b]) => a - b).map(([step, values]) => ({ runId, step, values }));
}

/** Whether stored rows are these examples in this order, each included as `inclusion` says (where it says). */
function holdsInOrder(rows: ExampleRow[], examples: Example[], inclusion: ReadonlyMap<string, boolean> | undefined): boolean {
  return rows.length === examples.length && rows.every((r, i) => r.id === examples[i].id && (inclusion?.get(r.id) ?? r.included === 1) === (r.included === 1));
}

/** Why a stored dataset is not split as the run split it (resuming walks the run's training side). */
const otherSplitText = (d: { name: string; split: SplitSettings }, run: SplitSettings) =>
  `resuming needs the run's split: "${d.name}" in this browser holds its examples split ${splitText(d.split)}, the run's ${splitText(run)}`;

const otherTrainingText = (runTrain: number, here: number) =>
  `resuming needs the examples the run trained on: run.json says ${runTrain} training examples, the dataset here gives ${here} (other examples are included or held out)`;

/**
 * Why a run opened read-only from a snapshot cannot be resumed here, or null. A read-only import
 * keeps a snapshot without checkpoint.safetensors and links a local copy of the dataset even where
 * it is split or included otherwise (fine for looking at the run); resuming would then start over,
 * deleting the imported curve, or walk the checkpoint's data cursor over other examples.
 */
export async function readOnlyResumeProblem(db: StudioDb, row: SnapshotRunRow): Promise<string | null> {
  const checkpoints = await db.checkpoints.where('runId').equals(row.id).toArray();
  if (!checkpoints.some((c) => c.blobs[CHECKPOINT_BLOB] !== undefined)) return `“${row.name ?? row.id}” was opened read-only from a snapshot without checkpoint.safetensors: there is no trainer state to resume from`;
  const info = row.datasetSummary;
  const dataset = await db.datasets.get(row.datasetId);
  if (!info || !dataset) return null;
  const again = 'open the snapshot again as resumable (with its dataset, if this browser has no copy that trains as the run did)';
  if (info.split && !sameSplit(info.split, dataset.split)) return `${otherSplitText(dataset, info.split)}; ${again}`;
  const train = info.train === undefined ? undefined : await usedCount(db, dataset.id, 'train');
  // More examples (HDR's samples added after the run's) resume over the run's own where the
  // checkpoint keeps its training set's digest, which the trainer checks (resumedTrainingSet).
  const added = train !== undefined && train > info.train! && (await checkpointDigest(checkpoints)) !== undefined;
  if (train !== undefined && train !== info.train && !added) return `${otherTrainingText(info.train!, train)}; ${again}`;
  return null;
}

/** The training set's digest the newest trainer checkpoint of these rows keeps (none before it was kept). */
async function checkpointDigest(rows: CheckpointRow[]): Promise<string | undefined> {
  const newest = rows.filter((c) => c.blobs[CHECKPOINT_BLOB] !== undefined).sort((a, b) => a.step - b.step).at(-1);
  const bytes = await blobBytes(newest?.blobs[CHECKPOINT_BLOB]);
  return bytes && (await decodeCheckpoint(bytes)).state.trainDigest;
}

/** Whether the dataset still trains as the snapshot's run did. The checkpoint's cursor indexes the
 * training examples in stored order, and the fingerprint ignores order and inclusion: where the
 * snapshot carries its examples, a copy must hold them in the same order, included as the run's
 * were, not only as many. Examples added after them (HDR's samples) are allowed where the
 * checkpoint keeps its training set's digest: a resume goes on over the run's own examples there
 * (trainer.ts resumedTrainingSet); an older checkpoint is refused over more examples. */
async function trainsAsTheRun(db: StudioDb, snapshot: ImportedSnapshot, datasetId: string): Promise<boolean> {
  const info = snapshot.run.dataset;
  const added = snapshot.dataset !== undefined && snapshot.checkpoint?.state.trainDigest !== undefined;
  const train = await usedCount(db, datasetId, 'train');
  if (info.train !== undefined && (added ? train < info.train : train !== info.train)) return false;
  if (!snapshot.dataset) return true;
  const rows = await loadExampleRows(db, datasetId);
  return holdsInOrder(added ? rows.slice(0, snapshot.dataset.length) : rows, snapshot.dataset, snapshot.datasetInclusion);
}

/** The run's dataset in this browser: one with the same examples (and, to resume, the same split:
 * another split would train on other examples than the checkpoint's data order expects), else the
 * snapshot's own, stored now (`created`: undone if the run cannot be stored). */
async function datasetFor(db: StudioDb, snapshot: ImportedSnapshot, mode: ImportMode): Promise<{ id: string; created: boolean }> {
  const { dataset: info } = snapshot.run;
  // A snapshot that does not say its fingerprint is matched by its examples' own.
  const fingerprint = info.fingerprint || (snapshot.dataset ? await datasetFingerprint(snapshot.dataset) : '');
  const same = fingerprint ? await db.datasets.where('fingerprint').equals(fingerprint).toArray() : [];
  const split = same.filter((d) => !info.split || sameSplit(d.split, info.split));
  // To resume, a local copy must also include what the run trained on (one stored from an earlier
  // import of this snapshot does); where none does, the snapshot's own dataset (with its inclusion
  // choices) is stored.
  let matching: (typeof same)[number] | undefined;
  for (const d of split) if (!matching && (await trainsAsTheRun(db, snapshot, d.id))) matching = d;
  const existing = matching ?? split[0] ?? (mode === 'read-only' ? same[0] : undefined);
  const trainsOtherwise = !!existing && existing !== matching && mode === 'resume' && !!snapshot.dataset;
  if (existing && !trainsOtherwise) return { id: existing.id, created: false };
  if (snapshot.dataset) {
    const name = trainsOtherwise ? `${info.name} (as the run trained on it)` : same.length > 0 ? `${info.name} (split as the run split it)` : info.name;
    // A snapshot from before runs recorded their split: datasets were split example by example then.
    const saved = await saveDataset(db, { name, examples: snapshot.dataset, split: info.split ?? EXAMPLE_SPLIT, included: snapshot.datasetInclusion, ...(snapshot.datasetImported && { imported: snapshot.datasetImported }), ...(info.hubRepo ? { hubRepo: info.hubRepo } : {}) });
    return { id: saved.id, created: true };
  }
  if (mode === 'resume') {
    if (same.length > 0 && info.split) {
      const d = same[0];
      throw new SnapshotError(
        `${otherSplitText(d, info.split)}; export the run with its dataset, or open it read-only`,
      );
    }
    throw new SnapshotError(`resuming needs the run's dataset: the snapshot has no dataset.jsonl and no dataset with fingerprint ${info.fingerprint || '(none)'} is in this browser; import the dataset first`);
  }
  return { id: '', created: false };
}

/**
 * The run an earlier import of this same snapshot (same run, same export) made in the same mode,
 * while it is still as that import left it; undefined if there is none. Opening the file again (a
 * second drop, or the picker after a drop) must not add a second copy of the run; a resumable copy
 * trained further here, or a read-only one resumed on purpose, is another run by now, and the
 * snapshot may start a fresh one.
 */
export async function openedBefore(db: StudioDb, snapshot: ImportedSnapshot, mode: ImportMode): Promise<SnapshotRunRow | undefined> {
  const { run } = snapshot;
  const copies = ((await db.runs.where('kind').equals('train').toArray()) as SnapshotRunRow[]).filter(
    (r) => r.importedFrom?.runId === run.run.id && r.importedFrom.exportedAt === run.exportedAt && r.importedFrom.mode === mode,
  );
  for (const row of copies) {
    // A read-only copy resumed on purpose is an ordinary run by then (readOnly cleared), trained on.
    if (mode === 'read-only') {
      if (row.readOnly) return row;
      continue;
    }
    // A resumable copy still holds the import's checkpoint, on a dataset that trains as the run did:
    // one with examples left out (or, for an older checkpoint, HDR's samples added) refuses that
    // checkpoint, where a fresh copy restores the run's dataset.
    const newest = await newestCheckpoint(db, row.id);
    if (newest && writtenByImport(newest) && row.lastStep === snapshot.checkpoint?.state.step && (await trainsAsTheRun(db, snapshot, row.datasetId))) return row;
  }
  return undefined;
}

/**
 * Stores a validated snapshot as a run. `read-only` opens it for viewing (never trained further);
 * `resume` needs the checkpoint and the dataset and leaves the run paused at the checkpoint's step.
 * The run keeps its id unless this browser already has a run with that id.
 */
export async function saveImportedSnapshot(db: StudioDb, snapshot: ImportedSnapshot, mode: ImportMode): Promise<SnapshotRunRow> {
  const { run } = snapshot;
  if (mode === 'resume' && !snapshot.checkpoint) throw new SnapshotError('resuming needs checkpoint.safetensors; this snapshot can only be opened read-only');
  const dataset = await datasetFor(db, snapshot, mode);
  const datasetId = dataset.id;
  const now = Date.now();
  const checkpointStep = snapshot.checkpoint?.state.step;
  // The dataset is written first (its fingerprint is computed outside any transaction); a run
  // that then cannot be stored (a full disk) takes it back out, so a failed import adds nothing.
  const undoDataset = async () => {
    if (!dataset.created) return;
    await db.transaction('rw', db.datasets, db.examples, async () => {
      await db.examples.where('datasetId').equals(datasetId).delete();
      await db.datasets.delete(datasetId);
    });
  };
  if (mode === 'resume' && run.dataset.train !== undefined) {
    // The checkpoint's data order walks the run's training examples; other ones would resume a
    // different run under the same name.
    const train = await usedCount(db, datasetId, 'train');
    if (train !== run.dataset.train) {
      await undoDataset();
      throw new SnapshotError(
        `${otherTrainingText(run.dataset.train, train)}; export the run with its dataset, or open it read-only`,
      );
    }
  }
  // A run that was training when exported is not training here; one whose checkpoint is at its
  // last step has nothing left to resume (Train on asks for more steps).
  const status = mode === 'resume' ? (checkpointStep! >= run.config.steps ? 'done' : 'paused') : run.run.status === 'running' ? 'paused' : run.run.status;
  return db.transaction('rw', db.runs, db.metrics, db.checkpoints, async () => {
    // A copy of a run this browser has (its own export, opened back) is named apart from it.
    const copy = !!(await db.runs.get(run.run.id));
    const id = copy ? newRunId() : run.run.id;
    const row: SnapshotRunRow = {
      id,
      datasetId,
      kind: 'train',
      status,
      createdAt: run.run.createdAt,
      updatedAt: now,
      config: run.config,
      name: copy ? `${run.run.name ?? run.run.id} (copy from a snapshot)` : run.run.name,
      modelRef: run.model.ref,
      lastStep: mode === 'resume' ? checkpointStep : run.run.lastStep,
      // The message explains the status it was written with: a failed run opened as resumable is
      // paused here, and its old error would read as the reason it cannot go on.
      message: status === run.run.status ? run.run.message : undefined,
      tags: run.run.tags,
      notes: run.run.notes,
      readOnly: mode === 'read-only',
      ...(run.run.startedFrom && { startedFrom: { runId: '', name: run.run.startedFrom.name, step: run.run.startedFrom.step, ...(run.run.startedFrom.hdr && { hdr: true as const }) } }),
      modelSpec: run.model.spec,
      datasetSummary: run.dataset,
      hdrRounds: run.hdrRounds,
      hdrTotals: run.hdrTotals,
      hdrRun: run.hdrRun,
      evaluation: run.evaluation,
      importedFrom: { runId: run.run.id, exportedAt: run.exportedAt, mode },
    };
    await db.runs.add(row);
    await db.metrics.bulkPut(metricRows(id, run));
    const blobs: CheckpointRow['blobs'] = {};
    if (snapshot.checkpoint) blobs[CHECKPOINT_BLOB] = toArrayBuffer(snapshot.checkpoint.bytes);
    if (snapshot.adapter) {
      blobs[ADAPTER_CONFIG_FILE] = toArrayBuffer(new TextEncoder().encode(snapshot.adapter.files.configJson));
      blobs[ADAPTER_WEIGHTS_FILE] = toArrayBuffer(snapshot.adapter.files.weights);
    }
    if (Object.keys(blobs).length > 0) {
      const step = checkpointStep ?? run.run.lastStep ?? run.metrics.at(-1)?.step ?? 0;
      // A run that keeps its best step (its checkpoint is that step's once it ended): resumed here,
      // it goes on comparing with that step's held-out loss, as it would have where it trained.
      const bestLoss = run.config.keepBest && snapshot.checkpoint ? run.evalMetrics.find((e) => e.step === step)?.evalLossTokens : undefined;
      await db.checkpoints.put({ runId: id, step, createdAt: now, blobs, meta: { importedFrom: run.run.id, adapterOnly: !snapshot.checkpoint, ...(bestLoss !== undefined ? { bestLoss } : {}) } });
    }
    return row;
  }).catch(async (err: unknown) => {
    await undoDataset().catch(() => undefined);
    throw err;
  });
}
