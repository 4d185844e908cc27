// A dataset repo on the Hugging Face Hub as dataset files: its file list from the Hub's tree API,
// the dataset files in it (.json, .jsonl, .parquet, gzipped or not): those the user chose (paths, or
// globs like `data/train-*.parquet`), else only the train split's when the repo names one. They are
// downloaded with progress into a download cache as a model's files are (model/hub.ts: resumed,
// retried, not fetched again while the cached copy is the listed version), and read from there. A repo with no such files (CSV, a loading script) is read from the Parquet
// conversion the Hub keeps for its dataset viewer (`refs/convert/parquet`).
// Errors say what to do: a mistyped id, a gated repo without a token, a stalled download.
// Never imports anything: the files go to the same import as dropped files.
import { Deadline, DEFAULT_HUB_BASE_URL, downloadDatasetFiles, HubError, hubAnswer, HubNetworkError, HubStorageError, HubTimeoutError, type ListedFile } from '../model/hub.ts';
import type { ModelCache } from '../model/model-cache.ts';
import type { DatasetFile } from './import-dataset.ts';
import { formatBytes } from './record-limits.ts';

export interface HubListingOptions {
  baseUrl?: string;
  revision?: string;
  /** A Hugging Face access token: gated and private datasets need one. */
  token?: string;
  signal?: AbortSignal;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Longest wait for a response, or for the next bytes of one (default 10 s). */
  timeoutMs?: number;
}

export interface HubDatasetOptions extends HubListingOptions {
  /** Where the files are downloaded to, and read from by the import. */
  cache: ModelCache;
  /** The files to download: paths the listing gave, or globs of them (`*` within a folder, `**`
   * across folders); without it, the train split's. */
  files?: string[];
  /** Further attempts at a file after a timeout, a dropped connection or a cut body (default 2). */
  retries?: number;
  onProgress?: (p: { file: string; bytesDone: number; bytesTotal: number }) => void;
}

export interface HubDataset {
  repo: string;
  revision: string;
  files: DatasetFile[];
  /** Dataset files of the repo left out (other splits, or those the user did not choose). */
  leftOut: string[];
  /** The files read from an earlier download, current on the Hub: nothing of them was fetched. */
  reused: string[];
}

/** What the studio downloads from one dataset repo at most: its examples are stored a second time
 * (in the database) before the download can be deleted. */
export const MAX_HUB_DATASET_BYTES = 2 * 2 ** 30;
const CONVERTED_PARQUET = 'refs/convert/parquet';
const DATASET_FILE = /\.(jsonl|ndjson|json|parquet)(\.gz)?$/i;
/** JSON files a dataset repo keeps beside its data. */
const METADATA_FILE = /(^|\/)(dataset_infos?|dataset_dict|state|config)\.json$/i;
const TRAIN = /(^|[/._-])train([/._-]|$)/i;

/** A glob of repo paths: `*` and `?` within a folder, `**` across folders. */
function globRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      // `**/` is any folders (or none); a `**` at the end, anything.
      const folders = glob[i + 2] === '/';
      out += folders ? '(?:.*/)?' : '.*';
      i += folders ? 2 : 1;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** A Hub dataset as the CLI takes it: `hf://datasets/<owner>/<name>`, then optionally the path of a
 * file in it or a glob of them (`hf://datasets/<owner>/<name>/data/train-*.parquet`). */
export function hubDatasetPath(text: string): { repo: string; files?: string } {
  const m = /^hf:\/\/datasets\/([^/]+\/[^/]+)(?:\/(.+))?$/.exec(text.trim());
  if (!m) return { repo: hubDatasetId(text) };
  return { repo: hubDatasetId(m[1]), ...(m[2] ? { files: m[2] } : {}) };
}

/** `owner/name` from what a user may paste: the id, the dataset page's URL, or an `hf://datasets/` path. */
export function hubDatasetId(text: string): string {
  const t = text.trim().replace(/[?#].*$/, '').replace(/\/+$/, '');
  const m = /^(?:hf:\/\/datasets\/|https?:\/\/(?:www\.)?huggingface\.co\/datasets\/)?([\w.-]+\/[\w.-]+)(?:\/(?:tree|blob|resolve|viewer)\/.*)?$/.exec(t);
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

interface Ctx extends Required<Pick<HubListingOptions, 'timeoutMs'>> {
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

/** A dataset repo's files as the Hub lists them, before anything is downloaded. */
export interface HubDatasetListing {
  repo: string;
  /** `main`, or the Hub's Parquet conversion when the repo holds no dataset files. */
  revision: string;
  /** Every dataset file (.json, .jsonl, .parquet, gzipped or not; never metadata), with its size in bytes. */
  files: Array<{ path: string; size: number }>;
  /** What is imported unless the user chooses: the train split's files when the repo names one, else all. */
  chosen: string[];
  /** The most bytes one import downloads (MAX_HUB_DATASET_BYTES). */
  maxBytes: number;
}

type ListingWithEntries = HubDatasetListing & { entries: Map<string, TreeEntry> };

function ctxOf(repo: string, opts: HubListingOptions): Ctx {
  return { repo, base: (opts.baseUrl ?? DEFAULT_HUB_BASE_URL).replace(/\/+$/, ''), fetch: opts.fetch ?? ((input, init) => fetch(input, init)), token: opts.token, signal: opts.signal, timeoutMs: opts.timeoutMs ?? 10_000 };
}

async function listing(c: Ctx, pinned: string | undefined): Promise<ListingWithEntries> {
  let revision = pinned ?? 'main';
  let entries = await listFiles(c, revision);
  if (!entries) throw new HubError(`${c.repo} has no revision "${revision}" on the Hub`);
  const choose = (listed: TreeEntry[]) => chooseDatasetFiles(listed.filter((e) => e.type === 'file').map((e) => e.path));
  let { chosen, leftOut } = choose(entries);
  if (!chosen.length && pinned === undefined) {
    // CSV, Arrow or a loading script: the Hub's viewer converted it to Parquet, if it could.
    const converted = await listFiles(c, CONVERTED_PARQUET);
    if (converted) {
      entries = converted;
      revision = CONVERTED_PARQUET;
      ({ chosen, leftOut } = choose(converted));
    }
  }
  if (!chosen.length) throw new HubError(`${c.repo} holds no .json, .jsonl or .parquet files, and the Hub has no Parquet conversion of it; download its data and convert it to JSONL, then drop that`);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const files = [...chosen, ...leftOut].sort().map((path) => ({ path, size: sizeOf(byPath.get(path)!) }));
  return { repo: c.repo, revision, files, chosen, maxBytes: MAX_HUB_DATASET_BYTES, entries: byPath };
}

/** The file or folder a pasted Hub address points into (`…/blob/main/data/train.jsonl`,
 * `…/tree/main/data`), or null for the dataset's page. */
function pastedPath(text: string): string | null {
  const m = /^https?:\/\/(?:www\.)?huggingface\.co\/datasets\/[\w.-]+\/[\w.-]+\/(?:tree|blob|resolve)\/[^/]+\/(.+)$/.exec(text.trim().replace(/[?#].*$/, '').replace(/\/+$/, ''));
  return m ? decodeURIComponent(m[1]) : null;
}

/** A Hub dataset's dataset files and the ones imported by default, without downloading any: those
 * under the file or folder a pasted address points into, else the train split's. */
export async function listHubDataset(idText: string, opts: HubListingOptions = {}): Promise<HubDatasetListing> {
  const { entries: _entries, ...shown } = await listing(ctxOf(hubDatasetId(idText), opts), opts.revision);
  const within = pastedPath(idText);
  const pointed = within === null ? [] : shown.files.map((f) => f.path).filter((p) => p === within || p.startsWith(`${within}/`));
  return pointed.length ? { ...shown, chosen: pointed } : shown;
}

/** The listed files that `files` name (paths or globs), in the listing's order, each once however
 * many name it; without `files`, the listing's own choice. A name that matches nothing is refused,
 * with the files there are. */
export function chosenFiles(listing: Pick<HubDatasetListing, 'repo' | 'revision' | 'files' | 'chosen'>, files?: string[]): { chosen: string[]; leftOut: string[] } {
  const paths = listing.files.map((f) => f.path);
  const matched = files?.map((f) => (paths.includes(f) ? [f] : paths.filter((p) => globRegExp(f).test(p))));
  const unknown = files?.filter((_, i) => !matched![i].length) ?? [];
  if (unknown.length) {
    const names = paths.slice(0, 8).join(', ') + (paths.length > 8 ? `, and ${paths.length - 8} more` : '');
    throw new HubError(`${listing.repo} has no dataset file ${unknown.map((f) => `"${f}"`).join(', ')}${listing.revision === 'main' ? '' : ` at ${listing.revision}`}; its dataset files are ${names}`);
  }
  if (files?.length === 0) throw new HubError(`no file of ${listing.repo} was chosen; choose at least one`);
  const named = new Set(matched?.flat());
  const chosen = matched ? paths.filter((p) => named.has(p)) : listing.chosen;
  return { chosen, leftOut: paths.filter((p) => !chosen.includes(p)) };
}

/** Downloads the dataset files of a Hub dataset repo: `opts.files` when given (paths of its listing),
 * else those the listing chooses (see the header). */
export async function downloadHubDataset(idText: string, opts: HubDatasetOptions): Promise<HubDataset> {
  const repo = hubDatasetId(idText);
  const c = ctxOf(repo, opts);
  const repoFiles = await listing(c, opts.revision);
  const { revision } = repoFiles;
  const { chosen, leftOut } = chosenFiles(repoFiles, opts.files);
  const files = chosen.map((p) => repoFiles.entries.get(p)!);
  const bytesTotal = files.reduce((n, e) => n + sizeOf(e), 0);
  if (bytesTotal > MAX_HUB_DATASET_BYTES) {
    throw new HubError(`${repo}'s ${chosen.length === 1 ? 'file is' : `${chosen.length} files are`} ${formatBytes(bytesTotal)}, more than the ${formatBytes(MAX_HUB_DATASET_BYTES)} the studio downloads at once; ${chosen.length === 1 ? 'download it and drop it' : `import fewer of them at a time (tick them in the studio's listing; on the command line, name them: hf://datasets/${repo}/<path or glob>)`}`);
  }
  const listed = files.map(listedFile);
  const reused: string[] = [];
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
    onProgress: (p) => {
      if (p.status === 'cached') reused.push(p.file);
      opts.onProgress?.({ file: p.file, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal });
    },
  });
  const out: DatasetFile[] = [];
  for (const { file } of listed) {
    const blob = await opts.cache.openBlob(repo, revision, file);
    if (!blob) throw new HubStorageError(`${file} of ${repo} was downloaded, but ${opts.cache.description} no longer has it; import it again`);
    out.push({ name: file, blob });
  }
  return { repo, revision, files: out, leftOut, reused };
}
