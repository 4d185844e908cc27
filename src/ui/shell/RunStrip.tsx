// The active run's progress, shown above every panel: step, tokens/s, ETA, and pause/stop.
import { etaSeconds, useRuns } from '../../state/runStore.ts';
import { ProgressBar } from './ProgressBar.tsx';
import { formatDuration } from '../format.ts';

export function RunStrip({ onOpenDashboard }: { onOpenDashboard: () => void }) {
  const active = useRuns((s) => s.active);
  const runs = useRuns((s) => s.runs);
  const pauseRun = useRuns((s) => s.pauseRun);
  const stopRun = useRuns((s) => s.stopRun);
  if (!active) return null;
  const run = runs.find((r) => r.id === active.runId);
  const total = (run?.config as { steps?: number } | undefined)?.steps ?? active.progress?.total ?? 0;
  const p = active.progress;
  const training = p?.label === 'training';
  const eta = training ? etaSeconds(active.stepTimes, total) : null;
  const detail = training
    ? `step ${p.done} / ${total}${p.rate ? ` · ${Math.round(p.rate).toLocaleString()} tokens/s` : ''}${eta !== null ? ` · about ${formatDuration(eta)} left` : ''}`
    : p
      ? `${p.label}…`
      : 'starting…';
  return (
    <section className="runstrip" aria-label="Active training run" data-testid="run-strip">
      <ProgressBar label={`Training ${run?.name ?? active.runId}`} done={training ? p.done : 0} total={training ? total : 0} detail={detail} testId="run-progress" />
      <div className="row">
        <button onClick={onOpenDashboard}>Open dashboard</button>
        <button onClick={() => void pauseRun()} disabled={active.pausing || active.stopping} aria-label="Pause training (saves a checkpoint)">
          {active.pausing ? 'Pausing after this step…' : 'Pause'}
        </button>
        <button onClick={() => void stopRun()} disabled={active.pausing || active.stopping} aria-label="Stop training (saves a checkpoint and ends the run)">
          {active.stopping ? 'Stopping after this step…' : 'Stop'}
        </button>
      </div>
    </section>
  );
}
