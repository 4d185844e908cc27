// Training an ended run on to more steps: when it may (the studio's "Train on" and the worker say
// the same), and where a longer schedule first changes the learning rate (the studio's note and
// `studio train --resume --steps`'s say the same).
import { describe, expect, it } from 'vitest';
import { rescheduledStep, trainOnProblem } from '../../src/train/runWords.ts';

describe('training an ended run on', () => {
  const done = { status: 'done', lastStep: 30 };
  const checkpoint = { step: 30, adapterOnly: false };
  it('needs an ended run of the user’s own, more steps, and a checkpoint with its optimizer state', () => {
    expect(trainOnProblem(done, checkpoint, 60)).toBeNull();
    expect(trainOnProblem(done, { step: 20, adapterOnly: false }, 31)).toBeNull();
    expect(trainOnProblem(done, checkpoint, 30)).toBe('training on needs more steps in all than the 30 it has trained, as a whole number; got 30');
    expect(trainOnProblem(done, checkpoint, 45.5)).toMatch(/as a whole number; got 45\.5$/);
    expect(trainOnProblem({ status: 'paused', lastStep: 12 }, checkpoint, 60)).toBe('only an ended run trains on; this one is paused: resume it instead');
    expect(trainOnProblem({ ...done, readOnly: true }, checkpoint, 60)).toBe('it was opened read-only from a snapshot: open the snapshot as resumable to train it on');
    expect(trainOnProblem(done, undefined, 60)).toBe('it kept no checkpoint with its optimizer state to go on from: start a new run');
    expect(trainOnProblem(done, { step: 30, adapterOnly: true }, 60)).toBe('it kept no checkpoint with its optimizer state to go on from: start a new run');
  });

  it('finds the first step a longer schedule trains at another rate, with both rates', () => {
    const cosine = { schedule: 'cosine' as const, lr: 1e-3, warmupSteps: 2 };
    // Finished, a cosine run had decayed to 0; laid over 60 steps, step 31 is back near half the peak.
    const on = rescheduledStep(cosine, 30, 60, 30)!;
    expect(on.step).toBe(31);
    expect(on.plannedRate).toBe(0);
    expect(on.rate).toBeCloseTo(1e-3 * 0.5 * (1 + Math.cos((Math.PI * 28) / 58)), 12);
    expect(rescheduledStep({ ...cosine, schedule: 'constant' }, 30, 60, 30)).toBeNull();
    // A warm-up past the steps trained keeps its rates, and the decay's first step (the peak) too.
    expect(rescheduledStep({ ...cosine, warmupSteps: 40 }, 50, 60, 10)!.step).toBe(42);
  });
});
