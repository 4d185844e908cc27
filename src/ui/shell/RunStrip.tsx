// The active run's progress, shown above every panel: step, tokens/s, ETA, and pause/stop; before it,
// a start on its way (its run's model loading, its memory plan) with its Cancel. Its live region says
// the run's milestones only (runAnnouncement.ts); it stays mounted after the run ends, so the end is
// heard too.
import { useState } from 'react';
import { DOING_TRAINING, etaSeconds, useRuns } from '../../state/runStore.ts';
import { phaseEtaSeconds } from '../../state/progressEta.ts';
import { ProgressBar } from './ProgressBar.tsx';
import { InterruptedRunNote } from './InterruptedRunNote.tsx';
import { KeepFocusButton } from './KeepFocusButton.tsx';
import { useFocusReturn } from './focusReturn.ts';
import { nextRunAnnouncement, type RunAnnouncement, type RunMoment } from './runAnnouncement.ts';
import { formatBytes, formatDuration } from '../format.ts';
import { examplesDoneText, type ProgressInfo } from '../../worker/protocol.ts';

/** Whether a bar before the first step counts something (a large dataset tokenizing, a large model
 * loading or uploading, for minutes): examples or bytes. */
const countsSomething = (p: ProgressInfo) => !!p.unit && p.total > 1;

/** The bar's words before the first step: what it counts, how far it is, and (`eta`, seconds) how
 * long it has left at its pace so far: tokenizing 60,000 examples takes minutes. */
export function beforeTrainingDetail(p: ProgressInfo | null, eta: number | null = null): string {
  if (!p) return 'starting…';
  if (!countsSomething(p)) return `${p.label}…`;
  const left = eta !== null && eta >= 1 ? ` about ${formatDuration(eta)} left` : '';
  if (p.unit === 'bytes') return `${p.label}: ${formatBytes(p.done)} of ${formatBytes(p.total)}${left ? `,${left}` : '…'}`;
  return `${p.label}: ${examplesDoneText(p)}${left ? `,${left}` : '…'}`;
}

export function RunStrip({ onOpenDashboard }: { onOpenDashboard: () => void }) {
  const active = useRuns((s) => s.active);
  const runs = useRuns((s) => s.runs);
  const lastMetrics = useRuns((s) => s.lastMetrics);
  const pauseRun = useRuns((s) => s.pauseRun);
  const stopRun = useRuns((s) => s.stopRun);
  const startWaiting = useRuns((s) => s.startWaiting);
  const cancelStart = useRuns((s) => s.cancelStart);
  const selectRun = useRuns((s) => s.selectRun);
  const [said, setSaid] = useState<RunAnnouncement | null>(null);
  // Pause or Stop had the focus when the strip went: the panel (main) takes it.
  useFocusReturn(active?.runId ?? null, () => 'main');

  const run = runs.find((r) => r.id === (active?.runId ?? said?.runId));
  const name = run?.name ?? active?.runId ?? said?.runId ?? '';
  const total = (run?.config as { steps?: number } | undefined)?.steps ?? active?.progress?.total ?? 0;
  const p = active?.progress ?? null;
  const training = p?.label === 'training';
  const counted = !training && !!p && countsSomething(p);
  const loss = run ? lastMetrics.get(run.id)?.loss : undefined;
  // A start on its way has no run yet (a new run's is made once its plan lets it): it is told apart by its name.
  const moment: RunMoment | null = active
    ? training
      ? { runId: active.runId, name, phase: 'training', step: p.done, total, loss }
      : { runId: active.runId, name, phase: 'starting' }
    : startWaiting
      ? { runId: `${startWaiting.doing} ${startWaiting.name}`, name: startWaiting.name, phase: 'waiting', doing: startWaiting.doing, words: startWaiting.phase.words }
    : run && said && said.key !== 'ended'
      ? { runId: run.id, name, phase: 'ended', status: run.status, step: run.lastStep ?? 0, message: run.message, loss }
      : null;
  const next = nextRunAnnouncement(said, moment);
  // Kept in state (set while rendering, as React allows for values derived from the last render):
  // the text of a milestone stays as it was said, and the end is known after `active` is gone.
  if (next) setSaid(next);
  const announcer = (
    <p className="sr-only" role="status" data-testid="run-announcer">
      {said?.text}
    </p>
  );
  // A start on its way (its run's model loading, its memory plan), or an export loading its run's
  // model, has sent the run nothing: no pause or stop yet, only Cancel.
  if (!active && startWaiting) {
    const w = startWaiting.phase.progress;
    const startingTraining = startWaiting.doing === DOING_TRAINING;
    const doing = `${startWaiting.doing} ${startWaiting.name}`;
    return (
      <>
        {announcer}
        <section className="runstrip" aria-label={startingTraining ? 'Training run starting' : doing} data-testid="run-strip">
          <ProgressBar label={doing} done={countsSomething(w) ? w.done : 0} total={countsSomething(w) ? w.total : 0} detail={beforeTrainingDetail(w)} testId="run-progress" />
          <div className="row">
            <KeepFocusButton data-testid="run-start-cancel" onClick={() => cancelStart()} aria-label={startingTraining ? 'Cancel starting the training run' : `Cancel ${startWaiting.doing.toLowerCase()} ${startWaiting.name}`}>
              Cancel
            </KeepFocusButton>
          </div>
        </section>
      </>
    );
  }
  if (!active)
    return (
      <>
        {announcer}
        <InterruptedRunNote onOpenDashboard={onOpenDashboard} />
      </>
    );

  const eta = training ? etaSeconds(active.stepTimes, total) : null;
  const detail = training
    ? `step ${p.done} / ${total}${p.rate ? ` · ${Math.round(p.rate).toLocaleString()} tokens/s` : ''}${eta !== null ? ` · about ${formatDuration(eta)} left` : ''}`
    : beforeTrainingDetail(p, p ? phaseEtaSeconds(active.phaseTimes, p.total) : null);
  const ending = active.pausing || active.stopping;
  return (
    <>
      {announcer}
      <section className="runstrip" aria-label="Active training run" data-testid="run-strip">
        <ProgressBar label={`Training ${name}`} done={training || counted ? p.done : 0} total={training ? total : counted ? p.total : 0} detail={detail} testId="run-progress" />
        {/* What it leaves out (examples skipped, HDR samples a resume goes on without): the running
            row's message, written before its first step, so an earlier session's is gone by then. */}
        {training && run?.status === 'running' && run.message && (
          <p className="small muted" data-testid="run-note">
            Note: {run.message}.
          </p>
        )}
        <div className="row">
          {/* The dashboard shows the selected run, which may be another the user looked at since this one started. */}
          <button
            onClick={() => {
              selectRun(active.runId);
              onOpenDashboard();
            }}
          >
            Open dashboard
          </button>
          <KeepFocusButton onClick={() => void pauseRun()} disabled={ending} aria-label="Pause training (saves a checkpoint)">
            {active.pausing ? 'Pausing after this step…' : 'Pause'}
          </KeepFocusButton>
          <KeepFocusButton onClick={() => void stopRun()} disabled={ending} aria-label="Stop training (saves a checkpoint and ends the run)">
            {active.stopping ? 'Stopping after this step…' : 'Stop'}
          </KeepFocusButton>
        </div>
      </section>
    </>
  );
}
