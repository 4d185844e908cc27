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
import { createHdrRun } from '../../src/hdr/store.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
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

describe('an HDR run left running by a worker that is gone', () => {
  // An HDR run cannot be paused or resumed: its link said "paused at step 12 of 50" for HDR rounds
  // a closed tab had ended before the first, where the studio itself says it was interrupted.
  it('goes out as failed, saying it was interrupted, in its share link and snapshot', async () => {
    const { db } = await runLeftRunning();
    await db.runs.update('run-a', { status: 'done' });
    const datasetId = (await db.runs.get('run-a'))!.datasetId;
    await createHdrRun(db, { id: 'hdr-a', datasetId, name: 'HDR from “long run”', settings: DEFAULT_HDR_SETTINGS, config, fromRunId: 'run-a', modelRef: 'embedded:tiny-qwen3' });
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
    const link = decodeShareLink((await handlers.shareLink({ runId: 'hdr-a' }, () => undefined)).fragment);
    expect(link.status).toBe('failed');
    const snapshot = await importSnapshot((await handlers.exportSnapshot({ runId: 'hdr-a', includeDataset: false }, () => undefined)).zip, { spec });
    expect(snapshot.run.run).toMatchObject({ status: 'failed', message: 'interrupted: the page was closed, or its GPU worker was ended, while it ran' });
    // While a worker runs it, it goes out as running.
    expect(await withRunLock('hdr-a', async () => decodeShareLink((await handlers.shareLink({ runId: 'hdr-a' }, () => undefined)).fragment).status)).toEqual({ refused: false, value: 'running' });
    db.close();
  });
});
