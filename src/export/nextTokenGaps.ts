// Two runtimes' next-token distributions compared as llama.cpp's check and the studio's read-back
// check of a GGUF compare them: as log-probability gaps to the position's most likely token over
// the other side's top tokens (a gap is a logit difference, free of the softmax's normalisation
// over a cut list).
import { argmax } from './engineLogits.ts';

/** f32 gaps agree to f32 rounding (measured 5e-6 on the tiny models); this is 20 times that. */
export const F32_GAP_TOLERANCE = 1e-4;

/** Our logits [positions, V] against another runtime's next-token distribution, given at each
 * position as its most likely token and the log-probability gaps to it of its top tokens: the
 * largest difference of gaps, and the positions whose most likely tokens differ by more than a tie
 * (top tokens whose logits differ by less than twice that largest difference). */
export function compareGaps(logits: Float32Array, V: number, theirs: Array<{ top: number; gaps: Array<[number, number]> }>): { maxGapDiff: number; topDisagreements: number } {
  let maxGapDiff = 0;
  const tops: Array<{ ours: number; theirs: number; oursGap: number }> = [];
  theirs.forEach(({ top, gaps }, p) => {
    for (const [id, gap] of gaps) maxGapDiff = Math.max(maxGapDiff, Math.abs(gap - (logits[p * V + id] - logits[p * V + top])));
    const oursTop = argmax(logits, p * V, V);
    tops.push({ ours: oursTop, theirs: top, oursGap: logits[p * V + oursTop] - logits[p * V + top] });
  });
  const tie = Math.max(2 * maxGapDiff, F32_GAP_TOLERANCE);
  return { maxGapDiff, topDisagreements: tops.filter((t) => t.ours !== t.theirs && t.oursGap > tie).length };
}

