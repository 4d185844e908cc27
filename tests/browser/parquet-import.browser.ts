// A Hugging Face dataset as the Hub serves it, through the studio's own drop path in Chromium: the
// dataset store's importDataset (what PageDrop calls) → the GPU worker, which loads the Parquet
// reader only now and unzips with the browser's DecompressionStream → real IndexedDB; a Hub dataset
// downloaded into OPFS, kept there until its examples are stored.
// tests/data/parquet-gzip-import.test.ts holds the reading itself to the JSON it was written from.
import { StudioDb } from '../../src/data/db.ts';
import { loadExampleRows } from '../../src/data/dataset-store.ts';
import { useDatasets } from '../../src/state/datasetStore.ts';
import { useStorage } from '../../src/state/storageStore.ts';

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

async function fixtureFile(name: string): Promise<File> {
  const response = await fetch(`/tests/fixtures/data/parquet/${name}`);
  assert(response.ok, `${name}: HTTP ${response.status}`);
  return new File([await response.blob()], name);
}

/** The stored dataset's name and its examples' ids. */
async function imported(file: File): Promise<{ name: string | undefined; ids: string[] }> {
  const id = await useDatasets.getState().importDataset([file]);
  assert(id, `${file.name}: the import saved nothing: ${useDatasets.getState().error}`);
  const last = useDatasets.getState().lastImport!;
  assert(last.issueCount === 0, `${file.name}: ${last.issues.join('; ')}`);
  const db = new StudioDb();
  const rows = await loadExampleRows(db, id);
  const name = (await db.datasets.get(id))?.name;
  db.close();
  return { name, ids: rows.map((r) => r.id) };
}

/** A Hub dataset's file as the worker downloaded it into OPFS (complete or not), or null. */
async function downloaded(repo: string, path: string): Promise<File | null> {
  let dir = await navigator.storage.getDirectory();
  const parts = ['datasets', ...repo.split('/'), 'main', ...path.split('/')];
  try {
    for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p);
    return await (await dir.getFileHandle(parts.at(-1)!)).getFile();
  } catch (err) {
    if ((err as DOMException).name === 'NotFoundError') return null;
    throw err;
  }
}

const demoIds = (n: number) => Array.from({ length: n }, (_, i) => `demo-${String(i).padStart(4, '0')}`);

export const tests: Record<string, () => Promise<void>> = {
  async 'a dropped Parquet file (snappy, as push_to_hub writes it) and a .jsonl.gz are stored whole'() {
    const parquet = await imported(await fixtureFile('demo.parquet'));
    assert(JSON.stringify(parquet.ids) === JSON.stringify(demoIds(320)), `demo.parquet stored ${parquet.ids.length} examples: ${parquet.ids.slice(0, 3).join(', ')}…`);
    assert(parquet.name === 'demo', `the dataset is named ${parquet.name}, not by its file's stem`);
    const gz = await imported(await fixtureFile('demo-50.jsonl.gz'));
    assert(JSON.stringify(gz.ids) === JSON.stringify(demoIds(50)), `demo-50.jsonl.gz stored ${gz.ids.length} examples`);
    assert(gz.name === 'demo-50', `the dataset is named ${gz.name}`);
  },

  async 'a Hugging Face dataset by its id: its train split downloaded in the worker and stored under the id'() {
    // Read as the wrong format, nothing is imported: the download stays in OPFS for the next try.
    const gets = async () => ((await (await fetch('/hub-stats')).json()) as { datasetGets: number }).datasetGets;
    const before = await gets();
    // Another dataset's download left behind (its import never finished) goes when this one starts.
    let left = await navigator.storage.getDirectory();
    for (const p of ['datasets', 'other', 'abandoned', 'main']) left = await left.getDirectoryHandle(p, { create: true });
    await (await left.getFileHandle('train.jsonl', { create: true })).createWritable().then(async (w) => (await w.write('{}'), await w.close()));
    assert(await downloaded('other/abandoned', 'train.jsonl'), 'the left-behind file was not written');
    // One another tab's import holds (its lock) stays.
    let held = await navigator.storage.getDirectory();
    for (const p of ['datasets', 'other', 'held', 'main']) held = await held.getDirectoryHandle(p, { create: true });
    await (await held.getFileHandle('train.jsonl', { create: true })).createWritable().then(async (w) => (await w.write('{}'), await w.close()));
    let release!: () => void;
    const holding = new Promise<void>((granted) => void navigator.locks.request('balancesft-hub-dataset:other/held', () => (granted(), new Promise<void>((r) => (release = r)))));
    await holding;
    useDatasets.getState().setFormatChoice('bfcl');
    const wrong = await useDatasets.getState().importHubDataset('local/fc-demo', `${location.origin}/hub`);
    useDatasets.getState().setFormatChoice('auto');
    assert(wrong === null && /^No example could be imported/.test(useDatasets.getState().error ?? ''), `read as BFCL: ${useDatasets.getState().error}`);
    assert((await downloaded('other/abandoned', 'train.jsonl')) === null, 'another dataset’s download left behind is still there');
    assert(await downloaded('other/held', 'train.jsonl'), 'the download another tab’s import holds was deleted');
    // The Model panel's Storage section lists what is kept, the held one as in use.
    await useStorage.getState().refresh();
    const listed = useStorage.getState().downloads;
    const fixtureBytes = (await fixtureFile('xlam-gzip.parquet')).size;
    assert(JSON.stringify(listed) === JSON.stringify([{ repo: 'local/fc-demo', bytes: fixtureBytes, files: 1, inUse: false }, { repo: 'other/held', bytes: 2, files: 1, inUse: true }]), `storage lists ${JSON.stringify(listed)}`);
    assert((useStorage.getState().estimate?.usage ?? 0) >= fixtureBytes, `the estimate says ${JSON.stringify(useStorage.getState().estimate)}`);
    release();
    const kept = await downloaded('local/fc-demo', 'data/train-00000-of-00001.parquet');
    assert(kept?.size === (await fixtureFile('xlam-gzip.parquet')).size, `the download kept in OPFS holds ${kept?.size} bytes`);
    const id = await useDatasets.getState().importHubDataset('local/fc-demo', `${location.origin}/hub`);
    assert((await gets()) === before + 1, `the train file was fetched ${(await gets()) - before} times for the two imports`);
    assert((await downloaded('local/fc-demo', 'data/train-00000-of-00001.parquet')) === null, 'the download outlived its import');
    const state = useDatasets.getState();
    assert(id, `the Hub import saved nothing: ${state.error}`);
    assert(JSON.stringify(state.lastImport?.hub) === JSON.stringify({ repo: 'local/fc-demo', revision: 'main', files: ['data/train-00000-of-00001.parquet'], leftOut: ['data/test-00000-of-00001.parquet'], reused: ['data/train-00000-of-00001.parquet'] }), `hub facts ${JSON.stringify(state.lastImport?.hub)}`);
    const db = new StudioDb();
    const rows = await loadExampleRows(db, id);
    const name = (await db.datasets.get(id))?.name;
    db.close();
    assert(name === 'local/fc-demo', `the dataset is named ${name}`);
    // xLAM's three examples (tests/fixtures/data/parquet/xlam-gzip.parquet), none stored by another test.
    assert(rows.length === 3 && state.lastImport?.files[0].format === 'xlam', `stored ${rows.length} examples, read as ${state.lastImport?.files[0].format}`);
    // Listed first, another split chosen: the worker downloads and stores that file only.
    await useDatasets.getState().listHubDataset('local/fc-demo', `${location.origin}/hub`);
    const choice = useDatasets.getState().hubChoice;
    assert(JSON.stringify(choice?.files.map((f) => f.path)) === JSON.stringify(['data/test-00000-of-00001.parquet', 'data/train-00000-of-00001.parquet']), `listed ${JSON.stringify(choice?.files)}`);
    assert(JSON.stringify(choice?.picked) === JSON.stringify(['data/train-00000-of-00001.parquet']), `ticked ${JSON.stringify(choice?.picked)}`);
    useDatasets.getState().pickHubFiles(['data/train-00000-of-00001.parquet'], false);
    useDatasets.getState().pickHubFiles(['data/test-00000-of-00001.parquet'], true);
    const testId = await useDatasets.getState().importHubChoice();
    const chosen = useDatasets.getState().lastImport;
    assert(testId && chosen?.files[0].format === 'sharegpt' && chosen.imported > 0, `the chosen file: ${useDatasets.getState().error ?? JSON.stringify(chosen?.files)}`);
    assert(JSON.stringify(chosen.hub) === JSON.stringify({ repo: 'local/fc-demo', revision: 'main', files: ['data/test-00000-of-00001.parquet'], leftOut: ['data/train-00000-of-00001.parquet'], chosen: true }), `hub facts ${JSON.stringify(chosen.hub)}`);
    assert(useDatasets.getState().hubChoice === null, 'the listing stays after its import');
    const db2 = new StudioDb();
    const testName = (await db2.datasets.get(testId))?.name;
    db2.close();
    assert(testName === 'local/fc-demo · test-00000-of-00001', `the chosen file's dataset is named ${testName}`);
    // While another tab's import of the dataset holds it, this one waits; cancelled, it stops waiting.
    let letGo!: () => void;
    await new Promise<void>((granted) => void navigator.locks.request('balancesft-hub-dataset:local/fc-demo', () => (granted(), new Promise<void>((r) => (letGo = r)))));
    const waiting = useDatasets.getState().importHubDataset('local/fc-demo', `${location.origin}/hub`);
    // Cancelled once the worker's import waits for the lock (a pending request), not before.
    for (let tries = 0; !((await navigator.locks.query()).pending ?? []).some((l) => l.name === 'balancesft-hub-dataset:local/fc-demo'); tries++) {
      assert(tries < 500, 'the import never asked for the dataset’s lock');
      await new Promise((r) => setTimeout(r, 20));
    }
    await useDatasets.getState().cancelImport();
    const cancelled = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('still waiting'), 10_000))]);
    letGo();
    assert(cancelled === null && useDatasets.getState().notice === 'The download of local/fc-demo was cancelled; nothing was saved, and your existing datasets are unchanged.', `cancelled while waiting: ${String(cancelled)}, ${useDatasets.getState().notice}`);
    // Deleted from the Storage section: every download but one an import reads now.
    const keep = async (path: string[], text: string) => {
      let dir = await navigator.storage.getDirectory();
      for (const p of path.slice(0, -1)) dir = await dir.getDirectoryHandle(p, { create: true });
      await (await dir.getFileHandle(path.at(-1)!, { create: true })).createWritable().then(async (w) => (await w.write(text), await w.close()));
    };
    await keep(['datasets', 'other', 'nested', 'main', 'data', 'part.jsonl'], '{"a":1}');
    await keep(['datasets', 'other', 'held', 'main', 'train.jsonl'], '{}');
    let unlock!: () => void;
    await new Promise<void>((granted) => void navigator.locks.request('balancesft-hub-dataset:other/held', () => (granted(), new Promise<void>((r) => (unlock = r)))));
    await useStorage.getState().refresh();
    assert(JSON.stringify(useStorage.getState().downloads) === JSON.stringify([{ repo: 'other/held', bytes: 2, files: 1, inUse: true }, { repo: 'other/nested', bytes: 7, files: 1, inUse: false }]), `before the delete: ${JSON.stringify(useStorage.getState().downloads)}`);
    await useStorage.getState().clearDownloads();
    unlock();
    assert(JSON.stringify(useStorage.getState().downloads.map((d) => d.repo)) === JSON.stringify(['other/held']), `left ${JSON.stringify(useStorage.getState().downloads)}`);
    assert((await downloaded('other/nested', 'data/part.jsonl')) === null, 'the nested download is still there');
    await useStorage.getState().clearDownloads();
    assert(useStorage.getState().downloads.length === 0 && useStorage.getState().error === null, `after the lock went: ${JSON.stringify(useStorage.getState())}`);
    const missing = await useDatasets.getState().importHubDataset('local/no-such-set', `${location.origin}/hub`);
    assert(missing === null && /^Importing local\/no-such-set from the Hugging Face Hub failed: .*Nothing was saved/.test(useDatasets.getState().error ?? ''), `a missing repo: ${useDatasets.getState().error}`);
  },
};
