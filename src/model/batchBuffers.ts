// GPU buffers for a micro-batch's token ids, positions and attention ids, allocated once for the
// largest micro-batch and rewritten per micro-batch (writeBuffer is ordered before later submits).
import { createStorageBuffer, writeBuffer, type Gpu } from '../gpu/index.ts';
import type { BatchBuffers } from './transformer.ts';

export interface BatchArrays {
  B: number;
  T: number;
  inputIds: Int32Array | Uint32Array; // [B·T]
  positions: Uint32Array; // [B·T]
  /** [B·T] u32: 0 padding, equal non-zero ids = one sequence (an attention mask works as is) */
  attnSegments: Uint32Array;
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
  writeBuffer(gpu.ctx, slots.inputIds, batch.inputIds);
  writeBuffer(gpu.ctx, slots.positions, batch.positions);
  writeBuffer(gpu.ctx, slots.attnSegments, batch.attnSegments);
  slots.B = batch.B;
  slots.T = batch.T;
}
