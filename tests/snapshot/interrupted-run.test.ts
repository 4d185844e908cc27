// A run whose worker is gone (the browser ended it, or its tab closed) keeps the `running` its row
// was last written with; the studio shows it interrupted, by its free Web Lock. Its snapshot and
// share link said `running`: whoever opened the link read "running at step 12 of 30" for a run
// nothing trained. They now say `paused` (what opening the snapshot makes it anyway); a run a worker
// does train (its lock held) still goes out as running.
// Node has no Web Locks: a stand-in takes their place.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { specSummary } from '../../src/snapshot/run-json.ts';
import { decodeShareLink } from '../../src/snapshot/share-link.ts';
import { importSnapshot } from '../../src/snapshot/snapshot-file.ts';
import { dataRequests } from '../../src/worker/dataRequests.ts';
import { withRunLock } from '../../src/worker/runLock.ts';
import { stubLocks } from '../helpers/locks.ts';
import { config, examples, metricHistory, spec } from './fixtures.ts';

let n = 0;
afterEach(() => vi.unstubAllGlobals());

async function runLeftRunning() {
  vi.stubGlobal('navigator', { locks: stubLocks() });
  const db = new StudioDb(`interrupted-run-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
  const dataset = await saveDataset(db, { name: 'adds', examples: examples(8) });
  await db.runs.add({ id: 'run-a', datasetId: dataset.id, kind: 'train', status: 'running', createdAt: 1, updatedAt: 2, config, name: 'long run', modelRef: 'embedded:tiny-qwen3', lastStep: 12, modelSpec: specSummary(spec) } as never);
  await db.metrics.bulkPut(metricHistory(12).map((m) => ({ runId: 'run-a', step: m.step, values: { ...m } as Record<string, number> })));
  const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
  const status = async () => ({
    link: decodeShareLink((await handlers.shareLink({ runId: 'run-a' }, () => undefined)).fragment).status,
    snapshot: (await importSnapshot((await handlers.exportSnapshot({ runId: 'run-a', includeDataset: false }, () => undefined)).zip, { spec })).run.run.status,
  });
  return { db, status };
}

describe('a run left running by a worker that is gone', () => {
  it('goes out as paused in its share link and snapshot', async () => {
    const { db, status } = await runLeftRunning();
    expect(await status()).toEqual({ link: 'paused', snapshot: 'paused' });
    db.close();
  });

  it('goes out as running while a worker trains it', async () => {
    const { db, status } = await runLeftRunning();
    const out = await withRunLock('run-a', status);
    expect(out).toEqual({ refused: false, value: { link: 'running', snapshot: 'running' } });
    db.close();
  });
});
