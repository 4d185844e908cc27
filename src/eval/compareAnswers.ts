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
}

export function compareAnswers(here: Pick<Prediction, 'exampleId' | 'output' | 'valid'>[], there: Pick<Prediction, 'exampleId' | 'output' | 'valid'>[]): AnswerComparison {
  const theirs = new Map(there.map((p) => [p.exampleId, p]));
  const out: AnswerComparison = { shared: 0, same: 0, nowRight: [], nowWrong: [] };
  for (const p of here) {
    const q = theirs.get(p.exampleId);
    if (!q) continue;
    out.shared++;
    if (p.output === q.output) out.same++;
    if (p.valid && !q.valid) out.nowRight.push(p.exampleId);
    if (!p.valid && q.valid) out.nowWrong.push(p.exampleId);
  }
  return out;
}

/** Ids named in a sentence, the first few of a long list. */
const SHOWN_IDS = 8;
const idList = (ids: string[]) => (ids.length <= SHOWN_IDS ? ids.join(', ') : `${ids.slice(0, SHOWN_IDS).join(', ')} and ${ids.length - SHOWN_IDS} more`);

/** The comparison in words, `there` naming the other evaluation ("the adapter of “run one”"). */
export function answerComparisonText(c: AnswerComparison, there: string): string {
  if (c.shared === 0) return `${there} answered none of these examples, so there is nothing to compare.`;
  const same = c.same === c.shared ? `all ${c.shared} answers are the same, word for word` : `${c.same} of ${c.shared} answers are the same, word for word`;
  const right = c.nowRight.length === 0 ? 'none is right here that it got wrong' : `${c.nowRight.length} ${c.nowRight.length === 1 ? 'is' : 'are'} right here that it got wrong (${idList(c.nowRight)})`;
  const wrong = c.nowWrong.length === 0 ? 'none is wrong here that it got right' : `${c.nowWrong.length} ${c.nowWrong.length === 1 ? 'is' : 'are'} wrong here that it got right (${idList(c.nowWrong)})`;
  const split = c.nowRight.length + c.nowWrong.length > 0 ? ` That split ${chanceText(c.nowRight.length, c.nowWrong.length)}.` : '';
  return `Against ${there}, on the ${c.shared} examples both answered: ${same}; ${right}; ${wrong}.${split}`;
}
