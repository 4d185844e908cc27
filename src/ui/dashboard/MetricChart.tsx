// One uPlot chart of some metrics of one or more runs. Mounts the chart once, draws what the run
// series hold (read from Dexie), and redraws on every live point by calling setData directly:
// no React render per point. Writes data-points / data-last-step / data-digest on its element
// so the curve's identity is visible to tests.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { runSeries, type MetricKey } from '../../state/runSeries.ts';
import { alignColumns } from './alignColumns.ts';
import { chartColors, type ChartColors } from './chartTheme.ts';
import { seriesDigest } from './seriesDigest.ts';
import { formatTicks } from './tickFormat.ts';

export interface ChartLine {
  runId: string;
  key: MetricKey;
  label: string;
  color: (c: ChartColors) => string;
  dash?: number[];
  /** Sparse metrics (eval loss) connect their points across the steps without a value. */
  spanGaps?: boolean;
}

export function MetricChart({ title, lines, height = 220, testId, yLabel }: { title: string; lines: ChartLine[]; height?: number; testId?: string; yLabel?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const linesKey = lines.map((l) => `${l.runId}:${l.key}`).join('|');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const colors = chartColors();
    const series = new Map(lines.map((l) => [l.runId, runSeries(l.runId)]));
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false } },
      axes: [
        { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid }, label: 'step' },
        { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid }, label: yLabel, size: 70, values: (_u: uPlot, splits: number[]) => formatTicks(splits) },
      ],
      series: [{ label: 'step' }, ...lines.map((l) => ({ label: l.label, stroke: l.color(colors), width: 2, dash: l.dash, spanGaps: l.spanGaps, points: { show: l.spanGaps ?? false } }))],
    };
    const empty: uPlot.AlignedData = [[], ...lines.map(() => [])];
    const plot = new uPlot(opts, empty, el);
    const draw = () => {
      const { x, ys } = alignColumns(lines, series);
      plot.setData([x, ...ys] as uPlot.AlignedData);
      el.dataset.points = String(x.length);
      el.dataset.lastStep = String(x.at(-1) ?? 0);
      el.dataset.digest = seriesDigest([x, ...ys]);
      el.dataset.nonNull = String(ys.map((y) => y.filter((v) => v !== null).length).join(','));
    };
    draw();
    const unsubs = [...series.values()].map((s) => s.subscribe(draw));
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      unsubs.forEach((u) => u());
      resize.disconnect();
      plot.destroy();
    };
    // linesKey captures lines' identity; the colour functions are static.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [linesKey, height, yLabel]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-canvas" data-testid={testId} role="img" aria-label={`${title}: ${lines.map((l) => l.label).join(', ')} over training steps`} />
    </figure>
  );
}
