// Two evaluations' answers side by side: counted over the examples both answered only, the same
// text counted apart from the verdicts, and the examples that flipped named in this evaluation's
// order (a long list cut after eight); and whether the split of the flipped ones could be chance.
import { describe, expect, it } from 'vitest';
import { answerComparisonText, compareAnswers } from '../../src/eval/compareAnswers.ts';

const p = (exampleId: string, output: string, valid: boolean) => ({ exampleId, output, valid });

describe('comparing two evaluations answer by answer', () => {
  it('counts the shared examples, the same answers, and which flipped each way', () => {
    const here = [p('a', 'x', true), p('b', 'y', true), p('c', 'z', false), p('d', 'w', false), p('only-here', 'q', true)];
    const there = [p('d', 'w', false), p('c', 'z2', true), p('b', 'y2', false), p('a', 'x', true), p('only-there', 'q', false)];
    const c = compareAnswers(here, there);
    expect(c).toEqual({ shared: 4, same: 2, nowRight: ['b'], nowWrong: ['c'], relabeled: [] });
    expect(answerComparisonText(c, 'run one')).toBe('Against run one, on the 4 examples both answered: 2 of 4 answers are the same, word for word; 1 is right here that it got wrong (b); 1 is wrong here that it got right (c). That split could be chance (p = 1.00, exact McNemar test on the 2 examples whose verdicts differ); more held-out examples would tell.');
  });

  it('says plainly when all answers are the same, when none flipped, and when nothing is shared', () => {
    const same = [p('a', 'x', true), p('b', 'y', false)];
    expect(answerComparisonText(compareAnswers(same, same), 'the base model')).toBe('Against the base model, on the 2 examples both answered: all 2 answers are the same, word for word; none is right here that it got wrong; none is wrong here that it got right.');
    expect(answerComparisonText(compareAnswers(same, [p('z', 'x', true)]), 'other.jsonl')).toBe('other.jsonl answered none of these examples, so there is nothing to compare.');
  });

  it('names the first eight flipped examples of a long list and counts the rest', () => {
    const ids = Array.from({ length: 11 }, (_, i) => `ex-${i}`);
    const c = compareAnswers(ids.map((id) => p(id, 'right', true)), ids.map((id) => p(id, 'wrong', false)));
    expect(answerComparisonText(c, 'x')).toContain('11 are right here that it got wrong (ex-0, ex-1, ex-2, ex-3, ex-4, ex-5, ex-6, ex-7 and 3 more)');
    // Eleven to none: rarely chance.
    expect(answerComparisonText(c, 'x')).toContain('That split is unlikely to be chance (p < 0.001, exact McNemar test on the 11 examples whose verdicts differ).');
  });

  // An example whose expected answer was edited between two evaluations flips because its label
  // did: counted as the model's fix, fixing labels then evaluating again read as a better model.
  it('leaves out of the flips the examples judged against another expected answer by each', async () => {
    const { checkPrediction } = await import('../../src/eval/evaluate.ts');
    const tools = [{ name: 'book', parameters: { type: 'object', properties: { seats: { type: 'integer' } } } }];
    const ask = { id: 'q1', tools, messages: [{ role: 'user' as const, content: 'Book 2 seats' }] };
    const wrongLabel = checkPrediction({ ...ask, target: { calls: [{ name: 'book', arguments: { seats: 3 } }] } }, '[book(seats=2)]', 'eos', 6);
    const fixedLabel = checkPrediction({ ...ask, target: { calls: [{ name: 'book', arguments: { seats: 2 } }] } }, '[book(seats=2)]', 'eos', 6);
    expect([wrongLabel.valid, fixedLabel.valid]).toEqual([false, true]);
    expect(wrongLabel.expected).not.toBe(fixedLabel.expected);
    // The same label gives the same key, whatever the answer; 2.0 is another label than 2.
    expect(checkPrediction({ ...ask, target: { calls: [{ name: 'book', arguments: { seats: 2 } }] } }, 'no', 'eos', 1).expected).toBe(fixedLabel.expected);
    expect(checkPrediction({ ...ask, target: { calls: [{ name: 'book', arguments: { seats: 2 } }], wholeFloats: [[0, 'seats']] } }, 'no', 'eos', 1).expected).not.toBe(fixedLabel.expected);
    const other = { ...p('q2', 'a', true), expected: 'k' };
    const c = compareAnswers([fixedLabel, other], [wrongLabel, { ...other, valid: false }]);
    expect(c).toEqual({ shared: 2, same: 2, nowRight: ['q2'], nowWrong: [], relabeled: ['q1'] });
    expect(answerComparisonText(c, 'before')).toBe(
      'Against before, on the 2 examples both answered: all 2 answers are the same, word for word; 1 is right here that it got wrong (q2); none is wrong here that it got right. That split could be chance (p = 1.00, exact McNemar test on the one example whose verdict differs); more held-out examples would tell. 1 example (q1) was judged against another expected answer by each (its answer was edited in between), so it is left out of those counts.',
    );
    // Answers kept before the key was: compared as before.
    expect(compareAnswers([{ ...fixedLabel, expected: undefined }], [wrongLabel]).nowRight).toEqual(['q1']);
  });
});
