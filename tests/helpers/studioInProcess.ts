// `studio <args>` run in the test's own process: main(), the function bin/studio.mjs calls, with what
// it writes to stdout and stderr caught, and its exit code. Every command of a test file runs on one
// GPU device (cliGpu), as the worker's jobs do: a `studio train` of one step spent 3 of its 5 seconds
// in a child process compiling again the pipelines the command before it had compiled.
// What only a child process shows (bin/studio.mjs and its bundle, the exit code the shell sees,
// Ctrl-C) stays with the tests that spawn it: cli/studio.test.ts, cli/cli-bundle.test.ts and the
// *-interrupt tests.
import { format } from 'node:util';
import { main } from '../../src/cli/main.ts';

export interface StudioResult {
  code: number;
  out: string;
  err: string;
}

type Write = typeof process.stdout.write;

// The capture is the process's: commands take turns.
let queue: Promise<unknown> = Promise.resolve();

/** `env` is set for the command and put back after it. */
export function studioInProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<StudioResult> {
  const turn = queue.then(() => runCaught(args, env));
  queue = turn.catch(() => undefined);
  return turn;
}

async function runCaught(args: string[], env: Record<string, string | undefined>): Promise<StudioResult> {
  const caught = { out: '', err: '' };
  const saved = { log: console.log, info: console.info, error: console.error, warn: console.warn, stdout: process.stdout.write, stderr: process.stderr.write };
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const writer = (to: 'out' | 'err'): Write =>
    ((chunk: string | Uint8Array, encoding?: unknown, done?: unknown) => {
      caught[to] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const callback = typeof encoding === 'function' ? encoding : done;
      if (typeof callback === 'function') callback();
      return true;
    }) as Write;
  console.log = console.info = (...a: unknown[]) => void (caught.out += `${format(...a)}\n`);
  console.error = console.warn = (...a: unknown[]) => void (caught.err += `${format(...a)}\n`);
  process.stdout.write = writer('out');
  process.stderr.write = writer('err');
  setEnv(env);
  try {
    const code = await main(args);
    return { code, ...caught };
  } finally {
    Object.assign(console, { log: saved.log, info: saved.info, error: saved.error, warn: saved.warn });
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
    setEnv(savedEnv);
  }
}

function setEnv(env: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}
