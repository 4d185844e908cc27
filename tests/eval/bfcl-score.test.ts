// BFCL's aggregation of per-category accuracies: non-live unweighted, live weighted by count,
// hallucination over both irrelevance categories, overall the mean of the buckets evaluated;
// live and non-live never mixed; categories outside BFCL's named and left out of every bucket.
import { describe, expect, it } from 'vitest';
import { bfclScore, formatBfclScore } from '../../src/eval/bfcl-score.ts';
import type { CategoryTally } from '../../src/eval/evaluate.ts';

const t = (correct: number, total: number): CategoryTally => ({ correct, total, accuracy: correct / total });

describe('BFCL aggregate score', () => {
  it('averages non-live categories unweighted and live ones weighted by their counts', () => {
    const s = bfclScore({
      simple: t(8, 10), multiple: t(1, 2), parallel: t(3, 4), parallel_multiple: t(0, 1),
      live_simple: t(30, 40), live_multiple: t(50, 100),
      irrelevance: t(9, 10), live_irrelevance: t(60, 100), live_relevance: t(3, 4),
    });
    expect(s.nonLive!.accuracy).toBeCloseTo((0.8 + 0.5 + 0.75 + 0) / 4, 12);
    expect(s.live!.accuracy).toBeCloseTo(80 / 140, 12); // not (0.75 + 0.5) / 2
    expect(s.hallucination!.accuracy).toBeCloseTo((0.9 + 0.6) / 2, 12);
    expect(s.relevance!.accuracy).toBe(0.75);
    expect(s.overall!.accuracy).toBeCloseTo((s.nonLive!.accuracy + s.live!.accuracy + s.hallucination!.accuracy) / 3, 12);
    expect(s.missing).toEqual([]);
    expect(formatBfclScore(s)).toMatch(/^BFCL overall 61\.1% {2}\(non-live AST 51\.\d%, live AST 57\.1%, hallucination 75\.0%, live relevance 75\.0%\)\n/);
  });

  it('leaves buckets without a category out of the overall score and names them', () => {
    const s = bfclScore({ simple: t(1, 2), irrelevance: t(2, 2), xlam_custom: t(1, 1) });
    expect(s.live).toBeNull();
    expect(s.overall!.accuracy).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(s.missing).toEqual(['live']);
    expect(s.other).toEqual(['xlam_custom']);
    expect(bfclScore({}).overall).toBeNull();
  });
});

describe('the accuracy beside the BFCL overall score', () => {
  // The CLI printed "accuracy 74.2%" next to "BFCL overall 83.3%" with nothing saying how they differ.
  it('says in the CLI summary what each counts, in the words the page uses', async () => {
    const { formatEvalSummary } = await import('../../src/eval/evaluate.ts');
    const { ACCURACY_COUNTS, BFCL_OVERALL_COUNTS } = await import('../../src/eval/bfcl-score.ts');
    const byCategory = { simple: t(9, 10), irrelevance: t(0, 2) };
    const summary = { total: 12, correct: 9, accuracy: 9 / 12, byCategory, failureRules: {}, finishReasons: {}, bfcl: bfclScore(byCategory) };
    const lines = formatEvalSummary(summary as never).split('\n');
    expect(lines[0]).toBe(`accuracy 75.0% (9/12; 95% interval 47–91%): ${ACCURACY_COUNTS}`);
    const overall = lines.findIndex((l) => l.startsWith('BFCL overall 45.0%'));
    expect(lines[overall + 1]).toBe(`  ${BFCL_OVERALL_COUNTS}`);
    expect(ACCURACY_COUNTS).toMatch(/example/);
    expect(BFCL_OVERALL_COUNTS).toMatch(/categories, not of examples/);
  });
});
