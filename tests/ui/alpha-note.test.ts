// The dashboard's α note for a run whose data has no reasoning: every α is a gap (no cot tokens),
// so the note says why instead of "the call gets …" as if a value were still loading.
import { describe, expect, it } from 'vitest';
import { RunSeries } from '../../src/state/runSeries.ts';
import { nothingToBalance } from '../../src/ui/dashboard/alphaStory.ts';

const step = (n: number, cotTokens: number) => ({ step: n, values: { loss: 1, lossCot: cotTokens ? 2 : 0, lossCall: 1, alpha: cotTokens ? 0.7 : 0, cotTokens, callTokens: 20 } });

describe('an SSB run with nothing to balance', () => {
  it('is one none of whose batches held reasoning tokens: its α is all gaps', () => {
    const none = new RunSeries('no-reasoning');
    none.setRows([step(1, 0), step(2, 0)]);
    expect(none.values.alpha).toEqual([null, null]);
    expect(nothingToBalance(none.sftCallShare())).toBe(true);
  });

  it('is not one with reasoning in some batch, nor one before its first step', () => {
    const some = new RunSeries('some-reasoning');
    some.setRows([step(1, 10), step(2, 0)]);
    expect(some.values.alpha).toEqual([0.7, null]);
    expect(nothingToBalance(some.sftCallShare())).toBe(false);
    expect(nothingToBalance(new RunSeries('fresh').sftCallShare())).toBe(false);
  });
});
