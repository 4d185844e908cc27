// Where downloaded Hub files live (a model's, and a dataset's until it is imported): an interface
// with an OPFS implementation (browser) here and a Node directory implementation in
// model-cache-node.ts. Files are keyed by (repo, revision, file); a dataset's file is a path
// (`data/train-00000-of-00001.parquet`), stored in folders as the repo has it.
// A download writes a partial file that only becomes "complete" on commit, so an interrupted
// download is resumed (or restarted) and never mistaken for a finished one.
// Never fetches anything; hub.ts decides what to download.
import { blobSource, type ByteSource } from './byte-source.ts';

export interface CacheWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Marks the file complete (it is then served by `open`). */
  commit(): Promise<void>;
  /** Stops writing, keeping what was written as a partial file to resume from. */
  abort(): Promise<void>;
}

export interface CachedRepo {
  repo: string;
  bytes: number;
  files: number;
}

/** A cache's own bookkeeping beside a file, not a file of the repo. */
export const isCacheMarker = (name: string) => name.endsWith('.complete') || name.endsWith('.version');

export interface ModelCache {
  readonly description: string;
  /** Size of the complete cached file, or null when it is absent or partial. */
  completeSize(repo: string, revision: string, file: string): Promise<number | null>;
  /** Bytes of an unfinished download (0 when none). */
  partialSize(repo: string, revision: string, file: string): Promise<number>;
  /** The hub's version (ETag) of the complete or the partial bytes stored for `file`; null when it
   * was not recorded (a download by an older studio, or a server that sends no ETag). */
  version(repo: string, revision: string, file: string, which: 'complete' | 'partial'): Promise<string | null>;
  /** `append` continues a partial file (of the version recorded); otherwise any partial data is
   * discarded and `version` recorded for what is written. */
  openWriter(repo: string, revision: string, file: string, append: boolean, version?: string | null): Promise<CacheWriter>;
  /** A complete file, or null. */
  open(repo: string, revision: string, file: string): Promise<ByteSource | null>;
  /** A complete file as a Blob read from storage as it is sliced (what the dataset import reads), or null. */
  openBlob(repo: string, revision: string, file: string): Promise<Blob | null>;
  /** Names of the files stored for (repo, revision), complete or partial. */
  files(repo: string, revision: string): Promise<string[]>;
  /** Deletes `file` (complete or partial, with its markers); nothing when it is absent. */
  remove(repo: string, revision: string, file: string): Promise<void>;
  /** Deletes every repo's files but those of the repos `keep` names (`owner/name`; all of them
   * without it). A file open elsewhere now (being written in another tab) stays. */
  clear(keep?: (repo: string) => boolean): Promise<void>;
  /** Every repo stored, with the bytes and number of its files (complete or partial, markers not
   * counted): what the cache takes on disk. */
  repos(): Promise<CachedRepo[]>;
  /** Bytes the cache may still store (the browser's quota left for this site, the disk's free
   * space), or null when that cannot be known. */
  freeBytes?(): Promise<number | null>;
}

/** Writes of a download are made durable this often, so a killed tab keeps about this much at most
 * less than it had downloaded. */
const FLUSH_BYTES = 64 * 2 ** 20;

interface SyncHandle {
  getSize(): number;
  truncate(size: number): void;
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

/** A sync access handle (dedicated workers only; the page gets null): it writes in place, so what a
 * download wrote survives a reload or a closed tab. A writable stream writes a swap file that only
 * replaces the file on close, which a killed worker never reaches: a 3.9 GB shard cut short kept
 * nothing, and its resume started again from byte 0. */
async function syncHandleOf(handle: FileSystemFileHandle): Promise<SyncHandle | null> {
  const open = (handle as unknown as { createSyncAccessHandle?: () => Promise<SyncHandle> }).createSyncAccessHandle;
  if (typeof open !== 'function') return null;
  try {
    return await open.call(handle);
  } catch {
    return null;
  }
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A folder or file name of a repo's file path: what OPFS and the usual disks store as named. */
const FILE_SEGMENT = /^[^\\/:*?"<>|\0-\x1f]+$/;

/** Splits a repo id / revision / file path into safe path segments (no `..`, no absolute paths). */
export function cachePathSegments(repo: string, revision: string, file: string): string[] {
  const repoParts = repo.split('/');
  if (repoParts.length > 2 || !repoParts.every((p) => SEGMENT.test(p) && !p.includes('..'))) throw new Error(`"${repo}" is not a valid Hugging Face repo id (owner/name)`);
  // Branch names may contain "/"; encode them into one segment.
  const rev = encodeURIComponent(revision);
  if (!rev || rev === '.' || rev === '..') throw new Error(`"${revision}" is not a valid revision`);
  const fileParts = file.split('/');
  if (!fileParts.every((p) => FILE_SEGMENT.test(p) && p !== '.' && p !== '..' && !p.startsWith('.'))) throw new Error(`"${file}" is not a valid file name for the download cache`);
  return [...repoParts, rev, ...fileParts];
}

/** OPFS layout: `<folder>/<owner>/<name>/<revision>/<file>` plus `<file>.complete` holding the size
 * and `<file>.version` the hub's ETag of its bytes; `folder` is `models`, or `datasets` for the
 * files of Hub datasets. */
export function opfsModelCache(root?: FileSystemDirectoryHandle, folder: 'models' | 'datasets' = 'models'): ModelCache {
  const rootDir = async () => root ?? (await navigator.storage.getDirectory());
  const dirFor = async (segments: string[], create: boolean): Promise<FileSystemDirectoryHandle | null> => {
    let dir = await (await rootDir()).getDirectoryHandle(folder, { create });
    for (const s of segments.slice(0, -1)) {
      try {
        dir = await dir.getDirectoryHandle(s, { create });
      } catch (err) {
        if ((err as DOMException)?.name === 'NotFoundError') return null;
        throw err;
      }
    }
    return dir;
  };
  const fileIn = async (dir: FileSystemDirectoryHandle, name: string): Promise<File | null> => {
    try {
      return await (await dir.getFileHandle(name)).getFile();
    } catch (err) {
      if ((err as DOMException)?.name === 'NotFoundError') return null;
      throw err;
    }
  };
  const state = async (repo: string, revision: string, path: string) => {
    const seg = cachePathSegments(repo, revision, path);
    const file = seg.at(-1)!;
    const dir = await dirFor(seg, false).catch((err) => {
      if ((err as DOMException)?.name === 'NotFoundError') return null;
      throw err;
    });
    if (!dir) return { data: null, marker: null as number | null };
    const data = await fileIn(dir, file);
    const markerFile = await fileIn(dir, `${file}.complete`);
    const marker = markerFile ? Number(await markerFile.text()) : null;
    return { data, marker };
  };
  const openBlob = async (repo: string, revision: string, file: string): Promise<File | null> => {
    const { data, marker } = await state(repo, revision, file);
    return data && marker !== null && data.size === marker ? data : null;
  };
  return {
    description: 'the browser Origin Private File System',
    async completeSize(repo, revision, file) {
      const { data, marker } = await state(repo, revision, file);
      return data && marker !== null && data.size === marker ? marker : null;
    },
    async partialSize(repo, revision, file) {
      const { data, marker } = await state(repo, revision, file);
      return data && marker === null ? data.size : 0;
    },
    // The file is written in place (its .complete marker goes first), so one version describes it.
    async version(repo, revision, path) {
      const seg = cachePathSegments(repo, revision, path);
      const dir = await dirFor(seg, false).catch(() => null);
      const f = dir ? await fileIn(dir, `${seg.at(-1)}.version`) : null;
      return f ? (await f.text()) || null : null;
    },
    async openWriter(repo, revision, path, append, version) {
      const seg = cachePathSegments(repo, revision, path);
      const file = seg.at(-1)!;
      const dir = (await dirFor(seg, true))!;
      await dir.removeEntry(`${file}.complete`).catch(() => undefined);
      if (!append) {
        await dir.removeEntry(`${file}.version`).catch(() => undefined);
        if (version) {
          const v = await (await dir.getFileHandle(`${file}.version`, { create: true })).createWritable();
          await v.write(version);
          await v.close();
        }
      }
      const handle = await dir.getFileHandle(file, { create: true });
      const markComplete = async (size: number) => {
        const marker = await (await dir.getFileHandle(`${file}.complete`, { create: true })).createWritable();
        await marker.write(String(size));
        await marker.close();
      };
      const sync = await syncHandleOf(handle);
      if (sync) {
        if (!append) sync.truncate(0);
        let written = sync.getSize();
        let unflushed = 0;
        let closed = false;
        const close = () => {
          if (closed) return;
          closed = true;
          try {
            sync.flush();
          } finally {
            sync.close();
          }
        };
        return {
          async write(chunk) {
            let at = 0;
            while (at < chunk.byteLength) at += sync.write(chunk.subarray(at), { at: written + at });
            written += chunk.byteLength;
            unflushed += chunk.byteLength;
            if (unflushed >= FLUSH_BYTES) {
              sync.flush();
              unflushed = 0;
            }
          },
          async commit() {
            close();
            await markComplete(written);
          },
          async abort() {
            close();
          },
        };
      }
      const existing = append ? (await handle.getFile()).size : 0;
      const writable = await handle.createWritable({ keepExistingData: append });
      if (append) await writable.seek(existing);
      let written = existing;
      return {
        async write(chunk) {
          await writable.write(chunk as Uint8Array<ArrayBuffer>);
          written += chunk.byteLength;
        },
        async commit() {
          await writable.close();
          await markComplete(written);
        },
        async abort() {
          // A stream that failed (a full disk) cannot be closed: what it wrote is lost either way.
          await writable.close().catch(() => writable.abort().catch(() => undefined));
        },
      };
    },
    async files(repo, revision) {
      // Any valid file name locates the revision's folder.
      const dir = await dirFor(cachePathSegments(repo, revision, 'x'), false).catch(() => null);
      if (!dir) return [];
      const names: string[] = [];
      for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
        if (!name.endsWith('.complete') && !name.endsWith('.version')) names.push(name);
      }
      return names;
    },
    async remove(repo, revision, path) {
      const seg = cachePathSegments(repo, revision, path);
      const file = seg.at(-1)!;
      const dir = await dirFor(seg, false).catch(() => null);
      if (!dir) return;
      // The marker first: a file that cannot be removed (read elsewhere now) is then no longer complete.
      for (const name of [`${file}.complete`, `${file}.version`, file]) {
        await dir.removeEntry(name).catch((err) => {
          if ((err as DOMException)?.name !== 'NotFoundError') throw err;
        });
      }
    },
    async open(repo, revision, file) {
      const data = await openBlob(repo, revision, file);
      return data && blobSource(data, `${repo}/${file}`);
    },
    openBlob,
    async clear(keep) {
      const top = await (await rootDir()).getDirectoryHandle(folder).catch(() => null);
      if (!top) return;
      const entries = (dir: FileSystemDirectoryHandle) => (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
      for await (const [owner, ownerDir] of entries(top)) {
        if (ownerDir.kind !== 'directory') continue;
        for await (const [name] of entries(ownerDir as FileSystemDirectoryHandle)) {
          if (keep?.(`${owner}/${name}`)) continue;
          await (ownerDir as FileSystemDirectoryHandle).removeEntry(name, { recursive: true }).catch(() => undefined);
        }
      }
    },
    async repos() {
      const top = await (await rootDir()).getDirectoryHandle(folder).catch(() => null);
      if (!top) return [];
      const entries = (dir: FileSystemDirectoryHandle) => (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
      const sizeOf = async (dir: FileSystemDirectoryHandle, into: CachedRepo): Promise<void> => {
        for await (const [name, h] of entries(dir)) {
          if (h.kind === 'directory') await sizeOf(h as FileSystemDirectoryHandle, into);
          else if (!isCacheMarker(name)) {
            // A file being written in another tab may refuse to be read: it counts, its size does not.
            into.bytes += await (h as FileSystemFileHandle).getFile().then((f) => f.size, () => 0);
            into.files++;
          }
        }
      };
      const out: CachedRepo[] = [];
      for await (const [owner, ownerDir] of entries(top)) {
        if (ownerDir.kind !== 'directory') continue;
        for await (const [name, repoDir] of entries(ownerDir as FileSystemDirectoryHandle)) {
          if (repoDir.kind !== 'directory') continue;
          const repo: CachedRepo = { repo: `${owner}/${name}`, bytes: 0, files: 0 };
          await sizeOf(repoDir as FileSystemDirectoryHandle, repo);
          // A folder whose files went (removed one by one) holds nothing.
          if (repo.files > 0) out.push(repo);
        }
      }
      return out.sort((a, b) => a.repo.localeCompare(b.repo));
    },
    async freeBytes() {
      const e = await globalThis.navigator?.storage?.estimate?.().catch(() => undefined);
      return e?.quota !== undefined && e.usage !== undefined ? Math.max(0, e.quota - e.usage) : null;
    },
  };
}
