// Fixing wrong labels: the edit of an example's expected answer under way (the draft in the
// editor's boxes, kept here, not in the component, so leaving the tab loses no typing), the save or
// restore asked of the worker and what the last one did; and an evaluation's kept answers judged
// again against the answers as they are now. One example's answer is edited at a time: another's
// Edit waits until this one is saved or cancelled, so no typing is dropped without a word.
import { create } from 'zustand';
import type { AnswerDraft, RequestMap } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { deletedMeanwhile, refreshAfterSaved } from './datasetStore.ts';
import { useRuns } from './runStore.ts';

export interface ExampleKey {
  datasetId: string;
  exampleId: string;
}

export interface AnswerEdit extends ExampleKey {
  draft: AnswerDraft;
  /** What the boxes held when the edit started: a draft still equal to it has nothing to lose. */
  shown: AnswerDraft;
  saving: boolean;
  /** Why the last save was refused (the draft is kept to fix it). */
  error: string | null;
}

interface AnswerEditState {
  /** The evaluation whose answers are being judged again, and what the last such judging did
   * (`runId`: the evaluation judged again; `judgedId`: the one it made). */
  judging: string | null;
  judged: { runId: string; judgedId: string | null; text: string; failed: boolean } | null;
  /** Judges an evaluation's kept answers again against the expected answers as they are now (no
   * GPU), as an evaluation of its own: its id, or null where it could not (`judged` says why). */
  judgeAgain(runId: string): Promise<string | null>;
  edit: AnswerEdit | null;
  /** What the last save or restore did, said under the example's answer. */
  done: (ExampleKey & { text: string; failed: boolean }) | null;
  /** A restore of the imported answer under way. */
  restoring: ExampleKey | null;
  /** Opens the editor on `shown` (the stored answer), its boxes holding `draft` (a proposal, such as
   * the model's answer) or `shown` itself. */
  start(key: ExampleKey, shown: AnswerDraft, draft?: AnswerDraft): void;
  change(patch: Partial<AnswerDraft>): void;
  cancel(): void;
  save(): Promise<void>;
  restore(key: ExampleKey): Promise<void>;
}

export const sameExample = (a: ExampleKey | null | undefined, b: ExampleKey): boolean => !!a && a.datasetId === b.datasetId && a.exampleId === b.exampleId;

const unchanged = (e: AnswerEdit) => e.draft.reasoning === e.shown.reasoning && e.draft.calls === e.shown.calls && e.draft.content === e.shown.content;

/** Why `key`'s answer cannot be edited now because another example's is (null: it can). */
export function otherEditWaiting(s: Pick<AnswerEditState, 'edit' | 'restoring'>, key: ExampleKey): string | null {
  if (s.edit && !sameExample(s.edit, key) && (s.edit.saving || !unchanged(s.edit))) return `The answer of example ${s.edit.exampleId} is being edited: save or cancel that edit first.`;
  if (s.restoring && !sameExample(s.restoring, key)) return `The imported answer of example ${s.restoring.exampleId} is being restored.`;
  return null;
}

type Saved = RequestMap['saveExampleAnswer'][1];

/** What a saved change left the example (and HDR's samples of it) as, in the words of its inclusion toggle. */
function outcomeText(r: Saved, what: string): string {
  const own = r.included ? `${what}: it passes the quality check and is used.` : `${what}: the quality check flags it (why, above), so it is left out until that is fixed.`;
  const { leftOut, usedAgain } = r.samples;
  const gone = leftOut ? ` ${leftOut === 1 ? '1 HDR sample of it answers' : `${leftOut} HDR samples of it answer`} otherwise: left out.` : '';
  const back = usedAgain ? ` ${usedAgain === 1 ? '1 HDR sample of it answers' : `${usedAgain} HDR samples of it answer`} as it does now: used again.` : '';
  return own + gone + back;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export const useAnswerEdit = create<AnswerEditState>((set, get) => ({
  judging: null,
  judged: null,
  async judgeAgain(runId) {
    if (get().judging) return null;
    set({ judging: runId, judged: null });
    try {
      const r = await engineClient().request('judgeEvaluationAgain', { runId });
      await useRuns.getState().refreshRuns();
      const verdicts = r.changed === 0 ? 'no verdict changed' : `${r.changed} ${r.changed === 1 ? 'verdict' : 'verdicts'} changed`;
      const gone = r.gone ? `; ${r.gone} ${r.gone === 1 ? 'answer to an example' : 'answers to examples'} no longer in the dataset left out` : '';
      set({ judging: null, judged: { runId, judgedId: r.runId, failed: false, text: `Judged its ${r.total} answers again against the expected answers as they are now: ${pct(r.accuracyBefore)} → ${pct(r.accuracy)} (${verdicts}${gone}).` } });
      return r.runId;
    } catch (err) {
      set({ judging: null, judged: { runId, judgedId: null, failed: true, text: `Could not judge its answers again: ${(err as Error).message}.` } });
      return null;
    }
  },
  edit: null,
  done: null,
  restoring: null,

  start(key, shown, draft = shown) {
    if (otherEditWaiting(get(), key) !== null || get().edit?.saving) return;
    // Open already: a proposal replaces what the boxes hold only while nothing was typed there.
    const open = get().edit;
    if (open && sameExample(open, key) && (draft === shown || !unchanged(open))) return;
    set({ edit: { ...key, draft, shown, saving: false, error: null }, done: null });
  },

  change(patch) {
    const e = get().edit;
    if (!e || e.saving) return;
    set({ edit: { ...e, draft: { ...e.draft, ...patch } } });
  },

  cancel() {
    if (!get().edit?.saving) set({ edit: null });
  },

  async save() {
    const e = get().edit;
    if (!e || e.saving) return;
    set({ edit: { ...e, saving: true, error: null } });
    let r: Saved;
    try {
      r = await engineClient().request('saveExampleAnswer', { datasetId: e.datasetId, exampleId: e.exampleId, answer: e.draft });
    } catch (err) {
      if (await deletedMeanwhile(e.datasetId, `Could not save the answer of example ${e.exampleId}`)) return set({ edit: null });
      set({ edit: { ...e, saving: false, error: `Not saved: ${(err as Error).message}.` } });
      return;
    }
    // Saving… until the list is read again: the example on show would be the old one meanwhile.
    await refreshAfterSaved(`The answer of example ${e.exampleId}`);
    set({ edit: null, done: { datasetId: e.datasetId, exampleId: e.exampleId, text: outcomeText(r, r.edited ? 'Saved' : 'Saved (the answer it was imported with)'), failed: false } });
  },

  async restore(key) {
    if (get().restoring || sameExample(get().edit, key)) return;
    set({ restoring: key, done: null });
    try {
      const r = await engineClient().request('saveExampleAnswer', { ...key, answer: 'imported' });
      await refreshAfterSaved(`The imported answer of example ${key.exampleId}`);
      set({ restoring: null, done: { ...key, text: outcomeText(r, 'The imported answer is back'), failed: false } });
    } catch (err) {
      if (await deletedMeanwhile(key.datasetId, `Could not restore the answer of example ${key.exampleId}`)) return set({ restoring: null });
      set({ restoring: null, done: { ...key, text: `Could not restore the imported answer: ${(err as Error).message}.`, failed: true } });
    }
  },
}));
