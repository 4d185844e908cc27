// Hub downloads against servers that stall: one that sends headers and a single byte then nothing,
// one that accepts the connection and never answers, and one that drops the connection once.
// Protects issue 17: a stalled download ends in a HubTimeoutError naming the file, repo, URL and
// wait (with the module's defaults, within 60 s: 3 attempts × 10 s plus 1.5 s of pauses), the
// `studio inspect` CLI says so and exits non-zero, and a dropped connection is resumed by the retry.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_HUB_RETRIES, DEFAULT_HUB_TIMEOUT_MS, downloadHubModel, HubTimeoutError } from '../../src/model/hub.ts';
import { nodeDirectoryModelCache } from '../../src/model/model-cache-node.ts';
import { tinyTestOptions } from '../../src/model/tiny-model.ts';
import { writeTinyModel } from '../../scripts/gen-tiny-model.ts';
import { startHub, type Served } from './hub-server.ts';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'studio-hub-stall-'));
  dirs.push(d);
  return d;
};

/** HEAD answers with a size; GET sends its headers and one byte, then stalls (or `silent`: never answers at all). */
async function stallingServer(mode: 'one-byte' | 'silent'): Promise<{ server: Server; base: string; gets: number }> {
  const state = { server: null as unknown as Server, base: '', gets: 0 };
  state.server = createServer((req, res) => {
    if (mode === 'silent') return; // the socket stays open, no status line ever comes
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': '1000' }).end();
      return;
    }
    state.gets++;
    res.writeHead(200, { 'content-length': '1000' });
    res.write('{');
  });
  await new Promise<void>((ok) => state.server.listen(0, '127.0.0.1', ok));
  state.base = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

const closeServer = (s: Server) => new Promise((ok) => (s.closeAllConnections(), s.close(ok)));

describe('hub downloads that stall', () => {
  let oneByte: Awaited<ReturnType<typeof stallingServer>>;
  let silent: Awaited<ReturnType<typeof stallingServer>>;
  let hub: Served;
  beforeAll(async () => {
    oneByte = await stallingServer('one-byte');
    silent = await stallingServer('silent');
    const model = await tempDir();
    await writeTinyModel(model, tinyTestOptions('llama'));
    hub = await startHub({ 'test-org/tiny': model });
  });
  afterAll(async () => {
    await Promise.all([closeServer(oneByte.server), closeServer(silent.server), closeServer(hub.server)]);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('ends a body that stops after one byte with a timeout naming the file, after its retries', async () => {
    const cache = nodeDirectoryModelCache(await tempDir());
    const gets = oneByte.gets;
    const t0 = performance.now();
    const err = await downloadHubModel('test-org/stall', { cache, baseUrl: oneByte.base, timeoutMs: 300, retries: 2 }).catch((e) => e);
    const seconds = (performance.now() - t0) / 1000;
    expect(err).toBeInstanceOf(HubTimeoutError);
    // HEAD says every file exists, so the weights are model.safetensors (preferred over an index,
    // as transformers does) and config.json is the first file fetched.
    const file = 'config.json';
    expect(err.message).toBe(`download of ${file} from test-org/stall stalled: no data for 0.3 s from ${oneByte.base}/test-org/stall/resolve/main/${file} (after 3 attempts)`);
    expect(oneByte.gets - gets).toBe(3);
    expect(seconds).toBeLessThan(10); // 3 × 0.3 s + 1.5 s of pauses
    // What came is kept for the next run to resume from.
    expect(await cache.partialSize('test-org/stall', 'main', file)).toBe(1);
  });

  it('ends a server that never answers with a timeout', async () => {
    const cache = nodeDirectoryModelCache(await tempDir());
    const err = await downloadHubModel('test-org/stall', { cache, baseUrl: silent.base, timeoutMs: 300, retries: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(HubTimeoutError);
    expect(err.message).toMatch(/^download of config\.json from test-org\/stall stalled: no response for 0\.3 s from http/);
  });

  it('resumes a dropped download by itself (retry with a Range request)', async () => {
    const cache = nodeDirectoryModelCache(await tempDir());
    hub.log.length = 0;
    hub.truncateNext.add('model.safetensors');
    await downloadHubModel('test-org/tiny', { cache, baseUrl: hub.base });
    expect(hub.log.filter((l) => l.startsWith('GET /cdn/test-org/tiny/model.safetensors'))).toEqual([
      'GET /cdn/test-org/tiny/model.safetensors',
      expect.stringMatching(/^GET \/cdn\/test-org\/tiny\/model\.safetensors bytes=\d+-$/),
    ]);
    expect(await cache.completeSize('test-org/tiny', 'main', 'model.safetensors')).not.toBeNull();
  });

  it('studio inspect against a stalled hub exits 1 with the timeout (HF_HUB_DOWNLOAD_TIMEOUT)', async () => {
    const cache = await tempDir();
    const t0 = performance.now();
    const r = await promisify(execFile)(process.execPath, ['bin/studio.mjs', 'inspect', 'test-org/stall', '--hub-base', oneByte.base, '--cache', cache], {
      env: { ...process.env, HF_HUB_DOWNLOAD_TIMEOUT: '0.5' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/studio inspect: download of config\.json from test-org\/stall stalled: no data for 0\.5 s from .* \(after 3 attempts\)/);
    expect((performance.now() - t0) / 1000).toBeLessThan(30);
  });

  it(`with the defaults (${DEFAULT_HUB_TIMEOUT_MS / 1000} s, ${DEFAULT_HUB_RETRIES} retries) a stalled download ends within 60 s`, async () => {
    const cache = nodeDirectoryModelCache(await tempDir());
    // The download's own timers run on a fake clock, moved on half a second at a time, with a real
    // moment between steps for the network: the half minute of waiting takes a few seconds (it kept
    // a test worker idle for 31 s).
    const realTimeout = globalThis.setTimeout;
    const gets = oneByte.gets;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let ended = false;
      const ending = downloadHubModel('test-org/stall', { cache, baseUrl: oneByte.base })
        .catch((e) => e)
        .finally(() => (ended = true));
      let waitedMs = 0;
      while (!ended && waitedMs < 120_000) {
        await new Promise((r) => realTimeout(r, 20));
        await vi.advanceTimersByTimeAsync(500);
        waitedMs += 500;
      }
      expect(ended, `the download still waits after ${waitedMs / 1000} s`).toBe(true);
      const err = await ending;
      console.log(`stalled hub with default timeouts: HubTimeoutError after ${waitedMs / 1000} s on the download's clock`);
      expect(err).toBeInstanceOf(HubTimeoutError);
      expect(err.message).toMatch(new RegExp(`stalled: no (data|response) for ${DEFAULT_HUB_TIMEOUT_MS / 1000} s from .* \\(after ${DEFAULT_HUB_RETRIES + 1} attempts\\)$`));
      expect(oneByte.gets - gets).toBe(DEFAULT_HUB_RETRIES + 1);
      // Three waits of 10 s and the pauses between them (0.5 s, then 1 s).
      expect(waitedMs).toBeGreaterThanOrEqual(3 * DEFAULT_HUB_TIMEOUT_MS + 1_500);
      expect(waitedMs).toBeLessThan(60_000);
    } finally {
      vi.useRealTimers();
    }
  });
});
