// What an HDR run keeps of its adapters in the browser (no GPU needed): each finished round keeps
// the retrained adapter with the run (so a failed later round still leaves one), and the round
// before's is then superseded: nothing reads it (evaluation, export, snapshots and HDR from the run
// take the newest), yet every round's multi-MB adapter stayed in IndexedDB, listed nowhere. The
// run keeps its last round's adapter only, as its run folder keeps one set of PEFT files; rows that
// older versions left are swept when the worker starts; deleting the run takes the adapter with it.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { createHdrRunStore, deleteRun, DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { tidyStorage } from '../../src/worker/tidyStorage.ts';

let dbCount = 0;
const freshDb = () => new StudioDb(`hdr-adapter-rows-${++dbCount}-${Date.now()}`, { indexedDB, IDBKeyRange });

const example: Example = {
  id: 'a', tools: [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }],
  messages: [{ role: 'user', content: 'find a' }], target: { reasoning: 'lookup it', calls: [{ name: 'lookup', arguments: { q: 'a' } }] }, source: 'openai',
};

/** A round's PEFT files: a few bytes stand in for the megabytes of a real adapter. */
const files = (round: number) => async () => ({ configJson: `{"round":${round}}`, weights: new Uint8Array([round, round, round]) });

async function hdrRun(db: StudioDb): Promise<DexieRunStore> {
  const dataset = await saveDataset(db, { name: 'd', examples: [example] });
  return createHdrRunStore(db, { datasetId: dataset.id, modelRef: 'tiny', name: 'hdr', settings: DEFAULT_HDR_SETTINGS, config: DEFAULT_RUN_CONFIG });
}

const steps = (db: StudioDb, runId: string) => db.checkpoints.where('runId').equals(runId).primaryKeys().then((keys) => (keys as Array<[string, number]>).map((k) => k[1]));

describe('an HDR run’s adapters in the browser', () => {
  it('keeps the last finished round’s adapter only, with its balance state', async () => {
    const db = freshDb();
    const store = await hdrRun(db);
    for (const round of [1, 2, 3]) await store.saveAdapter(round, files(round), { rule: 'grad', theta: { value: round, m: 0, v: 0, step: round } });
    expect(await steps(db, store.runId)).toEqual([3]);
    expect(await store.adapterStep()).toBe(3);
    expect(await store.readBalance()).toMatchObject({ rule: 'grad', theta: { value: 3 } });
    db.close();
  });

  it('leaves other runs’ adapters and a training run’s checkpoints alone', async () => {
    const db = freshDb();
    const a = await hdrRun(db);
    const b = new DexieRunStore(db, (await hdrRun(db)).runId);
    await a.saveAdapter(1, files(1));
    await b.saveAdapter(1, files(1));
    await a.saveAdapter(2, files(2));
    expect(await steps(db, a.runId)).toEqual([2]);
    expect(await steps(db, b.runId)).toEqual([1]);
    db.close();
  });

  it('sweeps the earlier rounds’ adapters older versions kept, when the worker starts', async () => {
    const db = freshDb();
    const store = await hdrRun(db);
    const blobs = { 'adapter_model.safetensors': new ArrayBuffer(3) };
    await db.checkpoints.bulkPut([1, 2, 3].map((step) => ({ runId: store.runId, step, createdAt: step, blobs, meta: { adapterOnly: true } })));
    // A training run's two trainer checkpoints are how it resumes: both stay.
    await db.checkpoints.bulkPut([4, 8].map((step) => ({ runId: 'run-train', step, createdAt: step, blobs: { checkpoint: new ArrayBuffer(3) } })));
    await db.runs.add({ id: 'run-train', datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG });
    expect(await tidyStorage(db)).toMatchObject({ hdrAdapters: 2 });
    expect(await steps(db, store.runId)).toEqual([3]);
    expect(await steps(db, 'run-train')).toEqual([4, 8]);
    db.close();
  });

  it('goes with the run when the run is deleted', async () => {
    const db = freshDb();
    const store = await hdrRun(db);
    await store.saveAdapter(1, files(1));
    await deleteRun(db, store.runId);
    expect(await db.checkpoints.count()).toBe(0);
    db.close();
  });
});
