// Why a run gets no held-out loss at all: it takes no eval steps, or it has no held-out example to
// measure. One rule and one wording for the eval loss chart and the per-token loss strip beside it,
// which otherwise stand empty (or promise a first eval step that never comes).
import { useRuns } from '../../state/runStore.ts';

/** The reason, in words to follow "No … for this run: ", or null where the run measures a held-out
 * loss (or will, at its first eval step). `evalEvery`: the run's "Eval loss every". */
export function useNoHeldOutLoss(runId: string, evalEvery: number | undefined): string | null {
  // Held-out examples the run measures its loss on (counted as it starts): none, no eval point ever comes.
  const heldOut = useRuns((s) => {
    const run = s.runs.find((r) => r.id === runId);
    return run?.kind === 'train' ? run.setup?.examples.eval : undefined;
  });
  if (evalEvery === 0) return 'it takes no eval steps (its “Eval loss every” is 0)';
  if (heldOut === 0) return 'it has no held-out example to measure (the dataset’s split holds none out, or none fits the sequence length)';
  return null;
}
