// A file made in the worker, gathered as a Blob folded together every few tens of megabytes, so the
// browser can keep it out of the worker's memory (a Blob of Blobs is not a copy) while the next
// part is made: the GGUF and merged-model exports, up to gigabytes each.

/** Bytes gathered before they are folded into the Blob. */
const FOLD_BYTES = 32 * 2 ** 20;

export class GatheredBlob {
  private blob = new Blob([]);
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  push(bytes: Uint8Array): void {
    // A copy only where a view of a larger buffer would keep that buffer alive.
    this.pending.push(bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());
    this.pendingBytes += bytes.byteLength;
    if (this.pendingBytes >= FOLD_BYTES) this.fold();
  }

  /** Everything pushed, as one Blob of `type`. */
  done(type: string): Blob {
    this.fold();
    return new Blob([this.blob], { type });
  }

  private fold(): void {
    this.blob = new Blob([this.blob, ...(this.pending as BlobPart[])]);
    this.pending = [];
    this.pendingBytes = 0;
  }
}
