// How long a counted wait has left: timed from its first progress to its newest, a new label being
// a new phase, and nothing said until 3 s of it have gone by with something counted.
import { describe, expect, it } from 'vitest';
import { nextPhaseTimes, phaseEtaSeconds } from '../../src/state/progressEta.ts';

describe('a counted wait’s time left', () => {
  it('follows the phase’s pace, starts again with a new phase, and waits for a pace to say anything', () => {
    let t = nextPhaseTimes(undefined, 'counting', 0, 1000);
    expect(phaseEtaSeconds(t, 60_000)).toBeNull();
    t = nextPhaseTimes(t, 'counting', 1000, 2500);
    expect(phaseEtaSeconds(t, 60_000)).toBeNull(); // 1.5 s: too early
    t = nextPhaseTimes(t, 'counting', 3000, 7000);
    expect(t).toEqual({ label: 'counting', first: { at: 1000, done: 0 }, last: { at: 7000, done: 3000 } });
    expect(phaseEtaSeconds(t, 60_000)).toBe(114); // 500 a second, 57,000 to go
    expect(phaseEtaSeconds(t, 3000)).toBe(0);
    // Another label: another phase, timed from its own start.
    t = nextPhaseTimes(t, 'tokenizing', 10, 9000);
    expect(t).toEqual({ label: 'tokenizing', first: { at: 9000, done: 10 }, last: { at: 9000, done: 10 } });
    expect(phaseEtaSeconds(nextPhaseTimes(t, 'tokenizing', 10, 20_000), 100)).toBeNull(); // nothing counted since
  });
});
