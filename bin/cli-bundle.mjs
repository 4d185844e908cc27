// The CLI as one esbuild bundle, so `studio` starts in a fraction of a second: loading its
// TypeScript through tsx's module hooks cost ~2 s at every start (`studio help`: 2.4 s → 0.5 s).
// The bundle is kept in node_modules/.cache and is never trusted stale: it records the SHA-1 of
// every file it was built from (read by the build itself, so what is hashed is what is bundled),
// and a start whose files differ in any byte builds it again (a third of a second) before running.
// Builds are safe to race (each writes its own folder, then swaps the pointer to it by rename);
// anything failing here leaves the caller on tsx, which runs the same sources.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const POINTER = 'current.json';
/** Bundles other than the current one are removed once unused this long: a command started from
 * one keeps importing its chunks (a bench loads its cases as it reaches them), so never at once. */
const KEEP_OLD_MS = 24 * 3600_000;

const sha1 = (bytes) => createHash('sha1').update(bytes).digest('hex');

/** A bundle started from is not old (removeOldBundles goes by the folder's time). */
function markUsed(dir) {
  const now = new Date();
  utimesSync(dir, now, now);
}

/** The bundle's main module when `cacheDir` holds one built from the files as they are now, else
 * null. With `entry`, only a bundle of that entry: a checkout whose node_modules is another's (a
 * symlink) sees the other's bundle, fresh for the other's files. */
export function freshBundle(cacheDir, entry) {
  let pointer;
  try {
    pointer = JSON.parse(readFileSync(join(cacheDir, POINTER), 'utf8'));
  } catch {
    return null;
  }
  const dir = join(cacheDir, pointer.dir ?? '');
  const inputs = Object.entries(pointer.inputs ?? {});
  if (!pointer.dir || !inputs.length || !existsSync(join(dir, pointer.main ?? ''))) return null;
  if (entry !== undefined && pointer.entry !== entry) return null;
  for (const [file, hash] of inputs) {
    try {
      if (sha1(readFileSync(file)) !== hash) return null;
    } catch {
      return null; // deleted or unreadable: build again
    }
  }
  markUsed(dir);
  return join(dir, pointer.main);
}

/** esbuild plugin: reads every source itself (hashing it), and gives `x?raw` imports Vite's meaning
 * (the file's text), as bin/raw-loader.mjs does for tsx. */
function hashingLoader(inputs) {
  const loaders = { '.ts': 'ts', '.tsx': 'tsx', '.mts': 'ts', '.js': 'js', '.mjs': 'js', '.json': 'json' };
  const read = (path) => {
    const bytes = readFileSync(path);
    inputs[path] = sha1(bytes);
    return bytes;
  };
  return {
    name: 'studio-sources',
    setup(build) {
      build.onResolve({ filter: /\?raw$/ }, (a) => ({ path: join(a.resolveDir, a.path.slice(0, -4)), namespace: 'raw' }));
      build.onLoad({ filter: /.*/, namespace: 'raw' }, (a) => ({ contents: read(a.path), loader: 'text' }));
      build.onLoad({ filter: /\.(ts|tsx|mts|js|mjs|json)$/ }, (a) => ({ contents: read(a.path), loader: loaders[a.path.slice(a.path.lastIndexOf('.'))] }));
    },
  };
}

/** Builds `entry` (and what it imports, packages left to node_modules) into a new folder of
 * `cacheDir`, makes it the current one, and returns its main module. `tsconfig` is an input too
 * (esbuild reads it: class fields, JSX). `workers`: more entries, name → source, built beside main
 * as <name>.mjs (worker threads the program starts from its own folder). Throws what esbuild throws. */
export async function buildBundle(entry, cacheDir, tsconfig, workers = {}) {
  const { build } = await import('esbuild');
  const inputs = {};
  if (tsconfig) inputs[tsconfig] = sha1(readFileSync(tsconfig));
  const tmp = join(cacheDir, `build-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(tmp, { recursive: true });
  try {
    await build({
      entryPoints: { main: entry, ...workers },
      bundle: true,
      splitting: true, // each command's own code stays in its chunk, loaded only when it runs
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outdir: tmp,
      ...(tsconfig ? { tsconfig } : {}),
      // .mjs: node_modules/.cache sees no package.json with "type": "module".
      outExtension: { '.js': '.mjs' },
      sourcemap: true,
      logLevel: 'silent',
      plugins: [hashingLoader(inputs)],
    });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  // Named by what it was built from: a race of equal builds settles on one folder.
  const name = sha1(JSON.stringify(Object.entries(inputs).sort()));
  const dir = join(cacheDir, name);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // an equal build got there first, or an old one
    markUsed(dir);
  }
  const pointer = join(cacheDir, `${POINTER}.${process.pid}`);
  writeFileSync(pointer, JSON.stringify({ dir: name, main: 'main.mjs', entry, inputs }));
  renameSync(pointer, join(cacheDir, POINTER));
  removeOldBundles(cacheDir, name);
  return join(dir, 'main.mjs');
}

function removeOldBundles(cacheDir, current) {
  for (const entry of readdirSync(cacheDir)) {
    if (entry === current || entry === POINTER) continue;
    const path = join(cacheDir, entry);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // another start removed it
    }
  }
}

/** The URL of the CLI's main module, bundled and current, or null where no bundle can be had
 * ($STUDIO_CLI_TSX set, esbuild missing, a read-only tree): the caller runs the sources through tsx. */
export async function cliBundle(root) {
  if (process.env.STUDIO_CLI_TSX) return null;
  const cacheDir = join(root, 'node_modules', '.cache', 'studio-cli');
  const entry = join(root, 'src', 'cli', 'main.ts');
  try {
    // The GGUF export's quantization threads (src/cli/quantWorkers.ts starts ./quant-worker.mjs) and
    // the tokenizing threads (src/cli/tokenizeThreads.ts, ./tokenize-worker.mjs).
    const workers = { 'quant-worker': join(root, 'src', 'cli', 'quantWorker.ts'), 'tokenize-worker': join(root, 'src', 'cli', 'tokenizeWorker.ts') };
    const main = freshBundle(cacheDir, entry) ?? (await buildBundle(entry, cacheDir, join(root, 'tsconfig.json'), workers));
    return pathToFileURL(main).href;
  } catch (err) {
    if (process.env.STUDIO_DEBUG) console.error(`studio: running from the sources (no bundle: ${err?.message ?? err})`);
    return null;
  }
}

