// The write side of the Hugging Face Hub's HTTP API, in memory, for tests of pushes (src/export/hubPush.ts):
// whoami-v2, repos/create, the tree listing, preupload, the Git LFS batch API (basic PUT, or the Hub's multipart parts
// with ETags and a completion POST; a verify action), the NDJSON commit, and `resolve` to read a
// pushed file back; model repos and dataset repos (kept as `datasets/owner/name`). It checks what
// the real Hub checks and answers as it does: a bearer token on the API calls (401 unknown, 403
// read-only or another user's repo), LFS bytes against their SHA-256 and size, a commit's lfsFile
// only once its object is stored. One plain handler, `handle(request)`, so the same fake serves a
// Node http server (vitest) and Playwright's route (the studio in Chromium).
// Checked once against huggingface_hub 2.0 (Python), the Hub's reference client: its upload_folder,
// single and multipart, lands here byte for byte, and asks with the same bodies as hubPush.ts (it
// also asks /api/validate-yaml about a README first, which this fake does not answer).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

/** @typedef {{ method: string, url: string, headers: Record<string, string | undefined>, body: Uint8Array }} FakeRequest */
/** @typedef {{ status: number, headers: Record<string, string>, body: Uint8Array | string }} FakeResponse */

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, accept, x-request-id',
  'access-control-allow-methods': 'GET, POST, PUT, OPTIONS',
  'access-control-expose-headers': 'etag, x-request-id',
};

/**
 * @param {{ base: string, users: Record<string, { name: string, role?: 'read' | 'write', orgs?: string[] }>, multipartAbove?: number, chunkSize?: number }} opts
 *   `users` maps token → who it is; files larger than `multipartAbove` bytes go up in `chunkSize` parts.
 */
export function createFakeHubWrites(opts) {
  const hub = {
    base: opts.base,
    users: opts.users,
    /** repo id → { private, files: Map<path, Uint8Array>, commits: Array<{ summary, description, paths }> } */
    repos: new Map(),
    /** oid → bytes, once uploaded (and, for multipart, completed) */
    lfs: new Map(),
    /** oid → Map<part number, bytes> while a multipart upload is open */
    parts: new Map(),
    /** Every request, as `METHOD path`. */
    log: [],
    /** Paths whose next LFS batch answer carries this object error. */
    lfsErrors: new Map(),
    /** When set, requests whose path starts with it wait for this promise (an upload in flight). */
    hold: null,
    /** Path prefix → how many of the next requests there get a 503 (the Hub or its storage failing). */
    failNext: new Map(),
    /** A repo, which must be there. */
    repo(id) {
      const repo = hub.repos.get(id);
      if (!repo) throw new Error(`the fake Hub has no repo ${id}; it has ${[...hub.repos.keys()].join(', ') || 'none'}`);
      return repo;
    },
    /** A file of a repo as committed, which must be there. */
    file(id, path) {
      const bytes = hub.repo(id).files.get(path);
      if (!bytes) throw new Error(`${id} has no ${path}`);
      return Buffer.from(bytes);
    },
    /** @param {FakeRequest} req @returns {Promise<FakeResponse>} */
    async handle(req) {
      const url = new URL(req.url);
      const path = decodeURIComponent(url.pathname);
      hub.log.push(`${req.method} ${path}`);
      if (req.method === 'OPTIONS') return reply(204, '');
      if (hub.hold && path.startsWith(hub.hold.path)) await hub.hold.until;
      for (const [prefix, left] of hub.failNext) {
        if (left > 0 && path.startsWith(prefix)) {
          hub.failNext.set(prefix, left - 1);
          return error(503, 'Service Unavailable');
        }
      }
      const user = userOf(req);
      let m;
      if (req.method === 'GET' && path === '/api/whoami-v2') {
        if (!user) return error(401, 'Invalid credentials in Authorization header');
        return json(200, { type: 'user', name: user.name, orgs: (user.orgs ?? []).map((name) => ({ name })), auth: { type: 'access_token', accessToken: { displayName: 'test', role: user.role ?? 'write' } } });
      }
      if (req.method === 'POST' && path === '/api/repos/create') {
        if (!user) return error(401, 'Invalid credentials in Authorization header');
        const body = JSON.parse(text(req.body));
        const owner = body.organization ?? user.name;
        if (!/^[A-Za-z0-9][\w.-]*$/.test(body.name ?? '')) return error(400, 'Invalid repo name');
        // As the Hub does: the namespace's rights first, then whether the repo is there.
        if (!mayWrite(user, owner)) return error(403, `You don't have the rights to create a model under the namespace "${owner}"`);
        // A dataset repo is kept under the path the Hub serves it at: datasets/owner/name.
        const kind = body.type === 'dataset' ? 'dataset' : 'model';
        const id = `${kind === 'dataset' ? 'datasets/' : ''}${owner}/${body.name}`;
        if (hub.repos.has(id)) return error(409, `You already created this ${kind} repo`);
        // huggingface_hub 2.0 says `visibility`, earlier clients `private`.
        hub.repos.set(id, { private: body.visibility ? body.visibility === 'private' : !!body.private, files: new Map(), commits: [] });
        return json(200, { url: `${hub.base}/${id}`, name: id, id });
      }
      if ((m = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)$/.exec(path)) && req.method === 'GET') {
        const id = keyOf(m[1], m[2]);
        const repo = hub.repos.get(id);
        if (!repo || (repo.private && !(user && mayWrite(user, m[2].split('/')[0])))) return error(404, 'Repository not found');
        return json(200, { id: m[2], private: repo.private });
      }
      if ((m = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/tree\/main$/.exec(path)) && req.method === 'GET') {
        const repo = hub.repos.get(keyOf(m[1], m[2]));
        if (!repo || (repo.private && !(user && mayWrite(user, m[2].split('/')[0])))) return error(404, 'Repository not found');
        return json(200, [...repo.files].map(([p, bytes]) => ({ type: 'file', path: p, size: bytes.length })));
      }
      if ((m = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/preupload\/main$/.exec(path)) && req.method === 'POST') {
        const refused = writable(user, keyOf(m[1], m[2]));
        if (refused) return refused;
        const { files } = JSON.parse(text(req.body));
        return json(200, { files: files.map((f) => ({ path: f.path, uploadMode: isLfs(f), shouldIgnore: false })) });
      }
      if ((m = /^\/((?:datasets\/)?[^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(path)) && req.method === 'POST') {
        const refused = writable(user, m[1]);
        if (refused) return refused;
        const body = JSON.parse(text(req.body));
        // huggingface_hub sends the Git LFS spec's sha256, huggingface.js sha_256: the Hub takes both.
        if (body.operation !== 'upload' || !['sha256', 'sha_256', undefined].includes(body.hash_algo) || !body.transfers.includes('basic')) return error(422, 'Unsupported batch request');
        const multipart = body.transfers.includes('multipart');
        const objects = body.objects.map((o) => {
          const err = hub.lfsErrors.get(o.oid);
          if (err) return { oid: o.oid, size: o.size, error: err };
          if (hub.lfs.has(o.oid)) return { oid: o.oid, size: o.size };
          const verify = { href: `${hub.base}/lfs-verify/${o.oid}` };
          if (multipart && o.size > (opts.multipartAbove ?? Infinity)) {
            const chunk = opts.chunkSize ?? 5 * 1024 * 1024;
            const header = { chunk_size: String(chunk) };
            for (let n = 1; n <= Math.ceil(o.size / chunk); n++) header[String(n).padStart(5, '0')] = `${hub.base}/lfs-part/${o.oid}/${n}`;
            return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${hub.base}/lfs-complete/${o.oid}/${o.size}`, header }, verify } };
          }
          return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${hub.base}/lfs-upload/${o.oid}/${o.size}` }, verify } };
        });
        return { status: 200, headers: { ...CORS, 'content-type': 'application/vnd.git-lfs+json' }, body: JSON.stringify({ transfer: 'basic', objects }) };
      }
      if ((m = /^\/lfs-upload\/([0-9a-f]{64})\/(\d+)$/.exec(path)) && req.method === 'PUT') {
        const stored = store(m[1], Number(m[2]), req.body);
        return stored ?? reply(200, '');
      }
      if ((m = /^\/lfs-part\/([0-9a-f]{64})\/(\d+)$/.exec(path)) && req.method === 'PUT') {
        if (!hub.parts.has(m[1])) hub.parts.set(m[1], new Map());
        hub.parts.get(m[1]).set(Number(m[2]), req.body);
        return { status: 200, headers: { ...CORS, etag: `"${createHash('md5').update(req.body).digest('hex')}"` }, body: '' };
      }
      if ((m = /^\/lfs-complete\/([0-9a-f]{64})\/(\d+)$/.exec(path)) && req.method === 'POST') {
        const body = JSON.parse(text(req.body));
        const parts = hub.parts.get(m[1]);
        if (!parts || body.oid !== m[1]) return error(400, 'No such multipart upload');
        const chunks = [];
        for (const [i, p] of body.parts.entries()) {
          const bytes = parts.get(p.partNumber);
          if (p.partNumber !== i + 1 || !bytes || p.etag !== `"${createHash('md5').update(bytes).digest('hex')}"`) return error(400, `Part ${p.partNumber}: missing, out of order or its ETag does not match`);
          chunks.push(bytes);
        }
        hub.parts.delete(m[1]);
        return store(m[1], Number(m[2]), Buffer.concat(chunks)) ?? reply(200, '');
      }
      if ((m = /^\/lfs-verify\/([0-9a-f]{64})$/.exec(path)) && req.method === 'POST') {
        const body = JSON.parse(text(req.body));
        const bytes = hub.lfs.get(m[1]);
        if (!user) return error(401, 'Invalid credentials in Authorization header');
        if (!bytes || bytes.length !== body.size) return error(404, 'Object not found');
        return json(200, { message: 'ok' });
      }
      if ((m = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/commit\/main$/.exec(path)) && req.method === 'POST') {
        const id = keyOf(m[1], m[2]);
        const refused = writable(user, id);
        if (refused) return refused;
        const lines = text(req.body).split('\n').filter(Boolean).map((l) => JSON.parse(l));
        const header = lines.find((l) => l.key === 'header');
        if (!header?.value?.summary) return error(400, 'A commit needs a summary');
        const files = new Map();
        for (const { key, value } of lines) {
          if (key === 'file') {
            if (value.encoding !== 'base64') return error(400, 'Unsupported encoding');
            files.set(value.path, Buffer.from(value.content, 'base64'));
          } else if (key === 'lfsFile') {
            const bytes = hub.lfs.get(value.oid);
            if (value.algo !== 'sha256' || !bytes || bytes.length !== value.size) return error(422, `Your push was rejected because an LFS pointer pointed to a file that does not exist: ${value.path}`);
            files.set(value.path, bytes);
          }
        }
        const repo = hub.repos.get(id);
        for (const [p, bytes] of files) repo.files.set(p, bytes);
        const oid = createHash('sha1').update(JSON.stringify([id, repo.commits.length])).digest('hex');
        repo.commits.push({ summary: header.value.summary, description: header.value.description ?? '', paths: [...files.keys()], oid });
        return json(200, { success: true, commitOid: oid, commitUrl: `${hub.base}/${id}/commit/${oid}` });
      }
      if ((m = /^\/((?:datasets\/)?[^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(path)) && req.method === 'GET') {
        const repo = hub.repos.get(m[1]);
        const bytes = repo && (!repo.private || (user && mayWrite(user, ownerOf(m[1])))) ? repo.files.get(m[2]) : undefined;
        return bytes ? { status: 200, headers: { ...CORS, 'content-type': 'application/octet-stream' }, body: bytes } : error(404, 'Entry not found');
      }
      return error(404, `Not a fake Hub route: ${req.method} ${path}`);
    },
  };

  function userOf(req) {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return m ? hub.users[m[1]] : undefined;
  }
  function mayWrite(user, owner) {
    return (user.role ?? 'write') === 'write' && (owner === user.name || (user.orgs ?? []).includes(owner));
  }
  function writable(user, id) {
    if (!user) return error(401, 'Invalid credentials in Authorization header');
    if (!hub.repos.has(id)) return error(404, 'Repository not found');
    if (!mayWrite(user, ownerOf(id))) return error(403, `You don't have write access to ${id}`);
    return null;
  }
  function store(oid, size, bytes) {
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== oid || bytes.length !== size) return error(400, `Uploaded bytes do not match the object: sha256 ${got}, ${bytes.length} bytes`);
    hub.lfs.set(oid, Buffer.from(bytes));
    return null;
  }
  return hub;
}

/** The key a repo is kept under: `owner/name` for a model, `datasets/owner/name` for a dataset. */
function keyOf(kind, id) {
  return kind === 'datasets' ? `datasets/${id}` : id;
}
function ownerOf(key) {
  return key.replace(/^datasets\//, '').split('/')[0];
}

/** LFS as the Hub decides it: weights and archives by name, anything binary or of 10 MB and more. */
function isLfs(f) {
  if (/\.(safetensors|gguf|bin|onnx|onnx_data|zip|pt)$/.test(f.path) || f.size >= 10 * 1024 * 1024) return 'lfs';
  return Buffer.from(f.sample, 'base64').includes(0) ? 'lfs' : 'regular';
}

function text(body) {
  return Buffer.from(body).toString('utf8');
}
function reply(status, body) {
  return { status, headers: { ...CORS }, body };
}
function json(status, value) {
  return { status, headers: { ...CORS, 'content-type': 'application/json' }, body: JSON.stringify(value) };
}
function error(status, message) {
  return json(status, { error: message });
}

/** The fake on a Node http server at 127.0.0.1:0; `hub.base` is its URL. */
export async function startFakeHubWrites(opts) {
  const hub = createFakeHubWrites({ ...opts, base: '' });
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const out = await hub.handle({ method: req.method ?? 'GET', url: `${hub.base}${req.url}`, headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(out.status, out.headers).end(out.body);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  hub.base = `http://127.0.0.1:${server.address().port}`;
  return { hub, close: () => new Promise((done) => server.close(done)) };
}
