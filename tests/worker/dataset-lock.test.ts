// A dataset a job in another tab works on cannot be deleted from this one. Each tab has its own
// worker: the check of this worker's own jobs let another tab delete a dataset under an HDR run,
// which then failed at its first accepted sample with `no dataset "…"` (and wrote hard cases for a
// dataset nothing listed). Node has no Web Locks: a stand-in with their shared and exclusive modes
// takes their place; this tab is an engine, the other tab's job the dataset lock its worker holds.
import { describe, expect, it, vi } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { holdingDataset } from '../../src/worker/runLock.ts';
import type { Example } from '../../src/data/example.ts';
import { stubLocks } from '../helpers/locks.ts';

const example = (id: string): Example => ({ id, tools: [], messages: [{ role: 'user', content: `question ${id}` }], target: { calls: [{ name: 'f', arguments: {} }] } });

describe('deleting a dataset a job in another tab works on', () => {
  it('is refused while that job runs, and goes through once it ended', async () => {
    vi.stubGlobal('navigator', { locks: stubLocks() });
    try {
      const db = new StudioDb(`dataset-lock-${Date.now()}`, { indexedDB, IDBKeyRange });
      const dataset = await saveDataset(db, { name: 'shared', examples: [example('a'), example('b')], files: [] });
      const here = new StudioEngine(undefined, () => undefined, db);
      // The other tab's evaluation holds the dataset's lock, as its worker's job does, until `end`.
      let end!: () => void;
      const ended = new Promise<void>((r) => (end = r));
      const evaluating = holdingDataset(dataset.id, () => ended);
      const remove = async () => here.handlers.deleteDataset({ datasetId: dataset.id, confirmToken: (await here.handlers.describeDatasetDeletion({ datasetId: dataset.id }, () => undefined)).confirmToken }, () => undefined);
      await expect(remove()).rejects.toThrow('a job in another tab of the studio is working on this dataset (training, evaluating or HDR); delete it once that ends there');
      expect(await db.datasets.get(dataset.id)).toBeDefined();
      end();
      await evaluating;
      await remove();
      expect(await db.datasets.get(dataset.id)).toBeUndefined();
      db.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
