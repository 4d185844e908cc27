// The CLI's Ctrl-C handler: a first Ctrl-C asks the job to end (once), a second one quits, and a
// Ctrl-C that lands as the job has already ended is no crash (asking then throws: nothing runs).
import { afterEach, describe, expect, it } from 'vitest';
import { endOnCtrlC } from '../../src/cli/interrupt.ts';
import { ProgressLine } from '../../src/cli/progress.ts';

const before = process.listeners('SIGINT');
afterEach(() => {
  for (const l of process.listeners('SIGINT')) if (!before.includes(l)) process.removeListener('SIGINT', l);
});

describe('Ctrl-C in a long command', () => {
  it('asks the job to end once, leaves a quit for a second Ctrl-C, and removes itself when the work ends', async () => {
    let asked = 0;
    let whileWorking = 0;
    const got = await endOnCtrlC(new ProgressLine(true), 'finishing', () => void asked++, async () => {
      process.emit('SIGINT');
      // While the job finishes, the quit-now handler waits for the second Ctrl-C; the first one's is gone.
      whileWorking = process.listeners('SIGINT').length;
      return 7;
    });
    expect(got).toBe(7);
    expect(asked).toBe(1);
    expect(whileWorking).toBe(before.length + 1);
    // Once the work is done the quit-now handler goes too: left behind, the next command run in
    // this process quit on its first Ctrl-C instead of finishing its job, and handlers piled up.
    expect(process.listeners('SIGINT').length).toBe(before.length);
  });

  it('takes a Ctrl-C whose job has just ended (asking throws) without failing the command', async () => {
    const got = await endOnCtrlC(new ProgressLine(true), 'finishing', () => {
      throw new Error('run x is not training');
    }, async () => {
      process.emit('SIGINT');
      return 'written';
    });
    expect(got).toBe('written');
  });

  it('is gone once the work is done, so a later Ctrl-C asks nothing', async () => {
    let asked = 0;
    await endOnCtrlC(new ProgressLine(true), 'finishing', () => void asked++, async () => 1);
    expect(process.listeners('SIGINT').length).toBe(before.length);
    expect(asked).toBe(0);
  });
});
