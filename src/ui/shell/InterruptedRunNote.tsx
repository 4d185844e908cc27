// A training run the page was closed or reloaded under, said above every panel: after a reload the
// studio opens on whichever panel the tab showed, and only the Dashboard said the run had stopped
// halfway. Names the newest such run, with the way to resume it; dismissed for this page.
import { useState } from 'react';
import { effectiveStatus, isTrainingRun, resumeVerb, useRuns } from '../../state/runStore.ts';
import { useRunSeriesNumber } from '../../state/runSeries.ts';
import { useJobs } from '../../state/jobStore.ts';
import type { StoredRun } from '../../state/queries.ts';
import { interruptedWhy } from '../../worker/protocol.ts';
import { plural } from '../format.ts';

type TrainingRun = Extract<StoredRun, { kind: 'train' }>;

export function InterruptedRunNote({ onOpenDashboard }: { onOpenDashboard: () => void }) {
  const runs = useRuns((s) => s.runs);
  const active = useRuns((s) => s.active?.runId ?? null);
  const trainingNow = useRuns((s) => s.trainingNow);
  const jobRows = useJobs((s) => s.rows);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const cut = runs.filter((r): r is TrainingRun => isTrainingRun(r) && effectiveStatus(r, active, jobRows, trainingNow) === 'interrupted').sort((a, b) => b.updatedAt - a.updatedAt);
  const run = cut[0];
  // Only a run to name reads its curves (every page shows this strip).
  if (!run || run.id === dismissed) return null;
  return <InterruptedRun run={run} others={cut.length - 1} onOpenDashboard={onOpenDashboard} onDismiss={() => setDismissed(run.id)} />;
}

function InterruptedRun({ run, others, onOpenDashboard, onDismiss }: { run: TrainingRun; others: number; onOpenDashboard: () => void; onDismiss: () => void }) {
  const selectRun = useRuns((s) => s.selectRun);
  const crashed = useJobs((s) => s.crashedRows.has(run.id));
  const checkpointStep = useRuns((s) => s.checkpointSteps.get(run.id) ?? null);
  // As the Dashboard says it: its row keeps the step of its newest checkpoint, its curves went further.
  const curvesStep = useRunSeriesNumber(run.id, (s) => s.steps.at(-1) ?? null);
  const trained = Math.max(run.lastStep ?? 0, curvesStep ?? 0);
  const resumes = resumeVerb(run, checkpointStep) === 'Resume';
  return (
    <section className="runstrip" aria-label="Interrupted training run" data-testid="interrupted-run">
      <p>
        The run “{run.name ?? run.id}” was interrupted at step {trained} of {run.config.steps} ({interruptedWhy(crashed)}).{' '}
        {others > 0 && `${plural(others, 'other run')} ${others === 1 ? 'was' : 'were'} too. `}
        {resumes ? `It resumes from step ${checkpointStep}, its last checkpoint.` : 'It saved no checkpoint: it would start again from step 0.'}
      </p>
      <div className="row">
        <button
          onClick={() => {
            selectRun(run.id);
            onOpenDashboard();
          }}
        >
          {resumes ? 'Open it to resume' : 'Open it'}
        </button>
        <button onClick={onDismiss}>Dismiss</button>
      </div>
    </section>
  );
}
