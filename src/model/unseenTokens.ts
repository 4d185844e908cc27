// What the studio says of data whose tokens a model has no embedding for (tokenCoverage.ts counts
// them): here, apart from the counting, so the page reads it without the tokenizer's code.

export interface UnseenTokens {
  /** Examples read, and their tokens (whole, as rendered for training). */
  examples: number;
  tokens: number;
  /** Of those tokens, the ones without an embedding. */
  unseen: number;
  /** Tokens the model has an embedding for, of its vocabulary. */
  known: number;
  vocab: number;
}

/** At most this share of a dataset's tokens may lack an embedding before the studio warns. */
export const UNSEEN_SHARE_NOTED = 0.01;

/** What a run trained on such data comes to (the default), or an evaluation on it. */
export const UNSEEN_THEN_TRAINING = 'Trained on this data it will lower its loss on what it can read, and not learn to answer these requests.';
export const UNSEEN_THEN_EVALUATING = 'It cannot read these requests: its accuracy on them says nothing of what it would learn on data it can read.';

/** Why a run on this data cannot teach the model to answer it, or null when nearly every token has
 * an embedding. `model`: how the model is named where this is read; `side`: the examples counted. */
export function unseenTokensText(u: UnseenTokens, model: string, { side = 'training', then = UNSEEN_THEN_TRAINING }: { side?: 'training' | 'held-out'; then?: string } = {}): string | null {
  if (u.tokens === 0 || u.unseen / u.tokens <= UNSEEN_SHARE_NOTED) return null;
  const pct = Math.round((u.unseen / u.tokens) * 100);
  return `${pct}% of this data’s tokens (counted in ${u.examples.toLocaleString('en-US')} of its ${side} examples) are ones ${model} has no embedding for: it holds embeddings for only ${u.known.toLocaleString('en-US')} of its ${u.vocab.toLocaleString('en-US')} tokens (every other row is zero), so every other token reaches it as the same zero vector: it cannot tell them apart, nor write any of them, and LoRA leaves the embeddings as they are. ${then}`;
}
