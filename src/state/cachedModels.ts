// Models downloaded into the Origin Private File System, as model-cache.ts lays them out:
// `models/<owner>/<name>/<revision>/<file>` with `<file>.complete` markers. Lists each repo with the
// bytes of its complete files, and deletes a repo's folder. The page may read OPFS directly; the
// worker owns writing into it.
export interface CachedModel {
  repo: string;
  revisions: string[];
  bytes: number;
  files: number;
  /** Files whose download has not finished (no `.complete` marker): loading the model resumes them. */
  partialFiles: number;
}

type DirEntries = AsyncIterable<[string, FileSystemHandle]>;

function entries(dir: FileSystemDirectoryHandle): DirEntries {
  return (dir as unknown as { entries(): DirEntries }).entries();
}

async function modelsDir(): Promise<FileSystemDirectoryHandle | null> {
  if (!navigator.storage?.getDirectory) return null;
  const root = await navigator.storage.getDirectory();
  try {
    return await root.getDirectoryHandle('models');
  } catch (err) {
    if ((err as DOMException).name === 'NotFoundError') return null;
    throw err;
  }
}

export async function listCachedModels(): Promise<CachedModel[]> {
  const dir = await modelsDir();
  if (!dir) return [];
  const out: CachedModel[] = [];
  for await (const [owner, ownerHandle] of entries(dir)) {
    if (ownerHandle.kind !== 'directory') continue;
    for await (const [name, repoHandle] of entries(ownerHandle as FileSystemDirectoryHandle)) {
      if (repoHandle.kind !== 'directory') continue;
      const model: CachedModel = { repo: `${owner}/${name}`, revisions: [], bytes: 0, files: 0, partialFiles: 0 };
      for await (const [rev, revHandle] of entries(repoHandle as FileSystemDirectoryHandle)) {
        if (revHandle.kind !== 'directory') continue;
        model.revisions.push(decodeURIComponent(rev));
        const names = new Set<string>();
        for await (const [file, fileHandle] of entries(revHandle as FileSystemDirectoryHandle)) {
          if (fileHandle.kind !== 'file') continue;
          names.add(file);
          // Markers beside each file (its version, that it is complete) are not model files.
          if (file.endsWith('.complete') || file.endsWith('.version')) continue;
          // A file the worker is writing now may refuse to be read: it counts, its size does not.
          model.bytes += await (fileHandle as FileSystemFileHandle).getFile().then((f) => f.size, () => 0);
          model.files++;
        }
        for (const file of names) if (!file.endsWith('.complete') && !file.endsWith('.version') && !names.has(`${file}.complete`)) model.partialFiles++;
      }
      out.push(model);
    }
  }
  return out.sort((a, b) => a.repo.localeCompare(b.repo));
}

export async function deleteCachedModel(repo: string): Promise<void> {
  const dir = await modelsDir();
  if (!dir) return;
  const [owner, name] = repo.split('/');
  const ownerDir = await dir.getDirectoryHandle(owner);
  await ownerDir.removeEntry(name, { recursive: true });
}
