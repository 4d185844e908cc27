// Two tabs, one training run: the tab whose worker trains a run holds its Web Lock, and the studio
// in any other tab (another lock holder here: the page itself) sees the run as training elsewhere,
// not interrupted, and its worker refuses to delete or train it. Throws to fail.
import { StudioDb } from '../../src/data/db.ts';
import { holdingDataset, holdingModel, RUN_LOCK_PREFIX, runLockReleased, runsTrainingNow, unlessModelInUse, withRunLock } from '../../src/worker/runLock.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
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

  async 'the page hears when another tab lets a run’s lock go, and its wait is no run training'() {
    const runId = `lock-wait-${Date.now()}`;
    const release = await holdElsewhere(runId);
    let released = false;
    const waited = runLockReleased(runId).then(() => void (released = true));
    try {
      await new Promise((ok) => setTimeout(ok, 50));
      assert(!released, 'the wait settled while the other tab held the lock');
      // The waiting (shared) request is queued, not held: the run is listed once, as training there.
      assert((await runsTrainingNow()).has(runId), 'the held lock is not listed as a run training now');
    } finally {
      release();
    }
    await waited;
    assert(released, 'the wait did not settle once the lock was let go');
    const again = await withRunLock(runId, async () => 'trained here');
    assert(!again.refused, 'the page’s wait kept the lock from this tab’s worker');
    assert(!(await runsTrainingNow()).has(runId), 'a run nobody trains is listed as training');
  },

  async 'a dataset or model another tab’s job works with is not deleted here until that job ends'() {
    // The page stands for the other tab's worker: it holds the locks a job there holds.
    let end!: () => void;
    const job = new Promise<void>((ok) => (end = ok));
    const db = new StudioDb();
    const dataset = await saveDataset(db, { name: `lock-test-${Date.now()}`, examples: [{ id: 'a', tools: [], messages: [{ role: 'user', content: 'q' }], target: { calls: [{ name: 'f', arguments: {} }] } }], files: [] });
    void holdingDataset(dataset.id, () => job);
    void holdingModel('lock-test/model', () => job);
    // A request's lock is granted a task later: wait for it to be held.
    while (!(await navigator.locks.query()).held?.some((l) => l.name?.endsWith(dataset.id))) await new Promise((ok) => setTimeout(ok, 10));
    const remove = async () => {
      const plan = await engineClient().request('describeDatasetDeletion', { datasetId: dataset.id });
      return engineClient().request('deleteDataset', { datasetId: dataset.id, confirmToken: plan.confirmToken }).then(() => null, (e: Error) => e.message);
    };
    const refused = await remove();
    assert(refused?.includes('a job in another tab of the studio is working on this dataset'), `the dataset was not kept: ${refused}`);
    assert(await db.datasets.get(dataset.id), 'the dataset was deleted under the other tab’s job');
    let deleted = false;
    assert(!(await unlessModelInUse('lock-test/model', async () => void (deleted = true))) && !deleted, 'the model’s files were deleted under the other tab’s job');
    end();
    await job;
    while ((await navigator.locks.query()).held?.some((l) => l.name?.endsWith(dataset.id))) await new Promise((ok) => setTimeout(ok, 10));
    assert((await remove()) === null, 'the dataset could not be deleted once the job ended');
    assert(await unlessModelInUse('lock-test/model', async () => void (deleted = true)), 'the model’s files could not be deleted once the job ended');
    db.close();
  },

  async 'a job’s work on a dataset starts only once another tab’s include or deletion there ended'() {
    // The page stands for the other tab's worker, saving an include: it holds the lock alone.
    const name = `balancesft-dataset:lock-test-${Date.now()}`;
    let saved!: () => void;
    const saving = navigator.locks.request(name, () => new Promise<void>((ok) => (saved = ok)));
    while (!(await navigator.locks.query()).held?.some((l) => l.name === name)) await new Promise((ok) => setTimeout(ok, 10));
    let started = false;
    const working = holdingDataset(name.slice('balancesft-dataset:'.length), async () => void (started = true));
    while (!(await navigator.locks.query()).pending?.some((l) => l.name === name)) await new Promise((ok) => setTimeout(ok, 10));
    assert(!started, 'the job’s work started while another tab held its dataset’s lock alone');
    saved();
    await saving;
    await working;
    assert(started, 'the job’s work did not run once the other tab let its dataset’s lock go');
  },
};
