// Where a model's files come from: a dropped folder or File System Access directory (browser),
// the hub cache (OPFS or a Node directory), or a plain Node directory (model-files-node.ts).
// Owns the `ModelFiles` interface and the browser-safe implementation over `File`s; every reader
// above it (config, tokenizer, checkpoint) asks for files by their hub name only.
import { blobSource, readAllText, type ByteSource } from './byte-source.ts';
import { ModelConfigError } from './config.ts';
import { releaseAfter } from './releaseAfter.ts';

export interface ModelFiles {
  /** For messages: a folder path, or `repo@revision`. */
  readonly label: string;
  /** A source for the named file, or null when the model has no such file. */
  open(name: string): Promise<ByteSource | null>;
}

export class MissingModelFileError extends Error {
  constructor(file: string, label: string) {
    super(`${label}: required file ${file} is missing`);
    this.name = 'MissingModelFileError';
  }
}

/** tokenizer_config.json as an object, with the chat template in it: recent transformers saves the
 * template beside it (chat_template.jinja), where transformers.js's tokenizer never looks. */
export async function readTokenizerConfig(files: ModelFiles): Promise<Record<string, unknown>> {
  const config = await readModelJson(files, 'tokenizer_config.json');
  if (config.chat_template == null) {
    const jinja = await readModelText(files, 'chat_template.jinja', true);
    if (jinja !== null) config.chat_template = jinja;
  }
  return config;
}

/** A JSON object file of the model, named in its errors as config.json's are: a bare "Unexpected
 * token" said nothing of which file, and `null` crashed whoever read a field of it. */
export async function readModelJson(files: ModelFiles, name: string): Promise<Record<string, unknown>>;
export async function readModelJson(files: ModelFiles, name: string, optional: true): Promise<Record<string, unknown> | null>;
export async function readModelJson(files: ModelFiles, name: string, optional = false): Promise<Record<string, unknown> | null> {
  const text = optional ? await readModelText(files, name, true) : await readModelText(files, name);
  if (text === null) return null;
  const where = `${files.label}/${name}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelConfigError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ModelConfigError(`${where}: expected a JSON object`);
  return value as Record<string, unknown>;
}

export async function readModelText(files: ModelFiles, name: string): Promise<string>;
export async function readModelText(files: ModelFiles, name: string, optional: true): Promise<string | null>;
export async function readModelText(files: ModelFiles, name: string, optional = false): Promise<string | null> {
  const src = await files.open(name);
  if (!src) {
    if (optional) return null;
    throw new MissingModelFileError(name, files.label);
  }
  return releaseAfter(() => readAllText(src), () => src.close());
}

/** A file of a dropped folder with its path in it (`folder/sub/config.json`). A drop's walk gets
 * Files whose `webkitRelativePath` is empty, so it carries the entry's path beside each one. */
export interface PathedFile {
  file: File;
  path: string;
}

/** The path of a picked or dropped file inside what the user chose; its bare name for a loose file. */
export function modelFilePath(f: File | PathedFile): string {
  if (!(f instanceof File)) return f.path;
  return (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
}

/** The folder the user picked or dropped (the first segment of the files' paths), or undefined for
 * loose files. */
export function droppedFolderName(files: ReadonlyArray<File | PathedFile>): string | undefined {
  const parts = files.length ? modelFilePath(files[0]).split('/') : [];
  return parts.length > 1 ? parts[0] : undefined;
}

/** Dropped files or a directory read through File System Access. Files are matched by base name,
 * so a dropped folder (`folder/config.json`) works as well as loose files. */
export function fileListModelFiles(files: Iterable<File | PathedFile>, label = 'dropped files'): ModelFiles {
  // A folder may hold older checkpoints in subfolders (checkpoint-500/model.safetensors): the
  // model is the one at the top, whatever order the browser walked the folder in.
  const byName = new Map<string, { file: File; depth: number }>();
  for (const f of files) {
    const path = modelFilePath(f);
    const parts = path.split('/');
    const name = parts.at(-1) ?? path;
    const seen = byName.get(name);
    if (!seen || parts.length < seen.depth) byName.set(name, { file: f instanceof File ? f : f.file, depth: parts.length });
  }
  return {
    label,
    async open(name) {
      const f = byName.get(name)?.file;
      return f ? blobSource(f, `${label}/${name}`) : null;
    },
  };
}

/** A File System Access directory handle (showDirectoryPicker). */
export function directoryHandleModelFiles(dir: FileSystemDirectoryHandle): ModelFiles {
  return {
    label: dir.name,
    async open(name) {
      try {
        const handle = await dir.getFileHandle(name);
        return blobSource(await handle.getFile(), `${dir.name}/${name}`);
      } catch (err) {
        if ((err as DOMException)?.name === 'NotFoundError') return null;
        throw err;
      }
    },
  };
}

/** In-memory files (tests, the tiny model generator's output). */
export function memoryModelFiles(files: Map<string, string | Uint8Array>, label = 'memory'): ModelFiles {
  return {
    label,
    async open(name) {
      const v = files.get(name);
      if (v === undefined) return null;
      const bytes = typeof v === 'string' ? new TextEncoder().encode(v) : v;
      return blobSource(new Blob([bytes as Uint8Array<ArrayBuffer>]), `${label}/${name}`);
    },
  };
}
