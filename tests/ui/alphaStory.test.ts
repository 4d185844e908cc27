// The dashboard's words on α: the direction each balance rule pushes it, with the run's own
// segment losses, and SSB's premise when this data's reasoning is short. The segment means are
// weighted by each step's token counts.
import { describe, expect, it } from 'vitest';
import { RunSeries } from '../../src/state/runSeries.ts';
import { alphaStory, type AlphaFacts } from '../../src/ui/dashboard/alphaStory.ts';
import { alphaChangeText, alphaPath } from '../../src/train/alphaPath.ts';

const BOUNDS = { alphaMin: 0.05, alphaMax: 0.95 };
/** A run whose α went straight from `first` to `last`. */
const path = (first: number, last: number) => alphaPath([first, last], BOUNDS)!;
// The guided demo's run, rounded: short reasoning, α pushed up by a rarely wrong call.
const demo: AlphaFacts = { rule: 'grad', path: path(0.7, 0.9085), sftCallShare: 0.523, meanCot: 0.021, meanCall: 1.31 };
/** The story as the note reads it, in order. */
const said = (f: AlphaFacts) => {
  const s = alphaStory(f);
  return [s.lead, s.leadWhy, s.moved, ...s.rest].filter(Boolean).join(' ');
};

describe('alphaStory', () => {
  it('says which segment the grad rule favoured, from this run’s losses, and that the premise does not hold for short reasoning', () => {
    const text = said(demo);
    expect(text).toContain('α has moved +0.21 since step 1.');
    expect(text).toContain('moves α toward the segment whose loss is lower: over this run the reasoning tokens’ loss averaged 0.021 and the call tokens’ 1.31 (lower: the reasoning), so α rose: more weight on the reasoning.');
    expect(text).toContain('plain SFT already gives the call 52.3%, more than SSB starts it at (1 − α₀ = 30.0%)');
    expect(text).toContain('Ablation panel');
  });

  it('says nothing of the premise where the reasoning is long (SFT leaves the call less than 1 − α₀)', () => {
    const text = said({ ...demo, sftCallShare: 0.08, meanCot: 2.4, meanCall: 0.9, path: path(0.7, 0.55) });
    expect(text).not.toContain('meant for long reasoning');
    expect(text).toContain('(lower: the call), so α fell: more weight on the call.');
    expect(text).toContain('α has moved −0.15 since step 1.');
  });

  it('calls a move under 0.005 barely, whatever the losses', () => {
    const text = said({ ...demo, path: path(0.7, 0.7012), sftCallShare: 0.1 });
    expect(text).toBe('α has moved +0.001 since step 1. Barely: the grad rule’s gradient on α is the reasoning loss minus the call loss, small at this learning rate.');
  });

  it('says α has not moved where its move rounds to nothing (not “−0.000”)', () => {
    expect(alphaStory({ ...demo, path: path(0.7, 0.7 - 0.0002), sftCallShare: 0.1 }).moved).toBe('α has not moved by 0.001 since step 1.');
  });

  it('explains the uncertainty and DWA rules in their own terms', () => {
    expect(said({ ...demo, rule: 'uncertainty' })).toContain('weighs each segment by 1 / its loss, so the segment the model already predicts better gets more weight: over this run');
    const dwa = said({ ...demo, rule: 'dwa', path: path(0.7, 0.62) });
    expect(dwa).toContain('DWA gives more weight to the segment whose loss falls more slowly, so α fell: more weight on the call.');
  });

  // The demo ablation's DWA arm: 0.70 → 0.05 (step 11) → 0.95 (steps 13–17) → 0.05 (steps 18–20).
  // The dashboard said "α has moved −0.6500 since step 1 … so α fell: more weight on the call".
  const dwaSwing = [...Array(10).fill(0.7), 0.05, 0.3, 0.95, 0.95, 0.95, 0.95, 0.95, 0.05, 0.05, 0.05];
  it('says α swung between its bounds, and that where it ended is where the run stopped, not a direction', () => {
    const text = said({ ...demo, rule: 'dwa', path: alphaPath(dwaSwing, BOUNDS)! });
    expect(text).toContain('α swung between its bounds 0.05 and 0.95 (from one to the other twice); it ended at 0.05 by chance of where the run stopped.');
    expect(text).toContain('DWA gives more weight to the segment whose loss falls more slowly, and which segment that was changed as the run went on, so α swung.');
    expect(text).not.toContain('α has moved');
    expect(text).not.toContain('so α fell');
  });

  it('says α swung where it spanned far more than its net change without reaching a bound', () => {
    const text = said({ ...demo, rule: 'uncertainty', path: alphaPath([0.7, 0.4, 0.3, 0.5, 0.66], BOUNDS)! });
    expect(text).toContain('α swung between 0.30 and 0.70, far more than its net change (−0.040); it ended at 0.66 by chance of where the run stopped.');
  });

  it('does not lead with the call’s weight at the last α of a swing, which ended where the run stopped', () => {
    // DWA ending high: the last α would read as "the call got 5%", beside "it ended there by chance".
    const endsHigh = alphaStory({ ...demo, rule: 'dwa', path: alphaPath([...dwaSwing.slice(0, 17), 0.95], BOUNDS)! });
    expect(endsHigh.lead).toBeNull();
    expect(endsHigh.rest.join(' ')).toContain('As α swung, the call got from 5.0% to 95.0% of the loss, against 52.3% under plain SFT.');
  });

  it('does not call a drift to one bound a swing, nor one from near one bound to the other', () => {
    expect(alphaPath([0.7, 0.8, 0.9, 0.95, 0.95], BOUNDS)!.swung).toBe(false);
    // From near the top straight down to the bottom: one crossing, one way.
    const fall = alphaPath([0.94, 0.8, 0.5, 0.2, 0.05], BOUNDS)!;
    expect(fall).toMatchObject({ crossings: 1, swung: false });
    expect(said({ ...demo, rule: 'dwa', path: fall })).toContain('so α fell: more weight on the call');
    // Down to the bottom and back up to the top, and down again: a swing.
    expect(alphaPath([0.94, 0.05, 0.95, 0.06], BOUNDS)!).toMatchObject({ crossings: 3, swung: true });
    expect(alphaPath([0.7, 0.68, 0.66, 0.67], BOUNDS)!.swung).toBe(false); // spans under 0.1: noise
  });

  it('rounds α’s change to two decimals from 0.1 and three below', () => {
    expect([-0.65, 0.2085, -0.0261, 0.00002].map(alphaChangeText)).toEqual(['−0.65', '+0.21', '−0.026', '0.000']);
  });

  it('leaves the losses out before a step has both segments', () => {
    const text = said({ ...demo, meanCall: null });
    expect(text).toContain('moves α toward the segment whose loss is lower, so α rose');
    expect(text).not.toContain('averaged');
  });
});

describe('RunSeries.segmentLossMean', () => {
  it('weights each step’s segment mean by its token count and skips steps without that segment', () => {
    const s = new RunSeries('r');
    s.setRows([
      { step: 1, values: { lossCot: 1, cotTokens: 30, lossCall: 4, callTokens: 10 } },
      { step: 2, values: { lossCot: 3, cotTokens: 10, callTokens: 0 } },
      { step: 3, values: { lossCot: 0.5, cotTokens: 10, lossCall: 1, callTokens: 30 } },
    ]);
    expect(s.segmentLossMean('cot')).toBeCloseTo((30 + 30 + 5) / 50, 12);
    expect(s.segmentLossMean('call')).toBeCloseTo((40 + 30) / 40, 12);
    expect(new RunSeries('empty').segmentLossMean('call')).toBeNull();
  });
});
