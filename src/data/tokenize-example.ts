// One Example → token ids with a segment per token (0 prompt, 1 cot, 2 call), using the model's
// chat template and tokenizer, with DESIGN.md's length rule: a sequence over the limit loses earlier
// turns first, whole (then the prompt tail after the final end-of-turn token), never the system
// prompt, the tool list or the final turn; an example that still does not fit is reported as too
// long and skipped. Earlier assistant turns are prompt: a calling turn to learn is an example of its
// own (call-turns.ts), rendered as the model sees the conversation when it answers there.
// Never pads or batches: packing is the batcher's job.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { renderExample } from './chat-render.ts';
import type { Example } from './example.ts';
import type { ExampleFit } from './length-stats.ts';
import { SEGMENT_CALL, SEGMENT_COT, SEGMENT_PROMPT, segmentTokens, type SegmentId, type TextPiece } from './token-segments.ts';

export interface TokenizedExample {
  id: string;
  inputIds: number[];
  segments: SegmentId[];
  /** Tokens removed to fit the limit (0 when none): earlier turns, then the prompt tail after the
   * final end-of-turn token. */
  truncatedTokens: number;
  /** Earlier conversation turns left out to fit the limit (0 when none). */
  droppedTurns: number;
  counts: { prompt: number; cot: number; call: number };
}

export class ExampleTooLongError extends Error {
  /** `tokens`: what the example still needs with every earlier turn left out. */
  constructor(readonly exampleId: string, readonly tokens: number, readonly maxLen: number) {
    super(`example "${exampleId}": ${tokens} tokens even with earlier turns left out (system prompt, tools and the final turn are never cut), over the ${maxLen}-token limit; skipped`);
    this.name = 'ExampleTooLongError';
  }
}

export interface TokenizeOptions {
  /** Maximum sequence length in tokens; no limit when omitted. */
  maxLen?: number;
}

export function countSegments(segments: ArrayLike<number>): TokenizedExample['counts'] {
  const counts = { prompt: 0, cot: 0, call: 0 };
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s === SEGMENT_COT) counts.cot++;
    else if (s === SEGMENT_CALL) counts.call++;
    else counts.prompt++;
  }
  return counts;
}

/** Token ids and segments of the whole rendered example, with no length limit. */
function tokenizeWhole(tokenizer: PreTrainedTokenizer, example: Example): { ids: number[]; segments: SegmentId[] } {
  const r = renderExample(tokenizer, example);
  const pieces: TextPiece[] = [
    { start: 0, end: r.promptEnd, segment: SEGMENT_PROMPT },
    { start: r.promptEnd, end: r.cotEnd, segment: SEGMENT_COT },
    { start: r.cotEnd, end: r.callEnd, segment: SEGMENT_CALL },
    { start: r.callEnd, end: r.text.length, segment: SEGMENT_PROMPT },
  ];
  const { ids, segments } = segmentTokens(tokenizer, r.text, pieces.filter((p) => p.end > p.start), example.id);
  return { ids, segments };
}

/**
 * Where the conversation can be shortened: after the leading system messages, whole earlier turns
 * (a user message and what follows it up to the next user message) before the final user message.
 * Returns the message lists with 1, 2, … earlier turns left out, shortest loss first.
 */
export function shorterConversations(messages: Example['messages']): Array<Example['messages']> {
  let head = 0;
  while (head < messages.length && messages[head].role === 'system') head++;
  let lastUser = messages.length - 1;
  while (lastUser >= head && messages[lastUser].role !== 'user') lastUser--;
  if (lastUser <= head) return [];
  const starts: number[] = [head];
  for (let i = head + 1; i < lastUser; i++) if (messages[i].role === 'user') starts.push(i);
  starts.push(lastUser);
  return starts.slice(1).map((from) => [...messages.slice(0, head), ...messages.slice(from)]);
}

export function tokenizeExample(tokenizer: PreTrainedTokenizer, example: Example, options: TokenizeOptions = {}): TokenizedExample {
  const maxLen = options.maxLen;
  const full = tokenizeWhole(tokenizer, example);
  let { ids, segments } = full;
  let droppedTurns = 0;
  // DESIGN.md's rule: earlier turns go first, whole; the system prompt, the tool list and the
  // final turn (its user message, any calls and tool results, and the target) are never cut.
  const fits = (n: number, segs: SegmentId[]) => maxLen === undefined || n - promptTail(segs) <= maxLen;
  if (!fits(ids.length, segments)) {
    const shorter = shorterConversations(example.messages);
    for (const [k, messages] of shorter.entries()) {
      ({ ids, segments } = tokenizeWhole(tokenizer, { ...example, messages }));
      droppedTurns = k + 1;
      if (fits(ids.length, segments)) break;
    }
    if (!fits(ids.length, segments)) throw new ExampleTooLongError(example.id, ids.length - promptTail(segments), maxLen!);
  }
  // What is left over may only be the prompt tail after the final end-of-turn token (a newline).
  if (maxLen !== undefined && ids.length > maxLen) {
    ids = ids.slice(0, maxLen);
    segments = segments.slice(0, maxLen);
  }
  return { id: example.id, inputIds: ids, segments, truncatedTokens: full.ids.length - ids.length, droppedTurns, counts: countSegments(segments) };
}

/**
 * The example's tokens whole, what it needs with every turn kept (without the prompt tail), and the
 * least it can take under the length rule (every earlier turn left out, without the prompt tail),
 * for truncation reports (length-stats.ts).
 */
export function exampleFit(tokenizer: PreTrainedTokenizer, example: Example): ExampleFit {
  const { total, full, minimum } = exampleProfile(tokenizer, example);
  return { total, full, minimum };
}

/** exampleFit and the whole example's tokens per segment, from one tokenization (two for a
 * conversation with earlier turns): all the dataset views count. */
export interface ExampleProfile extends ExampleFit {
  prompt: number;
  cot: number;
  call: number;
}

export function exampleProfile(tokenizer: PreTrainedTokenizer, example: Example): ExampleProfile {
  const full = tokenizeWhole(tokenizer, example);
  const fullNeeds = full.ids.length - promptTail(full.segments);
  return { total: full.ids.length, full: fullNeeds, minimum: hasEarlierTurns(example) ? exampleLeast(tokenizer, example) : fullNeeds, ...countSegments(full.segments) };
}

/** Whether the length rule can leave out any of `example`'s turns. */
export const hasEarlierTurns = (example: Pick<Example, 'messages'>): boolean => shorterConversations(example.messages).length > 0;

/** The least `example` can take under the length rule: its tokens with every earlier turn left out,
 * without the prompt tail (exampleFit's `minimum`); throws where the template cannot render that. */
export function exampleLeast(tokenizer: PreTrainedTokenizer, example: Example): number {
  const shortest = shorterConversations(example.messages).at(-1);
  const least = tokenizeWhole(tokenizer, shortest ? { ...example, messages: shortest } : example);
  return least.ids.length - promptTail(least.segments);
}

/** Prompt tokens after the last target token (the template's newline after the end-of-turn token). */
export function promptTail(segments: ArrayLike<number>): number {
  let n = 0;
  while (n < segments.length && segments[segments.length - 1 - n] === SEGMENT_PROMPT) n++;
  return n === segments.length ? 0 : n;
}

export interface TokenizeDatasetResult {
  tokenized: TokenizedExample[];
  /** Examples whose target alone exceeds maxLen, by id. */
  tooLong: ExampleTooLongError[];
  /** Examples the template or tokenizer could not handle (e.g. a border that cannot be found). */
  failed: Array<{ id: string; reason: string }>;
}

export interface TokenizeDatasetOptions extends TokenizeOptions {
  /** Examples per slice between yields to the event loop (default 64). */
  sliceSize?: number;
  onProgress?: (p: { examplesDone: number; examplesTotal: number }) => void;
}

/**
 * Tokenizes many examples in slices, yielding a macrotask between slices so a page (or a worker
 * answering messages) stays responsive. Too-long and failing examples are collected, not thrown,
 * so one odd example never stops a whole dataset.
 */
export async function tokenizeDataset(tokenizer: PreTrainedTokenizer, examples: Example[], options: TokenizeDatasetOptions = {}): Promise<TokenizeDatasetResult> {
  const slice = options.sliceSize ?? 64;
  const tokenized: TokenizedExample[] = [];
  const tooLong: ExampleTooLongError[] = [];
  const failed: TokenizeDatasetResult['failed'] = [];
  for (let i = 0; i < examples.length; i += slice) {
    for (const e of examples.slice(i, i + slice)) {
      try {
        tokenized.push(tokenizeExample(tokenizer, e, options));
      } catch (err) {
        if (err instanceof ExampleTooLongError) tooLong.push(err);
        else failed.push({ id: e.id, reason: (err as Error).message });
      }
    }
    options.onProgress?.({ examplesDone: Math.min(examples.length, i + slice), examplesTotal: examples.length });
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return { tokenized, tooLong, failed };
}
