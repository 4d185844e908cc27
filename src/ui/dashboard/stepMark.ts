// A ring on one step of a chart's line (the step whose adapter a run kept, keepBest): a column of
// that line's values that holds the step's value alone, drawn as a point without a line. Pure, so
// it is unit-tested without a canvas.
import type { MetricKey } from '../../state/runSeries.ts';
import type { ChartColors } from './chartTheme.ts';

export interface ChartMark {
  /** The line the ring sits on. */
  key: MetricKey;
  step: number;
  /** Its legend entry. */
  label: string;
  color: (c: ChartColors) => string;
}

/** `y` at `step` and null at every other step of `x` (all null when `x` lacks the step). */
export function markColumn(x: readonly number[], y: ReadonlyArray<number | null>, step: number): Array<number | null> {
  return x.map((s, i) => (s === step ? y[i] : null));
}
