// Snapshots and Dexie on fake-indexeddb (the real-IndexedDB run is
// tests/browser/snapshot.browser.ts). Protects: a stored run (rows as the worker's RunStore writes
// them) exports with its metrics, eval points, adapter and checkpoint; importing into another
// browser's database as read-only or resume recreates the run, its metric rows and checkpoint;
// resume refuses without a checkpoint or dataset; an existing run id is never overwritten; an
// imported read-only run exports again without the model loaded; and the dataset's Hub repo travels
// with the run, for the cards of a pushed copy.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { deleteDataset, describeDatasetDeletion, loadExampleRows, resplitDataset, saveDataset, saveExampleAnswer, setExampleIncluded, trainingExamples } from '../../src/data/dataset-store.ts';
import { importDatasetIntoDb } from '../../src/data/import-into-db.ts';
import { exportDatasetJsonl } from '../../src/snapshot/dataset-export.ts';
import { parseDatasetJsonl } from '../../src/snapshot/dataset-jsonl.ts';
import { EXAMPLE_SPLIT, splitOf } from '../../src/data/split.ts';
import { addHdrExamples, createHdrRun, finishHdrRun, recordHdrRound } from '../../src/hdr/store.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
import type { HdrRoundReport } from '../../src/hdr/rounds.ts';
import { exportPeftAdapter } from '../../src/model/peft.ts';
import { specSummary, validateRunJson } from '../../src/snapshot/run-json.ts';
import { decodeShareLink, encodeShareLink, shareSummaryFromRun } from '../../src/snapshot/share-link.ts';
import { exportRunSnapshot, readOnlyResumeProblem, saveImportedSnapshot, snapshotFromDb, type SnapshotRunRow } from '../../src/snapshot/snapshot-db.ts';
import { exportSnapshot, importSnapshot } from '../../src/snapshot/snapshot-file.ts';
import { SnapshotError } from '../../src/snapshot/validate.ts';
import { DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { dataRequests } from '../../src/worker/dataRequests.ts';
import { hubDatasetsOf, StudioEngine } from '../../src/worker/engine.ts';
import { decodeCheckpoint } from '../../src/train/checkpointFile.ts';
import { checkpointFor, config, examples, metricHistory, spec, trainedAdapter } from './fixtures.ts';

const idb = { indexedDB, IDBKeyRange };
let dbCounter = 0;
const freshDb = () => new StudioDb(`snapshot-test-${++dbCounter}-${Date.now()}`, idb);

/** A finished run stored the way the worker stores one: run row, per-step metric rows with eval
 * values joined into their step's row, and the newest checkpoint as a blob. */
async function storedRun(db: StudioDb, trainSet: Parameters<typeof checkpointFor>[2] = {}): Promise<string> {
  const dataset = await saveDataset(db, { name: 'adds', examples: examples(8) });
  await db.runs.add({ id: 'run-a', datasetId: dataset.id, kind: 'train', status: 'done', createdAt: 1_763_000_000_000, updatedAt: 1_763_000_500_000, config, name: 'first run', modelRef: 'embedded:tiny-qwen3', lastStep: 30 });
  const rows = metricHistory(30).map((m) => ({ runId: 'run-a', step: m.step, values: { ...m } as Record<string, number> }));
  for (const r of rows) if (r.step % 10 === 0) Object.assign(r.values, { evalLoss: 2 - r.step / 100, evalLossCot: 1.5, evalLossCall: 2.5 });
  rows[4].values.loss = NaN;
  await db.metrics.bulkPut(rows);
  const bytes = checkpointFor(trainedAdapter(), 30, trainSet);
  await db.checkpoints.put({ runId: 'run-a', step: 30, createdAt: 1, blobs: { checkpoint: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer } });
  return 'run-a';
}

/** A snapshot with its dataset, and a browser's database that opens it (as the worker does) in `mode`. */
async function openerOfOneSnapshot(mode: 'read-only' | 'resume', trainSet: Parameters<typeof checkpointFor>[2] = {}) {
  const source = freshDb();
  const zip = await exportRunSnapshot(source, await storedRun(source, trainSet), { spec, includeDataset: true });
  const db = freshDb();
  const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
  return { source, db, open: () => handlers.importSnapshot({ bytes: zip, label: 'first.zip', mode }, () => undefined) };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SnapshotError);
  return (err as Error).message;
}

describe('snapshots from and into IndexedDB', () => {
  it('exports a stored run with metrics, eval points, the adapter from its checkpoint, and the dataset', async () => {
    const db = freshDb();
    const runId = await storedRun(db);
    const input = await snapshotFromDb(db, runId, { spec, includeDataset: true });
    expect(input.run.metrics).toHaveLength(30);
    expect(input.run.metrics[0]).not.toHaveProperty('evalLoss');
    expect(input.run.evalMetrics.map((e) => e.step)).toEqual([10, 20, 30]);
    expect(input.run.dataset).toMatchObject({ name: 'adds', examples: 8 });
    const snap = await importSnapshot(exportSnapshot(input), { spec });
    expect(snap.run.metrics[4].loss).toBeNull();
    expect(snap.run.metrics[5].loss).toBe(metricHistory(30)[5].loss);
    expect(snap.adapter!.files.configJson).toBe(exportPeftAdapter(spec, trainedAdapter(), 'embedded:tiny-qwen3').adapterConfigJson);
    expect(snap.checkpoint!.state.step).toBe(30);
    expect(snap.dataset!.map((e) => e.id)).toEqual(examples(8).map((e) => e.id));
    // The held-out loss before the first step (on the run's setup) travels as the eval curve's step 0.
    await db.runs.update(runId, { setup: { baseline: { step: 0, evalLoss: 2.1, evalLossCot: 1.6, evalLossCall: 2.6, evalLossTokens: 1.9 } } } as never);
    const withBaseline = await snapshotFromDb(db, runId, { spec, includeDataset: false });
    expect(withBaseline.run.evalMetrics[0]).toEqual({ step: 0, evalLoss: 2.1, evalLossCot: 1.6, evalLossCall: 2.6, evalLossTokens: 1.9 });
    expect(withBaseline.run.evalMetrics.map((e) => e.step)).toEqual([0, 10, 20, 30]);
    db.close();
  });

  it('opens a snapshot read-only in another database, and exports it again without the model', async () => {
    const source = freshDb();
    const zip = await exportRunSnapshot(source, await storedRun(source), { spec, includeDataset: false });
    const target = freshDb();
    const snap = await importSnapshot(zip);
    const row = await saveImportedSnapshot(target, snap, 'read-only');
    expect(row).toMatchObject({ id: 'run-a', datasetId: '', readOnly: true, status: 'done', name: 'first run', modelRef: 'embedded:tiny-qwen3' });
    const metrics = await target.metrics.where('runId').equals('run-a').sortBy('step');
    expect(metrics).toHaveLength(30);
    expect(metrics[9].values).toMatchObject({ step: 10, evalLoss: 1.9, evalLossCot: 1.5 });
    expect(Number.isNaN(metrics[4].values.loss)).toBe(true);
    const [checkpoint] = await target.checkpoints.where('runId').equals('run-a').toArray();
    expect(Object.keys(checkpoint.blobs).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'checkpoint']);

    // Re-exported from the imported copy with no model loaded: the stored spec summary and adapter files suffice.
    const again = await importSnapshot(await exportRunSnapshot(target, 'run-a'));
    expect(again.run.metrics).toEqual(snap.run.metrics);
    expect(again.run.dataset).toEqual(snap.run.dataset);
    expect(again.adapter!.files.weights).toEqual(snap.adapter!.files.weights);
    source.close();
    target.close();
  });

  it('resumes a snapshot: dataset restored with its split, run paused at the checkpoint step', async () => {
    const source = freshDb();
    const zip = await exportRunSnapshot(source, await storedRun(source), { spec, includeDataset: true });
    const target = freshDb();
    const row = await saveImportedSnapshot(target, await importSnapshot(zip, { spec }), 'resume');
    expect(row).toMatchObject({ status: 'paused', readOnly: false, lastStep: 30 });
    const dataset = await target.datasets.get(row.datasetId);
    expect(dataset).toMatchObject({ name: 'adds', exampleCount: 8 });
    const sourceDataset = (await source.datasets.toArray())[0];
    expect(dataset!.fingerprint).toBe(sourceDataset.fingerprint);
    expect((await loadExampleRows(target, row.datasetId)).map((r) => `${r.id}:${r.split}`)).toEqual((await loadExampleRows(source, sourceDataset.id)).map((r) => `${r.id}:${r.split}`));
    source.close();
    target.close();
  });

  it('carries the adapter a run started from, by name, not the id of a run in this browser', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    await source.runs.update(runId, { startedFrom: { runId: 'run-general', name: 'general tool use', step: 300 } } as never);
    const imported = await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeDataset: true }), { spec });
    expect(imported.run.run.startedFrom).toEqual({ name: 'general tool use', step: 300 });
    const target = freshDb();
    const row = await saveImportedSnapshot(target, imported, 'resume');
    // The run it started from is in the browser that exported it: its id means nothing here.
    expect(row.startedFrom).toEqual({ runId: '', name: 'general tool use', step: 300 });
    source.close();
    target.close();
  });

  it('carries how its dataset was split: by question, or one by one for a dataset split before splits went by question', async () => {
    for (const split of [{ seed: 1234, evalFraction: 0.1, by: 'question' as const }, { seed: 1234, evalFraction: 0.1 }]) {
      const source = freshDb();
      const runId = await storedRun(source);
      const sourceDataset = (await source.datasets.toArray())[0];
      await resplitDataset(source, sourceDataset.id, split);
      const zip = await exportRunSnapshot(source, runId, { spec, includeDataset: true });
      const imported = await importSnapshot(zip, { spec });
      expect(imported.run.dataset.split?.by).toBe(split.by);
      const target = freshDb();
      const row = await saveImportedSnapshot(target, imported, 'resume');
      expect((await target.datasets.get(row.datasetId))!.split).toEqual(split);
      expect((await loadExampleRows(target, row.datasetId)).map((r) => `${r.id}:${r.split}`)).toEqual((await loadExampleRows(source, sourceDataset.id)).map((r) => `${r.id}:${r.split}`));
      source.close();
      target.close();
    }
    // A snapshot from before runs recorded their split: its dataset is split one by one, as datasets were then.
    const source = freshDb();
    const imported = await importSnapshot(await exportRunSnapshot(source, await storedRun(source), { spec, includeDataset: true }), { spec });
    delete (imported.run.dataset as { split?: unknown }).split;
    const target = freshDb();
    const row = await saveImportedSnapshot(target, imported, 'read-only');
    expect((await target.datasets.get(row.datasetId))!.split).toEqual(EXAMPLE_SPLIT);
    // A split named otherwise is refused by name.
    const json = JSON.parse(JSON.stringify({ ...imported.run, dataset: { ...imported.run.dataset, split: { seed: 1, evalFraction: 0.1, by: 'answer' } } }));
    expect(() => validateRunJson(json)).toThrow(/dataset\.split\.by/);
    source.close();
    target.close();
  });

  it('carries the dataset’s Hub repo, so the cards of a pushed copy link it, with or without the dataset', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const run = (await source.runs.get(runId))!;
    await source.datasets.update(run.datasetId, { hubRepo: 'ada/adds' });
    const withData = await exportRunSnapshot(source, runId, { spec, includeDataset: true });
    expect((await importSnapshot(withData)).run.dataset.hubRepo).toBe('ada/adds');
    // Resumable: the dataset stored from the snapshot names its repo, as the list and the cards show it.
    const target = freshDb();
    const resumable = await saveImportedSnapshot(target, await importSnapshot(withData, { spec }), 'resume');
    const stored = (await target.datasets.get(resumable.datasetId))!;
    expect(stored.hubRepo).toBe('ada/adds');
    expect(hubDatasetsOf(stored, resumable as SnapshotRunRow)).toEqual(['ada/adds']);
    // Read-only without the dataset: the run's summary names it.
    const bare = freshDb();
    const readOnly = await saveImportedSnapshot(bare, await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeDataset: false })), 'read-only');
    expect(readOnly.datasetId).toBe('');
    expect(hubDatasetsOf(undefined, readOnly)).toEqual(['ada/adds']);
    // The dataset deleted since: the summary the run keeps names it, and so does a snapshot of the run.
    await deleteDataset(source, run.datasetId, (await describeDatasetDeletion(source, run.datasetId)).confirmToken);
    const orphan = (await source.runs.get(runId)) as SnapshotRunRow;
    expect(hubDatasetsOf(undefined, orphan)).toEqual(['ada/adds']);
    expect((await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeDataset: false }))).run.dataset.hubRepo).toBe('ada/adds');
    // A dataset from no Hub repo says none.
    expect(hubDatasetsOf(undefined, { ...orphan, datasetSummary: { ...orphan.datasetSummary!, hubRepo: undefined } })).toBeUndefined();
    for (const d of [source, target, bare]) d.close();
  });

  it('refuses a run.json whose dataset names no Hub repo id', async () => {
    const db = freshDb();
    const { run } = await importSnapshot(exportSnapshot(await snapshotFromDb(db, await storedRun(db), { spec, includeDataset: false })));
    const json = (hubRepo: string) => JSON.parse(JSON.stringify({ ...run, dataset: { ...run.dataset, hubRepo } }));
    expect(validateRunJson(json('ada/adds.v2')).dataset.hubRepo).toBe('ada/adds.v2');
    for (const hubRepo of ['adds', 'ada/adds/x', 'ada/<script>', '../adds', '']) {
      expect(() => validateRunJson(json(hubRepo)), hubRepo).toThrow(`run.json: dataset.hubRepo has an unexpected form (the string ${JSON.stringify(hubRepo)})`);
    }
    db.close();
  });

  it('resumes a run that kept its best step comparing with that step’s held-out loss', async () => {
    // A finished run that kept step 20 of 30: its newest checkpoint is step 20's.
    const source = freshDb();
    const runId = await storedRun(source);
    await source.runs.update(runId, { config: { ...config, keepBest: true } });
    await source.checkpoints.clear();
    const bytes = checkpointFor(trainedAdapter(), 20);
    await source.checkpoints.put({ runId, step: 20, createdAt: 1, blobs: { checkpoint: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer }, meta: { bestLoss: 0.75 } });
    await source.metrics.update([runId, 20], { 'values.evalLossTokens': 0.75 });
    const zip = await exportRunSnapshot(source, runId, { spec, includeDataset: true });
    const target = freshDb();
    const row = await saveImportedSnapshot(target, await importSnapshot(zip, { spec }), 'resume');
    expect(row).toMatchObject({ status: 'paused', lastStep: 20 });
    expect(await new DexieRunStore(target, row.id).readBest()).toEqual({ step: 20, loss: 0.75 });
    expect(row.config.keepBest).toBe(true);
    // A run that does not keep its best step has none to compare with.
    await source.runs.update(runId, { config });
    const other = freshDb();
    const otherRow = await saveImportedSnapshot(other, await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeDataset: true }), { spec }), 'resume');
    expect(await new DexieRunStore(other, otherRow.id).readBest()).toBeNull();
    for (const d of [source, target, other]) d.close();
  });

  it('opens a finished run as finished, not paused, when asked to make it resumable (it trains on only when asked for more steps)', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    await source.runs.update(runId, { config: { ...config, steps: 30 } });
    const zip = await exportRunSnapshot(source, runId, { spec, includeDataset: true });
    const row = await saveImportedSnapshot(freshDb(), await importSnapshot(zip, { spec }), 'resume');
    expect(row).toMatchObject({ status: 'done', lastStep: 30, readOnly: false });
    source.close();
  });

  it('opens a failed run as resumable without its failure message (it is paused, not failed, here)', async () => {
    // The dashboard said "Paused at step 30" and the Runs table's status tip kept the old error, as if resuming would fail again.
    const source = freshDb();
    const runId = await storedRun(source);
    await source.runs.update(runId, { status: 'failed', message: 'GPU device lost at step 31' });
    const zip = await exportRunSnapshot(source, runId, { spec, includeDataset: true });
    const resumed = await saveImportedSnapshot(freshDb(), await importSnapshot(zip, { spec }), 'resume');
    expect(resumed).toMatchObject({ status: 'paused', lastStep: 30 });
    expect(resumed.message).toBeUndefined();
    // Read-only it is the failed run it was, with its reason.
    const readOnly = await saveImportedSnapshot(freshDb(), await importSnapshot(zip, { spec }), 'read-only');
    expect(readOnly).toMatchObject({ status: 'failed', message: 'GPU device lost at step 31' });
    source.close();
  });

  it('keeps HDR samples on the training side and the user\'s inclusion choices, so a resume trains on the same examples', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const sourceDataset = (await source.datasets.toArray())[0];
    // 40 HDR samples answering the training side's questions (HDR mines those): by their ids alone
    // about 10% would land in the held-out set.
    const trained = (await loadExampleRows(source, sourceDataset.id, 'train')).map((r) => r.example);
    const hdr = Array.from({ length: 40 }, (_, i) => ({ ...trained[i % trained.length], id: `hdr-r1-${i}`, source: 'hdr' as const, hdrRound: 1 }));
    await addHdrExamples(source, sourceDataset.id, hdr);
    expect(hdr.some((e) => splitOf(e.id, sourceDataset.split) === 'eval')).toBe(true);
    const firstTrain = (await loadExampleRows(source, sourceDataset.id, 'train')).find((r) => r.example.source !== 'hdr')!;
    await setExampleIncluded(source, sourceDataset.id, firstTrain.id, false);
    const zip = await exportRunSnapshot(source, runId, { spec, includeDataset: true });

    const target = freshDb();
    const row = await saveImportedSnapshot(target, await importSnapshot(zip, { spec }), 'resume');
    const side = (rows: Awaited<ReturnType<typeof loadExampleRows>>) => rows.map((r) => `${r.id}:${r.split}:${r.included}`);
    expect(side(await loadExampleRows(target, row.datasetId))).toEqual(side(await loadExampleRows(source, sourceDataset.id)));
    expect((await loadExampleRows(target, row.datasetId, 'eval')).filter((r) => r.example.source === 'hdr')).toEqual([]);
    // A new split leaves HDR samples in training too.
    await resplitDataset(target, row.datasetId, { seed: 7, evalFraction: 0.5 });
    expect((await loadExampleRows(target, row.datasetId, 'eval')).filter((r) => r.example.source === 'hdr')).toEqual([]);
    source.close();
    target.close();
  });

  it('resumes on the snapshot\'s own dataset where the local copy includes other examples', async () => {
    const source = freshDb();
    const zip = await exportRunSnapshot(source, await storedRun(source), { spec, includeDataset: true });
    const target = freshDb();
    const local = await saveDataset(target, { name: 'my copy', examples: examples(8) });
    await setExampleIncluded(target, local.id, (await loadExampleRows(target, local.id, 'train'))[0].id, false);
    const row = await saveImportedSnapshot(target, await importSnapshot(zip, { spec }), 'resume');
    expect(row.datasetId).not.toBe(local.id);
    expect(await target.datasets.get(row.datasetId)).toMatchObject({ name: 'adds (as the run trained on it)' });
    // Imported again: the copy that trains as the run did is used, not stored once more.
    const again = await saveImportedSnapshot(target, await importSnapshot(zip, { spec }), 'resume');
    expect(again.datasetId).toBe(row.datasetId);
    expect(await target.datasets.count()).toBe(2);
    source.close();
    target.close();
  });

  it('resumes on the snapshot\'s own dataset where the local copy orders its examples otherwise or includes others as many (the cursor indexes them in order)', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const sourceDatasetId = (await source.runs.get(runId))!.datasetId;
    const sourceTrain = await loadExampleRows(source, sourceDatasetId, 'train');
    await setExampleIncluded(source, sourceDatasetId, sourceTrain[0].id, false);
    const zip = await exportRunSnapshot(source, runId, { spec, includeDataset: true });
    const trainIds = async (db: StudioDb, datasetId: string) => (await trainingExamples(db, datasetId)).map((e) => e.id);
    const expected = await trainIds(source, sourceDatasetId);

    // The same examples, imported from a file that lists them the other way round (same fingerprint).
    const reordered = freshDb();
    const backwards = await saveDataset(reordered, { name: 'my copy', examples: examples(8).reverse() });
    await setExampleIncluded(reordered, backwards.id, sourceTrain[0].id, false);
    const a = await saveImportedSnapshot(reordered, await importSnapshot(zip, { spec }), 'resume');
    expect(a.datasetId).not.toBe(backwards.id);
    expect(await trainIds(reordered, a.datasetId)).toEqual(expected);

    // The same order and as many training examples, but another one left out.
    const otherChoice = freshDb();
    const local = await saveDataset(otherChoice, { name: 'my copy', examples: examples(8) });
    await setExampleIncluded(otherChoice, local.id, sourceTrain[1].id, false);
    const b = await saveImportedSnapshot(otherChoice, await importSnapshot(zip, { spec }), 'resume');
    expect(b.datasetId).not.toBe(local.id);
    expect(await trainIds(otherChoice, b.datasetId)).toEqual(expected);
    for (const db of [source, reordered, otherChoice]) db.close();
  });

  it('refuses to resume a run opened read-only on a copy of its dataset split otherwise, or without a checkpoint, keeping its curve', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    await source.runs.update(runId, { status: 'paused' });
    const target = freshDb();
    // Read-only links a local copy split otherwise (fine for looking); the Runs panel offers Resume on a paused run.
    await saveDataset(target, { name: 'my copy', examples: examples(8), split: { seed: 1, evalFraction: 0.5 } });
    const linked = await saveImportedSnapshot(target, await importSnapshot(await exportRunSnapshot(source, runId, { spec })), 'read-only');
    const engine = new StudioEngine(undefined, () => undefined, target);
    await expect(engine.handlers.startRun({ runId: linked.id, resume: true }, () => undefined)).rejects.toThrow(
      /^resuming needs the run's split: "my copy" in this browser holds its examples split 50% held out example by example \(seed 1\), the run's 10% held out \(seed 1234\); open the snapshot again as resumable/,
    );
    // Without checkpoint.safetensors there is nothing to go on from: resuming would start over and drop the imported curve.
    const other = freshDb();
    const bare = await saveImportedSnapshot(other, await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeCheckpoint: false, includeDataset: true })), 'read-only');
    await expect(new StudioEngine(undefined, () => undefined, other).handlers.startRun({ runId: bare.id, resume: true }, () => undefined)).rejects.toThrow(
      '“first run” was opened read-only from a snapshot without checkpoint.safetensors: there is no trainer state to resume from',
    );
    expect(await other.metrics.where('runId').equals(bare.id).count()).toBe(30);
    for (const db of [source, target, other]) db.close();
  });

  it('lets a read-only run resume on its dataset after HDR added samples after its examples, as any run there does', async () => {
    // A resume goes on over the run's own examples where its checkpoint's digest proves them the
    // start of today's set (trainer.ts resumedTrainingSet); the read-only check still wanted exactly
    // as many training examples as run.json says, and refused it ('resuming needs the examples the
    // run trained on: run.json says 7 …, the dataset here gives 11').
    const withDigest = { trainExamples: 7, trainDigest: 'crc32:0123abcd' };
    const source = freshDb();
    const runId = await storedRun(source, withDigest);
    await source.runs.update(runId, { status: 'paused' });
    const target = freshDb();
    const local = await saveDataset(target, { name: 'my copy', examples: examples(8) });
    const linked = await saveImportedSnapshot(target, await importSnapshot(await exportRunSnapshot(source, runId, { spec })), 'read-only');
    expect(linked.datasetId).toBe(local.id);
    await addHdrExamples(target, local.id, examples(4).map((e, i) => ({ ...e, id: `hdr-r1-${i}`, source: 'hdr' as const, hdrRound: 1 })));
    expect(await readOnlyResumeProblem(target, linked)).toBeNull();
    // Examples left out: fewer than it trained on, still refused up front.
    const train = await trainingExamples(target, local.id);
    for (const e of train.slice(0, 5)) await setExampleIncluded(target, local.id, e.id, false);
    expect(await readOnlyResumeProblem(target, linked)).toMatch(/^resuming needs the examples the run trained on/);
    // An older checkpoint (no digest) is refused over more examples by the trainer: refused here too.
    const older = freshDb();
    const olderRun = await storedRun(older, {});
    await older.runs.update(olderRun, { status: 'paused' });
    const olderTarget = freshDb();
    const olderLocal = await saveDataset(olderTarget, { name: 'my copy', examples: examples(8) });
    const olderLinked = await saveImportedSnapshot(olderTarget, await importSnapshot(await exportRunSnapshot(older, olderRun, { spec })), 'read-only');
    await addHdrExamples(olderTarget, olderLocal.id, examples(4).map((e, i) => ({ ...e, id: `hdr-r1-${i}`, source: 'hdr' as const, hdrRound: 1 })));
    expect(await readOnlyResumeProblem(olderTarget, olderLinked)).toMatch(/^resuming needs the examples the run trained on/);
    for (const db of [source, target, older, olderTarget]) db.close();
  });

  it('refuses to resume on a dataset whose training side differs from the run\'s, writing nothing', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const snap = await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeDataset: true }), { spec });
    const target = freshDb();
    // A snapshot written before "included" travelled: the studio here includes what passes the check.
    const older = { ...snap, run: { ...snap.run, dataset: { ...snap.run.dataset, train: snap.run.dataset.train! - 1 } } };
    expect(await refusal(saveImportedSnapshot(target, older, 'resume'))).toBe(
      `resuming needs the examples the run trained on: run.json says ${older.run.dataset.train} training examples, the dataset here gives ${snap.run.dataset.train} (other examples are included or held out); export the run with its dataset, or open it read-only`,
    );
    expect(await target.datasets.count()).toBe(0);
    expect(await target.runs.count()).toBe(0);
    expect((await saveImportedSnapshot(target, older, 'read-only')).readOnly).toBe(true);
    source.close();
    target.close();
  });

  it('exports an HDR run as the training run it continued, with HDR\'s rounds and HDR\'s adapter; it opens read-only', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const datasetId = (await source.datasets.toArray())[0].id;
    await createHdrRun(source, { id: 'hdr-1', datasetId, modelRef: 'embedded:tiny-qwen3', name: 'HDR on first run', settings: DEFAULT_HDR_SETTINGS, config, fromRunId: runId });
    const round = (n: number, poolBefore: number, accepted: number): HdrRoundReport => ({
      round: n, poolBefore, poolAfter: poolBefore - accepted, samples: poolBefore * 3, passAtK: 0.5, gatePassed: accepted + 1, accepted, duplicates: 1,
      rejectedByRule: {}, solved: [], evalAccuracyBefore: 0.5, evalAccuracyAfter: 0.6, training: { steps: 4, examples: accepted, lossFirst: 1, lossLast: 0.5, skipped: [] }, replayed: 0, millis: 10,
    });
    await recordHdrRound(source, 'hdr-1', { ...round(1, 6, 2), evalChanges: { fixed: 3, broken: 1 }, evalChangesSinceStart: { fixed: 3, broken: 1 } });
    await recordHdrRound(source, 'hdr-1', round(2, 4, 1));
    const retrained = trainedAdapter();
    for (const [key, values] of retrained.tensors) if (key.endsWith('lora_B.weight')) values.forEach((v, i) => (values[i] = v * 2));
    const bytes = checkpointFor(retrained, 8);
    await source.checkpoints.put({ runId: 'hdr-1', step: 8, createdAt: 2, blobs: { checkpoint: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer } });
    await finishHdrRun(source, 'hdr-1', 'pool empty');

    // An evaluation of HDR's adapter: said at the step the rounds reached, not at HDR's round number.
    await source.runs.put({
      id: 'eval-hdr', datasetId, kind: 'eval', status: 'done', createdAt: Date.now() + 1, updatedAt: Date.now() + 1, config: { adapterRunId: 'hdr-1', limit: 4, maxNewTokens: 96, lora: null },
      summary: { total: 4, correct: 3, accuracy: 0.75, byCategory: {}, failureRules: {}, finishReasons: {} },
    } as never);

    const input = await snapshotFromDb(source, 'hdr-1', { spec });
    expect(input.run.run).toMatchObject({ id: 'hdr-1', name: 'HDR on first run', status: 'done', lastStep: 30 });
    expect(input.run.evaluation).toMatchObject({ step: 38, examples: 4, astAccuracy: 0.75 });
    expect(input.run.metrics).toHaveLength(30);
    expect(input.run.hdrRounds).toEqual([
      { round: 1, poolSize: 6, sampled: 18, passRate: 3 / 18, accepted: 2, step: 34, evalAccuracyBefore: 0.5, evalAccuracyAfter: 0.6, evalChanges: { fixed: 3, broken: 1 }, evalChangesSinceStart: { fixed: 3, broken: 1 } },
      { round: 2, poolSize: 4, sampled: 12, passRate: 2 / 12, accepted: 1, step: 38, evalAccuracyBefore: 0.5, evalAccuracyAfter: 0.6 },
    ]);
    expect(input.checkpoint).toBeUndefined();
    const snap = await importSnapshot(exportSnapshot(input), { spec });
    for (const [key, values] of retrained.tensors) expect(snap.adapter!.adapter.tensors.get(key)).toEqual(values);
    // Its own rounds and limit travel with it (its status is told in rounds); 'pool empty' is no stop code.
    expect(snap.run.hdrRun).toEqual({ rounds: 2, maxRounds: DEFAULT_HDR_SETTINGS.maxRounds });
    const target = freshDb();
    expect(await refusal(saveImportedSnapshot(target, snap, 'resume'))).toBe('resuming needs checkpoint.safetensors; this snapshot can only be opened read-only');
    const row = await saveImportedSnapshot(target, snap, 'read-only');
    expect(row.hdrRounds).toEqual(input.run.hdrRounds);
    expect(snap.run.hdrRounds).toEqual(input.run.hdrRounds);
    // HDR again on the imported run: the new snapshot keeps the earlier rounds and counts on from them.
    await createHdrRun(target, { id: 'hdr-2', datasetId: row.datasetId, name: 'HDR again', settings: DEFAULT_HDR_SETTINGS, config, fromRunId: row.id, modelRef: 'embedded:tiny-qwen3' });
    await recordHdrRound(target, 'hdr-2', round(3, 3, 1));
    const again = await snapshotFromDb(target, 'hdr-2', { spec });
    expect(again.run.hdrRounds.map((r) => [r.round, r.step])).toEqual([[1, 34], [2, 38], [3, 42]]);
    // The worker exports and shares it without the model, as it does the imported run it continued
    // (it refused: 'run hdr-2 was trained on embedded:tiny-qwen3, but the loaded model is none').
    const handlers = dataRequests({ db: () => target, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
    const exported = await importSnapshot((await handlers.exportSnapshot({ runId: 'hdr-2', includeDataset: false }, () => undefined)).zip, { spec });
    expect(exported.run.hdrRounds.map((r) => r.round)).toEqual([1, 2, 3]);
    expect(decodeShareLink((await handlers.shareLink({ runId: 'hdr-2' }, () => undefined)).fragment).hdrRounds).toHaveLength(3);
    // The link carries each round's held-out accuracies and answer changes; its rates to 4 digits.
    expect(decodeShareLink(encodeShareLink(shareSummaryFromRun(snap.run))).hdrRounds).toEqual(input.run.hdrRounds.map((r) => ({ ...r, passRate: 0.1667 })));

    await createHdrRun(source, { id: 'hdr-base', datasetId, name: 'HDR from the base model', settings: DEFAULT_HDR_SETTINGS, config });
    expect(await refusal(snapshotFromDb(source, 'hdr-base', { spec }))).toBe('“HDR from the base model” started HDR from the base model: a snapshot holds a training run and the HDR rounds that continued it');
    source.close();
    target.close();
  });

  // The snapshot and the link carried each round's figures only: a run cancelled in a round's
  // retraining read as finished rounds, and a run that failed after adding samples as adding none.
  it('carries an HDR run\'s totals and a round a cancel cut short, to the zip and the link', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const datasetId = (await source.datasets.toArray())[0].id;
    await createHdrRun(source, { id: 'hdr-c', datasetId, modelRef: 'embedded:tiny-qwen3', name: 'HDR cut short', settings: DEFAULT_HDR_SETTINGS, config, fromRunId: runId });
    const report: HdrRoundReport = {
      round: 1, poolBefore: 6, poolAfter: 4, samples: 18, passAtK: 0.5, gatePassed: 3, accepted: 2, duplicates: 0, rejectedByRule: {}, solved: [],
      evalAccuracyBefore: 0.5, evalAccuracyAfter: null, training: { steps: 2, examples: 2, lossFirst: 1, lossLast: 0.5, skipped: [] }, replayed: 0, millis: 10, cancelledIn: 'retraining',
    };
    await recordHdrRound(source, 'hdr-c', report);
    await finishHdrRun(source, 'hdr-c', 'aborted', false, { poolStart: 6, poolEnd: 4, added: 2 });
    const input = await snapshotFromDb(source, 'hdr-c', { spec });
    expect(input.run.hdrRounds.at(-1)).toMatchObject({ round: 1, cancelledIn: 'retraining', trainingSteps: 2 });
    expect(input.run.hdrTotals).toEqual({ poolStart: 6, poolEnd: 4, added: 2 });
    const snap = await importSnapshot(exportSnapshot(input), { spec });
    expect(snap.run.hdrRounds.at(-1)).toMatchObject({ cancelledIn: 'retraining', trainingSteps: 2 });
    expect(snap.run.hdrTotals).toEqual({ poolStart: 6, poolEnd: 4, added: 2 });
    const link = decodeShareLink(encodeShareLink(shareSummaryFromRun(snap.run)));
    expect(link.hdrRounds.at(-1)).toMatchObject({ cancelledIn: 'retraining', trainingSteps: 2 });
    expect(link.hdrTotals).toEqual({ poolStart: 6, poolEnd: 4, added: 2 });
    // Opened, and shared again from the studio that opened it: the totals stay with the rounds.
    const target = freshDb();
    const row = await saveImportedSnapshot(target, snap, 'read-only');
    expect((await snapshotFromDb(target, row.id, { spec })).run.hdrTotals).toEqual({ poolStart: 6, poolEnd: 4, added: 2 });
    // HDR again on it: the new run's totals (none kept yet), never the earlier run's as its own.
    await createHdrRun(target, { id: 'hdr-d', datasetId: row.datasetId, name: 'HDR again', settings: DEFAULT_HDR_SETTINGS, config, fromRunId: row.id, modelRef: 'embedded:tiny-qwen3' });
    expect((await snapshotFromDb(target, 'hdr-d', { spec })).run.hdrTotals).toBeUndefined();
    source.close();
    target.close();
  });

  // The row an opened snapshot keeps carried the HDR run's rounds and totals but not its own count
  // (hdrRun): shared again, its link went back to the steps of the training run HDR continued.
  it('keeps an opened HDR snapshot\'s own rounds (hdrRun) when it is shared again', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const datasetId = (await source.datasets.toArray())[0].id;
    await createHdrRun(source, { id: 'hdr-r', datasetId, modelRef: 'embedded:tiny-qwen3', name: 'HDR shared twice', settings: DEFAULT_HDR_SETTINGS, config, fromRunId: runId });
    await finishHdrRun(source, 'hdr-r', 'no_hard_cases', false, { poolStart: 6, poolEnd: 6, added: 0 });
    const snap = await importSnapshot(exportSnapshot(await snapshotFromDb(source, 'hdr-r', { spec })), { spec });
    const own = { rounds: 0, maxRounds: DEFAULT_HDR_SETTINGS.maxRounds, stopReason: 'no_hard_cases' };
    expect(snap.run.hdrRun).toEqual(own);
    const target = freshDb();
    const row = await saveImportedSnapshot(target, snap, 'read-only');
    const again = await snapshotFromDb(target, row.id, { spec });
    expect(again.run.hdrRun).toEqual(own);
    const reopened = await importSnapshot(exportSnapshot(again), { spec });
    expect(decodeShareLink(encodeShareLink(shareSummaryFromRun(reopened.run))).hdrRun).toEqual(own);
    source.close();
    target.close();
  });

  it('links a resumed run to a dataset already in the browser by fingerprint', async () => {
    const source = freshDb();
    const zip = await exportRunSnapshot(source, await storedRun(source), { spec });
    const target = freshDb();
    const local = await saveDataset(target, { name: 'my copy', examples: examples(8) });
    const row = await saveImportedSnapshot(target, await importSnapshot(zip), 'resume');
    expect(row.datasetId).toBe(local.id);
    expect(await target.datasets.count()).toBe(1);
    source.close();
    target.close();
  });

  it('refuses to resume without the dataset or without a checkpoint, writing nothing', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const target = freshDb();
    const noDataset = await importSnapshot(await exportRunSnapshot(source, runId, { spec }));
    expect(await refusal(saveImportedSnapshot(target, noDataset, 'resume'))).toMatch(/^resuming needs the run's dataset: .*fingerprint sha256:/);
    const noCheckpoint = await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeCheckpoint: false, includeDataset: true }));
    expect(await refusal(saveImportedSnapshot(target, noCheckpoint, 'resume'))).toBe('resuming needs checkpoint.safetensors; this snapshot can only be opened read-only');
    expect(await target.runs.count()).toBe(0);
    expect(await target.datasets.count()).toBe(0);
    source.close();
    target.close();
  });

  it('takes back the dataset it stored when the run cannot be stored (a full disk), so a failed import adds nothing', async () => {
    const source = freshDb();
    const zip = await exportRunSnapshot(source, await storedRun(source), { spec, includeDataset: true });
    const target = freshDb();
    const put = target.checkpoints.put.bind(target.checkpoints);
    target.checkpoints.put = (() => Promise.reject(new DOMException('the disk is full', 'QuotaExceededError'))) as unknown as typeof put;
    await expect(saveImportedSnapshot(target, await importSnapshot(zip, { spec }), 'resume')).rejects.toThrow('the disk is full');
    expect([await target.runs.count(), await target.datasets.count(), await target.examples.count()]).toEqual([0, 0, 0]);
    target.checkpoints.put = put;
    await saveImportedSnapshot(target, await importSnapshot(zip, { spec }), 'resume');
    expect([await target.runs.count(), await target.datasets.count()]).toEqual([1, 1]);
    source.close();
    target.close();
  });

  it('resumes only on the run’s split: a local copy split otherwise is not used', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const target = freshDb();
    const local = await saveDataset(target, { name: 'my copy', examples: examples(8), split: { seed: 1, evalFraction: 0.5 } });
    // Without the dataset in the snapshot: refused, naming both splits.
    const bare = await importSnapshot(await exportRunSnapshot(source, runId, { spec }));
    expect(await refusal(saveImportedSnapshot(target, bare, 'resume'))).toMatch(/^resuming needs the run's split: "my copy" in this browser holds its examples split 50% held out example by example \(seed 1\), the run's 10% held out \(seed 1234\);/);
    // With it: the run gets the snapshot's dataset, split as the run split it; the local copy stays.
    const whole = await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeDataset: true }), { spec });
    const row = await saveImportedSnapshot(target, whole, 'resume');
    expect(row.datasetId).not.toBe(local.id);
    expect(await target.datasets.get(row.datasetId)).toMatchObject({ name: 'adds (split as the run split it)', split: { seed: 1234, evalFraction: 0.1 } });
    expect(await target.datasets.get(local.id)).toMatchObject({ name: 'my copy', split: { seed: 1, evalFraction: 0.5 } });
    // Read-only links a dataset with its examples, the run's split first; nothing is stored again.
    expect((await saveImportedSnapshot(target, bare, 'read-only')).datasetId).toBe(row.datasetId);
    expect(await target.datasets.count()).toBe(2);
    const other = freshDb();
    const onlyLocal = await saveDataset(other, { name: 'my copy', examples: examples(8), split: { seed: 1, evalFraction: 0.5 } });
    expect((await saveImportedSnapshot(other, bare, 'read-only')).datasetId).toBe(onlyLocal.id);
    other.close();
    source.close();
    target.close();
  });

  it('matches a snapshot that does not say its fingerprint by its examples, instead of storing them again', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const snap = await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeDataset: true }), { spec });
    snap.run.dataset.fingerprint = '';
    const target = freshDb();
    for (let i = 0; i < 3; i++) await saveImportedSnapshot(target, snap, 'read-only');
    expect(await target.datasets.count()).toBe(1);
    source.close();
    target.close();
  });

  it('gives an imported run a new id when the browser already has that run', async () => {
    const db = freshDb();
    const runId = await storedRun(db);
    const row = await saveImportedSnapshot(db, await importSnapshot(await exportRunSnapshot(db, runId, { spec })), 'read-only');
    expect(row.id).not.toBe('run-a');
    // Named apart from the run it copies: the runs table listed two “first run” rows alike, with
    // every action (Export, Delete…) named the same on both.
    expect(row.name).toBe('first run (copy from a snapshot)');
    expect((await db.runs.get('run-a'))!.name).toBe('first run');
    expect(row.importedFrom).toMatchObject({ runId: 'run-a', mode: 'read-only' });
    expect((await db.runs.get('run-a'))!.readOnly).toBeUndefined();
    expect(await db.metrics.where('runId').equals(row.id).count()).toBe(30);
    expect(await db.metrics.where('runId').equals('run-a').count()).toBe(30);
    db.close();
  });

  it('opens the same snapshot once: a second drop of the file shows the run it opened, adding no copy', async () => {
    // Each drop of the same zip added another run of the same name, with its metrics and adapter again.
    const source = freshDb();
    const zip = await exportRunSnapshot(source, await storedRun(source), { spec, includeDataset: true });
    const db = freshDb();
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
    const open = (mode: 'read-only' | 'resume') => handlers.importSnapshot({ bytes: zip, label: 'first.zip', mode }, () => undefined);
    const first = await open('read-only');
    expect(first).toMatchObject({ runId: 'run-a', alreadyOpen: false });
    expect(await open('read-only')).toEqual({ ...first, alreadyOpen: true });
    expect(await db.runs.count()).toBe(1);
    expect(await db.metrics.count()).toBe(30);
    expect(await db.checkpoints.count()).toBe(1);
    // Resumable is another way of opening it: one copy of that too, while it is as the import left it.
    const resumable = await open('resume');
    expect(resumable.alreadyOpen).toBe(false);
    expect(await open('resume')).toEqual({ ...resumable, alreadyOpen: true });
    expect(await db.runs.count()).toBe(2);
    expect(await db.datasets.count()).toBe(1);
    // Once that copy trained on here it is another run: the snapshot opens a fresh copy.
    const bytes = checkpointFor(trainedAdapter(), 40);
    await db.checkpoints.put({ runId: resumable.runId, step: 40, createdAt: 2, blobs: { checkpoint: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer } });
    await db.runs.update(resumable.runId, { lastStep: 40 });
    const fresh = await open('resume');
    expect(fresh.alreadyOpen).toBe(false);
    expect(fresh.runId).not.toBe(resumable.runId);
    expect(await db.runs.count()).toBe(3);
    source.close();
    db.close();
  });

  it('opens a resumable copy again once the first one\'s dataset trains on other examples (HDR added samples to it)', async () => {
    // HDR on the copy's dataset adds training examples, and its checkpoint is refused from then on
    // ("the training set now has …"): the snapshot said it was "already open here (resumable)" and
    // showed that copy, which no longer resumes, where opening it afresh restores its dataset.
    const { source, db, open } = await openerOfOneSnapshot('resume');
    const first = await open();
    const firstRow = (await db.runs.get(first.runId)) as SnapshotRunRow;
    const trainBefore = (await loadExampleRows(db, firstRow.datasetId, 'train')).length;
    await addHdrExamples(db, firstRow.datasetId, examples(4).map((e, i) => ({ ...e, id: `hdr-r1-${i}`, source: 'hdr' as const, hdrRound: 1 })));
    const again = await open();
    expect(again.alreadyOpen).toBe(false);
    expect(again.runId).not.toBe(first.runId);
    const againRow = (await db.runs.get(again.runId)) as SnapshotRunRow;
    expect((await loadExampleRows(db, againRow.datasetId, 'train')).length).toBe(trainBefore);
    source.close();
    db.close();
  });

  it('shows the resumable copy again when HDR only added samples after its examples (it resumes over its own)', async () => {
    // Since a resume goes on over the run's own examples where its checkpoint's digest proves them
    // the start of today's set (trainer.ts resumedTrainingSet), the first copy still resumes: opening
    // the file again added a second copy of the run, and of its dataset, beside it.
    const { source, db, open } = await openerOfOneSnapshot('resume', { trainExamples: 7, trainDigest: 'crc32:0123abcd' });
    const first = await open();
    const firstRow = (await db.runs.get(first.runId)) as SnapshotRunRow;
    await addHdrExamples(db, firstRow.datasetId, examples(4).map((e, i) => ({ ...e, id: `hdr-r1-${i}`, source: 'hdr' as const, hdrRound: 1 })));
    const again = await open();
    expect(again.alreadyOpen).toBe(true);
    expect(again.runId).toBe(first.runId);
    expect(await db.runs.count()).toBe(1);
    expect(await db.datasets.count()).toBe(1);
    // One of the run's own examples left out: its checkpoint is refused there, so a fresh copy it is.
    await setExampleIncluded(db, firstRow.datasetId, (await trainingExamples(db, firstRow.datasetId))[0].id, false);
    const third = await open();
    expect(third.alreadyOpen).toBe(false);
    expect(third.runId).not.toBe(first.runId);
    source.close();
    db.close();
  });

  it('opens a read-only copy again once the first was resumed here (an ordinary run by then, trained on)', async () => {
    // Resuming a read-only run on purpose makes it an ordinary run that trains on: opening the
    // snapshot read-only again said it was "already open here (read-only)" and showed that run,
    // whose curves and adapter are no longer the snapshot's.
    const { source, db, open } = await openerOfOneSnapshot('read-only');
    const first = await open();
    // What the worker's startRun does to a read-only run resumed on purpose, and a step trained on.
    await db.runs.update(first.runId, { readOnly: false, status: 'paused', lastStep: 40 });
    const bytes = checkpointFor(trainedAdapter(), 40);
    await db.checkpoints.put({ runId: first.runId, step: 40, createdAt: 2, blobs: { checkpoint: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer } });
    const again = await open();
    expect(again.alreadyOpen).toBe(false);
    expect(again.runId).not.toBe(first.runId);
    expect((await db.runs.get(again.runId))!.readOnly).toBe(true);
    source.close();
    db.close();
  });

  it('leaves the adapter and checkpoint out when asked (share links), without needing the model', async () => {
    const db = freshDb();
    const runId = await storedRun(db);
    // As on an imported run: the spec summary is stored, so no loaded model is needed.
    const row: SnapshotRunRow = { ...((await db.runs.get(runId)) as SnapshotRunRow), modelSpec: specSummary(spec) };
    await db.runs.put(row);
    const input = await snapshotFromDb(db, runId, { includeAdapter: false, includeCheckpoint: false });
    expect(input.adapter).toBeUndefined();
    expect(input.checkpoint).toBeUndefined();
    expect(input.run.metrics).toHaveLength(30);
    db.close();
  });

  it('carries what the Runs panel adds (tags, notes, the adapter’s latest evaluation) and outlives its dataset', async () => {
    const db = freshDb();
    const runId = await storedRun(db);
    const datasetId = (await db.runs.get(runId))!.datasetId;
    await db.runs.update(runId, { tags: ['baseline', 'lr sweep'], notes: 'why this run' });
    const evaluation = (id: string, createdAt: number, accuracy: number) => ({
      id, datasetId, kind: 'eval' as const, status: 'done' as const, createdAt, updatedAt: createdAt, config: { adapterRunId: runId, limit: 8, maxNewTokens: 96, lora: null },
      summary: { total: 8, correct: accuracy * 8, accuracy, byCategory: { simple: { total: 8, correct: accuracy * 8, accuracy } }, failureRules: {}, finishReasons: {} }, predictions: [],
    });
    // The one from before the newest checkpoint (createdAt 1) scored an older adapter.
    // The newest answered later steps of conversations too: they are counted apart.
    const newest = evaluation('eval-new', 2, 0.75);
    const byStep = { first: { total: 5, correct: 4, accuracy: 0.8 }, afterCalls: { total: 3, correct: 2, accuracy: 2 / 3 } };
    // Some of its held-out questions are asked word for word in training too: counted apart as well.
    const asked = { inTraining: { total: 2, correct: 2, accuracy: 1 }, notInTraining: { total: 6, correct: 4, accuracy: 4 / 6 } };
    await db.runs.bulkPut([evaluation('eval-old', 0, 0.25), { ...newest, summary: { ...newest.summary, byStep, asked } } as never]);
    // One the user stopped part-way is `done` too, but scored only the examples it reached: no evaluation of the adapter.
    const stopped = { ...evaluation('eval-stopped', 3, 1), stopped: true as const, message: 'stopped before every example was evaluated' };
    await db.runs.put(stopped);
    // A name from before names had a limit (a long file name), then the dataset is deleted.
    await db.datasets.update(datasetId, { name: 'x'.repeat(250) });
    const fingerprint = (await db.datasets.get(datasetId))!.fingerprint;
    await deleteDataset(db, datasetId, (await describeDatasetDeletion(db, datasetId)).confirmToken);

    const snap = await importSnapshot(await exportRunSnapshot(db, runId, { spec }));
    expect(snap.run.run).toMatchObject({ tags: ['baseline', 'lr sweep'], notes: 'why this run' });
    expect(snap.run.evaluation).toEqual({ step: 30, split: 'eval', examples: 8, astAccuracy: 0.75, byCategory: { simple: 0.75 }, byStep: { first: { total: 5, correct: 4 }, afterCalls: { total: 3, correct: 2 } }, asked: { inTraining: { total: 2, correct: 2 }, notInTraining: { total: 6, correct: 4 } } });
    expect(snap.run.dataset).toMatchObject({ fingerprint, examples: 8 });
    expect(snap.run.dataset.name).toBe(`${'x'.repeat(199)}…`);
    const target = freshDb();
    expect(await saveImportedSnapshot(target, snap, 'read-only')).toMatchObject({ tags: ['baseline', 'lr sweep'], notes: 'why this run' });

    // The share link says how α was learned and how well the adapter did.
    const shared = decodeShareLink(encodeShareLink(shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...snap.run, schema: 'balancesft-run/1' }))))));
    expect(shared.config).toMatchObject({ loss: 'ssb', balanceRule: 'grad', alpha0: config.alpha0, alphaMin: config.alphaMin, alphaMax: config.alphaMax });
    expect(shared.evaluation).toMatchObject({ astAccuracy: 0.75, examples: 8, byStep: { afterCalls: { total: 3, correct: 2 } }, asked: { notInTraining: { total: 6, correct: 4 } } });
    db.close();
    target.close();
  });

  it('carries the base model’s accuracy on the same held-out examples beside the adapter’s, to the zip and the link', async () => {
    // The share page said "97.0% … on 33 held-out examples" of a run evaluated beside the base model (88%).
    const db = freshDb();
    const runId = await storedRun(db);
    const datasetId = (await db.runs.get(runId))!.datasetId;
    const evaluation = (id: string, adapterRunId: string | null, createdAt: number, correct: number, judgedAgainst = 'key-1', more: Record<string, unknown> = {}) => ({
      id, datasetId, kind: 'eval' as const, status: 'done' as const, createdAt, updatedAt: createdAt, modelRef: 'embedded:tiny-qwen3', judgedAgainst, config: { adapterRunId, limit: 33, maxNewTokens: 96, lora: null, ...more },
      summary: { total: 33, correct, accuracy: correct / 33, byCategory: {}, failureRules: {}, finishReasons: {} },
    });
    await db.runs.bulkPut([evaluation('eval-base', null, 2, 29), evaluation('eval-run', runId, 3, 32)] as never);
    const snap = await importSnapshot(await exportRunSnapshot(db, runId, { spec }));
    expect(snap.run.evaluation).toMatchObject({ examples: 33, astAccuracy: 32 / 33, base: { astAccuracy: 29 / 33 } });
    expect(decodeShareLink(encodeShareLink(shareSummaryFromRun(snap.run))).evaluation).toMatchObject({ astAccuracy: 32 / 33, base: { astAccuracy: 29 / 33 } });
    // Judged against other expected answers (an answer edited since), or with longer answers: not the same test.
    await db.runs.bulkPut([evaluation('eval-base', null, 2, 29, 'key-2'), evaluation('eval-base-long', null, 2, 30, 'key-1', { maxNewTokens: 200 })] as never);
    expect((await snapshotFromDb(db, runId, { spec, includeAdapter: false, includeCheckpoint: false })).run.evaluation).not.toHaveProperty('base');
    db.close();
  });

  it('leaves out an evaluation the user stopped part-way (stored done + stopped), which covers only the answered examples', async () => {
    const db = freshDb();
    const runId = await storedRun(db);
    const datasetId = (await db.runs.get(runId))!.datasetId;
    const evaluation = (id: string, createdAt: number, total: number, accuracy: number, stopped: boolean) => ({
      id, datasetId, kind: 'eval' as const, status: 'done' as const, createdAt, updatedAt: createdAt, config: { adapterRunId: runId, limit: 60, maxNewTokens: 96, lora: null },
      summary: { total, correct: accuracy * total, accuracy, byCategory: {}, failureRules: {}, finishReasons: {} }, ...(stopped ? { stopped: true as const } : {}),
    });
    await db.runs.bulkPut([evaluation('eval-whole', 2, 60, 0.5, false), evaluation('eval-stopped', 3, 3, 1, true)]);
    expect((await snapshotFromDb(db, runId, { spec })).run.evaluation).toMatchObject({ examples: 60, astAccuracy: 0.5 });
    db.close();
  });

  it('drops the evaluation a snapshot brought once the run trains further here, and prefers a newer one made here', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const sourceDatasetId = (await source.runs.get(runId))!.datasetId;
    const evaluation = (id: string, datasetId: string, adapterRunId: string, createdAt: number, accuracy: number) => ({
      id, datasetId, kind: 'eval' as const, status: 'done' as const, createdAt, updatedAt: createdAt, config: { adapterRunId, limit: 8, maxNewTokens: 96, lora: null },
      summary: { total: 8, correct: accuracy * 8, accuracy, byCategory: {}, failureRules: {}, finishReasons: {} }, predictions: [],
    });
    await source.runs.put(evaluation('eval-src', sourceDatasetId, runId, 2, 0.75) as never);
    const snap = await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeDataset: true }), { spec });
    expect(snap.run.evaluation).toMatchObject({ step: 30, astAccuracy: 0.75 });

    const target = freshDb();
    const row = await saveImportedSnapshot(target, snap, 'resume');
    // Still the imported adapter: its evaluation still describes it.
    expect((await snapshotFromDb(target, row.id)).run.evaluation).toMatchObject({ step: 30, astAccuracy: 0.75 });
    // Resumed and trained to step 40 here (as the trainer's store writes it): another adapter.
    const store = new DexieRunStore(target, row.id);
    const { state } = await decodeCheckpoint(checkpointFor(trainedAdapter(), 30));
    await store.openHistory(true);
    await store.saveCheckpoint({ ...state, step: 40 });
    await target.runs.update(row.id, { lastStep: 40, status: 'done' });
    expect((await snapshotFromDb(target, row.id)).run.evaluation).toBeUndefined();
    // Evaluated here: that evaluation is the one the snapshot and share link carry.
    await target.runs.put(evaluation('eval-here', row.datasetId, row.id, Date.now() + 1000, 0.5) as never);
    expect((await snapshotFromDb(target, row.id)).run.evaluation).toMatchObject({ step: 40, astAccuracy: 0.5 });
    source.close();
    target.close();
  });

  it('cuts an over-long name between characters, never inside an emoji', async () => {
    const db = freshDb();
    const runId = await storedRun(db);
    const datasetId = (await db.runs.get(runId))!.datasetId;
    // Names from before names had a limit; the 199th and 200th UTF-16 units are one emoji.
    const long = `${'x'.repeat(198)}${'🙂'.repeat(20)}`;
    await db.datasets.update(datasetId, { name: long });
    await db.runs.update(runId, { name: `${'é'.repeat(198)}🚀🚀` });
    const { run } = await importSnapshot(await exportRunSnapshot(db, runId, { spec }));
    expect(run.dataset.name).toBe(`${'x'.repeat(198)}…`);
    expect(run.run.name).toBe(`${'é'.repeat(198)}…`);
    db.close();
  });

  it('exports a failed run whose error message is longer than run.json allows, cut to the limit', async () => {
    // The job keeps a GPU error's whole text (a shader log can run to pages): export refused the
    // run with 'run.message is 12000 characters long; the limit is 10000', and the user cannot edit it.
    const db = freshDb();
    const runId = await storedRun(db);
    await db.runs.update(runId, { status: 'failed', message: `GPUValidationError: ${'x'.repeat(12_000)}` });
    const snap = await importSnapshot(await exportRunSnapshot(db, runId, { spec }));
    expect(snap.run.run.status).toBe('failed');
    expect(snap.run.run.message).toHaveLength(10_000);
    expect(snap.run.run.message).toMatch(/^GPUValidationError: x+…$/);
    db.close();
  });

  it('says what the exported zip holds: a run that never reached a checkpoint has no adapter to claim', async () => {
    const db = freshDb();
    const runId = await storedRun(db);
    await db.runs.update(runId, { modelSpec: specSummary(spec) } as never);
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
    const whole = await handlers.exportSnapshot({ runId, includeDataset: true }, () => undefined);
    expect(whole.holds).toEqual({ adapter: true, checkpoint: true, dataset: true });
    await db.checkpoints.where('runId').equals(runId).delete();
    const bare = await handlers.exportSnapshot({ runId, includeDataset: false }, () => undefined);
    expect(bare.holds).toEqual({ adapter: false, checkpoint: false, dataset: false });
    const snap = await importSnapshot(bare.zip);
    expect([snap.adapter, snap.checkpoint, snap.dataset]).toEqual([undefined, undefined, undefined]);
    db.close();
  });

  it('says what the run trained on, not the dataset as HDR left it, in run.json and the share link; a resume keeps its first start’s dataset', async () => {
    // HDR added 4 examples after the run: run.json said "examples": 324, "train": 291 and the share
    // page "demo-dataset (324 examples, …)" of a run that trained on 287 of 320.
    const db = freshDb();
    const runId = await storedRun(db, { trainExamples: 7, trainDigest: 'crc32:0123abcd' });
    const datasetId = (await db.runs.get(runId))!.datasetId;
    const then = (await db.datasets.get(datasetId))!;
    const gpuAdapter = { vendor: 'v', architecture: 'a', device: 'd', description: 'x', isSoftware: true, subgroupMinSize: 0, subgroupMaxSize: 0, subgroupMatrixConfigs: [] };
    const setup = { config, examples: { train: 6, eval: 1, tooLong: 1 }, memory: { weights: 1, lora: 2, activations: 3 }, gpuAdapter };
    // Its first start (fresh: no checkpoint yet), as the trainer's store records it.
    const [checkpoint] = await db.checkpoints.where('runId').equals(runId).toArray();
    const first = new DexieRunStore(db, runId);
    await first.openHistory(false);
    await first.recordSetup(setup);
    await db.checkpoints.put(checkpoint);
    await addHdrExamples(db, datasetId, examples(4).map((e, i) => ({ ...e, id: `hdr-r1-${i}`, source: 'hdr' as const, hdrRound: 1 })));
    // Resumed after HDR's samples: it goes on over its own examples, so the dataset it trained on stays.
    const resumed = new DexieRunStore(db, runId);
    expect(await resumed.openHistory(true)).not.toBeNull();
    await resumed.recordSetup(setup);

    const snap = await importSnapshot(await exportRunSnapshot(db, runId, { spec }));
    expect(snap.run.dataset).toMatchObject({ examples: 12, train: 11, trained: { train: 6, examples: 8, eval: 1, fingerprint: then.fingerprint } });
    expect(snap.run.dataset.fingerprint).not.toBe(then.fingerprint);
    const shared = decodeShareLink(encodeShareLink(shareSummaryFromRun(snap.run)));
    expect(shared.dataset).toMatchObject({ examples: 12, fingerprint: snap.run.dataset.fingerprint, trained: { train: 6, examples: 8, eval: 1, fingerprint: then.fingerprint } });
    // Opened read-only elsewhere and exported again, it still says what it trained on.
    const target = freshDb();
    const opened = await saveImportedSnapshot(target, snap, 'read-only');
    expect((await snapshotFromDb(target, opened.id, { includeAdapter: false, includeCheckpoint: false })).run.dataset.trained).toEqual(snap.run.dataset.trained);
    // Opened as resumable and trained on here (a resume records no dataset of its own): the sharer's
    // first start is still what it trained on.
    await target.runs.update(opened.id, { setup: { ...setup, examples: { ...setup.examples, train: 6 } }, lastStep: 35 } as never);
    expect((await snapshotFromDb(target, opened.id, { includeAdapter: false, includeCheckpoint: false })).run.dataset.trained).toEqual({ train: 6, examples: 8, eval: 1, fingerprint: then.fingerprint });

    // A run started before the dataset was kept says only how many it trained on; one that never
    // trained says nothing of it.
    await db.runs.update(runId, { setup: { ...setup, dataset: undefined } } as never);
    expect((await snapshotFromDb(db, runId, { spec, includeAdapter: false, includeCheckpoint: false })).run.dataset.trained).toEqual({ train: 6 });
    await db.runs.update(runId, { lastStep: 0 });
    expect((await snapshotFromDb(db, runId, { spec, includeAdapter: false, includeCheckpoint: false })).run.dataset).not.toHaveProperty('trained');
    db.close();
    target.close();
  });

  it('makes a share link without reading the adapter or checkpoint (a link carries neither)', async () => {
    const db = freshDb();
    const runId = await storedRun(db);
    await db.runs.update(runId, { modelSpec: specSummary(spec) } as never);
    // A checkpoint the link has no use for, cut short: reading it would fail the link.
    const [row] = await db.checkpoints.where('runId').equals(runId).toArray();
    await db.checkpoints.put({ ...row, blobs: { checkpoint: (row.blobs.checkpoint as ArrayBuffer).slice(0, 100) } });
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
    const { fragment } = await handlers.shareLink({ runId }, () => undefined);
    expect(decodeShareLink(fragment)).toMatchObject({ name: 'first run', lastStep: 30 });
    db.close();
  });

  it('names what is missing when a run cannot be exported', async () => {
    const db = freshDb();
    await storedRun(db);
    expect(await refusal(snapshotFromDb(db, 'nope'))).toBe('run nope does not exist');
    // By the name the Runs panel shows and the model to load, not by its id.
    expect(await refusal(snapshotFromDb(db, 'run-a'))).toBe("run “first run”: the model's spec is needed to describe the adapter; load the model it was trained on (embedded:tiny-qwen3) first");
    // The worker's words follow the page's “Could not export “first run”: …”, so they say "it", not the run's id.
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
    await expect(handlers.exportSnapshot({ runId: 'run-a', includeDataset: false }, () => undefined)).rejects.toThrow(/^it was trained on embedded:tiny-qwen3, but the loaded model is none; load that model first$/);
    // A checkpoint that does not fit the settings run.json would describe it with.
    await db.runs.update('run-a', { config: { ...config, lora: { ...config.lora, rank: 8 } } });
    expect(await refusal(snapshotFromDb(db, 'run-a', { spec }))).toMatch(/^run “first run”: its checkpoint has \d+ LoRA values, the model embedded:tiny-qwen3 needs \d+$/);
    await db.runs.update('run-a', { modelRef: undefined });
    expect(await refusal(snapshotFromDb(db, 'run-a', { spec }))).toBe('run “first run” does not say which model it was trained on; load that model first');
    // The worker says so in the same words (it said "it has no model reference").
    await expect(handlers.exportSnapshot({ runId: 'run-a', includeDataset: false }, () => undefined)).rejects.toThrow(/^it does not say which model it was trained on; load that model first$/);
    db.close();
  });

  // An answer the user edited travels with the example it was imported as: the copy opened
  // elsewhere (a snapshot, or the Dataset panel's download imported again) can restore it.
  it('carries an edited answer with the example it was imported as, through a snapshot and a download', async () => {
    const source = freshDb();
    const runId = await storedRun(source);
    const datasetId = (await source.runs.get(runId))!.datasetId;
    const [first] = examples(1);
    await saveExampleAnswer(source, datasetId, 'ex-0', (now) => ({ ...now, target: { ...now.target, calls: [{ name: 'add', arguments: { a: 0, b: 2 } }] } }));
    const snap = await importSnapshot(await exportRunSnapshot(source, runId, { spec, includeDataset: true }), { spec });
    expect(snap.datasetImported).toEqual(new Map([['ex-0', first]]));
    // Its run.json and share link say that an expected answer is the user's, not the dataset's.
    expect(snap.run.dataset.edited).toBe(1);
    expect(decodeShareLink(encodeShareLink(shareSummaryFromRun(snap.run))).dataset.edited).toBe(1);
    const target = freshDb();
    const row = await saveImportedSnapshot(target, snap, 'read-only');
    const opened = (await target.examples.get([row.datasetId, 'ex-0']))!;
    expect([opened.example.target.calls, opened.original]).toEqual([[{ name: 'add', arguments: { a: 0, b: 2 } }], first]);
    // Restorable there, to the dataset that was imported.
    await saveExampleAnswer(target, row.datasetId, 'ex-0', 'imported');
    expect((await target.examples.get([row.datasetId, 'ex-0']))!.example).toEqual(first);

    const download = await exportDatasetJsonl(source, datasetId);
    const again = freshDb();
    const { row: imported } = await importDatasetIntoDb(again, [{ name: download.name, blob: download.file }], { name: 'again' });
    const back = (await again.examples.get([imported!.id, 'ex-0']))!;
    expect([back.example.target.calls, back.original]).toEqual([[{ name: 'add', arguments: { a: 0, b: 2 } }], first]);
    expect(imported!.fingerprint).toBe((await source.datasets.get(datasetId))!.fingerprint);
    // "imported" names the example it stands beside.
    const line = JSON.parse(new TextDecoder().decode(await download.file.arrayBuffer()).split('\n')[0]);
    expect(() => parseDatasetJsonl(new TextEncoder().encode(JSON.stringify({ ...line, imported: { ...line.imported, id: 'ex-9' } })))).toThrow('dataset.jsonl line 1: imported.id must be the example\'s own id ("ex-0"), got "ex-9"');
    expect(() => parseDatasetJsonl(new TextEncoder().encode(JSON.stringify({ ...line, imported: { ...line.imported, target: 3 } })))).toThrow(/dataset\.jsonl line 1: imported\.target must be an object/);
    for (const db of [source, target, again]) db.close();
  });
});
