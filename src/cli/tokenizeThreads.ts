// The CLI's tokenizing threads (data/tokenize-threads.ts) on worker_threads (threadPort.ts): a
// thread a core, up to 8 (the main thread waits on them while they tokenize).
import { availableParallelism } from 'node:os';
import type { TokenizeMessage, TokenizeReply, TokenizeThreads } from '../data/tokenize-threads.ts';
import { threadPort } from './threadPort.ts';

export function nodeTokenizeThreads(size = Math.min(8, availableParallelism())): TokenizeThreads {
  return { size, spawn: () => threadPort<TokenizeMessage, TokenizeReply>('tokenizeWorker', 'tokenize-worker'), note: (message) => console.error(`note: ${message}`) };
}
