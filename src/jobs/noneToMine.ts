// Why HDR finds no example to mine on one side of the split, found once for the studio's worker and
// the CLI, which each word it in their own terms (the page's panels, or the flags). Reads nothing.
import type { Example } from '../data/example.ts';
import { minableExamples } from '../hdr/index.ts';

export type NoneToMine =
  /** The split put examples on the side, and each is left out (flagged, or by the user). */
  | { reason: 'left-out'; count: number }
  /** The side's used examples are all samples an earlier HDR run added, which are never mined again. */
  | { reason: 'only-samples'; count: number }
  /** The split put no example on the side. */
  | { reason: 'split-none' };

/** null where the side has an example to mine. `used`: the side's used examples, HDR samples among
 * them; `leftOut`: its examples not used that are not HDR samples. */
export function whyNoneToMine(side: { used: Example[]; leftOut: number }): NoneToMine | null {
  if (minableExamples(side.used).length) return null;
  // Left out first: including them is what makes the side minable, whatever else it holds.
  if (side.leftOut) return { reason: 'left-out', count: side.leftOut };
  if (side.used.length) return { reason: 'only-samples', count: side.used.length };
  return { reason: 'split-none' };
}
