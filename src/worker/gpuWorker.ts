// Web Worker entry: owns the GPU through StudioEngine and speaks the protocol in ./protocol.ts.
// First: transformers.js must bind to onnxruntime-web (local wasm) before anything imports it.
import '../export/ortGlobal.ts';
import { StudioDb } from '../data/db.ts';
import { StudioEngine } from './engine.ts';
import { tidyStorage } from './tidyStorage.ts';
import { setPageTokenizeThreads } from './tokenizeThreads.ts';
import { serializeError, type WorkerRequest, type WorkerResponse } from './protocol.ts';

const post = (msg: WorkerResponse) => (self as unknown as Worker).postMessage(msg);
setPageTokenizeThreads();
const db = new StudioDb();
const engine = new StudioEngine(self.navigator.gpu, (event) => post({ kind: 'event', event }), db);
void tidyStorage(db).catch(() => undefined);

self.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
  const { kind, id, payload } = ev.data;
  try {
    const handler = engine.handlers[kind] as (p: unknown, progress: (p: unknown) => void) => Promise<unknown>;
    if (!handler) throw new Error(`unknown request "${kind}"`);
    const result = await handler(payload, (progress) => post({ kind: 'progress', id, progress: progress as never }));
    post({ kind: 'return', id, result });
  } catch (err) {
    post({ kind: 'throw', id, error: serializeError(err) });
  }
};

// A request that cannot be deserialized has no id to answer: the page's call for it would wait
// without a word, so the page is told (as client.ts tells of a reply it cannot read).
self.onmessageerror = () => post({ kind: 'event', event: { type: 'message-unreadable', message: 'A request from the page to the GPU worker could not be read, so it never started and will not answer; if a task stays busy, reload the page' } });

// Killed by the browser (out of memory, a crash), the worker sends no word: it holds this lock for as
// long as it lives, and the page, waiting on it, learns it is gone when the browser lets it go.
// (Web Locks and randomUUID exist only in a secure context: elsewhere the worker is ready unwatched.)
if (self.navigator.locks) {
  const lifeLock = `balancesft-worker:${crypto.randomUUID()}`;
  void self.navigator.locks.request(lifeLock, () => (post({ kind: 'event', event: { type: 'worker-ready', lifeLock } }), new Promise<never>(() => undefined)));
} else post({ kind: 'event', event: { type: 'worker-ready' } });
