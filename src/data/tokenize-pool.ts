// The tokenizing threads at work (tokenize-threads.ts says how a host starts one): what a thread
// answers, and the pool that hands slices of examples to them. What an example tokenizes to is
// tokenize-example.ts's, whichever thread runs it.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { ExampleTooLongError, exampleLeast, exampleProfile, tokenizeExample } from './tokenize-example.ts';
import { loadTokenizer, tokenizerSource, type TokenizerSource } from './tokenizer-load.ts';
import type { Example } from './example.ts';
import { tokenizeThreads, type LeastOutcome, type ProfileOutcome, type TokenizeMessage, type TokenizeReply, type TokenizeTask, type TokenizeThread, type TokenizeThreads, type TrainOutcome } from './tokenize-threads.ts';

/** Examples under this many tokenize on the calling thread: starting threads, each building its
 * tokenizer (0.5 s for Qwen3's 11 MB file), costs more than it saves. */
export const THREADS_FROM = 1000;

/** Examples a thread is handed at once: the progress a pool reports, and what a stop waits for. */
const CHUNK = 64;
/** Chunks a thread holds at a time: the next one waits there while it answers the last. */
const IN_FLIGHT = 2;

// ── In a thread ──

let opened: PreTrainedTokenizer | null = null;

/** What a thread answers to one message (its `onmessage` calls this): nothing to `open`. The
 * typed arrays are moved to the caller, not copied. */
export function answerTokenizeMessage(message: TokenizeMessage): { reply: TokenizeReply; transfer: ArrayBuffer[] } | null {
  if (message.type === 'open') {
    opened = loadTokenizer(message.source.json, message.source.config, message.source.where);
    return null;
  }
  const { id, task, examples } = message;
  if (!opened) return { reply: { id, failed: 'no tokenizer was opened in this thread' }, transfer: [] };
  const tokenizer = opened;
  if (task.kind === 'profile') return { reply: { id, outcomes: examples.map((e) => profileOutcome(tokenizer, e)) }, transfer: [] };
  if (task.kind === 'least') return { reply: { id, outcomes: examples.map((e) => leastOutcome(tokenizer, e)) }, transfer: [] };
  const transfer: ArrayBuffer[] = [];
  const outcomes = examples.map((e) => {
    const outcome = trainOutcome(tokenizer, e, task.seqLen);
    if ('ids' in outcome) transfer.push(outcome.ids.buffer as ArrayBuffer, outcome.segments.buffer as ArrayBuffer);
    return outcome;
  });
  return { reply: { id, outcomes }, transfer };
}

/** `count` of one example, on whichever thread; null where the chat template cannot render it. */
function orNull<T>(count: (tokenizer: PreTrainedTokenizer, example: Example) => T): (tokenizer: PreTrainedTokenizer, example: Example) => T | null {
  return (tokenizer, example) => {
    try {
      return count(tokenizer, example);
    } catch {
      return null;
    }
  };
}

/** One example's counts (exampleProfile). */
export const profileOutcome: (tokenizer: PreTrainedTokenizer, example: Example) => ProfileOutcome = orNull(exampleProfile);
/** The least one example takes (exampleLeast). */
const leastOutcome: (tokenizer: PreTrainedTokenizer, example: Example) => LeastOutcome = orNull(exampleLeast);

/** What one example tokenizes to for training at `seqLen` (none: no limit), on whichever thread: the
 * one function both the pool's threads and the calling thread run. */
export function trainOutcome(tokenizer: PreTrainedTokenizer, example: Example, seqLen: number | undefined): TrainOutcome {
  try {
    const t = tokenizeExample(tokenizer, example, { maxLen: seqLen });
    return { ids: Int32Array.from(t.inputIds), segments: Uint8Array.from(t.segments) };
  } catch (err) {
    if (err instanceof ExampleTooLongError) return { tooLong: { tokens: err.tokens, maxLen: err.maxLen } };
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

// ── The calling side ──

/** Threads with `tokenizer` built in each, started by `openTokenizeThreads`; `close` ends them. */
export class TokenizeThreadPool {
  private readonly workers: TokenizeThread[] = [];
  private readonly pending = new Map<number, (reply: TokenizeReply) => void>();
  private nextId = 1;
  private broken: Error | null = null;
  /** The runs under way, each told should the threads fail. */
  private readonly running = new Set<() => void>();

  private readonly note: TokenizeThreads['note'];

  constructor(threads: Pick<TokenizeThreads, 'spawn' | 'note'>, size: number, source: TokenizerSource) {
    this.note = threads.note;
    for (let i = 0; i < size; i++) {
      const worker = threads.spawn();
      worker.onReply((reply) => {
        const answered = this.pending.get(reply.id);
        if (!answered) return;
        this.pending.delete(reply.id);
        answered(reply);
      });
      worker.onFailure((err) => this.breakDown(err));
      worker.post({ type: 'open', source });
      this.workers.push(worker);
    }
  }

  /** Why the threads are not used any more, or null. */
  get failure(): Error | null {
    return this.broken;
  }

  /**
   * Tokenizes `examples` for `task` on the threads, giving each chunk's outcomes to `onChunk` (its
   * first example's index, and one outcome per example, in order) as it comes back, in any order.
   * True when every example was answered; false when the threads failed (`failure` says why): the
   * chunks not given to `onChunk` are the caller's to tokenize. Throws the signal's reason when it
   * is aborted (the threads are ended then).
   */
  async run(examples: Example[], task: TokenizeTask, onChunk: (from: number, outcomes: TrainOutcome[] | ProfileOutcome[] | LeastOutcome[]) => void, signal?: AbortSignal): Promise<boolean> {
    if (this.broken) return false;
    signal?.throwIfAborted();
    let next = 0;
    let answered = 0;
    const chunks = Math.ceil(examples.length / CHUNK);
    return new Promise<boolean>((resolve, reject) => {
      const abort = () => {
        this.close();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', abort, { once: true });
      const finish = (done: boolean) => {
        signal?.removeEventListener('abort', abort);
        this.running.delete(broke);
        resolve(done);
      };
      const broke = () => finish(false);
      this.running.add(broke);
      const give = (worker: TokenizeThread) => {
        if (next >= chunks || this.broken) return;
        const from = next++ * CHUNK;
        const id = this.nextId++;
        this.pending.set(id, (reply) => {
          if (signal?.aborted || this.broken) return;
          if ('failed' in reply) {
            this.breakDown(new Error(reply.failed));
            return;
          }
          onChunk(from, reply.outcomes);
          if (++answered === chunks) finish(true);
          else give(worker);
        });
        worker.post({ type: 'tokenize', id, task, examples: examples.slice(from, from + CHUNK) });
      };
      if (chunks === 0) return finish(true);
      for (let k = 0; k < IN_FLIGHT; k++) for (const w of this.workers) give(w);
    });
  }

  close(): void {
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
    this.pending.clear();
    this.broken ??= new Error('the tokenizing threads were closed');
  }

  private breakDown(err: Error): void {
    if (this.broken) return;
    this.broken = new Error(`a tokenizing thread failed (${err.message}); tokenizing the rest on this one`);
    this.note?.(this.broken.message);
    for (const w of this.workers) w.terminate();
    this.pending.clear();
    for (const f of [...this.running]) f();
  }
}

/** Threads for `examples` examples to tokenize with `tokenizer`, or null where they would not help:
 * fewer than THREADS_FROM, no threads said for this host, or a tokenizer not built from its files
 * (loadTokenizer), which a thread could not build again. */
export function openTokenizeThreads(tokenizer: PreTrainedTokenizer, examples: number): TokenizeThreadPool | null {
  const threads = tokenizeThreads();
  if (!threads || examples < THREADS_FROM) return null;
  const source = tokenizerSource(tokenizer);
  if (!source) return null;
  try {
    return new TokenizeThreadPool(threads, Math.max(1, Math.min(threads.size, Math.ceil(examples / CHUNK))), source);
  } catch (err) {
    // A host that will not start them: the calling thread tokenizes, as without threads.
    threads.note?.(`tokenizing threads could not start (${err instanceof Error ? err.message : String(err)}); tokenizing on this one`);
    return null;
  }
}

/** Each of `examples`' outcome of `task`, in order: on `pool`'s threads where one is given, and
 * `here` what they leave (all of it without one). */
async function inOrder<T>(pool: TokenizeThreadPool | null, examples: Example[], task: TokenizeTask, here: (e: Example) => T): Promise<T[]> {
  const outcomes: T[] = new Array(examples.length);
  await pool?.run(examples, task, (from, chunk) => (chunk as T[]).forEach((o, k) => (outcomes[from + k] = o)));
  for (let i = 0; i < examples.length; i++) if (outcomes[i] === undefined) outcomes[i] = here(examples[i]);
  return outcomes;
}

/** What each of `examples` tokenizes to for training at `seqLen` (none: no limit), in order. */
export function trainOutcomes(tokenizer: PreTrainedTokenizer, examples: Example[], seqLen: number | undefined, pool: TokenizeThreadPool | null): Promise<TrainOutcome[]> {
  return inOrder(pool, examples, { kind: 'train', seqLen }, (e) => trainOutcome(tokenizer, e, seqLen));
}

/** Each of `examples`' outcome of `task`, in order: on threads of its own (closed after) where the
 * host has them and there are THREADS_FROM or more, else `here`. */
async function onOwnThreads<T>(tokenizer: PreTrainedTokenizer, examples: Example[], task: TokenizeTask, here: (tokenizer: PreTrainedTokenizer, e: Example) => T): Promise<T[]> {
  const pool = openTokenizeThreads(tokenizer, examples.length);
  try {
    return await inOrder(pool, examples, task, (e) => here(tokenizer, e));
  } finally {
    pool?.close();
  }
}

/** Each of `examples` counted (exampleProfile; null where the chat template cannot render it), in order. */
export const exampleProfiles = (tokenizer: PreTrainedTokenizer, examples: Example[]): Promise<ProfileOutcome[]> => onOwnThreads(tokenizer, examples, { kind: 'profile' }, profileOutcome);

/** The least each of `examples` takes with its earlier turns left out (exampleLeast; null where the
 * chat template cannot render that), in order. */
export const exampleLeasts = (tokenizer: PreTrainedTokenizer, examples: Example[]): Promise<LeastOutcome[]> => onOwnThreads(tokenizer, examples, { kind: 'least' }, leastOutcome);
