// The chart data model: stored rows then live points, the resume rule (a step at or before the
// last one cuts the tail, so a resumed run stays one line), evals joining their step, and live
// events that arrive while the stored rows load.
import { describe, expect, it } from 'vitest';
import { RunSeries } from '../../src/state/runSeries.ts';
import type { StepMetrics } from '../../src/train/trainer.ts';

function step(n: number, loss = 10 - n): StepMetrics {
  return { step: n, epoch: 0, loss, lossCot: loss + 1, lossCall: loss - 1, alpha: 0.7 - n / 100, gradAlpha: 0.1, lr: 1e-3, gradNorm: 1, tokensPerSecond: 100, cotTokens: 50, callTokens: 10, tokens: 300, millis: 5 };
}

describe('RunSeries', () => {
  it('loads stored rows sorted by step and appends live steps', () => {
    const s = new RunSeries('r');
    s.setRows([{ step: 2, values: { loss: 8, alpha: 0.68 } }, { step: 1, values: { loss: 9, alpha: 0.69 } }]);
    s.addStep(step(3));
    expect(s.steps).toEqual([1, 2, 3]);
    expect(s.values.loss).toEqual([9, 8, 7]);
    expect(s.values.lossCot).toEqual([null, null, 8]);
    expect(s.last('alpha')).toBeCloseTo(0.67);
  });

  it('cuts the tail when a resumed run reports a step it already had', () => {
    const s = new RunSeries('r');
    s.setRows([1, 2, 3, 4, 5].map((n) => ({ step: n, values: { loss: 10 - n } })));
    s.addStep(step(4, 42)); // resumed from the step-3 checkpoint
    expect(s.steps).toEqual([1, 2, 3, 4]);
    expect(s.values.loss).toEqual([9, 8, 7, 42]);
  });

  it('puts an eval on the row of its step and notifies subscribers', () => {
    const s = new RunSeries('r');
    let calls = 0;
    s.subscribe(() => calls++);
    s.setRows([]);
    s.addStep(step(1));
    s.addStep(step(2));
    s.addEval({ step: 2, evalLoss: 3, evalLossCot: 4, evalLossCall: 2, evalLossTokens: 2.5 });
    expect(s.values.evalLoss).toEqual([null, 3]);
    expect(s.values.evalLossTokens).toEqual([null, 2.5]);
    expect(s.values.evalLossCall).toEqual([null, 2]);
    expect(calls).toBe(4);
  });

  it('replays live events that arrived during the load, skipping steps the rows already have', () => {
    const s = new RunSeries('r');
    s.enqueue({ metric: step(2) });
    s.enqueue({ metric: step(3) });
    s.enqueue({ evalMetric: { step: 3, evalLoss: 1, evalLossCot: 1, evalLossCall: 1, evalLossTokens: 1 } });
    s.setRows([{ step: 1, values: { loss: 9 } }, { step: 2, values: { loss: 8 } }]);
    expect(s.steps).toEqual([1, 2, 3]);
    expect(s.values.loss).toEqual([9, 8, 7]);
    expect(s.values.evalLoss).toEqual([null, null, 1]);
  });

  it('treats non-finite stored values as gaps', () => {
    const s = new RunSeries('r');
    s.setRows([{ step: 1, values: { loss: Number.NaN, alpha: Infinity } }]);
    expect(s.values.loss).toEqual([null]);
    expect(s.values.alpha).toEqual([null]);
  });

  it('treats a non-finite live eval value as a gap, as it does after a reload', () => {
    const s = new RunSeries('r');
    s.setRows([]);
    s.addStep(step(1));
    s.addEval({ step: 1, evalLoss: 0.5, evalLossCot: Number.NaN, evalLossCall: 0.5, evalLossTokens: 0.5 });
    s.addStep(step(2));
    s.addEval({ step: 2, evalLoss: Infinity, evalLossCot: Number.NaN, evalLossCall: 0.4, evalLossTokens: 0.4 });
    expect(s.values.evalLossCot).toEqual([null, null]);
    expect(s.values.evalLoss).toEqual([0.5, null]);
    expect(s.last('evalLoss')).toBe(0.5);
  });

  it('puts the held-out loss before the first step on a step-0 row of its own', () => {
    const s = new RunSeries('r');
    s.setRows([]);
    s.addEval({ step: 0, evalLoss: 0.29, evalLossCot: 0.1, evalLossCall: 0.85, evalLossTokens: 0.45 });
    s.addStep(step(1));
    s.addEval({ step: 1, evalLoss: 0.2, evalLossCot: 0.1, evalLossCall: 0.8, evalLossTokens: 0.44 });
    expect(s.steps).toEqual([0, 1]);
    expect(s.values.evalLossTokens).toEqual([0.45, 0.44]);
    expect(s.values.loss).toEqual([null, 9]);
    // An eval of a step the series does not have (and not before its first) is still dropped.
    s.addEval({ step: 7, evalLoss: 1, evalLossCot: 1, evalLossCall: 1, evalLossTokens: 1 });
    expect(s.steps).toEqual([0, 1]);
  });

  it('leaves a segment’s loss, and α, out of a step whose batch had none of that segment', () => {
    const s = new RunSeries('r');
    s.setRows([{ step: 1, values: { loss: 2, lossCot: 0, lossCall: 2, alpha: 0, cotTokens: 0, callTokens: 8 } }]);
    s.addStep({ ...step(2), lossCall: 0, alpha: 1, callTokens: 0 });
    s.addStep(step(3));
    expect(s.values.lossCot).toEqual([null, 9, 8]);
    expect(s.values.lossCall).toEqual([2, null, 6]);
    expect(s.values.alpha.slice(0, 2)).toEqual([null, null]);
    expect(s.values.alpha[2]).toBeCloseTo(0.67);
    expect(s.values.loss).toEqual([2, 8, 7]);
  });
});
