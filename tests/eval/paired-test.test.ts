// The exact McNemar test (eval/pairedTest.ts) against a plain reference: the binomial tail summed
// with exact integers, for the small splits a browser evaluation gives and for thousands of
// examples, where the log-space sum must not overflow; and its words.
import { describe, expect, it } from 'vitest';
import { answerChangesSentence, answerChangesText, chanceText, fewestDecisiveFlips, heldOutChanceNote, mcnemarExactP, pValueText } from '../../src/eval/pairedTest.ts';

/** 2 · Σ_{i ≤ min} C(n, i) / 2ⁿ, exactly (BigInt), then as a number; at most 1. */
function reference(right: number, wrong: number): number {
  const n = right + wrong;
  if (n === 0) return 1;
  let c = 1n;
  let sum = 0n;
  for (let i = 0; i <= Math.min(right, wrong); i++) {
    if (i > 0) c = (c * BigInt(n - i + 1)) / BigInt(i);
    sum += c;
  }
  // Scaled to keep 15 digits: 2·sum / 2ⁿ.
  const scale = 10n ** 18n;
  return Math.min(1, Number((2n * sum * scale) / 2n ** BigInt(n)) / 1e18);
}

describe('the exact McNemar test', () => {
  it('gives the binomial tail: textbook values, and every split of up to 60 examples', () => {
    expect(mcnemarExactP(5, 1)).toBeCloseTo(14 / 64, 12); // 2 · (1 + 6) / 64
    expect(mcnemarExactP(10, 0)).toBeCloseTo(2 / 1024, 12);
    expect(mcnemarExactP(0, 10)).toBeCloseTo(2 / 1024, 12);
    expect(mcnemarExactP(3, 3)).toBe(1);
    expect(mcnemarExactP(0, 0)).toBe(1);
    expect(mcnemarExactP(1, 0)).toBe(1); // 2 · ½, capped
    for (let n = 1; n <= 60; n++) for (let right = 0; right <= n; right++) {
      const p = mcnemarExactP(right, n - right);
      expect(Math.abs(p - reference(right, n - right)), `${right} vs ${n - right}`).toBeLessThan(1e-12 + 1e-9 * p);
    }
  });

  it('holds for thousands of examples, where 2ⁿ is past a double', () => {
    for (const [right, wrong] of [[1100, 1000], [2600, 2400], [5000, 5000], [3000, 0]]) {
      const p = mcnemarExactP(right, wrong);
      expect(Number.isFinite(p), `${right} vs ${wrong}`).toBe(true);
      const ref = reference(right, wrong);
      expect(Math.abs(p - ref), `${right} vs ${wrong}: ${p} vs ${ref}`).toBeLessThan(1e-9 + 1e-9 * ref);
    }
    expect(mcnemarExactP(1100, 1000)).toBeCloseTo(0.0306, 3);
  });

  it('refuses what is not a count', () => {
    expect(() => mcnemarExactP(-1, 2)).toThrow('mcnemarExactP: right must be a whole number ≥ 0, got -1');
    expect(() => mcnemarExactP(1, 2.5)).toThrow('mcnemarExactP: wrong must be a whole number ≥ 0, got 2.5');
  });

  it('says how many held-out examples it takes to tell two arms apart', () => {
    expect(fewestDecisiveFlips()).toBe(6);
    expect(mcnemarExactP(6, 0)).toBeLessThan(0.05);
    expect(mcnemarExactP(5, 0)).toBeGreaterThanOrEqual(0.05);
    expect(heldOutChanceNote(4)).toBe('With 4 held-out examples no difference between arms can be told from chance: even all of them going one way gives p = 0.13. Evaluate at least 6.');
    expect(heldOutChanceNote(1)).toBe('With 1 held-out example no difference between arms can be told from chance: even all of them going one way gives p = 1.00. Evaluate at least 6.');
    expect(heldOutChanceNote(32)).toBe("With 32 held-out examples, an arm's difference from SFT reads as more than chance (p < 0.05) only if at least 6 answers flip its way; the results give each arm's p.");
  });

  it('says it in words', () => {
    expect(pValueText(0.21875)).toBe('p = 0.22');
    expect(pValueText(0.0306)).toBe('p = 0.031');
    expect(pValueText(0.0004)).toBe('p < 0.001');
    expect(chanceText(5, 1)).toBe('could be chance (p = 0.22, exact McNemar test on the 6 examples whose verdicts differ); more held-out examples would tell');
    expect(chanceText(10, 1)).toBe('is unlikely to be chance (p = 0.012, exact McNemar test on the 11 examples whose verdicts differ)');
    expect(chanceText(1, 0)).toBe('could be chance (p = 1.00, exact McNemar test on the one example whose verdict differs); more held-out examples would tell');
    expect(chanceText(0, 0)).toBe('no example changed its verdict');
  });

  it('says the answers an HDR round fixed and broke, short and as a sentence', () => {
    expect(answerChangesText(10, 1)).toBe('10 fixed, 1 broken, p = 0.012: unlikely to be chance');
    expect(answerChangesText(3, 1)).toBe('3 fixed, 1 broken, p = 0.63: could be chance');
    expect(answerChangesText(0, 0)).toBe('no answer changed its verdict');
    expect(answerChangesSentence(1, 0, 'over the run')).toBe('1 held-out answer turned right and 0 wrong over the run: that split could be chance (p = 1.00, exact McNemar test on the one example whose verdict differs); more held-out examples would tell.');
    expect(answerChangesSentence(0, 0, 'over the run')).toBe('No held-out answer changed its verdict over the run.');
  });
});
