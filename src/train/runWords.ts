// How far a failed training run got, in the words the CLI and the page share (studio train's error,
// the page's error line, the run's controls, its notification and the screen reader's announcement).
// Words only: no store, no engine.
import type { RunConfig } from './config.ts';
import { learningRate } from './schedule.ts';

/** When a run failed, after "failed": a run's step is the number of steps it finished (the step that
 * failed is the next, which a message like "diverged at step 3" names), and a run that failed
 * before its first step trained nothing ("after 0 steps" read as if a step had run). `of`: the
 * steps it was to train, said after the steps it finished. */
export function failedWhen(step: number, of?: number): string {
  if (step <= 0) return 'before its first step';
  return `after ${step} step${step === 1 ? '' : 's'}${of === undefined ? '' : ` of ${of}`}`;
}

/** Why an ended training run cannot train on to `steps` in all (null: it can): more steps than it
 * trained, from a checkpoint that holds its optimizer state. A run still to finish resumes instead;
 * one opened read-only is opened resumable first. The studio's "Train on" and `studio train --resume
 * --steps` go on the same way. */
export function trainOnProblem(run: { status: string; lastStep?: number; readOnly?: boolean }, checkpoint: { step: number; adapterOnly: boolean } | undefined, steps: number): string | null {
  const trained = run.lastStep ?? 0;
  if (!Number.isInteger(steps) || steps <= trained) return `training on needs more steps in all than the ${trained} it has trained, as a whole number; got ${steps}`;
  if (run.status !== 'done') return `only an ended run trains on; this one is ${run.status}: resume it instead`;
  if (run.readOnly) return 'it was opened read-only from a snapshot: open the snapshot as resumable to train it on';
  if (!checkpoint || checkpoint.adapterOnly) return 'it kept no checkpoint with its optimizer state to go on from: start a new run';
  return null;
}

/** The first step (1-based) at which a run laid over `steps` in all, not the `planned` steps, trains
 * at another learning rate than planned, after the `trained` steps it keeps, with both rates; null
 * where none differs (a constant rate, or a warm-up that outlasts both). A finished cosine run
 * trained on climbs back up: the curve alone does not say why its loss moved. */
export function rescheduledStep(config: Pick<RunConfig, 'schedule' | 'lr' | 'warmupSteps'>, planned: number, steps: number, trained: number): { step: number; rate: number; plannedRate: number } | null {
  const lrAt = (totalSteps: number, step: number) => learningRate({ kind: config.schedule, lr: config.lr, warmupSteps: config.warmupSteps, totalSteps }, step);
  let step = trained;
  while (step < steps && lrAt(steps, step) === lrAt(planned, step)) step++;
  return step >= steps ? null : { step: step + 1, rate: lrAt(steps, step), plannedRate: lrAt(planned, step) };
}
