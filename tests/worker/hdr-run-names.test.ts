// Two HDR runs from one adapter were both named "HDR from “demo: SSB on the demo data”": the HDR
// panel's run list and the Runs panel showed two rows no one could tell apart. The studio tells them
// apart as it tells its made-up training run names apart (" (2)"); renaming the source carries the
// number along (tests/jobs/run-names.test.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { studioForHdr } from '../helpers/hdrStart.ts';

// The job itself is not run (no GPU here): the run's row, and its name, are written before it.
vi.mock('../../src/jobs/hdr.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/jobs/hdr.ts')>()),
  hdrJob: async () => ({ stopReason: 'no_hard_cases', rounds: 0, poolStart: 0, poolEnd: 0, added: 0 }),
}));

afterEach(() => vi.unstubAllGlobals());

describe('HDR runs from one source', () => {
  it('are named apart, the second with " (2)"', async () => {
    const { db, startHdr } = await studioForHdr('hdr-run-names');
    await startHdr();
    await startHdr();
    const names = (await db.runs.toArray()).filter((r) => r.kind === 'hdr').map((r) => r.name).sort();
    db.close();
    expect(names).toEqual(['HDR from the base model', 'HDR from the base model (2)']);
  }, 60_000);
});
