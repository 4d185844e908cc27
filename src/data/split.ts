// The train/eval split: each example's side is a pure function of the seed and what it asks, so the
// split is the same on every device and after re-import, and adding examples never moves existing
// ones. Examples asking the same question (the same request and tools, whatever the answer:
// synthetic datasets repeat requests word for word) share a side: split one by one, a held-out
// question was often one the model trained on, its verdict a measure of memory, not of the task.
// HDR samples answer their question again, so they go with it. The calling turns of one
// conversation, each an example when every calling turn is learned (call-turns.ts), are one
// question: a conversation goes by its first request, which they all share (conversations opening
// with the same request and tools share a side too). Never depends on record order or on
// Math.random.
// Datasets and run folders from before split each example by its id alone (`by` absent): they keep
// that split, HDR samples on the train side unless their question is held out, until split again.

import { conversationOf } from './call-turns.ts';
import type { Example } from './example.ts';
import { promptKey } from './prompt-key.ts';

export type SplitName = 'train' | 'eval';

export interface SplitSettings {
  seed: number;
  /** Share of questions held out for evaluation, in [0, 1). */
  evalFraction: number;
  /** 'question': examples asking the same question share a side. Absent: each example by its id,
   * as every split was before (stored datasets, run folders and snapshots keep it). */
  by?: 'question';
}

export const DEFAULT_SPLIT: SplitSettings = { seed: 1234, evalFraction: 0.1, by: 'question' };

/** The split of datasets and run folders made before splits went by question: the default seed and
 * share, each example by its id. */
export const EXAMPLE_SPLIT: SplitSettings = { seed: DEFAULT_SPLIT.seed, evalFraction: DEFAULT_SPLIT.evalFraction };

/** The split as a record keeps it: `by` only where it is by question. */
export function splitSettings(seed: number, evalFraction: number, byQuestion: boolean): SplitSettings {
  return byQuestion ? { seed, evalFraction, by: 'question' } : { seed, evalFraction };
}

/** Whether two splits hold out the same examples of the same data. */
export const sameSplit = (a: SplitSettings, b: SplitSettings): boolean => a.seed === b.seed && a.evalFraction === b.evalFraction && !!a.by === !!b.by;

/** The split in a cache key or signature: what sameSplit compares. */
export const splitKey = (s: SplitSettings | undefined): string => (s ? `${s.seed}/${s.evalFraction}${s.by ? `/${s.by}` : ''}` : '');

/** The share held out in percent, as the studio and the CLI write it (10, 12.5). */
export const heldOutPercent = (evalFraction: number): number => +(evalFraction * 100).toFixed(2);

/** "20% held out (seed 7)"; a split from before splits went by question says it went one by one. */
export const splitText = (s: SplitSettings): string => `${heldOutPercent(s.evalFraction)}% held out${s.by === 'question' ? '' : ' example by example'} (seed ${s.seed})`;

/** The shares of a dataset a user may hold out, in percent (the studio's "Split it again" and the
 * CLI's --held-out): some held out, and most left to train on. */
export const HELD_OUT_PERCENT = { min: 1, max: 50 } as const;

/** Why `percent` is no share to hold out (null: it is one). */
export function heldOutPercentProblem(percent: number): string | null {
  return Number.isFinite(percent) && percent >= HELD_OUT_PERCENT.min && percent <= HELD_OUT_PERCENT.max ? null : `must be from ${HELD_OUT_PERCENT.min}% to ${HELD_OUT_PERCENT.max}%, got ${percent}%`;
}

/** cyrb53: a fast 53-bit string hash with good avalanche, enough to spread ids uniformly. */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The question an HDR sample answers: its id without every `#hdr<round>.<n>` an HDR run added. */
export function hardCaseRootId(id: string): string {
  return id.replace(/(#hdr\d+(\.\d+)?)+$/, '');
}

/** What an example asks, for its side: its first request (the conversation up to its first answer)
 * and tools. A single request's is its whole prompt (promptKey); every calling turn of one
 * conversation (`#call<n>` and its last turn) shares it, and so does an HDR sample its question's. */
export function questionOf(example: Pick<Example, 'messages' | 'tools'>): string {
  const first = example.messages.findIndex((m) => m.role === 'assistant');
  return promptKey({ tools: example.tools, messages: first < 0 ? example.messages : example.messages.slice(0, first) });
}

/** An example's side. Split by question: its question's (questionOf). Split by example: an HDR
 * sample's is train (eval when its question's is), any other's its conversation's (splitOf the id
 * without a calling turn's `#call<n>`). */
export function sideOf(example: Pick<Example, 'id' | 'messages' | 'tools'> & { source?: string }, settings: SplitSettings): SplitName {
  if (settings.by === 'question') return splitOf(questionOf(example), settings);
  const side = splitOf(conversationOf(example.id), settings); // validates the settings for HDR samples too
  if (example.source !== 'hdr') return side;
  const root = hardCaseRootId(example.id);
  return root !== example.id && splitOf(conversationOf(root), settings) === 'eval' ? 'eval' : 'train';
}

export function splitOf(exampleId: string, settings: SplitSettings): SplitName {
  if (!(settings.evalFraction >= 0 && settings.evalFraction < 1)) throw new Error(`evalFraction must be in [0, 1), got ${settings.evalFraction}`);
  const u = hash53(exampleId, settings.seed) / 2 ** 53;
  return u < settings.evalFraction ? 'eval' : 'train';
}
