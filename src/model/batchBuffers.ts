// GPU buffers for a micro-batch's token ids, positions and attention ids, allocated once for the
// largest micro-batch and rewritten per micro-batch (writeBuffer is ordered before later submits).
import { createStorageBuffer, writeBuffer, type Gpu } from '../gpu/index.ts';
import type { BatchBuffers } from './transformer.ts';

export interface BatchArrays {
  B: number;
  T: number;
  inputIds: Int32Array | Uint32Array; // [B·T]
  positions: Uint32Array; // [B·T]
  /** [B·T] u32: 0 padding, equal non-zero ids = one sequence, whose tokens are one run in their row
   * labelled at most 1 + the index of its first token (an attention mask works as is; packed
   * sequences are labelled exactly that, which lets attention skip the keys before them) */
  attnSegments: Uint32Array;
}

/** Why `seg` breaks the attention's segment rule (a label on two runs of a row, or past its run's
 * start + 1), or null. Attention would silently skip keys a row sees: refused before it runs. */
export function segmentRuleBreak(seg: Uint32Array, B: number, T: number): string | null {
  for (let b = 0; b < B; b++) {
    const ended = new Set<number>();
    let run = 0;
    for (let t = 0; t < T; t++) {
      const s = seg[b * T + t];
      if (s === run) continue;
      if (run !== 0) ended.add(run);
      if (s !== 0 && (ended.has(s) || s > t + 1)) return `row ${b}, position ${t}: label ${s} ${ended.has(s) ? 'comes back after another run' : `is past 1 + its run's first position (${t})`}`;
      run = s;
    }
  }
  return null;
}

export interface BatchSlots extends BatchBuffers {
  capacity: number;
  destroy(): void;
}

export function createBatchSlots(gpu: Gpu, maxTokens: number): BatchSlots {
  const inputIds = createStorageBuffer(gpu.ctx, maxTokens * 4, 'batch.inputIds');
  const positions = createStorageBuffer(gpu.ctx, maxTokens * 4, 'batch.positions');
  const attnSegments = createStorageBuffer(gpu.ctx, maxTokens * 4, 'batch.attnSegments');
  return {
    B: 0,
    T: 0,
    capacity: maxTokens,
    inputIds,
    positions,
    attnSegments,
    destroy: () => [inputIds, positions, attnSegments].forEach((b) => b.destroy()),
  };
}

export function writeBatch(gpu: Gpu, slots: BatchSlots, batch: BatchArrays): void {
  const n = batch.B * batch.T;
  if (n > slots.capacity) throw new Error(`micro-batch of ${batch.B}×${batch.T} = ${n} tokens exceeds the planned ${slots.capacity}`);
  const broken = segmentRuleBreak(batch.attnSegments, batch.B, batch.T);
  if (broken) throw new Error(`micro-batch attention segments: ${broken}`);
  writeBuffer(gpu.ctx, slots.inputIds, batch.inputIds);
  writeBuffer(gpu.ctx, slots.positions, batch.positions);
  writeBuffer(gpu.ctx, slots.attnSegments, batch.attnSegments);
  slots.B = batch.B;
  slots.T = batch.T;
}
