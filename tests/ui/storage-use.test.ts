// The Model panel's Storage section: the browser's count of what the studio stores (and, in
// Chrome, how much is databases and how much files), whether the browser keeps it under pressure,
// and the Hub dataset downloads the worker keeps, whose Delete spares one an import reads now.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const worker = vi.hoisted(() => ({
  asked: [] as string[],
  downloads: [] as Array<{ repo: string; bytes: number; files: number; inUse: boolean }>,
  fail: null as Error | null,
}));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: async (kind: string) => {
      worker.asked.push(kind);
      if (worker.fail) throw worker.fail;
      if (kind === 'datasetDownloads') return worker.downloads;
      if (kind === 'clearDatasetDownloads') return (worker.downloads = worker.downloads.filter((d) => d.inUse));
      throw new Error(`unexpected request ${kind}`);
    },
  }),
}));

const { useStorage } = await import('../../src/state/storageStore.ts');
const { StorageUse } = await import('../../src/ui/model/StorageUse.tsx');
const initial = useStorage.getState();
const view = () => renderNow(createElement(StorageUse)).replace(/<!-- -->/g, '');
const MiB = 2 ** 20;

function browserStorage(estimate: object, persisted: boolean | undefined) {
  vi.stubGlobal('navigator', { storage: { estimate: async () => estimate, ...(persisted === undefined ? {} : { persisted: async () => persisted }) } });
}

beforeEach(() => {
  useStorage.setState(initial, true);
  worker.asked.length = 0;
  worker.fail = null;
  worker.downloads = [
    { repo: 'Salesforce/xlam-function-calling-60k', bytes: 48 * MiB, files: 1, inUse: false },
    { repo: 'NousResearch/hermes-function-calling-v1', bytes: 12 * MiB, files: 3, inUse: true },
  ];
});

describe('the Storage section', () => {
  it('says what is stored, of what the browser allows, databases and files apart, and that the browser may clear it', async () => {
    browserStorage({ usage: 1536 * MiB, quota: 100 * 1024 * MiB, usageDetails: { indexedDB: 36 * MiB, fileSystem: 1500 * MiB } }, false);
    await useStorage.getState().refresh();
    const html = view();
    expect(html).toContain('The studio stores 1.5 GiB in this browser, of 100 GiB the browser allows it: 36.0 MiB in databases (datasets, runs, checkpoints) and 1.5 GiB in files (cached models, downloads).');
    expect(html).toContain('The browser may clear it when disk space runs low');
    expect(html).toContain('Hub dataset files kept from an import: Salesforce/xlam-function-calling-60k · 1 file · 48.0 MiB; NousResearch/hermes-function-calling-v1 · 3 files · 12.0 MiB.');
    expect(html).toContain('aria-label="Delete the downloaded files of Salesforce/xlam-function-calling-60k (48.0 MiB)"');
    expect(html).toContain('NousResearch/hermes-function-calling-v1: an import reads it now, so it stays.');
  });

  it('says the total alone where the browser gives no split, and that it keeps it when persisted', async () => {
    browserStorage({ usage: 10 * MiB, quota: 2048 * MiB }, true);
    worker.downloads = [];
    await useStorage.getState().refresh();
    const html = view();
    expect(html).toContain('The studio stores 10.0 MiB in this browser, of 2.0 GiB the browser allows it. The browser keeps it when disk space runs low.');
    expect(html).not.toContain('dataset-downloads');
  });

  it('Delete them asks the worker, and leaves what an import reads; a failure is said', async () => {
    browserStorage({ usage: MiB, quota: 4 * MiB }, undefined);
    await useStorage.getState().refresh();
    view();
    press('Delete them');
    await vi.waitFor(() => expect(useStorage.getState().clearing).toBe(false));
    expect(worker.asked).toEqual(['datasetDownloads', 'clearDatasetDownloads']);
    expect(useStorage.getState().downloads.map((d) => d.repo)).toEqual(['NousResearch/hermes-function-calling-v1']);
    expect(view()).not.toContain('Delete them');
    worker.fail = new Error('the storage is locked');
    await useStorage.getState().clearDownloads();
    expect(useStorage.getState().error).toBe('Could not delete the Hub dataset downloads: the storage is locked.');
    expect(view()).toContain('<p class="error">Could not delete the Hub dataset downloads: the storage is locked.</p>');
  });
});
