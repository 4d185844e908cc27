// The hard cases earlier HDR runs left open, taken up by the next run. DESIGN.md's HDR generates for
// "the evaluation split or the hard pool", and the paper keeps a failure in the pool until a round
// solves it; a run that mined only the first N training examples never asked an open case further
// on again, and said "no hard case" above a list that showed that case open. So the next run asks
// them again beside the examples it mines: answered right, a case is solved; wrong, it joins the
// pool with the failed outputs it had. Pure: callers read the open cases from their store.
import type { Example } from '../data/example.ts';
import { plural } from '../data/plural.ts';
import { idList } from '../eval/compareAnswers.ts';
import type { HardCase } from './rounds.ts';

/** An open hard case as a store keeps it: its example's id, the round it last failed in, its failed outputs (newest last). */
export interface OpenHardCase {
  exampleId: string;
  round: number;
  failedOutputs: string[];
}

export interface ExamplesToMine {
  /** The mining set, then the examples of the open cases it lacks. */
  examples: Example[];
  /** Open cases asked beyond the mining set (ids). */
  retried: string[];
  /** Open cases not asked: their example is not one this run may mine (ids). */
  notAsked: string[];
}

/** `mineSet` and the open cases' examples, found among `minable` (the examples this run may mine and
 * train on: a held-out question's samples would be trained on, so its case waits). */
export function examplesToMine(mineSet: Example[], minable: Example[], open: OpenHardCase[]): ExamplesToMine {
  const mined = new Set(mineSet.map((e) => e.id));
  const byId = new Map(minable.map((e) => [e.id, e]));
  const examples = [...mineSet];
  const retried: string[] = [];
  const notAsked: string[] = [];
  for (const c of open) {
    if (mined.has(c.exampleId)) continue;
    const example = byId.get(c.exampleId);
    if (!example) {
      notAsked.push(c.exampleId);
      continue;
    }
    mined.add(c.exampleId);
    examples.push(example);
    retried.push(c.exampleId);
  }
  return { examples, retried, notAsked };
}

/** What the run did with the open cases, in words, for its mining notes (none: nothing to say);
 * `side`: the side of the split it mines. */
export function openCasesNotes(taken: ExamplesToMine, mineSetSize: number, side: 'training' | 'held-out' = 'training'): string[] {
  const { retried, notAsked } = taken;
  const one = (n: number) => (n === 1 ? 'open hard case an earlier HDR run left' : 'open hard cases earlier HDR runs left');
  return [
    retried.length > 0 && `also asked ${retried.length} ${one(retried.length)} (${idList(retried)}), beside the ${plural(mineSetSize, 'example')} chosen to mine`,
    notAsked.length > 0 && `${notAsked.length} ${one(notAsked.length)} not asked again (${idList(notAsked)}): ${notAsked.length === 1 ? 'its example is' : 'their examples are'} not among the ${side} examples this run mines (${side === 'training' ? 'held out' : 'trained on'} or left out now, or not in its data)`,
  ].filter((n): n is string => !!n);
}

/** Mined cases that were open before keep the failed outputs they had (newest last, at most `keep`). */
export function withEarlierOutputs(pool: HardCase[], open: OpenHardCase[], keep: number): HardCase[] {
  const earlier = new Map(open.map((c) => [c.exampleId, c.failedOutputs]));
  return pool.map((c) => {
    const before = earlier.get(c.example.id);
    if (!before) return c;
    return { ...c, failedOutputs: [...before, ...c.failedOutputs.filter((o) => !before.includes(o))].slice(-keep) };
  });
}
