// Columnar metric history of one run, for charts: loaded once from Dexie, then extended by the
// worker's live `run-metric` / `run-eval` events. Charts subscribe here and redraw themselves;
// React never re-renders per point (the tldraw/excalidraw rule for high-frequency data).
// Owns no DOM and no chart: only arrays and a subscriber list.
import { useCallback, useSyncExternalStore } from 'react';
import type { EvalMetrics, StepMetrics } from '../worker/protocol.ts';
import { runMetrics, runMetricsAfter, segmentGaps, type MetricRow } from './queries.ts';
import { downloadBytes } from './download.ts';

/** Every metric a chart may plot; a missing value is null (uPlot draws a gap or spans it). */
export const METRIC_KEYS = [
  'loss', 'lossCot', 'lossCall', 'alpha', 'lr', 'gradNorm', 'tokensPerSecond', 'evalLoss', 'evalLossCot', 'evalLossCall', 'evalLossTokens', 'cotTokens', 'callTokens',
  // In the CSV (what the trainer logs each step), not drawn.
  'gradAlpha', 'epoch', 'tokens', 'millis',
] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

export class RunSeries {
  readonly steps: number[] = [];
  readonly values: Record<MetricKey, Array<number | null>> = Object.fromEntries(METRIC_KEYS.map((k) => [k, []])) as unknown as Record<MetricKey, Array<number | null>>;
  private readonly listeners = new Set<() => void>();
  loaded = false;
  /** Live events that arrived while the Dexie rows were loading; replayed after them. */
  private queued: Array<{ metric?: StepMetrics; evalMetric?: EvalMetrics }> = [];

  constructor(readonly runId: string) {}

  get length(): number {
    return this.steps.length;
  }

  subscribe(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private notify(): void {
    for (const cb of this.listeners) cb();
  }

  /** Replaces everything with stored rows (sorted by step). */
  setRows(rows: Array<Pick<MetricRow, 'step' | 'values'>>): void {
    this.steps.length = 0;
    for (const k of METRIC_KEYS) this.values[k].length = 0;
    for (const r of [...rows].sort((a, b) => a.step - b.step)) this.push(r.step, r.values);
    this.loaded = true;
    const lastStored = this.steps.at(-1) ?? 0;
    for (const q of this.queued.splice(0)) {
      if (q.metric && q.metric.step > lastStored) this.addStep(q.metric, false);
      if (q.evalMetric) this.addEval(q.evalMetric, false);
    }
    this.notify();
  }

  /** Adds stored rows after the last step (rows read again later: see catchUpRunSeries). */
  appendRows(rows: Array<Pick<MetricRow, 'step' | 'values'>>): void {
    const before = this.steps.length;
    for (const r of [...rows].sort((a, b) => a.step - b.step)) if (r.step > (this.steps.at(-1) ?? -Infinity)) this.push(r.step, r.values);
    if (this.steps.length > before) this.notify();
  }

  /** Keeps a live event until the stored rows are in. */
  enqueue(q: { metric?: StepMetrics; evalMetric?: EvalMetrics }): void {
    this.queued.push(q);
  }

  private push(step: number, values: Record<string, number | undefined>): void {
    this.steps.push(step);
    // A step whose batch had no reasoning (or no call) tokens has no loss for that segment (nor α):
    // gaps, not points.
    const missing = new Set<MetricKey>(segmentGaps(values));
    for (const k of METRIC_KEYS) {
      const v = values[k];
      this.values[k].push(typeof v === 'number' && Number.isFinite(v) && !missing.has(k) ? v : null);
    }
  }

  /** A live step. A step at or before the last one means the run resumed from an earlier
   * checkpoint (the worker deleted the later rows), so the tail is cut first: one line, no loop. */
  addStep(m: StepMetrics, notify = true): void {
    let keep = this.steps.length;
    while (keep > 0 && this.steps[keep - 1] >= m.step) keep--;
    if (keep < this.steps.length) {
      this.steps.length = keep;
      for (const k of METRIC_KEYS) this.values[k].length = keep;
    }
    this.push(m.step, m as unknown as Record<string, number>);
    if (notify) this.notify();
  }

  addEval(m: EvalMetrics, notify = true): void {
    let i = this.steps.lastIndexOf(m.step);
    if (i < 0 && (this.steps.length === 0 || m.step < this.steps[0])) {
      // The held-out loss before the first step (step 0): a row of its own, first.
      this.steps.unshift(m.step);
      for (const k of METRIC_KEYS) this.values[k].unshift(null);
      i = 0;
    }
    if (i < 0) return; // the eval's step row is not here (should not happen: metrics precede evals)
    // Non-finite (a held-out set without one segment: NaN) is a gap, as push makes it after a reload.
    for (const k of ['evalLoss', 'evalLossCot', 'evalLossCall', 'evalLossTokens'] as const) this.values[k][i] = Number.isFinite(m[k]) ? m[k] : null;
    if (notify) this.notify();
  }

  /** The call's weight under plain SFT on the batches this run trained on: its share of the
   * target tokens (SFT averages over every target token alike). Null before the first step. */
  sftCallShare(): number | null {
    let cot = 0;
    let call = 0;
    for (let i = 0; i < this.steps.length; i++) {
      cot += this.values.cotTokens[i] ?? 0;
      call += this.values.callTokens[i] ?? 0;
    }
    return cot + call > 0 ? call / (cot + call) : null;
  }

  /** A segment's mean loss per token over the run's steps (each step's mean weighted by its
   * token count). Null before a step has tokens of that segment. */
  segmentLossMean(segment: 'cot' | 'call'): number | null {
    return this.tokenLossMean([segment]);
  }

  /** The loss per target token over steps [from, to) (indices), reasoning and call tokens alike
   * as plain SFT counts them: unlike the run's α-weighted loss it does not fall because α moved. */
  tokenLossMean(segments: Array<'cot' | 'call'> = ['cot', 'call'], from = 0, to = this.steps.length): number | null {
    let sum = 0;
    let tokens = 0;
    for (const segment of segments) {
      const [lossKey, countKey] = segment === 'cot' ? (['lossCot', 'cotTokens'] as const) : (['lossCall', 'callTokens'] as const);
      for (let i = Math.max(0, from); i < Math.min(to, this.steps.length); i++) {
        const l = this.values[lossKey][i];
        const n = this.values[countKey][i];
        if (l !== null && n !== null && n > 0) {
          sum += l * n;
          tokens += n;
        }
      }
    }
    return tokens > 0 ? sum / tokens : null;
  }

  last(key: MetricKey): number | null {
    for (let i = this.steps.length - 1; i >= 0; i--) if (this.values[key][i] !== null) return this.values[key][i];
    return null;
  }
}

const cache = new Map<string, RunSeries>();

type LiveEvent = { metric?: StepMetrics; evalMetric?: EvalMetrics };
/** The newest live events of runs no chart has asked for yet. The worker writes rows about once a
 * second, so a chart opened mid-run reads rows that end a little before events it did not see. */
const unclaimed = new Map<string, LiveEvent[]>();
const UNCLAIMED_EVENTS = 64;
const UNCLAIMED_RUNS = 8;

function remember(runId: string, e: LiveEvent): void {
  let list = unclaimed.get(runId);
  // A step at or before the last one kept: the run resumed from a checkpoint; the events before are
  // of an attempt its rows no longer hold.
  const last = list?.findLast((q) => q.metric)?.metric?.step;
  if (!list || (e.metric && last !== undefined && e.metric.step <= last)) {
    list = [];
    unclaimed.delete(runId);
    unclaimed.set(runId, list);
    if (unclaimed.size > UNCLAIMED_RUNS) unclaimed.delete(unclaimed.keys().next().value!);
  }
  list.push(e);
  if (list.length > UNCLAIMED_EVENTS) list.shift();
}

/** The shared series of a run; its Dexie rows are loaded on first request. */
export function runSeries(runId: string): RunSeries {
  let s = cache.get(runId);
  if (!s) {
    s = new RunSeries(runId);
    cache.set(runId, s);
    for (const e of unclaimed.get(runId) ?? []) s.enqueue(e);
    unclaimed.delete(runId);
    const series = s;
    void runMetrics(runId)
      .then((rows) => series.setRows(rows))
      .catch((err) => console.error(`could not read the metrics of run ${runId}:`, err));
  }
  return s;
}

/** Brings each loaded series up to the rows stored since it was read. A run a job trains (an
 * ablation's arms) sends no live steps: its chart, opened while it trained, stayed at the steps
 * read then, during the job and after it. `live` (the run whose steps come as events) is left. */
export async function catchUpRunSeries(live: string | null): Promise<void> {
  await Promise.all(
    [...cache.values()]
      .filter((s) => s.loaded && s.runId !== live)
      .map(async (s) => {
        if (s.length === 0) s.setRows(await runMetrics(s.runId));
        else s.appendRows(await runMetricsAfter(s.runId, s.steps.at(-1)!));
      }),
  );
}

/** Forget a run's series (after it is deleted or replaced by an import). */
export function dropRunSeries(runId: string): void {
  cache.delete(runId);
  unclaimed.delete(runId);
}

/** Live events from the worker: applied at once to a loaded series, queued while it loads, and
 * kept (the newest few) for runs no chart has asked for yet, whose rows may not hold them. */
export function routeMetricEvent(runId: string, metric: StepMetrics): void {
  const s = cache.get(runId);
  if (s?.loaded) s.addStep(metric);
  else if (s) s.enqueue({ metric });
  else remember(runId, { metric });
}

export function routeEvalEvent(runId: string, metric: EvalMetrics): void {
  const s = cache.get(runId);
  if (s?.loaded) s.addEval(metric);
  else if (s) s.enqueue({ evalMetric: metric });
  else remember(runId, { evalMetric: metric });
}

/** A run's metrics as CSV (one row per step, a column per metric, empty where a step has none),
 * for a spreadsheet or pandas. */
export function runSeriesCsv(s: Pick<RunSeries, 'steps' | 'values'>): string {
  const lines = [['step', ...METRIC_KEYS].join(',')];
  s.steps.forEach((step, i) => lines.push([step, ...METRIC_KEYS.map((k) => s.values[k][i] ?? '')].join(',')));
  return lines.join('\n') + '\n';
}

/** Downloads a run's metrics as `<name>-metrics.csv`. */
export function downloadRunCsv(runId: string, name: string): void {
  const safe = name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || runId;
  downloadBytes(new TextEncoder().encode(runSeriesCsv(runSeries(runId))), `${safe}-metrics.csv`, 'text/csv');
}

/** A number read from a run's series, re-read when the series changes (a React hook). */
export function useRunSeriesNumber(runId: string, read: (s: RunSeries) => number | null): number | null {
  const subscribe = useCallback((cb: () => void) => runSeries(runId).subscribe(cb), [runId]);
  // `read` is a plain accessor; the series it reads is what the subscription follows.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const snapshot = () => read(runSeries(runId));
  // The same snapshot on a server render (tests render components to markup).
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
