// The CLI's quantization pool (export/quantPool.ts) on worker_threads (threadPort.ts): a thread a
// core (up to 8; the main thread waits on them while they work).
import { availableParallelism } from 'node:os';
import { QuantPool, type QuantReply, type QuantRequest } from '../export/quantPool.ts';
import { threadPort } from './threadPort.ts';

export function nodeQuantPool(size = Math.min(8, availableParallelism())): QuantPool {
  return new QuantPool(() => threadPort<QuantRequest, QuantReply>('quantWorker', 'quant-worker'), size);
}
