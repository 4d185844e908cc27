// The page's tokenizing threads (data/tokenize-threads.ts): module Workers the GPU worker starts, a
// core each up to 8 (the GPU worker waits on them while they tokenize).
import { setTokenizeThreads, type TokenizeMessage, type TokenizeReply, type TokenizeThreads } from '../data/tokenize-threads.ts';
import { workerPort } from './workerPort.ts';

export function pageTokenizeThreads(size = Math.min(8, Math.max(1, navigator.hardwareConcurrency || 2))): TokenizeThreads {
  return {
    size,
    spawn: () => workerPort<TokenizeMessage, TokenizeReply>(new Worker(new URL('./tokenizeWorker.ts', import.meta.url), { type: 'module', name: 'tokenize' })),
    // The page's console: the results are the same, only slower.
    note: (message) => console.warn(message),
  };
}

/** Tokenizes on threads from now on, where this runs in a browser's worker that can start them. */
export function setPageTokenizeThreads(): void {
  if (typeof WorkerGlobalScope !== 'undefined' && typeof Worker !== 'undefined') setTokenizeThreads(pageTokenizeThreads());
}
