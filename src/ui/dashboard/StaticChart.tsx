// A uPlot chart of fixed curves (a shared link's downsampled curves): drawn once, no live data.
// Writes data-points / data-digest like MetricChart so tests can read what it shows.
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { chartColors, type ChartColors } from './chartTheme.ts';
import { seriesDigest } from './seriesDigest.ts';
import { formatTicks } from './tickFormat.ts';
import { spanAtLeast, STEP_AXIS } from './chartShape.ts';
import type { ChartOptions } from './MetricChart.tsx';
import { chartSummary } from './chartSummary.ts';

export interface StaticLine {
  label: string;
  color: (c: ChartColors) => string;
  steps: number[];
  /** Null where the line has no value at that step (a gap, spanned). */
  values: Array<number | null>;
}

/** The union of the lines' steps as x, each line's values at those steps (null where it has none). */
export function alignCurves(lines: Array<Pick<StaticLine, 'steps' | 'values'>>): { x: number[]; ys: Array<Array<number | null>> } {
  const x = [...new Set(lines.flatMap((l) => l.steps))].sort((a, b) => a - b);
  const ys = lines.map((l) => {
    const at = new Map(l.steps.map((s, i) => [s, l.values[i]]));
    return x.map((s) => at.get(s) ?? null);
  });
  return { x, ys };
}

/** The chart's uPlot options (pure: what the axes and lines look like). `yAxis`: a y range at
 * least this wide (α's, as on the live charts: ALPHA_AXIS). */
export function staticChartOptions(lines: StaticLine[], colors: ChartColors, width: number, height: number, yAxis?: Pick<ChartOptions, 'yMinSpan' | 'yBounds'>): uPlot.Options {
  const { yMinSpan, yBounds } = yAxis ?? {};
  return {
    width,
    height,
    scales: { x: { time: false }, y: yMinSpan ? { range: (_u: uPlot, min: number, max: number) => spanAtLeast(min, max, yMinSpan, yBounds) } : {} },
    axes: [
      // Whole steps only, as on the live charts: a two-step ablation's axis read 1, 1.5, 2.
      { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, label: 'step', ...STEP_AXIS },
      { stroke: colors.text, grid: { stroke: colors.grid, width: 1 }, size: 70, values: (_u: uPlot, splits: number[]) => formatTicks(splits) },
    ],
    series: [{ label: 'step' }, ...lines.map((l) => ({ label: l.label, stroke: l.color(colors), width: 2, spanGaps: true }))],
  };
}

export function StaticChart({ title, lines, height = 220, testId, yAxis }: { title: string; lines: StaticLine[]; height?: number; testId?: string; yAxis?: Pick<ChartOptions, 'yMinSpan' | 'yBounds'> }) {
  const box = useRef<HTMLDivElement>(null);
  // The curves in words for a screen reader: each line's first and last value (the canvas has none).
  const summary = useMemo(() => {
    const { x, ys } = alignCurves(lines);
    return chartSummary(title, lines.map((l) => l.label), x, ys);
  }, [title, lines]);
  useEffect(() => {
    const el = box.current;
    if (!el || lines.length === 0) return;
    const colors = chartColors();
    const { x, ys } = alignCurves(lines);
    const plot = new uPlot(staticChartOptions(lines, colors, Math.max(280, el.clientWidth), height, yAxis), [x, ...ys] as uPlot.AlignedData, el);
    el.dataset.points = String(x.length);
    el.dataset.lastStep = String(x.at(-1) ?? 0);
    el.dataset.digest = seriesDigest([x, ...ys]);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
    // yAxis is one of the module constants (ALPHA_AXIS) or absent.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [lines, height]);
  if (lines.length === 0) return null;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-canvas" data-testid={testId} role="img" aria-label={summary} />
    </figure>
  );
}
