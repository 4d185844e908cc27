// Puts several runs' metric columns on one x array (uPlot wants a single shared x), filling steps
// a run does not have with null. Pure, so it is unit-tested without a DOM.
import type { MetricKey, RunSeries } from '../../state/runSeries.ts';

export interface AlignLine {
  runId: string;
  key: MetricKey;
}

/** Aligns several runs' columns on the union of their steps (uPlot wants one shared x array). */
export function alignColumns(lines: AlignLine[], series: Map<string, Pick<RunSeries, 'steps' | 'values'>>): { x: number[]; ys: Array<Array<number | null>> } {
  const runIds = [...new Set(lines.map((l) => l.runId))];
  if (runIds.length === 1) {
    const s = series.get(runIds[0])!;
    return { x: s.steps.slice(), ys: lines.map((l) => s.values[l.key].slice()) };
  }
  const steps = [...new Set(runIds.flatMap((id) => series.get(id)!.steps))].sort((a, b) => a - b);
  const ys = lines.map((l) => {
    const s = series.get(l.runId)!;
    const at = new Map(s.steps.map((st, i) => [st, s.values[l.key][i]]));
    return steps.map((st) => at.get(st) ?? null);
  });
  return { x: steps, ys };
}

