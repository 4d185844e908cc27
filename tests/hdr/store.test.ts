// HDR and evaluation runs in Dexie (fake-indexeddb). Protects: hard cases are upserted per
// (dataset, example) with their newest failed outputs and marked solved; accepted samples become
// included train-side example rows after the dataset's last one; an evaluation run keeps every
// prediction; each HDR round lands on the run row and as a metrics row; the hooks wire a round
// loop to all of it.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { evalExamples, resplitDataset, saveDataset, setExampleIncluded, trainingExamples } from '../../src/data/dataset-store.ts';
import { splitOf } from '../../src/data/split.ts';
import type { Example } from '../../src/data/example.ts';
import { datasetFingerprint } from '../../src/data/fingerprint.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { createHdrRunStore, storedExamples } from '../../src/jobs/store/dexie.ts';
import { usedExamples } from '../../src/jobs/data.ts';
import { summarizePredictions, type EvalReport, type Prediction } from '../../src/eval/index.ts';
import {
  addHdrExamples,
  createHdrRun,
  dexieHdrHooks,
  finishHdrRun,
  loadEvalRun,
  loadHardCasePool,
  markHardCasesSolved,
  nextHdrRound,
  openHardCases,
  recordHdrRound,
  saveEvalRun,
  saveHardCases,
  DEFAULT_HDR_SETTINGS,
  type HdrRoundReport,
  type HdrRunRow,
} from '../../src/hdr/index.ts';

let n = 0;
const freshDb = () => new StudioDb(`hdr-store-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
const tools = [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
const ex = (id: string, extra: Partial<Example> = {}): Example => ({
  id, tools, messages: [{ role: 'user', content: id }], target: { reasoning: 'use lookup', calls: [{ name: 'lookup', arguments: { q: id } }] }, source: 'openai', ...extra,
});

async function dataset(db: StudioDb) {
  // evalFraction 0: every example on the train side, so training queries are easy to read.
  return saveDataset(db, { id: 'ds', name: 'd', examples: ['a', 'b', 'c'].map((id) => ex(id)), split: { seed: 1, evalFraction: 0 } });
}

const round = (r: number, over: Partial<HdrRoundReport> = {}): HdrRoundReport => ({
  round: r, poolBefore: 3, poolAfter: 2, samples: 9, passAtK: 1 / 3, gatePassed: 1, accepted: 1, duplicates: 0, rejectedByRule: { answer: 8 }, solved: ['a'],
  evalAccuracyBefore: 0.5, evalAccuracyAfter: 0.75, training: { steps: 5, examples: 3, lossFirst: 2, lossLast: 1, skipped: [] }, replayed: 2, millis: 10, ...over,
});

describe('HDR store', () => {
  it('keeps one hard case per example with its newest failed outputs, and marks solved ones', async () => {
    const db = freshDb();
    await dataset(db);
    await saveHardCases(db, 'ds', 0, [{ example: ex('a'), failedOutputs: ['o1'], round: 0, status: 'open' }, { example: ex('b'), failedOutputs: ['p1'], round: 0, status: 'open' }], 2);
    await saveHardCases(db, 'ds', 1, [{ example: ex('a'), failedOutputs: ['o1', 'o2', 'o3'], round: 1, status: 'open' }], 2);
    const rows = await openHardCases(db, 'ds');
    expect(rows.map((r) => [r.exampleId, r.round, r.failedOutputs])).toEqual([['a', 1, ['o2', 'o3']], ['b', 0, ['p1']]]);
    const pool = await loadHardCasePool(db, 'ds');
    expect(pool.map((c) => c.example)).toEqual([ex('a'), ex('b')]);
    expect(await nextHdrRound(db, 'ds')).toBe(2);
    await markHardCasesSolved(db, 'ds', ['a'], 2);
    expect(await nextHdrRound(db, 'ds')).toBe(3);
    expect((await openHardCases(db, 'ds')).map((r) => r.exampleId)).toEqual(['b']);
    expect(await db.hardCases.get('ds:a')).toMatchObject({ status: 'solved', round: 2 });
    await expect(markHardCasesSolved(db, 'ds', ['zzz'], 2)).rejects.toThrow(/no hard case for example "zzz"/);
    // A dataset deleted while HDR ran: no hard case is left behind for it.
    await expect(saveHardCases(db, 'gone', 0, [{ example: ex('a'), failedOutputs: ['o1'], round: 0, status: 'open' }])).rejects.toThrow('was deleted while HDR worked on it');
    expect(await db.hardCases.where('datasetId').equals('gone').count()).toBe(0);
    db.close();
  });

  it('a later run\'s mining that answers an open hard case correctly takes it out of the open pool', async () => {
    // Run 1 left `a` and `b` open; run 2 (from run 1's adapter) answers `b` right when it mines:
    // `b` is no hard case any more, yet the panel went on listing it open.
    const db = freshDb();
    await dataset(db);
    await saveHardCases(db, 'ds', 1, ['a', 'b'].map((id) => ({ example: ex(id), failedOutputs: [`wrong ${id}`], round: 1, status: 'open' as const })));
    const predictions: Prediction[] = [
      { exampleId: 'a', category: 'simple', output: 'still wrong', valid: false, errors: [{ rule: 'value_error:string', where: 'q', message: 'm' }], finishReason: 'eos', generatedTokens: 3 },
      { exampleId: 'b', category: 'simple', output: 'right', valid: true, errors: [], finishReason: 'eos', generatedTokens: 3 },
      { exampleId: 'c', category: 'simple', output: 'right', valid: true, errors: [], finishReason: 'eos', generatedTokens: 3 },
    ];
    const store = await createHdrRunStore(db, { datasetId: 'ds', modelRef: 'tiny', name: 'hdr 2', settings: DEFAULT_HDR_SETTINGS, config: DEFAULT_RUN_CONFIG });
    const pool = await store.hdrPool(DEFAULT_HDR_SETTINGS, DEFAULT_RUN_CONFIG);
    const note = '1 example not mined: it fails the quality check HDR requires (example "d": call: no such function)';
    await pool.saveMined({ ...summarizePredictions(predictions), predictions, aborted: false }, [{ example: ex('a'), failedOutputs: ['still wrong'], round: 1, status: 'open' }], [note]);
    // The examples mining left out are kept with the run, for its results to say.
    expect((await db.runs.get(store.id)) as HdrRunRow).toMatchObject({ mined: { examples: 3, correct: 2, hardCases: 1, notes: [note] } });
    expect((await openHardCases(db, 'ds')).map((r) => r.exampleId)).toEqual(['a']);
    expect(await db.hardCases.get('ds:b')).toMatchObject({ status: 'solved' });
    expect(await db.hardCases.get('ds:c')).toBeUndefined();
    expect(await nextHdrRound(db, 'ds')).toBe(2);
    db.close();
  });

  it('adds accepted samples as included train rows after the last example', async () => {
    const db = freshDb();
    await dataset(db);
    const sample = ex('a#hdr1.0', { source: 'hdr', hdrRound: 1, messages: ex('a').messages });
    await addHdrExamples(db, 'ds', [sample]);
    const row = await db.examples.get(['ds', 'a#hdr1.0']);
    expect(row).toMatchObject({ ord: 3, split: 'train', included: 1, quality: { passed: true } });
    expect((await trainingExamples(db, 'ds')).map((e) => e.id)).toEqual(['a', 'b', 'c', 'a#hdr1.0']);
    expect((await db.datasets.get('ds'))!.exampleCount).toBe(4);
    // The fingerprint names the content, which grew: it is the one of all four examples now.
    expect((await db.datasets.get('ds'))!.fingerprint).toBe(await datasetFingerprint([...['a', 'b', 'c'].map((id) => ex(id)), sample]));
    await expect(addHdrExamples(db, 'ds', [ex('x')])).rejects.toThrow(/not an HDR sample/);
    await expect(addHdrExamples(db, 'ds', [sample])).rejects.toThrow(/already has an example "a#hdr1.0"; start HDR at nextHdrRound/);
    expect((await db.datasets.get('ds'))!.exampleCount).toBe(4);
    db.close();
  });

  it('gives HDR the samples the user excluded, so a later run does not add the same answer back', async () => {
    // Only included rows reached HDR: an excluded sample was unknown, and the next run that
    // sampled the same answer added it again, included, under a new id.
    const db = freshDb();
    await dataset(db);
    await addHdrExamples(db, 'ds', [ex('a#hdr1.0', { source: 'hdr', hdrRound: 1, messages: ex('a').messages }), ex('b#hdr1.1', { source: 'hdr', hdrRound: 1, messages: ex('b').messages })]);
    await setExampleIncluded(db, 'ds', 'a#hdr1.0', false);
    await setExampleIncluded(db, 'ds', 'c', false);
    const jobs = await storedExamples(db, 'ds');
    expect(jobs.train.map((e) => e.id)).not.toContain('a#hdr1.0');
    // HDR samples only: an excluded question is no answer to know.
    expect(jobs.excludedSamples?.map((e) => e.id)).toEqual(['a#hdr1.0']);
    expect(usedExamples((await db.examples.where('datasetId').equals('ds').toArray()).sort((x, y) => x.ord - y.ord))).toEqual(jobs);
    db.close();
  });

  it('holds an HDR sample out with its question when a new split holds the question out', async () => {
    // HDR mined `a` from the training side; a new split (another seed, a larger share) holds `a`
    // out. Its sample `a#hdr1.0` answers `a` again: kept in training, the held-out accuracy on `a`
    // measured a question the model was trained on.
    const db = freshDb();
    await dataset(db);
    await addHdrExamples(db, 'ds', [ex('a#hdr1.0', { source: 'hdr', hdrRound: 1, messages: ex('a').messages }), ex('b#hdr1.1', { source: 'hdr', hdrRound: 1, messages: ex('b').messages })]);
    await saveHardCases(db, 'ds', 1, [{ example: ex('a'), failedOutputs: ['o1'], round: 1, status: 'open' }, { example: ex('b'), failedOutputs: ['p1'], round: 1, status: 'open' }], 2);
    const seed = Array.from({ length: 100 }, (_, s) => s).find((s) => splitOf('a', { seed: s, evalFraction: 0.5 }) === 'eval' && splitOf('b', { seed: s, evalFraction: 0.5 }) === 'train')!;
    const before = (await db.examples.where('datasetId').equals('ds').toArray()).filter((r) => r.split === 'eval').length;
    const done = await resplitDataset(db, 'ds', { seed, evalFraction: 0.5 });
    const rows = await db.examples.where('datasetId').equals('ds').toArray();
    expect(done).toEqual({ examples: rows.length, heldOut: rows.filter((r) => r.split === 'eval').length, moved: expect.any(Number) });
    expect(done.moved).toBeGreaterThanOrEqual(Math.abs(done.heldOut - before));
    expect(done.moved).toBeGreaterThan(0);
    // A hard case whose question is held out now waits: its samples would be trained on, its question evaluated.
    expect((await loadHardCasePool(db, 'ds')).map((c) => c.example.id)).toEqual(['b']);
    const heldOut = (await evalExamples(db, 'ds')).map((e) => e.id);
    const training = (await trainingExamples(db, 'ds')).map((e) => e.id);
    expect(heldOut).toContain('a');
    expect(training).not.toContain('a#hdr1.0');
    // A sample whose question stays in training stays there.
    expect(training).toContain('b#hdr1.1');
    // Held out with its question, it is not evaluated either (the question would count twice, once
    // against the model's own answer); HDR still knows it.
    const jobs = await storedExamples(db, 'ds');
    expect(jobs.eval.map((e) => e.id)).toContain('a');
    expect(jobs.eval.map((e) => e.id)).not.toContain('a#hdr1.0');
    expect(jobs.heldOutSamples?.map((e) => e.id)).toEqual(['a#hdr1.0']);
    expect(usedExamples((await db.examples.where('datasetId').equals('ds').toArray()).sort((x, y) => x.ord - y.ord))).toEqual(jobs);
    db.close();
  });

  it('stores an evaluation run with every prediction, the answers beside its row', async () => {
    const db = freshDb();
    const predictions: Prediction[] = [
      { exampleId: 'a', category: 'simple', output: 'ok', valid: true, errors: [], finishReason: 'eos', generatedTokens: 3 },
      { exampleId: 'b', category: 'simple', output: 'bad', valid: false, errors: [{ rule: 'ast_decoder:decoder_failed', where: 'output', message: 'm' }], finishReason: 'length', generatedTokens: 9 },
    ];
    const report: EvalReport = { ...summarizePredictions(predictions), predictions, aborted: false };
    await saveEvalRun(db, { id: 'eval-1', datasetId: 'ds', modelRef: 'tiny', config: { adapterRunId: null, limit: 2, maxNewTokens: 9, lora: null }, report });
    const run = await loadEvalRun(db, 'eval-1');
    expect(run).toMatchObject({ kind: 'eval', status: 'done', summary: { accuracy: 0.5, failureRules: { 'ast_decoder:decoder_failed': 1 } } });
    expect(run).not.toHaveProperty('predictions');
    expect((await db.predictions.get('eval-1'))?.predictions).toEqual(predictions);
    await expect(loadEvalRun(db, 'nope')).rejects.toThrow(/no evaluation run/);
    db.close();
  });

  it('stores an evaluation the user stopped as stopped, not failed; one the GPU failed as failed', async () => {
    // A cancelled evaluation was stored `failed`, and the Runs table showed it as failed.
    const db = freshDb();
    const predictions: Prediction[] = [{ exampleId: 'a', category: 'simple', output: 'ok', valid: true, errors: [], finishReason: 'eos', generatedTokens: 3 }];
    const config = { adapterRunId: null, limit: 2, maxNewTokens: 9, lora: null };
    const report: EvalReport = { ...summarizePredictions(predictions), predictions, aborted: true };
    await saveEvalRun(db, { id: 'stopped', datasetId: 'ds', config, report });
    expect(await loadEvalRun(db, 'stopped')).toMatchObject({ status: 'done', stopped: true, message: 'stopped before every example was evaluated' });
    await saveEvalRun(db, { id: 'lost', datasetId: 'ds', config, report: { ...report, failure: 'the GPU device was lost' } });
    const lost = await loadEvalRun(db, 'lost');
    expect(lost).toMatchObject({ status: 'failed', message: 'failed after 1 answers: the GPU device was lost' });
    expect(lost).not.toHaveProperty('stopped');
    db.close();
  });

  it('records each HDR round on the run and as metrics, through the hooks', async () => {
    const db = freshDb();
    await dataset(db);
    await createHdrRun(db, { id: 'hdr-1', datasetId: 'ds', settings: DEFAULT_HDR_SETTINGS, config: DEFAULT_RUN_CONFIG });
    const hooks = dexieHdrHooks(db, 'ds', 'hdr-1');
    await hooks.onHardCases!(0, [{ example: ex('a'), failedOutputs: ['f'], round: 0, status: 'open' }]);
    await hooks.onAccepted!(1, [ex('a#hdr1.0', { source: 'hdr', hdrRound: 1 })]);
    await hooks.onSolved!(1, ['a']);
    await hooks.onRound!(round(1));
    await recordHdrRound(db, 'hdr-1', round(2, { evalAccuracyAfter: null, training: null }));
    await finishHdrRun(db, 'hdr-1', 'pool_empty');
    const run = (await db.runs.get('hdr-1')) as HdrRunRow;
    expect(run).toMatchObject({ kind: 'hdr', status: 'done', stopReason: 'pool_empty', lastStep: 2 });
    expect(run.rounds.map((r) => r.round)).toEqual([1, 2]);
    const metrics = await db.metrics.where('runId').equals('hdr-1').toArray();
    expect(metrics.map((m) => m.step)).toEqual([1, 2]);
    expect(metrics[0].values).toMatchObject({ poolBefore: 3, poolAfter: 2, accepted: 1, passAtK: 1 / 3, evalAccuracyBefore: 0.5, evalAccuracyAfter: 0.75, trainLoss: 1 });
    expect('evalAccuracyAfter' in metrics[1].values).toBe(false);
    expect(await db.hardCases.get('ds:a')).toMatchObject({ status: 'solved' });
    expect(await db.examples.get(['ds', 'a#hdr1.0'])).toBeTruthy();
    db.close();
  });
});
