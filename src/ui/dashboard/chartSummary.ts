// A chart in words for its text alternative (a canvas says nothing to a screen reader): used by the
// live MetricChart and the fixed StaticChart alike.
import { formatMetric } from '../format.ts';

/** A chart in words: each line's first and latest value with their steps. */
export function chartSummary(title: string, labels: string[], x: number[], ys: Array<Array<number | null>>): string {
  const parts = labels.map((label, i) => {
    const first = ys[i].findIndex((v) => v !== null);
    if (first < 0) return `${label}: no values yet`;
    const last = ys[i].findLastIndex((v) => v !== null);
    const at = (j: number) => `${formatMetric(ys[i][j])} at step ${x[j]}`;
    return first === last ? `${label} ${at(first)}` : `${label} from ${at(first)} to ${at(last)}`;
  });
  return `${title}: ${parts.join('; ')}`;
}
