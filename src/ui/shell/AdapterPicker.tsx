// Which adapter a generation job uses: the base model, or a training run's newest checkpoint.
import { isTrainingRun, useRuns } from '../../state/runStore.ts';

export function AdapterPicker({ id, value, onChange }: { id: string; value: string; onChange: (runId: string) => void }) {
  const runs = useRuns((s) => s.runs).filter(isTrainingRun);
  return (
    <div className="field">
      <label htmlFor={id}>Adapter</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">base model (no adapter)</option>
        {runs.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name ?? r.id} (step {r.lastStep ?? 0})
          </option>
        ))}
      </select>
    </div>
  );
}
