// Token lengths of the dataset: CoT tokens vs call tokens per example as two histograms on shared
// bins, and the call's share of the target signal (what plain SFT gives it; what SSB rebalances).
// The worker counts the tokens; this draws them.
import { useState } from 'react';
import { LENGTH_BINS as BINS, useDatasetLengths, VIEW_TOKENIZER_NAME } from '../../state/datasetViews.ts';
import { ProgressBar } from '../shell/ProgressBar.tsx';
import { nextPhaseTimes, phaseEtaSeconds, type PhaseTimes } from '../../state/progressEta.ts';
import { formatDuration } from '../format.ts';

export function LengthHistogram({ datasetId, examples }: { datasetId: string; examples: number }) {
  const [progress, setProgress] = useState<{ done: number; total: number; times?: PhaseTimes }>({ done: 0, total: examples });
  // Timed as it comes: counting 60,000 examples takes minutes.
  const { value: lengths, error } = useDatasetLengths(datasetId, BINS, (p) => setProgress((was) => ({ ...p, times: nextPhaseTimes(was.times, 'counting', p.done, performance.now()) })));
  if (error) return <p className="error">{error}</p>;
  if (!lengths) {
    const eta = phaseEtaSeconds(progress.times, progress.total);
    return <ProgressBar label={`Counting tokens (${VIEW_TOKENIZER_NAME})`} done={progress.done} total={progress.total} detail={eta !== null && eta >= 1 ? `about ${formatDuration(eta)} left` : undefined} />;
  }
  const { stats } = lengths;
  // A loop, not Math.max(...cot, ...call): 2·N arguments overflow the stack past ~60k examples.
  const max = [lengths.cot, lengths.call].reduce((m, values) => values.reduce((a, v) => Math.max(a, v), m), 1);
  const width = Math.ceil((max + 1) / BINS);
  // Both histograms over the same range so the bars line up.
  const edges = Array.from({ length: BINS + 1 }, (_, i) => i * width);
  const countIn = (values: number[], i: number) => values.filter((v) => v >= edges[i] && (i === BINS - 1 ? v <= edges[i + 1] : v < edges[i + 1])).length;
  const cot = edges.slice(0, -1).map((_, i) => countIn(lengths.cot, i));
  const call = edges.slice(0, -1).map((_, i) => countIn(lengths.call, i));
  const top = Math.max(1, ...cot, ...call);
  const W = 420;
  const H = 140;
  const L = 34; // room for the y axis labels
  const T = 14; // room above the plot for the y axis title
  const bw = W / BINS;
  return (
    <div className="stack" data-testid="length-histogram">
      <h3>Lengths</h3>
      <p>
        Per example: <span className="seg-cot">CoT {stats.meanCotPerExample.toFixed(0)}</span> vs <span className="seg-call">call {stats.meanCallPerExample.toFixed(0)}</span> tokens on average; the call gets{' '}
        <strong data-testid="call-share">{(stats.callShare * 100).toFixed(1)}%</strong> of the target tokens over all examples (plain SFT's weight on it; the Dashboard gives the share on a run's own batches). The chart counts the answers' tokens; whole examples, with their prompt and tools, are what the sequence length must hold: median {stats.totalTokens.median}, p95 {stats.totalTokens.p95}, max {stats.totalTokens.max} tokens.
        {lengths.failed ? ` ${lengths.failed} examples could not be tokenized.` : ''}
      </p>
      <svg viewBox={`0 0 ${W + L + 4} ${H + T + 30}`} className="histogram" role="img" aria-label={`Histogram of the answers' CoT and call tokens per example, ${BINS} bins of ${width} tokens`}>
        {/* y axis: examples per bin */}
        {[0, Math.ceil(top / 2), top].map((v) => (
          <g key={`y${v}`}>
            <line x1={L - 3} x2={L + W} y1={H - (v / top) * H + T} y2={H - (v / top) * H + T} className="gridline" />
            <text x={L - 6} y={H - (v / top) * H + T + 4} className="axis" textAnchor="end">
              {v}
            </text>
          </g>
        ))}
        <text x={0} y={10} className="axis">
          examples
        </text>
        {cot.map((c, i) => (
          <rect key={`cot${i}`} className="bar-cot" x={L + i * bw + 1} width={bw / 2 - 1} y={H - (c / top) * H + T} height={(c / top) * H}>
            <title>{`CoT ${edges[i]}–${edges[i + 1]} tokens: ${c} examples`}</title>
          </rect>
        ))}
        {call.map((c, i) => (
          <rect key={`call${i}`} className="bar-call" x={L + i * bw + bw / 2} width={bw / 2 - 1} y={H - (c / top) * H + T} height={(c / top) * H}>
            <title>{`call ${edges[i]}–${edges[i + 1]} tokens: ${c} examples`}</title>
          </rect>
        ))}
        {/* x axis: tokens per example, a label every 4 bins */}
        {edges
          .filter((_, i) => i % 4 === 0)
          .map((e, j) => (
            <text key={`x${e}`} x={L + j * 4 * bw} y={H + T + 14} className="axis" textAnchor={j === 0 ? 'start' : j * 4 === BINS ? 'end' : 'middle'}>
              {e}
            </text>
          ))}
        <text x={L + W} y={H + T + 28} className="axis" textAnchor="end">
          answer tokens per example
        </text>
      </svg>
      {/* The bars' counts as a table (a bar's <title> is hover-only, and role="img" hides it). */}
      <details data-testid="length-table">
        <summary>Examples per length bin</summary>
        <table className="limits">
          <thead>
            <tr>
              <th scope="col">tokens</th>
              <th scope="col">CoT</th>
              <th scope="col">call</th>
            </tr>
          </thead>
          <tbody>
            {cot.map((c, i) => (
              <tr key={i}>
                <th scope="row">
                  {edges[i]}–{edges[i + 1]}
                </th>
                <td>{c}</td>
                <td>{call[i]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <p className="legend muted">
        <span className="seg-cot">■ CoT tokens</span> <span className="seg-call">■ call tokens</span> · counted with the {lengths.tokenizer}
      </p>
    </div>
  );
}
