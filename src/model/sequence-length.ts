// Sequence-length rules shared by the memory plan and the jobs: what a chosen length is rounded up
// to, and the length HDR retrains at. Plain arithmetic on token counts; never tokenizes (callers
// count the tokens) and never allocates.

/** What a sequence length is rounded up to (the default one from the data, HDR's): kernels and the
 * memory plan like round shapes. */
export const SEQ_LEN_MULTIPLE = 64;

/** Tokens a sample's answer may add past its max new tokens when rendered for training: the
 * end-of-turn token and what the template writes around the parsed answer. */
const SAMPLE_RENDER_SLACK = 8;

/**
 * The sequence length HDR retrains at (jobs/hdr.ts fitSamples), so that it holds every sample HDR
 * can accept: the longest mined prompt plus an answer of `maxNewTokens`, rounded up as the default
 * length is, at most the model's `context`; never shorter than the run's `seqLen`. The memory plan
 * counts HDR's retraining at this length, as the job allocates it.
 */
export function hdrRetrainSeqLen(seqLen: number, longestPrompt: number, maxNewTokens: number, context: number): number {
  const fitted = Math.min(Math.ceil((longestPrompt + maxNewTokens + SAMPLE_RENDER_SLACK) / SEQ_LEN_MULTIPLE) * SEQ_LEN_MULTIPLE, context);
  return Math.max(seqLen, fitted);
}

/**
 * The longest prompt HDR mines, in tokens, of the prompts it is given (the mined examples', in
 * tokens): mining asks no example whose prompt and answer pass the model's `context`
 * (eval/evaluate.ts), so none of its samples can be accepted and its prompt does not count.
 * 0 when none is left. The HDR job and the page's memory plan take HDR's length from it.
 */
export function longestMinedPrompt(prompts: Iterable<number>, maxNewTokens: number, context: number): number {
  let longest = 0;
  for (const prompt of prompts) if (prompt + maxNewTokens <= context) longest = Math.max(longest, prompt);
  return longest;
}
