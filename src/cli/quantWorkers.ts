// The CLI's quantization pool (export/quantPool.ts) on worker_threads: a thread a core (up to 8;
// the main thread waits on them while they work).
// From the sources (tsx, the tests) a thread runs quantWorker.ts through bin/register.mjs; from the
// CLI bundle, the bundle's own quant-worker.mjs beside this chunk (bin/cli-bundle.mjs builds both).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { QuantPool } from '../export/quantPool.ts';

export function nodeQuantPool(size = Math.min(8, availableParallelism())): QuantPool {
  const here = import.meta.url;
  const fromSources = here.endsWith('.ts');
  const entry = new URL(fromSources ? './quantWorker.ts' : './quant-worker.mjs', here);
  const execArgv = fromSources ? ['--import', new URL('../../bin/register.mjs', here).href] : [];
  return new QuantPool(() => {
    const w = new Worker(entry, { execArgv });
    return {
      post: (req) => w.postMessage(req),
      onReply: (listener) => w.on('message', listener),
      onFailure: (listener) => w.on('error', listener),
      terminate: () => void w.terminate(),
    };
  }, size);
}
