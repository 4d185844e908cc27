// Where the worker gets a model: the embedded tiny default (served with the app, no download), a
// Hugging Face repo (downloaded with progress into the OPFS cache), or files the user dropped. A load
// may be cancelled part-way (its `signal`): what a download wrote stays in the cache for the next load.
import { downloadHubModel, DEFAULT_HUB_BASE_URL, type DownloadProgress } from '../model/hub.ts';
import type { ModelCache } from '../model/model-cache.ts';
import { droppedFolderName, fileListModelFiles, memoryModelFiles, type ModelFiles, type PathedFile } from '../model/model-files.ts';

/** A hub source's `token` (gated and private repos) goes to the hub with the downloads and nowhere else. */
export type ModelSource = { kind: 'embedded' } | { kind: 'hub'; repo: string; baseUrl?: string; revision?: string; token?: string } | { kind: 'files'; files: Array<File | PathedFile>; label?: string };

export { EMBEDDED_MODEL_REF } from '../model/model-ref.ts';
import { EMBEDDED_MODEL_REF } from '../model/model-ref.ts';
const EMBEDDED_FILES = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

export interface SourceProgress {
  label: string;
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond?: number;
}

export function modelRef(source: ModelSource): string {
  if (source.kind === 'embedded') return EMBEDDED_MODEL_REF;
  if (source.kind === 'hub') return source.repo;
  // `||`: an empty label is no name (every drop once became "local:", one model for all of them).
  return `local:${source.label || droppedFolderName(source.files) || 'dropped files'}`;
}

/** A load the page cancelled (`name` tells it apart from a failure): nothing was loaded. */
export class ModelLoadCancelledError extends Error {
  constructor(source: ModelSource) {
    super(source.kind === 'hub' ? `loading ${source.repo} was cancelled: what was downloaded is kept, and loading it again resumes the download` : `loading ${source.kind === 'embedded' ? 'the embedded model' : modelRef(source)} was cancelled`);
    this.name = 'ModelLoadCancelledError';
  }
}

/** Where a source is read from: the app's origin (the embedded model), the hub's download cache, and
 * the signal that cancels the load. */
export interface SourceAccess {
  appBaseUrl: string;
  cache: ModelCache;
  signal?: AbortSignal;
}

/** Bytes a response's body reads to, when its headers say: a compressed body's content-length is
 * the compressed size, not that. */
function bodyBytes(res: Response): number | null {
  const length = res.headers.get('content-length');
  return length !== null && !res.headers.get('content-encoding') && Number.isFinite(Number(length)) ? Number(length) : null;
}

/** The embedded model's files, fetched from the app's own origin (public/models/tiny-qwen3/). All
 * are requested first, so the progress total covers every file from its first report (the
 * 716-byte config.json read as the whole); 0, unknown, when a server does not say every size. */
async function embeddedFiles(baseUrl: string, signal: AbortSignal | undefined, onProgress?: (p: SourceProgress) => void): Promise<ModelFiles> {
  const responses = await Promise.all(EMBEDDED_FILES.map((name) => fetch(new URL(`models/tiny-qwen3/${name}`, baseUrl), { signal })));
  const sizes = responses.map(bodyBytes);
  const total = sizes.every((n) => n !== null) ? sizes.reduce((a: number, b) => a + b!, 0) : 0;
  const files = new Map<string, Uint8Array>();
  let done = 0;
  for (const [i, name] of EMBEDDED_FILES.entries()) {
    const res = responses[i];
    if (!res.ok) throw new Error(`the embedded model file ${name} is missing (HTTP ${res.status}); run \`npm run build\` or \`npm start\`, which generate it`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    files.set(name, bytes);
    done += bytes.byteLength;
    onProgress?.({ label: name, bytesDone: done, bytesTotal: total });
  }
  return memoryModelFiles(files, EMBEDDED_MODEL_REF);
}

/** `source`'s files; a cancel (`access.signal`) ends it with ModelLoadCancelledError. */
export async function openModelSource(source: ModelSource, access: SourceAccess, onProgress?: (p: SourceProgress) => void): Promise<ModelFiles> {
  const { signal } = access;
  try {
    signal?.throwIfAborted();
    return await openFiles(source, access, onProgress);
  } catch (err) {
    // Whatever the abort broke (a fetch, a body stream) reads as the cancel it was.
    if (signal?.aborted) throw new ModelLoadCancelledError(source);
    throw err;
  }
}

function openFiles(source: ModelSource, { appBaseUrl, cache, signal }: SourceAccess, onProgress?: (p: SourceProgress) => void): Promise<ModelFiles> {
  switch (source.kind) {
    case 'embedded':
      return embeddedFiles(appBaseUrl, signal, onProgress);
    case 'files':
      return Promise.resolve(fileListModelFiles(source.files, modelRef(source)));
    case 'hub':
      return downloadHubModel(source.repo, {
        cache,
        signal,
        baseUrl: source.baseUrl ?? DEFAULT_HUB_BASE_URL,
        revision: source.revision,
        token: source.token,
        onProgress: (p: DownloadProgress) => onProgress?.({ label: p.file, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, bytesPerSecond: p.bytesPerSecond }),
      });
  }
}
