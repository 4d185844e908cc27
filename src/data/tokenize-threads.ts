// Tokenizing a large dataset on other threads: how this host starts one, and the messages (the pool
// and what a thread does: tokenize-pool.ts; this module loads nothing, so the CLI says it at start).
// Each example costs one to two milliseconds (transformers.js's encode, most of it): a 60,000-example
// dataset took over two minutes on one thread before a run's first step, and as long again for the
// Dataset panel's counts. Examples tokenize apart from
// each other, so threads of their own take slices of them, each with a tokenizer built from the same
// two files (the same ids, to the token: tests/data/tokenize-threads.test.ts).
// The host says how it starts a thread (the page's GPU worker: a module Worker; the CLI: a
// worker_threads Worker) with setTokenizeThreads; with none said (the unit tests, a browser that
// will not start workers), everything tokenizes on the calling thread, as it did. A thread that
// fails to start or dies loses nothing: the caller tokenizes what it did not answer.
import type { Example } from './example.ts';
import type { ExampleProfile } from './tokenize-example.ts';
import type { TokenizerSource } from './tokenizer-load.ts';

/** What a thread does with each example: its training tokens at a sequence length (none: whole, as
 * `studio tokenize` writes them without --max-len), the counts the Dataset panel shows
 * (exampleProfile), or the least it takes with earlier turns left out (exampleLeast). */
export type TokenizeTask = { kind: 'train'; seqLen?: number } | { kind: 'profile' } | { kind: 'least' };

/** One example tokenized for training: its tokens and segments, or why it is skipped. */
export type TrainOutcome = { ids: Int32Array; segments: Uint8Array } | { tooLong: { tokens: number; maxLen: number } } | { error: string };
/** One example counted: null where the chat template cannot render it. */
export type ProfileOutcome = ExampleProfile | null;
/** The least one example takes (exampleLeast): null where the chat template cannot render that. */
export type LeastOutcome = number | null;

export type TokenizeMessage =
  | { type: 'open'; source: TokenizerSource }
  | { type: 'tokenize'; id: number; task: TokenizeTask; examples: Example[] };

export type TokenizeReply = { id: number; outcomes: TrainOutcome[] | ProfileOutcome[] | LeastOutcome[] } | { id: number; failed: string };

/** A started thread as the pool uses it. */
export interface TokenizeThread {
  post(message: TokenizeMessage): void;
  onReply(listener: (reply: TokenizeReply) => void): void;
  onFailure(listener: (err: Error) => void): void;
  terminate(): void;
}

export interface TokenizeThreads {
  spawn(): TokenizeThread;
  /** Threads a pool starts. */
  size: number;
  /** Says, once a pool, why its threads failed and the calling thread tokenizes the rest (slower,
   * the same results): a user whose counts take minutes should know why. */
  note?(message: string): void;
}

let threads: TokenizeThreads | null = null;

/** How this host starts threads, or null: they are not used. */
export function tokenizeThreads(): TokenizeThreads | null {
  return threads;
}

/** How this host starts tokenizing threads, or null to tokenize on the calling thread; returns what
 * was said before (a command that says it for its own run puts that back after). */
export function setTokenizeThreads(value: TokenizeThreads | null): TokenizeThreads | null {
  const before = threads;
  threads = value;
  return before;
}

