// Which adapter a generation job uses: a training run's newest checkpoint (by default the run that
// trained last), an HDR run's retrained adapter, or the base model. Runs are named by their names,
// with their step (or HDR round).
import { adapterLabel, hasAdapter, resolveAdapterRun, useRuns, type AdapterChoice } from '../../state/runStore.ts';

export function AdapterPicker({ id, value, onChange }: { id: string; value: AdapterChoice; onChange: (runId: string) => void }) {
  const all = useRuns((s) => s.runs);
  const runs = all.filter(hasAdapter);
  const shown = resolveAdapterRun(value, all);
  return (
    <div className="field">
      <label htmlFor={id}>Adapter</label>
      <select id={id} value={shown} onChange={(e) => onChange(e.target.value)}>
        <option value="">base model (no adapter)</option>
        {runs.map((r) => (
          <option key={r.id} value={r.id}>
            {adapterLabel(r)}
          </option>
        ))}
      </select>
    </div>
  );
}
