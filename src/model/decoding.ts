// How evaluation, HDR and the playground decode, in numbers only: the shape the memory plan sizes the
// KV cache for, the defaults, and the decoding rate an answer reports. No engine code: the page
// imports these too.

/** How evaluation and HDR decode: answers at once (rows of the KV cache) and new tokens per answer. */
export interface DecodeShape {
  batch: number;
  maxNewTokens: number;
  /** The longest prompt they decode, in tokens, where the data is known: prompts are rendered whole
   * (training's length limit does not cut them), so a longer one than the training sequence takes a
   * longer cache. Prompts up to the training sequence are assumed when absent or shorter. */
  promptTokens?: number;
  /** The prompt lengths, in tokens, of the examples HDR mines (the training side's own, up to its
   * mining limit): it retrains at the length that holds the longest it can accept
   * (longestMinedPrompt, as jobs/hdr.ts fitSamples takes it). `promptTokens` when absent. */
  minedPrompts?: number[];
  /** The new tokens per answer HDR samples (the HDR form's, or the ablation's HDR arm's): with the
   * longest mined prompt they set its retraining length. `maxNewTokens` when absent; evaluation's
   * longer answers size the cache, not HDR's retraining. */
  hdrMaxNewTokens?: number;
  /** Tokens drawn at a temperature (studio eval --temperature) rather than taken greedily: the
   * sampler's buffers sit beside the decode scratch. Greedy when absent; HDR always samples. */
  sampled?: boolean;
}

/** How evaluation, HDR and the ablation decode unless told otherwise, and so the decoding the plan
 * assumes when the shape names none: the one source of those defaults (eval/evaluate.ts,
 * hdr/settings.ts and jobs/ablationConfig.ts read it). */
export const DEFAULT_DECODE: DecodeShape = { batch: 8, maxNewTokens: 512 };

/** Decode steps after the first token of an answer of `tokens` tokens: an answer the model ended
 * took one more step for its end-of-answer token, which it does not count (a rate over the answer's
 * tokens alone read 10% low at 10 tokens). */
export function decodeStepsAfterFirst(tokens: number, finishReason: string): number {
  return Math.max(0, tokens - 1 + (finishReason === 'eos' ? 1 : 0));
}

/** The decoding rate (tokens/s): the steps after the first token over their time; null when no step
 * followed it (a one-token answer the limit cut off), not a rate of 0. */
export function decodeTokensPerSecond(tokens: number, finishReason: string, decodeMillis: number): number | null {
  const steps = decodeStepsAfterFirst(tokens, finishReason);
  return steps > 0 && decodeMillis > 0 ? steps / (decodeMillis / 1000) : null;
}
