// An ended run whose loss was still falling trains on: from its checkpoint to a new total of steps,
// with its own settings, data and model (`studio train --resume --steps N` does the same). What
// that does to a decaying learning-rate schedule is said before it starts.
import { useState } from 'react';
import { useRuns } from '../../state/runStore.ts';
import { useFirstFieldProblem } from '../../state/fieldProblems.ts';
import type { TrainRunRow } from '../../state/queries.ts';
import { plural, rescheduledStep, trainOnProblem } from '../../worker/protocol.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { NumberField } from '../training/NumberField.tsx';

/** `checkpointStep`: the newest checkpoint with its optimizer state; `held`: why the GPU cannot take a run now. */
export function TrainOn({ run, checkpointStep, held }: { run: TrainRunRow; checkpointStep: number; held: string | null }) {
  const resumeRun = useRuns((s) => s.resumeRun);
  const active = useRuns((s) => s.active !== null);
  const trained = run.lastStep ?? 0;
  // A run stopped short goes on to the length it was planned for; a finished one, as far again.
  const [steps, setSteps] = useState(trained < run.config.steps ? run.config.steps : trained + run.config.steps);
  const fieldProblem = useFirstFieldProblem(['train-on-']);
  const problem = fieldProblem ?? trainOnProblem(run, { step: checkpointStep, adapterOnly: false }, steps);
  const rescheduled = problem ? null : rescheduledStep(run.config, run.config.steps, steps, checkpointStep);
  const off = problem ?? held;
  return (
    <div className="stack train-on" data-testid="train-on">
      <div className="row">
        <NumberField id="train-on-steps" label="Train on to (steps in all)" value={steps} min={trained + 1} integer step={1} onChange={setSteps} />
        <KeepFocusButton data-testid="train-on-start" disabled={active || !!off} reasonId={off ? 'train-on-why' : null} onClick={() => void resumeRun(run.id, steps)}>
          Train on
        </KeepFocusButton>
      </div>
      <p className="small muted" id="train-on-why" data-testid="train-on-note">
        {off
          ? `${off[0].toUpperCase()}${off.slice(1)}.`
          : `${plural(steps - checkpointStep, 'more step')} from step ${checkpointStep}, with the run’s own settings and examples.`}
        {!off && checkpointStep < trained && ` Its checkpoint is step ${checkpointStep}, the step it kept: steps ${checkpointStep + 1}–${trained} are trained again.`}
        {/* The same examples in the same order from the same step: the loss it rose on then it may rise on again. */}
        {!off && checkpointStep < trained && run.config.patience ? ` Its patience (${plural(run.config.patience, 'held-out evaluation')} without a lower loss) counts again from step ${checkpointStep}: those steps found no lower loss before, on the same examples in the same order, so it may stop early again near step ${trained}.` : ''}
        {!off && rescheduled && ` Its ${run.config.schedule} learning-rate schedule is laid over the ${steps} steps: step ${rescheduled.step} trains at ${rescheduled.rate.toExponential(2)} where the schedule over ${run.config.steps} had ${rescheduled.plannedRate.toExponential(2)}, and the rate decays again from there.`}
      </p>
    </div>
  );
}
