// Snapshots on real IndexedDB in Chromium (not fake-indexeddb): a run stored the way the worker
// stores it is exported to a zip, "dropped" as a File, imported read-only into a second database,
// and after a page reload the imported run, its metric rows and its adapter/checkpoint blobs are
// still there and export again to an equivalent snapshot. Also: a share link survives the browser's
// own URL parsing (location-style `hash`) and decodes to the same summary.
// The harness runs the plain tests, reloads, then the "[after reload]" ones.
import Dexie from 'dexie';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { decodeShareLink, encodeShareLink, exportRunSnapshot, importSnapshot, saveImportedSnapshot, shareSummaryFromRun } from '../../src/snapshot/index.ts';
import { checkpointFor, config, examples, metricHistory, spec, trainedAdapter } from '../snapshot/fixtures.ts';

const SOURCE_DB = 'studio-browser-snapshot-source';
const TARGET_DB = 'studio-browser-snapshot-target';
const EXPECTED_KEY = 'studio-browser-snapshot-expected';

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export const tests: Record<string, () => Promise<void>> = {
  async 'exports a stored run and opens the dropped zip read-only in another database'() {
    await Promise.all([Dexie.delete(SOURCE_DB), Dexie.delete(TARGET_DB)]);
    const source = new StudioDb(SOURCE_DB);
    const dataset = await saveDataset(source, { name: 'adds', examples: examples(6) });
    await source.runs.add({ id: 'browser-run', datasetId: dataset.id, kind: 'train', status: 'done', createdAt: Date.UTC(2026, 0, 2), updatedAt: Date.now(), config, name: 'browser run', modelRef: 'embedded:tiny-qwen3', lastStep: 20 });
    await source.metrics.bulkPut(metricHistory(20).map((m) => ({ runId: 'browser-run', step: m.step, values: { ...m } as Record<string, number> })));
    const bytes = checkpointFor(trainedAdapter(), 20);
    await source.checkpoints.put({ runId: 'browser-run', step: 20, createdAt: Date.now(), blobs: { checkpoint: new Blob([bytes as Uint8Array<ArrayBuffer>]) } });
    const zip = await exportRunSnapshot(source, 'browser-run', { spec, includeDataset: true });
    source.close();

    // What a drop handler gets: a File, read back through the Blob API.
    const dropped = new File([zip as Uint8Array<ArrayBuffer>], 'browser-run.zip', { type: 'application/zip' });
    const snap = await importSnapshot(new Uint8Array(await dropped.arrayBuffer()), { label: dropped.name });
    assert(snap.run.metrics.length === 20 && snap.dataset?.length === 6, 'the imported snapshot lost metrics or examples');
    const target = new StudioDb(TARGET_DB);
    const row = await saveImportedSnapshot(target, snap, 'read-only');
    assert(row.readOnly === true && row.id === 'browser-run', `unexpected imported row ${JSON.stringify({ id: row.id, readOnly: row.readOnly })}`);
    target.close();
    localStorage.setItem(EXPECTED_KEY, JSON.stringify({ adapter: await sha256(snap.adapter!.files.weights), loss: snap.run.metrics[7].loss }));
  },

  async 'a share link survives the browser URL parser'() {
    const target = new StudioDb(TARGET_DB);
    const zip = await exportRunSnapshot(target, 'browser-run');
    target.close();
    const summary = shareSummaryFromRun((await importSnapshot(zip)).run);
    const url = new URL(`http://127.0.0.1/${encodeShareLink({ ...summary, name: '<script>alert(1)</script>' })}`);
    const back = decodeShareLink(url.hash);
    assert(back.name === '<script>alert(1)</script>', 'the name did not come back as the same plain string');
    assert(back.curves.loss?.steps.length === 20, `expected 20 loss points, got ${back.curves.loss?.steps.length}`);
  },

  async 'the imported run is still there after a reload and exports again [after reload]'() {
    const expected = JSON.parse(localStorage.getItem(EXPECTED_KEY) ?? 'null') as { adapter: string; loss: number } | null;
    assert(expected, 'the import test did not record what it saved');
    const target = new StudioDb(TARGET_DB);
    const run = await target.runs.get('browser-run');
    assert(run?.readOnly === true && run.status === 'done', 'the imported run is missing or changed after reload');
    assert((await target.metrics.where('runId').equals('browser-run').count()) === 20, 'metric rows missing after reload');
    const again = await importSnapshot(await exportRunSnapshot(target, 'browser-run'));
    assert(again.checkpoint?.state.step === 20, 'the stored checkpoint blob did not survive the reload');
    assert((await sha256(again.adapter!.files.weights)) === expected.adapter, 'the stored adapter changed across the reload');
    assert(again.run.metrics[7].loss === expected.loss, 'metric values changed across the reload');
    target.close();
    await Promise.all([Dexie.delete(SOURCE_DB), Dexie.delete(TARGET_DB)]);
    localStorage.removeItem(EXPECTED_KEY);
  },
};
