// Which examples of the training set a checkpoint's run owns: its first `trainExamples`, in import
// order. Examples only ever come after them (HDR's samples; an example included later in the file's
// order), and a resume goes on over the run's own alone (trainer.ts resumedTrainingSet). One rule
// for the trainer, which resumes over them, and the Dataset panel's warning (through the worker),
// which names the runs a change to them would stop resuming and no other.
// Never says whether the examples are still the checkpoint's: its digest does (trainer.ts).

/** The run's own examples out of `train`: its first `trainExamples` (all of it where the checkpoint
 * kept no count). */
export function ownPrefix<T>(s: { trainExamples?: number }, train: readonly T[]): T[] {
  return train.slice(0, s.trainExamples ?? train.length);
}

/** Whether including or leaving out the training examples at `changedAt` (places in import order)
 * reaches a run's own examples, the last of which is at `lastOwnAt`: one at or before it changes
 * which examples the first `trainExamples` are; one after it leaves them as they were, and the
 * resume goes on. `changedAt` holds no example the run skipped (too long for its sequence length,
 * or one its template cannot render): never trained on, it is none of its own, and its change
 * leaves the resume going on. Where that cannot be told (another model loaded than the run's), a
 * skipped one is passed in: a warning too many costs less than one too few. */
export function changeReachesOwn(changedAt: Iterable<number>, lastOwnAt: number): boolean {
  for (const at of changedAt) if (at <= lastOwnAt) return true;
  return false;
}
