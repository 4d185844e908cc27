// Run snapshots in the page: export a stored run as one .zip (a download), open a dropped or
// picked .zip (validated by src/snapshot before anything is written; read-only or resumable), and
// make a share link (summary + curves, compressed into the URL fragment; nothing is uploaded).
// Never renders snapshot text as HTML and never writes a snapshot that failed validation.
import { create } from 'zustand';
import type { ImportMode, SnapshotHoldings } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { useModel } from './modelStore.ts';
import { loadEndText, modelToLoad } from './startPlan.ts';
import { runNameById, useRuns } from './runStore.ts';
import { useDatasets } from './datasetStore.ts';
import { dropRunSeries } from './runSeries.ts';
import { formatBytesShort } from './formatBytesShort.ts';
import { downloadBytes } from './download.ts';
import type { HdrRunRow, TrainRunRow } from './queries.ts';

export type SnapshotOpenMode = ImportMode;

export interface ShareLink {
  runId: string;
  /** What the Runs panel calls the run (its name, else its id). */
  runName: string;
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
  /** Opens each dropped snapshot in turn. */
  importSnapshotFiles(files: File[]): Promise<void>;
  exportSnapshot(runId: string, withDataset: boolean): Promise<void>;
  copyShareLink(runId: string): Promise<void>;
  dismiss(): void;
}

/** A file name from a run name: letters, digits, dot, dash and underscore only. An HDR run's last
 * step is its round (as the pickers say it), not an optimizer step. */
export function snapshotFileName(run: { name?: string; id: string; lastStep?: number; kind?: string }): string {
  const base = (run.name ?? run.id).replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
  return `${base}-${run.kind === 'hdr' ? 'round' : 'step'}${run.lastStep ?? 0}.zip`;
}

/** The export's notice: what the zip holds, and only that (a run with no checkpoint yet has no adapter). */
export function savedSnapshotNotice(name: string, bytes: number, holds: SnapshotHoldings): string {
  const parts = [holds.adapter && 'the PEFT adapter', holds.checkpoint && 'the trainer checkpoint (to resume it)', holds.dataset && 'the dataset'].filter((p): p is string => !!p);
  const saved = `Saved ${name} (${formatBytesShort(bytes)}): run.json with config and metrics`;
  if (parts.length === 0) return `${saved} only; no adapter, as the run has saved no checkpoint yet.`;
  const last = parts.pop()!;
  return `${saved}, ${parts.length ? `${parts.join(', ')}, ` : ''}and ${last}.`;
}

/** A run as the Runs panel names it (its name, else its id), quoted for messages. */
function runTitle(runId: string): string {
  return `“${runNameById(useRuns.getState().runs, runId)}”`;
}

/** A stored run a snapshot can hold, read back fresh (its last step may have moved since the list
 * was read): a training run, or an HDR run that continued one (it travels as that run with HDR's
 * rounds and adapter; the Runs panel offers both). */
async function snapshotRun(runId: string): Promise<TrainRunRow | HdrRunRow> {
  await useRuns.getState().refreshRuns();
  const row = useRuns.getState().runs.find((r) => r.id === runId);
  if (!row) throw new Error('it no longer exists');
  if (row.kind !== 'train' && !(row.kind === 'hdr' && row.fromRunId)) throw new Error(`it is an ${row.kind} run; snapshots hold training runs and the HDR runs that continue them`);
  return row;
}

/**
 * A snapshot describes the adapter with the model's spec. An imported run carries its own summary
 * (and so does an HDR run that continued one: it travels as that run); otherwise the run's model
 * must be the one the worker holds, loaded here where another is (modelToLoad, the rule every start
 * on a run follows) if it can be reopened without the user, as `doing` the run. A run that names no
 * model is the worker's to judge. Null to go on; where the user cancelled that load, the words that say so.
 */
async function ensureModelFor(row: TrainRunRow | HdrRunRow, doing: string): Promise<string | null> {
  const trained = row.kind === 'hdr' ? useRuns.getState().runs.find((r) => r.id === row.fromRunId) : row;
  if (trained?.kind === 'train' && trained.modelSpec) return null;
  const needs = modelToLoad(row, useModel.getState().info?.ref);
  if (!needs) return null;
  if (!needs.source) throw new Error(`it was trained on ${needs.ref}; drop that model's folder in the Model panel first`);
  // Loaded as a resume loads its run's model: on the run strip, with its Cancel.
  const loaded = await useRuns.getState().loadModelForAction(row.name ?? row.id, doing, needs.source);
  return loaded === 'cancelled' ? `cancelled while its model loaded.${loadEndText(needs.source)}` : null;
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

  importSnapshotFile(file) {
    return get().importSnapshotFiles([file]);
  },

  async importSnapshotFiles(files) {
    if (files.length === 0) return;
    const names = files.map((f) => f.name).join(', ');
    if (get().busy) return set({ error: `Wait for “${get().busy}” to finish, then open ${names} again.` });
    const mode = get().openMode;
    set({ busy: `Opening ${names}`, error: null, notice: null });
    // One at a time (each is validated whole before anything is stored); the notice and the error
    // name every file, so none is left out without a word.
    const notices: string[] = [];
    const errors: string[] = [];
    try {
      for (const file of files) {
        try {
          const bytes = new Uint8Array(await file.arrayBuffer());
          const opened = await engineClient().request('importSnapshot', { bytes, label: file.name, mode });
          if (opened.alreadyOpen) {
            useRuns.getState().selectRun(opened.runId);
            notices.push(`“${opened.name}” from ${file.name} is already open here (${mode === 'read-only' ? 'read-only' : 'resumable'}); nothing was added.`);
            continue;
          }
          dropRunSeries(opened.runId);
          await useRuns.getState().refreshRuns();
          await useDatasets.getState().refreshDatasets();
          useRuns.getState().selectRun(opened.runId);
          // Opened as resumable, a run whose checkpoint is at its last step is stored as done: nothing to resume.
          const done = useRuns.getState().runs.find((r) => r.id === opened.runId)?.status === 'done';
          const what = mode === 'read-only' ? 'read-only' : done ? 'finished: its checkpoint is at its last step (the Dashboard’s Train on trains it on to more steps)' : 'ready to resume from its checkpoint';
          notices.push(`Opened “${opened.name}” from ${file.name} (${opened.metricSteps} steps of metrics), ${what}.`);
        } catch (err) {
          // The importer names the file itself when the problem is the file (not one of its entries).
          const message = (err as Error).message;
          const why = message.startsWith(`${file.name}: `) ? message.slice(file.name.length + 2) : message;
          const unchanged = files.length === 1 ? 'Nothing was imported; your runs and datasets are unchanged.' : 'Nothing of it was imported.';
          errors.push(`Could not open ${file.name}: ${why}. ${unchanged}`);
        }
      }
      set({ notice: notices.length ? notices.join(' ') : null, error: errors.length ? errors.join(' ') : null });
    } finally {
      set({ busy: null });
    }
  },

  async exportSnapshot(runId, withDataset) {
    if (get().busy) return;
    // Named before the runs are read again: a run deleted meanwhile is still named as it was shown.
    const title = runTitle(runId);
    set({ busy: `Exporting ${title}`, error: null, notice: null });
    try {
      const row = await snapshotRun(runId);
      const cancelled = await ensureModelFor(row, 'Exporting a snapshot of');
      if (cancelled) return set({ notice: `The snapshot of ${title} was not exported: ${cancelled}` });
      const { zip: bytes, holds } = await engineClient().request('exportSnapshot', { runId, includeDataset: withDataset });
      const name = snapshotFileName(row);
      downloadBytes(bytes, name);
      set({ notice: savedSnapshotNotice(name, bytes.byteLength, holds) });
    } catch (err) {
      set({ error: `Could not export ${title}: ${(err as Error).message}.` });
    } finally {
      set({ busy: null });
    }
  },

  async copyShareLink(runId) {
    if (get().busy) return;
    const title = runTitle(runId);
    set({ busy: `Making a share link for ${title}`, error: null, notice: null });
    try {
      const row = await snapshotRun(runId);
      const cancelled = await ensureModelFor(row, 'Making a share link for');
      if (cancelled) return set({ notice: `No share link for ${title} was made: ${cancelled}` });
      const { fragment } = await engineClient().request('shareLink', { runId });
      const url = `${location.origin}${location.pathname}${fragment}`;
      let copied = false;
      try {
        await navigator.clipboard.writeText(url);
        copied = true;
      } catch {
        // No clipboard permission (or an insecure origin): the link is shown to copy by hand.
      }
      set({ shareLink: { runId, runName: row.name ?? row.id, url, copied } });
    } catch (err) {
      set({ error: `Could not make a share link for ${title}: ${(err as Error).message}.` });
    } finally {
      set({ busy: null });
    }
  },

  dismiss() {
    set({ error: null, notice: null });
  },
}));
