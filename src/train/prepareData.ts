// From examples and a model's tokenizer to the trainer's inputs: tokenization with segments at the
// run's sequence length. Examples whose target alone exceeds the length, and examples the chat
// template or tokenizer cannot render, are skipped and reported by id and reason, never silently
// dropped, and never stop the run (HDR retraining skips them the same way). Also opens a model's tokenizer from its files. Used by the jobs
// layer (training, HDR retraining) in the worker and the CLI; never touches the GPU or storage.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Example } from '../data/example.ts';
import { ExampleTooLongError, tokenizeExample } from '../data/tokenize-example.ts';
import { readModelText, readTokenizerConfig, type ModelFiles } from '../model/model-files.ts';
import { loadTokenizer } from '../data/tokenizer-load.ts';
import type { TokenizedExample } from './batching.ts';

export async function tokenizerFromModel(files: ModelFiles): Promise<PreTrainedTokenizer> {
  return loadTokenizer(await readModelText(files, 'tokenizer.json'), await readTokenizerConfig(files), `${files.label}/tokenizer.json`);
}

/** What tokenizing an example at a length gave, by tokenizer and example object: an ablation's
 * arms train on the same example objects, and an HDR run's rounds retrain on them again, each
 * tokenizing the set anew (an ablation's six arms and two HDR rounds: eight times; about 3 ms an
 * example here, so 25 s each time for 10,000 examples). Held only as long as the examples and the
 * tokenizer are; nothing changes an example or a tokenized one after it is made. */
const tokenized = new WeakMap<PreTrainedTokenizer, WeakMap<Example, Map<number, { value: TokenizedExample } | { error: unknown }>>>();

/** One example as the trainer takes it; throws ExampleTooLongError when its target cannot fit. */
export function tokenizeForTraining(tokenizer: PreTrainedTokenizer, example: Example, seqLen: number): TokenizedExample {
  let byExample = tokenized.get(tokenizer);
  if (!byExample) tokenized.set(tokenizer, (byExample = new WeakMap()));
  let byLength = byExample.get(example);
  if (!byLength) byExample.set(example, (byLength = new Map()));
  let outcome = byLength.get(seqLen);
  if (!outcome) {
    try {
      const t = tokenizeExample(tokenizer, example, { maxLen: seqLen });
      outcome = { value: { id: t.id, inputIds: t.inputIds, segments: t.segments } };
    } catch (error) {
      outcome = { error };
    }
    byLength.set(seqLen, outcome);
  }
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

export interface TokenizedSet {
  examples: TokenizedExample[];
  /** One message per example that does not fit `seqLen` (ExampleTooLongError's, naming it). */
  tooLong: string[];
  /** One message per example the chat template or tokenizer cannot render (naming it). */
  unrendered: string[];
}

/** How a long tokenization reports and stops: progress in examples, and an abort signal read between
 * slices (a pause or stop while a 60k-example dataset tokenizes lands within a slice, not minutes later). */
export interface TokenizeRunOptions {
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

/** Examples tokenized between yields to the event loop: the worker answers messages in between. */
const SLICE = 64;

/** The sets a training run tokenizes from its examples at `seqLen`: every training example that
 * fits (in order: the data order indexes this list), and the held-out loss set, the first
 * `evalExamples` of the eval side that fit (fewer only when fewer fit); `tooLong` and `unrendered`
 * are the training examples skipped, `heldSkipped` the held-out ones passed over on the way. The trainer and the recipe export both use this.
 * Throws the signal's reason when it is aborted. */
export async function trainingSets(
  tokenizer: PreTrainedTokenizer,
  examples: { train: Example[]; eval: Example[] },
  config: { seqLen: number; evalExamples: number },
  options: TokenizeRunOptions = {},
): Promise<{ train: TokenizedExample[]; held: TokenizedExample[]; tooLong: string[]; unrendered: string[]; heldSkipped: string[] }> {
  const heldTotal = Math.min(config.evalExamples, examples.eval.length);
  const total = examples.train.length + heldTotal;
  const train = await tokenizeAllForTraining(tokenizer, examples.train, config.seqLen, { ...options, onProgress: (done) => options.onProgress?.(done, total) });
  // The first `evalExamples` that fit: a long one early in the eval side makes room for the next
  // instead of leaving the eval loss on fewer examples (or on none).
  const held = await tokenizeAllForTraining(tokenizer, examples.eval, config.seqLen, {
    signal: options.signal,
    limit: config.evalExamples,
    onProgress: (done) => options.onProgress?.(examples.train.length + Math.min(done, heldTotal), total),
  });
  options.onProgress?.(total, total);
  // The held-out examples passed over, either reason, said as held-out: the run tells the user why
  // its held-out loss is on fewer examples than asked (or on none), as it does for training ones.
  const heldSkipped = [...held.tooLong, ...held.unrendered].map((m) => `held-out ${m}`);
  return { train: train.examples, held: held.examples, tooLong: train.tooLong, unrendered: train.unrendered, heldSkipped };
}

/** `limit`: stop once that many examples fit (the rest are not read). */
export async function tokenizeAllForTraining(tokenizer: PreTrainedTokenizer, examples: Example[], seqLen: number, options: TokenizeRunOptions & { limit?: number } = {}): Promise<TokenizedSet> {
  const out: TokenizedSet = { examples: [], tooLong: [], unrendered: [] };
  for (const [i, ex] of examples.entries()) {
    if (out.examples.length >= (options.limit ?? Infinity)) break;
    try {
      out.examples.push(tokenizeForTraining(tokenizer, ex, seqLen));
    } catch (err) {
      if (err instanceof ExampleTooLongError) out.tooLong.push(err.message);
      else out.unrendered.push(skipReason(ex, err));
    }
    if ((i + 1) % SLICE === 0 || i === examples.length - 1) {
      options.onProgress?.(i + 1, examples.length);
      await new Promise((resolve) => setTimeout(resolve, 0));
      options.signal?.throwIfAborted();
    }
  }
  return out;
}

/** Why an example was skipped, naming it once: render and segment errors already start with it. */
export function skipReason(example: Example, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`example "${example.id}"`) ? message : `example "${example.id}": ${message}`;
}
