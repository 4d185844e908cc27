// One uPlot chart of some metrics of one or more runs. Mounts the chart once, draws what the run
// series hold (read from Dexie), and redraws on every live point by calling setData directly:
// no React render per point. Writes data-points / data-last-step / data-digest (of the stored
// values, before any smoothing) on its element so the curve's identity is visible to tests.
// Options: smoothing, a log y axis, a minimum y span (chartShape.ts); a ring on one step of a line
// (stepMark.ts).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { runSeries, type MetricKey } from '../../state/runSeries.ts';
import { alignColumns } from './alignColumns.ts';
import { chartColors, type ChartColors } from './chartTheme.ts';
import { seriesDigest } from './seriesDigest.ts';
import { formatTicks } from './tickFormat.ts';
import { lastValue, smoothSeries, spanAtLeast, STEP_AXIS } from './chartShape.ts';
import { formatMetric } from '../format.ts';
import { chartSummary } from './chartSummary.ts';
import { markColumn, type ChartMark } from './stepMark.ts';

export interface ChartLine {
  runId: string;
  key: MetricKey;
  label: string;
  color: (c: ChartColors) => string;
  dash?: number[];
  /** Sparse metrics (eval loss) connect their points across the steps without a value. */
  spanGaps?: boolean;
}

export interface ChartOptions {
  /** W&B-style smoothing weight, 0 (raw) to 0.99. */
  smoothing?: number;
  /** A logarithmic y axis (losses). */
  logY?: boolean;
  /** The y range is at least this wide (and within yBounds): small moves look small. */
  yMinSpan?: number;
  yBounds?: [number, number];
}

export function MetricChart({ title, lines, height = 220, testId, yLabel, options = {}, note, mark }: { title: string; lines: ChartLine[]; height?: number; testId?: string; yLabel?: string; options?: ChartOptions; note?: React.ReactNode; mark?: ChartMark }) {
  const box = useRef<HTMLDivElement>(null);
  const linesKey = lines.map((l) => `${l.runId}:${l.key}`).join('|');
  const { smoothing = 0, logY = false, yMinSpan, yBounds } = options;
  /** The line the mark sits on (-1: none). */
  const markOn = mark ? lines.findIndex((l) => l.key === mark.key) : -1;
  const labels = [...lines.map((l) => l.label), ...(markOn >= 0 ? [mark!.label] : [])];

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
      scales: {
        x: { time: false },
        y: logY ? { distr: 3 } : yMinSpan ? { range: (_u: uPlot, min: number, max: number) => spanAtLeast(min, max, yMinSpan, yBounds) } : {},
      },
      axes: [
        { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid }, label: 'step', ...STEP_AXIS },
        { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid }, label: yLabel, size: 70, values: (_u: uPlot, splits: Array<number | null>) => formatTicks(splits, logY) },
      ],
      // Off the chart, the legend shows each line's latest value (not "--").
      series: [
        { label: 'step', value: (u: uPlot, v: number | null, _s: number, idx: number | null) => String(idx === null ? (lastValue(u.data[0]) ?? '—') : v) },
        ...lines.map((l) => ({
          // The legend's numbers are the drawn (smoothed) ones: say so.
          label: smoothing > 0 ? `${l.label} (smoothed)` : l.label,
          stroke: l.color(colors),
          width: 2,
          dash: l.dash,
          spanGaps: l.spanGaps,
          // A line needs two points: a run's first step (or a lone eval) is drawn as a dot.
          points: { show: (u: uPlot, s: number) => (l.spanGaps ?? false) || (u.data[s] as Array<number | null>).filter((v) => v !== null).length < 2 },
          value: (u: uPlot, v: number | null, s: number, idx: number | null) => formatMetric(idx === null ? lastValue(u.data[s] as Array<number | null>) : v),
        })),
        // A ring with no line between points; its legend says its one value wherever the cursor is.
        ...(markOn >= 0
          ? [{
              label: mark!.label,
              stroke: mark!.color(colors),
              width: 0,
              paths: () => null,
              points: { show: true, size: 18, width: 3, fill: 'transparent' },
              value: (u: uPlot, _v: number | null, s: number) => formatMetric(lastValue(u.data[s] as Array<number | null>)),
            }]
          : []),
      ],
    };
    const empty: uPlot.AlignedData = [[], ...labels.map(() => [])];
    const plot = new uPlot(opts, empty, el);
    const draw = () => {
      const { x, ys } = alignColumns(lines, series);
      // A log axis cannot show 0 or less: such points become gaps.
      const shown = ys.map((y) => smoothSeries(logY ? y.map((v) => (v !== null && v > 0 ? v : null)) : y, smoothing));
      // On the line as drawn (smoothed or not), so the ring sits on it.
      const marked = markOn >= 0 ? [markColumn(x, shown[markOn], mark!.step)] : [];
      plot.setData([x, ...shown, ...marked] as uPlot.AlignedData);
      el.dataset.points = String(x.length);
      el.dataset.lastStep = String(x.at(-1) ?? 0);
      el.dataset.digest = seriesDigest([x, ...ys]);
      el.dataset.nonNull = String(ys.map((y) => y.filter((v) => v !== null).length).join(','));
      // What a screen reader says: each line from its first value to its latest (raw, not smoothed).
      el.setAttribute('aria-label', chartSummary(title, labels, x, [...ys, ...(markOn >= 0 ? [markColumn(x, ys[markOn], mark!.step)] : [])]));
      if (markOn >= 0) el.dataset.markStep = String(mark!.step);
      else delete el.dataset.markStep;
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
  }, [linesKey, height, yLabel, smoothing, logY, yMinSpan, yBounds?.[0], yBounds?.[1], title, mark?.key, mark?.step, mark?.label]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {note}
      <div ref={box} className="chart-canvas" data-testid={testId} role="img" aria-label={`${title}: ${labels.join(', ')} over training steps`} />
    </figure>
  );
}

// Also exported here, where the charts' tests import it from.
export { chartSummary } from './chartSummary.ts';
