// Reads and writes datasets in the Dexie database: saving an import (quality check, seeded split,
// fingerprint, all rows in one transaction), listing, training/eval queries, including a flagged
// example, re-splitting, and deleting a dataset in two steps (describe → confirm with the token).
// Never deletes without the confirmation token, and never leaves a dataset half written or half
// deleted: each of those is one transaction.
import type { DatasetRow, ExampleRow, RunRow, StudioDb } from './db.ts';
import { hardCaseId } from '../hdr/store.ts';
import type { Example } from './example.ts';
import { canonicalJson, datasetFingerprint, updateFingerprint } from './fingerprint.ts';
import type { ImportedFile } from './import-dataset.ts';
import { checkExample, reasoningPromiseOf, type QualityReport, type ReasoningPromise } from './quality-check.ts';
import type { ImportIssue } from './record-error.ts';
import { DEFAULT_SPLIT, hardCaseRootId, sideOf, splitOf, type SplitName, type SplitSettings } from './split.ts';
import { targetCalls } from './whole-floats.ts';
import { forgetTokenCounts } from './token-counts.ts';
import { astCheck } from '../eval/ast-checker.ts';
import { checkGeneratedOutput } from '../eval/check-generation.ts';
import { groundTruthKey, groundTruthOf } from '../eval/ground-truth.ts';

/** Stored issue lists are capped so a file of 50,000 broken lines does not bloat the database. */
export const MAX_STORED_ISSUES = 1000;
export const WRITE_BATCH = 2000;

export interface SaveDatasetInput {
  id?: string;
  name: string;
  examples: Example[];
  issues?: ImportIssue[];
  files?: ImportedFile[];
  split?: SplitSettings;
  /** Override the per-format reasoning promise for the quality check. */
  reasoning?: ReasoningPromise;
  /** Whether each example is used for training, where the user chose it (a snapshot carries those
   * choices); an example not named is included exactly when it passes the check. */
  included?: ReadonlyMap<string, boolean>;
  /** The examples whose answer the user edited, as they were imported (a snapshot carries them):
   * kept beside each, to restore. */
  imported?: ReadonlyMap<string, Example>;
  /** The Hugging Face dataset it came from (owner/name): a snapshot's, carried over. */
  hubRepo?: string;
}

export function newDatasetId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `ds-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** One stored row: its side of the split, and included by default exactly when it passed the check. */
export function exampleRow(datasetId: string, ord: number, example: Example, quality: QualityReport, split: SplitSettings): ExampleRow {
  return { datasetId, id: example.id, ord, example, quality, split: sideOf(example, split), included: quality.passed ? 1 : 0 };
}

export function exampleRows(datasetId: string, examples: Example[], split: SplitSettings, reasoning?: ReasoningPromise): ExampleRow[] {
  return examples.map((example, ord) => exampleRow(datasetId, ord, example, checkExample(example, reasoning), split));
}

export async function saveDataset(db: StudioDb, input: SaveDatasetInput): Promise<DatasetRow> {
  const ids = new Set<string>();
  for (const e of input.examples) {
    if (ids.has(e.id)) throw new Error(`dataset "${input.name}" has two examples with id "${e.id}"`);
    ids.add(e.id);
  }
  const id = input.id ?? newDatasetId();
  const split = input.split ?? { ...DEFAULT_SPLIT };
  splitOf('', split); // validates the settings before anything is written
  const issues = input.issues ?? [];
  const row: DatasetRow = {
    id,
    name: input.name,
    createdAt: Date.now(),
    files: (input.files ?? []).map((f) => ({ name: f.name, format: f.format, imported: f.imported, rejected: f.rejected })),
    exampleCount: input.examples.length,
    fingerprint: await datasetFingerprint(input.examples),
    split,
    issues: issues.slice(0, MAX_STORED_ISSUES),
    issueCount: issues.length,
    ...(input.hubRepo ? { hubRepo: input.hubRepo } : {}),
  };
  const rows = exampleRows(id, input.examples, split, input.reasoning);
  for (const r of rows) {
    const chosen = input.included?.get(r.id);
    if (chosen !== undefined) r.included = chosen ? 1 : 0;
    const original = input.imported?.get(r.id);
    if (original) r.original = original;
  }
  await db.transaction('rw', db.datasets, db.examples, async () => {
    if (await db.datasets.get(id)) throw new Error(`a dataset with id "${id}" already exists`);
    await db.datasets.add(row);
    for (let i = 0; i < rows.length; i += WRITE_BATCH) await db.examples.bulkAdd(rows.slice(i, i + WRITE_BATCH));
  });
  return row;
}

export function listDatasets(db: StudioDb): Promise<DatasetRow[]> {
  return db.datasets.orderBy('createdAt').toArray();
}

/** Examples in import order, optionally only one side of the split. */
export async function loadExampleRows(db: StudioDb, datasetId: string, split?: SplitName): Promise<ExampleRow[]> {
  const rows = await db.examples.where('[datasetId+ord]').between([datasetId, -Infinity], [datasetId, Infinity]).toArray();
  return split ? rows.filter((r) => r.split === split) : rows;
}

/** What training uses: the train side, only examples that passed the check or that the user included. */
export async function trainingExamples(db: StudioDb, datasetId: string): Promise<Example[]> {
  const rows = await db.examples.where('[datasetId+split+included]').equals([datasetId, 'train', 1]).toArray();
  return rows.sort((a, b) => a.ord - b.ord).map((r) => r.example);
}

/** How many of one side's examples are left out (flagged, or by the user), HDR samples not
 * counted: a side with none used says that, not that the split put none there. */
export function leftOutCount(db: StudioDb, datasetId: string, split: SplitName): Promise<number> {
  return db.examples.where('[datasetId+split+included]').equals([datasetId, split, 0]).filter((r) => r.example.source !== 'hdr').count();
}

/** How many examples of one side training or evaluation uses (included ones). */
export function usedCount(db: StudioDb, datasetId: string, split: SplitName): Promise<number> {
  return db.examples.where('[datasetId+split+included]').equals([datasetId, split, 1]).count();
}

export async function evalExamples(db: StudioDb, datasetId: string): Promise<Example[]> {
  const rows = await db.examples.where('[datasetId+split+included]').equals([datasetId, 'eval', 1]).toArray();
  return rows.sort((a, b) => a.ord - b.ord).map((r) => r.example);
}

/** HDR samples left out of both sides (the user excluded them, or they fail the quality check), in order. */
export async function excludedHdrSamples(db: StudioDb, datasetId: string): Promise<Example[]> {
  const rows = await db.examples.where('[datasetId+split+included]').anyOf([datasetId, 'train', 0], [datasetId, 'eval', 0]).toArray();
  return rows.filter((r) => r.example.source === 'hdr').sort((a, b) => a.ord - b.ord).map((r) => r.example);
}

/** The user's choice to train on a flagged example (or to leave a passing one out). The dataset row
 * counts the change in the same transaction, so every view keyed by it (the quality report's counts,
 * the training set's token fits) counts again. */
export async function setExampleIncluded(db: StudioDb, datasetId: string, exampleId: string, included: boolean): Promise<void> {
  await db.transaction('rw', db.datasets, db.examples, async () => {
    const d = await db.datasets.get(datasetId);
    if (!d) throw new Error(`no dataset "${datasetId}" (it may have been deleted)`);
    const n = await db.examples.where('[datasetId+id]').equals([datasetId, exampleId]).modify({ included: included ? 1 : 0 });
    if (n === 0) throw new Error(`dataset "${d.name}" has no example "${exampleId}"`);
    await db.datasets.update(datasetId, { inclusionEdits: (d.inclusionEdits ?? 0) + 1 });
  });
}

/**
 * The user's edit of an example's expected answer (`answer`: the example it makes of the stored one), or the imported answer put back
 * (`'imported'`). The example is checked again and used exactly when it passes (an edit is the
 * user's fix: a flagged example fixed trains, one the edit breaks is left out and says why); the
 * imported example is kept beside it until the answer is edited back. Its kept token counts are
 * dropped (counted again when next asked), and the dataset's fingerprint follows in the same
 * transaction (updateFingerprint: only this example is hashed once the dataset's digests are kept):
 * runs and snapshots tell the edited data from the imported. Returns the row as stored.
 */
export async function saveExampleAnswer(db: StudioDb, datasetId: string, exampleId: string, answer: ((now: Example) => Example) | 'imported'): Promise<{ row: ExampleRow; samples: SamplesJudgedAgain }> {
  return db.transaction('rw', [db.datasets, db.examples, db.tokenizerCounts, db.hardCases, db.datasetDigests], async () => {
    const d = await db.datasets.get(datasetId);
    if (!d) throw new Error(`no dataset "${datasetId}" (it may have been deleted)`);
    const row = await db.examples.get([datasetId, exampleId]);
    if (!row) throw new Error(`dataset "${d.name}" has no example "${exampleId}"`);
    const imported = row.original ?? row.example;
    if (answer === 'imported' && !row.original) throw new Error(`example "${exampleId}" has the answer it was imported with: nothing to restore`);
    // Read from the row as it is now (another tab may have edited it since the page showed it).
    const example = answer === 'imported' ? imported : answer(row.example);
    const quality = checkExample(example, reasoningPromiseOf(example));
    const { original: _was, ...rest } = row;
    const next: ExampleRow = { ...rest, example, quality, included: quality.passed ? 1 : 0 };
    // When the answer last changed (an edit, or the imported one put back): an evaluation before it judged another.
    if (canonicalJson(example.target) !== canonicalJson(row.example.target)) next.editedAt = Date.now();
    // Edited back to the imported answer: nothing of the import to keep apart.
    if (canonicalJson(example.target) !== canonicalJson(imported.target)) next.original = imported;
    await db.examples.put(next);
    await forgetTokenCounts(db, datasetId, exampleId);
    // Only where what it is judged against changed (a reasoning-only edit leaves the samples, and the user's choices on them, as they were).
    const judgedOtherwise = groundTruthKey(groundTruthOf(example)) !== groundTruthKey(groundTruthOf(row.example));
    const samples = judgedOtherwise ? await judgeHdrSamplesAgain(db, datasetId, example) : { leftOut: 0, usedAgain: 0 };
    // Its open hard case failed against the old answer: where the model's newest answer there is
    // right against the answer now (the label was what was wrong), it is no hard case any more.
    const hardCase = judgedOtherwise ? await db.hardCases.get(hardCaseId(datasetId, exampleId)) : undefined;
    const truth = groundTruthOf(example);
    const newest = hardCase?.status === 'open' ? hardCase.failedOutputs.at(-1) : undefined;
    if (hardCase && newest !== undefined && checkGeneratedOutput({ functions: example.tools, ...truth, output: newest }).valid) await db.hardCases.update(hardCase.id, { status: 'solved' });
    if (next.included !== row.included || samples.leftOut + samples.usedAgain > 0) await db.datasets.update(datasetId, { inclusionEdits: (d.inclusionEdits ?? 0) + 1 });
    // Runs and snapshots tell the edited data from the imported by it.
    await updateFingerprint(db, datasetId, { removed: [row.example], added: [example] });
    return { row: next, samples };
  });
}

/** How many of the dataset's examples carry an expected answer the user edited. */
export function editedAnswerCount(db: StudioDb, datasetId: string): Promise<number> {
  return db.examples.where('datasetId').equals(datasetId).filter((r) => r.original !== undefined).count();
}

/** HDR samples of an example whose answer changed, by what the change did to them. */
export interface SamplesJudgedAgain {
  /** Used before, and answering otherwise than the example's answer now: left out. */
  leftOut: number;
  /** Left out before, and answering as the example's answer now does (and passing the check): used. */
  usedAgain: number;
}

/** HDR kept a sample because its answer passed the check against its question's answer: where that
 * answer changed, each sample of it is held to the one it has now, and used exactly when it passes
 * that and the quality check. Runs inside the caller's transaction. */
async function judgeHdrSamplesAgain(db: StudioDb, datasetId: string, question: Example): Promise<SamplesJudgedAgain> {
  const rows = await db.examples.where('[datasetId+id]').between([datasetId, `${question.id}#hdr`], [datasetId, `${question.id}#hdr\uffff`]).toArray();
  const truth = groundTruthOf(question);
  const out: SamplesJudgedAgain = { leftOut: 0, usedAgain: 0 };
  for (const r of rows) {
    if (r.example.source !== 'hdr' || hardCaseRootId(r.id) !== question.id) continue;
    let answers: boolean;
    try {
      answers = astCheck({ functions: question.tools, possibleAnswer: truth.possibleAnswer, calls: targetCalls(r.example.target), category: truth.category }).valid;
    } catch {
      continue; // a category the AST checker does not judge: left as it was
    }
    const included = r.quality.passed && answers ? 1 : 0;
    if (included === r.included) continue;
    await db.examples.put({ ...r, included });
    if (included) out.usedAgain++;
    else out.leftOut++;
  }
  return out;
}

/** Many examples' inclusion at once (the quality report's "flagged only by this rule", the
 * examples table's "the N shown"), in one transaction with one count on the dataset row: a job
 * started meanwhile reads all of the change or none of it, and the views count once. Every id must
 * be in the dataset; nothing is written otherwise. `onProgress`: rows written so far, a batch at a
 * time. Returns how many examples changed (some may have been as asked already); the row counts
 * only a change. */
export async function setExamplesIncluded(db: StudioDb, datasetId: string, exampleIds: readonly string[], included: boolean, opts: { onProgress?: (done: number, total: number) => void; check?: (d: DatasetRow) => void } = {}): Promise<number> {
  const value = included ? 1 : 0;
  return db.transaction('rw', db.datasets, db.examples, async () => {
    const d = await db.datasets.get(datasetId);
    if (!d) throw new Error(`no dataset "${datasetId}" (it may have been deleted)`);
    opts.check?.(d);
    let changed = 0;
    for (let i = 0; i < exampleIds.length; i += WRITE_BATCH) {
      const ids = exampleIds.slice(i, i + WRITE_BATCH);
      const rows = await db.examples.bulkGet(ids.map((id) => [datasetId, id] as [string, string]));
      const missing = ids.find((_, k) => !rows[k]);
      if (missing !== undefined) throw new Error(`dataset "${d.name}" has no example "${missing}"; nothing was changed`);
      const changing = (rows as ExampleRow[]).filter((r) => r.included !== value).map((r) => ({ ...r, included: value }) as ExampleRow);
      await db.examples.bulkPut(changing);
      changed += changing.length;
      opts.onProgress?.(Math.min(exampleIds.length, i + WRITE_BATCH), exampleIds.length);
    }
    if (changed) await db.datasets.update(datasetId, { inclusionEdits: (d.inclusionEdits ?? 0) + 1 });
    return changed;
  });
}

/** Recomputes and stores every example's side for new split settings, in one transaction (an HDR
 * sample goes with its question, sideOf). `moved`: examples whose side changed; `heldOut`: examples
 * on the held-out side now. */
export async function resplitDataset(db: StudioDb, datasetId: string, split: SplitSettings): Promise<{ moved: number; heldOut: number; examples: number }> {
  splitOf('', split);
  return db.transaction('rw', db.datasets, db.examples, async () => {
    const n = await db.datasets.update(datasetId, { split });
    if (n === 0) throw new Error(`no dataset "${datasetId}"`);
    const counts = { moved: 0, heldOut: 0, examples: 0 };
    await db.examples.where('datasetId').equals(datasetId).modify((r) => {
      const side = sideOf(r.example, split);
      if (side !== r.split) counts.moved++;
      if (side === 'eval') counts.heldOut++;
      counts.examples++;
      r.split = side;
    });
    return counts;
  });
}

export interface DatasetDeletionPlan {
  datasetId: string;
  name: string;
  exampleCount: number;
  hardCaseCount: number;
  /** Runs that used this dataset; they stay, but can no longer be resumed with its data. */
  runCount: number;
  /** Pass back to deleteDataset to confirm; tied to the counts the user was shown. */
  confirmToken: string;
}

/** Step one of deleting: what would be removed, and the token that confirms it. */
export async function describeDatasetDeletion(db: StudioDb, datasetId: string): Promise<DatasetDeletionPlan> {
  const d = await db.datasets.get(datasetId);
  if (!d) throw new Error(`no dataset "${datasetId}"`);
  const exampleCount = await db.examples.where('datasetId').equals(datasetId).count();
  const hardCaseCount = await db.hardCases.where('datasetId').equals(datasetId).count();
  const runCount = await db.runs.where('datasetId').equals(datasetId).count();
  return { datasetId, name: d.name, exampleCount, hardCaseCount, runCount, confirmToken: `delete:${datasetId}:${exampleCount}:${hardCaseCount}` };
}

/** Step two: removes the dataset, its examples and its hard cases in one transaction. Training runs
 * that used it keep a summary of it (name, fingerprint, counts, split), as a snapshot's runs do, so
 * they can still be exported, shared and compared. */
export async function deleteDataset(db: StudioDb, datasetId: string, confirmToken: string): Promise<void> {
  await db.transaction('rw', [db.datasets, db.examples, db.hardCases, db.runs, db.tokenizerCounts, db.datasetDigests], async () => {
    const plan = await describeDatasetDeletion(db, datasetId);
    if (confirmToken !== plan.confirmToken) {
      throw new Error(`deleting dataset "${plan.name}" was not confirmed: call describeDatasetDeletion and pass its confirmToken (the dataset may have changed since)`);
    }
    const d = (await db.datasets.get(datasetId))!;
    const datasetSummary = { name: d.name, fingerprint: d.fingerprint, examples: d.exampleCount, train: await usedCount(db, datasetId, 'train'), eval: await usedCount(db, datasetId, 'eval'), split: d.split, ...(d.hubRepo ? { hubRepo: d.hubRepo } : {}) };
    await db.runs
      .where('datasetId')
      .equals(datasetId)
      .modify((r: RunRow & { datasetSummary?: unknown }) => {
        if (r.kind === 'train' && !r.datasetSummary) r.datasetSummary = datasetSummary;
      });
    await db.examples.where('datasetId').equals(datasetId).delete();
    await db.hardCases.where('datasetId').equals(datasetId).delete();
    await db.tokenizerCounts.where('datasetId').equals(datasetId).delete();
    await db.datasetDigests.delete(datasetId);
    await db.datasets.delete(datasetId);
  });
}
