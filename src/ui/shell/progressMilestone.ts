// What a screen reader hears of a long wait: that it started, then each quarter, never every chunk
// or step. The text depends only on the milestone, so a live region holding it changes (and speaks)
// only when a milestone is crossed.

/** The quarter reached (0 to 3: the end is said by the result, not "100%"). */
export function quarterOf(done: number, total: number): number {
  if (!(total > 0) || !(done > 0)) return 0;
  return Math.min(3, Math.floor((4 * done) / total));
}

/** "Evaluation started." then "Evaluation: 25% done." … With `phase` (a step before the job's own
 * work, such as the model's upload), the quarters are that phase's: "Evaluation: loading the model
 * onto the GPU, 25% done." */
export function progressMilestone(name: string, done: number, total: number, phase?: string): string {
  const q = quarterOf(done, total);
  if (phase) return q === 0 ? `${name}: ${phase}.` : `${name}: ${phase}, ${q * 25}% done.`;
  return q === 0 ? `${name} started.` : `${name}: ${q * 25}% done.`;
}
