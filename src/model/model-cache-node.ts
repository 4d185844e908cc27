// ModelCache over a Node directory: `<root>/<owner>/<name>/<revision>/<file path>`, with unfinished
// downloads in `<file>.part` and renamed into place on commit (rename is atomic, so a complete
// file is always whole), and the hub's ETag of the bytes in `<file>.version`. Node-only.
import { openAsBlob } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { nodeFileSource } from './byte-source-node.ts';
import { cachePathSegments, isCacheMarker, type CachedRepo, type ModelCache } from './model-cache.ts';

async function sizeOf(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function nodeDirectoryModelCache(root: string): ModelCache {
  const pathOf = (repo: string, revision: string, file: string) => join(root, ...cachePathSegments(repo, revision, file));
  return {
    description: `the directory ${root}`,
    completeSize: (repo, revision, file) => sizeOf(pathOf(repo, revision, file)),
    async partialSize(repo, revision, file) {
      return (await sizeOf(pathOf(repo, revision, file) + '.part')) ?? 0;
    },
    async version(repo, revision, file, which) {
      try {
        return (await readFile(pathOf(repo, revision, file) + (which === 'partial' ? '.part.version' : '.version'), 'utf8')) || null;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async openWriter(repo, revision, file, append, version) {
      const path = pathOf(repo, revision, file);
      await mkdir(dirname(path), { recursive: true });
      if (!append) {
        await rm(path + '.part.version', { force: true });
        if (version) await writeFile(path + '.part.version', version);
      }
      const handle = await open(path + '.part', append ? 'a' : 'w');
      let closed = false;
      const close = async () => {
        if (!closed) {
          closed = true;
          await handle.close();
        }
      };
      return {
        async write(chunk) {
          await handle.write(chunk);
        },
        async commit() {
          await close();
          await rm(path, { force: true });
          await rename(path + '.part', path);
          await rm(path + '.version', { force: true });
          await rename(path + '.part.version', path + '.version').catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') throw err;
          });
        },
        abort: close,
      };
    },
    async open(repo, revision, file) {
      const path = pathOf(repo, revision, file);
      return (await sizeOf(path)) === null ? null : nodeFileSource(path, `${repo}/${file}`);
    },
    async openBlob(repo, revision, file) {
      const path = pathOf(repo, revision, file);
      return (await sizeOf(path)) === null ? null : openAsBlob(path);
    },
    async files(repo, revision) {
      const dir = dirname(pathOf(repo, revision, 'x'));
      const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [] as string[];
        throw err;
      });
      const files = new Set<string>();
      for (const n of names) if (!n.endsWith('.version')) files.add(n.replace(/\.part$/, ''));
      return [...files];
    },
    async remove(repo, revision, file) {
      const path = pathOf(repo, revision, file);
      for (const p of [path, path + '.version', path + '.part', path + '.part.version']) await rm(p, { force: true });
    },
    async clear(keep) {
      const listed = async (dir: string) => readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const owner of await listed(root)) {
        if (!owner.isDirectory()) continue;
        for (const name of await listed(join(root, owner.name))) {
          if (!keep?.(`${owner.name}/${name.name}`)) await rm(join(root, owner.name, name.name), { recursive: true, force: true });
        }
      }
    },
    async repos() {
      const listed = async (dir: string) => readdir(dir, { withFileTypes: true }).catch(() => []);
      const addUp = async (dir: string, into: CachedRepo): Promise<void> => {
        for (const e of await listed(dir)) {
          if (e.isDirectory()) await addUp(join(dir, e.name), into);
          else if (e.isFile() && !isCacheMarker(e.name)) {
            into.bytes += (await stat(join(dir, e.name)).catch(() => null))?.size ?? 0;
            into.files++;
          }
        }
      };
      const out: CachedRepo[] = [];
      for (const owner of await listed(root)) {
        if (!owner.isDirectory()) continue;
        for (const name of await listed(join(root, owner.name))) {
          if (!name.isDirectory()) continue;
          const repo: CachedRepo = { repo: `${owner.name}/${name.name}`, bytes: 0, files: 0 };
          await addUp(join(root, owner.name, name.name), repo);
          // A folder whose files went (removed one by one) holds nothing.
          if (repo.files > 0) out.push(repo);
        }
      }
      return out.sort((a, b) => a.repo.localeCompare(b.repo));
    },
    async freeBytes() {
      await mkdir(root, { recursive: true });
      const fs = await statfs(root).catch(() => null);
      return fs ? fs.bavail * fs.bsize : null;
    },
  };
}
