// Random-access byte sources: the one input shape every reader in src/model works over, so the
// same safetensors code reads a dropped `File`, an OPFS file, an HTTP cache or a Node file handle.
// Owns the interface and the browser-safe implementations (Blob, in-memory bytes). The Node file
// implementation lives in byte-source-node.ts so browser bundles never import node:fs.
// Never reads more than asked: a reader pulls one tensor (or one chunk of it) at a time.

export interface ByteSource {
  /** File name or path, used in every error message about this source. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Exactly `length` bytes starting at `offset`; rejects (naming the source) if they are not there. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases a file handle, if the source holds one. Safe to call twice. */
  close(): Promise<void>;
}

export class TruncatedSourceError extends Error {
  constructor(name: string, offset: number, length: number, size: number) {
    super(`${name}: wanted bytes ${offset}..${offset + length} but the file has only ${size} bytes (truncated or corrupt)`);
    this.name = 'TruncatedSourceError';
  }
}

export function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new TruncatedSourceError(name, offset, length, size);
  }
}

/** A `Blob` or `File` (dropped files, File System Access, OPFS `getFile()`); slices are read lazily. */
export function blobSource(blob: Blob, name = (blob as File).name ?? 'blob'): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      checkRange(name, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
    async close() {},
  };
}

/** Bytes already in memory (tests, freshly written adapters). Reads return views, not copies. */
export function memorySource(bytes: Uint8Array, name = 'memory'): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    async read(offset, length) {
      checkRange(name, bytes.byteLength, offset, length);
      return bytes.subarray(offset, offset + length);
    },
    async close() {},
  };
}

export async function readAllText(source: ByteSource): Promise<string> {
  return new TextDecoder().decode(await source.read(0, source.size));
}
