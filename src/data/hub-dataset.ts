// A dataset repo on the Hugging Face Hub as dataset files: its file list from the Hub's tree API,
// the dataset files in it (.json, .jsonl, .parquet, gzipped or not; only the train split's when
// the repo names one), downloaded with progress. A repo with no such files (CSV, a loading script)
// is read from the Parquet conversion the Hub keeps for its dataset viewer (`refs/convert/parquet`).
// Errors say what to do: a mistyped id, a gated repo without a token, a stalled download.
// Never stores anything: the files go to the same import as dropped files.
import { Deadline, DEFAULT_HUB_BASE_URL, HubError, hubAnswer, HubNetworkError, HubTimeoutError, HubTruncatedError } from '../model/hub.ts';
import type { DatasetFile } from './import-dataset.ts';
import { formatBytes } from './record-limits.ts';

export interface HubDatasetOptions {
  baseUrl?: string;
  revision?: string;
  /** A Hugging Face access token: gated and private datasets need one. */
  token?: string;
  signal?: AbortSignal;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Longest wait for a response, or for the next bytes of one (default 10 s). */
  timeoutMs?: number;
  onProgress?: (p: { file: string; bytesDone: number; bytesTotal: number }) => void;
}

export interface HubDataset {
  repo: string;
  revision: string;
  files: DatasetFile[];
  /** Dataset files of the repo left out (other splits). */
  leftOut: string[];
}

/** What the studio downloads from one dataset repo at most: the files are held in memory until imported. */
export const MAX_HUB_DATASET_BYTES = 2 * 2 ** 30;
const CONVERTED_PARQUET = 'refs/convert/parquet';
const DATASET_FILE = /\.(jsonl|ndjson|json|parquet)(\.gz)?$/i;
/** JSON files a dataset repo keeps beside its data. */
const METADATA_FILE = /(^|\/)(dataset_infos?|dataset_dict|state|config)\.json$/i;
const TRAIN = /(^|[/._-])train([/._-]|$)/i;

/** `owner/name` from what a user may paste: the id, the dataset page's URL, or an `hf://datasets/` path. */
export function hubDatasetId(text: string): string {
  const t = text.trim().replace(/\/+$/, '');
  const m = /^(?:hf:\/\/datasets\/|https?:\/\/(?:www\.)?huggingface\.co\/datasets\/)?([\w.-]+\/[\w.-]+)(?:\/(?:tree|blob|viewer)\/.*)?$/.exec(t);
  if (!m || m[1].includes('..')) throw new HubError(`"${text.trim()}" is not a Hugging Face dataset id; write it as owner/name (like Salesforce/xlam-function-calling-60k), or paste the dataset page's address`);
  return m[1];
}

interface TreeEntry {
  type: string;
  path: string;
  size?: number;
  lfs?: { size?: number };
}

interface Ctx extends Required<Pick<HubDatasetOptions, 'timeoutMs'>> {
  repo: string;
  base: string;
  /** Called as c.fetch(…): the global one wrapped, since a browser's fetch refuses another `this`. */
  fetch: typeof fetch;
  token?: string;
  signal?: AbortSignal;
}

/** fetch with the token, `deadline` for the response, and the Hub's errors in words. `what` names
 * the request in messages: a file, or the file list. */
async function hubGet(c: Ctx, url: string, what: string, deadline: Deadline): Promise<Response | null> {
  let res: Response;
  try {
    res = await c.fetch(url, { signal: deadline.controller.signal, headers: { 'accept-encoding': 'identity', ...(c.token ? { authorization: `Bearer ${c.token}` } : {}) } });
  } catch (err) {
    if (c.signal?.aborted) throw err;
    if (deadline.expired) throw new HubTimeoutError(what, c.repo, url, c.timeoutMs, 'headers');
    throw new HubNetworkError(what, c.repo, url, err);
  }
  deadline.restart();
  return hubAnswer(res, { repo: c.repo, token: c.token, url, file: what }, res.ok, {
    withToken: ' (the dataset is gated or private, and this token has no access to it: accept its terms on its page, or use a token that may read it)',
    without: ' (the dataset is gated or private: it needs a Hugging Face access token that may read it)',
  });
}

/** The repo's files at `revision`, every page of the listing; null when the revision does not exist. */
async function listFiles(c: Ctx, revision: string): Promise<TreeEntry[] | null> {
  const entries: TreeEntry[] = [];
  let url: string | null = `${c.base}/api/datasets/${c.repo}/tree/${encodeURIComponent(revision)}?recursive=true`;
  while (url) {
    const deadline = new Deadline(c.timeoutMs, c.signal);
    let res: Response | null;
    let page: unknown;
    try {
      res = await hubGet(c, url, 'the file list', deadline);
      if (!res) return entries.length ? entries : null;
      page = await res.json();
    } finally {
      deadline.stop();
    }
    if (!Array.isArray(page)) throw new HubError(`${c.repo}: the Hub's file list is not a list (from ${url})`);
    entries.push(...(page as TreeEntry[]));
    // The Hub pages long listings: Link: <…&cursor=…>; rel="next"
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    url = next ? new URL(next, c.base).href : null;
  }
  return entries;
}

/** The dataset files to import: the train split's when the repo names one, else all of them. */
export function chooseDatasetFiles(paths: string[]): { chosen: string[]; leftOut: string[] } {
  const data = paths.filter((p) => DATASET_FILE.test(p) && !METADATA_FILE.test(p) && !p.split('/').some((s) => s.startsWith('.')));
  const train = data.filter((p) => TRAIN.test(p));
  return train.length ? { chosen: train, leftOut: data.filter((p) => !train.includes(p)) } : { chosen: data, leftOut: [] };
}

function sizeOf(e: TreeEntry): number {
  return e.lfs?.size ?? e.size ?? 0;
}

async function download(c: Ctx, revision: string, entry: TreeEntry, progress: (bytes: number) => void): Promise<Blob> {
  const url = `${c.base}/datasets/${c.repo}/resolve/${encodeURIComponent(revision)}/${entry.path.split('/').map(encodeURIComponent).join('/')}`;
  const deadline = new Deadline(c.timeoutMs, c.signal);
  try {
    const res = await hubGet(c, url, entry.path, deadline);
    if (!res?.body) throw new HubError(`${entry.path} was listed in ${c.repo} but the Hub has no such file (404 from ${url})`);
    const parts: Uint8Array[] = [];
    let received = 0;
    const reader = res.body.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (c.signal?.aborted) throw err;
        if (deadline.expired) throw new HubTimeoutError(entry.path, c.repo, url, c.timeoutMs, 'body');
        throw new HubNetworkError(entry.path, c.repo, url, err);
      }
      if (chunk.done) break;
      deadline.restart();
      parts.push(chunk.value);
      received += chunk.value.length;
      progress(chunk.value.length);
    }
    if (received !== sizeOf(entry)) throw new HubTruncatedError(entry.path, c.repo, received, sizeOf(entry));
    return new Blob(parts as BlobPart[]);
  } finally {
    deadline.stop();
  }
}

/** Downloads the dataset files of a Hub dataset repo (see the header for which). */
export async function downloadHubDataset(idText: string, opts: HubDatasetOptions = {}): Promise<HubDataset> {
  const repo = hubDatasetId(idText);
  const c: Ctx = { repo, base: (opts.baseUrl ?? DEFAULT_HUB_BASE_URL).replace(/\/+$/, ''), fetch: opts.fetch ?? ((input, init) => fetch(input, init)), token: opts.token, signal: opts.signal, timeoutMs: opts.timeoutMs ?? 10_000 };
  let revision = opts.revision ?? 'main';
  let entries = await listFiles(c, revision);
  if (!entries) throw new HubError(`${repo} has no revision "${revision}" on the Hub`);
  let { chosen, leftOut } = chooseDatasetFiles(entries.filter((e) => e.type === 'file').map((e) => e.path));
  if (!chosen.length && opts.revision === undefined) {
    // CSV, Arrow or a loading script: the Hub's viewer converted it to Parquet, if it could.
    const converted = await listFiles(c, CONVERTED_PARQUET);
    if (converted) {
      entries = converted;
      revision = CONVERTED_PARQUET;
      ({ chosen, leftOut } = chooseDatasetFiles(converted.filter((e) => e.type === 'file').map((e) => e.path)));
    }
  }
  if (!chosen.length) throw new HubError(`${repo} holds no .json, .jsonl or .parquet files, and the Hub has no Parquet conversion of it; download its data and convert it to JSONL, then drop that`);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const files = chosen.map((p) => byPath.get(p)!);
  const bytesTotal = files.reduce((n, e) => n + sizeOf(e), 0);
  if (bytesTotal > MAX_HUB_DATASET_BYTES) {
    throw new HubError(`${repo}'s ${chosen.length === 1 ? 'file is' : `${chosen.length} files are`} ${formatBytes(bytesTotal)}, more than the ${formatBytes(MAX_HUB_DATASET_BYTES)} the studio downloads at once; download ${chosen.length === 1 ? 'it' : 'a few of them'} and drop ${chosen.length === 1 ? 'it' : 'them'}`);
  }
  let bytesDone = 0;
  const out: DatasetFile[] = [];
  for (const entry of files) {
    opts.signal?.throwIfAborted();
    opts.onProgress?.({ file: entry.path, bytesDone, bytesTotal });
    const blob = await download(c, revision, entry, (n) => {
      bytesDone += n;
      opts.onProgress?.({ file: entry.path, bytesDone, bytesTotal });
    });
    out.push({ name: entry.path, blob });
  }
  return { repo, revision, files: out, leftOut };
}
