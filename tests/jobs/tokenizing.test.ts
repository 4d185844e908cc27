// A training run tokenizes its whole dataset before its first step: minutes for 60k examples on a
// laptop. It used to do that in one blocking call that said "tokenizing 0/1" throughout and read no
// Pause or Stop until the end; it reports each slice now, and a pause lands within one.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { createTrainRun, DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { RunFolderStore } from '../../src/jobs/store/folder.ts';
import { dumpStep } from '../../src/jobs/train.ts';
import type { TrainRunRow } from '../../src/jobs/store/schema.ts';
import { trainingSets } from '../../src/train/prepareData.ts';
import { trainingSetDigest } from '../../src/train/batching.ts';
import type { ProgressInfo } from '../../src/worker/protocol.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

describe('tokenizing before the first step', () => {
  it('reports its progress in examples and stops at a pause, leaving the run paused at step 0', { timeout: 120_000 }, async () => {
    const engine = await tinyEngine();
    const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
    // 1,280 training examples (the demo four times over, each under its own id).
    const train = Array.from({ length: 4 }, (_, k) => demo.map((e) => ({ ...e, id: `${e.id}-${k}` }))).flat();
    const db = new StudioDb(`tokenizing-${Date.now()}`, { indexedDB, IDBKeyRange });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 2, batchSize: 1, seqLen: 320, evalExamples: 4 };
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'big', config });
    const seen: ProgressInfo[] = [];
    const store = new DexieRunStore(db, run.id);
    const outcome = await engine.train({ store, config, examples: { train, eval: demo.slice(0, 8) }, resume: false }, (p) => {
      seen.push(p);
      if (p.label === 'tokenizing' && p.done >= 256) engine.interrupt(store.label, 'pause');
    });
    const tokenizing = seen.filter((p) => p.label === 'tokenizing');
    // Of them, the 4 held out for the held-out loss, so a view says them apart from the 1,280.
    expect(tokenizing[0]).toEqual({ label: 'tokenizing', done: 0, total: 1284, unit: 'examples', heldOut: 4 });
    expect(tokenizing.map((p) => p.done)).toEqual([0, 64, 128, 192, 256]); // the slice the pause came in is the last
    expect(seen.every((p) => p.label === 'tokenizing')).toBe(true); // it never got to load the model or train
    expect(outcome).toMatchObject({ status: 'paused', step: 0 });
    expect(await db.runs.get(run.id)).toMatchObject({ status: 'paused', lastStep: 0 });
  });

  it('skips an example the chat template cannot render, and the run says so, instead of failing', { timeout: 120_000 }, async () => {
    const engine = await tinyEngine();
    const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
    // Qwen3's template writes no <think> for an answer with no user message before it.
    const unrenderable = { ...demo[0], id: 'no-user', messages: [{ role: 'system' as const, content: 'You call functions.' }] };
    const db = new StudioDb(`unrendered-${Date.now()}`, { indexedDB, IDBKeyRange });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalExamples: 0, evalEvery: 0 };
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'odd one', config });
    const skipped: string[] = [];
    const statuses: Array<string | undefined> = [];
    const outcome = await engine.train({
      store: new DexieRunStore(db, run.id), config, examples: { train: [demo[0], unrenderable, demo[1]], eval: [] }, resume: false,
      events: { onSkipped: (m) => skipped.push(...m), onStatus: (_s, _step, message) => statuses.push(message) },
    });
    expect(outcome).toMatchObject({ status: 'done', step: 1, trainExamples: 2 });
    expect(skipped).toEqual([expect.stringMatching(/^example "no-user": the model's chat template/)]);
    expect(statuses[0]).toMatch(/^skipped 1 example the chat template cannot render \(example "no-user": /);
    // The run's record counts it beside the too-long ones (train + tooLong + unrendered = the training side).
    expect(await db.runs.get(run.id)).toMatchObject({ setup: { examples: { train: 2, eval: 0, tooLong: 0, unrendered: 1 } } });
    // With the digest of the examples it trained on (the two it could render, as tokenized): Compare
    // runs tells two sets of one count apart by it.
    const { train: trained } = await trainingSets(engine.requireModel().tokenizer, { train: [demo[0], demo[1]], eval: [] }, config);
    const setup = ((await db.runs.get(run.id)) as TrainRunRow).setup!;
    expect(setup.examples.digest).toBe(trainingSetDigest(trained));
    expect(trainingSetDigest(trained)).not.toBe(trainingSetDigest(trained.slice(1)));
  });

  it("run.json counts the training examples the chat template cannot render, beside the too-long ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unrendered-run-'));
    const store = new RunFolderStore(dir, { model: 'tiny', data: ['d.jsonl'] });
    const gpuAdapter = { vendor: 'v', architecture: 'a', device: 'd', description: 'x', isSoftware: true, subgroupMinSize: 0, subgroupMaxSize: 0, subgroupMatrixConfigs: [] };
    await store.recordSetup({ config: DEFAULT_RUN_CONFIG, examples: { train: 7, eval: 1, tooLong: 2, unrendered: 1, digest: 'crc32:0123abcd' }, memory: { weights: 1, lora: 2, activations: 3 }, gpuAdapter });
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).examples).toEqual({ train: 7, eval: 1, tooLong: 2, unrendered: 1, digest: 'crc32:0123abcd' });
  });

  it('says which held-out examples it passed over, and that the held-out loss is on fewer than asked', { timeout: 120_000 }, async () => {
    const engine = await tinyEngine();
    const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
    const unrenderable = { ...demo[0], id: 'no-user', messages: [{ role: 'system' as const, content: 'You call functions.' }] };
    const db = new StudioDb(`held-skipped-${Date.now()}`, { indexedDB, IDBKeyRange });
    // Eight held-out examples asked for, two on the eval side, one of them not renderable: the loss is
    // on 1 of the 2 there are (not "of 8"). No eval steps (the set is tokenized all the same).
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalExamples: 8, evalEvery: 0 };
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'held', config });
    const skipped: string[] = [];
    const statuses: Array<string | undefined> = [];
    const outcome = await engine.train({
      store: new DexieRunStore(db, run.id), config, examples: { train: [demo[0]], eval: [unrenderable, demo[1]] }, resume: false,
      events: { onSkipped: (m) => skipped.push(...m), onStatus: (_s, _step, message) => statuses.push(message) },
    });
    expect(outcome).toMatchObject({ status: 'done', step: 1 });
    expect(skipped).toEqual([expect.stringMatching(/^held-out example "no-user": the model's chat template/)]);
    expect(statuses[0]).toMatch(/^the held-out loss is on 1 of 2 examples: 1 held-out example passed over \(held-out example "no-user": /);
  });

  it('fails naming the template when no example can be rendered', { timeout: 120_000 }, async () => {
    const engine = await tinyEngine();
    const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
    const unrenderable = { ...demo[0], id: 'no-user', messages: [{ role: 'system' as const, content: 'You call functions.' }] };
    const db = new StudioDb(`unrendered-all-${Date.now()}`, { indexedDB, IDBKeyRange });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalExamples: 0 };
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'none usable', config });
    const outcome = await engine.train({ store: new DexieRunStore(db, run.id), config, examples: { train: [unrenderable], eval: [] }, resume: false });
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toMatch(/^no training example could be used: 1 example the chat template cannot render \(example "no-user": /);
    expect(outcome.nothingToTrain).toBe('unrenderable');
  });

  // The page told a run that failed for this to "start it again from step 0", which fails the same
  // way: its length is its own. The outcome says why in a code, so the page need not read the words.
  it('a run whose sequence length fits no training example says so, in words and in a code', { timeout: 120_000 }, async () => {
    const engine = await tinyEngine();
    const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
    const db = new StudioDb(`none-fit-${Date.now()}`, { indexedDB, IDBKeyRange });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 16, evalExamples: 0 };
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'too short', config });
    const outcome = await engine.train({ store: new DexieRunStore(db, run.id), config, examples: { train: demo.slice(0, 3), eval: [] }, resume: false });
    expect(outcome).toMatchObject({ status: 'failed', step: 0, message: 'no training examples fit the sequence length 16 (3 too long): train with a longer one, or check the dataset', nothingToTrain: 'too_long' });
  });

  it('a run with no training examples at all says so, not that none fit the sequence length', { timeout: 120_000 }, async () => {
    // Every training example left out (flagged by the quality check, or by the user in the studio):
    // the run said "no training examples fit the sequence length 320 (0 too long); raise it".
    const engine = await tinyEngine();
    const db = new StudioDb(`no-train-${Date.now()}`, { indexedDB, IDBKeyRange });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalExamples: 0 };
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'nothing', config });
    const outcome = await engine.train({ store: new DexieRunStore(db, run.id), config, examples: { train: [], eval: [] }, resume: false });
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toBe('there are no training examples to train on: the dataset’s training side is empty, or every example on it is left out (flagged by the quality check, or left out in the studio’s examples table)');
    expect(outcome.nothingToTrain).toBe('none_used');
  });

  it('a step dump with no usable example says why, not that none fit the sequence length', { timeout: 120_000 }, async () => {
    const engine = await tinyEngine();
    const demo = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
    const unrenderable = { ...demo[0], id: 'no-user', messages: [{ role: 'system' as const, content: 'You call functions.' }] };
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalExamples: 0 };
    await expect(engine.run('a step dump', dumpStep, { config, examples: { train: [unrenderable], eval: [] } })).rejects.toThrow(/^no training example could be used: 1 example the chat template cannot render \(example "no-user": /);
  });
});

