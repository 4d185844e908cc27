// A local stand-in for the Hugging Face hub inside the browser-test server: serves the generated
// embedded model (public/models/tiny-qwen3/) as repo `local/tiny-qwen3` in the hub's URL layout
// (`/hub/<owner>/<name>/resolve/<revision>/<file>`), with HEAD sizes and Range requests, and counts
// GETs at `/hub-stats` so a test can tell a cached load from a download (`datasetGets` for the
// dataset's files). And one dataset repo,
// `local/fc-demo`: the parquet fixtures as its train and test split files, listed by the tree API
// (`/hub/api/datasets/<repo>/tree/<revision>`) and served at `/hub/datasets/<repo>/resolve/<revision>/<path>`.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = 'public/models/tiny-qwen3';
const DATASET_FILES = {
  'data/train-00000-of-00001.parquet': 'tests/fixtures/data/parquet/xlam-gzip.parquet',
  'data/test-00000-of-00001.parquet': 'tests/fixtures/data/parquet/sharegpt-brotli.parquet',
};

/** The dataset repo's requests; false for any other. */
function serveDataset(req, res, stats) {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/hub/api/datasets/local/fc-demo/tree/main') {
    const entries = Object.entries(DATASET_FILES).map(([path, file]) => ({ type: 'file', path, size: statSync(file).size, lfs: { size: statSync(file).size } }));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify([{ type: 'file', path: 'README.md', size: 10 }, ...entries]));
    return true;
  }
  const m = /^\/hub\/datasets\/local\/fc-demo\/resolve\/main\/(.+)$/.exec(url.pathname);
  if (!m || !DATASET_FILES[m[1]]) return false;
  res.setHeader('content-length', String(statSync(DATASET_FILES[m[1]]).size));
  stats.datasetGets++;
  createReadStream(DATASET_FILES[m[1]]).pipe(res);
  return true;
}

export function localHubPlugin() {
  const stats = { gets: 0, bytes: 0, datasetGets: 0 };
  return {
    name: 'studio-local-hub',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url === '/hub-stats') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(stats));
          return;
        }
        if (!(req.url ?? '').startsWith('/hub/')) return next();
        if (serveDataset(req, res, stats)) return;
        // Like the hub: anything but the one repo is 404 (never the dev server's index.html).
        const m = /^\/hub\/local\/tiny-qwen3\/resolve\/main\/([\w.-]+)$/.exec(req.url ?? '');
        const path = m ? join(ROOT, m[1]) : '';
        if (!m || !existsSync(path)) {
          res.statusCode = 404;
          res.end('Entry not found');
          return;
        }
        const size = statSync(path).size;
        const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        const start = range ? Number(range[1]) : 0;
        res.statusCode = range ? 206 : 200;
        res.setHeader('content-length', String(size - start));
        res.setHeader('accept-ranges', 'bytes');
        if (range) res.setHeader('content-range', `bytes ${start}-${size - 1}/${size}`);
        if (req.method === 'HEAD') {
          res.end();
          return;
        }
        stats.gets++;
        stats.bytes += size - start;
        createReadStream(path, { start }).pipe(res);
      });
    },
  };
}
