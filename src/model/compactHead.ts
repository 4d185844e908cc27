// The LM head without its all-zero rows, for the loss and for decoding. A row of zeros gives logit
// exactly 0 for every hidden state, so the cross-entropy needs only how many there are
// (ops/crossEntropy.ts folds them in at once, `zeroRows`), not a product with each, and a decode
// step only leaves their columns of the logits at 0 (kvCache.ts). The embedded model keeps embedding
// rows only for the 547 tokens it was pre-trained on, and its head is that embedding (tied): the
// products with 151,936 rows, 83% of a training step on a software adapter and most of a decode
// step, shrink to products with 547.
// (DESIGN.md has the loss take the whole vocabulary; this departs from it only for such heads.)
// A checkpoint whose head has more than one row in COMPACT_MAX_SHARE that is not zero (every real
// model) keeps the whole head; the scan that decides stops as soon as that many are found.
import { createStorageBuffer, uploadBuffer, type Gpu } from '../gpu/index.ts';
import { embeddingForward, type TableChunk } from '../ops/embedding.ts';
import type { WeightDtype as OpDtype } from '../ops/matmul.ts';
import type { WeightDtype } from './dtype.ts';

/** At most this share of the head's rows may be kept: the copy (f32) then takes at most 1/32 of the
 * memory of a bf16 head, which the memory plan does not count. */
export const COMPACT_MAX_SHARE = 1 / 64;

export interface CompactHead {
  /** [rows, H] f32: the head's rows that are not all zero, in vocabulary order. */
  buffer: GPUBuffer;
  rows: number;
  /** Rows left out: all zero. */
  zeroRows: number;
  /** Vocabulary id → row of `buffer`, or −1 for a row left out. */
  rowOf: Int32Array;
  /** [rows] u32: each row's vocabulary id (decoding puts each logit in its column). */
  columns: GPUBuffer;
  /** The lowest vocabulary id whose row is left out (the greedy choice among the logits of 0), or
   * null when none is. */
  firstZeroRow: number | null;
}

/** Finds the rows of a [V, H] tensor that hold anything but ±0, from its bytes as they stream past
 * (any slicing), and gives up once more than COMPACT_MAX_SHARE of V are found. */
export class NonzeroRowScan {
  private readonly found = new Set<number>();
  private readonly limit: number;
  private readonly elementBytes: number;
  private readonly rowElements: number;
  private gaveUp = false;

  constructor(
    readonly rows: number,
    rowElements: number,
    dtype: WeightDtype,
  ) {
    this.rowElements = rowElements;
    this.elementBytes = dtype === 'F32' ? 4 : 2;
    this.limit = Math.floor(rows * COMPACT_MAX_SHARE);
  }

  /** Past the share kept: nothing more to find (a reader may stop). */
  get gaveUpScanning(): boolean {
    return this.gaveUp;
  }

  /** Bytes of the tensor starting at byte `offset` of it (a multiple of the element size). */
  add(bytes: Uint8Array, offset: number): void {
    if (this.gaveUp) return;
    const n = Math.floor(bytes.length / this.elementBytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const first = offset / this.elementBytes;
    for (let i = 0; i < n; i++) {
      // The sign bit aside: a −0 weight gives a ±0 logit too.
      const nonzero = this.elementBytes === 4 ? (view.getUint32(i * 4, true) & 0x7fffffff) !== 0 : (view.getUint16(i * 2, true) & 0x7fff) !== 0;
      if (!nonzero) continue;
      const row = Math.floor((first + i) / this.rowElements);
      this.found.add(row);
      if (this.found.size > this.limit) {
        this.gaveUp = true;
        return;
      }
      // The rest of this row cannot tell anything more.
      i = (row + 1) * this.rowElements - first - 1;
    }
  }

  /** The rows that are not all zero, ascending; null when too many are (or none: a head of zeros
   * has nothing to compact to). */
  keptRows(): Uint32Array | null {
    if (this.gaveUp || this.found.size === 0) return null;
    return Uint32Array.from(this.found).sort();
  }
}

/** Vocabulary id → compact row (−1 for a row left out). */
export function compactRowMap(vocab: number, kept: Uint32Array): Int32Array {
  const rowOf = new Int32Array(vocab).fill(-1);
  kept.forEach((v, i) => (rowOf[v] = i));
  return rowOf;
}

/** A target as the compact loss reads it: its compact row, `rows` for a row left out (logit 0), or
 * −1 where the whole head ignores it (negative, or past the vocabulary). */
export function compactTarget(head: Pick<CompactHead, 'rowOf' | 'rows'>, target: number): number {
  if (target < 0 || target >= head.rowOf.length) return -1;
  const row = head.rowOf[target];
  return row >= 0 ? row : head.rows;
}

/** Gathers the kept rows of the head into an f32 buffer (records GPU work: the caller submits).
 * bf16/f16 widen to f32 exactly, so the logits are the whole head's, bit for bit. */
export async function buildCompactHead(gpu: Gpu, head: TableChunk[], dtype: OpDtype, vocab: number, hidden: number, kept: Uint32Array): Promise<CompactHead> {
  const columns = uploadBuffer(gpu.ctx, kept, 'lm-head.kept-rows');
  const buffer = createStorageBuffer(gpu.ctx, kept.length * hidden * 4, 'lm-head.compact');
  await embeddingForward(gpu, { ids: columns, table: head, tableDtype: dtype, out: buffer, tokens: kept.length, C: hidden, vocab });
  const rowOf = compactRowMap(vocab, kept);
  const firstZero = rowOf.indexOf(-1);
  return { buffer, rows: kept.length, zeroRows: vocab - kept.length, rowOf, columns, firstZeroRow: firstZero < 0 ? null : firstZero };
}
