// The held-out conversations a GGUF check compares next-token distributions over, one choice for the
// studio's Check it and `studio export-gguf --check-data`: up to CHECK_HELD_OUT_EXAMPLES of the
// held-out side (every call category in its share), rendered and tokenized as training renders them
// at the run's length, each with the index of its first answer token (the positions before it only
// read the prompt; what the model is tuned to say starts there).
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Example } from '../data/example.ts';
import { tokenizeAllForTraining } from '../train/prepareData.ts';
import { SEGMENT } from '../train/batching.ts';
import { evaluationSample } from './data.ts';

/** Held-out conversations the check compares the next-token distributions over, at most. */
export const CHECK_HELD_OUT_EXAMPLES = 8;

export async function heldOutAnswers(tokenizer: PreTrainedTokenizer, examples: Example[], seqLen: number, signal?: AbortSignal): Promise<Array<{ ids: ArrayLike<number>; firstAnswer: number }>> {
  const tokenized = (await tokenizeAllForTraining(tokenizer, evaluationSample(examples, CHECK_HELD_OUT_EXAMPLES), seqLen, { signal })).examples;
  return tokenized
    .map((e) => ({ ids: e.inputIds, firstAnswer: Array.prototype.findIndex.call(e.segments, (s: number) => s !== SEGMENT.prompt) }))
    .filter((h) => h.firstAnswer >= 1 && h.firstAnswer < h.ids.length);
}
