// What the studio keeps in this browser, for the Model panel's Storage section: the browser's own
// count of this site's storage (navigator.storage.estimate: used, allowed, and in Chrome how much
// is databases and how much files), whether the browser keeps it when disk space runs low, and the
// Hub dataset files the worker keeps from an import (their Delete). Cached models are the model
// store's (listed above it).
import { create } from 'zustand';
import type { DatasetDownload } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';

export interface StorageEstimate {
  usage: number;
  quota: number;
  /** IndexedDB (datasets, runs, checkpoints) and files (cached models, downloads), where the
   * browser says (Chrome's usageDetails); null elsewhere. */
  databases: number | null;
  files: number | null;
}

interface StorageState {
  estimate: StorageEstimate | null;
  /** Whether the browser keeps this site's storage under pressure; null when it cannot say. */
  persisted: boolean | null;
  downloads: DatasetDownload[];
  clearing: boolean;
  error: string | null;
  refresh(): Promise<void>;
  clearDownloads(): Promise<void>;
}

type Details = { indexedDB?: number; fileSystem?: number };

export async function storageEstimate(storage: Pick<StorageManager, 'estimate'> | undefined = globalThis.navigator?.storage): Promise<StorageEstimate | null> {
  const e = (await storage?.estimate?.().catch(() => undefined)) as (StorageEstimate & { usageDetails?: Details }) | undefined;
  if (e?.usage === undefined || e.quota === undefined) return null;
  const d = e.usageDetails;
  return { usage: e.usage, quota: e.quota, databases: d ? (d.indexedDB ?? 0) : null, files: d ? (d.fileSystem ?? 0) : null };
}

export const useStorage = create<StorageState>((set, get) => ({
  estimate: null,
  persisted: null,
  downloads: [],
  clearing: false,
  error: null,
  async refresh() {
    const [estimate, persisted, downloads] = await Promise.all([
      storageEstimate(),
      globalThis.navigator?.storage?.persisted?.().catch(() => null) ?? Promise.resolve(null),
      engineClient()
        .request('datasetDownloads', {})
        .catch((err: unknown) => {
          set({ error: `Could not list the Hub dataset downloads: ${(err as Error).message}.` });
          return get().downloads;
        }),
    ]);
    set({ estimate, persisted, downloads });
  },
  async clearDownloads() {
    if (get().clearing) return;
    set({ clearing: true, error: null });
    try {
      const left = await engineClient().request('clearDatasetDownloads', {});
      set({ downloads: left, estimate: await storageEstimate() });
    } catch (err) {
      set({ error: `Could not delete the Hub dataset downloads: ${(err as Error).message}.` });
    } finally {
      set({ clearing: false });
    }
  },
}));
