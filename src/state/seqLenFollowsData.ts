// The Training form's sequence length follows the chosen dataset until the user types one: the
// length that fits 95% of its examples whole, within the model's context, as `studio train` takes
// it by default. A fixed default skipped most examples of a dataset longer than the demo's, and only
// a warning said so.
import { useLayoutEffect } from 'react';
import { useSuggestedSeqLen } from './datasetViews.ts';
import { useModel } from './modelStore.ts';
import { useRuns } from './runStore.ts';

/** The length the data gives the form now, or null to leave the form as it is: the user typed one,
 * a run trains (the form is theirs while it does), the data is not counted yet, or it is the form's
 * already. Past the model's context the run would be refused: the context is the most it gives. */
export function dataSeqLen(s: { follows: boolean; training: boolean; seqLen: number; suggested?: number; context?: number }): number | null {
  if (!s.follows || s.training || s.suggested === undefined) return null;
  const offered = Math.min(s.suggested, s.context ?? Infinity);
  return offered === s.seqLen ? null : offered;
}

/** The sequence length a run started now takes: the data's where the form follows it, else the
 * draft's. What the form and its notes show: the draft takes the data's in an effect, after a render
 * that would have said the length before (the notes at 320 for a frame once the counts came). */
export function useRunSeqLen(datasetId: string | null): number {
  const follows = useRuns((s) => s.seqLenFollowsData);
  const seqLen = useRuns((s) => s.draft.seqLen);
  const training = useRuns((s) => s.active !== null);
  const context = useModel((s) => s.info?.maxPositionEmbeddings);
  // The suggestion alone: a truncation report at this length would be counted for nothing.
  const suggested = useSuggestedSeqLen(follows ? datasetId : null);
  return dataSeqLen({ follows, training, seqLen, suggested, context }) ?? seqLen;
}

/** Keeps the draft's sequence length on the dataset's suggestion while it follows the data
 * (the panels whose runs take the draft: Training and Ablation); returns useRunSeqLen's. */
export function useSeqLenFollowsData(datasetId: string | null): number {
  const seqLen = useRuns((s) => s.draft.seqLen);
  const runSeqLen = useRunSeqLen(datasetId);
  // Before the browser paints: nothing reads the draft's old length on screen.
  useLayoutEffect(() => {
    if (runSeqLen !== seqLen) useRuns.getState().updateDraft({ seqLen: runSeqLen });
  }, [runSeqLen, seqLen]);
  return runSeqLen;
}
