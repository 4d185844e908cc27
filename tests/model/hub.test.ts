// Hub download over real HTTP: a Node server on 127.0.0.1 serves a generated model in the
// `${base}/${repo}/resolve/${revision}/${file}` layout (weights behind a redirect, like HF's CDN,
// with Range support). Checks progress, the cache (skip and resume), and the errors for a 404, a
// dropped connection and a truncated body.
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openModel } from '../../src/model/checkpoint.ts';
import { downloadHubModel, HubAccessError, HubFileNotFoundError, HubNetworkError, HubRepoNotFoundError, HubStorageError, HubTruncatedError, type DownloadProgress } from '../../src/model/hub.ts';
import { readModelText } from '../../src/model/model-files.ts';
import type { ModelCache } from '../../src/model/model-cache.ts';
import { nodeDirectoryModelCache } from '../../src/model/model-cache-node.ts';
import { tinyTestOptions } from '../../src/model/tiny-model.ts';
import { writeTinyModel } from '../../scripts/gen-tiny-model.ts';
import { startHub, type Served } from './hub-server.ts';
import { tokenizerFromModel } from '../../src/train/prepareData.ts';

const REPOS: Record<string, string> = {}; // repo id → directory
const dirs: string[] = [];
let hub: Served;

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'studio-hub-'));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  const sharded = await tempDir();
  await writeTinyModel(sharded, tinyTestOptions('qwen2', { maxShardBytes: 24_000 })); // real Qwen3 tokenizer files
  REPOS['test-org/tiny-sharded'] = sharded;
  const single = await tempDir();
  await writeTinyModel(single, tinyTestOptions('llama'));
  await rm(join(single, 'generation_config.json')); // optional: its absence is fine
  REPOS['test-org/tiny-single'] = single;
  hub = await startHub(REPOS);
});

afterAll(async () => {
  await new Promise((ok) => hub.server.close(ok));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function sameFiles(cacheDir: string, repo: string): Promise<void> {
  const src = REPOS[repo];
  const cached = join(cacheDir, ...repo.split('/'), 'main');
  const names = (await readdir(src)).sort();
  expect((await readdir(cached)).filter((n) => !n.endsWith('.version')).sort()).toEqual(names);
  for (const n of names) expect(Buffer.compare(await readFile(join(cached, n)), await readFile(join(src, n)))).toBe(0);
}

describe('hub download', () => {
  it('downloads a sharded model with progress, then serves it from the cache without refetching', async () => {
    const cacheDir = await tempDir();
    const cache = nodeDirectoryModelCache(cacheDir);
    const events: DownloadProgress[] = [];
    hub.log.length = 0;
    const files = await downloadHubModel('test-org/tiny-sharded', { cache, baseUrl: hub.base, onProgress: (p) => events.push({ ...p }) });
    await sameFiles(cacheDir, 'test-org/tiny-sharded');
    const src = REPOS['test-org/tiny-sharded'];
    let total = 0;
    for (const n of await readdir(src)) total += (await stat(join(src, n))).size;
    // Progress: a true total from the first event, monotonic, ending at the total, one `done` per file.
    expect(events.every((e) => e.bytesTotal === total)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i].bytesDone).toBeGreaterThanOrEqual(events[i - 1].bytesDone);
    expect(events.at(-1)!.bytesDone).toBe(total);
    expect(events.filter((e) => e.status === 'done').map((e) => e.file).sort()).toEqual((await readdir(src)).sort());
    expect(events.some((e) => e.file === 'tokenizer.json' && e.fileBytesDone > 0 && e.fileBytesDone < e.fileBytesTotal)).toBe(true);
    expect(events.at(-1)!.bytesPerSecond).toBeGreaterThan(0);
    expect(hub.log.some((l) => l.startsWith('GET /cdn/test-org/tiny-sharded/model-00001-of-'))).toBe(true); // followed the redirect
    const { spec, checkpoint } = await openModel(files);
    expect(spec.family).toBe('qwen2');
    expect(checkpoint.files.length).toBeGreaterThan(1);
    await checkpoint.close();

    hub.log.length = 0;
    const again: DownloadProgress[] = [];
    await downloadHubModel('test-org/tiny-sharded', { cache, baseUrl: hub.base, onProgress: (p) => again.push(p) });
    expect(again.every((e) => e.status === 'cached')).toBe(true);
    expect(hub.log.filter((l) => l.startsWith('GET'))).toEqual([]);
  });

  it('downloads a single-file model whose optional generation_config.json is absent', async () => {
    const cacheDir = await tempDir();
    const files = await downloadHubModel('test-org/tiny-single', { cache: nodeDirectoryModelCache(cacheDir), baseUrl: hub.base + '/' });
    await sameFiles(cacheDir, 'test-org/tiny-single');
    expect(await files.open('generation_config.json')).toBeNull();
    const { spec, checkpoint } = await openModel(files);
    expect(spec.ropeScaling?.type).toBe('llama3');
    await checkpoint.close();
  });

  it('downloads only the tokenizer when asked, and a complete tokenizer serves offline', async () => {
    const cacheDir = await tempDir();
    const cache = nodeDirectoryModelCache(cacheDir);
    hub.log.length = 0;
    const files = await downloadHubModel('test-org/tiny-sharded', { cache, baseUrl: hub.base, tokenizerOnly: true });
    const fetched = hub.log.filter((l) => l.startsWith('GET')).map((l) => l.split('/').at(-1)).sort();
    expect(fetched).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    const tokenizer = await tokenizerFromModel(files);
    expect(tokenizer.encode('hello world').length).toBeGreaterThan(0);
    const offline = await downloadHubModel('test-org/tiny-sharded', { cache, baseUrl: 'http://127.0.0.1:9', tokenizerOnly: true, retries: 0 });
    expect((await tokenizerFromModel(offline)).encode('hello').length).toBeGreaterThan(0);
    // The whole model is not complete there: a full load offline still fails.
    await expect(downloadHubModel('test-org/tiny-sharded', { cache, baseUrl: 'http://127.0.0.1:9', retries: 0 })).rejects.toThrow(HubNetworkError);
  });

  it('downloads all but the weights when asked, keeps weights cached before, and the full download then fetches only them', async () => {
    const cacheDir = await tempDir();
    const cache = nodeDirectoryModelCache(cacheDir);
    hub.log.length = 0;
    const light = await downloadHubModel('test-org/tiny-sharded', { cache, baseUrl: hub.base, withoutWeights: true });
    expect(hub.log.filter((l) => l.includes('safetensors'))).toEqual([]);
    expect(await light.open('model.safetensors.index.json')).toBeNull();
    expect(JSON.parse(await readModelText(light, 'config.json')).model_type).toBe('qwen2');
    expect(await readModelText(light, 'generation_config.json')).toBeTruthy();
    hub.log.length = 0;
    await downloadHubModel('test-org/tiny-sharded', { cache, baseUrl: hub.base });
    const fetched = hub.log.filter((l) => l.startsWith('GET') && !l.startsWith('GET /cdn/')).map((l) => l.split('/').at(-1));
    expect(fetched.every((name) => name!.includes('safetensors'))).toBe(true);
    await sameFiles(cacheDir, 'test-org/tiny-sharded');
    // Asked again without weights, it leaves the weights it did not look for where they are.
    await downloadHubModel('test-org/tiny-sharded', { cache, baseUrl: hub.base, withoutWeights: true });
    await sameFiles(cacheDir, 'test-org/tiny-sharded');
  });

  it('sends an access token for a gated repo, and says what to do without one or with one that has no access', async () => {
    hub.gated['test-org/tiny-single'] = 'hf_right';
    try {
      const cache = nodeDirectoryModelCache(await tempDir());
      await expect(downloadHubModel('test-org/tiny-single', { cache, baseUrl: hub.base })).rejects.toThrow(/HTTP 401 .*gated or private: give a Hugging Face access token, or download the repo and load its folder/);
      await expect(downloadHubModel('test-org/tiny-single', { cache, baseUrl: hub.base, token: 'hf_wrong' })).rejects.toThrow(/HTTP 403 .*this token has no access to it/);
      // Its own kind, so the page can point at its token field rather than at the connection.
      await expect(downloadHubModel('test-org/tiny-single', { cache, baseUrl: hub.base })).rejects.toBeInstanceOf(HubAccessError);
      // The CLI says how it takes one.
      const { resolveModel } = await import('../../src/cli/modelSource.ts');
      vi.stubEnv('HF_TOKEN', '');
      vi.stubEnv('HUGGING_FACE_HUB_TOKEN', '');
      await expect(resolveModel('test-org/tiny-single', { hubBase: hub.base, cacheDir: await tempDir(), quiet: true })).rejects.toThrow(/HTTP 401 .*; here, set HF_TOKEN to an access token that may read it$/);
      const files = await downloadHubModel('test-org/tiny-single', { cache, baseUrl: hub.base, token: 'hf_right' });
      const { spec, checkpoint } = await openModel(files);
      expect(spec.family).toBe('llama');
      await checkpoint.close();
    } finally {
      vi.unstubAllEnvs();
      delete hub.gated['test-org/tiny-single'];
    }
  });

  it('names the file and the repo on a 404', async () => {
    const cache = nodeDirectoryModelCache(await tempDir());
    const p = downloadHubModel('nobody/missing', { cache, baseUrl: hub.base });
    await expect(p).rejects.toThrow(HubFileNotFoundError);
    await expect(downloadHubModel('nobody/missing', { cache, baseUrl: hub.base })).rejects.toThrow(
      new RegExp(`config\\.json was not found in nobody/missing \\(404 from ${hub.base}/nobody/missing/resolve/main/config\\.json\\)`),
    );
  });

  it('reports a truncated download, keeps the partial file and resumes it with a Range request', async () => {
    const cacheDir = await tempDir();
    const cache = nodeDirectoryModelCache(cacheDir);
    const size = (await stat(join(REPOS['test-org/tiny-single'], 'model.safetensors'))).size;
    // retries: 0, so the truncation surfaces (hub-stall.test.ts covers the retry that resumes by itself).
    hub.truncateNext.add('model.safetensors');
    await expect(downloadHubModel('test-org/tiny-single', { cache, baseUrl: hub.base, retries: 0 })).rejects.toThrow(HubTruncatedError);
    hub.truncateNext.add('model.safetensors');
    await expect(downloadHubModel('test-org/tiny-single', { cache, baseUrl: hub.base, retries: 0 })).rejects.toThrow(
      /download of model\.safetensors from test-org\/tiny-single was truncated: got \d+ of \d+ bytes; run again to resume/,
    );
    expect(await cache.completeSize('test-org/tiny-single', 'main', 'model.safetensors')).toBeNull();
    const partial = await cache.partialSize('test-org/tiny-single', 'main', 'model.safetensors');
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(size);

    hub.log.length = 0;
    const events: DownloadProgress[] = [];
    await downloadHubModel('test-org/tiny-single', { cache, baseUrl: hub.base, onProgress: (e) => events.push(e) });
    expect(hub.log).toContain(`GET /cdn/test-org/tiny-single/model.safetensors bytes=${partial}-`);
    expect(events.some((e) => e.file === 'model.safetensors' && e.status === 'resumed')).toBe(true);
    await sameFiles(cacheDir, 'test-org/tiny-single');
  });

  it('stops at an abort between two files: no file after it is requested (a Cancel there went unheard)', async () => {
    const cache = nodeDirectoryModelCache(await tempDir());
    const cancel = new AbortController();
    hub.log.length = 0;
    const download = downloadHubModel('test-org/tiny-single', { cache, baseUrl: hub.base, signal: cancel.signal, onProgress: (p) => p.file === 'config.json' && p.status === 'done' && cancel.abort() });
    await expect(download).rejects.toThrow();
    expect(cancel.signal.aborted).toBe(true);
    const gets = hub.log.filter((l) => l.startsWith('GET'));
    expect(gets).toEqual(['GET /test-org/tiny-single/resolve/main/config.json']);
    expect(await cache.completeSize('test-org/tiny-single', 'main', 'model.safetensors')).toBeNull();
  });

  it('refuses before the first byte when the cache has no room for what is left, counting what is cached', async () => {
    const cacheDir = await tempDir();
    const real = nodeDirectoryModelCache(cacheDir);
    const size = (await stat(join(REPOS['test-org/tiny-single'], 'model.safetensors'))).size;
    // Room for everything but the weights (a few kB of config and tokenizer files are fetched first).
    const tight = { ...real, freeBytes: async () => size - 1 };
    hub.log.length = 0;
    const err = await downloadHubModel('test-org/tiny-single', { cache: tight, baseUrl: hub.base }).catch((e) => e);
    expect(err).toBeInstanceOf(HubStorageError);
    expect(err.message).toMatch(/^test-org\/tiny-single needs 0\.\d\d GB more to download, and 0\.\d\d GB can be stored in the directory .*\. Free disk space \(or delete cached models you no longer use\) and try again$/);
    expect(hub.log.filter((l) => l.includes('model.safetensors') && l.startsWith('GET'))).toEqual([]);
    // What is cached already counts: with half the weights downloaded, half the room is enough.
    hub.truncateNext.add('model.safetensors');
    await downloadHubModel('test-org/tiny-single', { cache: real, baseUrl: hub.base, retries: 0 }).catch(() => undefined);
    const partial = await real.partialSize('test-org/tiny-single', 'main', 'model.safetensors');
    expect(partial).toBeGreaterThan(0);
    await downloadHubModel('test-org/tiny-single', { cache: { ...real, freeBytes: async () => size - partial }, baseUrl: hub.base });
    await sameFiles(cacheDir, 'test-org/tiny-single');
  });

  it('a disk that fills part-way says so, not that the connection failed, even when the writer cannot close', async () => {
    const cacheDir = await tempDir();
    const real = nodeDirectoryModelCache(cacheDir);
    const full: typeof real = {
      ...real,
      async openWriter(repo, revision, file, append, version) {
        const w = await real.openWriter(repo, revision, file, append, version);
        if (file !== 'model.safetensors') return w;
        return {
          write: async () => {
            throw Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
          },
          commit: () => w.commit(),
          // As a browser's writable stream after a failed write: closing it throws too.
          abort: async () => {
            await w.abort();
            throw new TypeError('Cannot close a ERRORED writable stream');
          },
        };
      },
    };
    const err = await downloadHubModel('test-org/tiny-single', { cache: full, baseUrl: hub.base, retries: 2 }).catch((e) => e);
    expect(err).toBeInstanceOf(HubStorageError);
    expect(err.message).toMatch(/^test-org\/tiny-single needs 0\.\d\d GB more to download, and .* can be stored in the directory/);
  });

  it('opening a large partial file to continue it is not a stalled server', async () => {
    const cacheDir = await tempDir();
    const real = nodeDirectoryModelCache(cacheDir);
    hub.truncateNext.add('model.safetensors');
    await downloadHubModel('test-org/tiny-single', { cache: real, baseUrl: hub.base, retries: 0 }).catch(() => undefined);
    // A browser copies the partial into a swap file before it appends: seconds for gigabytes.
    const slow: typeof real = {
      ...real,
      async openWriter(...args) {
        await new Promise((resolve) => setTimeout(resolve, 600));
        return real.openWriter(...args);
      },
    };
    hub.log.length = 0;
    await downloadHubModel('test-org/tiny-single', { cache: slow, baseUrl: hub.base, timeoutMs: 300, retries: 0 });
    expect(hub.log.filter((l) => l.startsWith('GET /cdn/') && l.includes('model.safetensors'))).toHaveLength(1); // one attempt, resumed
    await sameFiles(cacheDir, 'test-org/tiny-single');
  });

  it('fetches a file again when the hub has a new version of the same size, and never resumes across versions', async () => {
    // A new revision of a weight keeps its size and its header: only the ETag tells them apart.
    const repo = 'test-org/tiny-changing';
    const dir = await tempDir();
    await cp(REPOS['test-org/tiny-single'], dir, { recursive: true });
    REPOS[repo] = dir;
    const weights = join(dir, 'model.safetensors');
    const version = async (fill: number) => {
      const bytes = await readFile(weights);
      bytes.fill(fill, bytes.byteLength - 64); // the last values, after the header
      await writeFile(weights, bytes);
    };
    const cacheDir = await tempDir();
    const cache = nodeDirectoryModelCache(cacheDir);
    await version(0xaa);
    await downloadHubModel(repo, { cache, baseUrl: hub.base });
    await sameFiles(cacheDir, repo);
    // Complete in the cache, changed on the hub: fetched again, not served stale.
    await version(0xbb);
    hub.log.length = 0;
    await downloadHubModel(repo, { cache, baseUrl: hub.base });
    expect(hub.log).toContain(`GET /cdn/${repo}/model.safetensors`);
    await sameFiles(cacheDir, repo);
    // Cut off half way through version 0xcc, then 0xdd appears: the rerun starts over instead of
    // joining 0xcc's first half to 0xdd's second.
    await version(0xcc);
    hub.truncateNext.add('model.safetensors');
    await expect(downloadHubModel(repo, { cache, baseUrl: hub.base, retries: 0 })).rejects.toThrow(HubTruncatedError);
    expect(await cache.partialSize(repo, 'main', 'model.safetensors')).toBeGreaterThan(0);
    await version(0xdd);
    hub.log.length = 0;
    await downloadHubModel(repo, { cache, baseUrl: hub.base });
    expect(hub.log).toContain(`GET /cdn/${repo}/model.safetensors`);
    await sameFiles(cacheDir, repo);
    // And unchanged, it is served from the cache.
    hub.log.length = 0;
    await downloadHubModel(repo, { cache, baseUrl: hub.base });
    expect(hub.log.filter((l) => l.startsWith('GET'))).toEqual([]);
  });

  it('closes the cached shard index whatever its read met, online and offline', async () => {
    // A disk error reading the index: the error reaches the caller and the file handle is released,
    // both where the download reads the index it just fetched and where an offline load checks the cache.
    const cacheDir = await tempDir();
    const real = nodeDirectoryModelCache(cacheDir);
    let opened = 0;
    let closed = 0;
    const failing: ModelCache = {
      ...real,
      async open(repo, revision, file) {
        const src = await real.open(repo, revision, file);
        if (!src || file !== 'model.safetensors.index.json') return src;
        opened++;
        return { ...src, read: async () => { throw new Error('EIO: i/o error, read'); }, close: async () => { closed++; await src.close(); } };
      },
    };
    await expect(downloadHubModel('test-org/tiny-sharded', { cache: failing, baseUrl: hub.base })).rejects.toThrow('EIO: i/o error, read');
    expect([opened, closed]).toEqual([1, 1]);
    await downloadHubModel('test-org/tiny-sharded', { cache: real, baseUrl: hub.base });
    const closedHub = await startHub({});
    await new Promise((ok) => closedHub.server.close(ok));
    await expect(downloadHubModel('test-org/tiny-sharded', { cache: failing, baseUrl: closedHub.base })).rejects.toThrow('EIO: i/o error, read');
    expect([opened, closed]).toEqual([2, 2]);
  });

  it('names the file, repo and URL when the server cannot be reached, unless a complete copy is cached', async () => {
    const closed = await startHub({});
    const base = closed.base;
    await new Promise((ok) => closed.server.close(ok));
    const cache = nodeDirectoryModelCache(await tempDir());
    await expect(downloadHubModel('test-org/tiny-single', { cache, baseUrl: base })).rejects.toThrow(HubNetworkError);
    // Offline after a complete download: the cached copy is used without the network.
    const cacheDir = await tempDir();
    const warm = nodeDirectoryModelCache(cacheDir);
    await downloadHubModel('test-org/tiny-sharded', { cache: warm, baseUrl: hub.base });
    const offline = await downloadHubModel('test-org/tiny-sharded', { cache: warm, baseUrl: base });
    expect(offline.label).toBe('test-org/tiny-sharded@main');
    const { checkpoint } = await openModel(offline);
    await checkpoint.close();
    await expect(downloadHubModel('test-org/tiny-single', { cache, baseUrl: base })).rejects.toThrow(
      new RegExp(`could not download config\\.json of test-org/tiny-single from ${base}/test-org/tiny-single/resolve/main/config\\.json: fetch failed`),
    );
  });

  it('after a repo is re-saved as one file, serves the new file (not the old shards) and drops what the hub no longer has', async () => {
    const repo = 'test-org/resaved';
    const v1 = await tempDir();
    await writeTinyModel(v1, tinyTestOptions('qwen2', { maxShardBytes: 24_000, seed: 1 }));
    const v2 = await tempDir();
    await writeTinyModel(v2, tinyTestOptions('qwen2', { seed: 2 }));
    await rm(join(v2, 'generation_config.json')); // deleted upstream too
    const cacheDir = await tempDir();
    const cache = nodeDirectoryModelCache(cacheDir);
    REPOS[repo] = v1;
    await downloadHubModel(repo, { cache, baseUrl: hub.base });
    REPOS[repo] = v2;
    const files = await downloadHubModel(repo, { cache, baseUrl: hub.base });
    const { checkpoint } = await openModel(files);
    expect(checkpoint.files).toEqual(['model.safetensors']);
    await checkpoint.close();
    expect(await files.open('generation_config.json')).toBeNull();
    await sameFiles(cacheDir, repo); // old shards, index and generation config are gone from the cache
    // And offline the cache is the new revision too.
    const offline = await downloadHubModel(repo, { cache, baseUrl: 'http://127.0.0.1:9', retries: 0 });
    const again = await openModel(offline);
    expect(again.checkpoint.files).toEqual(['model.safetensors']);
    await again.checkpoint.close();
  });

  it('prefers model.safetensors over an index left beside it on the hub, as transformers does', async () => {
    const repo = 'test-org/stale-index';
    const dir = await tempDir();
    await cp(REPOS['test-org/tiny-single'], dir, { recursive: true });
    await cp(join(REPOS['test-org/tiny-sharded'], 'model.safetensors.index.json'), join(dir, 'model.safetensors.index.json'));
    REPOS[repo] = dir;
    const files = await downloadHubModel(repo, { cache: nodeDirectoryModelCache(await tempDir()), baseUrl: hub.base });
    const { spec, checkpoint } = await openModel(files);
    expect(spec.family).toBe('llama');
    expect(checkpoint.files).toEqual(['model.safetensors']);
    await checkpoint.close();
  });

  it('a connection lost part-way through an update fails, rather than mixing the new config with the cached old weights', async () => {
    const repo = 'test-org/updated';
    const dir = await tempDir();
    await cp(REPOS['test-org/tiny-single'], dir, { recursive: true });
    REPOS[repo] = dir;
    const cacheDir = await tempDir();
    const cache = nodeDirectoryModelCache(cacheDir);
    await downloadHubModel(repo, { cache, baseUrl: hub.base });
    // The hub's main moves: config.json and the weights both change.
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    cfg.rms_norm_eps = 1e-3;
    await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
    const w = await readFile(join(dir, 'model.safetensors'));
    w.fill(0x11, w.byteLength - 64);
    await writeFile(join(dir, 'model.safetensors'), w);
    // The new config.json arrives, then the connection fails on the weights.
    const flaky: typeof fetch = async (url, init) => {
      if (String(url).endsWith('model.safetensors') && init?.method === 'GET') throw new TypeError('fetch failed');
      return fetch(url, init);
    };
    const err = await downloadHubModel(repo, { cache, baseUrl: hub.base, fetch: flaky, retries: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(HubNetworkError);
    expect(err.message).toMatch(/could not download model\.safetensors of test-org\/updated .*the copy cached earlier is not used instead, since the hub has a newer version of test-org\/updated and only part of it is downloaded \(what was downloaded is kept: try again once connected and it resumes\)$/);
    // Connected again, it finishes: new config and new weights together.
    const files = await downloadHubModel(repo, { cache, baseUrl: hub.base });
    expect(JSON.parse(await readModelText(files, 'config.json')).rms_norm_eps).toBe(1e-3);
    await sameFiles(cacheDir, repo);
  });

  it('a load in two parts (all but the weights, then the weights) that goes offline after the first does not mix the new config with the cached old weights', async () => {
    const repo = 'test-org/updated-in-parts';
    const dir = await tempDir();
    await cp(REPOS['test-org/tiny-single'], dir, { recursive: true });
    REPOS[repo] = dir;
    const cache = nodeDirectoryModelCache(await tempDir());
    await downloadHubModel(repo, { cache, baseUrl: hub.base });
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    cfg.rms_norm_eps = 1e-3;
    await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
    const load = { updating: false };
    // The first part brings the new config.json; then the hub cannot be reached at all.
    await downloadHubModel(repo, { cache, baseUrl: hub.base, withoutWeights: true, load });
    const err = await downloadHubModel(repo, { cache, baseUrl: 'http://127.0.0.1:9', retries: 0, load }).catch((e) => e);
    expect(err).toBeInstanceOf(HubNetworkError);
    expect(err.message).toMatch(/the copy cached earlier is not used instead, since the hub has a newer version of test-org\/updated-in-parts/);
  });

  it('finishes a partial file that already holds every byte, and starts a file over when the server refuses its range (416)', async () => {
    const repo = 'test-org/tiny-single';
    const bytes = await readFile(join(REPOS[repo], 'model.safetensors'));
    // A server that answers an unsatisfiable range as RFC 9110 (and S3/CloudFront) do.
    const strict: typeof fetch = async (url, init) => {
      const range = /bytes=(\d+)-/.exec((init?.headers as Record<string, string>)?.range ?? '');
      if (range && Number(range[1]) >= bytes.byteLength) return new Response(null, { status: 416, statusText: 'Range Not Satisfiable' });
      return fetch(url, init);
    };
    const cacheDir = await tempDir();
    const cache = nodeDirectoryModelCache(cacheDir);
    // What a download killed between its last write and its commit leaves behind.
    const etag = (await fetch(`${hub.base}/${repo}/resolve/main/model.safetensors`, { method: 'HEAD' })).headers.get('etag'); // the CDN's, after the redirect
    const w = await cache.openWriter(repo, 'main', 'model.safetensors', false, etag);
    await w.write(bytes);
    await w.abort();
    hub.log.length = 0;
    await downloadHubModel(repo, { cache, baseUrl: hub.base, fetch: strict });
    expect(hub.log.filter((l) => l.startsWith('GET') && l.includes('model.safetensors'))).toEqual([]);
    await sameFiles(cacheDir, repo);
    // A server that will not continue a partial at all: the whole file is fetched again.
    const refusing: typeof fetch = async (url, init) =>
      (init?.headers as Record<string, string>)?.range ? new Response(null, { status: 416, statusText: 'Range Not Satisfiable' }) : fetch(url, init);
    const other = nodeDirectoryModelCache(await tempDir());
    const half = await other.openWriter(repo, 'main', 'model.safetensors', false, etag);
    await half.write(bytes.subarray(0, 1000));
    await half.abort();
    await downloadHubModel(repo, { cache: other, baseUrl: hub.base, fetch: refusing });
    const got = (await other.open(repo, 'main', 'model.safetensors'))!;
    expect(Buffer.compare(Buffer.from(await got.read(0, got.size)), bytes)).toBe(0);
    await got.close();
  });

  it('says a repo id the hub does not know is not found, not that it is gated (401 RepoNotFound without a token)', async () => {
    // huggingface.co's answer for a repo that does not exist (or is private), to a request without a token.
    const hf: typeof fetch = async () =>
      new Response('Repository not found', { status: 401, statusText: 'Unauthorized', headers: { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' } });
    const cache = nodeDirectoryModelCache(await tempDir());
    const err = await downloadHubModel('Qwen/Qwen3-0.5B', { cache, fetch: hf }).catch((e) => e);
    expect(err).toBeInstanceOf(HubRepoNotFoundError);
    expect(err).not.toBeInstanceOf(HubAccessError);
    expect(err.message).toBe('Qwen/Qwen3-0.5B was not found on the hub (HTTP 401 from https://huggingface.co/Qwen/Qwen3-0.5B/resolve/main/config.json): no such repo (or it is private); check the repo id');
    const withToken = await downloadHubModel('Qwen/Qwen3-0.5B', { cache, fetch: hf, token: 'hf_x' }).catch((e) => e);
    expect(withToken.message).toMatch(/: no such repo, or this access token may not read it; check the repo id, and that the token has access to it$/);
  });

  it('refuses repo ids that would escape the cache directory', async () => {
    const cache = nodeDirectoryModelCache(await tempDir());
    await expect(cache.openWriter('../etc', 'main', 'config.json', false)).rejects.toThrow(/not a valid Hugging Face repo id/);
    await expect(cache.openWriter('a/b', 'main', '../x', false)).rejects.toThrow(/not a valid file name for the download cache/);
  });
});
