// A faster byte-level pre-tokenizer for transformers.js tokenizers (Qwen, Llama 3, GPT-2 style), the
// same output to the character. transformers.js maps every pre-token to its byte characters with a
// TextEncoder call, an Array.from over the bytes and a join, then flattens arrays of one: half of
// encode's time (Qwen3, 6,000 synthetic xLAM-style examples: 1.28 → 0.65 ms an example's encode). A
// dataset repeats its words, so each pre-token's characters are kept once found, and an ASCII one
// (a byte is its own character code) is read from a table without encoding.
// Replaces two methods of the tokenizer's ByteLevel pre-tokenizer object in place, found by its
// fields (a minifier renames its class); a tokenizer without one is left as it is.
// tests/data/byte-level-speedup.test.ts checks the ids against the tokenizer as transformers.js
// builds it, and that the pinned transformers.js still has the object this replaces.
import type { PreTrainedTokenizer } from '@huggingface/transformers';

/** What this reads of transformers.js's ByteLevel pre-tokenizer (its constructor's fields). */
interface ByteLevelPreTokenizer {
  add_prefix_space: boolean;
  use_regex: boolean;
  pattern: RegExp;
  byte_encoder: Record<number, string>;
  text_encoder: TextEncoder;
  pre_tokenize_text(text: string, options?: unknown): string[];
  pre_tokenize(text: string | string[], options?: unknown): string[];
}

/** Pre-tokens kept per tokenizer before the memo starts again (short strings: a few MB at most). */
const KEPT = 100_000;

/** transformers.js's pre-tokenizers are callable: functions with fields. */
const isObject = (t: unknown): t is object => (typeof t === 'object' && t !== null) || typeof t === 'function';

/** By its fields and kinds, not `instanceof`: the library's objects may come from another realm (a
 * test's VM context). */
function isByteLevel(t: unknown): t is ByteLevelPreTokenizer {
  if (!isObject(t)) return false;
  const o = t as Record<string, unknown>;
  return typeof o.byte_encoder === 'object' && o.byte_encoder !== null && typeof (o.text_encoder as { encode?: unknown } | null)?.encode === 'function'
    && typeof o.add_prefix_space === 'boolean' && typeof o.use_regex === 'boolean' && Object.prototype.toString.call(o.pattern) === '[object RegExp]'
    && typeof o.pre_tokenize_text === 'function' && typeof o.pre_tokenize === 'function';
}

/** The byte-level pre-tokenizers of `tokenizer`: its pre-tokenizer, or those of a sequence of them. */
function byteLevelsOf(tokenizer: PreTrainedTokenizer): ByteLevelPreTokenizer[] {
  const pre = (tokenizer as unknown as { _tokenizer?: { pre_tokenizer?: unknown } })._tokenizer?.pre_tokenizer;
  const parts = isObject(pre) && Array.isArray((pre as { tokenizers?: unknown }).tokenizers) ? (pre as { tokenizers: unknown[] }).tokenizers : [pre];
  return parts.filter(isByteLevel);
}

const sped = new WeakSet<PreTrainedTokenizer>();

/** Makes `tokenizer`'s byte-level pre-tokenizer fast; false where it has none (nothing changed). */
export function speedUpByteLevel(tokenizer: PreTrainedTokenizer): boolean {
  let changed = 0;
  for (const t of byteLevelsOf(tokenizer)) {
    const ascii = Array.from({ length: 128 }, (_, b) => t.byte_encoder[b]);
    if (ascii.some((c) => typeof c !== 'string')) continue;
    changed++;
    const kept = new Map<string, string>();
    const characters = (piece: string): string => {
      let out = kept.get(piece);
      if (out !== undefined) return out;
      out = '';
      for (let i = 0; i < piece.length; i++) {
        const code = piece.charCodeAt(i);
        if (code >= 128) {
          // UTF-8 takes several bytes: as transformers.js maps them.
          out = Array.from(t.text_encoder.encode(piece), (byte) => t.byte_encoder[byte]).join('');
          break;
        }
        out += ascii[code];
      }
      if (kept.size >= KEPT) kept.clear();
      kept.set(piece, out);
      return out;
    };
    const preTokenizeText = (text: string): string[] => {
      if (t.add_prefix_space && !text.startsWith(' ')) text = ' ' + text;
      return (t.use_regex ? text.match(t.pattern) ?? [] : [text]).map(characters);
    };
    t.pre_tokenize_text = preTokenizeText;
    // Without a regex each text is one pre-token: mapped, with no arrays of one to flatten.
    t.pre_tokenize = (text) => {
      const texts = Array.isArray(text) ? text : [text];
      return t.use_regex || t.add_prefix_space ? texts.flatMap(preTokenizeText) : texts.map(characters);
    };
  }
  if (changed) sped.add(tokenizer);
  return changed > 0;
}

/** Whether speedUpByteLevel changed `tokenizer` (the tests: the pinned transformers.js still has
 * the pre-tokenizer it replaces). */
export function byteLevelSpedUp(tokenizer: PreTrainedTokenizer): boolean {
  return sped.has(tokenizer);
}
