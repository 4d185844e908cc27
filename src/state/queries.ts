// The page's typed reads of IndexedDB: datasets, one example row (never a whole dataset's: the
// worker pages, searches and summarises those, state/exampleRows.ts), the runs table with each
// run's newest metrics and checkpoint step, a run's metric rows, hard cases. Each is one function the stores and views
// call; none writes (the worker does every write). Row types come from the stores' schema.
import { segmentGaps, storedRun, type DatasetRow, type ExampleRow, type HardCaseRow, type MetricRow, type Prediction, type StoredRun } from '../jobs/store/schema.ts';
import { studioDb } from './db.ts';

export { segmentGaps };

export type { Call, Example, FunctionSchema } from '../worker/protocol.ts';
export type { AblationRunRow, DatasetRow, EvalRunRow, ExampleRow, HardCaseRow, HdrRunRow, MetricRow, Prediction, RunKind, StoredRun, TrainRunRow } from '../jobs/store/schema.ts';

export function listDatasets(): Promise<DatasetRow[]> {
  return studioDb().datasets.orderBy('createdAt').toArray();
}

export async function exampleRow(datasetId: string, exampleId: string): Promise<ExampleRow | undefined> {
  return studioDb().examples.get([datasetId, exampleId]);
}

export interface RunsTable {
  /** Newest first. */
  runs: StoredRun[];
  /** Each run's newest metric row's values (runs without metrics are absent). */
  lastMetrics: Map<string, Record<string, number>>;
  /** Each run's newest checkpoint step: where a resume continues (runs without one are absent). */
  checkpointSteps: Map<string, number>;
  /** The runs with an adapter to export: any checkpoint row, a snapshot's adapter-only one too (a
   * run that failed before its first checkpoint has none). */
  adapterRuns: ReadonlySet<string>;
}

/** How far back the runs table looks for a segment's newest loss when the newest step had none. */
const SEGMENT_LOOKBACK_STEPS = 256;

/** A run's newest values after a step: the step's own, except a segment's loss and α where the
 * step had none of that segment, which stay as an earlier step left them (absent before any). */
export function newestValues(prev: Record<string, number> | undefined, step: Record<string, number>): Record<string, number> {
  const out = { ...prev, ...step };
  for (const k of segmentGaps(step)) {
    if (prev?.[k] === undefined) delete out[k];
    else out[k] = prev[k];
  }
  return out;
}

/** The runs table in one read, whatever the number of runs: every run row, the metric keys (small
 * [runId, step] pairs, in key order, so each run's newest is the last of its block), and the newest
 * row of each run by those keys. */
/** Whether an imported run's checkpoint (`<runId>@<step>@<snapshot's export time>`) holds the adapter only. */
const adapterOnlyCheckpoints = new Map<string, boolean>();

export async function runsTable(): Promise<RunsTable> {
  const db = studioDb();
  return db.transaction('r', db.runs, db.metrics, db.checkpoints, async () => {
    const rows = (await db.runs.orderBy('createdAt').reverse().toArray()).map(storedRun);
    const keys = (await db.metrics.toCollection().primaryKeys()) as Array<[string, number]>;
    const newest = keys.filter((k, i) => keys[i + 1]?.[0] !== k[0]);
    const last = await db.metrics.bulkGet(newest);
    // Checkpoint keys are [runId, step] in key order too: each run's last key is its newest.
    const checkpointKeys = (await db.checkpoints.toCollection().primaryKeys()) as Array<[string, number]>;
    const checkpointSteps = new Map(checkpointKeys.map(([runId, step]) => [runId, step]));
    const adapterRuns = new Set(checkpointSteps.keys());
    // A snapshot imported without its trainer checkpoint keeps the adapter only: nothing resumes
    // from it (a resume starts again at step 0), so it is no step to offer.
    for (const r of rows) {
      const step = checkpointSteps.get(r.id);
      if (step === undefined || !('importedFrom' in r)) continue;
      // Reading the row reads its blobs too: each imported checkpoint is looked at once (by the
      // snapshot it came from: a run deleted and imported again from another one is another key).
      const key = `${r.id}@${step}@${(r as { importedFrom?: { exportedAt?: number } }).importedFrom?.exportedAt}`;
      let adapterOnly = adapterOnlyCheckpoints.get(key);
      if (adapterOnly === undefined) {
        adapterOnly = !!((await db.checkpoints.get([r.id, step]))?.meta as { adapterOnly?: boolean } | undefined)?.adapterOnly;
        adapterOnlyCheckpoints.set(key, adapterOnly);
      }
      if (adapterOnly) checkpointSteps.delete(r.id);
    }
    const lastMetrics = new Map<string, Record<string, number>>();
    for (const r of last) {
      if (!r) continue;
      if (segmentGaps(r.values).length === 0) {
        lastMetrics.set(r.runId, r.values);
        continue;
      }
      // The newest step had no tokens of a segment: that segment's loss (and α) come from the
      // newest of the run's recent steps that had them.
      const recent = await db.metrics.where(':id').between([r.runId, -Infinity], [r.runId, Infinity]).reverse().limit(SEGMENT_LOOKBACK_STEPS).toArray();
      lastMetrics.set(r.runId, recent.reverse().reduce<Record<string, number> | undefined>((prev, row) => newestValues(prev, row.values), undefined)!);
    }
    return { runs: rows, lastMetrics, checkpointSteps, adapterRuns };
  });
}

/** A run's metric rows, with the held-out loss measured before its first step (kept on the run's
 * setup) as a step-0 row: where the eval curve starts. */
export async function runMetrics(runId: string): Promise<MetricRow[]> {
  const db = studioDb();
  const [rows, run] = await Promise.all([db.metrics.where('runId').equals(runId).toArray(), db.runs.get(runId)]);
  const baseline = (run as { setup?: { baseline?: Record<string, number> } } | undefined)?.setup?.baseline;
  if (!baseline || rows.some((r) => r.step === 0)) return rows;
  const { evalLoss, evalLossCot, evalLossCall, evalLossTokens } = baseline;
  return [{ runId, step: 0, values: { evalLoss, evalLossCot, evalLossCall, evalLossTokens } }, ...rows];
}

/** A run's metric rows after `step`, in step order (what a series read earlier lacks). */
export function runMetricsAfter(runId: string, step: number): Promise<MetricRow[]> {
  return studioDb().metrics.where(':id').between([runId, step], [runId, Infinity], false, true).toArray();
}

/** An evaluation's checked answers (kept apart from its run row, which the runs table reads whole). */
export async function evalPredictions(runId: string): Promise<Prediction[]> {
  return (await studioDb().predictions.get(runId))?.predictions ?? [];
}

/** A hard case as the HDR panel lists it; `heldOut`: its question is held out now (the dataset was
 * split again since it was mined), which HDR leaves alone (hdr/store.ts loadHardCasePool). */
export type ListedHardCase = HardCaseRow & { heldOut?: true };

export async function hardCases(datasetId: string): Promise<ListedHardCase[]> {
  const db = studioDb();
  const rows = await db.hardCases.where('datasetId').equals(datasetId).toArray();
  const examples = await db.examples.bulkGet(rows.map((r): [string, string] => [datasetId, r.exampleId]));
  return rows.map((r, i) => (examples[i]?.split === 'eval' ? { ...r, heldOut: true as const } : r));
}
