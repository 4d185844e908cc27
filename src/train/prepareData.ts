// From examples and a model's tokenizer to the trainer's inputs: tokenization with segments at the
// run's sequence length. Examples whose target alone exceeds the length, and examples the chat
// template or tokenizer cannot render, are skipped and reported by id and reason, never silently
// dropped, and never stop the run (HDR retraining skips them the same way). Also opens a model's tokenizer from its files. Used by the jobs
// layer (training, HDR retraining) in the worker and the CLI; never touches the GPU or storage.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Example } from '../data/example.ts';
import { ExampleTooLongError, hasEarlierTurns, promptTail } from '../data/tokenize-example.ts';
import { openTokenizeThreads, trainOutcome } from '../data/tokenize-pool.ts';
import type { TrainOutcome } from '../data/tokenize-threads.ts';
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
const tokenized = new WeakMap<PreTrainedTokenizer, WeakMap<Example, Map<number, Kept>>>();

type Kept = { value: TokenizedExample & { inputIds: Int32Array; segments: Uint8Array } } | { error: unknown };

/** The length an example tokenized whole is kept at (wholeTokenizations): no limit. */
const WHOLE = Infinity;

function byLengthOf(tokenizer: PreTrainedTokenizer, example: Example): Map<number, Kept> {
  let byExample = tokenized.get(tokenizer);
  if (!byExample) tokenized.set(tokenizer, (byExample = new WeakMap()));
  let byLength = byExample.get(example);
  if (!byLength) byExample.set(example, (byLength = new Map()));
  return byLength;
}

/** What `example` tokenizes to at `seqLen`, read off its whole tokenization where that decides it: one
 * that fits whole is its whole ids (cut only in the prompt tail after its last answer token, as
 * tokenizeExample cuts it); one that does not, with no earlier turns to leave out, is too long; and
 * one the chat template cannot render fails at every length alike. Null where earlier turns must be
 * left out to fit (tokenized again). */
function fromWhole(whole: Kept, example: Example, seqLen: number): Kept | null {
  if ('error' in whole) return whole;
  const { id, inputIds, segments } = whole.value;
  const needs = inputIds.length - promptTail(segments);
  if (needs > seqLen) return hasEarlierTurns(example) ? null : { error: new ExampleTooLongError(example.id, needs, seqLen) };
  return inputIds.length <= seqLen ? whole : { value: { id, inputIds: inputIds.subarray(0, seqLen), segments: segments.subarray(0, seqLen) } };
}

/** What `example` was tokenized to at `seqLen` before, or read off its whole tokenization (kept at
 * `seqLen` from then on); undefined where neither answers. */
function keptAt(tokenizer: PreTrainedTokenizer, example: Example, seqLen: number): Kept | undefined {
  const byLength = byLengthOf(tokenizer, example);
  const kept = byLength.get(seqLen);
  if (kept !== undefined || seqLen === WHOLE) return kept;
  const whole = byLength.get(WHOLE);
  if (!whole) return undefined;
  const derived = fromWhole(whole, example, seqLen);
  // A whole that does not fit is read no more (the example is too long, or tokenized again without
  // earlier turns): the longest examples' ids are not held for the rest of the run.
  if (derived === null || ('error' in derived && !('error' in whole))) byLength.delete(WHOLE);
  if (derived) byLength.set(seqLen, derived);
  return derived ?? undefined;
}

/** Keeps what `example` tokenized to at `seqLen`, here or on a thread (the same outcome either way). */
function keep(tokenizer: PreTrainedTokenizer, example: Example, seqLen: number, outcome: TrainOutcome): void {
  byLengthOf(tokenizer, example).set(
    seqLen,
    'ids' in outcome
      ? { value: { id: example.id, inputIds: outcome.ids, segments: outcome.segments } }
      : { error: 'tooLong' in outcome ? new ExampleTooLongError(example.id, outcome.tooLong.tokens, outcome.tooLong.maxLen) : new Error(outcome.error) },
  );
}

/** One example as the trainer takes it (its ids an Int32Array, its segments a Uint8Array: a quarter of
 * the memory of number arrays, 60,000 examples held at once); throws ExampleTooLongError when its
 * target cannot fit. */
export function tokenizeForTraining(tokenizer: PreTrainedTokenizer, example: Example, seqLen: number): TokenizedExample {
  if (!keptAt(tokenizer, example, seqLen)) keep(tokenizer, example, seqLen, trainOutcome(tokenizer, example, lengthLimit(seqLen)));
  const outcome = byLengthOf(tokenizer, example).get(seqLen)!;
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

const lengthLimit = (seqLen: number): number | undefined => (seqLen === WHOLE ? undefined : seqLen);

/** Each of `examples` tokenized whole (no length limit; null: the chat template cannot render it), on
 * threads where the host has them, and kept: the run that counts them for its default sequence
 * length (defaultSeqLen) then trains at that length on the same ids, not on a second tokenization,
 * for every example that fits whole. */
export async function wholeTokenizations(tokenizer: PreTrainedTokenizer, examples: Example[], options: TokenizeRunOptions = {}): Promise<Array<TokenizedExample | null>> {
  await tokenizeAllForTraining(tokenizer, examples, WHOLE, options);
  return examples.map((e) => {
    const kept = byLengthOf(tokenizer, e).get(WHOLE)!;
    return 'error' in kept ? null : kept.value;
  });
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

/** `limit`: stop once that many examples fit (the rest are not read). A set of THREADS_FROM examples
 * or more not tokenized before is tokenized on threads where the host has them (tokenize-threads.ts),
 * then read back here in order. */
export async function tokenizeAllForTraining(tokenizer: PreTrainedTokenizer, examples: Example[], seqLen: number, options: TokenizeRunOptions & { limit?: number } = {}): Promise<TokenizedSet> {
  const out: TokenizedSet = { examples: [], tooLong: [], unrendered: [] };
  const threaded = options.limit === undefined ? await tokenizeOnThreads(tokenizer, examples, seqLen, options) : 0;
  let lastYield = performance.now();
  for (const [i, ex] of examples.entries()) {
    if (out.examples.length >= (options.limit ?? Infinity)) break;
    try {
      out.examples.push(tokenizeForTraining(tokenizer, ex, seqLen));
    } catch (err) {
      if (err instanceof ExampleTooLongError) out.tooLong.push(err.message);
      else out.unrendered.push(skipReason(ex, err));
    }
    // Read back from the threads, a slice is a few milliseconds: yield when time has passed, not
    // every slice (a browser worker's timers wait 4 ms each once nested).
    const last = i === examples.length - 1;
    if (((i + 1) % SLICE === 0 && (threaded === 0 || performance.now() - lastYield > 50)) || last) {
      options.onProgress?.(Math.max(i + 1, threaded), examples.length);
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = performance.now();
      options.signal?.throwIfAborted();
    }
  }
  return out;
}

/** Tokenizes the examples of `examples` not tokenized at `seqLen` before on threads, keeping each
 * outcome (tokenizeForTraining then finds it); returns how many of `examples` are tokenized after
 * it (for progress), 0 where no threads were used. Those the threads left (they failed) are the
 * caller's, on this thread. */
async function tokenizeOnThreads(tokenizer: PreTrainedTokenizer, examples: Example[], seqLen: number, options: TokenizeRunOptions): Promise<number> {
  const missing = examples.filter((e) => !keptAt(tokenizer, e, seqLen));
  const pool = openTokenizeThreads(tokenizer, missing.length);
  if (!pool) return 0;
  let done = examples.length - missing.length;
  try {
    options.onProgress?.(done, examples.length);
    await pool.run(missing, { kind: 'train', seqLen: lengthLimit(seqLen) }, (from, outcomes) => {
      (outcomes as TrainOutcome[]).forEach((o, k) => keep(tokenizer, missing[from + k], seqLen, o));
      done += outcomes.length;
      options.onProgress?.(done, examples.length);
    }, options.signal);
  } finally {
    pool.close();
  }
  return done;
}

/** Why an example was skipped, naming it once: render and segment errors already start with it. */
export function skipReason(example: Example, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`example "${example.id}"`) ? message : `example "${example.id}": ${message}`;
}
