// `studio eval`'s files. The --summary file of an evaluation that Ctrl-C (or a cancelled ablation
// arm) ended part-way says so. It dropped the report's `aborted`, so the file of 3 answers out of
// 60 read like a finished evaluation of 3 examples.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizePredictions, type EvalReport, type Prediction } from '../../src/eval/index.ts';
import { RunFolderStore } from '../../src/jobs/store/folder.ts';

const answer = (exampleId: string, valid: boolean): Prediction => ({
  exampleId, category: 'simple', output: '[f(a=1)]', valid, errors: valid ? [] : [{ rule: 'simple_function_checker:missing_required', where: 'calls[0]', message: 'missing a' }], finishReason: 'stop', generatedTokens: 5,
});

function writtenSummary(report: EvalReport, earlier?: { predictions: Prediction[]; order: string[] }): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'eval-summary-'));
  const files = { predictions: join(dir, 'predictions.jsonl'), summary: join(dir, 'summary.json'), ...(earlier ? { earlier } : {}) };
  const store = RunFolderStore.forEvaluation(files, { model: 'tiny', data: ['demo.jsonl'], summary: { split: 'all' } });
  return store.saveEvaluation(report).then(() => JSON.parse(readFileSync(files.summary, 'utf8'))) as never;
}

describe('the evaluation summary file', () => {
  it('says when the evaluation ended before every example was answered, and says nothing of it when it did not', async () => {
    const predictions = [answer('a', true), answer('b', false)];
    const interrupted = await writtenSummary({ ...summarizePredictions(predictions), predictions, aborted: true });
    expect(interrupted).toMatchObject({ total: 2, correct: 1, aborted: true });
    const finished = await writtenSummary({ ...summarizePredictions(predictions), predictions, aborted: false });
    expect(finished).toMatchObject({ total: 2, correct: 1 });
    expect(finished).not.toHaveProperty('aborted');
    // Resumed and interrupted again: the kept answers and this run's, still not the whole evaluation.
    const resumed = await writtenSummary({ ...summarizePredictions([answer('b', false)]), predictions: [answer('b', false)], aborted: true }, { predictions: [answer('a', true)], order: ['a', 'b', 'c'] });
    expect(resumed).toMatchObject({ total: 2, correct: 1, aborted: true });
  });

  it('writes every reason a failed answer was given into predictions.jsonl, as studio ast-check does', async () => {
    // A parallel answer fails as "no match"; why each call did not match was left out of the file.
    const failed: Prediction = {
      ...answer('p', false),
      category: 'parallel',
      errors: [
        { rule: 'parallel_function_checker_no_order:cannot_find_match', where: 'ground_truth[0]', message: 'Could not find a matching function among index [0] of model output for index 0 of possible answers (f).' },
        { rule: 'value_error:others', where: 'calls[0].a', message: "Invalid value for parameter 'a': 2. Expected one of [1]." },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'eval-lines-'));
    const predictions = join(dir, 'predictions.jsonl');
    await RunFolderStore.forEvaluation({ predictions }, { model: 'tiny', data: ['demo.jsonl'] }).saveEvaluation({ ...summarizePredictions([failed]), predictions: [failed], aborted: false });
    const line = JSON.parse(readFileSync(predictions, 'utf8').trim());
    expect(line.error_type).toBe('parallel_function_checker_no_order:cannot_find_match');
    expect(line.error).toBe(
      "Could not find a matching function among index [0] of model output for index 0 of possible answers (f). [calls[0].a: value_error:others: Invalid value for parameter 'a': 2. Expected one of [1].]",
    );
  });
});
