// How a chart draws its numbers, as pure functions (unit-tested without a DOM): W&B-style
// exponential smoothing, a y range that never shows a tiny move as a big one, whole-step x ticks,
// and the legend's value when the pointer is not on the chart (the latest value, not "--").

/** Exponential moving average with W&B's debiasing: weight 0 = raw, 0.99 = very smooth. Gaps stay
 * gaps (a sparse eval series keeps its points where they were). */
export function smoothSeries(values: Array<number | null>, weight: number): Array<number | null> {
  if (!(weight > 0)) return values;
  let ema = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    n++;
    ema = weight * ema + (1 - weight) * v;
    return ema / (1 - weight ** n);
  });
}

/** A y range around [min, max] at least `minSpan` wide (centred on the data, kept inside
 * `bounds`): α moving 0.7000 → 0.7007 should look flat, not fill the chart. */
export function spanAtLeast(min: number | null, max: number | null, minSpan: number, bounds: [number, number] = [-Infinity, Infinity]): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [bounds[0] === -Infinity ? 0 : bounds[0], bounds[1] === Infinity ? 1 : bounds[1]];
  const pad = (max - min) * 0.1;
  let lo = min - pad;
  let hi = max + pad;
  if (hi - lo < minSpan) {
    const mid = (min + max) / 2;
    lo = mid - minSpan / 2;
    hi = mid + minSpan / 2;
  }
  if (lo < bounds[0]) [lo, hi] = [bounds[0], Math.min(bounds[1], bounds[0] + Math.max(hi - lo, minSpan))];
  if (hi > bounds[1]) [lo, hi] = [Math.max(bounds[0], bounds[1] - Math.max(hi - lo, minSpan)), bounds[1]];
  return [lo, hi];
}

/** Step axis increments: whole steps only (no 1.2, 1.4). */
export const STEP_INCREMENTS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000];

/** A step axis's ticks: whole-step increments, and no label on a tick between two steps. */
export const STEP_AXIS = {
  incrs: STEP_INCREMENTS,
  values: (_u: unknown, splits: number[]) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
};

/** The last non-null value of a column. */
export function lastValue(values: ArrayLike<number | null | undefined>): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined && Number.isFinite(v)) return v;
  }
  return null;
}
