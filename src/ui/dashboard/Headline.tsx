// Headline numbers of a run (step, losses, α), updated in place from the run series without a
// React render per point.
import { useEffect, useRef } from 'react';
import { runSeries, type MetricKey } from '../../state/runSeries.ts';
import { formatMetric } from '../format.ts';
import { epochsOfSteps } from '../../worker/protocol.ts';
import type { runEpochBasis } from '../../state/runStore.ts';

const SHOWN: Array<[MetricKey, string]> = [
  ['loss', 'loss'],
  ['lossCot', 'CoT loss'],
  ['lossCall', 'call loss'],
  ['alpha', 'α'],
  ['evalLossTokens', 'held-out loss per token'],
];

/** `epochBasis`: what turns steps into passes over the run's training examples (null before its
 * data is counted: the cell says —). */
export function Headline({ runId, totalSteps, loss = 'ssb', epochBasis = null }: { runId: string; totalSteps: number; loss?: string; epochBasis?: ReturnType<typeof runEpochBasis> }) {
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
      const step = s.steps.at(-1) ?? 0;
      set('step', `${step} / ${totalSteps}`);
      if (epochBasis) set('epochs', epochNumber(epochsOfSteps(step, epochBasis.examples, epochBasis.batchSize, epochBasis.gradAccum)));
      for (const [k] of shown) set(k, formatMetric(s.last(k)));
    };
    draw();
    return s.subscribe(draw);
    // `shown` follows `loss`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runId, totalSteps, loss, epochBasis?.examples, epochBasis?.batchSize, epochBasis?.gradAccum]);
  return (
    <dl className="headline" ref={box} data-testid="headline">
      <div>
        <dt>step</dt>
        <dd data-k="step">—</dd>
      </div>
      <div title="Passes over the run's training examples (those that fit its sequence length) so far">
        <dt>epochs</dt>
        <dd data-k="epochs" data-testid="headline-epochs">
          —
        </dd>
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

/** Passes so far as a headline number: two decimals (a run of a fifth of an epoch says 0.21); under
 * a hundredth, two significant digits as the Training panel says them (3 steps over 1,762 examples
 * read "0.00" here and "0.0017 epochs" there). */
export function epochNumber(epochs: number): string {
  if (epochs >= 100) return epochs.toFixed(0);
  if (epochs >= 0.01 || epochs === 0) return epochs.toFixed(2);
  return epochs < 0.001 ? '<0.001' : String(Number(epochs.toPrecision(2)));
}
