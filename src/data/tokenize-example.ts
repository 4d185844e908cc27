// One Example → token ids with a segment per token (0 prompt, 1 cot, 2 call), using the model's
// chat template and tokenizer, with DESIGN.md's length rule: a sequence over the limit loses tokens
// from the left of the prompt (then the prompt tail after the end-of-turn token), never inside the
// target; if the target alone does not fit, the example is reported as too long. Earlier
// assistant turns are prompt unless `allTurns` asks to train on them too.
// Never pads or batches: packing is the batcher's job.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { renderExample } from './chat-render.ts';
import type { Example } from './example.ts';
import { SEGMENT_CALL, SEGMENT_COT, SEGMENT_PROMPT, segmentTokens, type SegmentId, type TextPiece } from './token-segments.ts';

export interface TokenizedExample {
  id: string;
  inputIds: number[];
  segments: SegmentId[];
  /** Tokens removed to fit the limit (0 when none). */
  truncatedTokens: number;
  counts: { prompt: number; cot: number; call: number };
}

export class ExampleTooLongError extends Error {
  constructor(readonly exampleId: string, readonly targetTokens: number, readonly maxLen: number) {
    super(`example "${exampleId}": the target alone is ${targetTokens} tokens, over the ${maxLen}-token limit`);
    this.name = 'ExampleTooLongError';
  }
}

export interface TokenizeOptions {
  /** Maximum sequence length in tokens; no limit when omitted. */
  maxLen?: number;
  /** Train on every assistant turn, not only the last (earlier turns then get cot/call segments too). */
  allTurns?: boolean;
}

export function countSegments(segments: SegmentId[]): TokenizedExample['counts'] {
  const counts = { prompt: 0, cot: 0, call: 0 };
  for (const s of segments) {
    if (s === SEGMENT_COT) counts.cot++;
    else if (s === SEGMENT_CALL) counts.call++;
    else counts.prompt++;
  }
  return counts;
}

export function tokenizeExample(tokenizer: PreTrainedTokenizer, example: Example, options: TokenizeOptions = {}): TokenizedExample {
  const r = renderExample(tokenizer, example, { allTurns: options.allTurns });
  const pieces: TextPiece[] = [];
  let at = 0;
  for (const turn of [...r.earlierTurns, { start: r.promptEnd, cotEnd: r.cotEnd, callEnd: r.callEnd }]) {
    pieces.push(
      { start: at, end: turn.start, segment: SEGMENT_PROMPT },
      { start: turn.start, end: turn.cotEnd, segment: SEGMENT_COT },
      { start: turn.cotEnd, end: turn.callEnd, segment: SEGMENT_CALL },
    );
    at = turn.callEnd;
  }
  pieces.push({ start: at, end: r.text.length, segment: SEGMENT_PROMPT });
  let { ids, segments } = segmentTokens(tokenizer, r.text, pieces.filter((p) => p.end > p.start), example.id);
  let truncatedTokens = 0;
  const maxLen = options.maxLen;
  if (maxLen !== undefined && ids.length > maxLen) {
    // The final target is the last run of non-prompt tokens; earlier turns may be cut like prompt.
    let targetEnd = segments.length;
    while (targetEnd > 0 && segments[targetEnd - 1] === SEGMENT_PROMPT) targetEnd--;
    let targetStart = targetEnd;
    while (targetStart > 0 && segments[targetStart - 1] !== SEGMENT_PROMPT) targetStart--;
    const targetTokens = targetEnd - targetStart;
    if (targetTokens > maxLen) throw new ExampleTooLongError(example.id, targetTokens, maxLen);
    const start = Math.max(0, Math.min(ids.length - maxLen, targetStart));
    const end = start + maxLen;
    truncatedTokens = ids.length - maxLen;
    ids = ids.slice(start, end);
    segments = segments.slice(start, end);
  }
  return { id: example.id, inputIds: ids, segments, truncatedTokens, counts: countSegments(segments) };
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
