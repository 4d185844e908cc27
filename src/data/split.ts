// The train/eval split: each example's side is a pure function of (seed, example id), so the split
// is the same on every device and after re-import, and adding examples never moves existing ones.
// HDR samples are train: they answer training prompts again, and held out they would put training
// questions in the eval set; unless a new split holds their question out, where they go with it
// (trained, they would train the held-out question). The calling turns of one conversation, each an
// example when every calling turn is learned (call-turns.ts), are one question: they share the
// conversation's side. Never depends on record order or on Math.random.

import { conversationOf } from './call-turns.ts';

export type SplitName = 'train' | 'eval';

export interface SplitSettings {
  seed: number;
  /** Share of examples held out for evaluation, in [0, 1). */
  evalFraction: number;
}

export const DEFAULT_SPLIT: SplitSettings = { seed: 1234, evalFraction: 0.1 };

/** Whether two splits hold out the same examples of the same data. */
export const sameSplit = (a: SplitSettings, b: SplitSettings): boolean => a.seed === b.seed && a.evalFraction === b.evalFraction;

/** The share held out in percent, as the studio and the CLI write it (10, 12.5). */
export const heldOutPercent = (evalFraction: number): number => +(evalFraction * 100).toFixed(2);

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

/** An example's side: an HDR sample's is train (eval when its question's is), any other's its
 * conversation's (splitOf the id without a calling turn's `#call<n>`). */
export function sideOf(example: { id: string; source?: string }, settings: SplitSettings): SplitName {
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
