// Length statistics for the dataset page: tokens per example, cot vs call tokens and the share of
// call tokens (the imbalance SSB corrects), a histogram of sequence lengths, the sequence length a
// run on this data should default to (suggestSeqLen, from what each example needs whole:
// ExampleFit.full, never the totals these statistics keep), and how many examples a length fits.
// Never tokenizes: it summarises counts that tokenize-example.ts produced.
import { SEQ_LEN_MULTIPLE } from '../model/sequence-length.ts';

export { SEQ_LEN_MULTIPLE };

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

/** The share of examples the default sequence length fits whole, and what it is rounded up to. */
export const SEQ_LEN_PERCENTILE = 0.95;

/**
 * A sequence length for these token counts (what each example needs whole: ExampleFit.full where
 * known): their 95th percentile rounded up to a multiple of 64
 * (kernels and memory plans like round shapes; the rest of the 5 % lose earlier turns or are
 * skipped, see tokenize-example.ts). At least 64; 0 examples give 64.
 */
export function suggestSeqLen(totals: number[]): number {
  const sorted = [...totals].sort((a, b) => a - b);
  const p = quantile(sorted, SEQ_LEN_PERCENTILE);
  return Math.max(SEQ_LEN_MULTIPLE, Math.ceil(p / SEQ_LEN_MULTIPLE) * SEQ_LEN_MULTIPLE);
}

/** An example's tokens whole; what it needs with every turn kept (the prompt tail after its last
 * end-of-turn token, a newline, may be cut); and with every earlier turn left out (the least it can take). */
export interface ExampleFit {
  total: number;
  full: number;
  minimum: number;
}

export interface TruncationReport {
  examples: number;
  /** Fit whole. */
  whole: number;
  /** Fit once earlier turns are left out. */
  shortened: number;
  /** Do not fit even then: reported and skipped. */
  skipped: number;
}

/** Whether training at `seqLen` skips the example, by its fit: too long even with every earlier turn
 * left out (tokenizeExample's rule), or `null`, an example the chat template cannot render. */
export function skippedAtLength(fit: Pick<ExampleFit, 'minimum'> | null, seqLen: number): boolean {
  return fit === null || fit.minimum > seqLen;
}

/** What a sequence length does to these examples (DESIGN.md's rule, as tokenizeExample applies it). */
export function truncationReport(fits: ExampleFit[], seqLen: number): TruncationReport {
  const r = { examples: fits.length, whole: 0, shortened: 0, skipped: 0 };
  for (const f of fits) {
    if (f.full <= seqLen) r.whole++;
    else if (!skippedAtLength(f, seqLen)) r.shortened++;
    else r.skipped++;
  }
  return r;
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
