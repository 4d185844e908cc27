// Short-lived work buffers that kernels need between two of their own dispatches (split-K partial
// sums, per-row scales), shared by every op on a device: one buffer per purpose, grown to a larger
// request when one comes and never shrunk. A buffer that grows is destroyed only after the work
// recorded against it has been submitted (Recorder.retire), so dispatches already recorded stay valid.
// Dispatches are ordered, so reusing one buffer for consecutive products is safe.
import { createStorageBuffer } from './buffers.ts';
import type { GpuContext } from './context.ts';
import type { Recorder } from './recorder.ts';

export class ScratchBuffers {
  private readonly buffers = new Map<string, GPUBuffer>();

  constructor(
    private readonly ctx: GpuContext,
    private readonly recorder: Recorder,
  ) {}

  /** A buffer of at least `bytes` for `purpose` (contents undefined). */
  get(purpose: string, bytes: number): GPUBuffer {
    const have = this.buffers.get(purpose);
    if (have && have.size >= bytes) return have;
    if (have) this.recorder.retire(have);
    // Exactly the size asked: the memory plan counts each purpose's largest request
    // (matmulScratchBytes), and growing past it (by 1.5×, as before) held up to half as much again
    // unplanned. A buffer still grows only when a request passes the largest so far.
    const b = createStorageBuffer(this.ctx, Math.min(bytes, this.ctx.limits.maxStorageBufferBindingSize), `scratch:${purpose}`);
    this.buffers.set(purpose, b);
    return b;
  }

  /** Bytes held now (reported next to the memory plan). */
  get bytes(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.size;
    return n;
  }

  /** Gives every buffer back (after the work recorded so far); later requests allocate afresh. The
   * autotune calls this so scratch of kernels it tried but did not choose does not stay allocated. */
  release(): void {
    for (const b of this.buffers.values()) this.recorder.retire(b);
    this.buffers.clear();
  }

  destroy(): void {
    for (const b of this.buffers.values()) b.destroy();
    this.buffers.clear();
  }
}
