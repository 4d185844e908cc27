// Two evaluations of the same held-out examples, answer by answer: how many answers are the same
// text, and which examples one gets right and the other wrong. Accuracy alone hides this: a GGUF
// file scoring 83.9% beside its adapter's 80.6% may have changed three answers or ten, and training
// that lifts accuracy by 5 points may have broken answers the base model had right. And whether
// the split of those answers could be chance (pairedTest.ts).
import type { Prediction } from './evaluate.ts';
import { chanceText } from './pairedTest.ts';

export interface AnswerComparison {
  /** Examples both evaluations answered. */
  shared: number;
  /** Of those, answered with exactly the same text. */
  same: number;
  /** Right here and wrong there, in this evaluation's order. */
  nowRight: string[];
  /** Wrong here and right there. */
  nowWrong: string[];
  /** Judged against another expected answer there (the example's label was edited between the
   * two): their verdicts are no comparison of the models, and are in neither list above. Absent
   * in comparisons kept before it was (an ablation's result). */
  relabeled?: string[];
}

type Compared = Pick<Prediction, 'exampleId' | 'output' | 'valid' | 'expected'>;

export function compareAnswers(here: Compared[], there: Compared[]): Required<AnswerComparison> {
  const theirs = new Map(there.map((p) => [p.exampleId, p]));
  const out: Required<AnswerComparison> = { shared: 0, same: 0, nowRight: [], nowWrong: [], relabeled: [] };
  for (const p of here) {
    const q = theirs.get(p.exampleId);
    if (!q) continue;
    out.shared++;
    if (p.output === q.output) out.same++;
    // Answers kept before the key was recorded have none: judged, as before, as the same example.
    if (p.expected !== undefined && q.expected !== undefined && p.expected !== q.expected) out.relabeled.push(p.exampleId);
    else if (p.valid && !q.valid) out.nowRight.push(p.exampleId);
    else if (!p.valid && q.valid) out.nowWrong.push(p.exampleId);
  }
  return out;
}

/** Ids named in a sentence, the first few of a long list. */
const SHOWN_IDS = 8;
export const idList = (ids: string[]): string => (ids.length <= SHOWN_IDS ? ids.join(', ') : `${ids.slice(0, SHOWN_IDS).join(', ')} and ${ids.length - SHOWN_IDS} more`);

/** The comparison in words, `there` naming the other evaluation ("the adapter of “run one”"). */
export function answerComparisonText(c: AnswerComparison, there: string): string {
  if (c.shared === 0) return `${there} answered none of these examples, so there is nothing to compare.`;
  const same = c.same === c.shared ? `all ${c.shared} answers are the same, word for word` : `${c.same} of ${c.shared} answers are the same, word for word`;
  const right = c.nowRight.length === 0 ? 'none is right here that it got wrong' : `${c.nowRight.length} ${c.nowRight.length === 1 ? 'is' : 'are'} right here that it got wrong (${idList(c.nowRight)})`;
  const wrong = c.nowWrong.length === 0 ? 'none is wrong here that it got right' : `${c.nowWrong.length} ${c.nowWrong.length === 1 ? 'is' : 'are'} wrong here that it got right (${idList(c.nowWrong)})`;
  const split = c.nowRight.length + c.nowWrong.length > 0 ? ` That split ${chanceText(c.nowRight.length, c.nowWrong.length)}.` : '';
  return `Against ${there}, on the ${c.shared} examples both answered: ${same}; ${right}; ${wrong}.${split}${relabeledText(c.relabeled ?? [])}`;
}

/** The examples judged against another expected answer by each evaluation, or nothing. */
export function relabeledText(ids: string[]): string {
  if (!ids.length) return '';
  return ` ${ids.length === 1 ? `1 example (${ids[0]}) was` : `${ids.length} examples (${idList(ids)}) were`} judged against another expected answer by each (${ids.length === 1 ? 'its answer was' : 'their answers were'} edited in between), so ${ids.length === 1 ? 'it is' : 'they are'} left out of those counts.`;
}
