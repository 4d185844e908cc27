// studio eval with nothing to evaluate says why and what would help: "(split eval; 3 imported)"
// left a user whose training run held nothing out, or who gave a BFCL file without --split all, to
// guess, and suggested another split seed to examples that all fail the quality check.
import { describe, expect, it } from 'vitest';
import { noneToEvaluate } from '../../src/cli/commands/eval.ts';

const counts = (imported: number, failedQuality = 0) => ({ records: imported, imported, failedQuality, leftOut: 0, leftOutAsked: 0 });

describe('nothing to evaluate', () => {
  it('says the split held none out, and offers --split all before another seed', () => {
    expect(noneToEvaluate('eval', counts(3), 1234, 0.1)).toBe('the split (split seed 1234, holding out 10%) held none of the 3 imported examples out; evaluate every one with --split all (as for a BFCL file), or choose a --split-seed that holds some out');
    expect(noneToEvaluate('train', counts(1), 7, 0.2)).toBe('the split (split seed 7, holding out 20%) held out all of the 1 imported example; evaluate every one with --split all, or choose a --split-seed that keeps some for training');
  });

  it('says when every example fails the quality check, not that a seed would help', () => {
    expect(noneToEvaluate('eval', counts(4, 4), 1234, 0.1)).toBe('all 4 imported examples fail the quality check; --include-failing scores them too');
    expect(noneToEvaluate('eval', counts(0), 1234, 0.1)).toBe('no example was imported (0 imported, 0 failed the quality check)');
  });
});
