// A worker_threads thread of the CLI as the thread pools use it (export/quantPool.ts,
// data/tokenize-pool.ts). From the sources (tsx, the tests) it runs `<name>.ts` beside this file
// through bin/register.mjs; from the CLI bundle, the bundle's own `<bundled>.mjs` beside this chunk
// (bin/cli-bundle.mjs builds both).
import { Worker } from 'node:worker_threads';
import type { WorkerPort } from '../worker/workerPort.ts';

export function threadPort<Request, Reply>(name: string, bundled: string): WorkerPort<Request, Reply> {
  const here = import.meta.url;
  const fromSources = here.endsWith('.ts');
  const entry = new URL(fromSources ? `./${name}.ts` : `./${bundled}.mjs`, here);
  const execArgv = fromSources ? ['--import', new URL('../../bin/register.mjs', here).href] : [];
  const w = new Worker(entry, { execArgv });
  let ended = false;
  return {
    post: (request) => w.postMessage(request),
    onReply: (listener) => w.on('message', listener),
    onFailure: (listener) => {
      w.on('error', listener);
      // A thread that ends without an error (killed, out of memory) answers nothing more; one ended
      // by terminate() was given up on.
      w.on('exit', (code) => ended || listener(new Error(`the thread ended (exit code ${code})`)));
    },
    terminate: () => {
      ended = true;
      void w.terminate();
    },
  };
}
