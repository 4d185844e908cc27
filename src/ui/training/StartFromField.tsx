// Where a new run's adapter starts: a new LoRA adapter (A random, B zero: the model as it is), or the
// adapter another run of the loaded model trained (a run on general tool-use data, then on your
// own; an HDR run's retrained adapter), as `studio train --adapter <run folder>` starts. The LoRA
// settings are then that adapter's: the form's LoRA fields take them and are held.
import { adapterLabel, useRuns } from '../../state/runStore.ts';
import { useDatasets } from '../../state/datasetStore.ts';
import { useModel } from '../../state/modelStore.ts';

export function StartFromField({ datasetId }: { datasetId: string | null }) {
  const startFrom = useRuns((s) => s.startFrom);
  const setStartFrom = useRuns((s) => s.setStartFrom);
  const runs = useRuns((s) => s.runs);
  const adapterRuns = useRuns((s) => s.adapterRuns);
  const checkpointSteps = useRuns((s) => s.checkpointSteps);
  const active = useRuns((s) => s.active?.runId ?? null);
  const modelRef = useModel((s) => s.info?.ref ?? null);
  const datasets = useDatasets((s) => s.datasets);
  // Adapters of the loaded model only: another model's LoRA fits none of its layers.
  const offered = runs.filter((r) => (r.kind === 'train' || r.kind === 'hdr') && adapterRuns.has(r.id) && r.modelRef === modelRef && r.id !== active);
  const from = offered.find((r) => r.id === startFrom) ?? null;
  const lora = from && (from.config as { lora?: { rank: number; alpha: number; targets: string[] } }).lora;
  const otherData = from && datasetId !== null && from.datasetId !== datasetId ? (datasets.find((d) => d.id === from.datasetId)?.name ?? 'a dataset no longer stored') : null;
  if (offered.length === 0) return null;
  return (
    <div className="field wide" data-testid="start-from">
      <label htmlFor="cfg-start-from">Start from</label>
      <select id="cfg-start-from" value={from?.id ?? ''} onChange={(e) => setStartFrom(e.target.value || null)}>
        <option value="">a new LoRA adapter (the model as it is)</option>
        {offered.map((r) => (
          <option key={r.id} value={r.id}>
            the adapter of {adapterLabel(r, checkpointSteps)}
          </option>
        ))}
      </select>
      {from && lora && (
        <p className="small muted" data-testid="start-from-note">
          The new run trains on from that adapter, so its LoRA settings are the adapter’s (rank {lora.rank}, alpha {lora.alpha}, on {lora.targets.join(', ')}): the fields below are held to them.
          {otherData && ` It was trained on another dataset (“${otherData}”): a question this dataset holds out that it trained on is answered from memory, which this dataset’s quality report cannot see.`}
        </p>
      )}
    </div>
  );
}
