// The browser's RunStore: one run's row, metric rows, checkpoints and hard cases in IndexedDB
// (tables in src/data/db.ts, row types in ./schema.ts). Metric rows are buffered and written in
// batches (a reload loses at most the last second); eval values join the row of their step; the
// newest two checkpoints are kept; a run's adapter is its newest trainer checkpoint, or the PEFT
// files an imported snapshot or an HDR run left. Also the worker's typed reads and the writes that
// create and delete runs. Dexie works in a worker; the page reads the same tables.
// Never deletes anything of another run, and never leaves a run half deleted (one transaction).
import type { CheckpointRow, RunStatus, StudioDb } from '../../data/db.ts';
import { evalExamples, excludedHdrSamples, trainingExamples, usedCount } from '../../data/dataset-store.ts';
import type { EvalReport } from '../../eval/index.ts';
import {
  createHdrRun,
  dexieHdrHooks,
  finishHdrRun,
  markAnsweredHardCasesSolved,
  nextHdrRound,
  saveEvalRun,
  type EvalRunConfig,
  type HdrRunRow,
  type HdrSettings,
} from '../../hdr/index.ts';
import { memorySource } from '../../model/byte-source.ts';
import type { ModelSpec } from '../../model/config.ts';
import { loraLayout, unflattenLora } from '../../model/deviceLora.ts';
import type { LoraAdapter } from '../../model/lora.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, importPeftAdapter } from '../../model/peft.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../train/checkpointFile.ts';
import { importanceMatrixFile, readImportanceMatrix } from '../../export/importanceMatrix.ts';
import type { ImportanceResult } from '../importance.ts';
import { parseBalanceState, type BalanceState } from '../../train/balance.ts';
import type { RunConfig } from '../../train/config.ts';
import { ownTrainingSet, type EvalMetrics, type StepMetrics, type TrainerState } from '../../train/trainer.ts';
import type { TokenizedExample } from '../../train/batching.ts';
import { byEvalRole, type JobExamples } from '../data.ts';
import type { TokenLossStrip } from '../tokenLoss.ts';
import type { AdapterFiles, HdrPool, NewRun, RunStore, RunWorkspace, StatusPatch, TrainingSetup } from './runStore.ts';
import { storedRun, type AblationRunRow, type DatasetAtStart, type StoredRun, type TrainRunRow } from './schema.ts';
import type { AblationResult } from '../ablate.ts';
import { renamedDerivedName, uniqueRunName } from './runNames.ts';

const FLUSH_MS = 1000;
/** The importance matrix a K-quant GGUF export collected for a checkpoint row's adapter (llama.cpp's
 * imatrix file), and what it was collected from: kept with the row (readImportance). */
const IMPORTANCE_MATRIX_BLOB = 'importance.gguf';
const IMPORTANCE_FACTS_BLOB = 'importance.json';
const CHECKPOINTS_KEPT = 2;
const CHECKPOINT_BLOB = 'checkpoint';

const toArrayBuffer = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;

async function blobBytes(b: Blob | ArrayBuffer | undefined): Promise<Uint8Array | undefined> {
  if (b === undefined) return undefined;
  return new Uint8Array(b instanceof Blob ? await b.arrayBuffer() : b);
}

/** The dataset as a run starting now finds it (DatasetAtStart); undefined once it is deleted. */
async function datasetAtStart(db: StudioDb, datasetId: string): Promise<DatasetAtStart | undefined> {
  const d = await db.datasets.get(datasetId);
  // '' in a database upgraded from v1 until the fingerprint is computed: no fingerprint to keep.
  return d && { examples: d.exampleCount, eval: await usedCount(db, d.id, 'eval'), ...(d.fingerprint && { fingerprint: d.fingerprint }) };
}

/** Sets fields of a run row, typed by the row's kind (`db.runs.update` knows only the base row). */
export function updateRun<R extends StoredRun>(db: StudioDb, runId: string, patch: Partial<R>): Promise<number> {
  return db.runs.update(runId, (row) => {
    Object.assign(row, patch);
  });
}

/** A run's name, tags and notes. A new name is carried into the names the studio gave the runs
 * derived from it (its evaluations, HDR from it), and into the ablations that name it, in the same
 * transaction. */
export function updateRunInfo(db: StudioDb, runId: string, patch: { name?: string; tags?: string[]; notes?: string }): Promise<void> {
  return db.transaction('rw', db.runs, async () => {
    const row = await db.runs.get(runId);
    if (!row) return;
    await db.runs.update(runId, patch);
    if (patch.name === undefined || patch.name === (row.name ?? runId)) return;
    // A renamed derived run renames its own (the evaluation of an HDR run from this one), and so on.
    const renamed = [{ id: runId, before: row.name ?? runId, after: patch.name }];
    for (let k = 0; k < renamed.length; k++) {
      const { id, before, after } = renamed[k];
      const derived = await db.runs
        .filter((r) => (r.kind === 'eval' && (r.config as { adapterRunId?: string | null }).adapterRunId === id) || (r.kind === 'hdr' && (r as { fromRunId?: string }).fromRunId === id))
        .toArray();
      for (const r of derived) {
        const name = renamedDerivedName(r.kind as 'eval' | 'hdr', r.name, before, after);
        if (name === null || renamed.some((x) => x.id === r.id)) continue;
        await db.runs.update(r.id, { name });
        renamed.push({ id: r.id, before: r.name!, after: name });
      }
    }
    // An ablation's result names its arms' runs and evaluations (its table, its report): they follow.
    const names = new Map(renamed.map((x) => [x.id, x.after]));
    const ablations = await db.runs.filter((r) => r.kind === 'ablation' && ablationRunIds((r as AblationRunRow).result).some((id) => names.has(id))).toArray();
    for (const r of ablations as AblationRunRow[]) await updateRun<AblationRunRow>(db, r.id, { result: withArmNames(r.result!, names) });
  });
}

/** The runs an ablation's result names: its arms' runs and evaluations, and the base model's evaluation. */
function ablationRunIds(result: AblationResult | undefined): string[] {
  return result ? [...(result.base ? [result.base.evalRun.id] : []), ...result.arms.flatMap((a) => [a.run.id, a.evalRun.id])] : [];
}

/** An ablation's result with its arms' runs and evaluations (and the base model's) named as `names` (by run id) has them. */
function withArmNames(result: AblationResult, names: ReadonlyMap<string, string | undefined>): AblationResult {
  const named = <R extends { id: string; name: string }>(run: R): R => ({ ...run, name: names.get(run.id) ?? run.name });
  return { ...result, ...(result.base && { base: { ...result.base, evalRun: named(result.base.evalRun) } }), arms: result.arms.map((a) => ({ ...a, run: named(a.run), evalRun: named(a.evalRun) })) };
}

/** A run row by id, typed by its kind (undefined when there is none). */
export async function readRun(db: StudioDb, runId: string): Promise<StoredRun | undefined> {
  const row = await db.runs.get(runId);
  return row && storedRun(row);
}

export async function requireRun(db: StudioDb, runId: string): Promise<StoredRun> {
  const row = await readRun(db, runId);
  if (!row) throw new Error(`run ${runId} does not exist`);
  return row;
}

/** A training run's row, or an error naming what the run is instead. */
export async function requireTrainRun(db: StudioDb, runId: string): Promise<TrainRunRow> {
  const row = await requireRun(db, runId);
  if (row.kind !== 'train') throw new Error(`run ${runId} is an ${row.kind} run, not a training run`);
  return row;
}

/** A run a snapshot can hold: a training run, or an HDR run that continued one. */
export async function requireSnapshotRun(db: StudioDb, runId: string): Promise<TrainRunRow | HdrRunRow> {
  const row = await requireRun(db, runId);
  if (row.kind === 'train' || row.kind === 'hdr') return row;
  throw new Error(`run ${runId} is an ${row.kind} run; snapshots hold training runs and the HDR runs that continue them`);
}

/** The used examples of a stored dataset (its stored split and inclusion flags), read in one
 * transaction: an inclusion change between separate reads had a sample both trained on and left out. */
export async function storedExamples(db: StudioDb, datasetId: string): Promise<JobExamples> {
  return db.transaction('r', db.examples, async () => ({ train: await trainingExamples(db, datasetId), ...byEvalRole(await evalExamples(db, datasetId)), excludedSamples: await excludedHdrSamples(db, datasetId) }));
}

/** `base`, told apart from every run's name in the database (uniqueRunName), for a name the studio makes up. */
export async function newRunName(db: StudioDb, base: string): Promise<string> {
  return uniqueRunName(base, (await db.runs.toArray()).map((r) => r.name));
}

export function newRunId(prefix: string): string {
  return `${prefix}-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** A new training run's row, validated config and all (status `created`; the worker trains it). */
export async function createTrainRun(db: StudioDb, run: { datasetId: string; config: RunConfig; name: string; modelRef: string }): Promise<TrainRunRow> {
  const now = Date.now();
  const row: TrainRunRow = { id: newRunId('run'), datasetId: run.datasetId, kind: 'train', status: 'created', createdAt: now, updatedAt: now, config: run.config, name: run.name, modelRef: run.modelRef };
  await db.runs.add(row);
  return row;
}

/** A run, its metric rows, its checkpoints and an evaluation's predictions, in one transaction. */
export async function deleteRun(db: StudioDb, runId: string): Promise<void> {
  await db.transaction('rw', [db.runs, db.metrics, db.checkpoints, db.predictions], async () => {
    await db.metrics.where('runId').equals(runId).delete();
    await db.checkpoints.where('runId').equals(runId).delete();
    await db.predictions.delete(runId);
    await db.runs.delete(runId);
  });
}

/** Removes metric, checkpoint and prediction rows of runs that no longer exist, and hard cases of datasets that
 * no longer exist (left by versions that let another tab delete a run or dataset a job was writing).
 * Rows are written after the run or dataset they belong to, so none of a live job is touched. */
export async function removeOrphanRows(db: StudioDb): Promise<{ metrics: number; checkpoints: number; hardCases: number; tokenCounts: number; predictions: number }> {
  return db.transaction('rw', [db.runs, db.datasets, db.metrics, db.checkpoints, db.hardCases, db.tokenizerCounts, db.predictions], async () => {
    const runIds = new Set((await db.runs.toCollection().primaryKeys()) as string[]);
    const datasetIds = new Set((await db.datasets.toCollection().primaryKeys()) as string[]);
    const orphans = (keys: unknown[], live: Set<string>) => (keys as string[]).filter((k) => !live.has(k));
    const removed = { metrics: 0, checkpoints: 0, hardCases: 0, tokenCounts: 0, predictions: 0 };
    for (const id of orphans(await db.metrics.orderBy('runId').uniqueKeys(), runIds)) removed.metrics += await db.metrics.where('runId').equals(id).delete();
    for (const id of orphans(await db.checkpoints.orderBy('runId').uniqueKeys(), runIds)) removed.checkpoints += await db.checkpoints.where('runId').equals(id).delete();
    for (const id of orphans(await db.hardCases.orderBy('datasetId').uniqueKeys(), datasetIds)) removed.hardCases += await db.hardCases.where('datasetId').equals(id).delete();
    for (const id of orphans(await db.tokenizerCounts.orderBy('datasetId').uniqueKeys(), datasetIds)) removed.tokenCounts += await db.tokenizerCounts.where('datasetId').equals(id).delete();
    const predictionsOf = orphans(await db.predictions.toCollection().primaryKeys(), runIds);
    await db.predictions.bulkDelete(predictionsOf);
    removed.predictions = predictionsOf.length;
    return removed;
  });
}

const isAdapterOnly = (row: CheckpointRow): boolean => !!(row.meta as { adapterOnly?: boolean } | undefined)?.adapterOnly;
/** The held-out loss per token of the run's best checkpoint (keepBest), undefined on other rows. */
const bestLossOf = (row: CheckpointRow): number | undefined => (row.meta as { bestLoss?: number } | undefined)?.bestLoss;

/** Removes the adapters of HDR rounds before each HDR run's last (versions before saveAdapter
 * replaced them kept one per round). An HDR run writes adapter-only rows alone, so its older keys
 * go without reading their blobs; the newest, the one its readers take, stays. */
export async function removeSupersededHdrAdapters(db: StudioDb): Promise<number> {
  return db.transaction('rw', db.runs, db.checkpoints, async () => {
    const hdrRuns = new Set((await db.runs.where('kind').equals('hdr').primaryKeys()) as string[]);
    // In key order: each run's newest is the last of its block.
    const keys = ((await db.checkpoints.toCollection().primaryKeys()) as Array<[string, number]>).filter((k) => hdrRuns.has(k[0]));
    const superseded = keys.filter((k, i) => keys[i + 1]?.[0] === k[0]);
    await db.checkpoints.bulkDelete(superseded);
    return superseded.length;
  });
}

/** What an evaluation run's row is written with, besides its report. */
export interface NewEvaluation {
  datasetId: string;
  modelRef: string;
  name: string;
  config: EvalRunConfig;
}

export class DexieRunStore implements RunStore {
  private pending: Array<{ step: number; values: Record<string, number> }> = [];
  /** Whether openHistory found a checkpoint to go on from (recordSetup then keeps the first start's dataset). */
  private resumed = false;
  private lastFlush = 0;

  /** `evaluation`: the row an evaluation writes (evaluation rows are written whole, at the end). */
  constructor(
    private readonly db: StudioDb,
    readonly runId: string,
    private readonly evaluation?: NewEvaluation,
  ) {}

  get label(): string {
    return `run ${this.runId}`;
  }

  get id(): string {
    return this.runId;
  }

  async setStatus(status: RunStatus, patch: StatusPatch = {}): Promise<void> {
    await this.db.runs.update(this.runId, { ...patch, status, updatedAt: Date.now() });
  }

  async lastStep(): Promise<number> {
    return (await this.db.runs.get(this.runId))?.lastStep ?? 0;
  }

  async recordSetup({ config: _config, ...setup }: TrainingSetup): Promise<EvalMetrics | undefined> {
    const row = (await this.db.runs.get(this.runId)) as TrainRunRow | undefined;
    // A resume records no baseline of its own: the run's first one stays.
    const baseline = setup.baseline ?? row?.setup?.baseline;
    // A resume goes on over its first start's examples (HDR's samples added since are not its own):
    // the dataset that start found stays the one the run trained on.
    const dataset = this.resumed ? row?.setup?.dataset : row && (await datasetAtStart(this.db, row.datasetId));
    await updateRun<TrainRunRow>(this.db, this.runId, { setup: { ...setup, ...(baseline ? { baseline } : {}), ...(dataset ? { dataset } : {}) } });
    return baseline;
  }

  async addMetric(m: StepMetrics): Promise<void> {
    this.pending.push({ step: m.step, values: { ...m } as unknown as Record<string, number> });
    if (Date.now() - this.lastFlush > FLUSH_MS) await this.flush();
  }

  /** Eval values join the row of their step (the metrics key is [runId+step]). */
  async addEval(m: EvalMetrics): Promise<void> {
    await this.flush();
    const key: [string, number] = [this.runId, m.step];
    const row = await this.db.metrics.get(key);
    const values = { ...(row?.values ?? {}), evalLoss: m.evalLoss, evalLossCot: m.evalLossCot, evalLossCall: m.evalLossCall, evalLossTokens: m.evalLossTokens };
    await this.db.metrics.put({ runId: this.runId, step: m.step, values });
  }

  async setTokenLoss(strip: TokenLossStrip): Promise<void> {
    await updateRun<TrainRunRow>(this.db, this.runId, { tokenLoss: strip });
  }

  async evaluatedSteps(): Promise<number[]> {
    await this.flush();
    const rows = await this.db.metrics.where('runId').equals(this.runId).sortBy('step');
    return rows.filter((r) => 'evalLoss' in r.values).map((r) => r.step);
  }

  async flush(): Promise<void> {
    this.lastFlush = Date.now();
    if (this.pending.length === 0) return;
    const rows = this.pending.splice(0).map((p) => ({ runId: this.runId, step: p.step, values: p.values }));
    await this.db.metrics.bulkPut(rows);
  }

  private checkpointRows(): Promise<CheckpointRow[]> {
    return this.db.checkpoints.where('runId').equals(this.runId).sortBy('step');
  }

  async openHistory(resume: boolean, accept?: (state: TrainerState) => void): Promise<TrainerState | null> {
    this.resumed = false;
    if (!resume) {
      await this.db.transaction('rw', this.db.metrics, this.db.checkpoints, async () => {
        await this.db.metrics.where('runId').equals(this.runId).delete();
        await this.db.checkpoints.where('runId').equals(this.runId).delete();
      });
      await this.dropTokenLossAfter(0);
      return null;
    }
    const state = await this.newestTrainerState();
    if (state) accept?.(state);
    this.resumed = state !== null;
    // Without a checkpoint the run starts again at step 0: the dead attempt's rows would otherwise
    // mix two runs in one curve.
    if (state) await this.db.metrics.where('[runId+step]').between([this.runId, state.step + 1], [this.runId, Infinity]).delete();
    else await this.db.metrics.where('runId').equals(this.runId).delete();
    await this.dropTokenLossAfter(state?.step ?? 0);
    return state;
  }

  /** The per-token strip of a step about to be trained again shows an adapter that is gone. */
  private async dropTokenLossAfter(step: number): Promise<void> {
    await this.db.runs.where('id').equals(this.runId).modify((row) => {
      if (((row as TrainRunRow).tokenLoss?.step ?? 0) > step) delete (row as TrainRunRow).tokenLoss;
    });
  }

  /** The run's own training examples out of the dataset's training set now (trainer.ts
   * ownTrainingSet): what a recipe of the run trains on. null where no checkpoint proves them. */
  async ownTrainingSet(train: TokenizedExample[]): Promise<TokenizedExample[] | null> {
    const state = await this.newestTrainerState();
    return state && ownTrainingSet(state, train);
  }

  /** The newest checkpoint with trainer state (an imported snapshot's adapter-only row has none). */
  private async newestTrainerState(): Promise<TrainerState | null> {
    const last = (await this.checkpointRows()).filter((r) => r.blobs[CHECKPOINT_BLOB] !== undefined).at(-1);
    if (!last) return null;
    const bytes = (await blobBytes(last.blobs[CHECKPOINT_BLOB]))!;
    return (await decodeCheckpoint(bytes, `checkpoint of run ${this.runId} at step ${last.step}`)).state;
  }

  async saveCheckpoint(state: TrainerState): Promise<void> {
    await this.putCheckpoint(state);
  }

  /** A trainer checkpoint at its step (a best one marked with its loss), and the rows no reader
   * needs dropped: the newest CHECKPOINTS_KEPT and the best stay. A regular checkpoint of the best
   * step keeps the mark: it is the same trainer state. */
  private async putCheckpoint(state: TrainerState, bestLoss?: number): Promise<void> {
    await this.flush();
    const bytes = encodeCheckpoint(state, { run: this.runId });
    await this.db.transaction('rw', this.db.checkpoints, async () => {
      const kept = bestLoss ?? (await this.db.checkpoints.get([this.runId, state.step]).then((r) => (r ? bestLossOf(r) : undefined)));
      await this.db.checkpoints.put({ runId: this.runId, step: state.step, createdAt: Date.now(), blobs: { [CHECKPOINT_BLOB]: toArrayBuffer(bytes) }, ...(kept !== undefined ? { meta: { bestLoss: kept } } : {}) });
      const all = await this.checkpointRows();
      // One best: an earlier one is an ordinary checkpoint now.
      const best = bestLoss !== undefined ? state.step : all.filter((r) => bestLossOf(r) !== undefined).at(-1)?.step;
      const newest = new Set(all.slice(-CHECKPOINTS_KEPT).map((r) => r.step));
      for (const old of all) {
        if (old.step === best) continue;
        if (!newest.has(old.step)) await this.db.checkpoints.delete([old.runId, old.step]);
        else if (bestLossOf(old) !== undefined) await this.db.checkpoints.update([old.runId, old.step], { meta: undefined });
      }
    });
  }

  async saveBest(state: TrainerState, loss: number): Promise<void> {
    await this.putCheckpoint(state, loss);
  }

  async readBest(): Promise<{ step: number; loss: number } | null> {
    const row = (await this.checkpointRows()).filter((r) => bestLossOf(r) !== undefined).at(-1);
    return row ? { step: row.step, loss: bestLossOf(row)! } : null;
  }

  async rewindToBest(): Promise<TrainerState> {
    const { db, runId } = this;
    const best = await this.readBest();
    if (!best) throw new Error(`run ${runId} has no best checkpoint to keep`);
    const row = (await db.checkpoints.get([runId, best.step]))!;
    const { state } = await decodeCheckpoint((await blobBytes(row.blobs[CHECKPOINT_BLOB]))!, `best checkpoint of run ${runId} at step ${best.step}`);
    await db.checkpoints.where('[runId+step]').between([runId, best.step + 1], [runId, Infinity]).delete();
    return state;
  }

  /** The step readAdapter's adapter is of (its newest checkpoint), or null before the first. */
  async adapterStep(): Promise<number | null> {
    return (await this.checkpointRows()).at(-1)?.step ?? null;
  }

  async readAdapter(spec: ModelSpec): Promise<LoraAdapter> {
    const run = await requireRun(this.db, this.runId);
    // Named as the Runs panel names it: the id appears nowhere on the page.
    const title = `run “${run.name ?? this.runId}”`;
    const newest = (await this.checkpointRows()).at(-1);
    if (!newest) throw new Error(`${title} has no checkpoint yet; train it for at least one checkpoint interval (or pause it) first`);
    const checkpoint = await blobBytes(newest.blobs[CHECKPOINT_BLOB]);
    if (checkpoint) {
      if (run.kind === 'eval') throw new Error(`${title} is an evaluation; it has no trainer checkpoint`);
      const { state } = await decodeCheckpoint(checkpoint, `checkpoint of ${title} at step ${newest.step}`);
      const layout = loraLayout(spec, run.config.lora);
      if (layout.size !== state.loraParams.length) throw new Error(`${title}'s checkpoint does not fit the loaded model; load the model it was trained on`);
      return { settings: run.config.lora, tensors: unflattenLora(layout.order, state.loraParams) };
    }
    const cfg = await blobBytes(newest.blobs[ADAPTER_CONFIG_FILE]);
    const weights = await blobBytes(newest.blobs[ADAPTER_WEIGHTS_FILE]);
    if (!cfg || !weights) throw new Error(`${title}'s newest checkpoint holds no adapter`);
    return importPeftAdapter(spec, new TextDecoder().decode(cfg), memorySource(weights, ADAPTER_WEIGHTS_FILE));
  }

  /** A trainer checkpoint of that step already holds the adapter (readAdapter derives it); otherwise
   * the PEFT files join that step's checkpoint row, or make an adapter-only one, which supersedes
   * the run's earlier adapter-only rows: nothing reads those (readAdapter, readBalance, export and
   * snapshots take the newest), and an HDR run kept every round's adapter, megabytes each, listed
   * nowhere. A run folder keeps one set of PEFT files the same way. */
  async saveAdapter(step: number, files: () => Promise<AdapterFiles>, balance?: BalanceState): Promise<void> {
    const existing = await this.db.checkpoints.get([this.runId, step]);
    if (existing?.blobs[CHECKPOINT_BLOB] !== undefined) return;
    const peft = await files();
    // An importance matrix kept with the row was collected for the adapter these files replace.
    const { [IMPORTANCE_MATRIX_BLOB]: _matrix, [IMPORTANCE_FACTS_BLOB]: _facts, ...others } = existing?.blobs ?? {};
    const blobs = { ...others, [ADAPTER_CONFIG_FILE]: toArrayBuffer(new TextEncoder().encode(peft.configJson)), [ADAPTER_WEIGHTS_FILE]: toArrayBuffer(peft.weights) };
    await this.db.transaction('rw', this.db.checkpoints, async () => {
      await this.db.checkpoints.put({ runId: this.runId, step, createdAt: Date.now(), blobs, meta: balance ? { adapterOnly: true, balance } : { adapterOnly: true } });
      const superseded = (await this.checkpointRows()).filter((r) => r.step < step && isAdapterOnly(r));
      await this.db.checkpoints.bulkDelete(superseded.map((r) => [r.runId, r.step] as [string, number]));
    });
  }

  /** The importance matrix a K-quant GGUF export collected for the adapter of `step`, when it was
   * collected as `key` says (the model, the run's training examples and length): a reload reads it
   * back rather than running the model over the examples again. Undefined when none is kept, or one
   * that cannot be read (it is collected again). A new checkpoint or adapter of that step drops it. */
  async readImportance(step: number, key: string): Promise<ImportanceResult | undefined> {
    const row = await this.db.checkpoints.get([this.runId, step]);
    const facts = await blobBytes(row?.blobs[IMPORTANCE_FACTS_BLOB]);
    const matrix = await blobBytes(row?.blobs[IMPORTANCE_MATRIX_BLOB]);
    if (!facts || !matrix) return undefined;
    try {
      const f = JSON.parse(new TextDecoder().decode(facts)) as { key: string; examples: number; tokens: number; skipped: number };
      if (f.key !== key) return undefined;
      return { matrix: await readImportanceMatrix(memorySource(matrix, IMPORTANCE_MATRIX_BLOB)), examples: f.examples, tokens: f.tokens, skipped: f.skipped };
    } catch {
      return undefined;
    }
  }

  /** Keeps `collected` with the checkpoint row of `step` (readImportance); nothing when the row went
   * meanwhile (a resume trained past it). */
  async keepImportance(step: number, key: string, collected: ImportanceResult): Promise<void> {
    const facts = { key, examples: collected.examples, tokens: collected.tokens, skipped: collected.skipped };
    const matrix = toArrayBuffer(importanceMatrixFile(collected.matrix));
    await this.db.transaction('rw', this.db.checkpoints, async () => {
      const row = await this.db.checkpoints.get([this.runId, step]);
      if (!row) return;
      await this.db.checkpoints.update([this.runId, step], { blobs: { ...row.blobs, [IMPORTANCE_MATRIX_BLOB]: matrix, [IMPORTANCE_FACTS_BLOB]: toArrayBuffer(new TextEncoder().encode(JSON.stringify(facts))) } });
    });
  }

  /** The newest trainer checkpoint's balance state, else the state kept with an adapter-only row. */
  async readBalance(): Promise<BalanceState | null> {
    const state = await this.newestTrainerState();
    if (state) return state.balance;
    const meta = (await this.checkpointRows()).at(-1)?.meta as { balance?: unknown } | undefined;
    if (meta?.balance === undefined) return null;
    const parsed = parseBalanceState(meta.balance);
    if (typeof parsed === 'string') throw new Error(`run ${this.runId}: the balance state kept with its adapter is broken (${parsed})`);
    return parsed;
  }

  async saveEvaluation(report: EvalReport): Promise<void> {
    if (!this.evaluation) throw new Error(`${this.label} was not opened as a new evaluation`);
    await saveEvalRun(this.db, { id: this.runId, ...this.evaluation, report });
  }

  async saveAblation(result: AblationResult): Promise<void> {
    const { db } = this;
    await db.transaction('rw', db.runs, async () => {
      const row = await requireRun(db, this.runId);
      if (row.kind !== 'ablation') throw new Error(`run ${this.runId} is an ${row.kind} run, not an ablation`);
      // The arms' runs as they are named now: one the user renamed while later arms ran keeps its name.
      const ids = ablationRunIds(result);
      const names = new Map((await db.runs.bulkGet(ids)).flatMap((r) => (r ? [[r.id, r.name] as const] : [])));
      await updateRun<AblationRunRow>(db, this.runId, { result: withArmNames(result, names), updatedAt: Date.now() });
    });
  }

  async hdrPool(settings: HdrSettings, config: RunConfig): Promise<HdrPool> {
    const { db, runId } = this;
    const { datasetId } = await requireRun(db, runId);
    // The row was made with the run's configuration; the job retrains at the length fitSamples may
    // have raised it to, and the row says what ran (as hdr.json does).
    await updateRun<HdrRunRow>(db, runId, { config });
    return {
      firstRound: () => nextHdrRound(db, datasetId),
      hooks: dexieHdrHooks(db, datasetId, runId, settings.maxFailedOutputs),
      saveMined: async (report, pool, notes = []) => {
        // The totals start here; the pool hooks keep them up to date as the rounds go.
        await updateRun<HdrRunRow>(db, runId, { mined: { examples: report.total, correct: report.correct, hardCases: pool.length, ...(notes.length ? { notes } : {}) }, poolStart: pool.length, poolEnd: pool.length, added: 0 });
        await markAnsweredHardCasesSolved(db, datasetId, report.predictions.filter((p) => p.valid).map((p) => p.exampleId));
      },
      finish: ({ stopReason, failed, poolStart, poolEnd, added }) => finishHdrRun(db, runId, stopReason, failed, { poolStart, poolEnd, added }),
    };
  }
}

/** A new HDR run's row (status `running`) and its store. */
export async function createHdrRunStore(db: StudioDb, run: { datasetId: string; modelRef: string; name: string; settings: HdrSettings; config: RunConfig; fromRunId?: string }): Promise<DexieRunStore> {
  const id = newRunId('hdr');
  await createHdrRun(db, { id, ...run });
  return new DexieRunStore(db, id);
}

/** New runs in the database, of one dataset on one model. */
export class DexieWorkspace implements RunWorkspace {
  constructor(
    private readonly db: StudioDb,
    private readonly on: { datasetId: string; modelRef: string },
  ) {}

  async createRun(run: NewRun): Promise<DexieRunStore> {
    const { db, on } = this;
    switch (run.kind) {
      case 'train':
        return new DexieRunStore(db, (await createTrainRun(db, { ...on, name: run.name, config: run.config })).id);
      case 'eval':
        // An evaluation's row is written whole when its report is saved.
        return new DexieRunStore(db, newRunId('eval'), { ...on, name: run.name, config: run.config });
      case 'hdr':
        return createHdrRunStore(db, { ...on, name: run.name, settings: run.settings, config: run.config, fromRunId: run.fromRunId });
      case 'ablation': {
        const now = Date.now();
        const row: AblationRunRow = { id: newRunId('ablation'), datasetId: on.datasetId, kind: 'ablation', status: 'created', createdAt: now, updatedAt: now, config: run.config, name: run.name, modelRef: on.modelRef };
        await db.runs.add(row);
        return new DexieRunStore(db, row.id);
      }
    }
  }
}
