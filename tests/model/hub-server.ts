// A static Hugging Face–style file server for tests: `${base}/${repo}/resolve/${rev}/${file}`, with
// weights (*.safetensors) behind a 302 to `/cdn/…` carrying `x-linked-size` and `x-linked-etag` (as
// HF's LFS CDN does), ETags (the content's sha256), HEAD, `Range: bytes=N-` honoured only while an
// `If-Range` ETag still matches, a switch to cut a file's next body in half, and one to send half of it
// and then hold the rest for as long as the client waits (a download in progress). Listens on 127.0.0.1:0.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface Served {
  server: Server;
  base: string;
  /** Requests seen, as `METHOD path [range]`. */
  log: string[];
  /** Files whose next GET is cut after half the bytes (socket destroyed). */
  truncateNext: Set<string>;
  /** Files whose next GET sends half the bytes, then nothing more until the client goes away. */
  holdNext: Set<string>;
  /** Gated repos: repo id → the access token their requests must carry (401 without, 403 with another). */
  gated: Record<string, string>;
}

/** `repos` maps repo id → directory; it is read on every request, so tests may add repos later. */
export async function startHub(repos: Record<string, string>): Promise<Served> {
  const served: Served = { server: null as unknown as Server, base: '', log: [], truncateNext: new Set(), holdNext: new Set(), gated: {} };
  served.server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    served.log.push(`${req.method} ${url.pathname}${req.headers.range ? ` ${req.headers.range}` : ''}`);
    // /cdn/<repo...>/<file>: the redirect target for weights, like HF's LFS CDN.
    const cdn = /^\/cdn\/(.+)\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/(.+)\/resolve\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const repo = cdn ? cdn[1] : resolve?.[1];
    const file = cdn ? cdn[2] : resolve?.[3];
    const token = repo ? served.gated[repo] : undefined;
    if (token !== undefined && resolve) {
      const auth = req.headers.authorization;
      if (auth !== `Bearer ${token}`) {
        res.writeHead(auth ? 403 : 401, { 'content-type': 'text/plain' }).end('Access to this repo is restricted');
        return;
      }
    }
    const dir = repo ? repos[repo] : undefined;
    const data = dir && file ? await readFile(join(dir, file)).catch(() => null) : null;
    if (!data) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
      return;
    }
    const etag = `"${createHash('sha256').update(data).digest('hex')}"`;
    if (resolve && file!.endsWith('.safetensors')) {
      res.writeHead(302, { location: `/cdn/${repo}/${file}`, 'x-linked-size': String(data.byteLength), 'x-linked-etag': etag }).end();
      return;
    }
    let body = data;
    let status = 200;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', etag };
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && req.method === 'GET' && (ifRange === undefined || ifRange === etag)) {
      const from = Number(range[1]);
      body = data.subarray(from);
      status = 206;
      headers['content-range'] = `bytes ${from}-${data.byteLength - 1}/${data.byteLength}`;
    }
    headers['content-length'] = String(body.byteLength);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (served.truncateNext.delete(file!)) {
      res.write(body.subarray(0, Math.floor(body.byteLength / 2)), () => res.socket?.destroy());
      return;
    }
    if (served.holdNext.delete(file!)) {
      res.write(body.subarray(0, Math.floor(body.byteLength / 2)));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((ok) => served.server.listen(0, '127.0.0.1', ok));
  served.base = `http://127.0.0.1:${(served.server.address() as AddressInfo).port}`;
  return served;
}
