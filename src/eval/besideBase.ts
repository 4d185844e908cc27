// What differs between an adapter's answer and the base model's to the same question, settings and
// seed: the words, the calls, and the verdicts when both were checked against a held-out example.
// The Playground says it under the adapter's answer; `studio generate --beside-base` after both.
import { targetCallTexts } from '../data/call-text.ts';
import type { Target } from '../data/example.ts';

/** One answer as the comparison reads it: its text and parsed calls (`parseError` when they do not
 * parse), and the evaluation's verdict where it was checked against a held-out example. */
export interface BesideAnswer extends Pick<Target, 'calls' | 'wholeFloats'> {
  text: string;
  parseError?: string;
  check?: { correct: boolean };
  finishReason: string;
}

/** What differs between the adapter's answer and the base model's to the same question: the words,
 * the calls, and the verdicts when both were checked against a held-out example. Said under the
 * adapter's answer, where the eye is, before the base model's answer below it. */
export function besideBaseText(adapter: BesideAnswer, base: BesideAnswer): string {
  if (adapter.finishReason === 'aborted' || base.finishReason === 'aborted') return 'One of the two answers was cancelled part-way: they cannot be compared.';
  const calls = (a: BesideAnswer) => (a.parseError ? null : targetCallTexts(a).slice().sort().join('\n'));
  const [mine, theirs] = [calls(adapter), calls(base)];
  let what: string;
  if (adapter.text === base.text) return 'The base model answers the same, word for word: training did not change this answer.';
  if (mine === null && theirs === null) what = 'Neither answer’s calls parse.';
  else if (mine === theirs) what = adapter.calls.length ? 'The base model makes the same calls, with other words around them.' : 'Neither calls a tool; the base model’s words differ.';
  else if (theirs === null) what = 'The base model’s calls do not parse; the adapter’s do.';
  else if (mine === null) what = 'The adapter’s calls do not parse; the base model’s do.';
  else what = 'The base model makes other calls.';
  if (!adapter.check || !base.check) return what;
  if (adapter.check.correct && base.check.correct) return `${what} Both would count right.`;
  if (!adapter.check.correct && !base.check.correct) return `${what} Both would count wrong.`;
  if (adapter.check.correct) return `${what} The adapter’s answer would count right and the base model’s wrong: training fixed this one.`;
  return `${what} The base model’s answer would count right and the adapter’s wrong: training broke this one.`;
}
