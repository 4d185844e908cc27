#!/usr/bin/env node
// `npx studio <command>`: runs the CLI from a bundle of its TypeScript (./cli-bundle.mjs: rebuilt
// whenever a source differs, so never stale) or, where none can be built, through tsx; with `?raw`
// shader imports, and the SwiftShader/Vulkan environment Dawn needs on GPU-less machines.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dawnEnv } from '../scripts/dawn-env.mjs';
import { cliBundle } from './cli-bundle.mjs';

const extra = dawnEnv();
if (extra.LD_LIBRARY_PATH && !process.env.STUDIO_REEXEC) {
  // The dynamic loader reads LD_LIBRARY_PATH only at start-up: run again with it set. Ctrl-C
  // reaches the child too (the terminal signals the whole process group), which decides what to
  // write before it ends: this process waits for it instead of dying first.
  process.on('SIGINT', () => undefined);
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ...extra, STUDIO_REEXEC: '1' },
  });
  process.exit(r.status ?? (r.signal === 'SIGINT' ? 130 : 1));
}
Object.assign(process.env, extra);
// A reader that stops early (studio generate … | head, or one reading the progress lines on stderr)
// closes the pipe: end as Unix tools end on a closed pipe (128 + SIGPIPE), not with an unhandled
// EPIPE's stack trace (and Dawn's segfault after it).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
}
// Stack traces name the TypeScript sources (only asked for: mapping costs start-up time).
if (process.env.STUDIO_DEBUG) process.setSourceMapsEnabled(true);
const bundled = await cliBundle(fileURLToPath(new URL('..', import.meta.url)));
if (!bundled) await import('./register.mjs');
const { main } = await import(bundled ?? '../src/cli/main.ts');
// Dawn keeps handles open; exit explicitly once the command is done.
process.exit(await main(process.argv.slice(2)));
