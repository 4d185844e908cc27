// Choosing many examples at once: "the examples flagged only by these rules" (a rule the user knows
// is harmless on their data, e.g. reasoning missing where the dataset has none) and "these ids". The
// page's quality report and `studio train --include-flagged / --leave-out` both choose through here,
// so one rule name picks the same examples in the browser and on the command line.
// Never writes anything (dataset-store.ts stores the page's choice; jobs/data.ts applies the CLI's).
import { plural } from './plural.ts';
import { QUALITY_RULES, type QualityReport, type QualityRule } from './quality-check.ts';

/** The user's choice over a whole dataset: flagged examples to use anyway, then ids to leave out
 * (whatever the check says). A leave-out wins over an include. */
export interface InclusionChoice {
  /** Use the examples every failure of which is one of these rules. */
  includeFlagged?: QualityRule[];
  /** Leave out the examples of these ids. */
  leaveOut?: string[];
}

/** Bit i: QUALITY_RULES[i] (seven rules fit a byte, which the worker's browse index keeps); 0 for a
 * name that is no rule (a stored report from another version). */
export function ruleBit(rule: string): number {
  const i = (QUALITY_RULES as readonly string[]).indexOf(rule);
  return i < 0 ? 0 : 1 << i;
}

/** The rules an example fails, as bits. */
export function failingBits(report: Pick<QualityReport, 'failures'>): number {
  let bits = 0;
  for (const f of report.failures) bits |= ruleBit(f.rule);
  return bits;
}

/** Flagged, and by none but these rules (bits of ruleBit): an example that also breaks another rule
 * is not what the user vouched for. */
export function flaggedOnlyBy(failing: number, rules: number): boolean {
  return failing !== 0 && (failing & ~rules) === 0;
}

export const rulesBits = (rules: readonly QualityRule[]): number => rules.reduce((bits, r) => bits | ruleBit(r), 0);

/** Rule names as a user gives them (`--include-flagged a,b`), each one of QUALITY_RULES, once each. */
export function parseRuleList(names: readonly string[], flag: string): QualityRule[] {
  for (const n of names) if (!(QUALITY_RULES as readonly string[]).includes(n)) throw new Error(`${flag}: no quality rule "${n}" (the rules are ${QUALITY_RULES.join(', ')})`);
  return [...new Set(names)] as QualityRule[];
}

/** Two choices that pick the same examples: the same rules and ids, in any order (`--leave-out b,a`
 * leaves out what `--leave-out a,b` does). None and an empty one are the same. */
export function sameInclusion(a: InclusionChoice | undefined, b: InclusionChoice | undefined): boolean {
  const same = (x: readonly string[] = [], y: readonly string[] = []) => {
    const ys = new Set(y);
    const xs = new Set(x);
    return xs.size === ys.size && [...xs].every((v) => ys.has(v));
  };
  return same(a?.includeFlagged, b?.includeFlagged) && same(a?.leaveOut, b?.leaveOut);
}

/** The choice ready to apply to one example at a time (a file streamed, `studio tokenize`). */
export interface ChoiceRule {
  rules: number;
  leaveOut: ReadonlySet<string>;
}

export const choiceRule = (choice: InclusionChoice): ChoiceRule => ({ rules: rulesBits(choice.includeFlagged ?? []), leaveOut: new Set(choice.leaveOut ?? []) });

/** What the choice makes of one example: 0 left out, 1 used, undefined (it says nothing of it: the
 * example stays as the check, or its line, has it). */
export function chosenInclusion(rule: ChoiceRule, id: string, quality: Pick<QualityReport, 'failures'>): 0 | 1 | undefined {
  if (rule.leaveOut.has(id)) return 0;
  return rule.rules && flaggedOnlyBy(failingBits(quality), rule.rules) ? 1 : undefined;
}

/** Applies the choice to rows (their `included` is set), and names each id to leave out that no
 * row has: a typo would otherwise train on the example the user meant to drop. */
export function applyInclusionChoice(rows: Array<{ id: string; quality: QualityReport; included: 0 | 1 }>, choice: InclusionChoice): { unknownIds: string[] } {
  const rule = choiceRule(choice);
  const seen = new Set<string>();
  for (const r of rows) {
    r.included = chosenInclusion(rule, r.id, r.quality) ?? r.included;
    if (rule.leaveOut.has(r.id)) seen.add(r.id);
  }
  return { unknownIds: [...rule.leaveOut].filter((id) => !seen.has(id)) };
}

/** Ids to leave out that no imported example has, in words (`imported`: how many there were). */
export function unknownLeaveOutText(unknownIds: readonly string[], imported: number): string {
  return `no example ${unknownIds.map((id) => `"${id}"`).join(', ')} to leave out among the ${plural(imported, 'example')} imported`;
}

/** The studio's choice per example as an unzipped snapshot's dataset.jsonl carries it (each line's
 * "included"), as a run folder that read it records it: an InclusionChoice cannot hold it (an
 * "included": true on a flagged example has no rule to name), so a later --adapter of that folder,
 * or of a run that started from it, uses the snapshot's examples without the snapshot. `from`: that
 * dataset.jsonl, for the notes. */
export interface LineChoices {
  from: string;
  included: string[];
  leftOut: string[];
}

export function lineChoicesRecord(choices: ReadonlyMap<string, boolean>, from: string): LineChoices {
  const ids = (chosen: boolean) => [...choices].filter(([, c]) => c === chosen).map(([id]) => id);
  return { from, included: ids(true), leftOut: ids(false) };
}

/** The record as a line's "included" per id; a field hand-edited into no list reads as none. */
export function lineChoicesMap(record: Partial<LineChoices>): Map<string, boolean> {
  const ids = (list: unknown) => (Array.isArray(list) ? list.filter((id): id is string => typeof id === 'string') : []);
  return new Map([...ids(record.included).map((id) => [id, true] as const), ...ids(record.leftOut).map((id) => [id, false] as const)]);
}
