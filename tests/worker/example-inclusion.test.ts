// Including a flagged example (or leaving a passing one out) from the page: the worker request sets
// it under the dataset's lock, counts the change on the dataset row (so the views keyed by it count
// again), and refuses, naming the job, while a job of this tab or another works on the dataset.
// Node has no Web Locks: a stand-in takes their place, and two engines on one database are two tabs.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset, setExamplesIncluded, trainingExamples } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { holdingDataset } from '../../src/worker/runLock.ts';
import { hardCaseId, saveHardCases } from '../../src/hdr/store.ts';
import { DexieWorkspace } from '../../src/jobs/store/dexie.ts';
import { stubLocks } from '../helpers/locks.ts';
import { NARROW } from '../helpers/tinyEngine.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { defaultAblationConfig } from '../../src/jobs/ablationConfig.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { inclusionExamples } from '../helpers/inclusionExamples.ts';

const f = { name: 'f', parameters: { type: 'object', properties: {} } };
const good = (id: string): Example => ({ id, tools: [f], messages: [{ role: 'user', content: `question ${id}` }], target: { reasoning: 'call f', calls: [{ name: 'f', arguments: {} }] } });
// Calls a tool it does not declare: flagged, left out.
const flagged: Example = { ...good('bad'), target: { reasoning: 'call g', calls: [{ name: 'g', arguments: {} }] } };

// A training run of this tab, instead of training (no GPU here): it trains until `training` settles.
let training: Promise<void> = Promise.resolve();
vi.mock('../../src/jobs/train.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/jobs/train.ts')>()),
  trainJob: async () => (await training, { status: 'done', step: 0, steps: 0, trainExamples: 0 }),
}));

/** Starts training a run on the dataset in `engine` (its job slot without a GPU) until `end()`,
 * once the run holds the dataset. */
async function trainingOn(db: StudioDb, engine: StudioEngine, datasetId: string): Promise<{ end(): void; run: Promise<unknown> }> {
  let end!: () => void;
  training = new Promise<void>((r) => (end = r));
  const store = await new DexieWorkspace(db, { datasetId, modelRef: 'tiny' }).createRun({ kind: 'train', config: DEFAULT_RUN_CONFIG, name: 'my run' });
  const run = async (_label: string, job: (ctx: unknown, input: unknown) => Promise<unknown>, input: unknown) => job({}, input);
  Object.assign(engine, { jobs: { requireModel: () => ({ ref: 'tiny' }), writing: () => null, runningLabel: 'the training run “my run”', run } });
  const started = engine.handlers.startRun({ runId: store.runId, resume: false }, () => undefined);
  await vi.waitFor(async () => expect((await navigator.locks.query()).held).toContainEqual({ name: `balancesft-dataset:${datasetId}`, mode: 'shared' }));
  return { end, run: started };
}

/** Another tab's evaluation: it holds the dataset's lock, as its worker's job does, until `end()`. */
function evaluatingElsewhere(datasetId: string): { end(): void; run: Promise<unknown> } {
  let end!: () => void;
  const ended = new Promise<void>((r) => (end = r));
  return { end, run: holdingDataset(datasetId, () => ended) };
}

let n = 0;
const opened: StudioDb[] = [];
async function setup() {
  const db = new StudioDb(`example-inclusion-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
  opened.push(db);
  // Every example on the training side, so the flagged one trains once included.
  const dataset = await saveDataset(db, { name: 'tools.jsonl', examples: [good('a'), good('b'), flagged, good('c')], files: [], split: { seed: 1, evalFraction: 0 } });
  return { db, dataset, engine: new StudioEngine(undefined, () => undefined, db) };
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  vi.unstubAllGlobals();
});

describe('including or leaving out one example', () => {
  it('trains on a flagged example once included, and the views count it at once', async () => {
    const { db, dataset, engine } = await setup();
    const h = engine.handlers;
    const before = await h.datasetSummary({ datasetId: dataset.id }, () => undefined);
    expect(before).toMatchObject({ included: 3, trainIncluded: 3 });
    expect((await h.examplePage({ datasetId: dataset.id, search: '', rule: null, use: 'left-out', offset: 0, limit: 25 }, () => undefined)).rows.map((r) => r.id)).toEqual(['bad']);

    await h.setExampleIncluded({ datasetId: dataset.id, exampleId: 'bad', included: true }, () => undefined);
    expect((await db.examples.get([dataset.id, 'bad']))!.included).toBe(1);
    expect((await db.datasets.get(dataset.id))!.inclusionEdits).toBe(1);
    expect((await trainingExamples(db, dataset.id)).map((e) => e.id)).toContain('bad');
    // The summary and the pages count again (the worker's cache follows the row).
    expect(await h.datasetSummary({ datasetId: dataset.id }, () => undefined)).toMatchObject({ included: 4, trainIncluded: 4 });
    const page = (use: 'used' | 'left-out' | 'flagged') => h.examplePage({ datasetId: dataset.id, search: '', rule: null, use, offset: 0, limit: 25 }, () => undefined);
    expect((await page('left-out')).rows).toEqual([]);
    expect((await page('flagged')).rows.map((r) => [r.id, r.included])).toEqual([['bad', true]]);

    // Leaving a passing one out.
    await h.setExampleIncluded({ datasetId: dataset.id, exampleId: 'a', included: false }, () => undefined);
    expect((await page('used')).rows.map((r) => r.id)).toEqual(['b', 'bad', 'c']);
    expect((await db.datasets.get(dataset.id))!.inclusionEdits).toBe(2);
  }, 60_000);

  it('names an example the dataset does not have, or a dataset gone', async () => {
    const { dataset, engine } = await setup();
    await expect(engine.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'zz', included: true }, () => undefined)).rejects.toThrow('dataset "tools.jsonl" has no example "zz"');
    await expect(engine.handlers.setExampleIncluded({ datasetId: 'gone', exampleId: 'a', included: true }, () => undefined)).rejects.toThrow('no dataset "gone" (it may have been deleted)');
  });

  it('is refused, naming the job, while this tab’s job works on the dataset', async () => {
    vi.stubGlobal('navigator', { locks: stubLocks() });
    const { db, dataset, engine } = await setup();
    const job = await trainingOn(db, engine, dataset.id);
    const include = () => engine.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'bad', included: true }, () => undefined);
    await expect(include()).rejects.toThrow('the training run “my run” is working on this dataset; include or leave out examples once it ends, or pause, stop or cancel it first');
    expect((await db.examples.get([dataset.id, 'bad']))!.included).toBe(0);
    job.end();
    await job.run;
    await include();
    expect((await db.examples.get([dataset.id, 'bad']))!.included).toBe(1);
  });

  it('is refused while another tab’s job works on the dataset, and goes through once it ended', async () => {
    vi.stubGlobal('navigator', { locks: stubLocks() });
    const { db, dataset, engine: here } = await setup();
    const evaluating = evaluatingElsewhere(dataset.id);
    const include = () => here.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'bad', included: true }, () => undefined);
    await expect(include()).rejects.toThrow('a job in another tab of the studio (training, evaluating or HDR) is working on this dataset; include or leave out examples once it ends there, or pause, stop or cancel it there first');
    expect((await db.datasets.get(dataset.id))!.inclusionEdits).toBeUndefined();
    evaluating.end();
    await evaluating.run;
    await include();
    expect((await db.examples.get([dataset.id, 'bad']))!.included).toBe(1);
  });

  it('names another tab’s ablation as an ablation, not as the training run of its arm', async () => {
    const locks = stubLocks();
    vi.stubGlobal('navigator', { locks });
    const { db, dataset, engine } = await setup();
    const on = { datasetId: dataset.id, status: 'running', createdAt: Date.now() };
    await db.runs.bulkPut([{ id: 'ab', kind: 'ablation', name: 'abl', ...on }, { id: 'arm', kind: 'train', name: 'abl · sft', ...on }] as never);
    // The other tab's worker: the dataset's shared lock and the arm's run lock, held until `end`.
    let end!: () => void;
    const ended = new Promise<void>((r) => (end = r));
    const holding = Promise.all([locks.request(`balancesft-dataset:${dataset.id}`, { mode: 'shared' }, () => ended), locks.request('balancesft-run:arm', {}, () => ended)]);
    await expect(engine.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'bad', included: true }, () => undefined)).rejects.toThrow('the ablation “abl” in another tab of the studio is working on this dataset; include or leave out examples once it ends there, or cancel it there first');
    end();
    await holding;
  });

  // Including or leaving out examples (many at once take a while) holds the dataset's lock alone, as
  // deleting it does; a job holds it shared.
  it('names another tab’s change of the dataset’s examples as that, not as a job to pause, stop or cancel', async () => {
    const locks = stubLocks();
    vi.stubGlobal('navigator', { locks });
    const { dataset, engine } = await setup();
    let end!: () => void;
    const ended = new Promise<void>((r) => (end = r));
    const saving = locks.request(`balancesft-dataset:${dataset.id}`, {}, () => ended);
    await expect(engine.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'bad', included: true }, () => undefined)).rejects.toThrow(
      /^another change to this dataset is being saved \(examples included, left out or edited, in this tab or another of the studio\): try again once it is$/,
    );
    const remove = async () => engine.handlers.deleteDataset({ datasetId: dataset.id, confirmToken: (await engine.handlers.describeDatasetDeletion({ datasetId: dataset.id }, () => undefined)).confirmToken }, () => undefined);
    await expect(remove()).rejects.toThrow(/^another change to this dataset is being saved \(examples included, left out or edited, in this tab or another of the studio\): delete it once it is$/);
    end();
    await saving;
    await engine.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'bad', included: true }, () => undefined);
  });

  it('an evaluation with every held-out example left out says so, not that the split held none out', async () => {
    const db = new StudioDb(`example-inclusion-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
    opened.push(db);
    const dataset = await saveDataset(db, { name: 'tools.jsonl', examples: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(good), files: [], split: { seed: 1, evalFraction: 0.5 } });
    const engine = new StudioEngine(undefined, () => undefined, db);
    // The evaluation's job slot, without a GPU: the check comes before any answer.
    const spec = parseModelConfig(generateTinyModel(NARROW).files.get('config.json') as string);
    Object.assign(engine, { jobs: { requireModel: () => ({ ref: 'tiny', spec }), run: async (_what: string, work: (ctx: unknown) => Promise<unknown>) => work({}) } });
    const heldOut = (await db.examples.where('[datasetId+split+included]').equals([dataset.id, 'eval', 1]).toArray()).map((r) => r.id);
    expect(heldOut.length).toBeGreaterThan(0);
    for (const id of heldOut) await engine.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: id, included: false }, () => undefined);
    const evaluate = () => engine.handlers.evaluate({ datasetId: dataset.id, limit: 5, maxNewTokens: 2, batchSize: 1 }, () => undefined);
    await expect(evaluate()).rejects.toThrow(`the dataset’s ${heldOut.length} held-out examples are all left out (flagged by the quality check, or left out by you), so there is nothing to evaluate: include one or more in the Dataset panel’s examples table (its Show filter lists those left out)`);
    // An ablation too, before it writes its row.
    const config = defaultAblationConfig({ ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320 }, { rules: ['grad'], hdrRule: null, evalLimit: 1, decoding: { maxNewTokens: 2, batchSize: 1, seed: 1 } });
    await expect(engine.handlers.startAblation({ datasetId: dataset.id, name: 'abl', config }, () => undefined)).rejects.toThrow(`held-out examples are all left out (flagged by the quality check, or left out by you), so there is nothing to evaluate the arms on`);
    expect(await db.runs.count()).toBe(0);
    // A split that held none out is told as before.
    const none = await saveDataset(db, { name: 'all-train.jsonl', examples: [good('x')], files: [], split: { seed: 1, evalFraction: 0 } });
    await expect(engine.handlers.evaluate({ datasetId: none.id, limit: 5, maxNewTokens: 2, batchSize: 1 }, () => undefined)).rejects.toThrow('the dataset has no eval examples (its split put every example on the train side)');
  });
});

describe('including or leaving out many examples at once', () => {
  async function setupMany() {
    const db = new StudioDb(`example-inclusion-many-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
    opened.push(db);
    const dataset = await saveDataset(db, { name: 'fr.jsonl', examples: inclusionExamples(), files: [], split: { seed: 1, evalFraction: 0 } });
    return { db, dataset, engine: new StudioEngine(undefined, () => undefined, db) };
  }

  it('uses the examples flagged only by one rule, and leaves them out again, counting one edit each time', async () => {
    const { db, dataset, engine } = await setupMany();
    const h = engine.handlers;
    const summary = await h.datasetSummary({ datasetId: dataset.id }, () => undefined);
    // "both" breaks a second rule: not what the user vouched for.
    expect(summary.flaggedOnly?.reasoning_as_promised).toEqual({ examples: 2, used: 0 });
    expect(summary.flaggedOnly?.required_args_present).toEqual({ examples: 0, used: 0 });
    const progress: string[] = [];
    const selection = { flaggedOnlyBy: 'reasoning_as_promised' as const };
    expect(await h.setExamplesIncluded({ datasetId: dataset.id, selection, included: true, expect: 2 }, (p) => progress.push(`${p.label} ${p.done}/${p.total}`))).toEqual({ changed: 2 });
    expect(progress).toContain('saving 2 examples 2/2');
    expect((await trainingExamples(db, dataset.id)).map((e) => e.id)).toEqual(['good', 'quiet1', 'quiet2']);
    expect((await db.datasets.get(dataset.id))!.inclusionEdits).toBe(1);
    expect((await h.datasetSummary({ datasetId: dataset.id }, () => undefined)).flaggedOnly?.reasoning_as_promised).toEqual({ examples: 2, used: 2 });

    expect(await h.setExamplesIncluded({ datasetId: dataset.id, selection, included: false, expect: 2 }, () => undefined)).toEqual({ changed: 2 });
    expect((await trainingExamples(db, dataset.id)).map((e) => e.id)).toEqual(['good']);
    expect((await db.datasets.get(dataset.id))!.inclusionEdits).toBe(2);
  }, 60_000);

  it('leaves out (or includes) every example a table filter shows, every page of it', async () => {
    const { db, dataset, engine } = await setupMany();
    const h = engine.handlers;
    // The flagged ones, whatever rule: the table's Show filter.
    const shown = { search: '', rule: null, use: 'flagged' as const };
    expect(await h.setExamplesIncluded({ datasetId: dataset.id, selection: { shown }, included: true, expect: 3 }, () => undefined)).toEqual({ changed: 3 });
    expect((await trainingExamples(db, dataset.id)).map((e) => e.id)).toEqual(['good', 'quiet1', 'both', 'quiet2']);
    // A search: "question quiet" matches two.
    expect(await h.setExamplesIncluded({ datasetId: dataset.id, selection: { shown: { search: 'QUESTION quiet', rule: null, use: 'used' } }, included: false, expect: 2 }, () => undefined)).toEqual({ changed: 2 });
    expect((await trainingExamples(db, dataset.id)).map((e) => e.id)).toEqual(['good', 'both']);
    expect((await h.examplePage({ datasetId: dataset.id, search: '', rule: null, use: 'left-out', offset: 0, limit: 25 }, () => undefined)).rows.map((r) => r.id)).toEqual(['quiet1', 'quiet2']);
  }, 60_000);

  it('chooses, of the examples a filter shows, only those the change would change, and counts them on the page', async () => {
    const { db, dataset, engine } = await setupMany();
    const h = engine.handlers;
    // "question" matches all four: one used (good), three left out.
    const shown = { search: 'question', rule: null, use: 'all' as const };
    const page = await h.examplePage({ datasetId: dataset.id, ...shown, offset: 0, limit: 25 }, () => undefined);
    expect({ matching: page.matching, used: page.used }).toEqual({ matching: 4, used: 1 });
    // Including them includes the three left out: the page confirmed 3, not the 4 shown.
    expect(await h.setExamplesIncluded({ datasetId: dataset.id, selection: { shown }, included: true, expect: 3 }, () => undefined)).toEqual({ changed: 3 });
    expect((await trainingExamples(db, dataset.id)).map((e) => e.id)).toEqual(['good', 'quiet1', 'both', 'quiet2']);
    expect((await h.examplePage({ datasetId: dataset.id, ...shown, offset: 0, limit: 25 }, () => undefined)).used).toBe(4);
    // Nothing left out to include: a request for any number is one for nothing.
    await expect(h.setExamplesIncluded({ datasetId: dataset.id, selection: { shown }, included: true, expect: 4 }, () => undefined)).rejects.toThrow('(4 then, 0 now)');
    // The same for a rule's examples: of the two flagged only by it, one is used already.
    await setExamplesIncluded(db, dataset.id, ['quiet2', 'both', 'quiet1'], false);
    await setExamplesIncluded(db, dataset.id, ['quiet1'], true);
    expect(await h.setExamplesIncluded({ datasetId: dataset.id, selection: { flaggedOnlyBy: 'reasoning_as_promised' }, included: true, expect: 1 }, () => undefined)).toEqual({ changed: 1 });
    expect((await trainingExamples(db, dataset.id)).map((e) => e.id)).toEqual(['good', 'quiet1', 'quiet2']);
  }, 60_000);

  it('writes nothing when the selection holds another number than the page confirmed', async () => {
    const { db, dataset, engine } = await setupMany();
    const ask = () => engine.handlers.setExamplesIncluded({ datasetId: dataset.id, selection: { shown: { search: '', rule: null, use: 'left-out' } }, included: true, expect: 3 }, () => undefined);
    // Another tab included one since the page counted 3 left out.
    await engine.handlers.datasetSummary({ datasetId: dataset.id }, () => undefined);
    await setExamplesIncluded(db, dataset.id, ['quiet1'], true);
    await expect(ask()).rejects.toThrow('the examples chosen changed since they were counted (3 then, 2 now): look at the new count and try again');
    expect((await trainingExamples(db, dataset.id)).map((e) => e.id)).toEqual(['good', 'quiet1']);
  }, 60_000);

  it('says the examples changed since they were counted, not "2 then, 2 now", when another change landed after they were chosen', async () => {
    const { db, dataset, engine } = await setupMany();
    const locks = stubLocks();
    // Another tab includes one of them while this one, the examples chosen, asks for the dataset's lock.
    const request: typeof locks.request = async (name, options, cb) => {
      if (name === `balancesft-dataset:${dataset.id}` && options.mode === undefined) await setExamplesIncluded(db, dataset.id, ['quiet1'], true);
      return locks.request(name, options, cb);
    };
    vi.stubGlobal('navigator', { locks: { ...locks, request } });
    const ask = engine.handlers.setExamplesIncluded({ datasetId: dataset.id, selection: { flaggedOnlyBy: 'reasoning_as_promised' }, included: true, expect: 2 }, () => undefined);
    await expect(ask).rejects.toThrow(/^the dataset’s examples changed since they were counted \(another change to them was saved meanwhile\): look at the new count and try again$/);
    // Only the other tab's change: quiet2 is still left out.
    expect((await trainingExamples(db, dataset.id)).map((e) => e.id)).toEqual(['good', 'quiet1']);
  }, 60_000);

  it('is refused, naming the job, while a job of this tab or another works on the dataset', async () => {
    vi.stubGlobal('navigator', { locks: stubLocks() });
    const { db, dataset, engine: here } = await setupMany();
    const there = new StudioEngine(undefined, () => undefined, db);
    const ask = (engine: StudioEngine) => engine.handlers.setExamplesIncluded({ datasetId: dataset.id, selection: { flaggedOnlyBy: 'reasoning_as_promised' }, included: true, expect: 2 }, () => undefined);
    const job = await trainingOn(db, there, dataset.id);
    await expect(ask(there)).rejects.toThrow('the training run “my run” is working on this dataset; include or leave out examples once it ends, or pause, stop or cancel it first');
    await expect(ask(here)).rejects.toThrow('the training run “my run” in another tab of the studio is working on this dataset; include or leave out examples once it ends there, or pause, stop or cancel it there first');
    expect((await db.datasets.get(dataset.id))!.inclusionEdits).toBeUndefined();
    job.end();
    await job.run;
    expect(await ask(here)).toEqual({ changed: 2 });
  }, 60_000);
});

// A dataset's label is wrong (the model's answer was right): the user edits the expected answer. It
// is checked again and used exactly when it passes, the imported one is kept to restore, the
// fingerprint and the kept token counts follow, and it is held while a job works on the dataset.
describe('editing an example\'s expected answer', () => {
  const answer = (calls: string, reasoning = 'call f') => ({ reasoning, calls, content: '' });

  it('fixes a flagged example, which then trains, and restores the imported answer', async () => {
    const { db, dataset, engine } = await setup();
    const h = engine.handlers;
    const importedPrint = (await db.datasets.get(dataset.id))!.fingerprint;
    // Counts kept for the dataset: the edited example's are dropped, the others' kept.
    await db.tokenizerCounts.put({ datasetId: dataset.id, tokenizer: 'tok', ids: ['a', 'bad', 'c'], counts: Int32Array.from([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3]), countedAt: 1 });

    expect(await h.saveExampleAnswer({ datasetId: dataset.id, exampleId: 'bad', answer: answer('[{"name": "f", "arguments": {}}]') }, () => undefined)).toEqual({ included: true, edited: true, samples: { leftOut: 0, usedAgain: 0 } });
    const row = (await db.examples.get([dataset.id, 'bad']))!;
    expect(row.example.target).toEqual({ reasoning: 'call f', calls: [{ name: 'f', arguments: {} }] });
    expect(row.quality.passed).toBe(true);
    expect(row.original).toEqual(flagged);
    expect((await trainingExamples(db, dataset.id)).find((e) => e.id === 'bad')?.target.calls).toEqual([{ name: 'f', arguments: {} }]);
    const edited = (await db.datasets.get(dataset.id))!;
    expect(edited.fingerprint).not.toBe(importedPrint);
    expect(edited.inclusionEdits).toBe(1);
    const kept = (await db.tokenizerCounts.get([dataset.id, 'tok']))!;
    expect([kept.ids, [...kept.counts]]).toEqual([['a', 'c'], [1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3]]);
    // The views count it at once, and the table's filter finds it.
    expect(await h.datasetSummary({ datasetId: dataset.id }, () => undefined)).toMatchObject({ included: 4, trainIncluded: 4, edited: 1 });
    const editedPage = () => h.examplePage({ datasetId: dataset.id, search: '', rule: null, use: 'edited', offset: 0, limit: 25 }, () => undefined);
    expect((await editedPage()).rows.map((r) => [r.id, r.edited])).toEqual([['bad', true]]);

    // Edited again, the imported answer is still the one kept; put back, the dataset is the import's.
    await h.saveExampleAnswer({ datasetId: dataset.id, exampleId: 'bad', answer: answer('[{"name": "f", "arguments": {"x": 2.0}}]', 'call f with x') }, () => undefined);
    expect((await db.examples.get([dataset.id, 'bad']))!).toMatchObject({ example: { target: { calls: [{ name: 'f', arguments: { x: 2 } }], wholeFloats: [[0, 'x']] } }, original: flagged });
    expect(await h.saveExampleAnswer({ datasetId: dataset.id, exampleId: 'bad', answer: 'imported' }, () => undefined)).toEqual({ included: false, edited: false, samples: { leftOut: 0, usedAgain: 0 } });
    const restored = (await db.examples.get([dataset.id, 'bad']))!;
    expect(restored.example).toEqual(flagged);
    expect(restored.original).toBeUndefined();
    // The answer changed again: an evaluation made while it was edited judged another.
    expect(restored.editedAt).toBeGreaterThanOrEqual(row.editedAt!);
    expect(restored.included).toBe(0);
    expect((await db.datasets.get(dataset.id))!.fingerprint).toBe(importedPrint);
    expect((await editedPage()).rows).toEqual([]);
    expect((await h.datasetSummary({ datasetId: dataset.id }, () => undefined)).edited).toBeUndefined();
    await expect(h.saveExampleAnswer({ datasetId: dataset.id, exampleId: 'bad', answer: 'imported' }, () => undefined)).rejects.toThrow('example "bad" has the answer it was imported with: nothing to restore');
    // Edited to exactly the imported answer: nothing kept apart.
    await h.saveExampleAnswer({ datasetId: dataset.id, exampleId: 'a', answer: answer('[{"name": "f", "arguments": {}}]') }, () => undefined);
    const same = (await db.examples.get([dataset.id, 'a']))!;
    expect([same.original, same.editedAt]).toEqual([undefined, undefined]);
  }, 60_000);

  it('leaves out an example the edit breaks, and says why in its check', async () => {
    const { db, dataset, engine } = await setup();
    expect(await engine.handlers.saveExampleAnswer({ datasetId: dataset.id, exampleId: 'a', answer: answer('[{"name": "nope", "arguments": {}}]') }, () => undefined)).toEqual({ included: false, edited: true, samples: { leftOut: 0, usedAgain: 0 } });
    const row = (await db.examples.get([dataset.id, 'a']))!;
    expect(row.quality.passed).toBe(false);
    expect(row.quality.failures.map((f) => f.rule)).toContain('call_names_known_tool');
  });

  it('refuses a draft it cannot read, and an example or dataset that is not there, storing nothing', async () => {
    const { db, dataset, engine } = await setup();
    const before = await db.examples.get([dataset.id, 'bad']);
    const save = (exampleId: string, calls: string, datasetId = dataset.id) => engine.handlers.saveExampleAnswer({ datasetId, exampleId, answer: answer(calls) }, () => undefined);
    await expect(save('bad', 'call f please')).rejects.toThrow(/^the calls box holds no call \("call f please"\)/);
    await expect(save('bad', '[{"name": "f", "arguments": {]')).rejects.toThrow(/^the calls could not be read: /);
    expect(await db.examples.get([dataset.id, 'bad'])).toEqual(before);
    await expect(save('zz', '[]')).rejects.toThrow('dataset "tools.jsonl" has no example "zz"');
    await expect(save('a', '[]', 'gone')).rejects.toThrow('no dataset "gone" (it may have been deleted)');
  });

  // HDR kept a sample because it answered as its question's label did: a label fixed makes a
  // sample of the old one wrong training data, and one put back makes it right again.
  it('holds the HDR samples of the example to its answer as it is now, and BFCL\'s alternatives give way to the edited calls', async () => {
    const db = new StudioDb(`example-answer-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
    opened.push(db);
    const book = { name: 'book', parameters: { type: 'object', properties: { seats: { type: 'integer' } }, required: ['seats'] } };
    const question: Example = { id: 'q', tools: [book], messages: [{ role: 'user', content: 'Book 2 seats' }], target: { reasoning: 'book 3', calls: [{ name: 'book', arguments: { seats: 3 } }] }, possibleAnswer: [{ book: { seats: [3, 4] } }], category: 'simple' };
    const sample = (id: string, seats: number): Example => ({ ...question, id, source: 'hdr', hdrRound: 1, target: { reasoning: `book ${seats} with book`, calls: [{ name: 'book', arguments: { seats } }] } });
    const dataset = await saveDataset(db, { name: 'seats.jsonl', examples: [question, sample('q#hdr1.0', 3), sample('q#hdr1.1', 4), sample('qq#hdr1.0', 3)], files: [], split: { seed: 1, evalFraction: 0 } });
    const engine = new StudioEngine(undefined, () => undefined, db);
    const used = async () => (await trainingExamples(db, dataset.id)).map((e) => e.id).sort();
    expect(await used()).toEqual(['q', 'q#hdr1.0', 'q#hdr1.1', 'qq#hdr1.0']);
    // HDR had mined q as a hard case: the model answered 2 seats, wrong against the label of 3.
    await saveHardCases(db, dataset.id, 1, [{ example: question, failedOutputs: ['[book(seats=2)]'], round: 1, status: 'open' }]);
    const saved = await engine.handlers.saveExampleAnswer({ datasetId: dataset.id, exampleId: 'q', answer: { reasoning: 'book 2', calls: '[{"name": "book", "arguments": {"seats": 2}}]', content: '' } }, () => undefined);
    expect(saved).toEqual({ included: true, edited: true, samples: { leftOut: 2, usedAgain: 0 } });
    // Its samples of 3 and 4 seats answer the old label; another question's sample is not its.
    expect(await used()).toEqual(['q', 'qq#hdr1.0']);
    // The model's answer was right: no hard case any more.
    expect((await db.hardCases.get(hardCaseId(dataset.id, 'q')))?.status).toBe('solved');
    // The edited calls are what it is judged against: the dataset's alternatives (3 or 4) are gone.
    const edited = (await db.examples.get([dataset.id, 'q']))!.example;
    expect(edited.possibleAnswer).toBeUndefined();
    expect(edited.category).toBe('simple');
    const { checkPrediction } = await import('../../src/eval/evaluate.ts');
    expect([checkPrediction(edited, '[book(seats=2)]', 'eos', 5).valid, checkPrediction(edited, '[book(seats=4)]', 'eos', 5).valid]).toEqual([true, false]);
    // Put back, the samples answer as it does again.
    expect(await engine.handlers.saveExampleAnswer({ datasetId: dataset.id, exampleId: 'q', answer: 'imported' }, () => undefined)).toEqual({ included: true, edited: false, samples: { leftOut: 0, usedAgain: 2 } });
    expect(await used()).toEqual(['q', 'q#hdr1.0', 'q#hdr1.1', 'qq#hdr1.0']);
    expect((await db.examples.get([dataset.id, 'q']))!.example.possibleAnswer).toEqual([{ book: { seats: [3, 4] } }]);
    // A reasoning-only edit keeps the calls and the alternatives, and its samples, with the user's
    // own choice on one of them (left out by hand, though it answers as the label does).
    await engine.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'q#hdr1.0', included: false }, () => undefined);
    expect((await engine.handlers.saveExampleAnswer({ datasetId: dataset.id, exampleId: 'q', answer: { reasoning: 'three seats', calls: '[{"name": "book", "arguments": {"seats": 3}}]', content: '' } }, () => undefined)).samples).toEqual({ leftOut: 0, usedAgain: 0 });
    expect((await db.examples.get([dataset.id, 'q']))!.example).toMatchObject({ possibleAnswer: [{ book: { seats: [3, 4] } }], target: { reasoning: 'three seats' } });
    expect(await used()).toEqual(['q', 'q#hdr1.1', 'qq#hdr1.0']);
  }, 60_000);

  it('is refused, naming the job, while a job works on the dataset', async () => {
    vi.stubGlobal('navigator', { locks: stubLocks() });
    const { db, dataset, engine } = await setup();
    const job = await trainingOn(db, engine, dataset.id);
    const edit = () => engine.handlers.saveExampleAnswer({ datasetId: dataset.id, exampleId: 'bad', answer: answer('[{"name": "f", "arguments": {}}]') }, () => undefined);
    await expect(edit()).rejects.toThrow('the training run “my run” is working on this dataset; edit its examples once it ends, or pause, stop or cancel it first');
    expect((await db.examples.get([dataset.id, 'bad']))!.example).toEqual(flagged);
    job.end();
    await job.run;
    await edit();
    expect((await db.examples.get([dataset.id, 'bad']))!.included).toBe(1);
  });
});
