// The memory plan for the current training settings: a verdict first (fits / does not fit and
// why, with what to change), then the breakdown, before anything starts.
import { useModel } from '../../state/modelStore.ts';
import { formatBytes } from '../format.ts';

export function MemoryPlanView() {
  const plan = useModel((s) => s.plan);
  const shape = useModel((s) => s.planShape);
  const planError = useModel((s) => s.planError);
  const info = useModel((s) => s.info);
  if (!info) return null;
  if (planError) return <p className="error">{planError}</p>;
  if (!plan || !shape) return <p className="muted">Computing the memory plan…</p>;
  return (
    <div className="stack" data-testid="memory-plan">
      <h3>Memory plan</h3>
      <p className={plan.fits ? 'verdict ok' : 'verdict bad'} data-testid="memory-verdict">
        {plan.fits ? '✓ Fits' : '✗ Does not fit'}: batch {shape.batch} × {shape.seqLen} tokens, LoRA rank {shape.rank} on {shape.targets.join(', ')}
        {shape.recompute ? ', recompute on' : ''} needs about {formatBytes(plan.peakBytes)} of GPU memory at its peak.
      </p>
      {plan.problems.length > 0 && (
        <ul className="error">
          {plan.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {plan.suggestions.length > 0 && (
        <>
          <p>What would fit:</p>
          <ul>
            {plan.suggestions.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        </>
      )}
      <table className="limits">
        <caption>Breakdown</caption>
        <tbody>
          {Object.entries(plan.categories).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{typeof v === 'number' ? formatBytes(v) : String(v)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">largest buffer</th>
            <td>
              {plan.largestBuffer.label}: {formatBytes(plan.largestBuffer.bytes)}
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
