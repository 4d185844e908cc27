// The studio's HDR run hands the job the dataset's open hard cases, whichever run left them, so it
// asks them again beside the examples it mines (tests/jobs/hdr-open-cases.test.ts: what the job does
// with them). It handed none: a second run mining the first 40 training examples never asked an open
// case further on, and the page showed it open below "Hard-case pool 0 → 0".
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hardCaseId, type OpenHardCase } from '../../src/hdr/index.ts';
import { studioForHdr } from '../helpers/hdrStart.ts';

// What HDR starts from, instead of running it (no GPU here).
const started: Array<{ mined: string[]; openCases?: OpenHardCase[] }> = [];
vi.mock('../../src/jobs/hdr.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/jobs/hdr.ts')>()),
  hdrJob: async (_ctx: unknown, input: { mineSet: Array<{ id: string }>; openCases?: OpenHardCase[] }) => (started.push({ mined: input.mineSet.map((e) => e.id), openCases: input.openCases }), { stopReason: 'no_hard_cases', rounds: 0, poolStart: 0, poolEnd: 0, added: 0 }),
}));

afterEach(() => {
  started.splice(0);
  vi.unstubAllGlobals();
});

describe('the studio’s HDR run', () => {
  it('hands the job the dataset’s open hard cases, not the solved ones', async () => {
    const { db, datasetId, startHdr } = await studioForHdr('hdr-open-cases');
    const row = (exampleId: string, status: 'open' | 'solved') => ({ id: hardCaseId(datasetId, exampleId), datasetId, exampleId, round: 1, failedOutputs: ['wrong'], status, createdAt: 1 });
    await db.hardCases.bulkPut([row('demo-0017', 'open'), row('demo-0015', 'solved')]);
    await startHdr();
    db.close();
    expect(started).toHaveLength(1);
    expect(started[0].mined).not.toContain('demo-0017');
    expect(started[0].openCases).toEqual([{ exampleId: 'demo-0017', round: 1, failedOutputs: ['wrong'] }]);
  }, 60_000);
});
