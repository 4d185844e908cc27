// Two tabs, one training run: the tab whose worker trains a run holds its Web Lock, and the studio
// in any other tab (another lock holder here: the page itself) sees the run as training elsewhere,
// not interrupted, and its worker refuses to delete or train it. Throws to fail.
import { StudioDb } from '../../src/data/db.ts';
import { RUN_LOCK_PREFIX, runsTrainingNow, withRunLock } from '../../src/worker/runLock.ts';
import { effectiveStatus } from '../../src/state/runStore.ts';
import { engineClient } from '../../src/state/engine.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** Holds the run's lock as another tab's worker would, until `release` is called. */
async function holdElsewhere(runId: string): Promise<() => void> {
  let release!: () => void;
  let held!: () => void;
  const isHeld = new Promise<void>((ok) => (held = ok));
  void navigator.locks.request(RUN_LOCK_PREFIX + runId, () => {
    held();
    return new Promise<void>((ok) => (release = ok));
  });
  await isHeld;
  return release;
}

export const tests = {
  async 'a run another tab trains is "elsewhere", and this tab neither trains nor deletes it'() {
    const runId = `lock-test-${Date.now()}`;
    const release = await holdElsewhere(runId);
    try {
      assert((await runsTrainingNow()).has(runId), 'the held lock is not listed as a run training now');
      let ran = false;
      const second = await withRunLock(runId, async () => void (ran = true));
      assert(second.refused && !ran, 'a second holder trained the run beside the first');
      const row = { id: runId, datasetId: 'd', kind: 'train', status: 'running', createdAt: 0, updatedAt: 0, config: DEFAULT_RUN_CONFIG, lastStep: 3 } as StoredRun;
      const status = effectiveStatus(row, null, new Set(), await runsTrainingNow());
      assert(status === 'elsewhere', `a run training in another tab shows as ${status}`);

      // This tab's worker, asked to delete it, refuses and leaves the row.
      const db = new StudioDb();
      await db.runs.put(row as never);
      const err = await engineClient()
        .request('deleteRun', { runId })
        .then(() => null, (e: Error) => e.message);
      assert(err?.includes('is training in another tab of the studio'), `delete was not refused: ${err}`);
      assert(await db.runs.get(runId), 'the run row was deleted under the tab training it');
      release();
      // Once the other tab lets go (a release settles a task later: wait for it), the lock is free
      // and the row is an ordinary interrupted run.
      await navigator.locks.request(RUN_LOCK_PREFIX + runId, async () => undefined);
      const third = await withRunLock(runId, async () => 'trained here');
      assert(!third.refused && third.value === 'trained here', 'the lock stayed taken after its holder let go');
      assert(effectiveStatus(row, null, new Set(), await runsTrainingNow()) === 'interrupted', 'a run nobody trains is not interrupted');
      await db.runs.delete(runId);
      db.close();
    } finally {
      release();
    }
  },
};
