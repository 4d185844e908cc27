// Run snapshots in the page: export a stored run as one .zip (a download), open a dropped or
// picked .zip (validated by src/snapshot before anything is written; read-only or resumable), and
// make a share link (summary + curves, compressed into the URL fragment; nothing is uploaded).
// Never renders snapshot text as HTML and never writes a snapshot that failed validation.
import { create } from 'zustand';
import type { ModelSpec } from '../model/config.ts';
import { encodeShareLink, exportRunSnapshot, importSnapshot, RUN_SCHEMA, saveImportedSnapshot, shareSummaryFromRun, snapshotFromDb, type RunJson, type SnapshotRunRow } from '../snapshot/index.ts';
import { studioDb } from './db.ts';
import { engineClient } from './engine.ts';
import { sourceForRef, useModel } from './modelStore.ts';
import { useRuns } from './runStore.ts';
import { useDatasets } from './datasetStore.ts';
import { dropRunSeries } from './runSeries.ts';
import { formatBytesShort } from './formatBytesShort.ts';
import { downloadBytes } from './download.ts';

export type SnapshotOpenMode = 'read-only' | 'resume';

export interface ShareLink {
  runId: string;
  url: string;
  copied: boolean;
}

interface SnapshotState {
  busy: string | null;
  error: string | null;
  notice: string | null;
  openMode: SnapshotOpenMode;
  shareLink: ShareLink | null;
  setOpenMode(m: SnapshotOpenMode): void;
  importSnapshotFile(file: File): Promise<void>;
  exportSnapshot(runId: string, withDataset: boolean): Promise<void>;
  copyShareLink(runId: string): Promise<void>;
  dismiss(): void;
}

/** A file name from a run name: letters, digits, dot, dash and underscore only. */
export function snapshotFileName(run: { name?: string; id: string; lastStep?: number }): string {
  const base = (run.name ?? run.id).replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
  return `${base}-step${run.lastStep ?? 0}.zip`;
}

/**
 * The model spec a snapshot of this run needs. An imported run carries its own summary; otherwise
 * the run's model must be the loaded one (loaded here if it can be reopened without the user).
 */
async function specFor(row: SnapshotRunRow): Promise<ModelSpec | undefined> {
  if (row.modelSpec) return undefined; // snapshotFromDb uses the stored summary
  const ref = row.modelRef;
  if (!ref) throw new Error(`run ${row.id} has no model reference`);
  if (useModel.getState().info?.ref !== ref) {
    const source = sourceForRef(ref);
    if (!source) throw new Error(`run ${row.id} was trained on ${ref}; drop that model's folder in the Model panel first`);
    if (!(await useModel.getState().loadModel(source))) throw new Error(`its model ${ref} could not be loaded (see the Model panel)`);
  }
  const { ref: loaded, spec } = await engineClient().request('modelSpec', {});
  if (loaded !== ref) throw new Error(`the loaded model is ${loaded}, not the run's ${ref}`);
  return spec;
}

async function runRow(runId: string): Promise<SnapshotRunRow> {
  const row = (await studioDb().runs.get(runId)) as SnapshotRunRow | undefined;
  if (!row) throw new Error(`run ${runId} no longer exists`);
  return row;
}


export const useSnapshots = create<SnapshotState>((set, get) => ({
  busy: null,
  error: null,
  notice: null,
  openMode: 'read-only',
  shareLink: null,

  setOpenMode(openMode) {
    set({ openMode });
  },

  async importSnapshotFile(file) {
    if (get().busy) return set({ error: `Wait for “${get().busy}” to finish, then open ${file.name} again.` });
    const mode = get().openMode;
    set({ busy: `Opening ${file.name}`, error: null, notice: null });
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const snapshot = await importSnapshot(bytes, { label: file.name });
      const row = await saveImportedSnapshot(studioDb(), snapshot, mode);
      dropRunSeries(row.id);
      await useRuns.getState().refreshRuns();
      await useDatasets.getState().refreshDatasets();
      useRuns.getState().selectRun(row.id);
      const what = mode === 'resume' ? 'ready to resume from its checkpoint' : 'read-only';
      set({ notice: `Opened “${row.name ?? row.id}” from ${file.name} (${snapshot.run.metrics.length} steps of metrics), ${what}.` });
    } catch (err) {
      set({ error: `Could not open ${file.name}: ${(err as Error).message}. Nothing was imported; your runs and datasets are unchanged.` });
    } finally {
      set({ busy: null });
    }
  },

  async exportSnapshot(runId, withDataset) {
    if (get().busy) return;
    set({ busy: `Exporting ${runId}`, error: null, notice: null });
    try {
      const row = await runRow(runId);
      const bytes = await exportRunSnapshot(studioDb(), runId, { spec: await specFor(row), includeDataset: withDataset });
      const name = snapshotFileName(row);
      downloadBytes(bytes, name);
      set({ notice: `Saved ${name} (${formatBytesShort(bytes.byteLength)}): PEFT adapter, run.json with config and metrics${withDataset ? ', and the dataset' : ''}.` });
    } catch (err) {
      set({ error: `Could not export ${runId}: ${(err as Error).message}.` });
    } finally {
      set({ busy: null });
    }
  },

  async copyShareLink(runId) {
    if (get().busy) return;
    set({ busy: `Making a share link for ${runId}`, error: null, notice: null });
    try {
      const row = await runRow(runId);
      const input = await snapshotFromDb(studioDb(), runId, { spec: await specFor(row), includeCheckpoint: false });
      const run: RunJson = { ...input.run, schema: RUN_SCHEMA, exportedAt: Date.now() };
      const url = `${location.origin}${location.pathname}${encodeShareLink(shareSummaryFromRun(run))}`;
      let copied = false;
      try {
        await navigator.clipboard.writeText(url);
        copied = true;
      } catch {
        // No clipboard permission (or an insecure origin): the link is shown to copy by hand.
      }
      set({ shareLink: { runId, url, copied } });
    } catch (err) {
      set({ error: `Could not make a share link for ${runId}: ${(err as Error).message}.` });
    } finally {
      set({ busy: null });
    }
  },

  dismiss() {
    set({ error: null, notice: null });
  },
}));
