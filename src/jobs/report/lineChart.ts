// A line chart as PNG bytes for reports: overlaid series on one step axis, "nice" ticks, a legend,
// dashes per series when asked. Drawn on png.ts's raster, the same in Node and in the worker.
import { charWidth, encodePng, hexColor, Raster, type Rgb } from './png.ts';

export interface ChartSeries {
  label: string;
  /** #rrggbb */
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  width?: number;
  height?: number;
  /** The y axis is at least this wide, within these bounds (α: 0.1 inside [0, 1], as on the
   * dashboard), so a tiny move is drawn as one. Without it the axis follows the data. */
  yAxis?: YAxisSpan;
}

export interface YAxisSpan {
  minSpan: number;
  bounds: [number, number];
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) from at or below `min` to at or above
 * `max`; whole numbers only when `integer` (steps). */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!(max > min)) [min, max] = [min - 0.5, max + 0.5];
  const raw = (max - min) / count;
  const base = 10 ** Math.floor(Math.log10(raw));
  let step = base * ([1, 2, 5, 10].find((m) => base * m >= raw) ?? 10);
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  const last = Math.ceil(max / step - 1e-9) * step;
  for (let v = Math.floor(min / step + 1e-9) * step; v <= last + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** The y ticks for data from `yMin` to `yMax`: padded by 5%, widened to `span.minSpan` around the
 * data's middle and shifted inside `span.bounds`. */
export function yAxisTicks(yMin: number, yMax: number, span?: YAxisSpan): number[] {
  const pad = (yMax - yMin) * 0.05 || Math.max(Math.abs(yMax) * 0.05, 0.01);
  let [lo, hi] = [yMin - pad, yMax + pad];
  if (span && hi - lo < span.minSpan) [lo, hi] = [(yMin + yMax - span.minSpan) / 2, (yMin + yMax + span.minSpan) / 2];
  if (span && lo < span.bounds[0]) [lo, hi] = [span.bounds[0], hi + span.bounds[0] - lo];
  if (span && hi > span.bounds[1]) [lo, hi] = [Math.max(span.bounds[0], lo - (hi - span.bounds[1])), span.bounds[1]];
  return niceTicks(lo, hi, 5);
}

export function tickLabel(v: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  // As many decimals as the spacing needs (α may move in the fifth decimal), no cap that would print
  // every tick alike.
  const decimals = Math.min(12, Math.max(0, -Math.floor(Math.log10(step))));
  return v.toFixed(decimals);
}

const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];

export function lineChartPng(spec: LineChartSpec): Uint8Array {
  const W = spec.width ?? 900;
  const H = spec.height ?? 440;
  const r = new Raster(W, H);
  const legendWidth = 16 + Math.max(0, ...spec.series.map((s) => s.label.length)) * charWidth(2) + 20;
  const left = 78;
  const right = W - legendWidth - 12;
  const top = 44;
  const bottom = H - 54;
  r.text(left, 12, spec.title, INK, 3);

  // The data's range by a loop: a long run's points are too many to spread into Math.min.
  let [xMin, xMax, yMin, yMax] = [0, 1, Infinity, -Infinity];
  for (const s of spec.series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      [xMin, xMax, yMin, yMax] = [Math.min(xMin, x), Math.max(xMax, x), Math.min(yMin, y), Math.max(yMax, y)];
    }
  }
  if (yMin > yMax) [yMin, yMax] = [0, 1];
  const xTicks = niceTicks(xMin, xMax, 8, true);
  const yTicks = yAxisTicks(yMin, yMax, spec.yAxis);
  const [x0, x1] = [xTicks[0], xTicks.at(-1)!];
  const [y0, y1] = [yTicks[0], yTicks.at(-1)!];
  const px = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0 || 1)) * (bottom - top);

  for (const t of yTicks) {
    r.line(left, py(t), right, py(t), GRID);
    const label = tickLabel(t, yTicks);
    r.text(left - 8 - label.length * charWidth(2), py(t) - 5, label, INK);
  }
  for (const t of xTicks) {
    r.line(px(t), top, px(t), bottom, GRID);
    const label = tickLabel(t, xTicks);
    r.text(px(t) - (label.length * charWidth(2)) / 2, bottom + 8, label, INK);
  }
  r.line(left, top, left, bottom, INK);
  r.line(left, bottom, right, bottom, INK);
  r.text((left + right) / 2 - (spec.xLabel.length * charWidth(2)) / 2, H - 22, spec.xLabel, INK);
  r.text(8, top - 26, spec.yLabel, INK);

  spec.series.forEach((s, i) => {
    const c = hexColor(s.color);
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    for (let k = 1; k < pts.length; k++) r.line(px(pts[k - 1][0]), py(pts[k - 1][1]), px(pts[k][0]), py(pts[k][1]), c, 2, s.dashed ? [8, 5] : undefined);
    if (pts.length === 1) r.rect(px(pts[0][0]) - 2, py(pts[0][1]) - 2, 5, 5, c);
    const ly = top + i * 22;
    r.line(right + 14, ly + 5, right + 34, ly + 5, c, 3, s.dashed ? [6, 3] : undefined);
    r.text(right + 40, ly, s.label, INK);
  });
  return encodePng(r);
}
