// What studio train says beside its steps (cli/runSummary.ts), and its progress line on a terminal:
// a walk of the CLI found "trained 4 steps on 141 examples, holding out 33" for a 320-example file
// with no word of the other 146, the held-out loss nowhere but metrics.jsonl, SSB on data without
// reasoning said nothing, and "tokenizing: 291 of 291 examples6 steps of 2 examples…" on one line.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { ProgressLine } from '../../src/cli/progress.ts';
import { nothingToBalanceNote, RunTrace, skippedText } from '../../src/cli/runSummary.ts';
import type { EvalMetrics, StepMetrics } from '../../src/train/trainer.ts';

const evalAt = (step: number, tokens: number, call: number): EvalMetrics => ({ step, evalLoss: tokens, evalLossCot: 0.1, evalLossCall: call, evalLossTokens: tokens });
const stepAt = (step: number, alpha: number, cotTokens = 10): StepMetrics => ({ step, alpha, cotTokens, callTokens: 5 }) as StepMetrics;

describe('what a run says of itself', () => {
  it('counts the skipped examples by why, the held-out ones apart', () => {
    expect(skippedText(161, 0, 15, 256)).toBe('skipped: 146 training examples too long for the sequence length 256; 15 held-out examples passed over for the held-out loss (the next ones that fit take their place)');
    expect(skippedText(3, 2, 0, 512)).toBe('skipped: 1 training example too long for the sequence length 512 and 2 training examples the chat template cannot render');
    expect(skippedText(1, 0, 1, 512)).toBe('skipped: 1 held-out example passed over for the held-out loss (the next ones that fit take their place)');
  });

  it('says the held-out loss from the first evaluation to the last, and α over the steps that used it', () => {
    const trace = new RunTrace();
    expect(trace.text({ loss: 'ssb' })).toBeNull();
    trace.eval(evalAt(0, 0.909, 2.118));
    trace.step(stepAt(1, 0.7, 0)); // no reasoning in this batch: α unused, not a value it had
    trace.step(stepAt(2, 0.71));
    trace.eval(evalAt(15, 0.8, 1.9));
    trace.step(stepAt(30, 0.921));
    trace.eval(evalAt(30, 0.708, 1.665));
    expect(trace.text({ loss: 'ssb' })).toBe('held-out loss per token 0.909 → 0.708 (step 0 → 30; the call tokens 2.118 → 1.665); α 0.710 → 0.921 (step 2 → 30)');
    // Plain SFT and a fixed α have no α of their own to report.
    expect(trace.text({ loss: 'sft' })).toBe('held-out loss per token 0.909 → 0.708 (step 0 → 30; the call tokens 2.118 → 1.665)');
    const once = new RunTrace();
    once.eval(evalAt(0, 0.5, Number.NaN));
    expect(once.text({ loss: 'fixed:0.7' })).toBe('held-out loss per token 0.500 (step 0)');
  });

  it('says before an SSB run that data without reasoning leaves it plain SFT', () => {
    const answer = (reasoning?: string) => ({ target: { reasoning, calls: [] } }) as unknown as Example;
    expect(nothingToBalanceNote({ loss: 'ssb' }, [answer(), answer('  ')])).toMatch(/^none of the training examples has reasoning .* plain SFT \(--loss sft\) would$/);
    expect(nothingToBalanceNote({ loss: 'ssb' }, [answer(), answer('look it up')])).toBeNull();
    expect(nothingToBalanceNote({ loss: 'sft' }, [answer()])).toBeNull();
  });
});

describe('the progress line on a terminal', () => {
  const tty = process.stderr.isTTY;
  afterEach(() => {
    process.stderr.isTTY = tty;
    vi.restoreAllMocks();
  });

  it('ends a phase’s last line, so what is written next starts a line of its own', () => {
    process.stderr.isTTY = true;
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    const line = new ProgressLine();
    line.update('tokenizing: 100 of 291 examples');
    line.update('tokenizing: 291 of 291 examples', true, true);
    process.stderr.write('6 steps of 2 examples\n');
    line.update('step 1/6');
    line.done();
    expect(written.join('')).toBe('\r\x1b[2Ktokenizing: 100 of 291 examples\r\x1b[2Ktokenizing: 291 of 291 examples\n6 steps of 2 examples\n\r\x1b[2Kstep 1/6\n');
  });
});
