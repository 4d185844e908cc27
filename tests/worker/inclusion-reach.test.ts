// Which paused runs a change to the dataset's examples would stop resuming: the worker answers by
// the resume's own rule (train/ownExamples.ts), with the last example each run trained on as its
// training job recorded it. The page warned of every resumable run of the dataset for any change,
// though one after a run's own examples, or to a held-out one, leaves its resume going on. Checked
// here against real resumes of a run trained on the tiny model.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { evalExamples, saveDataset, setExamplesIncluded, trainingExamples } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { createTrainRun, DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

/** A run of the tiny model at sequence length 320 on the dataset's training side; `trainNow(n)`
 * trains it (resumed past its first step) up to step n. */
async function pausedRun(db: StudioDb, datasetId: string) {
  const engine = await tinyEngine();
  const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 2, seqLen: 320, evalEvery: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
  const run = await createTrainRun(db, { datasetId, modelRef: 'tiny', name: 'paused', config });
  const trainNow = async (steps: number) => engine.train({ store: new DexieRunStore(db, run.id), config: { ...config, steps }, examples: { train: await trainingExamples(db, datasetId), eval: [] }, resume: steps > 1 });
  return { engine, run, trainNow };
}

describe('the runs a change to the examples would stop resuming', () => {
  it('are those whose own examples it includes or leaves out one of, as their resume then finds', { timeout: 600_000 }, async () => {
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const db = new StudioDb(`inclusion-reach-${Date.now()}`, { indexedDB, IDBKeyRange });
    const dataset = await saveDataset(db, { name: 'demo.jsonl', examples: imported.examples.slice(0, 10), files: [], split: { seed: 1, evalFraction: 0.3 } });
    const train = await trainingExamples(db, dataset.id);
    const heldOut = (await evalExamples(db, dataset.id))[0];
    expect(train.length).toBeGreaterThan(3);
    expect(heldOut).toBeDefined();
    // The last training example is left out when the run trains: included later, it comes after
    // the run's own.
    const later = train.at(-1)!;
    await setExamplesIncluded(db, dataset.id, [later.id], false);
    const { run, trainNow } = await pausedRun(db, dataset.id);
    expect(await trainNow(1)).toMatchObject({ status: 'done', trainExamples: train.length - 1 });

    const worker = new StudioEngine(undefined, () => undefined, db);
    const reached = async (change: { exampleId: string } | { selection: { shown: { search: string; rule: null; use: 'all' } } }, included: boolean) => (await worker.handlers.runsReached({ datasetId: dataset.id, change, included }, () => undefined)).runIds;
    // After its own, held out, or a change that changes nothing: its resume goes on.
    expect(await reached({ exampleId: later.id }, true)).toEqual([]);
    expect(await reached({ exampleId: heldOut.id }, false)).toEqual([]);
    expect(await reached({ exampleId: train[0].id }, true)).toEqual([]);
    // Every example at once: only the one left out is included, after the run's own.
    expect(await reached({ selection: { shown: { search: '', rule: null, use: 'all' } } }, true)).toEqual([]);
    // One of its own left out: that stops it.
    expect(await reached({ exampleId: train[1].id }, false)).toEqual([run.id]);
    expect(await reached({ selection: { shown: { search: '', rule: null, use: 'all' } } }, false)).toEqual([run.id]);

    // The resume agrees: with the later example and the held-out one changed, it goes on.
    await setExamplesIncluded(db, dataset.id, [later.id], true);
    await setExamplesIncluded(db, dataset.id, [heldOut.id], false);
    expect(await trainNow(2)).toMatchObject({ status: 'done', step: 2 });
    // With one of its own left out, it is refused.
    await setExamplesIncluded(db, dataset.id, [train[1].id], false);
    await expect(trainNow(3)).rejects.toThrow(/^the checkpoint's data order runs over/);
    db.close();
  });

  it('leave out the examples a run skipped as too long for its sequence length: it never trained on them, and its resume goes on', { timeout: 600_000 }, async () => {
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const db = new StudioDb(`inclusion-reach-skipped-${Date.now()}`, { indexedDB, IDBKeyRange });
    const dataset = await saveDataset(db, { name: 'demo.jsonl', examples: imported.examples.slice(0, 10), files: [], split: { seed: 1, evalFraction: 0.3 } });
    const train = await trainingExamples(db, dataset.id);
    expect(train.length).toBeGreaterThan(3);
    // The first training example, given reasoning far past the run's 320 tokens: the run skips it.
    const long = train[0];
    await db.examples.update([dataset.id, long.id], { example: { ...long, target: { ...long.target, reasoning: 'weigh the tools once more. '.repeat(200) } } });
    const { engine, run, trainNow } = await pausedRun(db, dataset.id);
    expect(await trainNow(1)).toMatchObject({ status: 'done', trainExamples: train.length - 1 });

    // The worker with the run's model loaded: it renders as the run did.
    const worker = new StudioEngine(undefined, () => undefined, db);
    worker.jobs.useModel(engine.requireModel());
    const reached = async (exampleId: string, included: boolean) => (await worker.handlers.runsReached({ datasetId: dataset.id, change: { exampleId }, included }, () => undefined)).runIds;
    expect(await reached(long.id, false)).toEqual([]);
    expect(await reached(train[1].id, false)).toEqual([run.id]);

    // The resume agrees: with the skipped example left out, it goes on.
    await setExamplesIncluded(db, dataset.id, [long.id], false);
    expect(await trainNow(2)).toMatchObject({ status: 'done', step: 2 });
    db.close();
  });
});
