// The Dexie schema and dataset store on fake-indexeddb (the real-IndexedDB run is
// tests/browser/dexie-persist.browser.ts). Protects: data survives closing and reopening, the
// v1 → v2 upgrade keeps every row and fills the new fields, the split is seeded and stored,
// flagged examples stay out of training until included, and deletion needs its confirmation token
// and removes examples and hard cases in one transaction.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { declareSchema, LATEST_DB_VERSION, StudioDb, type ExampleRow } from '../../src/data/db.ts';
import {
  deleteDataset,
  describeDatasetDeletion,
  evalExamples,
  listDatasets,
  loadExampleRows,
  resplitDataset,
  saveDataset,
  setExampleIncluded,
  trainingExamples,
} from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { datasetFingerprint } from '../../src/data/fingerprint.ts';
import { DEFAULT_SPLIT, EXAMPLE_SPLIT, splitOf } from '../../src/data/split.ts';

const idb = { indexedDB, IDBKeyRange };
let dbCounter = 0;
const freshName = () => `studio-test-${++dbCounter}-${Date.now()}`;

function example(i: number, ok = true): Example {
  return {
    id: `ex-${i}`,
    tools: [{ name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } }],
    messages: [{ role: 'user', content: `add ${i} and 1` }],
    // A failing example calls a tool that does not exist.
    target: { reasoning: 'Add them.', calls: [{ name: ok ? 'add' : 'sum', arguments: { a: i, b: 1 } }] },
    source: 'openai',
  };
}

describe('dataset store on IndexedDB', () => {
  it('keeps datasets and examples after the database is closed and reopened', async () => {
    const name = freshName();
    const db = new StudioDb(name, idb);
    const saved = await saveDataset(db, { name: 'adds', examples: [example(1), example(2), example(3, false)] });
    db.close();
    const reopened = new StudioDb(name, idb);
    const [d] = await listDatasets(reopened);
    expect(d).toMatchObject({ id: saved.id, name: 'adds', exampleCount: 3 });
    expect(d.fingerprint).toBe(await datasetFingerprint([example(3, false), example(1), example(2)]));
    const rows = await loadExampleRows(reopened, saved.id);
    expect(rows.map((r) => r.id)).toEqual(['ex-1', 'ex-2', 'ex-3']);
    expect(rows[2].quality.failures.map((f) => f.rule)).toEqual(['call_names_known_tool']);
    reopened.close();
  });

  it('stores a seeded split that depends only on the seed and the id, and re-splits on request', async () => {
    const db = new StudioDb(freshName(), idb);
    const examples = Array.from({ length: 400 }, (_, i) => example(i));
    const d = await saveDataset(db, { name: 's', examples, split: { seed: 7, evalFraction: 0.25 } });
    const rows = await loadExampleRows(db, d.id);
    for (const r of rows) expect(r.split).toBe(splitOf(r.id, { seed: 7, evalFraction: 0.25 }));
    const evalCount = rows.filter((r) => r.split === 'eval').length;
    expect(evalCount).toBeGreaterThan(70); // 100 expected; binomial sd ≈ 8.7, so ±3.5 sd
    expect(evalCount).toBeLessThan(130);
    // Same ids in reverse order, another dataset: identical sides.
    const d2 = await saveDataset(db, { name: 's2', examples: [...examples].reverse(), split: { seed: 7, evalFraction: 0.25 } });
    const sides2 = new Map((await loadExampleRows(db, d2.id)).map((r) => [r.id, r.split]));
    for (const r of rows) expect(sides2.get(r.id)).toBe(r.split);
    expect((await evalExamples(db, d.id)).length).toBe(evalCount);
    await resplitDataset(db, d.id, { seed: 8, evalFraction: 0.25 });
    const resplit = await loadExampleRows(db, d.id);
    expect(resplit.some((r, i) => r.split !== rows[i].split)).toBe(true);
    for (const r of resplit) expect(r.split).toBe(splitOf(r.id, { seed: 8, evalFraction: 0.25 }));
    db.close();
  });

  it('splits a new dataset by question, and a dataset split one by one by question once split again', async () => {
    const db = new StudioDb(freshName(), idb);
    // 100 questions, each asked by three examples with other answers.
    const examples = Array.from({ length: 300 }, (_, i) => ({ ...example(i % 100), id: `ex-${i}`, target: { calls: [{ name: 'add', arguments: { a: i, b: 1 } }] } }));
    const sidesByQuestion = (rows: Array<{ split: string; example: Example }>) => {
      const sides = new Map<string, Set<string>>();
      for (const r of rows) sides.set(r.example.messages[0].content, new Set([...(sides.get(r.example.messages[0].content) ?? []), r.split]));
      return [...sides.values()];
    };
    const d = await saveDataset(db, { name: 'q', examples });
    expect(d.split).toEqual(DEFAULT_SPLIT);
    expect(sidesByQuestion(await loadExampleRows(db, d.id)).every((s) => s.size === 1)).toBe(true);
    const old = await saveDataset(db, { name: 'one by one', examples, split: EXAMPLE_SPLIT });
    expect(sidesByQuestion(await loadExampleRows(db, old.id)).some((s) => s.size === 2)).toBe(true);
    // Split again with the same share and seed, by question: the questions' sides are the new dataset's.
    const done = await resplitDataset(db, old.id, DEFAULT_SPLIT);
    expect(done.moved).toBeGreaterThan(0);
    expect((await db.datasets.get(old.id))!.split).toEqual(DEFAULT_SPLIT);
    const again = await loadExampleRows(db, old.id);
    expect(again.map((r) => `${r.id}:${r.split}`)).toEqual((await loadExampleRows(db, d.id)).map((r) => `${r.id}:${r.split}`));
    db.close();
  });

  it('excludes flagged examples from training until the user includes them', async () => {
    const db = new StudioDb(freshName(), idb);
    const d = await saveDataset(db, { name: 'f', examples: [example(1), example(2, false)], split: { seed: 1, evalFraction: 0 } });
    expect((await trainingExamples(db, d.id)).map((e) => e.id)).toEqual(['ex-1']);
    await setExampleIncluded(db, d.id, 'ex-2', true);
    expect((await trainingExamples(db, d.id)).map((e) => e.id)).toEqual(['ex-1', 'ex-2']);
    // The dataset row counts the change (the views keyed by it count again); a refused one is not counted.
    expect((await db.datasets.get(d.id))!.inclusionEdits).toBe(1);
    // Named as the user knows the dataset, not by its id.
    await expect(setExampleIncluded(db, d.id, 'nope', true)).rejects.toThrow('dataset "f" has no example "nope"');
    expect((await db.datasets.get(d.id))!.inclusionEdits).toBe(1);
    db.close();
  });

  it('deletes a dataset only with the confirmation token, removing its examples and hard cases together', async () => {
    const db = new StudioDb(freshName(), idb);
    const keep = await saveDataset(db, { name: 'keep', examples: [example(1)] });
    const d = await saveDataset(db, { name: 'gone', examples: [example(1), example(2)] });
    await db.hardCases.add({ id: 'h1', datasetId: d.id, exampleId: 'ex-1', round: 1, failedOutputs: ['[add(a=1)]'], status: 'open', createdAt: 0 });
    const plan = await describeDatasetDeletion(db, d.id);
    expect(plan).toMatchObject({ name: 'gone', exampleCount: 2, hardCaseCount: 1, runCount: 0 });
    await expect(deleteDataset(db, d.id, 'yes')).rejects.toThrow('deleting dataset "gone" was not confirmed');
    expect(await db.examples.where('datasetId').equals(d.id).count()).toBe(2);
    // A token from before the dataset changed no longer confirms.
    await db.hardCases.add({ id: 'h2', datasetId: d.id, exampleId: 'ex-2', round: 1, failedOutputs: [], status: 'open', createdAt: 0 });
    await expect(deleteDataset(db, d.id, plan.confirmToken)).rejects.toThrow('not confirmed');
    const fresh = await describeDatasetDeletion(db, d.id);
    await deleteDataset(db, d.id, fresh.confirmToken);
    expect(await db.datasets.get(d.id)).toBeUndefined();
    expect(await db.examples.where('datasetId').equals(d.id).count()).toBe(0);
    expect(await db.hardCases.where('datasetId').equals(d.id).count()).toBe(0);
    expect(await db.examples.where('datasetId').equals(keep.id).count()).toBe(1);
    db.close();
  });

  it('writes nothing when a save fails inside its transaction', async () => {
    const db = new StudioDb(freshName(), idb);
    await saveDataset(db, { id: 'fixed', name: 'a', examples: [example(1)] });
    await expect(saveDataset(db, { id: 'fixed', name: 'b', examples: [example(5), example(6)] })).rejects.toThrow('a dataset with id "fixed" already exists');
    expect(await db.examples.count()).toBe(1);
    await expect(saveDataset(db, { name: 'dup', examples: [example(1), example(1)] })).rejects.toThrow('has two examples with id "ex-1"');
    db.close();
  });

  it('declares all nine tables with the indexes later issues need', async () => {
    const db = new StudioDb(freshName(), idb);
    await db.open();
    expect(db.tables.map((t) => t.name).sort()).toEqual(['checkpoints', 'datasetDigests', 'datasets', 'examples', 'hardCases', 'metrics', 'predictions', 'runs', 'tokenizerCounts']);
    await db.runs.add({ id: 'r1', datasetId: 'd', kind: 'train', status: 'running', createdAt: 1, updatedAt: 1, config: { lr: 1e-4 } });
    await db.metrics.bulkAdd([
      { runId: 'r1', step: 2, values: { loss: 1.5 } },
      { runId: 'r1', step: 1, values: { loss: 2 } },
    ]);
    await db.checkpoints.add({ runId: 'r1', step: 2, createdAt: 1, blobs: { adapter: new Uint8Array([1, 2, 3]).buffer } });
    const metrics = await db.metrics.where('[runId+step]').between(['r1', 0], ['r1', Infinity]).toArray();
    expect(metrics.map((m) => m.step)).toEqual([1, 2]);
    expect(new Uint8Array((await db.checkpoints.get(['r1', 2]))!.blobs.adapter as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
    db.close();
  });
});

describe('schema upgrade', () => {
  it('upgrades a version-3 database to version 4: a table for token counts, every row kept', async () => {
    const name = freshName();
    const v3 = new Dexie(name, idb);
    declareSchema(v3, 3);
    await v3.table('datasets').add({ id: 'd3', name: 'from v3', createdAt: 1, exampleCount: 1, fingerprint: 'f', split: { seed: 1, evalFraction: 0.1 }, issues: [], issueCount: 0, files: [] });
    v3.close();
    const db = new StudioDb(name, idb);
    await db.open();
    expect(db.verno).toBe(LATEST_DB_VERSION);
    expect((await db.datasets.get('d3'))?.name).toBe('from v3');
    await db.tokenizerCounts.put({ datasetId: 'd3', tokenizer: 't', ids: ['a'], counts: new Int32Array([5, 4, 3, 1, 1]), countedAt: 1 });
    expect(Array.from((await db.tokenizerCounts.get(['d3', 't']))!.counts)).toEqual([5, 4, 3, 1, 1]);
    db.close();
  });

  it('upgrades a version-4 database to version 5: an evaluation’s predictions move beside its row, other rows untouched', async () => {
    const name = freshName();
    const v4 = new Dexie(name, idb);
    declareSchema(v4, 4);
    const answers = [{ exampleId: 'a', category: 'simple', output: '<tool_call>…', valid: false, errors: [{ rule: 'ast_decoder:decoder_failed', where: 'output', message: 'm' }], finishReason: 'length', generatedTokens: 96 }];
    const evaluation = { id: 'eval-4', datasetId: 'd', kind: 'eval', status: 'done', createdAt: 1, updatedAt: 1, config: { adapterRunId: null, limit: 1, maxNewTokens: 96, lora: null }, summary: { total: 1 }, predictions: answers };
    const train = { id: 'run-4', datasetId: 'd', kind: 'train', status: 'done', createdAt: 2, updatedAt: 2, config: { steps: 3 }, name: 'r', predictions: 'not an evaluation: left alone' };
    await v4.table('runs').bulkAdd([evaluation, train]);
    v4.close();
    const db = new StudioDb(name, idb);
    await db.open();
    expect(db.verno).toBe(LATEST_DB_VERSION);
    const { predictions: _moved, ...row } = evaluation;
    expect(await db.runs.get('eval-4')).toEqual(row);
    expect(await db.predictions.get('eval-4')).toEqual({ runId: 'eval-4', predictions: answers });
    expect(await db.runs.get('run-4')).toEqual(train);
    expect(await db.predictions.count()).toBe(1);
    db.close();
  });

  it('upgrades a version-5 database to version 6: token counts per dataset and tokenizer, every other row kept', async () => {
    // The counts kept by the model's name are counted again (no count is asked by that name now).
    const name = freshName();
    const v5 = new Dexie(name, idb);
    declareSchema(v5, 5);
    await v5.table('datasets').add({ id: 'd5', name: 'from v5', createdAt: 1, exampleCount: 1, fingerprint: 'f', split: { seed: 1, evalFraction: 0.1 }, issues: [], issueCount: 0, files: [] });
    await v5.table('tokenCounts').put({ datasetId: 'd5', tokenizer: 'Qwen/Qwen3-0.6B tokenizer', ids: ['a'], counts: new Int32Array(6) });
    v5.close();
    const db = new StudioDb(name, idb);
    await db.open();
    expect(db.verno).toBe(LATEST_DB_VERSION);
    expect((await db.datasets.get('d5'))?.name).toBe('from v5');
    await db.tokenizerCounts.bulkPut(['t1', 't2'].map((tokenizer) => ({ datasetId: 'd5', tokenizer, ids: ['a'], counts: new Int32Array(6), countedAt: 1 })));
    expect(await db.tokenizerCounts.where('datasetId').equals('d5').count()).toBe(2);
    db.close();
  });

  it('upgrades a version-1 database to version 2 keeping every row and filling split, inclusion and order', async () => {
    const name = freshName();
    const v1 = new Dexie(name, idb);
    declareSchema(v1, 1);
    await v1.table('datasets').add({ id: 'old', name: 'from v1', createdAt: 5, exampleCount: 2 });
    await v1.table('examples').bulkAdd([
      { datasetId: 'old', id: 'ex-1', example: example(1), quality: { passed: true, failures: [] } },
      { datasetId: 'old', id: 'ex-2', example: example(2, false), quality: { passed: false, failures: [{ rule: 'call_names_known_tool', detail: 'x' }] } },
    ]);
    expect(v1.verno).toBe(1);
    v1.close();

    const db = new StudioDb(name, idb);
    await db.open();
    expect(db.verno).toBe(LATEST_DB_VERSION);
    const d = (await db.datasets.get('old'))!;
    expect(d).toMatchObject({ name: 'from v1', exampleCount: 2, fingerprint: '', issues: [], issueCount: 0 });
    expect(d.split).toEqual({ seed: 1234, evalFraction: 0.1 });
    const rows: ExampleRow[] = await loadExampleRows(db, 'old');
    expect(rows.map((r) => [r.id, r.included, r.split])).toEqual([
      ['ex-1', 1, splitOf('ex-1', d.split)],
      ['ex-2', 0, splitOf('ex-2', d.split)],
    ]);
    expect(rows[0].example).toEqual(example(1));
    db.close();
  });

  it('upgrades a version-2 database to version 3 (and on): every run row names its kind, nothing else changes', async () => {
    const name = freshName();
    const v2 = new Dexie(name, idb);
    declareSchema(v2, 2);
    // As the studio wrote them before v3: a training run without `kind`, an evaluation with one,
    // their metric rows and checkpoint.
    const train = { id: 'run-a', datasetId: 'd', status: 'paused', createdAt: 1, updatedAt: 2, config: { steps: 24, lr: 1e-3 }, name: 'ssb r4', lastStep: 20, tokenLoss: { step: 20, exampleId: 'x', tokens: ['a'], segments: [2], nll: [1.5] } };
    const evaluation = { id: 'eval-a', datasetId: 'd', status: 'done', createdAt: 3, updatedAt: 3, config: { adapterRunId: 'run-a', limit: 2, maxNewTokens: 8, lora: null }, kind: 'eval', summary: { total: 2 }, predictions: [] };
    await v2.table('runs').bulkAdd([train, evaluation]);
    await v2.table('metrics').add({ runId: 'run-a', step: 20, values: { loss: 1.25 } });
    await v2.table('checkpoints').add({ runId: 'run-a', step: 20, createdAt: 2, blobs: { checkpoint: new Uint8Array([7]).buffer } });
    v2.close();

    const db = new StudioDb(name, idb);
    await db.open();
    expect(db.verno).toBe(LATEST_DB_VERSION);
    expect(await db.runs.get('run-a')).toEqual({ ...train, kind: 'train' });
    // v5 keeps an evaluation's predictions beside its row.
    const { predictions, ...evaluationRow } = evaluation;
    expect(await db.runs.get('eval-a')).toEqual(evaluationRow);
    expect(await db.predictions.get('eval-a')).toEqual({ runId: 'eval-a', predictions });
    expect((await db.runs.where('kind').equals('train').toArray()).map((r) => r.id)).toEqual(['run-a']);
    expect(await db.metrics.get(['run-a', 20])).toEqual({ runId: 'run-a', step: 20, values: { loss: 1.25 } });
    expect(new Uint8Array((await db.checkpoints.get(['run-a', 20]))!.blobs.checkpoint as ArrayBuffer)).toEqual(new Uint8Array([7]));
    db.close();
  });
});
