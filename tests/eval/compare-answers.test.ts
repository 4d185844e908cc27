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
    expect(c).toEqual({ shared: 4, same: 2, nowRight: ['b'], nowWrong: ['c'] });
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
});
