import { describe, expect, it } from 'vitest';
import { heldOutLosses, lossValue, lossWeights, parseLossMode, type LossMode } from '../../src/train/ssb.ts';
import { learningRate } from '../../src/train/schedule.ts';

const ssb: LossMode = { kind: 'ssb' };
const totals = { nllCot: 350 * 2.0, nllCall: 30 * 0.5, nCot: 350, nCall: 30 };

describe('SSB loss', () => {
  it('combines the segment means with the balance rule’s α', () => {
    const v = lossValue(ssb, 0.7, totals);
    expect(v.lossCot).toBeCloseTo(2.0, 12);
    expect(v.lossCall).toBeCloseTo(0.5, 12);
    expect(v.loss).toBeCloseTo(0.7 * 2.0 + 0.3 * 0.5, 12);
    expect(v.gradAlpha).toBeCloseTo(2.0 - 0.5, 12);
  });

  it('gives the call far more weight than plain SFT does with long reasoning', () => {
    const sft = lossWeights({ kind: 'sft' }, 0.7, 350, 30);
    const bal = lossWeights(ssb, 0.7, 350, 30);
    expect(sft.call * 30).toBeCloseTo(30 / 380, 12); // <10% of the signal
    expect(bal.call * 30).toBeCloseTo(0.3, 12);
  });

  it('per-token weights reproduce the loss as Σ w_t·nll_t', () => {
    for (const mode of [ssb, { kind: 'sft' } as LossMode, parseLossMode('fixed:0.4')]) {
      const w = lossWeights(mode, 0.55, totals.nCot, totals.nCall);
      expect(w.cot * totals.nllCot + w.call * totals.nllCall).toBeCloseTo(lossValue(mode, 0.55, totals).loss, 12);
    }
  });

  it('∂L/∂α matches a central finite difference in f64', () => {
    for (const alpha of [0.1, 0.5, 0.9]) {
      const h = 1e-6;
      const fd = (lossValue(ssb, alpha + h, totals).loss - lossValue(ssb, alpha - h, totals).loss) / (2 * h);
      expect(lossValue(ssb, alpha, totals).gradAlpha).toBeCloseTo(fd, 7);
    }
  });

  it('a batch without call tokens puts all weight on the reasoning (and vice versa)', () => {
    const noCall = lossWeights(ssb, 0.7, 10, 0);
    expect(noCall).toEqual({ cot: 0.1, call: 0, alpha: 1 });
    const noCot = lossWeights(ssb, 0.7, 0, 4);
    expect(noCot).toEqual({ cot: 0, call: 0.25, alpha: 0 });
    expect(lossValue(ssb, 0.7, { nllCot: 0, nllCall: 4, nCot: 0, nCall: 4 })).toMatchObject({ gradAlpha: 0, both: false });
  });

  it('a held-out set without reasoning has no reasoning loss (NaN, a gap), not a loss of 0', () => {
    // xLAM-style data has no reasoning: its eval CoT line sat at 0, as if the model had learned it perfectly.
    const e = heldOutLosses(ssb, 0.7, { nllCot: 0, nllCall: 30 * 0.5, nCot: 0, nCall: 30 });
    expect(e.evalLossCot).toBeNaN();
    expect(e.evalLossCall).toBeCloseTo(0.5, 12);
    expect(e.evalLoss).toBeCloseTo(0.5, 12);
    expect(e.evalLossTokens).toBeCloseTo(0.5, 12);
    const both = heldOutLosses(ssb, 0.7, totals);
    expect(both.evalLoss).toBeCloseTo(lossValue(ssb, 0.7, totals).loss, 12);
    expect(both.evalLossTokens).toBeCloseTo((totals.nllCot + totals.nllCall) / 380, 12);
    expect(heldOutLosses(ssb, 0.7, { nllCot: 20, nllCall: 0, nCot: 10, nCall: 0 }).evalLossCall).toBeNaN();
  });

  it('parses the run-config spelling and refuses nonsense', () => {
    expect(parseLossMode('ssb')).toEqual({ kind: 'ssb' });
    expect(parseLossMode('sft')).toEqual({ kind: 'sft' });
    expect(parseLossMode('fixed:0.25')).toEqual({ kind: 'fixed', alpha: 0.25 });
    expect(() => parseLossMode('fixed:1.5')).toThrow(/between 0 and 1/);
    expect(() => parseLossMode('focal')).toThrow(/unknown loss "focal"/);
  });
});

describe('learning-rate schedule', () => {
  it('warms up linearly, then decays by cosine to the floor', () => {
    const c = { kind: 'cosine' as const, lr: 1e-3, warmupSteps: 10, totalSteps: 110, minRatio: 0.1 };
    expect(learningRate(c, 0)).toBeCloseTo(1e-4, 12);
    expect(learningRate(c, 9)).toBeCloseTo(1e-3, 12);
    expect(learningRate(c, 60)).toBeCloseTo(1e-4 + 0.9e-3 * 0.5, 12);
    expect(learningRate(c, 110)).toBeCloseTo(1e-4, 12);
  });
  it('linear decay reaches zero at the end', () => {
    expect(learningRate({ kind: 'linear', lr: 2, warmupSteps: 0, totalSteps: 4 }, 4)).toBe(0);
    expect(learningRate({ kind: 'linear', lr: 2, warmupSteps: 0, totalSteps: 4 }, 2)).toBe(1);
  });
});
