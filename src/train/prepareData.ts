// From examples and a model's tokenizer to the trainer's inputs: tokenization with segments at the
// run's sequence length. Examples whose target alone exceeds the length are reported by id and
// reason, never silently dropped. Also opens a model's tokenizer from its files. Used by the jobs
// layer (training, HDR retraining) in the worker and the CLI; never touches the GPU or storage.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Example } from '../data/example.ts';
import { ExampleTooLongError, tokenizeExample } from '../data/tokenize-example.ts';
import { readModelText, type ModelFiles } from '../model/model-files.ts';
import { loadTokenizer } from '../data/tokenizer-load.ts';
import type { TokenizedExample } from './batching.ts';

export async function tokenizerFromModel(files: ModelFiles): Promise<PreTrainedTokenizer> {
  const json = JSON.parse(await readModelText(files, 'tokenizer.json'));
  const config = JSON.parse(await readModelText(files, 'tokenizer_config.json'));
  // Recent transformers saves the chat template beside tokenizer_config.json, not in it.
  if (config.chat_template == null) {
    const jinja = await readModelText(files, 'chat_template.jinja', true);
    if (jinja !== null) config.chat_template = jinja;
  }
  return loadTokenizer(json, config);
}

/** One example as the trainer takes it; throws ExampleTooLongError when its target cannot fit. */
export function tokenizeForTraining(tokenizer: PreTrainedTokenizer, example: Example, seqLen: number): TokenizedExample {
  const t = tokenizeExample(tokenizer, example, { maxLen: seqLen });
  return { id: t.id, inputIds: t.inputIds, segments: t.segments };
}

export interface TokenizedSet {
  examples: TokenizedExample[];
  /** One message per example that does not fit `seqLen` (ExampleTooLongError's, naming it). */
  tooLong: string[];
}

/** The sets a training run tokenizes from its examples at `seqLen`: every training example that
 * fits (in order: the data order indexes this list), and the held-out loss set, the first
 * `evalExamples` of the eval side that fit. The trainer and the recipe export both use this. */
export function trainingSets(tokenizer: PreTrainedTokenizer, examples: { train: Example[]; eval: Example[] }, config: { seqLen: number; evalExamples: number }): { train: TokenizedExample[]; held: TokenizedExample[]; tooLong: string[] } {
  const train = tokenizeAllForTraining(tokenizer, examples.train, config.seqLen);
  const held = tokenizeAllForTraining(tokenizer, examples.eval.slice(0, config.evalExamples), config.seqLen);
  return { train: train.examples, held: held.examples, tooLong: train.tooLong };
}

export function tokenizeAllForTraining(tokenizer: PreTrainedTokenizer, examples: Example[], seqLen: number): TokenizedSet {
  const out: TokenizedSet = { examples: [], tooLong: [] };
  for (const ex of examples) {
    try {
      out.examples.push(tokenizeForTraining(tokenizer, ex, seqLen));
    } catch (err) {
      if (err instanceof ExampleTooLongError) out.tooLong.push(err.message);
      else throw err;
    }
  }
  return out;
}
