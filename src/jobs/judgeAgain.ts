// An evaluation's answers judged again against the expected answers as they are now: after a wrong
// label is fixed (data/answer-edit.ts), the model's answers have not changed (they were greedy, and
// are kept), only what they are judged against has; judging them again takes no GPU and no time,
// where evaluating again would answer every example again. The result is an evaluation of its own
// (the one judged again stays as it was), named as such and pointing at it.
import type { StudioDb } from '../data/db.ts';
import { checkPrediction, summarizePredictions, type Prediction } from '../eval/index.ts';
import { isEvalRun, saveEvalRun, type EvalRunRow } from '../hdr/store.ts';
import { newRunId } from './store/dexie.ts';

export interface JudgedAgain {
  row: EvalRunRow;
  /** The accuracy of the evaluation judged again, as it was judged then. */
  accuracyBefore: number;
  /** Answers whose verdict changed. */
  changed: number;
  /** Answers to examples no longer in the dataset: left out. */
  gone: number;
}

/** `runId`'s answers judged against its dataset's examples as they are now, saved as a new evaluation. */
export async function judgeEvaluationAgain(db: StudioDb, runId: string): Promise<JudgedAgain> {
  const run = await db.runs.get(runId);
  if (!run || !isEvalRun(run)) throw new Error('that evaluation is no longer in the studio (deleted, perhaps in another tab)');
  if (run.status !== 'done') throw new Error('it failed before every example was answered, so its answers are not the evaluation of its model: evaluate again instead');
  const answers = (await db.predictions.get(runId))?.predictions;
  if (!answers?.length) throw new Error('its answers are not kept (it answered none): evaluate again instead');
  const rows = await db.examples.bulkGet(answers.map((p) => [run.datasetId, p.exampleId] as [string, string]));
  const judged: Prediction[] = [];
  let changed = 0;
  answers.forEach((p, i) => {
    const row = rows[i];
    if (!row) return;
    const now = checkPrediction(row.example, p.output, p.finishReason, p.generatedTokens);
    // Asked in training or not is of the question, which an answer's edit leaves as it was.
    if (p.askedInTraining) now.askedInTraining = true;
    if (now.valid !== p.valid) changed++;
    judged.push(now);
  });
  if (judged.length === 0) throw new Error('none of the examples it answered is in its dataset any more');
  const { tooLong } = run.summary;
  const saved = await saveEvalRun(db, {
    id: newRunId('eval'),
    datasetId: run.datasetId,
    modelRef: run.modelRef,
    name: `${run.name ?? 'evaluation'} (judged again)`,
    config: { ...run.config, judgedFrom: runId },
    report: { ...summarizePredictions(judged), ...(tooLong ? { tooLong } : {}), predictions: judged, aborted: run.stopped === true },
  });
  return { row: saved, accuracyBefore: run.summary.accuracy, changed, gone: answers.length - judged.length };
}
