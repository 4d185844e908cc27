// Model files where one file fails to close (and, if asked, to read) as a disk or a revoked OPFS
// handle does: the real files' bytes and the real readers, only the named file's failures made.
// For tests that a failed close after a failed read, load or export does not replace why it failed.
import type { ModelFiles } from '../../src/model/model-files.ts';

export const CLOSE_ERROR = 'close failed';
export const READ_ERROR = 'EIO: i/o error, read';

export interface FileFailures {
  /** Reads that reach this byte offset or beyond throw `${name}: READ_ERROR` (while `armed` says so,
   * where it is given: loading a model reads its embedding once); 0, every read. */
  readFailsFrom?: number;
  /** Closing throws only while this says so (default always); a close before any read never
   * throws: the checkpoint's probe for model.safetensors opens and closes it without reading. */
  armed?: () => boolean;
}

/** `files` where `name`, once read from, throws `${name}: CLOSE_ERROR` on close (after releasing it). */
export function closeFails(files: ModelFiles, name: string, failures: FileFailures = {}): ModelFiles {
  return {
    label: files.label,
    async open(opened) {
      const src = await files.open(opened);
      if (!src || opened !== name) return src;
      let read = false;
      return {
        name: src.name,
        size: src.size,
        read: async (offset, length) => {
          read = true;
          if (failures.readFailsFrom !== undefined && offset + length > failures.readFailsFrom && (failures.armed?.() ?? true)) throw new Error(`${name}: ${READ_ERROR}`);
          return src.read(offset, length);
        },
        close: async () => {
          await src.close();
          if (read && (failures.armed?.() ?? true)) throw new Error(`${name}: ${CLOSE_ERROR}`);
        },
      };
    },
  };
}

/** Where the tensor data of a safetensors file starts (after its 8-byte length and JSON header). */
export function safetensorsDataStart(bytes: Uint8Array): number {
  return 8 + Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
}
