// How `studio ablate` ends when an arm failed: each failed arm and why on stderr, a summary that
// does not read as an interruption, and a failing exit status (it printed "stopped after 2 of 3
// arms" and exited 0, the reason only in report.md). Pure: no GPU, no model.
import { describe, expect, it } from 'vitest';
import { ablationEnding, armDoneText, armStepText } from '../../src/cli/commands/ablate.ts';
import { stepLossText } from '../../src/cli/progress.ts';

const arm = (id: string) => ({ id }) as never;
const BOUNDS = { alphaMin: 0.05, alphaMax: 0.95 };

describe('the end of studio ablate', () => {
  it('names each failed arm with its reason, and counts the arms done', () => {
    // Every arm ran to an end (two failed): no stop.
    const result = { arms: [arm('sft'), arm('ssb:grad')], stopped: false, failed: [{ id: 'fixed:0.7', message: 'arm fixed:0.7: training failed after 1 step: QuotaExceededError: The quota has been exceeded.' }, { id: 'ssb:grad+hdr', message: 'the ssb:grad arm it starts from did not finish' }] };
    expect(ablationEnding(result, 4)).toEqual({
      failures: ['fixed:0.7 failed: training failed after 1 step: QuotaExceededError: The quota has been exceeded.', 'ssb:grad+hdr failed: the ssb:grad arm it starts from did not finish'],
      summary: '2 of 4 arms trained and evaluated; 2 failed (fixed:0.7, ssb:grad+hdr)',
    });
  });

  it('says an interrupted ablation stopped, and nothing more of one that finished', () => {
    expect(ablationEnding({ arms: [], stopped: true, failed: [] }, 3)).toEqual({ failures: [], summary: 'stopped after 0 of 3 arms' });
    expect(ablationEnding({ arms: [arm('sft')], stopped: false, failed: [] }, 1)).toEqual({ failures: [], summary: null });
  });
});

describe('an arm’s line once it is evaluated', () => {
  // Held-out prompts all too long for the model: nothing was asked, and "accuracy 0.0% (0/0)" read
  // as a score; the report and the studio show no score there.
  it('gives no accuracy for an arm that answered nothing', () => {
    const a = (total: number, correct: number) => ({ id: 'sft', loss: 'sft', alpha0: null, finalAlpha: null, summary: { total, correct, accuracy: total ? correct / total : 0 } }) as never;
    expect(armDoneText(a(0, 0), BOUNDS)).toBe(`${'sft'.padEnd(22)} accuracy — (0/0)  α is the token share (no weight to learn)`);
    expect(armDoneText(a(4, 3), BOUNDS)).toBe(`${'sft'.padEnd(22)} accuracy 75.0% (3/4)  α is the token share (no weight to learn)`);
  });

  // DWA on the demo went 0.70 → 0.05 → 0.95 → 0.05: the line said "α 0.700 → 0.050 (-0.650)", as if
  // the rule had settled on the call.
  it('says an SSB arm’s α swung between its bounds, not only where it stopped', () => {
    const alphas = [0.7, 0.7, 0.05, 0.05, 0.95, 0.95, 0.05];
    const dwa = { id: 'ssb:dwa', loss: 'ssb:dwa', alpha0: 0.7, finalAlpha: 0.05, curve: alphas.map((alpha, i) => ({ step: i + 1, alpha })), summary: { total: 4, correct: 3, accuracy: 0.75 } } as never;
    expect(armDoneText(dwa, BOUNDS)).toBe(`${'ssb:dwa'.padEnd(22)} accuracy 75.0% (3/4)  α swung between its bounds 0.05 and 0.95 (from one to the other twice); it ended at 0.05 by chance of where the run stopped`);
  });
});

describe('an arm’s step on the progress line', () => {
  // A batch without reasoning tokens: the trainer logs a reasoning loss of 0 and α 0 (all weight on
  // the call); the line said "cot 0.0000 … α 0.000" of an arm whose α was 0.69.
  it('shows no reasoning loss and no α for a step without reasoning tokens', () => {
    const m = { step: 3, loss: 0.5, lossCot: 0, lossCall: 0.5, alpha: 0, cotTokens: 0, callTokens: 30 };
    expect(armStepText(m)).toBe('step 3  loss 0.5000  cot —  call 0.5000  α —');
    expect(armStepText({ ...m, lossCot: 2, alpha: 0.69, cotTokens: 40 })).toBe('step 3  loss 0.5000  cot 2.0000  call 0.5000  α 0.690');
  });

  it('studio train\u2019s progress line says the same: no 0.0000 for a segment the batch had none of', () => {
    const m = { loss: 0.5, lossCot: 0, lossCall: 0.5, alpha: 0, cotTokens: 0, callTokens: 12 };
    expect(stepLossText(m)).toBe('loss 0.5000  cot —  call 0.5000  α —');
    expect(stepLossText({ ...m, lossCall: 0, lossCot: 1.25, alpha: 1, cotTokens: 30, callTokens: 0 })).toBe('loss 0.5000  cot 1.2500  call —  α —');
  });
});
