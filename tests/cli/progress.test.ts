// What `studio train` prints before a large run's first step: the tokenizing and the weights' upload,
// counted (minutes each for 60k examples or a 7B model, with nothing on screen before).
import { describe, expect, it } from 'vitest';
import { phaseText } from '../../src/cli/progress.ts';

describe('a job phase on the progress line', () => {
  it('counts examples and bytes, and stays quiet for what is not counted', () => {
    expect(phaseText({ label: 'tokenizing', done: 12800, total: 53847, unit: 'examples' })).toBe('tokenizing: 12,800 of 53,847 examples');
    expect(phaseText({ label: 'loading the model onto the GPU', done: 1.5 * 2 ** 30, total: 3 * 2 ** 30, unit: 'bytes' })).toBe('loading the model onto the GPU: 1.50 GiB of 3.00 GiB');
    expect(phaseText({ label: 'loading the model onto the GPU', done: 0, total: 1 })).toBeNull();
    expect(phaseText({ label: 'training', done: 3, total: 100 })).toBeNull();
  });

  it('says a run\'s training and held-out examples apart as it tokenizes them', () => {
    // "0 of 303 examples" for a run of 287 training examples and 16 held out for the held-out loss
    // read as 16 examples nothing accounted for.
    expect(phaseText({ label: 'tokenizing', done: 120, total: 303, unit: 'examples', heldOut: 16 })).toBe('tokenizing: 120 of 287 training examples + 16 held out');
    expect(phaseText({ label: 'tokenizing', done: 290, total: 303, unit: 'examples', heldOut: 16 })).toBe('tokenizing: 287 training examples + 3 of 16 held out');
    expect(phaseText({ label: 'tokenizing', done: 2000, total: 12000, unit: 'examples', heldOut: 0 })).toBe('tokenizing: 2,000 of 12,000 training examples');
  });
});
