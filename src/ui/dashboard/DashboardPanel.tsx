// The dashboard: the reasoning-vs-call picture of one run. Losses (total, CoT, call) on one chart,
// the balance weight α, eval losses, learning rate, grad norm and tokens/s, live while training and
// read back from IndexedDB after a reload; a finished run that kept an earlier step (keepBest) has
// it ringed on the eval chart. Charts are re-created when the theme changes.
import type { Theme } from '../App.tsx';
import { keptBestStep, runEndNotice, runEpochBasis, useRuns } from '../../state/runStore.ts';
import { RunPicker } from './RunPicker.tsx';
import { ChartToolbar, RunCharts } from './RunCharts.tsx';
import type { AlphaFacts } from './alphaStory.ts';
import { Headline } from './Headline.tsx';
import { Alert } from '../shell/Alert.tsx';
import { RunControls } from './RunControls.tsx';

/** α's bounds as the run's config says them; none in one that does not (an older run: the defaults). */
function alphaBoundsOf(config: unknown): { alphaMin: number; alphaMax: number } | undefined {
  const c = config as { alphaMin?: number; alphaMax?: number };
  return c.alphaMin === undefined || c.alphaMax === undefined ? undefined : { alphaMin: c.alphaMin, alphaMax: c.alphaMax };
}

export function DashboardPanel({ theme }: { theme: Theme }) {
  const runId = useRuns((s) => s.selectedRunId);
  const run = useRuns((s) => s.runs.find((r) => r.id === runId));
  const keptStep = useRuns((s) => (run ? keptBestStep(run, s.checkpointSteps) : null));
  const error = useRuns((s) => s.error);
  // Where Start training and the guided demo's Train send the user: a start cancelled there says so here too.
  const notice = useRuns((s) => s.notice);
  // The end of the run on show is said in its own line below (RunControls): not twice.
  const saidBelow = !!run?.message && notice === runEndNotice(run.name ?? run.id, run.message);
  const dismissError = useRuns((s) => s.dismissError);
  return (
    <section className="panel" aria-labelledby="dash-title" data-testid="dashboard">
      <div className="row spread">
        <h2 id="dash-title" tabIndex={-1}>Dashboard</h2>
        <RunPicker />
      </div>
      {error && <Alert message={error} onDismiss={dismissError} testId="dashboard-run-error" />}
      {notice && !saidBelow && <Alert kind="notice" message={notice} onDismiss={dismissError} testId="dashboard-run-notice" />}
      {run && <RunControls run={run} />}
      {!run ? (
        <p className="muted">No run yet. Start one in the Training panel; its curves appear here as it trains and stay after a reload.</p>
      ) : (
        <>
          <ChartToolbar runId={run.id} name={run.name ?? run.id} />
          <Headline runId={run.id} totalSteps={(run.config as { steps: number }).steps} loss={(run.config as { loss: string }).loss} epochBasis={runEpochBasis(run)} />
          <RunCharts key={`${run.id}:${theme}`} runId={run.id} loss={(run.config as { loss: string }).loss} rule={(run.config as { balanceRule?: AlphaFacts['rule'] }).balanceRule} alphaBounds={alphaBoundsOf(run.config)} finished={run.status === 'done'} evalEvery={(run.config as { evalEvery?: number }).evalEvery} keptStep={keptStep} />
        </>
      )}
    </section>
  );
}
