// Maps character borders in a rendered text to a segment per token (0 prompt, 1 cot, 2 call).
// Exact by construction: the text is tokenized piece by piece and the concatenation is checked
// against the whole-text tokenization; only when a token spans a border (the pieces tokenize
// differently) does it fall back to per-token end offsets from incremental decoding, where a
// straddling token takes the later segment (DESIGN.md, "Tokens and segments").
// Never guesses: if neither method reproduces the text, it throws naming the example.
import type { PreTrainedTokenizer } from '@huggingface/transformers';

export const SEGMENT_PROMPT = 0;
export const SEGMENT_COT = 1;
export const SEGMENT_CALL = 2;
export type SegmentId = typeof SEGMENT_PROMPT | typeof SEGMENT_COT | typeof SEGMENT_CALL;

/** A run of text [start, end) and its segment; pieces must tile the text in order. */
export interface TextPiece {
  start: number;
  end: number;
  segment: SegmentId;
}

export interface SegmentedTokens {
  ids: number[];
  segments: SegmentId[];
  /** 'pieces' when piecewise tokenization matched the whole text, 'offsets' when the fallback ran. */
  method: 'pieces' | 'offsets';
}

export function encodePlain(tokenizer: PreTrainedTokenizer, text: string): number[] {
  return text === '' ? [] : tokenizer.encode(text, { add_special_tokens: false });
}

const AS_WRITTEN = { skip_special_tokens: false, clean_up_tokenization_spaces: false };

/** The Unicode normalisations a tokenizer's normalizer may apply. */
const NORMAL_FORMS = ['NFC', 'NFKC', 'NFD', 'NFKD'] as const;

/** A UTF-8 character takes at most this many byte tokens. */
const MAX_CHARACTER_TOKENS = 4;

/**
 * Each token's text for showing the tokens one by one, joining to the decoded whole. A character
 * split over byte tokens (Greek, Devanagari, most emoji) decodes alone as U+FFFD, so its text goes
 * to the token that completes it and the tokens before that one show ''.
 */
export function tokenTexts(tokenizer: PreTrainedTokenizer, ids: number[]): string[] {
  const texts: string[] = [];
  let from = 0; // the first token of the character under way
  for (let i = 0; i < ids.length; i++) {
    const text = tokenizer.decode(ids.slice(from, i + 1), AS_WRITTEN);
    const incomplete = text.endsWith('\uFFFD') && i + 1 < ids.length && i + 1 - from < MAX_CHARACTER_TOKENS;
    texts.push(incomplete ? '' : text);
    if (!incomplete) from = i + 1;
  }
  return texts;
}

function sameIds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * End offset (in characters of the decoded text) of each token: decode(ids[0..i]).length.
 * Computed with a binary search per border only, so cost is O(borders · log n) decodes.
 */
function firstTokenEndingAfter(tokenizer: PreTrainedTokenizer, ids: number[], border: number): number {
  let lo = 0;
  let hi = ids.length; // answer in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const end = tokenizer.decode(ids.slice(0, mid + 1), AS_WRITTEN).length;
    if (end > border) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function segmentTokens(tokenizer: PreTrainedTokenizer, text: string, pieces: TextPiece[], exampleId = '?'): SegmentedTokens {
  const whole = encodePlain(tokenizer, text);
  const pieceIds: number[] = [];
  const pieceSegments: SegmentId[] = [];
  for (const p of pieces) {
    // A loop, not push(...ids): spreading 100k+ ids as arguments overflows the stack.
    for (const id of encodePlain(tokenizer, text.slice(p.start, p.end))) {
      pieceIds.push(id);
      pieceSegments.push(p.segment);
    }
  }
  if (sameIds(whole, pieceIds)) return { ids: whole, segments: pieceSegments, method: 'pieces' };

  // Fallback: a token crosses a border. Token i belongs to the piece holding its last character,
  // so a straddling token (start < border < end) lands in the later piece.
  const decoded = whole.length ? tokenizer.decode(whole, AS_WRITTEN) : '';
  // A normalising tokenizer (Qwen's: NFC) gives back the text normalised, so decoded offsets count
  // its characters: each border moves there too (borders sit at template markup, which no
  // normalisation joins across).
  const form = decoded === text ? undefined : NORMAL_FORMS.find((f) => text.normalize(f) === decoded);
  if (decoded !== text && !form) throw new Error(`example "${exampleId}": decoding the tokens does not give back the rendered text, so token offsets cannot be computed`);
  const border = (at: number) => (form ? text.slice(0, at).normalize(form).length : at);
  const segments = new Array<SegmentId>(whole.length);
  let from = 0;
  for (let p = 0; p < pieces.length; p++) {
    const to = p === pieces.length - 1 ? whole.length : firstTokenEndingAfter(tokenizer, whole, border(pieces[p].end));
    for (let i = from; i < to; i++) segments[i] = pieces[p].segment;
    from = Math.max(from, to);
  }
  return { ids: whole, segments, method: 'offsets' };
}
