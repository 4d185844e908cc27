// BFCL's aggregate scores from per-category accuracies, the way the leaderboard combines its
// single-turn categories (bfcl_eval/eval_checker/eval_runner_helper.py):
//   non-live AST  = unweighted mean of simple, multiple, parallel, parallel_multiple
//   live AST      = mean of live_simple, live_multiple, live_parallel, live_parallel_multiple
//                   weighted by their example counts
//   hallucination = unweighted mean of irrelevance and live_irrelevance
//   overall       = the leaderboard's weights over its buckets (non-live 10, live 10, irrelevance 10,
//                   multi-turn 30, agentic 40) normalised over the single-turn buckets evaluated
//                   here, i.e. their unweighted mean.
// One difference, on purpose: BFCL counts a category it did not evaluate as 0 %; on the subset a
// studio run evaluates that would score what is missing, so a bucket is the mean of the categories
// present, and a bucket without any is left out of the overall score (and listed as missing).
// live_relevance is reported beside the buckets, as BFCL does. Never reads predictions: it works
// on the tallies an evaluation summary already holds.
import type { CategoryTally } from './evaluate.ts';

export const BFCL_NON_LIVE = ['simple', 'multiple', 'parallel', 'parallel_multiple'] as const;
export const BFCL_LIVE = ['live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple'] as const;
export const BFCL_HALLUCINATION = ['irrelevance', 'live_irrelevance'] as const;

export interface BfclBucket {
  accuracy: number;
  /** Examples behind it. */
  total: number;
  /** The categories it was computed from. */
  categories: string[];
}

export interface BfclScore {
  nonLive: BfclBucket | null;
  live: BfclBucket | null;
  hallucination: BfclBucket | null;
  relevance: BfclBucket | null;
  overall: BfclBucket | null;
  /** Buckets with no category evaluated (left out of the overall score). */
  missing: Array<'non-live' | 'live' | 'hallucination'>;
  /** Categories that are none of BFCL's single-turn ones (not in any bucket). */
  other: string[];
}

function bucket(byCategory: Record<string, CategoryTally>, names: readonly string[], weighted: boolean): BfclBucket | null {
  const present = names.filter((n) => (byCategory[n]?.total ?? 0) > 0);
  if (present.length === 0) return null;
  const total = present.reduce((n, c) => n + byCategory[c].total, 0);
  const accuracy = weighted ? present.reduce((s, c) => s + byCategory[c].correct, 0) / total : present.reduce((s, c) => s + byCategory[c].accuracy, 0) / present.length;
  return { accuracy, total, categories: present };
}

export function bfclScore(byCategory: Record<string, CategoryTally>): BfclScore {
  const nonLive = bucket(byCategory, BFCL_NON_LIVE, false);
  const live = bucket(byCategory, BFCL_LIVE, true);
  const hallucination = bucket(byCategory, BFCL_HALLUCINATION, false);
  const relevance = bucket(byCategory, ['live_relevance'], false);
  const buckets = [nonLive, live, hallucination].filter((b): b is BfclBucket => b !== null);
  const overall = buckets.length
    ? { accuracy: buckets.reduce((s, b) => s + b.accuracy, 0) / buckets.length, total: buckets.reduce((n, b) => n + b.total, 0), categories: buckets.flatMap((b) => b.categories) }
    : null;
  const missing = ([['non-live', nonLive], ['live', live], ['hallucination', hallucination]] as const).filter(([, b]) => b === null).map(([name]) => name);
  const known = new Set<string>([...BFCL_NON_LIVE, ...BFCL_LIVE, ...BFCL_HALLUCINATION, 'live_relevance']);
  return { nonLive, live, hallucination, relevance, overall, missing, other: Object.keys(byCategory).filter((c) => !known.has(c)).sort() };
}

/** What the two headline numbers count, in the same words wherever they stand side by side (the
 * CLI's summary, the page's evaluation panel): they part whenever categories differ in size. */
export const ACCURACY_COUNTS = 'every example counts the same';
export const BFCL_OVERALL_COUNTS = 'an average of categories, not of examples, as the leaderboard scores, so it differs from the accuracy';

/** Lines for a terminal or a report: the buckets and the overall score, and what it counts. */
export function formatBfclScore(s: BfclScore): string {
  const pct = (b: BfclBucket | null) => (b ? `${(100 * b.accuracy).toFixed(1)}%` : 'n/a');
  const lines = [`BFCL overall ${pct(s.overall)}  (non-live AST ${pct(s.nonLive)}, live AST ${pct(s.live)}, hallucination ${pct(s.hallucination)}${s.relevance ? `, live relevance ${pct(s.relevance)}` : ''})`, `  ${BFCL_OVERALL_COUNTS}`];
  if (s.missing.length) lines.push(`  not evaluated (left out of the overall score): ${s.missing.join(', ')}`);
  if (s.other.length) lines.push(`  not BFCL categories (in no bucket): ${s.other.join(', ')}`);
  return lines.join('\n');
}
