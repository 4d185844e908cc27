// How far a failed training run got, in the words the CLI and the page share (studio train's error,
// the page's error line, the run's controls, its notification and the screen reader's announcement).
// Words only: no store, no engine.

/** When a run failed, after "failed": a run's step is the number of steps it finished (the step that
 * failed is the next, which a message like "diverged at step 3" names), and a run that failed
 * before its first step trained nothing ("after 0 steps" read as if a step had run). `of`: the
 * steps it was to train, said after the steps it finished. */
export function failedWhen(step: number, of?: number): string {
  if (step <= 0) return 'before its first step';
  return `after ${step} step${step === 1 ? '' : 's'}${of === undefined ? '' : ` of ${of}`}`;
}
