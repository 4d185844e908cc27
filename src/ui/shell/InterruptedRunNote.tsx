// A training run the page was closed or reloaded under, said above every panel: after a reload the
// studio opens on whichever panel the tab showed, and only the Dashboard said the run had stopped
// halfway. Names the newest such run, with the way to resume it; dismissed for this page.
import { useState } from 'react';
import { effectiveStatus, isTrainingRun, resumeVerb, useRuns } from '../../state/runStore.ts';
import { useRunSeriesNumber } from '../../state/runSeries.ts';
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
  const checkpointStep = useRuns((s) => (run ? (s.checkpointSteps.get(run.id) ?? null) : null));
  // As the Dashboard says it: its row keeps the step of its newest checkpoint, its curves went further.
  const curvesStep = useRunSeriesNumber(run?.id ?? '', (s) => s.steps.at(-1) ?? null);
  if (!run || !isTrainingRun(run) || run.id === dismissed) return null;
  const others = cut.length - 1;
  const trained = Math.max(run.lastStep ?? 0, curvesStep ?? 0);
  return (
    <section className="runstrip" aria-label="Interrupted training run" data-testid="interrupted-run">
      <p>
        The run “{run.name ?? run.id}” was interrupted at step {trained} of {run.config.steps} ({interruptedWhy(crashed.has(run.id))}).{' '}
        {others > 0 && `${plural(others, 'other run')} ${others === 1 ? 'was' : 'were'} too. `}
        {resumeVerb(run, checkpointStep) === 'Resume' ? `It resumes from step ${checkpointStep}, its last checkpoint.` : 'It saved no checkpoint: it would start again from step 0.'}
      </p>
      <div className="row">
        <button
          onClick={() => {
            selectRun(run.id);
            onOpenDashboard();
          }}
        >
          {resumeVerb(run, checkpointStep) === 'Resume' ? 'Open it to resume' : 'Open it'}
        </button>
        <button onClick={() => setDismissed(run.id)}>Dismiss</button>
      </div>
    </section>
  );
}
