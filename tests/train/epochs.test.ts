import { describe, expect, it } from 'vitest';
import { takeIndices, type DataCursor } from '../../src/train/batching.ts';
import { epochsOfSteps, epochsText, runLengthText, stepsForEpochs } from '../../src/train/epochs.ts';

/** How often each of `n` examples is trained on over `steps` steps, drawn as the trainer draws them
 * (takeIndices, batchSize × gradAccum a step). */
function timesSeen(n: number, steps: number, perStep: number): number[] {
  const seen = new Array<number>(n).fill(0);
  let cursor: DataCursor = { epoch: 0, index: 0 };
  for (let s = 0; s < steps; s++) {
    const r = takeIndices(n, 42, cursor, perStep);
    for (const i of r.indices) seen[i]++;
    cursor = r.next;
  }
  return seen;
}

describe('steps and epochs', () => {
  it('the steps of k epochs show every example k times, as the trainer draws them', () => {
    // Sizes that divide and sizes that do not (a step crossing into the next epoch).
    for (const [n, batch, accum] of [[12, 2, 2], [11, 2, 1], [7, 3, 2], [5, 8, 1]]) {
      for (const k of [1, 2, 3]) {
        const steps = stepsForEpochs(k, n, batch, accum);
        const seen = timesSeen(n, steps, batch * accum);
        // Rounded up to whole steps: at most one step's examples beyond the k passes.
        expect(Math.min(...seen), `${n} examples, ${batch}×${accum}, ${k} epochs`).toBeGreaterThanOrEqual(k);
        expect(seen.reduce((a, b) => a + b, 0) - k * n).toBeLessThan(batch * accum);
        expect(epochsOfSteps(steps, n, batch, accum)).toBeGreaterThanOrEqual(k);
        expect(epochsOfSteps(steps - 1, n, batch, accum)).toBeLessThan(k);
      }
    }
    // Exactly: 3 epochs of 12 examples at 4 a step are 9 steps, each example 3 times.
    expect(stepsForEpochs(3, 12, 2, 2)).toBe(9);
    expect(timesSeen(12, 9, 4)).toEqual(new Array(12).fill(3));
    expect(epochsOfSteps(9, 12, 2, 2)).toBe(3);
  });

  it('a fraction of an epoch is a part of a pass, and a run takes at least one step', () => {
    expect(stepsForEpochs(0.25, 12, 1, 1)).toBe(3);
    expect(epochsOfSteps(3, 12, 1, 1)).toBe(0.25);
    expect(stepsForEpochs(0.01, 12, 4, 1)).toBe(1);
    // Under one epoch no example comes twice: 20 steps of 1 over 290 see 20 of them.
    const seen = timesSeen(290, 20, 1);
    expect(seen.filter((t) => t === 1)).toHaveLength(20);
    expect(Math.max(...seen)).toBe(1);
  });

  it('says epochs as a reader reads them', () => {
    expect(epochsText(1)).toBe('1 epoch');
    expect(epochsText(0.9999)).toBe('1 epoch');
    expect(epochsText(1.8181)).toBe('1.8 epochs');
    expect(epochsText(0.0689)).toBe('0.069 epochs');
    expect(epochsText(0.001)).toBe('0.001 epochs');
    expect(epochsText(4 / 52657)).toBe('under 0.001 epochs');
    expect(epochsText(0.2069)).toBe('0.21 epochs');
    expect(epochsText(12.4)).toBe('12 epochs');
    expect(epochsText(2)).toBe('2 epochs');
  });

  it('says a run’s length in steps and epochs, with what a step takes', () => {
    expect(runLengthText(20, 11, 1, 1)).toBe('20 steps of 1 example: 1.8 epochs over 11 training examples');
    expect(runLengthText(30, 290, 2, 1)).toBe('30 steps of 2 examples: 0.21 epochs over 290 training examples');
    expect(runLengthText(1, 1200, 4, 2)).toBe('1 step of 8 examples (4 × 2 accumulated): 0.0067 epochs over 1,200 training examples');
  });
});

describe('the dashboard’s epochs headline', () => {
  it('keeps two decimals, and two significant digits under a hundredth, as the Training panel says them', async () => {
    const { epochNumber } = await import('../../src/ui/dashboard/Headline.tsx');
    expect(epochNumber(0.2069)).toBe('0.21');
    expect(epochNumber(0)).toBe('0.00');
    expect(epochNumber(3 / 1762)).toBe('0.0017');
    expect(epochNumber(1 / 52657)).toBe('<0.001');
    expect(epochNumber(123.4)).toBe('123');
  });
});
