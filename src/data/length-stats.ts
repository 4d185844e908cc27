// Length statistics for the dataset page: tokens per example, cot vs call tokens and the share of
// call tokens (the imbalance SSB corrects), plus a histogram of sequence lengths.
// Never tokenizes: it summarises counts that tokenize-example.ts produced.

export interface ExampleLength {
  total: number;
  prompt: number;
  cot: number;
  call: number;
}

export interface Histogram {
  /** bins.length + 1 edges; bin i covers [edges[i], edges[i+1]), the last one closed. */
  edges: number[];
  counts: number[];
}

export interface LengthStats {
  examples: number;
  totalTokens: { mean: number; median: number; p95: number; max: number; min: number };
  cotTokens: number;
  callTokens: number;
  /** call / (cot + call): the share of the target signal plain SFT gives the call. */
  callShare: number;
  meanCotPerExample: number;
  meanCallPerExample: number;
  histogram: Histogram;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Equal-width bins from 0 to the maximum, rounded up to a multiple of `bins`. */
export function histogram(values: number[], bins = 20): Histogram {
  const max = values.reduce((m, v) => Math.max(m, v), 0);
  const width = Math.max(1, Math.ceil((max + 1) / bins));
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * width);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(v / width))]++;
  return { edges, counts };
}

export function lengthStats(lengths: ExampleLength[], bins = 20): LengthStats {
  const acc = lengthAccumulator();
  for (const l of lengths) acc.add(l);
  return acc.stats(bins);
}

/**
 * The same statistics gathered one example at a time, for streams that never hold every example:
 * it keeps one number per example (the total, for the median and p95) and two sums.
 */
export function lengthAccumulator(): { add(l: ExampleLength): void; stats(bins?: number): LengthStats } {
  const totals: number[] = [];
  let cot = 0;
  let call = 0;
  return {
    add(l) {
      totals.push(l.total);
      cot += l.cot;
      call += l.call;
    },
    stats: (bins = 20) => summarize(totals.slice().sort((a, b) => a - b), cot, call, bins),
  };
}

function summarize(totals: number[], cot: number, call: number, bins: number): LengthStats {
  const n = totals.length;
  return {
    examples: n,
    totalTokens: {
      mean: n ? totals.reduce((s, v) => s + v, 0) / n : 0,
      median: quantile(totals, 0.5),
      p95: quantile(totals, 0.95),
      max: totals.at(-1) ?? 0,
      min: totals[0] ?? 0,
    },
    cotTokens: cot,
    callTokens: call,
    callShare: cot + call ? call / (cot + call) : 0,
    meanCotPerExample: n ? cot / n : 0,
    meanCallPerExample: n ? call / n : 0,
    histogram: histogram(totals, bins),
  };
}
