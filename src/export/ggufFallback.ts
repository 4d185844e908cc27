// What llama-quantize's fallbacks did to a GGUF type, in words: a row that is not whole blocks of the
// type a matrix was meant for is stored in another (Q4_K → Q5_0, the output matrix's Q6_K → Q8_0).
// On the embedded model (rows of 64 and 128) every K-quant falls back, and its Q4_K_M file came out
// as large as its Q8_0 one: offered without a word, that read as a mistake. The figures come from
// the export's own choice of types (ggufExport.ts ggufTypeFallback); this module only says them, so
// the page and the CLI say the same.
import type { GgufExportType } from './ggufExportTypes.ts';

/** Of the matrices a type quantizes, those stored otherwise than the type meant. */
export interface GgufTypeFallback {
  /** Their share of the matrices' weights, in (0, 1]. */
  share: number;
  /** The types they were meant for, and those they are stored as, most weights first. */
  meant: string[];
  storedAs: string[];
  /** Their rows' lengths, in values, ascending, and the block those are not whole multiples of. */
  rowLengths: number[];
  block: number;
}

const list = (items: Array<string | number>, last: 'and' | 'or') => (items.length < 2 ? String(items[0]) : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`);

/** E.g. "Most of this model's weights (97%) cannot be stored as Q4_K or Q6_K (their rows are 64 or
 * 128 values long, not a multiple of 256), so they are stored as Q8_0 and Q5_0: the file is about as
 * large as Q8_0's." `bytesAs`: the file's size in each type, which says what the fallback cost
 * (against Q8_0; Q8_0's own against F16). */
export function ggufFallbackText(type: GgufExportType, f: GgufTypeFallback, bytesAs: Record<GgufExportType, number>): string {
  const pct = Math.round(f.share * 100);
  const who = f.share >= 0.995 ? "This model's weights" : f.share >= 0.5 ? `Most of this model's weights (${pct}%)` : `${pct < 1 ? 'Under 1%' : `${pct}%`} of this model's weights`;
  const ref: GgufExportType = type === 'q8_0' ? 'f16' : 'q8_0';
  const r = bytesAs[type] / bytesAs[ref];
  const name = ref.toUpperCase();
  // Within a few percent the sizes read about the same on the buttons (MiB to one decimal).
  const size = r === 1 ? `as large as ${name}'s` : r >= 0.85 ? `about as large as ${name}'s` : `${Math.round((1 - r) * 100)}% smaller than ${name}'s`;
  return `${who} cannot be stored as ${list(f.meant, 'or')} (their rows are ${list(f.rowLengths, 'or')} values long, not a multiple of ${f.block}), so they are stored as ${list(f.storedAs, 'and')}: the file is ${size}.`;
}
