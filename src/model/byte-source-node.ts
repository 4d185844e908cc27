// Node implementation of ByteSource over a file handle (CLI, tests, the Node model cache).
// Never reads the whole file: each read is a positioned read of just the requested range.
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { checkRange, type ByteSource } from './byte-source.ts';

/** A file that is not there, named by its path (not Node's bare `ENOENT: no such file or directory, open …`). */
export class MissingFileError extends Error {
  constructor(readonly path: string) {
    super(`${path}: no such file`);
    this.name = 'MissingFileError';
  }
}

export async function nodeFileSource(path: string, name = basename(path)): Promise<ByteSource> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingFileError(path);
    throw err;
  }
  const { size } = await handle.stat();
  let closed = false;
  return {
    name,
    size,
    async read(offset, length) {
      checkRange(name, size, offset, length);
      if (closed) throw new Error(`${name}: read after close`);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw new Error(`${name}: file shrank while reading (got ${done} of ${length} bytes at offset ${offset})`);
        done += bytesRead;
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
