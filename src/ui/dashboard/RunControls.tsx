// The selected run's status on the dashboard itself, with what can be done from here: while it
// trains the run strip above has its progress, pause and stop; once paused or interrupted, resume
// continues from its newest checkpoint (named, with its step), with the run's own config and model;
// once ended, it trains on to more steps from there (TrainOn).
import { canResume, effectiveStatus, resumeLabel, useRuns } from '../../state/runStore.ts';
import { failedWhen } from '../../worker/protocol.ts';
import { interruptedWhy, useJobs, useResumeHeld } from '../../state/jobStore.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { TrainOn } from './TrainOn.tsx';
import type { StoredRun } from '../../state/queries.ts';
import { useRunSeriesNumber } from '../../state/runSeries.ts';
import { useRestartHeld } from '../../state/restartHeld.ts';

export function RunControls({ run }: { run: StoredRun }) {
  const active = useRuns((s) => s.active?.runId ?? null);
  const checkpointStep = useRuns((s) => s.checkpointSteps.get(run.id) ?? null);
  const resumeRun = useRuns((s) => s.resumeRun);
  const jobRows = useJobs((s) => s.rows);
  const jobKind = useJobs((s) => s.running?.kind ?? null);
  const trainingNow = useRuns((s) => s.trainingNow);
  // Its row reads as one a closed page left: only this page knows its worker died under it.
  const workerEnded = useJobs((s) => s.crashedRows.has(run.id));
  const gpuHeld = useResumeHeld();
  // Without a checkpoint it starts again from step 0 with its own settings: held where they fit nothing.
  const restartHeld = useRestartHeld(run, checkpointStep === null && run.id !== active);
  const resumeHeld = gpuHeld ?? restartHeld;
  // While a run trains its row keeps the step of its newest checkpoint; its curves go further (a
  // page closed between checkpoints, a job's run, another tab's): the step they reached is the one to name.
  const curvesStep = useRunSeriesNumber(run.id, (s) => s.steps.at(-1) ?? null);
  if (run.kind !== 'train' || run.id === active) return null;
  const trained = Math.max(run.lastStep ?? 0, curvesStep ?? 0);
  const status = effectiveStatus(run, active, jobRows, trainingNow);
  const steps = run.config.steps;
  const resumable = canResume(run, active, jobRows, trainingNow);
  const where =
    status === 'done'
      ? run.readOnly
        ? run.lastStep !== undefined && run.lastStep < steps
          ? `Opened read-only from a snapshot: it trained ${run.lastStep} of ${steps} steps. Evaluate it, export it or compare it with your runs.`
          : `Opened read-only from a snapshot: it trained all ${steps} steps. Evaluate it, export it or compare it with your runs; to train it on, open the snapshot as resumable.`
        : run.lastStep !== undefined && run.lastStep < steps
          ? // A run that keeps its best step says which adapter it kept in its message.
            `Stopped at step ${run.lastStep} of ${steps}${run.message ? ` (${run.message})` : ''}${run.config.keepBest ? '.' : '; the adapter of that step is kept.'}`
          : `Finished: ${run.lastStep ?? steps} of ${steps} steps.${run.config.keepBest && run.message ? ` ${sentence(run.message)}.` : ''}`
      : status === 'paused'
        ? `Paused at step ${run.lastStep ?? 0} of ${steps}.`
        : status === 'interrupted'
          ? `Interrupted at step ${trained} of ${steps} (${interruptedWhy(workerEnded)}).`
          : status === 'elsewhere'
            ? `Training in another tab of the studio: step ${trained} of ${steps}. Pause or stop it there.`
          : status === 'running'
            ? `Training as part of ${jobKind === 'hdr' ? 'the HDR run' : jobKind === 'ablation' ? 'the ablation' : 'the running job'}: step ${trained} of ${steps}. Cancel it in its panel.`
          : status === 'failed'
            ? `Failed ${failedWhen(run.lastStep ?? 0, steps)}${run.message ? `: ${run.message}` : ''}.`
            : `Not started yet (${steps} steps planned).`;
  const from = run.startedFrom;
  return (
    <div className="row runcontrols" data-testid="run-controls" data-status={status}>
      <span>
        {where}
        {from && <span data-testid="run-started-from"> Started from the adapter of “{from.name}” ({from.hdr ? `HDR, round ${from.step}` : `step ${from.step}`}).</span>}
      </span>
      {resumable && (
        <KeepFocusButton className="primary" data-testid="dashboard-resume" disabled={active !== null || !!resumeHeld} reasonId={resumeHeld ? 'dashboard-resume-held' : null} onClick={() => void resumeRun(run.id)}>
          {resumeLabel(run, checkpointStep)}
        </KeepFocusButton>
      )}
      {resumable && resumeHeld && (
        <span className="small muted" id="dashboard-resume-held">
          {resumeHeld}
        </span>
      )}
      {/* An ended run of the user's own with a checkpoint to go on from (a read-only snapshot is opened resumable first). */}
      {status === 'done' && !run.readOnly && checkpointStep !== null && <TrainOn key={run.id} run={run} checkpointStep={checkpointStep} held={gpuHeld} />}
    </div>
  );
}

/** A run's message as a sentence of its own. */
const sentence = (words: string) => words.charAt(0).toUpperCase() + words.slice(1);
