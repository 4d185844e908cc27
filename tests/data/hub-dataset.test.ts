// A dataset repo on the Hub, from a local server in the Hub's URL layout: the tree API
// (`/api/datasets/<repo>/tree/<revision>?recursive=true`, paged with a Link header as the Hub pages
// long listings), files at `/datasets/<repo>/resolve/<revision>/<path>`, the viewer's Parquet
// conversion at revision `refs/convert/parquet`, a gated repo, and the Hub's answer to a repo that
// does not exist (401 with X-Error-Code: RepoNotFound).
// Protects: which files a repo gives (the train split's, never its metadata), that they import as the
// same files dropped would, and every failure said in words a user can act on.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseDatasetFiles, downloadHubDataset, hubDatasetId } from '../../src/data/hub-dataset.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { loadExampleRows } from '../../src/data/dataset-store.ts';
import { dataRequests } from '../../src/worker/dataRequests.ts';
import type { ProgressInfo } from '../../src/worker/protocol.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url)));

/** repo → revision → path → bytes */
const REPOS: Record<string, Record<string, Record<string, Buffer>>> = {
  'local/fc-demo': {
    main: {
      'README.md': Buffer.from('# demo\n'),
      '.gitattributes': Buffer.from('*.parquet filter=lfs\n'),
      'dataset_infos.json': Buffer.from('{}'),
      'data/train-00000-of-00002.parquet': fixture('parquet/demo-zstd-row-groups.parquet'),
      'data/train-00001-of-00002.parquet': fixture('parquet/xlam-gzip.parquet'),
      'data/test-00000-of-00001.parquet': fixture('parquet/sharegpt-brotli.parquet'),
    },
  },
  'local/csv-only': {
    main: { 'README.md': Buffer.from('# csv\n'), 'train.csv': Buffer.from('a,b\n1,2\n') },
    'refs/convert/parquet': { 'default/train/0000.parquet': fixture('parquet/xlam-gzip.parquet') },
  },
  'local/gated': { main: { 'train.jsonl.gz': fixture('parquet/demo-50.jsonl.gz') } },
};
const GATED_TOKEN = 'hf_reader';

let server: Server;
let base = '';
const log: string[] = [];
const cutNext = new Set<string>();
/** Files whose next GET sends half its bytes, then nothing more until the client goes away. */
const holdNext = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    log.push(`${req.method} ${url.pathname}${url.search}`);
    const tree = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/(.+)$/.exec(url.pathname);
    const resolve = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = tree?.[1] ?? resolve?.[1];
    if (!repo || !REPOS[repo]) {
      res.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end('Repository not found');
      return;
    }
    if (repo === 'local/gated' && resolve && req.headers.authorization !== `Bearer ${GATED_TOKEN}`) {
      res.writeHead(req.headers.authorization ? 403 : 401).end('Access to dataset local/gated is restricted');
      return;
    }
    const revision = decodeURIComponent((tree ?? resolve)![2]);
    const files = REPOS[repo][revision];
    if (!files) {
      res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end('Invalid rev id');
      return;
    }
    if (tree) {
      // Two entries a page, folders listed as the Hub lists them.
      const entries = [...new Set(Object.keys(files).flatMap((p) => p.split('/').slice(0, -1).map((_, i, s) => s.slice(0, i + 1).join('/'))))].map((path) => ({ type: 'directory', path, size: 0 }));
      entries.push(...Object.entries(files).map(([path, data]) => ({ type: 'file', path, size: data.length, ...(path.endsWith('.parquet') ? { lfs: { size: data.length } } : {}) })));
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (from + 2 < entries.length) headers.link = `<${base}${url.pathname}?recursive=true&cursor=${from + 2}>; rel="next"`;
      res.writeHead(200, headers).end(JSON.stringify(entries.slice(from, from + 2)));
      return;
    }
    const data = files[decodeURIComponent(resolve![3])];
    if (!data) {
      res.writeHead(404).end('Entry not found');
      return;
    }
    if (holdNext.delete(resolve![3])) {
      res.writeHead(200, { 'content-length': String(data.length) });
      res.write(data.subarray(0, data.length >> 1));
      return;
    }
    if (cutNext.delete(resolve![3])) {
      res.writeHead(200, { 'content-length': String(data.length) });
      res.write(data.subarray(0, data.length >> 1), () => res.destroy());
      return;
    }
    res.writeHead(200, { 'content-length': String(data.length) }).end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe('a dataset from the Hugging Face Hub', () => {
  it('reads the id as a user pastes it: owner/name, the dataset page, or an hf:// path', () => {
    for (const text of ['Salesforce/xlam-function-calling-60k', ' https://huggingface.co/datasets/Salesforce/xlam-function-calling-60k/ ', 'https://huggingface.co/datasets/Salesforce/xlam-function-calling-60k/viewer/default/train', 'hf://datasets/Salesforce/xlam-function-calling-60k']) {
      expect(hubDatasetId(text), text).toBe('Salesforce/xlam-function-calling-60k');
    }
    for (const text of ['xlam', 'https://huggingface.co/Salesforce/xlam', 'a/b/c', '../x/y']) expect(() => hubDatasetId(text), text).toThrow(/is not a Hugging Face dataset id; write it as owner\/name/);
  });

  it('takes the train split when the repo names one, and never its metadata', () => {
    expect(chooseDatasetFiles(['README.md', 'dataset_infos.json', '.hidden/x.jsonl', 'data/train-00000-of-00001.parquet', 'data/test-00000-of-00001.parquet', 'validation.jsonl'])).toEqual({ chosen: ['data/train-00000-of-00001.parquet'], leftOut: ['data/test-00000-of-00001.parquet', 'validation.jsonl'] });
    expect(chooseDatasetFiles(['BFCL_v3_simple.json', 'possible_answer/BFCL_v3_simple.json', 'constrained.txt'])).toEqual({ chosen: ['BFCL_v3_simple.json', 'possible_answer/BFCL_v3_simple.json'], leftOut: [] });
    expect(chooseDatasetFiles(['default/train/0000.parquet', 'default/train/0001.parquet', 'default/test/0000.parquet']).chosen).toEqual(['default/train/0000.parquet', 'default/train/0001.parquet']);
    // "training" and "constrained" are not the split named train.
    expect(chooseDatasetFiles(['training_notes.json', 'constrained.jsonl']).chosen).toEqual(['training_notes.json', 'constrained.jsonl']);
  });

  it('downloads the train split over a paged listing, with progress, and the files import as dropped ones do', async () => {
    const progress: Array<[string, number, number]> = [];
    const got = await downloadHubDataset('local/fc-demo', { baseUrl: base, onProgress: (p) => progress.push([p.file, p.bytesDone, p.bytesTotal]) });
    expect(got.revision).toBe('main');
    expect(got.files.map((f) => f.name)).toEqual(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']);
    expect(got.leftOut).toEqual(['data/test-00000-of-00001.parquet']);
    const total = fixture('parquet/demo-zstd-row-groups.parquet').length + fixture('parquet/xlam-gzip.parquet').length;
    expect(progress[0]).toEqual(['data/train-00000-of-00002.parquet', 0, total]);
    expect(progress.at(-1)).toEqual(['data/train-00001-of-00002.parquet', total, total]);
    expect(log.filter((l) => l.startsWith('GET /api/datasets/local/fc-demo/tree/main')).length).toBeGreaterThan(2);
    const fromHub = await importDatasetFiles(got.files);
    const dropped = await importDatasetFiles([
      { name: 'train-00000-of-00002.parquet', blob: new Blob([fixture('parquet/demo-zstd-row-groups.parquet')]) },
      { name: 'train-00001-of-00002.parquet', blob: new Blob([fixture('parquet/xlam-gzip.parquet')]) },
    ]);
    expect(fromHub.examples).toEqual(dropped.examples);
    expect(fromHub.examples).toHaveLength(53);
  });

  it('reads a repo without dataset files from the Hub\'s Parquet conversion', async () => {
    const got = await downloadHubDataset('https://huggingface.co/datasets/local/csv-only', { baseUrl: base });
    expect(got).toMatchObject({ repo: 'local/csv-only', revision: 'refs/convert/parquet', leftOut: [] });
    expect(got.files.map((f) => f.name)).toEqual(['default/train/0000.parquet']);
    expect(log).toContain('GET /datasets/local/csv-only/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet');
  });

  it('says what to do about a repo that does not exist, a gated one, a cut download and no dataset files', async () => {
    await expect(downloadHubDataset('local/no-such-set', { baseUrl: base })).rejects.toThrow(/^local\/no-such-set was not found on the hub \(HTTP 401 from .*\): no such repo \(or it is private\); check the repo id$/);
    await expect(downloadHubDataset('local/gated', { baseUrl: base })).rejects.toThrow(/HTTP 401 .* \(the dataset is gated or private: it needs a Hugging Face access token that may read it\)$/);
    await expect(downloadHubDataset('local/gated', { baseUrl: base, token: 'hf_other' })).rejects.toThrow(/HTTP 403 .* this token has no access to it/);
    const gated = await downloadHubDataset('local/gated', { baseUrl: base, token: GATED_TOKEN });
    expect((await importDatasetFiles(gated.files)).examples).toHaveLength(50);
    cutNext.add('train.jsonl.gz');
    await expect(downloadHubDataset('local/gated', { baseUrl: base, token: GATED_TOKEN })).rejects.toThrow(/train\.jsonl\.gz/);
    await expect(downloadHubDataset('local/fc-demo', { baseUrl: base, revision: 'v2' })).rejects.toThrow('local/fc-demo has no revision "v2" on the Hub');
    REPOS['local/empty'] = { main: { 'README.md': Buffer.from('#\n') } };
    await expect(downloadHubDataset('local/empty', { baseUrl: base })).rejects.toThrow('local/empty holds no .json, .jsonl or .parquet files, and the Hub has no Parquet conversion of it; download its data and convert it to JSONL, then drop that');
  });

  it('`studio tokenize --data hf://datasets/<owner>/<name>` reads the train split from $HF_ENDPOINT, with $HF_TOKEN for a gated one', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hub-dataset-')), 'tokens.jsonl');
    const env = { HF_ENDPOINT: base, HF_TOKEN: undefined, HUGGING_FACE_HUB_TOKEN: undefined };
    const r = await studioInProcess(['tokenize', '--model', 'public/models/tiny-qwen3', '--data', 'hf://datasets/local/fc-demo', '--out', out], env);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(53);
    expect(r.err).toContain('hf://datasets/local/fc-demo: 2 files, the train split; left out: data/test-00000-of-00001.parquet');
    expect(r.err).toContain('hf://datasets/local/fc-demo/data/train-00001-of-00002.parquet: xlam (detected), 3 imported, 0 rejected');
    const gated = await studioInProcess(['tokenize', '--model', 'public/models/tiny-qwen3', '--data', 'hf://datasets/local/gated', '--out', out], env);
    expect(gated.code).toBe(1);
    expect(gated.err).toMatch(/\nstudio tokenize: --data could not download train\.jsonl\.gz of local\/gated: HTTP 401 .*; here, set HF_TOKEN to an access token that may read it\n$/);
    const withToken = await studioInProcess(['tokenize', '--model', 'public/models/tiny-qwen3', '--data', 'hf://datasets/local/gated', '--out', out], { ...env, HF_TOKEN: GATED_TOKEN });
    expect(withToken.code, withToken.err).toBe(0);
    expect(withToken.out).toMatch(/^wrote 50 examples to /);
  });

  it('the studio\'s worker downloads, then imports into the database under the repo\'s id, saying where the files came from', async () => {
    const db = new StudioDb(`hub-dataset-${Date.now()}`, { indexedDB, IDBKeyRange });
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null });
    const progress: ProgressInfo[] = [];
    const r = await handlers.importHubDataset({ repo: 'https://huggingface.co/datasets/local/fc-demo', baseUrl: base }, (p) => progress.push(p));
    expect(r).toMatchObject({ imported: 53, issueCount: 0, hub: { repo: 'local/fc-demo', revision: 'main', files: ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet'], leftOut: ['data/test-00000-of-00001.parquet'] } });
    expect((await db.datasets.get(r.datasetId!))?.name).toBe('local/fc-demo');
    expect(await loadExampleRows(db, r.datasetId!)).toHaveLength(53);
    // Bytes downloaded first, then records imported.
    const firstImport = progress.findIndex((p) => p.unit !== 'bytes');
    expect(firstImport).toBeGreaterThan(0);
    expect(progress.slice(0, firstImport).every((p) => p.unit === 'bytes')).toBe(true);
    expect(progress.slice(firstImport).every((p) => p.unit !== 'bytes')).toBe(true);
    // A failure saves nothing.
    await expect(handlers.importHubDataset({ repo: 'local/gated', baseUrl: base }, () => undefined)).rejects.toThrow(/gated or private/);
    expect(await db.datasets.count()).toBe(1);
    // Cancelled while a file comes in: the request ends at once, saving nothing.
    holdNext.add('data/train-00001-of-00002.parquet');
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const held = handlers.importHubDataset({ repo: 'local/fc-demo', baseUrl: base }, (p) => p.unit === 'bytes' && p.label === 'data/train-00001-of-00002.parquet' && p.done > fixture('parquet/demo-zstd-row-groups.parquet').length && started());
    await inFlight;
    expect(await handlers.cancelImport({}, () => undefined)).toBe(true);
    await expect(held).rejects.toThrow('the download of local/fc-demo was cancelled; nothing was saved');
    expect(await handlers.cancelImport({}, () => undefined)).toBe(false);
    expect(await db.datasets.count()).toBe(1);
    // Cancelled once the files are here and their records are being read: the import stops too.
    const importing = handlers.importHubDataset({ repo: 'local/fc-demo', baseUrl: base }, (p) => p.unit !== 'bytes' && void handlers.cancelImport({}, () => undefined));
    await expect(importing).rejects.toThrow('the import of local/fc-demo was cancelled; nothing was saved');
    await expect(importing).rejects.toMatchObject({ name: 'ImportCancelledError' });
    expect(await db.datasets.count()).toBe(1);
    expect(await db.examples.count()).toBe(53);
    db.close();
  });
});
