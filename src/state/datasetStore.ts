// Datasets as the page sees them: the stored list, the selected one, and an import in progress
// (detected formats, progress, the result with every rejected record). Imports and deletions run
// in the worker (off the page's thread); this store reads the list back and keeps what to show.
// Never writes a dataset that imported nothing: a file with no usable record is an error and the
// stored data stays as it was (the worker saves nothing then).
import { askToKeepStorage } from './keepStorage.ts';
import { create } from 'zustand';
import { datasetFileStem, type DatasetDeletionPlan, type ExampleSelection, type ImportedFile, type SourceFormat } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { listDatasets, type DatasetRow } from './queries.ts';
import { readPref, writePref } from './localPrefs.ts';
import { nonDatasetMessage } from './fileKinds.ts';
import { fingerprintTag } from './runDifferences.ts';
import { plural, type HubDatasetListing, type HubImportFacts } from '../worker/protocol.ts';
import { useModel } from './modelStore.ts';
import { downloadBytes } from './download.ts';

export type FormatChoice = SourceFormat | 'auto';

/** A Hub dataset's files listed for the user to choose from before anything is downloaded. */
export interface HubChoice extends HubDatasetListing {
  /** The files the user has ticked (the train split's to start with). */
  picked: string[];
  /** Where it was listed from (a mirror; tests serve one); undefined for huggingface.co. */
  baseUrl?: string;
}

export interface LastImport {
  datasetId: string | null;
  files: ImportedFile[];
  /** Rejected records as lines naming the file, the line and the reason (the first thousand). */
  issues: string[];
  issueCount: number;
  imported: number;
  /** The stored dataset the files turned out to be (nothing new saved), and how many of its examples
   * it uses or leaves out otherwise than the files' lines say (it keeps its own choices). */
  alreadyStoredAs?: string;
  choicesKept?: number;
  /** A stored dataset of the same examples split one by one, by name (the import is split by question). */
  storedOneByOneAs?: string;
  /** A Hub import: the repo, the revision read and the other splits' files left out. */
  hub?: HubImportFacts;
}

export interface ImportProgressView {
  /** Downloading a Hub dataset's files, or importing them. */
  phase?: 'download' | 'import';
  /** The user asked to cancel; the import ends at its next chunk. */
  cancelling?: boolean;
  file: string;
  recordsDone: number;
  bytesDone: number;
  bytesTotal: number;
}

/** The examples table's filter, as a selection of the examples it shows. */
export type ShownFilter = Extract<ExampleSelection, { shown: unknown }>['shown'];

/** Many examples' inclusion changed at once: asked (the page shows the count and waits for the
 * user's word), saving (with the worker's progress), or refused (the message says nothing changed). */
export interface ManyInclusion {
  datasetId: string;
  /** Which view asked ('report': the quality report's rule; 'table': the examples on show). */
  from: 'report' | 'table';
  selection: ExampleSelection;
  included: boolean;
  /** How many the page showed; the worker refuses, writing nothing, if it now finds another number. */
  count: number;
  /** The examples in words, for the question and any error ("the 300 examples flagged only by …"). */
  what: string;
  stage: 'asking' | 'saving' | 'failed';
  /** `phase`: what the worker is doing (reading the examples, then saving them), in its words. */
  progress: { done: number; total: number; phase?: string } | null;
  error: string | null;
}

interface DatasetState {
  datasets: DatasetRow[];
  selectedId: string | null;
  formatChoice: FormatChoice;
  /** Import BFCL question files in BFCL's prompt mode (system prompt, Python-call answers). */
  bfclPromptMode: boolean;
  /** Make every calling turn of a conversation an example of its own, not only its last (data/call-turns.ts). */
  everyCallTurn: boolean;
  /** Formats detected for the files being imported, by file name (shown beside the override). */
  detected: Record<string, string>;
  progress: ImportProgressView | null;
  lastImport: LastImport | null;
  error: string | null;
  /** What the user did that is no error (an import they cancelled). */
  notice: string | null;
  /** A Hub dataset's files to choose from, once listed; the id being listed meanwhile. */
  hubChoice: HubChoice | null;
  hubListing: string | null;
  pendingDeletion: DatasetDeletionPlan | null;
  /** The example whose inclusion is being changed (by dataset and id: two datasets may hold the
   * same ids), and why the last change was refused. */
  inclusion: { datasetId: string; exampleId: string; saving: boolean; error: string | null } | null;
  manyInclusion: ManyInclusion | null;
  refreshDatasets(): Promise<void>;
  selectDataset(id: string | null): void;
  setFormatChoice(f: FormatChoice): void;
  setBfclPromptMode(on: boolean): void;
  setEveryCallTurn(on: boolean): void;
  importDataset(files: File[]): Promise<string | null>;
  /** A dataset repo of the Hugging Face Hub by its id (or page address), with the model panel's
   * access token for a gated one; `baseUrl` for a mirror (tests serve one). */
  importHubDataset(repo: string, baseUrl?: string, files?: string[]): Promise<string | null>;
  /** Lists a Hub dataset's files (nothing is downloaded) for the user to choose which to import. */
  listHubDataset(repo: string, baseUrl?: string): Promise<void>;
  /** Ticks or unticks files of the listed Hub dataset (all of them: `paths` of the listing). */
  pickHubFiles(paths: string[], picked: boolean): void;
  /** Imports the ticked files of the listed Hub dataset; when they are the ones it ticked itself, the
   * default choice (so the dataset is named by the repo alone). */
  importHubChoice(): Promise<string | null>;
  closeHubChoice(): void;
  /** Stops the import under way (a Hub dataset's download included) at its next chunk: nothing is
   * saved, and a notice says so. */
  cancelImport(): Promise<void>;
  /** Saves a stored dataset as a JSONL file in the studio's format (importable here again, and by
   * `studio train --data`); `exporting` names it meanwhile. */
  downloadDataset(id: string): Promise<void>;
  exporting: string | null;
  askToDeleteDataset(id: string): Promise<void>;
  confirmDeleteDataset(): Promise<void>;
  cancelDeleteDataset(): void;
  /** Trains on the example (a flagged one too) or leaves it out; the dataset list is read again, so
   * every view stamped by it (counts, fits, the row) asks again. */
  setExampleIncluded(datasetId: string, exampleId: string, included: boolean): Promise<void>;
  /** Asks the user to confirm including (or leaving out) many examples at once; nothing is written yet. */
  askToSetManyIncluded(ask: Pick<ManyInclusion, 'datasetId' | 'from' | 'selection' | 'included' | 'count' | 'what'>): void;
  /** Writes the change asked for (one worker request, one count on the dataset row), then reads the
   * dataset list again as setExampleIncluded does. */
  confirmSetManyIncluded(): Promise<void>;
  cancelSetManyIncluded(): void;
  dismissError(): void;
}

const SELECTED_KEY = 'studio.selectedDataset';
const BFCL_PROMPT_KEY = 'studio.import.bfclPromptMode';
const EVERY_CALL_TURN_KEY = 'studio.import.everyCallTurn';

/** A dataset as the panels name it: its name, and where another dataset has the same name (a file
 * imported again after an edit), its fingerprint's first hex digits. */
export function datasetLabel(d: { name: string; fingerprint: string }, all: ReadonlyArray<{ name: string }>): string {
  return all.filter((o) => o.name === d.name).length > 1 ? `${d.name}${fingerprintTag(d.fingerprint)}` : d.name;
}

/** A dataset name from the files: the first file's stem, plus a count when there are several. */
export function datasetNameOf(files: Array<{ name: string }>): string {
  const stem = files[0] ? datasetFileStem(files[0].name) : 'dataset';
  return files.length > 1 ? `${stem} (+${plural(files.length - 1, 'file')})` : stem;
}

/** The error shown when nothing could be imported: names the first problems so the user can fix them. */
export function nothingImportedMessage(files: Array<{ name: string }>, issues: string[], issueCount = issues.length): string {
  const names = files.map((f) => f.name).join(', ');
  const shown = issues.slice(0, 3);
  const more = issueCount > 3 ? ` (and ${issueCount - 3} more)` : '';
  const why = shown.length ? `: ${shown.join('; ')}${more}` : ': the files contain no records';
  return `No example could be imported from ${names}${why}. Nothing was saved; your existing datasets are unchanged. Fix the file or choose its format with the override, then drop it again.`;
}

/** After an import: what it did, shown; the new dataset (or the one the files already were) listed and selected. */
async function storedImport(result: LastImport, set: (partial: Partial<DatasetState>) => void, get: () => DatasetState): Promise<string | null> {
  set({ lastImport: result });
  if (result.datasetId === null) {
    set({ error: nothingImportedMessage(result.files, result.issues, result.issueCount) });
    return null;
  }
  askToKeepStorage();
  await get().refreshDatasets();
  get().selectDataset(result.datasetId);
  return result.datasetId;
}

/** What to do about a Hub request's failure, by its error's name: a token for a gated dataset, the connection. */
function hubHint(err: unknown, withToken: boolean, again: string): string {
  const name = (err as Error)?.name;
  if (name === 'HubAccessError' && !withToken) return ` Paste an access token (huggingface.co/settings/tokens) under “Access token” in the Model panel and ${again}.`;
  if (name === 'HubNetworkError' || name === 'HubTimeoutError' || name === 'HubTruncatedError') return ` Check your connection and ${again}.`;
  return '';
}

const importCancelled = (what: string) => Object.assign(new Error(`${what} was cancelled; nothing was saved`), { name: 'ImportCancelledError' });

/** A cancelled import (the worker's ImportCancelledError) is said as a notice, not an error. */
function wasCancelled(err: unknown, set: (partial: Partial<DatasetState>) => void): boolean {
  if ((err as Error)?.name !== 'ImportCancelledError') return false;
  const said = (err as Error).message;
  set({ notice: `${said.charAt(0).toUpperCase()}${said.slice(1)}, and your existing datasets are unchanged.` });
  return true;
}

export const useDatasets = create<DatasetState>((set, get) => ({
  datasets: [],
  selectedId: readPref(SELECTED_KEY),
  formatChoice: 'auto',
  // The import's two reading choices are kept across reloads: a user importing conversations in
  // several files ticks them once.
  bfclPromptMode: readPref(BFCL_PROMPT_KEY) === 'true',
  everyCallTurn: readPref(EVERY_CALL_TURN_KEY) === 'true',
  detected: {},
  progress: null,
  lastImport: null,
  error: null,
  notice: null,
  hubChoice: null,
  hubListing: null,
  exporting: null,
  pendingDeletion: null,
  inclusion: null,
  manyInclusion: null,

  async refreshDatasets() {
    const datasets = await listDatasets();
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

  setBfclPromptMode(bfclPromptMode) {
    writePref(BFCL_PROMPT_KEY, bfclPromptMode ? 'true' : null);
    set({ bfclPromptMode });
  },

  setEveryCallTurn(everyCallTurn) {
    writePref(EVERY_CALL_TURN_KEY, everyCallTurn ? 'true' : null);
    set({ everyCallTurn });
  },

  async importDataset(files) {
    if (get().progress) {
      set({ error: 'An import is already running; wait for it to finish, then drop the next file.' });
      return null;
    }
    const wrongKind = await nonDatasetMessage(files);
    if (wrongKind) {
      set({ error: wrongKind, lastImport: null });
      return null;
    }
    const bytesTotal = files.reduce((s, f) => s + f.size, 0);
    set({ error: null, notice: null, lastImport: null, progress: { file: files[0]?.name ?? '', recordsDone: 0, bytesDone: 0, bytesTotal } });
    try {
      const client = engineClient();
      set({ detected: await client.request('detectFormats', { files }) });
      if (get().progress?.cancelling) throw importCancelled(`the import of ${datasetNameOf(files)}`);
      const choice = get().formatChoice;
      const result = await client.request('importDataset', { files, name: datasetNameOf(files), format: choice === 'auto' ? undefined : choice, bfclPromptMode: get().bfclPromptMode, everyCallTurn: get().everyCallTurn }, (p) =>
        set({ progress: { file: p.label, recordsDone: p.items ?? 0, bytesDone: p.done, bytesTotal: p.total, cancelling: get().progress?.cancelling } }),
      );
      return await storedImport(result, set, get);
    } catch (err) {
      if (wasCancelled(err, set)) return null;
      set({ error: `Importing ${datasetNameOf(files)} failed: ${(err as Error).message}. Nothing was saved; your existing datasets are unchanged.` });
      return null;
    } finally {
      set({ progress: null });
    }
  },

  async listHubDataset(repo, baseUrl) {
    const id = repo.trim();
    if (get().hubListing) return;
    if (!id) {
      set({ error: 'Write a Hugging Face dataset id first, as owner/name (like Salesforce/xlam-function-calling-60k).' });
      return;
    }
    set({ error: null, notice: null, hubChoice: null, hubListing: id });
    try {
      const listing = await engineClient().request('listHubDataset', { repo: id, token: useModel.getState().hubToken || undefined, baseUrl });
      set({ hubChoice: { ...listing, picked: listing.chosen, ...(baseUrl ? { baseUrl } : {}) } });
    } catch (err) {
      set({ error: `Looking up ${id} on the Hugging Face Hub failed: ${(err as Error).message}.${hubHint(err, !!useModel.getState().hubToken, 'look it up again')}` });
    } finally {
      set({ hubListing: null });
    }
  },

  pickHubFiles(paths, picked) {
    const choice = get().hubChoice;
    if (!choice) return;
    const now = new Set(choice.picked);
    for (const p of paths) if (picked) now.add(p); else now.delete(p);
    // In the listing's order, whatever order they were ticked in: the import reads them so.
    set({ hubChoice: { ...choice, picked: choice.files.map((f) => f.path).filter((p) => now.has(p)) } });
  },

  importHubChoice() {
    const choice = get().hubChoice;
    if (!choice) return Promise.resolve(null);
    const asListed = choice.picked.length === choice.chosen.length && choice.picked.every((p) => choice.chosen.includes(p));
    return get().importHubDataset(choice.repo, choice.baseUrl, asListed ? undefined : choice.picked);
  },

  closeHubChoice() {
    set({ hubChoice: null });
  },

  async importHubDataset(repo, baseUrl, files) {
    const id = repo.trim();
    if (get().progress) {
      set({ error: 'An import is already running; wait for it to finish, then import the next dataset.' });
      return null;
    }
    if (!id) {
      set({ error: 'Write a Hugging Face dataset id first, as owner/name (like Salesforce/xlam-function-calling-60k).' });
      return null;
    }
    const token = useModel.getState().hubToken || undefined;
    set({ error: null, notice: null, lastImport: null, detected: {}, progress: { phase: 'download', file: id, recordsDone: 0, bytesDone: 0, bytesTotal: 0 } });
    try {
      const choice = get().formatChoice;
      const result = await engineClient().request('importHubDataset', { repo: id, token, baseUrl, ...(files ? { files } : {}), format: choice === 'auto' ? undefined : choice, bfclPromptMode: get().bfclPromptMode, everyCallTurn: get().everyCallTurn }, (p) =>
        set({ progress: { phase: p.unit === 'bytes' ? 'download' : 'import', file: p.label, recordsDone: p.items ?? 0, bytesDone: p.done, bytesTotal: p.total, cancelling: get().progress?.cancelling } }),
      );
      const stored = await storedImport(result, set, get);
      if (stored !== null) set({ hubChoice: null });
      return stored;
    } catch (err) {
      if (wasCancelled(err, set)) return null;
      set({ error: `Importing ${id} from the Hugging Face Hub failed: ${(err as Error).message}.${hubHint(err, !!token, 'import again')} Nothing was saved; your existing datasets are unchanged.` });
      return null;
    } finally {
      set({ progress: null });
    }
  },

  async cancelImport() {
    const progress = get().progress;
    if (!progress || progress.cancelling) return;
    set({ progress: { ...progress, cancelling: true } });
    try {
      // False while the files' formats are still being detected: importDataset sees `cancelling` next.
      await engineClient().request('cancelImport', {});
    } catch (err) {
      set({ error: `Could not cancel the import: ${(err as Error).message}. It goes on; reload the page to stop it.` });
    }
  },

  async downloadDataset(id) {
    if (get().exporting) return;
    const name = get().datasets.find((d) => d.id === id)?.name ?? 'the dataset';
    set({ exporting: id, error: null });
    try {
      const { file, name: fileName } = await engineClient().request('exportDataset', { datasetId: id });
      downloadBytes(file, fileName, 'application/jsonl');
    } catch (err) {
      set({ error: `Could not download “${name}”: ${(err as Error).message}. The stored dataset is unchanged.` });
    } finally {
      set({ exporting: null });
    }
  },

  async askToDeleteDataset(id) {
    try {
      set({ pendingDeletion: await engineClient().request('describeDatasetDeletion', { datasetId: id }) });
    } catch (err) {
      set({ error: `Could not prepare the deletion: ${(err as Error).message}. Reload the page and try again.` });
    }
  },

  async confirmDeleteDataset() {
    const plan = get().pendingDeletion;
    if (!plan) return;
    try {
      await engineClient().request('deleteDataset', { datasetId: plan.datasetId, confirmToken: plan.confirmToken });
      set({ pendingDeletion: null });
      if (get().selectedId === plan.datasetId) get().selectDataset(null);
      await get().refreshDatasets();
    } catch (err) {
      set({ pendingDeletion: null, error: `Deleting "${plan.name}" failed: ${(err as Error).message}. Nothing was removed.` });
    }
  },

  async setExampleIncluded(datasetId, exampleId, included) {
    if (get().inclusion?.saving || savingManyOf(get(), datasetId)) return;
    set({ inclusion: { datasetId, exampleId, saving: true, error: null } });
    try {
      await engineClient().request('setExampleIncluded', { datasetId, exampleId, included });
    } catch (err) {
      const failed = `Could not ${included ? 'include' : 'leave out'} example ${exampleId}`;
      if (await deletedMeanwhile(datasetId, failed)) return set({ inclusion: null });
      // What the example still is (trained on, or evaluated) the toggle says, which knows its side.
      set({ inclusion: { datasetId, exampleId, saving: false, error: `${failed}: ${(err as Error).message}.` } });
      return;
    }
    // Saving… until the list is read again: the toggle would say the old state meanwhile.
    await refreshAfterSaved(`${included ? 'Included' : 'Left out'} example ${exampleId}`);
    set({ inclusion: null });
  },

  askToSetManyIncluded(ask) {
    if (get().manyInclusion?.stage === 'saving') return;
    set({ manyInclusion: { ...ask, stage: 'asking', progress: null, error: null } });
  },

  async confirmSetManyIncluded() {
    const asked = get().manyInclusion;
    if (!asked || asked.stage === 'saving' || savingOneOf(get(), asked.datasetId)) return;
    set({ manyInclusion: { ...asked, stage: 'saving', error: null } });
    const { datasetId, selection, included, count } = asked;
    const onProgress = (p: { label?: string; done?: number; total?: number }) => {
      const now = get().manyInclusion;
      if (now?.stage === 'saving' && p.total) set({ manyInclusion: { ...now, progress: { done: p.done ?? 0, total: p.total, phase: p.label } } });
    };
    try {
      await engineClient().request('setExamplesIncluded', { datasetId, selection, included, expect: count }, onProgress);
    } catch (err) {
      if (await deletedMeanwhile(datasetId, `Could not ${included ? 'include' : 'leave out'} ${asked.what}`)) return set({ manyInclusion: null });
      set({ manyInclusion: { ...asked, stage: 'failed', progress: null, error: `Could not ${included ? 'include' : 'leave out'} ${asked.what}: ${(err as Error).message}. Nothing was changed.` } });
      return;
    }
    set({ manyInclusion: null });
    await refreshAfterSaved(`${included ? 'Included' : 'Left out'} ${asked.what}`);
  },

  cancelSetManyIncluded() {
    if (get().manyInclusion?.stage !== 'saving') set({ manyInclusion: null });
  },

  cancelDeleteDataset() {
    set({ pendingDeletion: null });
  },

  dismissError() {
    set({ error: null });
  },
}));

/** The change of many examples asked from this view (`from`) of this dataset. A question about the
 * examples a table filter shows (`shown`) is that filter's: under another one, "the 40 examples
 * shown" are other examples than those counted, and confirming it would change those unseen. Its
 * progress and refusal are the table's, whatever it shows now. */
export function manyInclusionAsked(s: Pick<DatasetState, 'manyInclusion'>, datasetId: string, from: ManyInclusion['from'], shown?: ShownFilter): ManyInclusion | null {
  const m = s.manyInclusion;
  if (m?.datasetId !== datasetId || m.from !== from) return null;
  if (m.stage !== 'asking' || !shown || !('shown' in m.selection)) return m;
  const asked = m.selection.shown;
  return asked.search === shown.search && asked.rule === shown.rule && (asked.use ?? 'all') === (shown.use ?? 'all') ? m : null;
}

// One change of a dataset's examples at a time: the worker writes each under the dataset's lock and
// refuses another meanwhile ("another change to this dataset is being saved"). The page holds the
// second instead, naming the change it waits for.

/** The change of many of the dataset's examples being saved now, if one is. */
export const savingManyOf = (s: Pick<DatasetState, 'manyInclusion'>, datasetId: string): ManyInclusion | null => (s.manyInclusion?.stage === 'saving' && s.manyInclusion.datasetId === datasetId ? s.manyInclusion : null);

/** The id of the dataset's example whose inclusion is being saved now, if one is. */
export const savingOneOf = (s: Pick<DatasetState, 'inclusion'>, datasetId: string): string | null => (s.inclusion?.saving && s.inclusion.datasetId === datasetId ? s.inclusion.exampleId : null);

/** "Including the 300 examples flagged only by …": a change of many examples as it is saved. */
export const manyInclusionLabel = (m: Pick<ManyInclusion, 'included' | 'what'>) => `${m.included ? 'Including' : 'Leaving out'} ${m.what}`;

/** After a change to examples was saved (`saved`: what, in words): the dataset list read again. A
 * failed read says the change is saved all the same (only a refusal says nothing changed), and is
 * caught here: the page does not wait on the promise. */
export async function refreshAfterSaved(saved: string): Promise<void> {
  try {
    await useDatasets.getState().refreshDatasets();
  } catch (err) {
    useDatasets.setState({ error: `${saved} (saved), but the dataset list could not be read again: ${(err as Error).message}. The counts shown may be out of date; reload the page to see them.` });
  }
}

/** After a change to the dataset's examples `failed` (words for what was asked): whether the
 * dataset is gone (deleted in another tab), said in words, the list read again so the page stops
 * offering it. The refusal's own words ("no dataset …") would name it by its id. */
export async function deletedMeanwhile(datasetId: string, failed: string): Promise<boolean> {
  const { datasets, refreshDatasets } = useDatasets.getState();
  const name = datasets.find((d) => d.id === datasetId)?.name ?? datasetId;
  await refreshDatasets().catch(() => undefined);
  if (useDatasets.getState().datasets.some((d) => d.id === datasetId)) return false;
  useDatasets.setState({ error: `${failed}: the dataset “${name}” is not in the studio any more (deleted, perhaps in another tab).` });
  return true;
}

// Another tab may have imported or deleted a dataset, included or left out its examples, or added
// HDR samples to it while this one was in the background: every view stamped by the list (counts,
// fits, the open example) would say what was. Look again when it is shown.
if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void useDatasets.getState().refreshDatasets().catch(() => undefined);
  });
}
