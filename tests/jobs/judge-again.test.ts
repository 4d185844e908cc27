// An evaluation's kept answers judged again after wrong labels were fixed (jobs/judgeAgain.ts): the
// model is not asked again, the verdicts follow the expected answers as they are now, the result is
// an evaluation of its own pointing at the one judged, and set beside it, the answers whose label
// changed are named apart from the model's own changes.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset, saveExampleAnswer } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { checkPrediction, summarizePredictions } from '../../src/eval/evaluate.ts';
import { compareAnswers } from '../../src/eval/compareAnswers.ts';
import { saveEvalRun } from '../../src/hdr/store.ts';
import { judgeEvaluationAgain } from '../../src/jobs/judgeAgain.ts';
import { dataRequests } from '../../src/worker/dataRequests.ts';

let n = 0;
const book = { name: 'book', parameters: { type: 'object', properties: { seats: { type: 'integer' } }, required: ['seats'] } };
const ask = (id: string, seats: number): Example => ({ id, tools: [book], messages: [{ role: 'user', content: `Book ${seats} seats` }], target: { calls: [{ name: 'book', arguments: { seats } }] } });

/** A dataset of three held-out questions, one with a wrong label (q2 asks for 2 seats, labelled 3),
 * and an evaluation whose model answered every one as asked. */
async function evaluated() {
  const db = new StudioDb(`judge-again-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
  const examples = [ask('q1', 1), { ...ask('q2', 2), target: { calls: [{ name: 'book', arguments: { seats: 3 } }] } }, ask('q3', 4)];
  const dataset = await saveDataset(db, { name: 'seats.jsonl', examples, files: [] });
  const answers = examples.map((e, i) => checkPrediction(e, `[book(seats=${[1, 2, 4][i]})]`, 'eos', 6));
  await saveEvalRun(db, { id: 'eval-1', datasetId: dataset.id, modelRef: 'tiny', name: 'eval of sft', config: { adapterRunId: 'run-a', limit: 3, maxNewTokens: 32, lora: null }, report: { ...summarizePredictions(answers), predictions: answers, aborted: false } });
  return { db, dataset };
}

describe('judging an evaluation again after a label was fixed', () => {
  it('follows the expected answers as they are now, as an evaluation of its own, without asking the model', async () => {
    const { db, dataset } = await evaluated();
    expect(await db.runs.get('eval-1')).toMatchObject({ summary: { correct: 2 } });
    await saveExampleAnswer(db, dataset.id, 'q2', (now) => ({ ...now, target: { calls: [{ name: 'book', arguments: { seats: 2 } }] } }));
    const judged = await judgeEvaluationAgain(db, 'eval-1');
    expect(judged).toMatchObject({ accuracyBefore: 2 / 3, changed: 1, gone: 0 });
    expect(judged.row).toMatchObject({ name: 'eval of sft (judged again)', modelRef: 'tiny', status: 'done', config: { adapterRunId: 'run-a', limit: 3, maxNewTokens: 32, judgedFrom: 'eval-1' }, summary: { total: 3, correct: 3, accuracy: 1 } });
    expect(judged.row.id).not.toBe('eval-1');
    // The same answers, word for word; the one judged again is as it was.
    const before = (await db.predictions.get('eval-1'))!.predictions;
    const after = (await db.predictions.get(judged.row.id))!.predictions;
    expect(after.map((p) => p.output)).toEqual(before.map((p) => p.output));
    expect(await db.runs.get('eval-1')).toMatchObject({ summary: { correct: 2 } });
    // Set side by side, q2's flip is its label's, not the model's.
    expect(compareAnswers(after, before)).toMatchObject({ same: 3, nowRight: [], nowWrong: [], relabeled: ['q2'] });
    // Each row keeps a key of what its answers were judged against: they differ, as q2's label does.
    const original = (await db.runs.get('eval-1')) as { judgedAgainst?: string };
    expect(original.judgedAgainst).toMatch(/^[0-9a-f]{16}$/);
    expect(judged.row.judgedAgainst).toMatch(/^[0-9a-f]{16}$/);
    expect(judged.row.judgedAgainst).not.toBe(original.judgedAgainst);
    // Judged again once more, nothing changed since: the same key.
    expect((await judgeEvaluationAgain(db, judged.row.id)).row.judgedAgainst).toBe(judged.row.judgedAgainst);
    db.close();
  });

  it('leaves out answers to examples gone since, and refuses what it cannot judge, in words', async () => {
    const { db, dataset } = await evaluated();
    await db.examples.delete([dataset.id, 'q3']);
    const h = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
    expect(await h.judgeEvaluationAgain({ runId: 'eval-1' }, () => undefined)).toMatchObject({ accuracy: 0.5, accuracyBefore: 2 / 3, total: 2, changed: 0, gone: 1 });
    await expect(judgeEvaluationAgain(db, 'nope')).rejects.toThrow('that evaluation is no longer in the studio (deleted, perhaps in another tab)');
    await db.runs.update('eval-1', { status: 'failed' });
    await expect(judgeEvaluationAgain(db, 'eval-1')).rejects.toThrow('it failed before every example was answered, so its answers are not the evaluation of its model: evaluate again instead');
    await db.runs.update('eval-1', { status: 'done' });
    await db.examples.where('datasetId').equals(dataset.id).delete();
    await expect(judgeEvaluationAgain(db, 'eval-1')).rejects.toThrow('none of the examples it answered is in its dataset any more');
    db.close();
  });
});
