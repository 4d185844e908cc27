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
  ['evalLoss', 'eval loss'],
];

export function Headline({ runId, totalSteps }: { runId: string; totalSteps: number }) {
  const box = useRef<HTMLDListElement>(null);
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
      for (const [k] of SHOWN) set(k, formatMetric(s.last(k)));
    };
    draw();
    return s.subscribe(draw);
  }, [runId, totalSteps]);
  return (
    <dl className="headline" ref={box} data-testid="headline">
      <div>
        <dt>step</dt>
        <dd data-k="step">—</dd>
      </div>
      {SHOWN.map(([k, label]) => (
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
