// Two readings of the runs under way at once (a run's end and a tab switch each ask for one): the one
// that finishes last must not undo the newer. In the e2e run, a reading begun while the run still
// held its lock finished after the one begun once it had ended, and the dashboard said of a run that
// had just finished here "Training in another tab of the studio".
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));
/** Each reading's answers, released by the test in the order it chooses. */
const readings = vi.hoisted(() => [] as Array<{ release: () => void; locks: Set<string>; status: string }>);
const gate = vi.hoisted(() => ({ next: [] as Array<{ locks: Set<string>; status: string }>, locks: new Set<string>() }));
vi.mock('../../src/state/queries.ts', async (original) => ({
  ...(await original<object>()),
  runsTable: async () => {
    const answer = gate.next.shift()!;
    await new Promise<void>((release) => readings.push({ release, ...answer }));
    gate.locks = answer.locks;
    const run = { id: 'r', name: 'mine', datasetId: 'd', kind: 'train', status: answer.status, createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 3 } as StoredRun;
    return { runs: [run], lastMetrics: new Map(), checkpointSteps: new Map(), adapterRuns: new Set() };
  },
}));
vi.mock('../../src/worker/protocol.ts', async (original) => ({
  ...(await original<object>()),
  // The locks as the reading that asks saw them: it asks as soon as its runsTable answer comes.
  runsTrainingNow: async () => gate.locks,
  runLockReleased: () => new Promise(() => undefined),
}));

const { useRuns, effectiveStatus } = await import('../../src/state/runStore.ts');

describe('readings of the runs that overlap', () => {
  it('keep the newest: an older one finishing last does not bring back the lock its run has let go', async () => {
    // The first reading saw the run still holding its lock; the second, begun after it ended, did not.
    gate.next.push({ locks: new Set(['r']), status: 'done' }, { locks: new Set(), status: 'done' });
    const older = useRuns.getState().refreshRuns();
    await vi.waitFor(() => expect(readings).toHaveLength(1));
    const newer = useRuns.getState().refreshRuns();
    await vi.waitFor(() => expect(readings).toHaveLength(2));
    const [first, second] = readings;
    let olderDone = false;
    void older.then(() => (olderDone = true));
    second.release();
    await newer;
    first.release();
    await older;
    expect(olderDone).toBe(true);
    const s = useRuns.getState();
    expect([...s.trainingNow]).toEqual([]);
    expect(effectiveStatus(s.runs[0], s.active?.runId ?? null, new Set(), s.trainingNow)).toBe('done');
  });
});
