// Maps character borders in a rendered text to a segment per token (0 prompt, 1 cot, 2 call).
// Exact by construction: the whole text is tokenized once and each border must fall between two
// tokens, proven by decoding each piece's tokens back to the piece's text. Where that proof fails,
// the text is tokenized piece by piece and the concatenation checked against the whole; only when a
// token spans a border (the pieces tokenize differently) does it fall back to per-token end offsets
// from incremental decoding, where a straddling token takes the later segment (DESIGN.md, "Tokens
// and segments"). Never guesses: if no method reproduces the text, it throws naming the example.
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
  /** 'pieces' when every border falls between two tokens, 'offsets' when a token crosses one. */
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

/** Each token decoded alone, per tokenizer: a dataset repeats the same few thousand tokens. */
const decodedAlone = new WeakMap<PreTrainedTokenizer, Map<number, string>>();

/**
 * Where each token ends in the decoded text, from each token decoded alone (cached); a character
 * split over byte tokens ends at the token that completes it, the tokens before it where it starts.
 * Fast, and proven by nothing: segmentsBetweenTokens checks what it finds by decoding.
 */
function tokenEnds(tokenizer: PreTrainedTokenizer, ids: number[]): Int32Array {
  let alone = decodedAlone.get(tokenizer);
  if (!alone) decodedAlone.set(tokenizer, (alone = new Map()));
  const ends = new Int32Array(ids.length);
  let at = 0;
  let from = -1; // the first token of a character under way
  for (let i = 0; i < ids.length; i++) {
    if (from < 0) {
      let text = alone.get(ids[i]);
      if (text === undefined) alone.set(ids[i], (text = tokenizer.decode([ids[i]], AS_WRITTEN)));
      if (!text.endsWith('\uFFFD')) {
        ends[i] = at += text.length;
        continue;
      }
      from = i;
    }
    const text = tokenizer.decode(ids.slice(from, i + 1), AS_WRITTEN);
    if (text.endsWith('\uFFFD') && i + 1 < ids.length && i + 1 - from < MAX_CHARACTER_TOKENS) {
      ends[i] = at;
      continue;
    }
    ends[i] = at += text.length;
    from = -1;
  }
  return ends;
}

/**
 * The segments when every border falls between two tokens of the whole text's tokenization, else
 * undefined. Each piece's tokens, decoded together, must give back exactly the piece's text, and the
 * pieces' tokens must be all the tokens: that proves no token crosses a border, whatever tokenEnds
 * estimated.
 */
function segmentsBetweenTokens(tokenizer: PreTrainedTokenizer, ids: number[], text: string, pieces: TextPiece[]): SegmentId[] | undefined {
  const ends = tokenEnds(tokenizer, ids);
  const segments = new Array<SegmentId>(ids.length);
  let from = 0;
  for (const p of pieces) {
    if (p.end === p.start) continue;
    let to = from;
    while (to < ids.length && ends[to] < p.end) to++;
    if (to === ids.length || ends[to] !== p.end) return undefined;
    to++; // the first token ending at the border is the piece's last
    if (tokenizer.decode(ids.slice(from, to), AS_WRITTEN) !== text.slice(p.start, p.end)) return undefined;
    segments.fill(p.segment, from, to);
    from = to;
  }
  return from === ids.length ? segments : undefined;
}

export function segmentTokens(tokenizer: PreTrainedTokenizer, text: string, pieces: TextPiece[], exampleId = '?'): SegmentedTokens {
  const whole = encodePlain(tokenizer, text);
  const between = whole.length > 0 ? segmentsBetweenTokens(tokenizer, whole, text, pieces) : undefined;
  if (between) return { ids: whole, segments: between, method: 'pieces' };
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
