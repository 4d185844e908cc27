// A training run the page was closed or reloaded under, said above every panel: after a reload the
// studio opens on whichever panel the tab showed, and only the Dashboard said the run had stopped
// halfway. Names the newest such run, with the way to resume it; dismissed for this page.
import { useState } from 'react';
import { effectiveStatus, isTrainingRun, useRuns } from '../../state/runStore.ts';
import { useJobs } from '../../state/jobStore.ts';
import { interruptedWhy } from '../../worker/protocol.ts';
import { plural } from '../format.ts';

export function InterruptedRunNote({ onOpenDashboard }: { onOpenDashboard: () => void }) {
  const runs = useRuns((s) => s.runs);
  const active = useRuns((s) => s.active?.runId ?? null);
  const trainingNow = useRuns((s) => s.trainingNow);
  const selectRun = useRuns((s) => s.selectRun);
  const jobRows = useJobs((s) => s.rows);
  const crashed = useJobs((s) => s.crashedRows);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const cut = runs.filter((r) => isTrainingRun(r) && effectiveStatus(r, active, jobRows, trainingNow) === 'interrupted').sort((a, b) => b.updatedAt - a.updatedAt);
  const run = cut[0];
  if (!run || !isTrainingRun(run) || run.id === dismissed) return null;
  const others = cut.length - 1;
  return (
    <section className="runstrip" aria-label="Interrupted training run" data-testid="interrupted-run">
      <p>
        The run “{run.name ?? run.id}” was interrupted at step {run.lastStep ?? 0} of {run.config.steps} ({interruptedWhy(crashed.has(run.id))}).{' '}
        {others > 0 && `${plural(others, 'other run')} ${others === 1 ? 'was' : 'were'} too. `}It resumes from its last checkpoint.
      </p>
      <div className="row">
        <button
          onClick={() => {
            selectRun(run.id);
            onOpenDashboard();
          }}
        >
          Open it to resume
        </button>
        <button onClick={() => setDismissed(run.id)}>Dismiss</button>
      </div>
    </section>
  );
}
