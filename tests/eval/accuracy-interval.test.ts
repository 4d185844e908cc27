// The Wilson score interval of an accuracy (eval/accuracyInterval.ts): against the formula worked
// by hand, inside [0, 1] at the ends, narrowing as examples grow, and covering the true accuracy
// about 95% of the time in a seeded simulation.
import { describe, expect, it } from 'vitest';
import { accuracyInterval, accuracyIntervalText } from '../../src/eval/accuracyInterval.ts';

describe('an accuracy’s 95% interval', () => {
  it('is Wilson’s: 9 of 12 is 47–91%, 25 of 31 is 64–91%', () => {
    const [lo, hi] = accuracyInterval(9, 12)!;
    // z = 1.96: centre (0.75 + z²/24) / (1 + z²/12), half z·√(0.75·0.25/12 + z²/576) / (1 + z²/12).
    expect(lo).toBeCloseTo(0.4677, 4);
    expect(hi).toBeCloseTo(0.9111, 4);
    expect(accuracyIntervalText(9, 12)).toBe('95% interval 47–91%');
    expect(accuracyIntervalText(25, 31)).toBe('95% interval 64–91%');
  });

  it('stays inside 0–100% at none and all right, says nothing for no example, and refuses what is not a count', () => {
    expect(accuracyInterval(0, 10)![0]).toBe(0);
    expect(accuracyInterval(10, 10)![1]).toBe(1);
    expect(accuracyIntervalText(0, 10)).toBe('95% interval 0–28%');
    expect(accuracyIntervalText(10, 10)).toBe('95% interval 72–100%');
    expect(accuracyInterval(0, 0)).toBeNull();
    expect(accuracyIntervalText(0, 0)).toBe('');
    expect(() => accuracyInterval(5, 4)).toThrow('accuracyInterval: 5 of 4 is not a count of examples');
    expect(() => accuracyInterval(1.5, 4)).toThrow('accuracyInterval: 1.5 of 4 is not a count of examples');
  });

  it('narrows with more examples and covers the true accuracy about 95% of the time', () => {
    const width = (c: number, n: number) => accuracyInterval(c, n)![1] - accuracyInterval(c, n)![0];
    expect(width(80, 100)).toBeLessThan(width(8, 10));
    expect(width(800, 1000)).toBeLessThan(width(80, 100));
    // Seeded draws of 50 examples at a true accuracy of 0.8.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let covered = 0;
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      let correct = 0;
      for (let i = 0; i < 50; i++) correct += rand() < 0.8 ? 1 : 0;
      const [lo, hi] = accuracyInterval(correct, 50)!;
      covered += lo <= 0.8 && 0.8 <= hi ? 1 : 0;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.98);
  });
});
