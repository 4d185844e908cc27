// The page asks the browser once to keep its storage (runs, datasets, cached models) under pressure,
// and not at all when it already does.
import { beforeEach, describe, expect, it, vi } from 'vitest';

async function fresh() {
  vi.resetModules();
  return (await import('../../src/state/keepStorage.ts')).askToKeepStorage;
}

describe('keeping the site’s storage', () => {
  beforeEach(() => vi.restoreAllMocks());

  it('asks once per page, after something is stored', async () => {
    const ask = await fresh();
    const storage = { persisted: vi.fn(async () => false), persist: vi.fn(async () => true) };
    ask(storage);
    ask(storage);
    await vi.waitFor(() => expect(storage.persist).toHaveBeenCalledTimes(1));
    expect(storage.persisted).toHaveBeenCalledTimes(1);
  });

  it('does not ask when the storage is kept already, and is quiet where the API is missing or refuses', async () => {
    const storage = { persisted: vi.fn(async () => true), persist: vi.fn(async () => true) };
    (await fresh())(storage);
    await vi.waitFor(() => expect(storage.persisted).toHaveBeenCalled());
    expect(storage.persist).not.toHaveBeenCalled();
    (await fresh())(undefined);
    (await fresh())({ persisted: async () => false, persist: async () => Promise.reject(new Error('denied')) });
  });
});
