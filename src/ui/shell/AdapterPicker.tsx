// Which adapter a generation job uses: a training run's newest checkpoint (by default the run that
// trained last), an HDR run's retrained adapter, or the base model. Runs are named by their names,
// with their step (or HDR round).
import { adapterLabel, effectiveStatus, hasAdapter, resolveAdapterRun, useRuns, type AdapterChoice } from '../../state/runStore.ts';
import { useJobs } from '../../state/jobStore.ts';

export function AdapterPicker({ id, value, onChange }: { id: string; value: AdapterChoice; onChange: (runId: string) => void }) {
  const all = useRuns((s) => s.runs);
  const adapterRuns = useRuns((s) => s.adapterRuns);
  const checkpointSteps = useRuns((s) => s.checkpointSteps);
  const active = useRuns((s) => s.active?.runId ?? null);
  const trainingNow = useRuns((s) => s.trainingNow);
  const jobRows = useJobs((s) => s.rows);
  // A row a closed page left `running` is interrupted: the rounds it finished left their adapter.
  const runs = all.filter((r) => hasAdapter(r, adapterRuns, effectiveStatus(r, active, jobRows, trainingNow)));
  const shown = resolveAdapterRun(value, all);
  return (
    <div className="field">
      <label htmlFor={id}>Adapter</label>
      <select id={id} value={shown} onChange={(e) => onChange(e.target.value)}>
        <option value="">base model (no adapter)</option>
        {runs.map((r) => (
          <option key={r.id} value={r.id}>
            {adapterLabel(r, checkpointSteps)}
          </option>
        ))}
      </select>
    </div>
  );
}
