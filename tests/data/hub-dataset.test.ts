// A dataset repo on the Hub, from a local server in the Hub's URL layout: the tree API
// (`/api/datasets/<repo>/tree/<revision>?recursive=true`, paged with a Link header as the Hub pages
// long listings), files at `/datasets/<repo>/resolve/<revision>/<path>`, the viewer's Parquet
// conversion at revision `refs/convert/parquet`, a gated repo, and the Hub's answer to a repo that
// does not exist (401 with X-Error-Code: RepoNotFound); files listed with their hashes, and served
// in ranges.
// Protects: which files a repo gives (the train split's, never its metadata), that they import as the
// same files dropped would, that a download is kept (resumed after a cut, never fetched twice while
// the Hub lists the same version), and every failure said in words a user can act on.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseDatasetFiles, downloadHubDataset, hubDatasetId, hubDatasetPath, listHubDataset } from '../../src/data/hub-dataset.ts';
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
import { nodeDirectoryModelCache } from '../../src/model/model-cache-node.ts';
import { formatBytes } from '../../src/data/record-limits.ts';

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
/** Sizes the listing gives instead of the bytes' own, by `<repo>/<path>`: a dataset too big to download. */
const LISTED_SIZE: Record<string, number> = {};
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** A download cache of its own, as the worker's OPFS one and the CLI's folder are. */
const freshCache = () => nodeDirectoryModelCache(mkdtempSync(join(tmpdir(), 'hub-dataset-cache-')));
/** The GETs of a repo's files (not its listing) logged since `from`. */
const fileGets = (repo: string, from: number) => log.slice(from).filter((l) => l.startsWith(`GET /datasets/${repo}/resolve/`));

let server: Server;
let base = '';
const log: string[] = [];
const cutNext = new Set<string>();
/** Files whose next GET sends half its bytes, then nothing more until the client goes away. */
const holdNext = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    log.push(`${req.method} ${url.pathname}${url.search}${req.headers.range ? ` ${req.headers.range}` : ''}`);
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
      entries.push(...Object.entries(files).map(([path, data]) => ({ type: 'file', path, size: LISTED_SIZE[`${repo}/${path}`] ?? data.length, oid: createHash('sha1').update(data).digest('hex'), ...(path.endsWith('.parquet') ? { lfs: { size: data.length, oid: sha256(data) } } : {}) })));
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
    // A range continues the file only while it is the version the client names (If-Range).
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (!ifRange || ifRange === `"${sha256(data)}"` || ifRange === `"${createHash('sha1').update(data).digest('hex')}"`)) {
      const from = Number(range[1]);
      res.writeHead(206, { 'content-length': String(data.length - from), 'content-range': `bytes ${from}-${data.length - 1}/${data.length}` }).end(data.subarray(from));
      return;
    }
    if (holdNext.delete(resolve![3])) {
      res.writeHead(200, { 'content-length': String(data.length) });
      res.write(data.subarray(0, data.length >> 1));
      return;
    }
    if (cutNext.delete(resolve![3])) {
      res.writeHead(200, { 'content-length': String(data.length) });
      // Destroyed at once, the client would see none of the bytes written.
      res.write(data.subarray(0, data.length >> 1), () => setTimeout(() => res.destroy(), 100));
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
    for (const text of ['Salesforce/xlam-function-calling-60k', ' https://huggingface.co/datasets/Salesforce/xlam-function-calling-60k/ ', 'https://huggingface.co/datasets/Salesforce/xlam-function-calling-60k/viewer/default/train', 'https://huggingface.co/datasets/Salesforce/xlam-function-calling-60k/resolve/main/xlam_function_calling_60k.json?download=true', 'hf://datasets/Salesforce/xlam-function-calling-60k']) {
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
    const got = await downloadHubDataset('local/fc-demo', { cache: freshCache(), baseUrl: base, onProgress: (p) => progress.push([p.file, p.bytesDone, p.bytesTotal]) });
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
    const got = await downloadHubDataset('https://huggingface.co/datasets/local/csv-only', { cache: freshCache(), baseUrl: base });
    expect(got).toMatchObject({ repo: 'local/csv-only', revision: 'refs/convert/parquet', leftOut: [] });
    expect(got.files.map((f) => f.name)).toEqual(['default/train/0000.parquet']);
    expect(log).toContain('GET /datasets/local/csv-only/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet');
  });

  it('lists the dataset files with their sizes before any download, and downloads the files chosen: paths or globs', async () => {
    const at = log.length;
    const sizes = { train0: fixture('parquet/demo-zstd-row-groups.parquet').length, train1: fixture('parquet/xlam-gzip.parquet').length, test: fixture('parquet/sharegpt-brotli.parquet').length };
    expect(await listHubDataset('local/fc-demo', { baseUrl: base })).toEqual({
      repo: 'local/fc-demo',
      revision: 'main',
      files: [
        { path: 'data/test-00000-of-00001.parquet', size: sizes.test },
        { path: 'data/train-00000-of-00002.parquet', size: sizes.train0 },
        { path: 'data/train-00001-of-00002.parquet', size: sizes.train1 },
      ],
      chosen: ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet'],
      maxBytes: 2 * 2 ** 30,
    });
    expect(fileGets('local/fc-demo', at)).toEqual([]);
    // An address pasted from the Hub's file pages ticks the file, or the folder's files, it points to.
    expect((await listHubDataset('https://huggingface.co/datasets/local/fc-demo/blob/main/data/test-00000-of-00001.parquet?download=true', { baseUrl: base })).chosen).toEqual(['data/test-00000-of-00001.parquet']);
    expect((await listHubDataset('https://huggingface.co/datasets/local/fc-demo/tree/main/data/', { baseUrl: base })).chosen).toHaveLength(3);
    expect((await listHubDataset('https://huggingface.co/datasets/local/fc-demo/blob/main/README.md', { baseUrl: base })).chosen).toEqual(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']);
    expect((await listHubDataset('local/csv-only', { baseUrl: base })).files).toEqual([{ path: 'default/train/0000.parquet', size: fixture('parquet/xlam-gzip.parquet').length }]);

    const cache = freshCache();
    const test = await downloadHubDataset('local/fc-demo', { cache, baseUrl: base, files: ['data/test-00000-of-00001.parquet'] });
    expect(test.files.map((f) => f.name)).toEqual(['data/test-00000-of-00001.parquet']);
    expect(test.leftOut).toEqual(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']);
    expect((await importDatasetFiles(test.files)).files[0]).toMatchObject({ format: 'sharegpt', rejected: 0 });
    // A glob within a folder, one across folders, and a path named twice: each file once, in the listing's order.
    expect((await downloadHubDataset('local/fc-demo', { cache, baseUrl: base, files: ['**/train-00001-of-00002.parquet', 'data/test-*.parquet', 'data/test-00000-of-00001.parquet'] })).files.map((f) => f.name)).toEqual(['data/test-00000-of-00001.parquet', 'data/train-00001-of-00002.parquet']);
    expect((await downloadHubDataset('local/fc-demo', { cache, baseUrl: base, files: ['**/*.parquet'] })).files).toHaveLength(3);
    await expect(downloadHubDataset('local/fc-demo', { cache, baseUrl: base, files: ['data/validation.parquet', 'data/train-0000?-of-00002.parquet'] })).rejects.toThrow('local/fc-demo has no dataset file "data/validation.parquet"; its dataset files are data/test-00000-of-00001.parquet, data/train-00000-of-00002.parquet, data/train-00001-of-00002.parquet');
    await expect(downloadHubDataset('local/fc-demo', { cache, baseUrl: base, files: ['README.md'] })).rejects.toThrow('has no dataset file "README.md"');
    await expect(downloadHubDataset('local/fc-demo', { cache, baseUrl: base, files: [] })).rejects.toThrow('no file of local/fc-demo was chosen; choose at least one');
    expect(hubDatasetPath('hf://datasets/local/fc-demo')).toEqual({ repo: 'local/fc-demo' });
    expect(hubDatasetPath('hf://datasets/local/fc-demo/data/train-*.parquet')).toEqual({ repo: 'local/fc-demo', files: 'data/train-*.parquet' });
    expect(() => hubDatasetPath('hf://datasets/fc-demo')).toThrow(/is not a Hugging Face dataset id/);
  });

  it('keeps a download: the same dataset again fetches nothing, a cut file resumes where it stopped, a changed file is fetched again', async () => {
    const cache = freshCache();
    const total = fixture('parquet/demo-zstd-row-groups.parquet').length + fixture('parquet/xlam-gzip.parquet').length;
    let at = log.length;
    const first = await downloadHubDataset('local/fc-demo', { cache, baseUrl: base });
    expect(fileGets('local/fc-demo', at)).toHaveLength(2);
    at = log.length;
    const progress: number[] = [];
    const again = await downloadHubDataset('local/fc-demo', { cache, baseUrl: base, onProgress: (p) => progress.push(p.bytesDone) });
    expect(fileGets('local/fc-demo', at)).toEqual([]);
    expect(progress.at(-1)).toBe(total);
    expect(first.reused).toEqual([]);
    expect(again.reused).toEqual(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']);
    expect((await importDatasetFiles(again.files)).examples).toEqual((await importDatasetFiles(first.files)).examples);

    // The connection drops half-way through a file: the retry asks for the rest only.
    const xlam = 'data/train-00001-of-00002.parquet';
    cutNext.add(xlam);
    at = log.length;
    const resumed = await downloadHubDataset('local/fc-demo', { cache: freshCache(), baseUrl: base });
    expect(fileGets('local/fc-demo', at).filter((l) => l.includes(xlam))).toEqual([`GET /datasets/local/fc-demo/resolve/main/${xlam}`, `GET /datasets/local/fc-demo/resolve/main/${xlam} bytes=${fixture('parquet/xlam-gzip.parquet').length >> 1}-`]);
    expect((await importDatasetFiles(resumed.files)).examples).toEqual((await importDatasetFiles(first.files)).examples);

    // A file changed on the Hub with its size kept: its listed hash is new, so it is fetched again.
    const lines = (q: string) => Buffer.from([0, 1, 2].map((i) => JSON.stringify({ id: `c${i}`, query: `${q}${i}`, tools: '[]', answers: '[]' })).join('\n'));
    REPOS['local/changing'] = { main: { 'train.jsonl': lines('a') } };
    const changing = freshCache();
    expect((await importDatasetFiles((await downloadHubDataset('local/changing', { cache: changing, baseUrl: base })).files)).examples.map((e) => e.messages[0].content)).toEqual(['a0', 'a1', 'a2']);
    REPOS['local/changing'].main['train.jsonl'] = lines('b');
    at = log.length;
    const changed = await downloadHubDataset('local/changing', { cache: changing, baseUrl: base });
    expect(fileGets('local/changing', at)).toEqual(['GET /datasets/local/changing/resolve/main/train.jsonl']);
    expect((await importDatasetFiles(changed.files)).examples.map((e) => e.messages[0].content)).toEqual(['b0', 'b1', 'b2']);
  });

  it('says what to do about a repo that does not exist, a gated one, a cut download and no dataset files', async () => {
    await expect(downloadHubDataset('local/no-such-set', { cache: freshCache(), baseUrl: base })).rejects.toThrow(/^local\/no-such-set was not found on the hub \(HTTP 401 from .*\): no such repo \(or it is private\); check the repo id$/);
    await expect(downloadHubDataset('local/gated', { cache: freshCache(), baseUrl: base })).rejects.toThrow(/HTTP 401 .* \(the dataset is gated or private: it needs a Hugging Face access token that may read it\)$/);
    await expect(downloadHubDataset('local/gated', { cache: freshCache(), baseUrl: base, token: 'hf_other' })).rejects.toThrow(/HTTP 403 .* this token has no access to it/);
    const gated = await downloadHubDataset('local/gated', { cache: freshCache(), baseUrl: base, token: GATED_TOKEN });
    expect((await importDatasetFiles(gated.files)).examples).toHaveLength(50);
    cutNext.add('train.jsonl.gz');
    await expect(downloadHubDataset('local/gated', { cache: freshCache(), baseUrl: base, token: GATED_TOKEN, retries: 0 })).rejects.toThrow(/train\.jsonl\.gz/);
    await expect(downloadHubDataset('local/fc-demo', { cache: freshCache(), baseUrl: base, revision: 'v2' })).rejects.toThrow('local/fc-demo has no revision "v2" on the Hub');
    REPOS['local/huge'] = { main: { 'train-1.jsonl': Buffer.from('{}'), 'train-2.jsonl': Buffer.from('{}') } };
    LISTED_SIZE['local/huge/train-1.jsonl'] = LISTED_SIZE['local/huge/train-2.jsonl'] = 1.5 * 2 ** 30;
    await expect(downloadHubDataset('local/huge', { cache: freshCache(), baseUrl: base })).rejects.toThrow("local/huge's 2 files are 3.0 GiB, more than the 2.0 GiB the studio downloads at once; import fewer of them at a time (tick them in the studio's listing; on the command line, name them: hf://datasets/local/huge/<path or glob>)");
    REPOS['local/empty'] = { main: { 'README.md': Buffer.from('#\n') } };
    await expect(downloadHubDataset('local/empty', { cache: freshCache(), baseUrl: base })).rejects.toThrow('local/empty holds no .json, .jsonl or .parquet files, and the Hub has no Parquet conversion of it; download its data and convert it to JSONL, then drop that');
  });

  it('`studio tokenize --data hf://datasets/<owner>/<name>` reads the train split from $HF_ENDPOINT, with $HF_TOKEN for a gated one, into $STUDIO_DATASET_CACHE', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hub-dataset-')), 'tokens.jsonl');
    const env = { HF_ENDPOINT: base, HF_TOKEN: undefined, HUGGING_FACE_HUB_TOKEN: undefined, STUDIO_DATASET_CACHE: mkdtempSync(join(tmpdir(), 'hub-dataset-cli-cache-')) };
    const at = log.length;
    const r = await studioInProcess(['tokenize', '--model', 'public/models/tiny-qwen3', '--data', 'hf://datasets/local/fc-demo', '--out', out], env);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(53);
    expect(r.err).toContain('hf://datasets/local/fc-demo: 2 files, the train split; left out: data/test-00000-of-00001.parquet');
    expect(r.err).toContain('hf://datasets/local/fc-demo/data/train-00001-of-00002.parquet: xlam (detected), 3 imported, 0 rejected');
    expect(readFileSync(join(env.STUDIO_DATASET_CACHE, 'local/fc-demo/main/data/train-00001-of-00002.parquet'))).toEqual(fixture('parquet/xlam-gzip.parquet'));
    // The next command on the dataset reads the cached files.
    const again = await studioInProcess(['tokenize', '--model', 'public/models/tiny-qwen3', '--data', 'hf://datasets/local/fc-demo', '--out', out, '--force'], env);
    expect(again.code, again.err).toBe(0);
    expect(fileGets('local/fc-demo', at)).toHaveLength(2);
    expect(again.err).toContain('hf://datasets/local/fc-demo: 2 files (read from the download cache), the train split; left out: data/test-00000-of-00001.parquet');
    const gated = await studioInProcess(['tokenize', '--model', 'public/models/tiny-qwen3', '--data', 'hf://datasets/local/gated', '--out', out, '--force'], env);
    expect(gated.code).toBe(1);
    expect(gated.err).toMatch(/^studio tokenize: --data could not download train\.jsonl\.gz of local\/gated: HTTP 401 .*; here, set HF_TOKEN to an access token that may read it\n$/);
    const withToken = await studioInProcess(['tokenize', '--model', 'public/models/tiny-qwen3', '--data', 'hf://datasets/local/gated', '--out', out, '--force'], { ...env, HF_TOKEN: GATED_TOKEN });
    expect(withToken.code, withToken.err).toBe(0);
    expect(withToken.out).toMatch(/^wrote 50 examples to /);
    // A file of the repo by its path (or a glob): that file, whatever the split.
    const test = await studioInProcess(['tokenize', '--model', 'public/models/tiny-qwen3', '--data', 'hf://datasets/local/fc-demo/data/test-*.parquet', '--out', out, '--force'], env);
    expect(test.code, test.err).toBe(0);
    expect(test.err).toContain('hf://datasets/local/fc-demo/data/test-*.parquet: 1 file\n');
    expect(test.err).toContain('hf://datasets/local/fc-demo/data/test-00000-of-00001.parquet: sharegpt (detected)');
    // `studio files` says which files those words take, before any download.
    const at2 = log.length;
    const listed = await studioInProcess(['files', 'hf://datasets/local/fc-demo'], env);
    expect(listed.code, listed.err).toBe(0);
    const sizes = ['demo-zstd-row-groups', 'xlam-gzip', 'sharegpt-brotli'].map((n) => formatBytes(fixture(`parquet/${n}.parquet`).length));
    expect(listed.out).toBe(
      `local/fc-demo: 3 dataset files; --data hf://datasets/local/fc-demo takes the 2 marked *, ${formatBytes(fixture('parquet/demo-zstd-row-groups.parquet').length + fixture('parquet/xlam-gzip.parquet').length)}\n` +
        `  data/test-00000-of-00001.parquet   ${sizes[2]}\n* data/train-00000-of-00002.parquet  ${sizes[0]}\n* data/train-00001-of-00002.parquet  ${sizes[1]}\n`,
    );
    const globbed = await studioInProcess(['files', 'hf://datasets/local/fc-demo/**/test-*', '--json'], env);
    expect(JSON.parse(globbed.out).files.map((x: { path: string; taken: boolean }) => [x.path, x.taken])).toEqual([['data/test-00000-of-00001.parquet', true], ['data/train-00000-of-00002.parquet', false], ['data/train-00001-of-00002.parquet', false]]);
    expect(fileGets('local/fc-demo', at2)).toEqual([]);
    expect((await studioInProcess(['files', 'local/fc-demo'], env)).err).toMatch(/^studio files: expected one hf:\/\/datasets\/<owner>\/<name> address; /);
    const none = await studioInProcess(['tokenize', '--model', 'public/models/tiny-qwen3', '--data', 'hf://datasets/local/fc-demo/data/valid*.parquet', '--out', out, '--force'], env);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/^studio tokenize: --data local\/fc-demo has no dataset file "data\/valid\*\.parquet"; its dataset files are data\/test-00000-of-00001\.parquet, /);
  });

  it('the studio\'s worker downloads, then imports into the database under the repo\'s id, saying where the files came from', async () => {
    const db = new StudioDb(`hub-dataset-${Date.now()}`, { indexedDB, IDBKeyRange });
    const cache = freshCache();
    const handlers = dataRequests({ db: () => db, model: () => null, appBaseUrl: () => 'http://localhost/', datasetInUse: () => null, datasetCache: () => cache });
    const progress: ProgressInfo[] = [];
    const r = await handlers.importHubDataset({ repo: 'https://huggingface.co/datasets/local/fc-demo', baseUrl: base }, (p) => progress.push(p));
    expect(r).toMatchObject({ imported: 53, issueCount: 0, hub: { repo: 'local/fc-demo', revision: 'main', files: ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet'], leftOut: ['data/test-00000-of-00001.parquet'] } });
    // Named by its id, and remembered as that repo's: a run trained on it links it in its model card.
    expect(await db.datasets.get(r.datasetId!)).toMatchObject({ name: 'local/fc-demo', hubRepo: 'local/fc-demo' });
    expect(await loadExampleRows(db, r.datasetId!)).toHaveLength(53);
    // Its examples stored, the download is deleted.
    expect(await cache.completeSize('local/fc-demo', 'main', 'data/train-00000-of-00002.parquet')).toBeNull();
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
    // Cancelled once the files are here and their records are being read: the import stops too. Its
    // download resumed the file cut by the cancel, and fetched the other one no more.
    const at = log.length;
    const importing = handlers.importHubDataset({ repo: 'local/fc-demo', baseUrl: base }, (p) => p.unit !== 'bytes' && void handlers.cancelImport({}, () => undefined));
    await expect(importing).rejects.toThrow('the import of local/fc-demo was cancelled; nothing was saved');
    await expect(importing).rejects.toMatchObject({ name: 'ImportCancelledError' });
    expect(await db.datasets.count()).toBe(1);
    expect(await db.examples.count()).toBe(53);
    expect(fileGets('local/fc-demo', at)).toEqual([`GET /datasets/local/fc-demo/resolve/main/data/train-00001-of-00002.parquet bytes=${fixture('parquet/xlam-gzip.parquet').length >> 1}-`]);
    // The download stays for the next import of it, which reads it as it is and says so.
    expect(await cache.completeSize('local/fc-demo', 'main', 'data/train-00001-of-00002.parquet')).toBe(fixture('parquet/xlam-gzip.parquet').length);
    const reimported = await handlers.importHubDataset({ repo: 'local/fc-demo', baseUrl: base }, () => undefined);
    expect(reimported.hub.reused).toEqual(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']);
    expect(reimported.alreadyStoredAs).toBe('local/fc-demo');
    // Another dataset's import deletes a download left behind.
    await cache.openWriter('local/fc-demo', 'main', 'data/train-00001-of-00002.parquet', false).then(async (w) => (await w.write(new Uint8Array(8)), await w.commit()));
    expect((await handlers.importHubDataset({ repo: 'local/csv-only', baseUrl: base }, () => undefined)).imported).toBe(3);
    // Files the user chose: named by them beside the repo, and said to be chosen.
    const test = await handlers.importHubDataset({ repo: 'local/fc-demo', baseUrl: base, files: ['data/test-00000-of-00001.parquet'] }, () => undefined);
    expect(test.hub).toMatchObject({ files: ['data/test-00000-of-00001.parquet'], chosen: true });
    expect((await db.datasets.get(test.datasetId!))?.name).toBe('local/fc-demo · test-00000-of-00001');
    expect(await cache.completeSize('local/fc-demo', 'main', 'data/train-00001-of-00002.parquet')).toBeNull();
    expect(await cache.completeSize('local/csv-only', 'refs/convert/parquet', 'default/train/0000.parquet')).toBeNull();
    db.close();
  });
});
