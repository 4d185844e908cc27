// What holds a run that starts again from step 0 (it has no checkpoint) before the job would refuse
// it: its own sequence length fits none of its dataset's training examples, as they are now, or
// none is used. Its settings are its own, so the way on is a new run; the Dashboard's and the runs
// table's Start again say so rather than making the same failure again.
import { nothingToTrainReason, useTruncation } from './datasetViews.ts';
import type { StoredRun } from './queries.ts';

/** Null while the examples are counted, with a checkpoint (`restarts` false), or where one fits. */
export function useRestartHeld(run: StoredRun | undefined, restarts: boolean): string | null {
  const train = run?.kind === 'train' && restarts ? run : null;
  const seqLen = train?.config.seqLen ?? 0;
  const counted = useTruncation(train ? train.datasetId : null, seqLen).value;
  return counted && nothingToTrainReason(counted.report, seqLen, { ownSettings: true });
}
