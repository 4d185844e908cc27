// What a GGUF check found over held-out answers (engineCheck.ts), and how the studio's notice
// and `studio export-gguf --check-data` say it: kept apart from the check, so the page can word it
// without loading the engine.

export interface HeldOutDivergence {
  examples: number;
  /** Positions compared: each conversation's, from the one before its first answer token to the one
   * before its last token (each predicts an answer token, or a turn between answers). */
  positions: number;
  /** Mean KL(trained ‖ file) of the next-token distributions, in nats. */
  meanKl: number;
  /** Positions where the file's most likely next token is the trained model's. */
  topSame: number;
}

/** "mean KL divergence from the trained model …, the same most likely next token at …". */
export function divergenceWords(h: HeldOutDivergence): string {
  const share = h.topSame === h.positions ? 'at every position' : `at ${((100 * h.topSame) / h.positions).toFixed(1)}% of them`;
  return `mean KL divergence from the trained model ${h.meanKl.toExponential(2)} nats, the same most likely next token ${share}`;
}
