// Headline numbers of a run (step, losses, α), updated in place from the run series without a
// React render per point.
import { useEffect, useRef } from 'react';
import { runSeries, type MetricKey } from '../../state/runSeries.ts';
import { formatMetric } from '../format.ts';

const SHOWN: Array<[MetricKey, string]> = [
  ['loss', 'loss'],
  ['lossCot', 'CoT loss'],
  ['lossCall', 'call loss'],
  ['alpha', 'α'],
  ['evalLossTokens', 'held-out loss per token'],
];

export function Headline({ runId, totalSteps, loss = 'ssb' }: { runId: string; totalSteps: number; loss?: string }) {
  const box = useRef<HTMLDListElement>(null);
  // Plain SFT has no balance weight (the logged value is the call's token share, not a weight).
  const shown = loss === 'sft' ? SHOWN.filter(([k]) => k !== 'alpha') : SHOWN;
  useEffect(() => {
    const s = runSeries(runId);
    const draw = () => {
      const el = box.current;
      if (!el) return;
      const set = (name: string, text: string) => {
        const dd = el.querySelector(`[data-k="${name}"]`);
        if (dd) dd.textContent = text;
      };
      set('step', `${s.steps.at(-1) ?? 0} / ${totalSteps}`);
      for (const [k] of shown) set(k, formatMetric(s.last(k)));
    };
    draw();
    return s.subscribe(draw);
    // `shown` follows `loss`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runId, totalSteps, loss]);
  return (
    <dl className="headline" ref={box} data-testid="headline">
      <div>
        <dt>step</dt>
        <dd data-k="step">—</dd>
      </div>
      {shown.map(([k, label]) => (
        <div key={k}>
          <dt>{label}</dt>
          <dd data-k={k} data-testid={`headline-${k}`}>
            —
          </dd>
        </div>
      ))}
    </dl>
  );
}
