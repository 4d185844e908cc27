// Datasets as the page sees them: the stored list, the selected one, and an import in progress
// (detected formats, progress, the result with every rejected record). Imports run on the main
// thread; the importer yields between chunks, so the page stays responsive.
// Never writes a dataset that imported nothing: a file with no usable record is an error and the
// stored data stays as it was.
import { create } from 'zustand';
import type { DatasetRow } from '../data/db.ts';
import type { SourceFormat } from '../data/example.ts';
import { detectDatasetFileFormat, importDatasetFiles, type ImportedFile, type ImportProgress } from '../data/import-dataset.ts';
import { formatIssue, type ImportIssue } from '../data/record-error.ts';
import { deleteDataset, describeDatasetDeletion, listDatasets, saveDataset, type DatasetDeletionPlan } from '../data/dataset-store.ts';
import { studioDb } from './db.ts';
import { readPref, writePref } from './localPrefs.ts';

export type FormatChoice = SourceFormat | 'auto';

export interface LastImport {
  datasetId: string | null;
  files: ImportedFile[];
  issues: ImportIssue[];
  imported: number;
}

interface DatasetState {
  datasets: DatasetRow[];
  selectedId: string | null;
  formatChoice: FormatChoice;
  /** Formats detected for the files being imported, by file name (shown beside the override). */
  detected: Record<string, string>;
  progress: ImportProgress | null;
  lastImport: LastImport | null;
  error: string | null;
  pendingDeletion: DatasetDeletionPlan | null;
  refreshDatasets(): Promise<void>;
  selectDataset(id: string | null): void;
  setFormatChoice(f: FormatChoice): void;
  importDataset(files: File[]): Promise<DatasetRow | null>;
  askToDeleteDataset(id: string): Promise<void>;
  confirmDeleteDataset(): Promise<void>;
  cancelDeleteDataset(): void;
  dismissError(): void;
}

const SELECTED_KEY = 'studio.selectedDataset';

/** A dataset name from the files: the first file's stem, plus a count when there are several. */
export function datasetNameOf(files: Array<{ name: string }>): string {
  const stem = files[0]?.name.replace(/^.*[\\/]/, '').replace(/\.(jsonl|ndjson|json)$/i, '') ?? 'dataset';
  return files.length > 1 ? `${stem} (+${files.length - 1} files)` : stem;
}

/** The error shown when nothing could be imported: names the first problems so the user can fix them. */
export function nothingImportedMessage(files: ImportedFile[], issues: ImportIssue[]): string {
  const names = files.map((f) => f.name).join(', ');
  const shown = issues.slice(0, 3).map(formatIssue);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  const why = shown.length ? `: ${shown.join('; ')}${more}` : ': the files contain no records';
  return `No example could be imported from ${names}${why}. Nothing was saved; your existing datasets are unchanged. Fix the file or choose its format with the override, then drop it again.`;
}

export const useDatasets = create<DatasetState>((set, get) => ({
  datasets: [],
  selectedId: readPref(SELECTED_KEY),
  formatChoice: 'auto',
  detected: {},
  progress: null,
  lastImport: null,
  error: null,
  pendingDeletion: null,

  async refreshDatasets() {
    const datasets = await listDatasets(studioDb());
    const selectedId = get().selectedId;
    set({ datasets, selectedId: datasets.some((d) => d.id === selectedId) ? selectedId : (datasets.at(-1)?.id ?? null) });
  },

  selectDataset(id) {
    writePref(SELECTED_KEY, id);
    set({ selectedId: id });
  },

  setFormatChoice(formatChoice) {
    set({ formatChoice });
  },

  async importDataset(files) {
    if (get().progress) {
      set({ error: 'An import is already running; wait for it to finish, then drop the next file.' });
      return null;
    }
    const inputs = files.map((f) => ({ name: f.name, blob: f as Blob }));
    const bytesTotal = files.reduce((s, f) => s + f.size, 0);
    set({ error: null, lastImport: null, progress: { file: files[0]?.name ?? '', filesDone: 0, filesTotal: files.length, recordsDone: 0, bytesDone: 0, bytesTotal } });
    try {
      const detected: Record<string, string> = {};
      for (const f of inputs) detected[f.name] = (await detectDatasetFileFormat(f)) ?? 'not recognised';
      set({ detected });
      const choice = get().formatChoice;
      const result = await importDatasetFiles(inputs, { format: choice === 'auto' ? undefined : choice, onProgress: (progress) => set({ progress }) });
      if (result.examples.length === 0) {
        set({ error: nothingImportedMessage(result.files, result.issues), lastImport: { datasetId: null, files: result.files, issues: result.issues, imported: 0 } });
        return null;
      }
      const row = await saveDataset(studioDb(), { name: datasetNameOf(files), examples: result.examples, issues: result.issues, files: result.files });
      set({ lastImport: { datasetId: row.id, files: result.files, issues: result.issues, imported: result.examples.length } });
      await get().refreshDatasets();
      get().selectDataset(row.id);
      return row;
    } catch (err) {
      set({ error: `Importing ${datasetNameOf(files)} failed: ${(err as Error).message}. Nothing was saved; your existing datasets are unchanged.` });
      return null;
    } finally {
      set({ progress: null });
    }
  },

  async askToDeleteDataset(id) {
    try {
      set({ pendingDeletion: await describeDatasetDeletion(studioDb(), id) });
    } catch (err) {
      set({ error: `Could not prepare the deletion: ${(err as Error).message}. Reload the page and try again.` });
    }
  },

  async confirmDeleteDataset() {
    const plan = get().pendingDeletion;
    if (!plan) return;
    try {
      await deleteDataset(studioDb(), plan.datasetId, plan.confirmToken);
      set({ pendingDeletion: null });
      if (get().selectedId === plan.datasetId) get().selectDataset(null);
      await get().refreshDatasets();
    } catch (err) {
      set({ pendingDeletion: null, error: `Deleting "${plan.name}" failed: ${(err as Error).message}. Nothing was removed.` });
    }
  },

  cancelDeleteDataset() {
    set({ pendingDeletion: null });
  },

  dismissError() {
    set({ error: null });
  },
}));
