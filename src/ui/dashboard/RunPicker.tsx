// Which run the dashboard shows.
import { effectiveStatus, isTrainingRun, runStatusText, useRuns } from '../../state/runStore.ts';
import { useJobs } from '../../state/jobStore.ts';

export function RunPicker() {
  const all = useRuns((s) => s.runs);
  const runs = all.filter(isTrainingRun);
  const selected = useRuns((s) => s.selectedRunId);
  const active = useRuns((s) => s.active?.runId ?? null);
  const selectRun = useRuns((s) => s.selectRun);
  const jobRows = useJobs((s) => s.rows);
  const crashedRows = useJobs((s) => s.crashedRows);
  const trainingNow = useRuns((s) => s.trainingNow);
  if (runs.length === 0) return null;
  return (
    <div className="field inline">
      <label htmlFor="dash-run">Run</label>
      <select id="dash-run" value={selected ?? ''} onChange={(e) => selectRun(e.target.value)}>
        {runs.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name ?? r.id} · {runStatusText(effectiveStatus(r, active, jobRows, trainingNow), crashedRows.has(r.id))}
            {r.readOnly ? ' · read-only' : ''}
          </option>
        ))}
      </select>
    </div>
  );
}
