// Splitting a stored dataset again: another share held out, or another seed, or by question a
// dataset split example by example before splits went by question. The import holds out 10% by a
// seeded hash of what each example asks; 10% of 150 examples is 15 questions, whose accuracy a
// single answer moves by 7 points, and 10% of 60,000 is more than any evaluation asks. The worker
// recomputes every example's side in one transaction. Runs trained on the dataset keep their
// adapters, curves and evaluations, but a resume or train-on is refused (its training examples
// changed), so the user is asked first when the dataset has runs.
import { create } from 'zustand';
import { engineClient } from './engine.ts';
import { deletedMeanwhile, refreshAfterSaved, useDatasets } from './datasetStore.ts';
import { useRuns } from './runStore.ts';
import { heldOutPercentProblem, plural, seedProblem, splitText, type SplitSettings } from '../worker/protocol.ts';


export interface ResplitAsk {
  datasetId: string;
  split: SplitSettings;
  /** The training runs of the dataset, by name: what the question warns about (none: not asked). */
  runs: string[];
  stage: 'asking' | 'saving' | 'failed';
  error: string | null;
}

interface ResplitState {
  asked: ResplitAsk | null;
  /** What the last split did, in words, and of which dataset. */
  notice: { datasetId: string; text: string } | null;
  /** Splits the dataset again, first asking when runs were trained on it. */
  askToResplit(datasetId: string, split: SplitSettings): Promise<void>;
  confirmResplit(): Promise<void>;
  cancelResplit(): void;
  dismissNotice(): void;
}

/** Why the form's split cannot be asked for (null: it can), in the form's words. */
export function splitProblem(percent: number, seed: number): string | null {
  const share = heldOutPercentProblem(percent);
  if (share) return `the share held out ${share}`;
  const seedSaid = seedProblem(seed);
  return seedSaid ? `the split's seed ${seedSaid}` : null;
}

export const useResplit = create<ResplitState>((set, get) => ({
  asked: null,
  notice: null,

  async askToResplit(datasetId, split) {
    if (get().asked?.stage === 'saving') return;
    const runs = useRuns
      .getState()
      .runs.filter((r) => r.datasetId === datasetId && r.kind === 'train')
      .map((r) => `“${r.name ?? r.id}”`);
    set({ asked: { datasetId, split, runs, stage: 'asking', error: null }, notice: null });
    if (runs.length === 0) await get().confirmResplit();
  },

  async confirmResplit() {
    const asked = get().asked;
    if (!asked || asked.stage === 'saving') return;
    set({ asked: { ...asked, stage: 'saving', error: null } });
    const name = useDatasets.getState().datasets.find((d) => d.id === asked.datasetId)?.name ?? asked.datasetId;
    let done: { moved: number; heldOut: number; examples: number };
    try {
      done = await engineClient().request('resplitDataset', { datasetId: asked.datasetId, split: asked.split });
    } catch (err) {
      const failed = `Could not split “${name}” again`;
      if (await deletedMeanwhile(asked.datasetId, failed)) return set({ asked: null });
      return set({ asked: { ...asked, stage: 'failed', error: `${failed}: ${(err as Error).message}. Its split is as it was.` } });
    }
    set({
      asked: null,
      notice: { datasetId: asked.datasetId, text: `Split again: ${splitText(asked.split)}, ${done.heldOut} of ${plural(done.examples, 'example')} held out now; ${plural(done.moved, 'example')} changed side.` },
    });
    await refreshAfterSaved(`Split “${name}” again`);
  },

  cancelResplit() {
    if (get().asked?.stage !== 'saving') set({ asked: null });
  },

  dismissNotice() {
    set({ notice: null });
  },
}));
