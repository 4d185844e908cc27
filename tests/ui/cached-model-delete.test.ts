// Deleting a cached model whose download is running: the worker is writing its files, so the delete
// failed with advice to "close other tabs" (or, with a plain stream, pulled the files from under the
// download). The model that is loading, like the loaded one, is not offered for deletion.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';

const calls = vi.hoisted(() => ({ deleted: [] as string[], finishLoad: null as null | ((info: unknown) => void) }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: (kind: string) => (kind === 'loadModel' ? new Promise((resolve) => (calls.finishLoad = resolve)) : Promise.resolve(null)),
  }),
}));
vi.mock('../../src/state/cachedModels.ts', () => ({
  listCachedModels: async () => [{ repo: 'Qwen/Qwen3-0.6B', revisions: ['main'], bytes: 10, files: 1, partialFiles: 1 }],
  deleteCachedModel: async (repo: string) => void calls.deleted.push(repo),
}));
const { useModel } = await import('../../src/state/modelStore.ts');
const { CachedModels } = await import('../../src/ui/model/CachedModels.tsx');

describe('deleting a cached model', () => {
  it('refuses the model that is downloading now, saying why, and deletes it once the load ended', async () => {
    const loading = useModel.getState().loadModel({ kind: 'hub', repo: 'Qwen/Qwen3-0.6B' });
    await useModel.getState().refreshCachedModels();
    const html = renderNow(createElement(CachedModels));
    expect(html).toContain('Qwen/Qwen3-0.6B · 1 file · 10 B · one file partly downloaded');
    expect(html).toMatch(/aria-label="Delete the cached files of Qwen\/Qwen3-0.6B" aria-disabled="true" aria-describedby="cached-loading-why">Delete<\/button><span class="small muted" id="cached-loading-why">Loading now: wait for its load to end before deleting its files/);
    await useModel.getState().deleteCachedModel('Qwen/Qwen3-0.6B');
    expect(calls.deleted).toEqual([]);
    expect(useModel.getState().cacheError).toBe('Qwen/Qwen3-0.6B is downloading now: wait for its load to end before deleting its files.');
    calls.finishLoad!({ ref: 'embedded:tiny-qwen3' });
    await loading;
    await useModel.getState().deleteCachedModel('Qwen/Qwen3-0.6B');
    expect(calls.deleted).toEqual(['Qwen/Qwen3-0.6B']);
  });
});
