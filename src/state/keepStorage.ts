// Asks the browser to keep this site's storage (datasets, runs, checkpoints, cached models) under
// storage pressure: without it a "best-effort" origin's IndexedDB and OPFS may be evicted whole.
// Chrome grants or refuses without a prompt; once per page, after the user first stores something.

let asked = false;

export function askToKeepStorage(storage: Pick<StorageManager, 'persist' | 'persisted'> | undefined = globalThis.navigator?.storage): void {
  if (asked || !storage?.persist) return;
  asked = true;
  void (async () => {
    if (!(await storage.persisted?.())) await storage.persist();
  })().catch(() => undefined);
}
