// A stored dataset's push to a Hugging Face dataset repo as the page sees it: the form open for one
// dataset, the push under way (the worker's progress; Cancel), what landed, or why it did not. The
// worker reads the examples and speaks to the Hub (worker/datasetHubPush.ts); the access token is the
// Model panel's, in memory only.
import { create } from 'zustand';
import { engineClient } from './engine.ts';
import { useModel } from './modelStore.ts';
import { useDatasets } from './datasetStore.ts';
import { formatBytesShort } from './formatBytesShort.ts';
import { readmeOutcomeText, type DatasetHubPushOutcome } from '../worker/protocol.ts';

export interface DatasetPushForm {
  datasetId: string;
  datasetName: string;
}

export interface DatasetPushed extends DatasetHubPushOutcome {
  datasetName: string;
  private: boolean;
}

interface DatasetPushState {
  form: DatasetPushForm | null;
  running: { datasetId: string; label: string; done: number; total: number; unit?: 'bytes'; cancelling?: boolean } | null;
  pushed: DatasetPushed | null;
  error: string | null;
  openForm(form: DatasetPushForm | null): void;
  push(settings: { repo: string; private: boolean; onlyIncluded: boolean }): Promise<void>;
  cancel(): Promise<void>;
  dismiss(): void;
}

export const useDatasetPush = create<DatasetPushState>((set, get) => ({
  form: null,
  running: null,
  pushed: null,
  error: null,
  openForm(form) {
    set({ form, ...(form ? { error: null, pushed: null } : {}) });
  },
  async push(settings) {
    const form = get().form;
    if (!form || get().running) return;
    const token = useModel.getState().hubToken;
    if (!token) {
      set({ error: 'Paste an access token that may write (huggingface.co/settings/tokens) to push.' });
      return;
    }
    set({ running: { datasetId: form.datasetId, label: 'reading the examples', done: 0, total: 0 }, error: null, pushed: null });
    try {
      const out = await engineClient().request('pushDatasetToHub', { datasetId: form.datasetId, repo: settings.repo.trim(), token, private: settings.private, onlyIncluded: settings.onlyIncluded }, (p) =>
        set((s) => ({ running: s.running && { ...s.running, label: p.label, done: p.done ?? 0, total: p.total ?? 0, ...(p.unit === 'bytes' ? { unit: 'bytes' as const } : {}) } })),
      );
      set({ pushed: { ...out, datasetName: form.datasetName, private: settings.private }, form: null });
      // The dataset now names its Hub repo (its row's hubRepo), which the list shows.
      void useDatasets.getState().refreshDatasets().catch(() => undefined);
    } catch (err) {
      const e = err as Error;
      set({ error: e.name === 'AbortError' ? `The push of “${form.datasetName}” was cancelled; nothing was committed to the Hub.` : `Could not push “${form.datasetName}” to the Hub: ${e.message}. Nothing stored here changed.` });
    } finally {
      set({ running: null });
    }
  },
  async cancel() {
    const running = get().running;
    if (!running || running.cancelling) return;
    set({ running: { ...running, cancelling: true } });
    await engineClient()
      .request('cancelDatasetPush', {})
      .catch(() => undefined);
  },
  dismiss() {
    set({ pushed: null, error: null });
  },
}));

/** What a dataset push put on the Hub and how to load it from there. */
export function describeDatasetPushed(p: DatasetPushed): string {
  const bytes = p.files.reduce((n, f) => n + f.bytes, 0);
  const repo = p.created ? `${p.repo}, a new ${p.private ? 'private' : 'public'} dataset repo` : p.repo;
  const kept = p.leftOut ? `; the ${p.leftOut} left out of training stayed here` : '';
  const readme = readmeOutcomeText(p.readme);
  return `Pushed ${p.examples} example${p.examples === 1 ? '' : 's'} of “${p.datasetName}” to ${repo} (data/train.jsonl in OpenAI's messages form and a dataset card, ${formatBytesShort(bytes)}${kept}) as one commit: ${p.commitUrl}. Load it with load_dataset("${p.repo}") in datasets, or import it here by its id.${readme ? ` ${readme}` : ''}`;
}
