// Dataset files straight into the Dexie database, a batch at a time: each chunk the importer hands
// back is turned into rows and written, then dropped, so the page's memory stays flat however big
// the file is (the fingerprint keeps 32 bytes per example, the duplicate check one id).
// Visibility is all or nothing: example rows are written under a fresh dataset id that no dataset
// row names yet, and the dataset row comes last, in its own transaction, so until then no view or
// query sees a half-written dataset. A failed or cancelled import (options.signal, looked at between
// chunks and once more before the dataset row) deletes its rows; rows left by a closed tab
// are removed by the next import (never those of an import still running, here or in another tab:
// each holds a Web Lock named after its dataset id).
// Never touches a dataset that was stored before: it only adds rows under its own new id.
import type { DatasetRow, ExampleRow, StudioDb } from './db.ts';
import { exampleRow, MAX_STORED_ISSUES, newDatasetId, WRITE_BATCH } from './dataset-store.ts';
import { fingerprintBuilder } from './fingerprint.ts';
import { streamDatasetFiles, unlessCancelled, type DatasetFile, type ImportedFile, type ImportOptions } from './import-dataset.ts';
import type { ImportIssue } from './record-error.ts';
import { DEFAULT_SPLIT, sameSplit, splitOf, type SplitSettings } from './split.ts';

export interface ImportIntoDbOptions extends ImportOptions {
  name: string;
  split?: SplitSettings;
}

export interface ImportIntoDbResult {
  /** The stored dataset, or null when no record could be imported (then nothing was written). */
  row: DatasetRow | null;
  files: ImportedFile[];
  /** The first MAX_STORED_ISSUES rejected records; `issueCount` has the full number. */
  issues: ImportIssue[];
  issueCount: number;
  imported: number;
  /** The file gave exactly a stored dataset's examples, split alike: `row` is that dataset, and
   * nothing new was stored (a second copy would double the storage and the lists, told apart by nothing). */
  alreadyStored?: boolean;
  /** With `alreadyStored`: how many of its examples are used or left out otherwise than the file's
   * lines say ("included", a snapshot's dataset.jsonl). The stored dataset keeps its own choices
   * (runs of it resume over them); the page says so rather than drop the lines' choice silently. */
  choicesKept?: number;
  /** A stored dataset with the same examples split one by one (stored before splits went by
   * question), by name: this import is another dataset of them, split by question. */
  storedOneByOneAs?: string;
}

const LOCK_PREFIX = 'balancesft-import:';
/** Imports running in this realm, for runtimes without Web Locks (Node tests). */
const runningHere = new Set<string>();

type Locks = { request(name: string, cb: () => Promise<unknown>): Promise<unknown>; query(): Promise<{ held?: Array<{ name?: string }> }> };
const webLocks = (): Locks | undefined => (globalThis.navigator as { locks?: Locks } | undefined)?.locks;

/** Runs `work` while holding this import's lock, so another tab's sweep leaves its rows alone. */
async function whileHolding<T>(datasetId: string, work: () => Promise<T>): Promise<T> {
  runningHere.add(datasetId);
  try {
    const locks = webLocks();
    if (!locks) return await work();
    let result: T | undefined;
    await locks.request(LOCK_PREFIX + datasetId, async () => {
      result = await work();
    });
    return result as T;
  } finally {
    runningHere.delete(datasetId);
  }
}

/** Deletes example rows whose dataset row does not exist and whose import is not running anywhere. */
export async function removeAbandonedImportRows(db: StudioDb): Promise<number> {
  const rowIds = (await db.examples.orderBy('datasetId').uniqueKeys()) as string[];
  const datasetIds = new Set(await db.datasets.toCollection().primaryKeys());
  const held = new Set(((await webLocks()?.query())?.held ?? []).map((l) => l.name ?? ''));
  let removed = 0;
  for (const id of rowIds) {
    if (datasetIds.has(id) || runningHere.has(id) || held.has(LOCK_PREFIX + id)) continue;
    removed += await db.examples.where('datasetId').equals(id).delete();
  }
  return removed;
}

export async function importDatasetIntoDb(db: StudioDb, files: DatasetFile[], options: ImportIntoDbOptions): Promise<ImportIntoDbResult> {
  const split = options.split ?? { ...DEFAULT_SPLIT };
  splitOf('', split); // validates the settings before anything is read or written
  await removeAbandonedImportRows(db);
  const datasetId = newDatasetId();
  return whileHolding(datasetId, async () => {
    try {
      return await writeImport(db, datasetId, files, options, split);
    } catch (err) {
      await db.examples.where('datasetId').equals(datasetId).delete();
      throw err;
    }
  });
}

async function writeImport(db: StudioDb, datasetId: string, files: DatasetFile[], options: ImportIntoDbOptions, split: SplitSettings): Promise<ImportIntoDbResult> {
  const fingerprint = fingerprintBuilder();
  const issues: ImportIssue[] = [];
  let issueCount = 0;
  let fileReports: ImportedFile[] = [];
  let pending: ExampleRow[] = [];
  let ord = 0;
  /** The lines' choices by example id (only where a line carries one). */
  const lineChoices = new Map<string, 0 | 1>();
  const flush = async () => {
    if (pending.length) await db.examples.bulkAdd(pending);
    pending = [];
  };
  for await (const batch of streamDatasetFiles(files, options)) {
    fileReports = batch.files;
    issueCount += batch.issues.length;
    for (const issue of batch.issues) if (issues.length < MAX_STORED_ISSUES) issues.push(issue);
    for (const e of batch.examples) {
      await fingerprint.add(e.example);
      const row = exampleRow(datasetId, ord++, e.example, e.quality, split);
      // A snapshot's dataset.jsonl line keeps the studio's choice, as opening the snapshot does.
      if (e.included !== undefined) lineChoices.set(row.id, (row.included = e.included ? 1 : 0));
      // An edited answer keeps the example it was imported as, to restore.
      if (e.imported) row.original = e.imported;
      pending.push(row);
    }
    if (pending.length >= WRITE_BATCH) await flush();
  }
  await flush();
  unlessCancelled(options.signal);
  if (ord === 0) return { row: null, files: fileReports, issues, issueCount, imported: 0 };
  const digest = await fingerprint.digest();
  const stored = await db.datasets.where('fingerprint').equals(digest).toArray();
  const same = stored.find((d) => sameSplit(d.split, split));
  if (same) {
    await db.examples.where('datasetId').equals(datasetId).delete();
    let choicesKept = 0;
    if (lineChoices.size) await db.examples.where('datasetId').equals(same.id).each((r) => void (lineChoices.has(r.id) && lineChoices.get(r.id) !== r.included && choicesKept++));
    return { row: same, files: fileReports, issues, issueCount, imported: ord, alreadyStored: true, ...(choicesKept ? { choicesKept } : {}) };
  }
  const row: DatasetRow = {
    id: datasetId,
    name: options.name,
    createdAt: Date.now(),
    files: fileReports.map((f) => ({ name: f.name, format: f.format, imported: f.imported, rejected: f.rejected, ...(f.earlierCallTurns && { earlierCallTurns: f.earlierCallTurns }) })),
    exampleCount: ord,
    fingerprint: digest,
    split,
    issues,
    issueCount,
  };
  // The last moment a cancel counts: once the row is written, the dataset is there.
  unlessCancelled(options.signal);
  await db.datasets.add(row);
  const oneByOne = split.by === 'question' ? stored.find((d) => !d.split.by) : undefined;
  return { row, files: fileReports, issues, issueCount, imported: ord, ...(oneByOne && { storedOneByOneAs: oneByOne.name }) };
}
