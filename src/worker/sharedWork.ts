// One piece of work per key at a time, whoever asks for it: a second asker waits on the work under
// way and hears its progress too (the length chart and the truncation note ask for a dataset's
// token counts together; two panels ask for its browse index together).
import type { ProgressInfo } from '../jobs/context.ts';

export interface SharedWork<T> {
  /** The work under way for `key`, or `start`ed now; `onProgress` hears it until it ends. */
  run(key: string, start: (report: (p: ProgressInfo) => void) => Promise<T>, onProgress?: (p: ProgressInfo) => void): Promise<T>;
  /** Whether work for `key` is under way. */
  has(key: string): boolean;
  keys(): IterableIterator<string>;
}

export function sharedWork<T>(): SharedWork<T> {
  const running = new Map<string, { done: Promise<T>; listeners: Set<(p: ProgressInfo) => void> }>();
  return {
    async run(key, start, onProgress) {
      let job = running.get(key);
      if (!job) {
        const listeners = new Set<(p: ProgressInfo) => void>();
        const started = { done: start((p) => listeners.forEach((l) => l(p))), listeners };
        const end = () => {
          if (running.get(key) === started) running.delete(key);
        };
        started.done.then(end, end);
        running.set(key, (job = started));
      }
      if (onProgress) job.listeners.add(onProgress);
      try {
        return await job.done;
      } finally {
        if (onProgress) job.listeners.delete(onProgress);
      }
    },
    has: (key) => running.has(key),
    keys: () => running.keys(),
  };
}
