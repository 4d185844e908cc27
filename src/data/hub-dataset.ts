// A dataset repo on the Hugging Face Hub as dataset files: its file list from the Hub's tree API,
// the dataset files in it (.json, .jsonl, .parquet, gzipped or not; only the train split's when
// the repo names one), downloaded with progress into a download cache as a model's files are
// (model/hub.ts: resumed, retried, not fetched again while the cached copy is the listed version),
// and read from there. A repo with no such files (CSV, a loading script) is read from the Parquet
// conversion the Hub keeps for its dataset viewer (`refs/convert/parquet`).
// Errors say what to do: a mistyped id, a gated repo without a token, a stalled download.
// Never imports anything: the files go to the same import as dropped files.
import { Deadline, DEFAULT_HUB_BASE_URL, downloadDatasetFiles, HubError, hubAnswer, HubNetworkError, HubStorageError, HubTimeoutError, type ListedFile } from '../model/hub.ts';
import type { ModelCache } from '../model/model-cache.ts';
import type { DatasetFile } from './import-dataset.ts';
import { formatBytes } from './record-limits.ts';

export interface HubDatasetOptions {
  /** Where the files are downloaded to, and read from by the import. */
  cache: ModelCache;
  baseUrl?: string;
  revision?: string;
  /** A Hugging Face access token: gated and private datasets need one. */
  token?: string;
  signal?: AbortSignal;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Longest wait for a response, or for the next bytes of one (default 10 s). */
  timeoutMs?: number;
  /** Further attempts at a file after a timeout, a dropped connection or a cut body (default 2). */
  retries?: number;
  onProgress?: (p: { file: string; bytesDone: number; bytesTotal: number }) => void;
}

export interface HubDataset {
  repo: string;
  revision: string;
  files: DatasetFile[];
  /** Dataset files of the repo left out (other splits). */
  leftOut: string[];
}

/** What the studio downloads from one dataset repo at most: its examples are stored a second time
 * (in the database) before the download can be deleted. */
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
  /** The git blob's hash; `lfs.oid` the content's sha256 for a file kept in LFS. */
  oid?: string;
  lfs?: { size?: number; oid?: string };
}

const DATASET_REFUSAL = {
  withToken: ' (the dataset is gated or private, and this token has no access to it: accept its terms on its page, or use a token that may read it)',
  without: ' (the dataset is gated or private: it needs a Hugging Face access token that may read it)',
};

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
  return hubAnswer(res, { repo: c.repo, token: c.token, url, file: what }, res.ok, DATASET_REFUSAL);
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

/** The listed file as the download cache keys its version: its content's hash, quoted as an ETag. */
function listedFile(e: TreeEntry): ListedFile {
  const hash = e.lfs?.oid ?? e.oid;
  return { file: e.path, size: sizeOf(e), version: hash ? `"${hash}"` : null };
}

/** Downloads the dataset files of a Hub dataset repo (see the header for which). */
export async function downloadHubDataset(idText: string, opts: HubDatasetOptions): Promise<HubDataset> {
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
  const listed = files.map(listedFile);
  await downloadDatasetFiles(repo, listed, {
    cache: opts.cache,
    refusal: DATASET_REFUSAL,
    revision,
    baseUrl: c.base,
    fetch: c.fetch,
    token: c.token,
    signal: c.signal,
    timeoutMs: c.timeoutMs,
    retries: opts.retries,
    onProgress: (p) => opts.onProgress?.({ file: p.file, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal }),
  });
  const out: DatasetFile[] = [];
  for (const { file } of listed) {
    const blob = await opts.cache.openBlob(repo, revision, file);
    if (!blob) throw new HubStorageError(`${file} of ${repo} was downloaded, but ${opts.cache.description} no longer has it; import it again`);
    out.push({ name: file, blob });
  }
  return { repo, revision, files: out, leftOut };
}
