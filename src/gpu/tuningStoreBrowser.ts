// The browser side of the tuning store: one IndexedDB database with a table per adapter key, used by
// the worker that owns the GPU. Kept apart from the studio's Dexie database: tuning results are a
// cache the engine may drop at any time, not user data.
import type { TuningStore, TuningTable } from './tuning.ts';

const DB = 'balancesft-kernel-tuning';
const STORE = 'tables';

function open(idb: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = idb.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function run<T>(db: IDBDatabase, mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result as T);
    tx.onerror = () => reject(tx.error);
    // A commit the browser refuses (a full quota: QuotaExceededError) aborts with no error event.
    tx.onabort = () => reject(tx.error ?? new Error('the kernel-tuning write was aborted'));
  });
}

export function indexedDbTuningStore(idb: IDBFactory | undefined = globalThis.indexedDB): TuningStore | null {
  if (!idb) return null;
  let db: Promise<IDBDatabase> | null = null;
  const handle = () => (db ??= open(idb));
  return {
    // Names the browser and its version (Chrome/131…): its WebGPU implementation.
    runtime: globalThis.navigator?.userAgent ?? '',
    async load(key) {
      return ((await run<TuningTable | undefined>(await handle(), 'readonly', (s) => s.get(key))) ?? null);
    },
    async save(key, table) {
      await run(await handle(), 'readwrite', (s) => s.put(table, key));
    },
  };
}
