// The stores' schema as the app sees it: every Dexie table's row type, and the run rows typed per
// kind (a training run's config is a RunConfig, an evaluation's an EvalRunConfig, an HDR run's its
// retraining RunConfig plus settings and rounds). The tables and their versions are declared in
// src/data/db.ts (v3 gave every run row its `kind`); this module adds no table and no logic beyond
// naming the row a kind stands for. The page imports its row types from here.
import type { RunRow } from '../../data/db.ts';
import type { EvalRunRow, HdrRunRow } from '../../hdr/store.ts';
import type { ExportCheckReport } from '../../export/verifyExport.ts';
import type { SnapshotFacts } from '../../snapshot/snapshot-db.ts';
import type { RunConfig } from '../../train/config.ts';
import type { TokenLossStrip } from '../tokenLoss.ts';
import type { TrainingSetup } from './runStore.ts';
import type { AblationResult } from '../ablate.ts';
import type { AblationConfig } from '../ablationConfig.ts';

export { StudioDb, DB_NAME, LATEST_DB_VERSION } from '../../data/db.ts';
export type { CheckpointRow, DatasetRow, ExampleRow, HardCaseRow, MetricRow, PredictionsRow, RunKind, RunRow, RunStatus } from '../../data/db.ts';
export type { Prediction } from '../../eval/evaluate.ts';
// The page's views of a run's steps leave out the same values as the engine's (pure, no store).
export { segmentGaps } from '../../train/ssb.ts';
export type { EvalRunConfig, EvalRunRow, HdrRunRow } from '../../hdr/store.ts';

/** A training run: its RunConfig, what a snapshot brought with it, and the facts training adds. */
export type TrainRunRow = RunRow<'train', RunConfig> &
  SnapshotFacts & {
    /** The dashboard's per-token loss strip at the latest eval step. */
    tokenLoss?: TokenLossStrip;
    /** The check of the latest ONNX export of this run's adapter. */
    onnxExportCheck?: ExportCheckReport;
    /** Examples, GPU memory and adapter of the latest start (the config is the row's own), and the
     * dataset as the run's first start found it. */
    setup?: Omit<TrainingSetup, 'config'> & { dataset?: DatasetAtStart };
    /** The run whose adapter this one started from; absent: a new LoRA adapter. */
    startedFrom?: StartedFrom;
  };

/** The dataset as a run's fresh start found it (a resume goes on over the examples of that start):
 * its examples, its held-out ones and its fingerprint (absent where it had none yet). HDR's samples
 * and the user's edits change the dataset afterwards; a snapshot of the run says what it trained on
 * from this. Absent on runs started before it was kept. */
export interface DatasetAtStart {
  examples: number;
  eval: number;
  fingerprint?: string;
}

/** The run whose adapter a training run started from (its LoRA settings are the run's), at the step
 * its adapter had then (`hdr`: an HDR run's, whose step is its round). `runId` '' where a snapshot
 * said it: that run is in the browser that exported the snapshot. */
export interface StartedFrom {
  runId: string;
  name: string;
  step: number;
  hdr?: true;
}

/** An ablation: what it compares (its config) and, once arms have finished, their comparison. */
export type AblationRunRow = RunRow<'ablation', AblationConfig> & { result?: AblationResult };

export type StoredRun = TrainRunRow | EvalRunRow | HdrRunRow | AblationRunRow;

/** A stored row as its kind's type. Every writer of the runs table writes one of these shapes, and
 * the v3 upgrade gave older rows their kind, so the kind is the row's shape. */
export function storedRun(row: RunRow): StoredRun {
  return row as StoredRun;
}

export function isTrainRun(row: StoredRun): row is TrainRunRow {
  return row.kind === 'train';
}
