// The one Dexie database: every table and index, version by version. A schema change is a new
// version with an upgrade function; old versions stay declared so any older database upgrades
// step by step. `stores()` lists only primary keys and indexed fields; big values (examples,
// checkpoint blobs) are unindexed properties.
// Never wipes data on a schema change, and never holds business logic beyond the upgraders
// (dataset-store.ts owns reads and writes).
import Dexie, { type DexieOptions, type Table, type Transaction } from 'dexie';
import type { Prediction } from '../eval/evaluate.ts';
import type { Example } from './example.ts';
import type { QualityReport } from './quality-check.ts';
import type { ImportIssue } from './record-error.ts';
import { EXAMPLE_SPLIT, splitOf, type SplitName, type SplitSettings } from './split.ts';

export const DB_NAME = 'balancesft-studio';

export interface DatasetRow {
  id: string;
  name: string;
  createdAt: number;
  /** Source format per file (detected or chosen). */
  /** earlierCallTurns: of the examples imported, those made of conversations' earlier calling turns. */
  files: Array<{ name: string; format: string | undefined; imported: number; rejected: number; earlierCallTurns?: number }>;
  exampleCount: number;
  /** `sha256:…` of the normalised examples (fingerprint.ts). Added in v2. */
  fingerprint: string;
  /** Seeded split settings; every example's side is stored on its row. Added in v2. */
  split: SplitSettings;
  /** Records that were not imported (capped; `issueCount` has the full number). */
  issues: ImportIssue[];
  issueCount: number;
  /** How many times the user included or left out one of its examples (absent: never). Not content
   * (the fingerprint is): it tells the views that counted the used examples to count again. */
  inclusionEdits?: number;
  /** The Hugging Face dataset repo (`owner/name`) it was imported from by its id, or last pushed to:
   * a run's model card links it. Not content (the fingerprint is). */
  hubRepo?: string;
}

export interface ExampleRow {
  datasetId: string;
  id: string;
  /** Position in the imported files, so training order is reproducible. */
  ord: number;
  example: Example;
  quality: QualityReport;
  /** Added in v2. */
  split: SplitName;
  /** Used for training: defaults to quality.passed; the user may include a flagged example. Added in v2. */
  included: 0 | 1;
  /** The example as imported, kept while the user's edit of its expected answer stands (absent: never
   * edited, or edited back): what "Restore the imported answer" puts back. */
  original?: Example;
  /** When the user last changed its expected answer (an edit, or the imported one restored; ms since
   * the epoch): an evaluation before it judged the answer it had then. */
  editedAt?: number;
}

export interface HardCaseRow {
  id: string;
  datasetId: string;
  exampleId: string;
  /** HDR round in which the example last failed. */
  round: number;
  /** The model's failed outputs, newest last. */
  failedOutputs: string[];
  status: 'open' | 'solved' | 'dropped';
  createdAt: number;
}

/** What a run row records: a training run, an evaluation, an HDR run, or an ablation (the runs of
 * its arms and their comparison). Added in v3 (older rows are training runs unless they already said
 * otherwise); `ablation` rows came later and need no schema change (the kind is the same index). */
export type RunKind = 'train' | 'eval' | 'hdr' | 'ablation';
export type RunStatus = 'created' | 'running' | 'paused' | 'done' | 'failed';

/** A run row as stored. `Config` is the kind's configuration; the jobs layer's schema
 * (src/jobs/store/schema.ts) names each kind's row with its config and extra facts. */
export interface RunRow<Kind extends RunKind = RunKind, Config = unknown> {
  id: string;
  datasetId: string;
  kind: Kind;
  status: RunStatus;
  createdAt: number;
  updatedAt: number;
  /** The full run configuration as JSON-compatible data. */
  config: Config;
  /** Unindexed run facts (no schema version needed): shown in the runs list and snapshots. */
  name?: string;
  modelRef?: string;
  /** Last optimizer step written, and why the run stopped when it did. */
  lastStep?: number;
  message?: string;
  /** Opened from a snapshot: never trained further in this browser unless resumed on purpose. */
  readOnly?: boolean;
  /** The user's labels and notes (the runs table edits them). */
  tags?: string[];
  notes?: string;
}

export interface MetricRow {
  runId: string;
  step: number;
  values: Record<string, number>;
}

export interface CheckpointRow {
  runId: string;
  step: number;
  createdAt: number;
  /** Named binary parts: adapter weights, optimizer moments, RNG state… (unindexed). */
  blobs: Record<string, Blob | ArrayBuffer>;
  meta?: unknown;
}

/** A dataset's per-example digests, sorted: what its fingerprint hashes (fingerprint.ts), kept from
 * its first change on so each later change hashes only the examples it changes. `fingerprint`: the
 * dataset's when these were written (digests of another fingerprint are not used). Added in v7. */
export interface DatasetDigestsRow {
  datasetId: string;
  fingerprint: string;
  /** 32 bytes per example, sorted as bytes. */
  digests: Uint8Array;
}

/** A dataset's token counts per example with one tokenizer (keyed by tokenizerFingerprint since v6:
 * a few tokenizers' counts are kept per dataset), in example order: six numbers per example (total,
 * minimum under the length rule, prompt, reasoning, call, full), total −1 where the template could
 * not render it. Rows for examples added since are counted when next asked. */
export interface TokenCountsRow {
  datasetId: string;
  tokenizer: string;
  ids: string[];
  counts: Int32Array;
  /** When these counts were last asked for (ms): the least recently used are dropped first. */
  countedAt: number;
}

/** An evaluation run's checked answers, one row per run (added in v5; they were on the run's row,
 * which the runs table reads whole every few seconds while a job runs). */
export interface PredictionsRow {
  runId: string;
  predictions: Prediction[];
}

/** Version 1: datasets and examples only, no split, inclusion or fingerprint. */
const V1_STORES = {
  datasets: 'id, createdAt',
  examples: '[datasetId+id], datasetId',
};

/** Version 2: split and inclusion per example (indexed for training queries), HDR and run tables. */
const V2_STORES = {
  datasets: 'id, createdAt, fingerprint',
  examples: '[datasetId+id], datasetId, [datasetId+split+included], [datasetId+ord]',
  hardCases: 'id, datasetId, exampleId, [datasetId+status], [datasetId+round]',
  runs: 'id, datasetId, status, createdAt',
  metrics: '[runId+step], runId',
  checkpoints: '[runId+step], runId',
};

export const LATEST_DB_VERSION = 7;

/**
 * v1 → v2: every example gets its seeded split and an inclusion flag from its quality report,
 * every dataset gets split settings, a fingerprint placeholder ('' until recomputed) and issue counts.
 */
async function upgradeToV2(tx: Transaction): Promise<void> {
  const datasets = tx.table('datasets');
  await datasets.toCollection().modify((d: Partial<DatasetRow>) => {
    d.split ??= { ...EXAMPLE_SPLIT };
    d.fingerprint ??= '';
    d.issues ??= [];
    d.issueCount ??= d.issues.length;
    d.files ??= [];
  });
  const settings = new Map<string, SplitSettings>();
  for (const d of (await datasets.toArray()) as DatasetRow[]) settings.set(d.id, d.split);
  let ord = 0;
  await tx
    .table('examples')
    .toCollection()
    .modify((row: Partial<ExampleRow> & { datasetId: string; id: string }) => {
      row.split ??= splitOf(row.id, settings.get(row.datasetId) ?? EXAMPLE_SPLIT);
      row.included ??= row.quality?.passed === false ? 0 : 1;
      row.ord ??= ord++;
    });
}

/** v2 → v3: every run row names its kind. Rows without one were written by training (evaluation and
 * HDR rows always carried `kind`). Indexed, so the page can list one kind without reading the rest. */
async function upgradeToV3(tx: Transaction): Promise<void> {
  await tx
    .table('runs')
    .toCollection()
    .modify((run: { kind?: RunKind }) => {
      run.kind ??= 'train';
    });
}

/** Version 3: run rows carry their kind (indexed). */
const V3_STORES = { ...V2_STORES, runs: 'id, datasetId, status, createdAt, kind' };

/** Version 4: each dataset's token counts per example (src/data/token-counts.ts), counted once. */
const V4_STORES = { ...V3_STORES, tokenCounts: 'datasetId' };

/** Version 5: an evaluation's predictions in their own table, read when its results are shown. */
const V5_STORES = { ...V4_STORES, predictions: 'runId' };

/** v4 → v5: each evaluation row's predictions move to the predictions table. */
async function upgradeToV5(tx: Transaction): Promise<void> {
  const evals = tx.table('runs').where('kind').equals('eval');
  const rows = (await evals.toArray()) as Array<{ id: string; predictions?: Prediction[] }>;
  await tx.table('predictions').bulkPut(rows.filter((r) => r.predictions).map((r) => ({ runId: r.id, predictions: r.predictions })));
  await evals.modify((run: { predictions?: Prediction[] }) => {
    delete run.predictions;
  });
}

/** Version 6: token counts per dataset and tokenizer (one row per dataset held one tokenizer's, so
 * switching between two models counted the whole dataset again each time). A primary key cannot
 * change in place: the counts move to a new table. The old rows are not carried over: they were
 * keyed by the model's name, which no count is asked by any more (they would be counted again). */
const V6_STORES = { ...V5_STORES, tokenCounts: null, tokenizerCounts: '[datasetId+tokenizer], datasetId' };

/** Version 7: each changed dataset's sorted per-example digests (DatasetDigestsRow). */
const V7_STORES = { ...V6_STORES, datasetDigests: 'datasetId' };

/** Declares versions 1..upTo on a Dexie instance; tests use upTo=1 to build a previous-version database. */
export function declareSchema(db: Dexie, upTo: number = LATEST_DB_VERSION): void {
  db.version(1).stores(V1_STORES);
  if (upTo >= 2) db.version(2).stores(V2_STORES).upgrade(upgradeToV2);
  if (upTo >= 3) db.version(3).stores(V3_STORES).upgrade(upgradeToV3);
  if (upTo >= 4) db.version(4).stores(V4_STORES);
  if (upTo >= 5) db.version(5).stores(V5_STORES).upgrade(upgradeToV5);
  if (upTo >= 6) db.version(6).stores(V6_STORES);
  if (upTo >= 7) db.version(7).stores(V7_STORES);
}

export class StudioDb extends Dexie {
  datasets!: Table<DatasetRow, string>;
  examples!: Table<ExampleRow, [string, string]>;
  hardCases!: Table<HardCaseRow, string>;
  runs!: Table<RunRow, string>;
  metrics!: Table<MetricRow, [string, number]>;
  checkpoints!: Table<CheckpointRow, [string, number]>;
  tokenizerCounts!: Table<TokenCountsRow, [string, string]>;
  predictions!: Table<PredictionsRow, string>;
  datasetDigests!: Table<DatasetDigestsRow, string>;

  /**
   * `onOutdated` runs when another tab opens a newer schema: this connection is closed so the
   * upgrade can proceed, and the page should ask the user to reload.
   */
  constructor(name: string = DB_NAME, options?: DexieOptions & { onOutdated?: () => void }) {
    super(name, options);
    declareSchema(this);
    this.on('versionchange', () => {
      this.close();
      options?.onOutdated?.();
      return false;
    });
  }
}
