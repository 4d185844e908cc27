// Downloads a Hugging Face model repo into a ModelCache over HTTP, with progress, size checks and
// resume, then serves it as ModelFiles. URLs are `${baseUrl}/${repo}/resolve/${revision}/${file}`;
// the base URL is configurable so tests serve a fixture model from a local server.
// Owns the file list (config, generation config, tokenizer, weights or index + shards) and the
// errors: a missing file names the file and repo, a dropped connection says so, a short body is
// reported as truncated. Every request has a read timeout: no response headers, or no body bytes,
// for `timeoutMs` ends the attempt (a server that sends headers and one byte would otherwise hang
// forever); a timed-out, dropped or truncated attempt is retried, resuming from the bytes already
// cached, `retries` times. Defaults (10 s like Python's huggingface_hub, 2 retries) end a stalled
// download with a HubTimeoutError within ~33 s. The cache is keyed by branch, not commit, so a
// finished download leaves only the current revision's files there, and a download that fails
// part-way through an update never falls back to the cache's mix of old and new files.
// A dataset's files (downloadDatasetFiles; data/hub-dataset.ts lists and chooses them) go through the
// same download, at `${baseUrl}/datasets/${repo}/resolve/…`.
// Never parses weights (checkpoint.ts does) and never writes outside the cache.
import type { ModelCache } from './model-cache.ts';
import type { ModelFiles } from './model-files.ts';
import { INDEX_FILE, SINGLE_FILE, shardNamesFromIndex } from './checkpoint.ts';
import { readAllText } from './byte-source.ts';
import { releaseAfter } from './releaseAfter.ts';

export const DEFAULT_HUB_BASE_URL = 'https://huggingface.co';

export interface DownloadProgress {
  file: string;
  fileBytesDone: number;
  fileBytesTotal: number;
  /** Over all files of the model, counting cached files as done. */
  bytesDone: number;
  bytesTotal: number;
  /** Network throughput of this download session (cached bytes excluded). */
  bytesPerSecond: number;
  /** `cached`: already complete in the cache; `resumed`: continuing a partial file. */
  status: 'cached' | 'downloading' | 'resumed' | 'done';
}

export interface HubOptions {
  cache: ModelCache;
  baseUrl?: string;
  revision?: string;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Injected for tests or proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Longest wait for response headers or for the next body bytes (default 10 s). */
  timeoutMs?: number;
  /** Further attempts after a timeout, a dropped connection or a truncated body (default 2). */
  retries?: number;
  /** A Hugging Face access token, sent as a bearer token: gated and private repos need one. */
  token?: string;
  /** Only the tokenizer's files (tokenizer.json, tokenizer_config.json, chat_template.jinja): no
   * config or weights, for work that only tokenizes (`studio recipe`). */
  tokenizerOnly?: boolean;
  /** Every file but the weights (config, generation config, tokenizer): what a run's settings are
   * checked against before gigabytes of weights are downloaded. A later full download finds them cached. */
  withoutWeights?: boolean;
  /** Shared by the downloads of one load in parts (withoutWeights, then the rest): once one of them
   * began updating a file, a later one offline does not use the cache's mix of new and old files either. */
  load?: { updating: boolean };
}

export const DEFAULT_HUB_TIMEOUT_MS = 10_000;
export const DEFAULT_HUB_RETRIES = 2;
/** Pause before retry k (1-based) is k × this. */
const RETRY_PAUSE_MS = 500;

export class HubError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubError';
  }
}
/** The cache has no room for what is left to download (a full disk, the browser's quota). */
export class HubStorageError extends HubError {
  constructor(message: string) {
    super(message);
    this.name = 'HubStorageError';
  }
}

/** The hub refused the files (401/403): a gated or private repo, without a token or with one that may not read it. */
export class HubAccessError extends HubError {
  constructor(message: string) {
    super(message);
    this.name = 'HubAccessError';
  }
}

/** The hub says the repo does not exist (huggingface.co answers 401 `X-Error-Code: RepoNotFound` to a
 * request without a token, so a mistyped id is not a gated repo) or is private to others. */
export class HubRepoNotFoundError extends HubError {
  constructor(readonly repo: string, url: string, status: number, withToken: boolean) {
    super(
      `${repo} was not found on the hub (HTTP ${status} from ${url}): ` +
        (withToken ? 'no such repo, or this access token may not read it; check the repo id, and that the token has access to it' : 'no such repo (or it is private); check the repo id'),
    );
    this.name = 'HubRepoNotFoundError';
  }
}

export class HubFileNotFoundError extends HubError {
  constructor(readonly file: string, readonly repo: string, url: string) {
    super(`${file} was not found in ${repo} (404 from ${url}); check the repo id and revision, or whether the repo is gated`);
    this.name = 'HubFileNotFoundError';
  }
}
export class HubNetworkError extends HubError {
  constructor(file: string, repo: string, url: string, cause: unknown) {
    super(`could not download ${file} of ${repo} from ${url}: ${(cause as Error)?.message ?? String(cause)}${(cause as { cause?: Error })?.cause ? ` (${(cause as { cause: Error }).cause.message})` : ''}`);
    this.name = 'HubNetworkError';
  }
}
export class HubTimeoutError extends HubError {
  constructor(readonly file: string, repo: string, url: string, waitedMs: number, phase: 'headers' | 'body') {
    super(`download of ${file} from ${repo} stalled: no ${phase === 'headers' ? 'response' : 'data'} for ${(waitedMs / 1000).toFixed(waitedMs < 1000 ? 1 : 0)} s from ${url}`);
    this.name = 'HubTimeoutError';
  }
}
export class HubTruncatedError extends HubError {
  constructor(readonly file: string, repo: string, received: number, expected: number) {
    super(`download of ${file} from ${repo} was truncated: got ${received} of ${expected} bytes; run again to resume`);
    this.name = 'HubTruncatedError';
  }
}

/** Files every model needs besides weights; `optional` ones may be absent from the repo. */
export const MODEL_FILES: Array<{ file: string; optional: boolean }> = [
  { file: 'config.json', optional: false },
  { file: 'generation_config.json', optional: true },
  { file: 'tokenizer.json', optional: false },
  { file: 'tokenizer_config.json', optional: false },
  // Where transformers ≥ 4.43 saves the chat template (tokenizer_config.json then has none).
  { file: 'chat_template.jinja', optional: true },
];
const TOKENIZER_FILES = new Set(['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja']);

/** The files besides weights a download fetches. */
function filesBesideWeights(tokenizerOnly: boolean | undefined): Array<{ file: string; optional: boolean }> {
  return tokenizerOnly ? MODEL_FILES.filter((f) => TOKENIZER_FILES.has(f.file)) : MODEL_FILES;
}

/** The download leaves the weights alone: it neither fetches nor judges them. */
function skipsWeights(opts: Pick<HubOptions, 'tokenizerOnly' | 'withoutWeights'>): boolean {
  return !!(opts.tokenizerOnly || opts.withoutWeights);
}

/** `repo` is `owner/name` for a model, `datasets/owner/name` for a dataset; a file may be a path. */
export function hubFileUrl(baseUrl: string, repo: string, revision: string, file: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** What a refused request (401/403) adds to its message, with a token and without one. */
interface Refusal {
  withToken: string;
  without: string;
}

const MODEL_REFUSAL: Refusal = {
  withToken: ' (the repo is gated or private, and this token has no access to it: accept its terms on the hub, or use a token that may read it)',
  without: ' (the repo may be gated or private: give a Hugging Face access token, or download the repo and load its folder)',
};

interface Ctx {
  repo: string;
  /** The repo in URLs: `datasets/owner/name` for a dataset. */
  urlRepo: string;
  refusal: Refusal;
  revision: string;
  baseUrl: string;
  cache: ModelCache;
  fetch: typeof fetch;
  signal?: AbortSignal;
  timeoutMs: number;
  retries: number;
  token?: string;
}

/** One request's deadline: aborts the fetch (and its body stream) after `ms` without progress. */
export class Deadline {
  readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  expired = false;
  private readonly onOuterAbort: () => void;
  constructor(private readonly ms: number, private readonly outer: AbortSignal | undefined) {
    this.onOuterAbort = () => this.controller.abort(outer?.reason);
    // Aborted already (between two files, in a retry's pause): the abort event will not come again.
    if (outer?.aborted) this.onOuterAbort();
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    this.restart();
  }
  /** Progress was made (headers arrived, bytes came): the wait starts again. */
  restart(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new Error('read timeout'));
    }, this.ms);
  }
  /** Not waiting on the network (writing to the cache, or done). */
  stop(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
  pause(): void {
    clearTimeout(this.timer);
  }
}

/** Runs `attempt` again after a timeout, a dropped connection or a truncated body (never after the caller aborted). */
async function withRetries<T>(c: Ctx, attempt: () => Promise<T>): Promise<T> {
  for (let k = 0; ; k++) {
    try {
      return await attempt();
    } catch (err) {
      const transient = err instanceof HubTimeoutError || err instanceof HubNetworkError || err instanceof HubTruncatedError;
      if (!transient || k >= c.retries || c.signal?.aborted) {
        if (transient && k > 0) (err as Error).message += ` (after ${k + 1} attempts)`;
        throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * (k + 1)));
    }
  }
}

async function request(c: Ctx, file: string, init: RequestInit, deadline: Deadline): Promise<Response | null> {
  const url = hubFileUrl(c.baseUrl, c.urlRepo, c.revision, file);
  let res: Response;
  try {
    // identity: a compressed body would not match the sizes we verify against.
    // fetch drops the authorization header when the hub redirects a weight file to its CDN.
    const auth: Record<string, string> = c.token ? { authorization: `Bearer ${c.token}` } : {};
    res = await c.fetch(url, { ...init, signal: deadline.controller.signal, headers: { 'accept-encoding': 'identity', ...auth, ...(init.headers as Record<string, string>) } });
  } catch (err) {
    if (c.signal?.aborted) throw err;
    if (deadline.expired) throw new HubTimeoutError(file, c.repo, url, c.timeoutMs, 'headers');
    throw new HubNetworkError(file, c.repo, url, err);
  }
  deadline.restart();
  // 416 to a range: the caller starts the file over.
  const unsatisfiedRange = res.status === 416 && !!(init.headers as Record<string, string> | undefined)?.range;
  return hubAnswer(res, { repo: c.repo, token: c.token, url, file }, res.ok || res.status === 206 || unsatisfiedRange, c.refusal);
}

/**
 * The Hub's answer to a request for `file` (a model's file, a dataset's, or its file list): the
 * response when `usable`, null for a file that is not there (404); it throws for a repo that does
 * not exist (the Hub's RepoNotFound, whatever the status), a refusal (401/403: `refusal` says why,
 * with or without a token) and any other failure.
 */
export async function hubAnswer(res: Response, at: { repo: string; token?: string; url: string; file: string }, usable: boolean, refusal: { withToken: string; without: string }): Promise<Response | null> {
  if (res.headers.get('x-error-code') === 'RepoNotFound') {
    await res.body?.cancel();
    throw new HubRepoNotFoundError(at.repo, at.url, res.status, !!at.token);
  }
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!usable) {
    await res.body?.cancel();
    const message = `could not download ${at.file} of ${at.repo}: HTTP ${res.status} ${res.statusText} from ${at.url}`;
    if (res.status === 401 || res.status === 403) throw new HubAccessError(message + (at.token ? refusal.withToken : refusal.without));
    throw new HubError(message);
  }
  return res;
}

/** A file as the hub has it now: its size and version (ETag; LFS files report `x-linked-size` and
 * `x-linked-etag`, the content's hash). Null when it does not exist. */
interface RemoteFile {
  size: number;
  version: string | null;
}

function remoteFile(c: Ctx, file: string): Promise<RemoteFile | null> {
  return withRetries(c, async () => {
    const deadline = new Deadline(c.timeoutMs, c.signal);
    try {
      const res = await request(c, file, { method: 'HEAD' }, deadline);
      if (!res) return null;
      const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length'));
      if (!Number.isSafeInteger(size) || size < 0) throw new HubError(`${c.repo}: the server did not report the size of ${file}`);
      const etag = res.headers.get('x-linked-etag') ?? res.headers.get('etag');
      return { size, version: etag ? etag.replace(/^W\//, '') : null };
    } finally {
      deadline.stop();
    }
  });
}

/** Downloads (or finds in the cache) every file of `repo` and returns them as ModelFiles. When the
 * hub cannot be reached but a complete earlier download is cached, that copy is used (offline),
 * unless this attempt already found the hub's files newer than it: the cache then mixes versions
 * (a new config.json beside old weights) and is no model at all. */
export async function downloadHubModel(repo: string, opts: HubOptions): Promise<ModelFiles> {
  const session: Session = { bytesDone: 0, bytesTotal: 0, networkBytes: 0, started: Date.now(), fetched: new Set(), updating: opts.load?.updating ?? false };
  try {
    return await downloadOnline(repo, opts, session);
  } catch (err) {
    if (!(err instanceof HubNetworkError) && !(err instanceof HubTimeoutError)) throw err;
    const revision = opts.revision ?? 'main';
    if (!(await isCompletelyCached(opts.cache, repo, revision, opts))) throw err;
    if (session.updating) {
      err.message += `; the copy cached earlier is not used instead, since the hub has a newer version of ${repo} and only part of it is downloaded (what was downloaded is kept: try again once connected and it resumes)`;
      throw err;
    }
    return cachedHubModelFiles(opts.cache, repo, revision);
  } finally {
    if (opts.load) opts.load.updating = session.updating;
  }
}

/** Every required file and all weight files are complete in the cache (sizes were verified when stored). */
async function isCompletelyCached(cache: ModelCache, repo: string, revision: string, opts: Pick<HubOptions, 'tokenizerOnly' | 'withoutWeights'>): Promise<boolean> {
  for (const { file, optional } of filesBesideWeights(opts.tokenizerOnly)) if (!optional && (await cache.completeSize(repo, revision, file)) === null) return false;
  if (skipsWeights(opts)) return true;
  if ((await cache.completeSize(repo, revision, SINGLE_FILE)) !== null) return true;
  const text = await readCachedText(cache, repo, revision, INDEX_FILE);
  if (text === null) return false;
  for (const shard of shardNamesFromIndex(text, `${repo}/${INDEX_FILE}`)) if ((await cache.completeSize(repo, revision, shard)) === null) return false;
  return true;
}

/** A cached file's text, its handle closed whatever the read met; null when the cache has no such file. */
async function readCachedText(cache: ModelCache, repo: string, revision: string, file: string): Promise<string | null> {
  const src = await cache.open(repo, revision, file);
  if (!src) return null;
  return releaseAfter(() => readAllText(src), () => src.close());
}

function ctxOf(repo: string, urlRepo: string, refusal: Refusal, opts: HubOptions): Ctx {
  return {
    repo,
    urlRepo,
    refusal,
    revision: opts.revision ?? 'main',
    baseUrl: opts.baseUrl ?? DEFAULT_HUB_BASE_URL,
    cache: opts.cache,
    fetch: opts.fetch ?? globalThis.fetch.bind(globalThis),
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? DEFAULT_HUB_TIMEOUT_MS,
    retries: opts.retries ?? DEFAULT_HUB_RETRIES,
    token: opts.token,
  };
}

async function downloadOnline(repo: string, opts: HubOptions, session: Session): Promise<ModelFiles> {
  const c = ctxOf(repo, repo, MODEL_REFUSAL, opts);
  // 1. Which files, and how big: sizes first, so progress has a true total from the start.
  const plan: Array<{ file: string } & RemoteFile> = [];
  for (const { file, optional } of filesBesideWeights(opts.tokenizerOnly)) {
    const remote = await remoteFile(c, file);
    if (remote === null) {
      if (optional) continue;
      throw new HubFileNotFoundError(file, repo, hubFileUrl(c.baseUrl, repo, c.revision, file));
    }
    plan.push({ file, ...remote });
  }
  session.started = Date.now();
  // transformers loads model.safetensors whenever a repo has one, whatever index lies beside it (a
  // re-save as one file leaves the old index behind): so do we.
  const single = skipsWeights(opts) ? null : await remoteFile(c, SINGLE_FILE);
  const index = skipsWeights(opts) || single ? null : await remoteFile(c, INDEX_FILE);
  if (skipsWeights(opts)) {
    // No weights wanted.
  } else if (single) {
    plan.push({ file: SINGLE_FILE, ...single });
  } else if (index) {
    // The index names the shards: fetch it (silently, it is reported with the rest) before sizing them.
    const indexEntry = { file: INDEX_FILE, ...index };
    plan.push(indexEntry);
    await fetchIntoCache(c, indexEntry, session);
    const text = await readCachedText(c.cache, repo, c.revision, INDEX_FILE);
    if (text === null) throw new HubStorageError(`${repo}/${INDEX_FILE} was downloaded but the model cache no longer has it`);
    for (const shard of shardNamesFromIndex(text, `${repo}/${INDEX_FILE}`)) {
      const remote = await remoteFile(c, shard);
      if (remote === null) throw new HubFileNotFoundError(shard, repo, hubFileUrl(c.baseUrl, repo, c.revision, shard));
      plan.push({ file: shard, ...remote });
    }
  } else {
    throw new HubFileNotFoundError(`${SINGLE_FILE} (nor ${INDEX_FILE})`, repo, hubFileUrl(c.baseUrl, repo, c.revision, SINGLE_FILE));
  }
  // 2. Fetch what is not already complete in the cache; the total is known from the first event.
  session.bytesTotal = plan.reduce((a, p) => a + p.size, 0);
  await checkRoom(c, plan);
  for (const entry of plan) await fetchIntoCache(c, entry, session, opts.onProgress);
  // 3. The cache keys files by branch, not by commit: what an earlier revision had and this one has
  // not (the shards of a repo re-saved as one file, a deleted generation_config.json) would
  // otherwise still be served, now and offline.
  const current = new Set(plan.map((p) => p.file));
  await removeStale(c, current, opts);
  return cachedHubModelFiles(c.cache, repo, c.revision, current);
}

/** Removes cached files of `c.repo` that the hub's current revision does not have (a download judges
 * only the files it looked for: a tokenizer-only one the tokenizer's, one without weights all but the weights). */
async function removeStale(c: Ctx, current: ReadonlySet<string>, opts: Pick<HubOptions, 'tokenizerOnly' | 'withoutWeights'>): Promise<void> {
  const judged = new Set(filesBesideWeights(opts.tokenizerOnly).map((f) => f.file));
  for (const file of await c.cache.files(c.repo, c.revision)) {
    if (current.has(file) || (skipsWeights(opts) && !judged.has(file))) continue;
    await c.cache.remove(c.repo, c.revision, file);
  }
}

/** A file of a repo whose size and version its listing gave (the tree API): nothing to ask first. */
export interface ListedFile {
  file: string;
  size: number;
  /** Its content's hash (`lfs.oid`, else the git `oid`), quoted as the hub's ETag is; null when not listed. */
  version: string | null;
}

/**
 * A dataset's files into `opts.cache` as a model's are downloaded: what is complete and current there
 * is not fetched again, an unfinished file is resumed, a dropped connection retried, and there must be
 * room first. The caller opens the files from the cache.
 */
export async function downloadDatasetFiles(repo: string, files: ListedFile[], opts: Omit<HubOptions, 'tokenizerOnly' | 'withoutWeights' | 'load'> & { refusal: Refusal }): Promise<void> {
  const c = ctxOf(repo, `datasets/${repo}`, opts.refusal, opts);
  const session: Session = { bytesDone: 0, bytesTotal: files.reduce((a, f) => a + f.size, 0), networkBytes: 0, started: Date.now(), fetched: new Set(), updating: false };
  await checkRoom(c, files);
  for (const entry of files) {
    c.signal?.throwIfAborted();
    await fetchIntoCache(c, entry, session, opts.onProgress);
  }
}

const GB = (n: number) => `${(n / 1e9).toFixed(n < 1e10 ? 2 : 1)} GB`;

/** Refuses before the first byte when what is left to download cannot be stored: a full disk used to
 * show up part-way, gigabytes in, as an error about the connection. */
async function checkRoom(c: Ctx, plan: Array<{ file: string; size: number }>): Promise<void> {
  const free = await c.cache.freeBytes?.();
  if (free == null) return;
  let left = 0;
  for (const { file, size } of plan) {
    if ((await c.cache.completeSize(c.repo, c.revision, file)) === size) continue;
    left += size - Math.min(size, await c.cache.partialSize(c.repo, c.revision, file));
  }
  if (left > free) throw new HubStorageError(storageMessage(c, left, free));
}

function storageMessage(c: Ctx, left: number, free: number | null): string {
  const room = free === null ? 'no room is left' : `${GB(free)} can be stored`;
  return `${c.repo} needs ${GB(left)} more to download, and ${room} in ${c.cache.description}. Free disk space (or delete cached models you no longer use) and try again`;
}

interface Session {
  bytesDone: number;
  bytesTotal: number;
  networkBytes: number;
  started: number;
  /** Files downloaded in this session (the index is fetched early, reported later). */
  fetched: Set<string>;
  /** A file was found out of date (or missing) in the cache and its download began. */
  updating: boolean;
}

/** Makes `file` complete in the cache, retrying (from what is cached) as `c.retries` allows. */
function fetchIntoCache(c: Ctx, remote: { file: string } & RemoteFile, s: Session, onProgress?: (p: DownloadProgress) => void): Promise<void> {
  return withRetries(c, () => fetchOnce(c, remote, s, onProgress));
}

/** One attempt at `fetchIntoCache`. Without `onProgress` (the early index fetch) it is not
 * counted in the session's bytesDone; the later reported call counts it. */
async function fetchOnce(c: Ctx, { file, size, version }: { file: string } & RemoteFile, s: Session, onProgress?: (p: DownloadProgress) => void): Promise<void> {
  const report = (fileBytesDone: number, status: DownloadProgress['status']) => {
    const seconds = Math.max(1e-3, (Date.now() - s.started) / 1000);
    onProgress?.({ file, fileBytesDone, fileBytesTotal: size, bytesDone: s.bytesDone + fileBytesDone, bytesTotal: s.bytesTotal, bytesPerSecond: s.networkBytes / seconds, status });
  };
  // The same size is not the same file: a new revision of a weight keeps its size and its header.
  // A copy is current when the hub's version of it is the one recorded (or the hub reports none).
  const current = async (which: 'complete' | 'partial') => version === null || (await c.cache.version(c.repo, c.revision, file, which)) === version;
  if ((await c.cache.completeSize(c.repo, c.revision, file)) === size && (await current('complete'))) {
    report(size, s.fetched.has(file) ? 'done' : 'cached');
    if (onProgress) s.bytesDone += size;
    return;
  }
  s.updating = true;
  let have = await c.cache.partialSize(c.repo, c.revision, file);
  // Resume only the bytes of this version; If-Range has the server send it whole otherwise.
  if (have > size || !(await current('partial'))) have = 0;
  if (have > 0 && have === size) {
    // Every byte arrived, but the download ended before it marked the file complete (a tab closed
    // at 100 %). A range from the end is unsatisfiable: there is nothing left to ask for.
    await (await c.cache.openWriter(c.repo, c.revision, file, true, version)).commit();
  } else {
    const deadline = new Deadline(c.timeoutMs, c.signal);
    try {
      await receive(c, file, size, version, s, have, deadline, report);
    } finally {
      deadline.stop();
    }
  }
  const stored = await c.cache.completeSize(c.repo, c.revision, file);
  if (stored !== size) throw new HubError(`${c.repo}: ${file} was stored with ${stored} bytes in ${c.cache.description}, expected ${size}`);
  s.fetched.add(file);
  if (onProgress) {
    report(size, 'done');
    s.bytesDone += size;
  }
}

/** The GET and its body into the cache writer; every chunk restarts the deadline. */
async function receive(c: Ctx, file: string, size: number, version: string | null, s: Session, have: number, deadline: Deadline, report: (done: number, status: DownloadProgress['status']) => void): Promise<void> {
  const url = hubFileUrl(c.baseUrl, c.urlRepo, c.revision, file);
  const range = have > 0 ? { range: `bytes=${have}-`, ...(version ? { 'if-range': version } : {}) } : {};
  const res = await request(c, file, { method: 'GET', headers: range }, deadline);
  if (!res) throw new HubFileNotFoundError(file, c.repo, url);
  if (res.status === 416) {
    // The server will not continue this partial file (it is not the file it has): take it whole.
    await res.body?.cancel();
    return receive(c, file, size, version, s, 0, deadline, report);
  }
  const resumed = have > 0 && res.status === 206;
  if (!resumed) have = 0; // the server ignored the range (or the file changed): take the whole body
  // Opening a partial file to continue it may copy it first (a browser's writable stream): not a stalled server.
  deadline.pause();
  const writer = await c.cache.openWriter(c.repo, c.revision, file, resumed, version);
  deadline.restart();
  let got = have;
  report(got, resumed ? 'resumed' : 'downloading');
  try {
    const reader = res.body!.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (c.signal?.aborted) throw err;
        if (deadline.expired) throw new HubTimeoutError(file, c.repo, url, c.timeoutMs, 'body');
        throw new HubTruncatedError(file, c.repo, got, size);
      }
      deadline.restart();
      if (chunk.done) break;
      if (got + chunk.value.byteLength > size) throw new HubError(`${c.repo}: ${file} is larger than the ${size} bytes the server announced`);
      deadline.pause(); // a slow disk is not a stalled server
      try {
        await writer.write(chunk.value);
      } catch (err) {
        const { name, code } = (err ?? {}) as { name?: string; code?: string };
        if (name === 'QuotaExceededError' || code === 'ENOSPC') throw new HubStorageError(storageMessage(c, size - got, await c.cache.freeBytes?.().catch(() => null) ?? null));
        throw err;
      }
      deadline.restart();
      got += chunk.value.byteLength;
      s.networkBytes += chunk.value.byteLength;
      report(got, resumed ? 'resumed' : 'downloading');
    }
    if (got !== size) throw new HubTruncatedError(file, c.repo, got, size);
  } catch (err) {
    // What failed is the news; a writer that cannot close after it (a full disk) must not hide it.
    await writer.abort().catch(() => undefined);
    throw err;
  }
  await writer.commit();
}

/** A model already in the cache, with no network access (offline use after a download); `only`
 * limits it to the files of the revision just downloaded. */
export function cachedHubModelFiles(cache: ModelCache, repo: string, revision = 'main', only?: ReadonlySet<string>): ModelFiles {
  return {
    label: `${repo}@${revision}`,
    open: async (name) => (only && !only.has(name) ? null : cache.open(repo, revision, name)),
  };
}
