// The chart grid of one run. Line colours follow the token segments: CoT purple, call orange.
import { MetricChart, type ChartLine } from './MetricChart.tsx';
import { TokenLossStrip } from './TokenLossStrip.tsx';

export function runChartLines(runId: string) {
  const line = (key: ChartLine['key'], label: string, color: ChartLine['color'], extra: Partial<ChartLine> = {}): ChartLine => ({ runId, key, label, color, ...extra });
  return {
    losses: [line('loss', 'total loss', (c) => c.text), line('lossCot', 'CoT loss', (c) => c.cot), line('lossCall', 'call loss', (c) => c.call)],
    alpha: [line('alpha', 'α (weight on CoT)', (c) => c.accent)],
    evalLoss: [
      line('evalLoss', 'eval total', (c) => c.text, { spanGaps: true }),
      line('evalLossCot', 'eval CoT', (c) => c.cot, { spanGaps: true }),
      line('evalLossCall', 'eval call', (c) => c.call, { spanGaps: true }),
    ],
    lr: [line('lr', 'learning rate', (c) => c.accent)],
    gradNorm: [line('gradNorm', 'grad norm', (c) => c.bad)],
    tokensPerSecond: [line('tokensPerSecond', 'tokens/s', (c) => c.ok)],
  };
}

export function RunCharts({ runId }: { runId: string }) {
  const l = runChartLines(runId);
  return (
    <div className="charts">
      <MetricChart title="Loss: total, reasoning (CoT) and call" lines={l.losses} testId="chart-loss" height={260} />
      <MetricChart title="Balance weight α (SSB)" lines={l.alpha} testId="chart-alpha" height={260} />
      <MetricChart title="Eval loss (held-out)" lines={l.evalLoss} testId="chart-eval" />
      <MetricChart title="Learning rate" lines={l.lr} testId="chart-lr" />
      <MetricChart title="Gradient norm (before clipping)" lines={l.gradNorm} testId="chart-gradnorm" />
      <MetricChart title="Throughput" lines={l.tokensPerSecond} testId="chart-tps" yLabel="tokens/s" />
      <TokenLossStrip runId={runId} />
    </div>
  );
}
