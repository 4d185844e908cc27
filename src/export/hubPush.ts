// Pushes files to a Hugging Face model or dataset repo as one commit, over the Hub's HTTP API as
// huggingface_hub and huggingface.js speak it: the token checked (whoami-v2), the repo created when
// it is not there (an existing one is written to, the studio's card placed into the README it has),
// each file's upload mode asked (preupload), the large ones uploaded through Git LFS (batch: a
// single PUT, or the Hub's multipart parts and completion; verify when the Hub asks), then one
// commit (NDJSON) naming the LFS files by SHA-256 and carrying the small ones.
// Xet is not asked for: the Hub takes LFS uploads into any repo, and plain LFS needs no WASM chunker.
// Runs in the worker and in Node alike (fetch, Blob); never holds a whole file in memory: a weight
// file is hashed and sent a slice at a time.
// Owns the words of every refusal: a token the Hub rejects, one that may only read, a repo name it
// refuses, a repo the token may not write, a file the Hub failed to take.
import { sha256OfBlob, type Sha256Hasher } from './sha256.ts';
import { formatBytes } from '../model/memory-plan.ts';
import { isStudioCard, readmeForPush, type ReadmeOutcome } from './hubReadme.ts';

export const DEFAULT_HUB_URL = 'https://huggingface.co';

export interface HubPushFile {
  /** Its path in the repo, `/`-separated. */
  path: string;
  blob: Blob;
}

export interface HubPushOptions {
  /** `owner/name`, or `name` for a repo of the token's own user. */
  repo: string;
  /** Default 'model'. */
  repoType?: 'model' | 'dataset';
  token: string;
  /** The files, or what makes them once the token is checked, given the repo's full id (`owner/name`):
   * a model card names it, and a merge that takes minutes does not start for a token the Hub refuses.
   * `existing` lists the paths the repo holds now (none when it is not there yet), for a card that
   * names the files a push leaves beside its own. */
  files: HubPushFile[] | ((repo: string, existing: () => Promise<string[]>) => HubPushFile[] | Promise<HubPushFile[]>);
  /** The commit's title. */
  message: string;
  description?: string;
  /** For a repo this push creates; an existing repo keeps its visibility. */
  private?: boolean;
  baseUrl?: string;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Further tries of a request the network or the Hub failed (a 5xx, a 429; default 3), after a
   * pause of `retryPauseMs` (default 1 s) that doubles each time. */
  retries?: number;
  retryPauseMs?: number;
  /** A new SHA-256 for each LFS file: this project's Sha256 (plain TypeScript, ~140 MB/s) by
   * default; the CLI gives node:crypto's, ten times faster. */
  hasher?: () => Sha256Hasher;
  onProgress?: (p: HubPushProgress) => void;
}

export interface HubPushProgress {
  phase: 'checking' | 'hashing' | 'uploading' | 'committing';
  /** The file being hashed or uploaded. */
  file?: string;
  /** Over all files: hashed while hashing, sent while uploading. */
  bytesDone: number;
  bytesTotal: number;
}

/** A push's step in a few words, for a progress bar (a run's push and a dataset's in the studio). */
export function hubPushStepLabel(p: HubPushProgress): string {
  if (p.phase === 'checking') return 'checking the token and the repo';
  if (p.phase === 'hashing') return `hashing ${p.file}`;
  if (p.phase === 'uploading') return `uploading${p.file ? ` ${p.file}` : ''} (${formatBytes(p.bytesTotal)} in all)`;
  return 'committing';
}

export interface HubPushResult {
  repo: string;
  repoUrl: string;
  commitUrl: string;
  commitOid: string;
  /** This push made the repo. */
  created: boolean;
  files: Array<{ path: string; bytes: number; lfs: boolean; /** false: the Hub had these bytes already */ sent: boolean }>;
  /** What became of the repo's README, where the push carried the studio's card. */
  readme?: ReadmeOutcome;
}

/** What the Hub said no to, in words a user acts on. `status` is the HTTP status (0: no answer). */
export class HubPushError extends Error {
  constructor(message: string, readonly status = 0) {
    super(message);
    this.name = 'HubPushError';
  }
}

const REPO_NAME = /^[A-Za-z0-9][\w.-]{0,95}$/;

/** `owner/name` or `name` checked as the Hub names repos; null when it is fine, else why not. */
export function repoIdProblem(repo: string): string | null {
  const parts = repo.split('/');
  if (parts.length > 2 || parts.some((p) => !REPO_NAME.test(p)) || parts.some((p) => p.includes('..') || p.endsWith('.git'))) {
    return `“${repo}” is not a Hub repo id: owner/name (or name alone for your own), letters, digits, - _ and ., each part at most 96 long`;
  }
  return null;
}

const LFS_HEADERS = { Accept: 'application/vnd.git-lfs+json', 'Content-Type': 'application/vnd.git-lfs+json' };

interface LfsAction {
  href: string;
  header?: Record<string, string>;
}

interface LfsObject {
  oid: string;
  size: number;
  actions?: { upload?: LfsAction; verify?: LfsAction };
  error?: { code: number; message: string };
}

export async function pushToHub(opts: HubPushOptions): Promise<HubPushResult> {
  const base = (opts.baseUrl ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const signal = opts.signal;
  const auth = { Authorization: `Bearer ${opts.token}` };
  const problem = repoIdProblem(opts.repo);
  if (problem) throw new HubPushError(problem);
  if (!opts.token.trim()) throw new HubPushError('pushing to the Hub needs an access token with write access (huggingface.co/settings/tokens)');
  if (Array.isArray(opts.files)) checkFiles(opts.files);
  let bytesTotal = 0;
  const progress = (phase: HubPushProgress['phase'], bytesDone: number, file?: string) => opts.onProgress?.({ phase, bytesDone, bytesTotal, ...(file ? { file } : {}) });

  const retries = opts.retries ?? 3;
  const pauseMs = opts.retryPauseMs ?? 1000;
  // A dropped connection, a 5xx or a 429 is tried again (`once`: the commit, which may have landed
  // though its answer was lost, is not): a gigabyte's upload should not end on one hiccup.
  const call = async (what: string, url: string, init: RequestInit, once = false): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      const last = once || attempt >= retries;
      try {
        const res = await doFetch(url, { ...init, signal });
        if (last || (res.status < 500 && res.status !== 429)) return res;
        await res.body?.cancel().catch(() => undefined);
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        if (last) throw new HubPushError(`${what}: no answer from ${new URL(url).host} (${(err as Error).message})${attempt ? ` in ${attempt + 1} tries` : ''}; check the connection and push again`);
      }
      await pause(pauseMs * 2 ** attempt, signal);
    }
  };
  const refused = async (what: string, res: Response): Promise<HubPushError> => new HubPushError(`${what}: the Hub answered ${res.status}${await hubMessage(res)}`, res.status);

  progress('checking', 0);
  const who = await call('checking the token', `${base}/api/whoami-v2`, { headers: auth });
  if (who.status === 401) throw new HubPushError('Hugging Face does not accept this access token (mistyped, expired or revoked?); make one with write access at huggingface.co/settings/tokens', 401);
  if (!who.ok) throw await refused('checking the token', who);
  const me = (await who.json()) as { name?: string; auth?: { accessToken?: { role?: string } } };
  if (me.auth?.accessToken?.role === 'read') throw new HubPushError('this access token may only read; pushing needs a write token (or a fine-grained one that may write to the repo): huggingface.co/settings/tokens', 403);
  const repo = opts.repo.includes('/') ? opts.repo : `${me.name}/${opts.repo}`;
  const [owner, name] = repo.split('/');
  // The API names a dataset repo under /api/datasets/, its Git (LFS) and pages under /datasets/.
  const dataset = opts.repoType === 'dataset';
  const api = `${base}/api/${dataset ? 'datasets' : 'models'}/${repo}`;
  const repoUrl = `${base}/${dataset ? 'datasets/' : ''}${repo}`;
  // The repo's files as the tree API lists them (paged: Link rel="next"); none for a repo not there.
  // A card's nicety: a listing the Hub does not give is no reason to stop the push.
  const existing = async (): Promise<string[]> => {
    const paths: string[] = [];
    let url: string | null = `${api}/tree/main?recursive=true`;
    while (url) {
      const res = await call(`listing ${repo}`, url, { headers: auth });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        return paths;
      }
      const page = (await res.json()) as Array<{ type?: string; path?: string }>;
      if (!Array.isArray(page)) return paths;
      for (const e of page) if (e.type === 'file' && typeof e.path === 'string') paths.push(e.path);
      const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      url = next ? new URL(next, base).href : null;
    }
    return paths;
  };
  const files = [...(Array.isArray(opts.files) ? opts.files : checkFiles(await opts.files(repo, existing)))];

  const create = await call(`creating ${repo}`, `${base}/api/repos/create`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    // As huggingface_hub 2.0 asks (organization: the owner, the user's own too; visibility).
    body: JSON.stringify({ name, organization: owner, visibility: opts.private ? 'private' : 'public', ...(dataset ? { type: 'dataset' } : {}) }),
  });
  // 409: it is there already, and this push adds a commit to it. 403: the token may not create repos
  // there, which is no matter when the repo is there and the token may write to it (huggingface_hub
  // asks the same way).
  if (!create.ok && create.status !== 409) {
    if (create.status === 403 || create.status === 401) {
      const said = await hubMessage(create);
      const info = await call(`looking for ${repo}`, api, { headers: auth });
      if (!info.ok) throw new HubPushError(`this token may not create ${repo}${owner !== me.name ? ` in ${owner}` : ''}${said}`, create.status);
    } else throw await refused(`creating ${repo}`, create);
  }
  const created = create.ok;
  // The repo's README now (null: none), read before a card is placed into it.
  async function repoReadme(): Promise<string | null> {
    const res = await call(`reading ${repo}'s README.md`, `${repoUrl}/resolve/main/README.md`, { headers: auth });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      return null;
    }
    // Its text is kept, so a README that cannot be read is not written over.
    if (!res.ok) throw await refused(`reading ${repo}'s README.md, whose own text a push keeps`, res);
    return res.text();
  }
  // The studio's card goes into the README the repo has, keeping the owner's own text (hubReadme.ts).
  let readme: ReadmeOutcome | undefined;
  const cardAt = files.findIndex((f) => f.path === 'README.md');
  if (cardAt >= 0) {
    const card = await files[cardAt].blob.text();
    if (isStudioCard(card)) {
      const placed = readmeForPush(created ? null : await repoReadme(), card);
      files[cardAt] = { path: 'README.md', blob: new Blob([placed.text], { type: 'text/markdown' }) };
      readme = placed.outcome;
    }
  }
  bytesTotal = files.reduce((s, f) => s + f.blob.size, 0);
  const notWritable = async (res: Response) =>
    res.status === 401 || res.status === 403 ? new HubPushError(`this token may not write to ${repo}${await hubMessage(res)}; a write token of its owner (or a fine-grained one with write access to it) may`, res.status) : res.status === 404 ? new HubPushError(`${repo} is not there, or this token may not see it${await hubMessage(res)}`, 404) : await refused(`pushing to ${repo}`, res);

  // Which files go through LFS is the Hub's call (size, content, the repo's .gitattributes).
  const lfs = new Set<string>();
  for (let i = 0; i < files.length; i += 100) {
    const batch = files.slice(i, i + 100);
    const asked = await Promise.all(batch.map(async (f) => ({ path: f.path, size: f.blob.size, sample: base64(new Uint8Array(await f.blob.slice(0, 512).arrayBuffer())) })));
    const res = await call(`asking ${repo} how to upload`, `${api}/preupload/main`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ files: asked }) });
    if (!res.ok) throw await notWritable(res);
    const answer = (await res.json()) as { files: Array<{ path: string; uploadMode: 'lfs' | 'regular'; shouldIgnore?: boolean }> };
    for (const f of answer.files) {
      if (f.shouldIgnore) throw new HubPushError(`${repo} ignores ${f.path} (its .gitignore): rename it, or change that file on the Hub`);
      if (f.uploadMode === 'lfs') lfs.add(f.path);
    }
  }

  const lfsFiles = files.filter((f) => lfs.has(f.path));
  const oids = new Map<string, string>();
  let hashed = 0;
  for (const f of lfsFiles) {
    const before = hashed;
    oids.set(f.path, await sha256OfBlob(f.blob, { signal, onBytes: (done) => progress('hashing', before + done, f.path), ...(opts.hasher ? { hasher: opts.hasher() } : {}) }));
    hashed += f.blob.size;
  }

  const sent = new Set<string>();
  let uploaded = 0;
  progress('uploading', 0);
  if (lfsFiles.length) {
    const res = await call(`uploading to ${repo}`, `${repoUrl}.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { ...auth, ...LFS_HEADERS },
      body: JSON.stringify({ operation: 'upload', transfers: ['basic', 'multipart'], hash_algo: 'sha256', ref: { name: 'main' }, objects: lfsFiles.map((f) => ({ oid: oids.get(f.path), size: f.blob.size })) }),
    });
    if (!res.ok) throw await notWritable(res);
    const answer = (await res.json()) as { objects: LfsObject[] };
    const byOid = new Map(answer.objects.map((o) => [o.oid, o]));
    for (const f of lfsFiles) {
      const obj = byOid.get(oids.get(f.path)!);
      if (!obj) throw new HubPushError(`the Hub did not answer for ${f.path} when asked where to upload it; push again`);
      if (obj.error) throw new HubPushError(`the Hub will not take ${f.path}: ${obj.error.message} (${obj.error.code})`, obj.error.code);
      const upload = obj.actions?.upload;
      if (upload) {
        const before = uploaded;
        await uploadLfs(f, obj, upload, (done) => progress('uploading', before + done, f.path));
        sent.add(f.path);
        const verify = obj.actions?.verify;
        if (verify) {
          const v = await call(`checking ${f.path} on the Hub`, verify.href, { method: 'POST', headers: { ...auth, ...LFS_HEADERS, ...(verify.header ?? {}) }, body: JSON.stringify({ oid: obj.oid, size: obj.size }) });
          if (!v.ok) throw await refused(`the Hub's check of ${f.path} after its upload`, v);
        }
      }
      uploaded += f.blob.size;
      progress('uploading', uploaded, f.path);
    }
  }

  async function uploadLfs(f: HubPushFile, obj: LfsObject, upload: LfsAction, onBytes: (done: number) => void): Promise<void> {
    const chunkSize = upload.header?.chunk_size ? Number(upload.header.chunk_size) : 0;
    if (!chunkSize) {
      const put = await call(`uploading ${f.path}`, upload.href, { method: 'PUT', body: f.blob });
      if (!put.ok) throw await refused(`uploading ${f.path}`, put);
      return;
    }
    // The Hub's multipart upload: a URL per part ("00001"…), each part's ETag handed back at the end.
    const parts = Object.keys(upload.header!).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
    if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || parts.length !== Math.ceil(f.blob.size / chunkSize)) {
      throw new HubPushError(`the Hub asked for ${f.path} in ${parts.length} parts of ${upload.header!.chunk_size} bytes, which does not fit its ${f.blob.size} bytes`);
    }
    const etags: Array<{ partNumber: number; etag: string }> = [];
    for (const part of parts) {
      const n = Number(part);
      const put = await call(`uploading part ${n} of ${f.path}`, upload.header![part], { method: 'PUT', body: f.blob.slice((n - 1) * chunkSize, n * chunkSize) });
      if (!put.ok) throw await refused(`uploading part ${n} of ${f.path}`, put);
      const etag = put.headers.get('ETag');
      if (!etag) throw new HubPushError(`the storage the Hub sent part ${n} of ${f.path} to gave back no ETag`);
      etags.push({ partNumber: n, etag });
      onBytes(Math.min(n * chunkSize, f.blob.size));
    }
    const done = await call(`finishing the upload of ${f.path}`, upload.href, { method: 'POST', headers: LFS_HEADERS, body: JSON.stringify({ oid: obj.oid, parts: etags }) });
    if (!done.ok) throw await refused(`finishing the upload of ${f.path}`, done);
  }

  progress('committing', uploaded);
  const lines: unknown[] = [{ key: 'header', value: { summary: opts.message, description: opts.description ?? '' } }];
  for (const f of files) {
    const oid = oids.get(f.path);
    lines.push(oid ? { key: 'lfsFile', value: { path: f.path, algo: 'sha256', oid, size: f.blob.size } } : { key: 'file', value: { path: f.path, encoding: 'base64', content: base64(new Uint8Array(await f.blob.arrayBuffer())) } });
  }
  const commit = await call(`committing to ${repo}`, `${api}/commit/main`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/x-ndjson' }, body: lines.map((l) => JSON.stringify(l)).join('\n') }, true);
  if (!commit.ok) throw await notWritable(commit);
  const out = (await commit.json()) as { commitUrl?: string; commitOid?: string };
  progress('committing', bytesTotal);
  return {
    repo,
    repoUrl,
    commitUrl: out.commitUrl ?? repoUrl,
    commitOid: out.commitOid ?? '',
    created,
    files: files.map((f) => ({ path: f.path, bytes: f.blob.size, lfs: lfs.has(f.path), sent: !lfs.has(f.path) || sent.has(f.path) })),
    ...(readme ? { readme } : {}),
  };
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}

function checkFiles(files: HubPushFile[]): HubPushFile[] {
  if (files.length === 0) throw new HubPushError('there is nothing to push');
  const paths = new Set<string>();
  for (const f of files) {
    if (!f.path || f.path.startsWith('/') || f.path.split('/').some((p) => p === '' || p === '.' || p === '..')) throw new HubPushError(`“${f.path}” is not a path in a repo`);
    if (paths.has(f.path)) throw new HubPushError(`${f.path} is pushed twice`);
    paths.add(f.path);
  }
  return files;
}

/** The Hub's own words for an error (`{"error": …}`), as `: …`, or nothing. */
async function hubMessage(res: Response): Promise<string> {
  const text = (await res.text().catch(() => '')).trim();
  if (!text) return '';
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    const said = typeof json.error === 'string' ? json.error : typeof json.message === 'string' ? json.message : null;
    if (said) return `: ${said}`;
  } catch {
    // Not JSON: the text itself, if short.
  }
  return text.length <= 200 ? `: ${text}` : '';
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
