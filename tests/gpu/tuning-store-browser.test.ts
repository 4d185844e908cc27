// The browser's tuning store (IndexedDB): a write the browser refuses must fail, not hang, since the
// autotune (and so a job's preparation) awaits it.
import { indexedDB } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { KernelTuning } from '../../src/gpu/tuning.ts';
import { indexedDbTuningStore } from '../../src/gpu/tuningStoreBrowser.ts';

/** An IndexedDB whose writes abort after their requests succeeded, as a full origin quota does: the
 * commit fails with QuotaExceededError, an `abort` event and no `error` event. */
function quotaFullIdb(): IDBFactory {
  return {
    open(name: string, version?: number) {
      const req = indexedDB.open(name, version);
      req.addEventListener('success', () => {
        const db = req.result;
        const transaction = db.transaction.bind(db);
        db.transaction = ((stores: string, mode: IDBTransactionMode) => {
          const tx = transaction(stores, mode);
          if (mode !== 'readwrite') return tx;
          const objectStore = tx.objectStore.bind(tx);
          tx.objectStore = (n: string) => {
            const s = objectStore(n);
            const put = s.put.bind(s);
            s.put = (value: unknown, key?: IDBValidKey) => {
              const r = put(value, key);
              r.addEventListener('success', () => tx.abort());
              return r;
            };
            return s;
          };
          return tx;
        }) as typeof db.transaction;
      });
      return req;
    },
  } as unknown as IDBFactory;
}

const settled = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p.then(() => 'saved', () => 'failed'), new Promise<string>((r) => setTimeout(() => r('still waiting'), ms))]);

describe('the IndexedDB tuning store', () => {
  it('keeps a table per adapter key', async () => {
    const store = indexedDbTuningStore(indexedDB)!;
    const table = { version: 1 as const, ops: { matmul: { sourceHash: 'h', choices: { c: { kind: 'register' } } } } };
    await store.save('adapter-A', table);
    expect(await store.load('adapter-A')).toEqual(table);
    expect(await store.load('adapter-B')).toBeNull();
  });

  it('measures under the browser it runs in, by its user agent (Chrome/131…): an update retunes', () => {
    vi.stubGlobal('navigator', { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36' });
    try {
      expect(indexedDbTuningStore(indexedDB)!.runtime).toContain('Chrome/131');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('a write the browser aborts (quota full) rejects, and a tuning save then returns, to retry later', async () => {
    const store = indexedDbTuningStore(quotaFullIdb())!;
    expect(await settled(store.save('adapter-A', { version: 1, ops: {} }), 2000)).toBe('failed');
    const tuning = new KernelTuning('adapter-A', store);
    tuning.set('matmul', 'h', 'c', { kind: 'register' });
    expect(await settled(tuning.save(), 2000)).toBe('saved');
  });
});
