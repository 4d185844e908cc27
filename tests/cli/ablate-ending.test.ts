// How `studio ablate` ends when an arm failed: each failed arm and why on stderr, a summary that
// does not read as an interruption, and a failing exit status (it printed "stopped after 2 of 3
// arms" and exited 0, the reason only in report.md). Pure: no GPU, no model.
import { describe, expect, it } from 'vitest';
import { ablationEnding } from '../../src/cli/commands/ablate.ts';

const arm = (id: string) => ({ id }) as never;

describe('the end of studio ablate', () => {
  it('names each failed arm with its reason, and counts the arms done', () => {
    const result = { arms: [arm('sft'), arm('ssb:grad')], stopped: true, failed: [{ id: 'fixed:0.7', message: 'arm fixed:0.7: training failed after 1 step: QuotaExceededError: The quota has been exceeded.' }, { id: 'ssb:grad+hdr', message: 'the ssb:grad arm it starts from did not finish' }] };
    expect(ablationEnding(result, 4, false)).toEqual({
      failures: ['fixed:0.7 failed: training failed after 1 step: QuotaExceededError: The quota has been exceeded.', 'ssb:grad+hdr failed: the ssb:grad arm it starts from did not finish'],
      summary: '2 of 4 arms trained and evaluated; 2 failed (fixed:0.7, ssb:grad+hdr)',
    });
  });

  it('says an interrupted ablation stopped, and nothing more of one that finished', () => {
    expect(ablationEnding({ arms: [], stopped: true, failed: [] }, 3, true)).toEqual({ failures: [], summary: 'stopped after 0 of 3 arms' });
    expect(ablationEnding({ arms: [arm('sft')], stopped: false, failed: [] }, 1, false)).toEqual({ failures: [], summary: null });
  });
});
