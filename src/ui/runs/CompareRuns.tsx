// Two runs' curves on the same axes: total, CoT and call loss, and α. Run A solid, run B dashed.
import { useRuns } from '../../state/runStore.ts';
import { MetricChart, type ChartLine } from '../dashboard/MetricChart.tsx';

export function CompareRuns({ runIds }: { runIds: [string, string] }) {
  const runs = useRuns((s) => s.runs);
  const name = (id: string) => runs.find((r) => r.id === id)?.name ?? id;
  const [a, b] = runIds;
  const pair = (key: ChartLine['key'], label: string, color: ChartLine['color']): ChartLine[] => [
    { runId: a, key, label: `${label} · ${name(a)}`, color },
    { runId: b, key, label: `${label} · ${name(b)}`, color, dash: [6, 4] },
  ];
  return (
    <div className="stack" data-testid="compare-runs">
      <h3>
        Compare: {name(a)} (solid) vs {name(b)} (dashed)
      </h3>
      <div className="charts">
        <MetricChart title="CoT and call loss" lines={[...pair('lossCot', 'CoT', (c) => c.cot), ...pair('lossCall', 'call', (c) => c.call)]} testId="compare-loss" height={260} />
        <MetricChart title="Balance weight α" lines={pair('alpha', 'α', (c) => c.accent)} testId="compare-alpha" height={260} />
        <MetricChart title="Total loss" lines={pair('loss', 'total', (c) => c.text)} />
        <MetricChart title="Eval loss" lines={pair('evalLoss', 'eval', (c) => c.ok).map((l) => ({ ...l, spanGaps: true }))} />
      </div>
    </div>
  );
}
