// The runs table: name, kind, status, steps, last losses and α, model, and the actions per run.
import { effectiveStatus, useRuns } from '../../state/runStore.ts';
import { RunActions } from './RunActions.tsx';
import { formatMetric } from '../format.ts';

export function RunsTable({ compare, onToggleCompare, onOpenDashboard }: { compare: string[]; onToggleCompare: (id: string) => void; onOpenDashboard: () => void }) {
  const runs = useRuns((s) => s.runs);
  const active = useRuns((s) => s.active?.runId ?? null);
  const last = useRuns((s) => s.lastMetrics);
  if (runs.length === 0) return <p className="muted">No runs yet. Train one, or drop a snapshot (.zip) on the page to open it.</p>;
  return (
    <div className="tablewrap">
      <table className="runs" data-testid="runs-table">
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Compare</span>
            </th>
            <th scope="col">Run</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Step</th>
            <th scope="col">Loss</th>
            <th scope="col">CoT</th>
            <th scope="col">Call</th>
            <th scope="col">α</th>
            <th scope="col">Model</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const m = last.get(r.id) ?? {};
            const kind = r.kind;
            const steps = r.kind === 'eval' ? undefined : r.config.steps;
            return (
              <tr key={r.id} data-testid={`run-row-${r.id}`}>
                <td>{kind === 'train' && <input type="checkbox" aria-label={`Compare ${r.name ?? r.id}`} checked={compare.includes(r.id)} onChange={() => onToggleCompare(r.id)} />}</td>
                <td>
                  {r.name ?? r.id}
                  {r.readOnly && <span className="chip">read-only</span>}
                  <div className="muted small">{new Date(r.createdAt).toLocaleString()}</div>
                </td>
                <td>{kind}</td>
                <td className={`status-${effectiveStatus(r, active)}`} title={r.message}>
                  {effectiveStatus(r, active)}
                </td>
                <td>
                  {r.lastStep ?? 0}
                  {steps ? ` / ${steps}` : ''}
                </td>
                <td>{formatMetric(m.loss)}</td>
                <td>{formatMetric(m.lossCot)}</td>
                <td>{formatMetric(m.lossCall)}</td>
                <td>{formatMetric(m.alpha, 3)}</td>
                <td className="small">{r.modelRef ?? '—'}</td>
                <td>
                  <RunActions run={r} onOpenDashboard={onOpenDashboard} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
