// A training run reads its row and its dataset's examples under the run's and the dataset's locks,
// and a run is deleted under its run lock. The run read them before taking either: an example
// included in another tab while this one's lock request was under way went through there, and the
// run then trained without it (the page there said it was in); a dataset or the run itself deleted
// there meanwhile was trained on from memory, writing metrics and checkpoints for a row nothing
// lists. A deletion checked for a training run, then deleted: a run another tab started in between
// trained on, deleted under it.
// Node has no Web Locks: a stand-in that can hold a tab's look at the run locks until the test lets
// it go takes their place (a real grant is asynchronous too), and two engines on one database are
// two tabs.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset, setExampleIncluded } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { DexieWorkspace } from '../../src/jobs/store/dexie.ts';
import type { JobExamples } from '../../src/jobs/data.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { RUN_LOCK_PREFIX } from '../../src/worker/runLock.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { stubLocks } from '../helpers/locks.ts';

// What the run trains on, instead of training it (no GPU here); it trains until `training` settles.
const trained: JobExamples[] = [];
let training: Promise<void> | null = null;
vi.mock('../../src/jobs/train.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/jobs/train.ts')>()),
  trainJob: async (_ctx: unknown, input: { examples: JobExamples }) => {
    trained.push(input.examples);
    await training;
    return { status: 'done', step: 0, steps: 0, trainExamples: input.examples.train.length };
  },
}));

const f = { name: 'f', parameters: { type: 'object', properties: {} } };
const good = (id: string): Example => ({ id, tools: [f], messages: [{ role: 'user', content: `question ${id}` }], target: { reasoning: 'call f', calls: [{ name: 'f', arguments: {} }] } });
// Calls a tool it does not declare: flagged, left out until included.
const flagged: Example = { ...good('bad'), target: { reasoning: 'call g', calls: [{ name: 'g', arguments: {} }] } };

let n = 0;
const opened: StudioDb[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  trained.splice(0);
  training = null;
  vi.unstubAllGlobals();
});

/** The moment a tab looks at the run locks, held until `go()`: a run-lock request before it is
 * made, a look at the held locks after it was answered (what it saw may be out of date by then). */
interface Pause {
  reached: Promise<void>;
  go(): void;
}

/** Two tabs on one database; `pauseNextLook()` holds the next look at the run locks, whichever tab's. */
async function setup() {
  const locks = stubLocks();
  const pauses: Array<{ reached(): void; go: Promise<void> }> = [];
  const paused = async () => {
    const p = pauses.shift();
    if (p) (p.reached(), await p.go);
  };
  vi.stubGlobal('navigator', {
    locks: {
      async request(name: string, options: { mode?: string; ifAvailable?: boolean }, cb: (lock: unknown) => Promise<unknown>) {
        if (name.startsWith(RUN_LOCK_PREFIX)) await paused();
        return locks.request(name, options, cb);
      },
      async query() {
        const held = await locks.query();
        await paused();
        return held;
      },
    },
  });
  const pauseNextLook = (): Pause => {
    let reached!: () => void;
    let go!: () => void;
    const pause = { reached: new Promise<void>((r) => (reached = r)), go: () => go() };
    pauses.push({ reached, go: new Promise<void>((r) => (go = r)) });
    return pause;
  };
  const db = new StudioDb(`run-lock-order-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
  opened.push(db);
  const dataset = await saveDataset(db, { name: 'tools.jsonl', examples: [good('a'), good('b'), flagged, good('c')], files: [], split: { seed: 1, evalFraction: 0 } });
  const store = await new DexieWorkspace(db, { datasetId: dataset.id, modelRef: 'tiny' }).createRun({ kind: 'train', config: DEFAULT_RUN_CONFIG, name: 'my run' });
  const here = new StudioEngine(undefined, () => undefined, db);
  // The job slot without a GPU: the job runs at once.
  Object.assign(here, { jobs: { requireModel: () => ({ ref: 'tiny' }), writing: () => null, run: async (_label: string, job: (ctx: unknown, input: unknown) => Promise<unknown>, input: unknown) => job({}, input) } });
  const there = new StudioEngine(undefined, () => undefined, db);
  const start = () => here.handlers.startRun({ runId: store.runId, resume: false }, () => undefined);
  return { db, dataset, store, there, start, pauseNextLook, locks };
}

describe('a training run started while another tab changes its dataset, or deletes it', () => {
  it('trains on an example included there before its locks were granted', async () => {
    const { dataset, there, start, pauseNextLook } = await setup();
    const look = pauseNextLook();
    const training = start();
    await look.reached;
    await there.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'bad', included: true }, () => undefined);
    look.go();
    await training;
    expect(trained.map((e) => e.train.map((x) => x.id))).toEqual([['a', 'b', 'bad', 'c']]);
  });

  it('reads its examples only once an include another tab was saving ended', async () => {
    const { db, dataset, start, locks } = await setup();
    // The other tab's include holds the dataset's lock alone while it saves, as its worker's does.
    const datasetLock = `balancesft-dataset:${dataset.id}`;
    let saved!: () => void;
    const saving = locks.request(datasetLock, {}, async () => {
      await new Promise<void>((r) => (saved = r));
      await setExampleIncluded(db, dataset.id, 'bad', true);
    });
    const training = start();
    await vi.waitFor(async () => expect((await locks.query()).pending).toContainEqual({ name: datasetLock, mode: 'shared' }));
    // A turn of the event loop: a run that did not wait for its grant has read its examples by now.
    await new Promise((r) => setTimeout(r, 0));
    expect(trained).toEqual([]);
    saved();
    await saving;
    await training;
    expect(trained.map((e) => e.train.map((x) => x.id))).toEqual([['a', 'b', 'bad', 'c']]);
  });

  it('refuses, naming the dataset, when the dataset was deleted there meanwhile', async () => {
    const { dataset, there, start, pauseNextLook } = await setup();
    const look = pauseNextLook();
    const training = start();
    await look.reached;
    const { confirmToken } = await there.handlers.describeDatasetDeletion({ datasetId: dataset.id }, () => undefined);
    await there.handlers.deleteDataset({ datasetId: dataset.id, confirmToken }, () => undefined);
    look.go();
    await expect(training).rejects.toThrow('the dataset is not in the studio any more (deleted, perhaps in another tab)');
    expect(trained).toEqual([]);
  });

  it('refuses, naming the run, when the run was deleted there meanwhile', async () => {
    const { db, store, there, start, pauseNextLook } = await setup();
    const look = pauseNextLook();
    const started = start();
    await look.reached;
    await there.handlers.deleteRun({ runId: store.runId }, () => undefined);
    look.go();
    await expect(started).rejects.toThrow('“my run” was deleted (perhaps in another tab of the studio); nothing was trained');
    expect(trained).toEqual([]);
    expect(await db.runs.get(store.runId)).toBeUndefined();
  });
});

describe('deleting a run another tab starts training meanwhile', () => {
  it('is refused once that tab holds the run, however late in the deletion it took it', async () => {
    const { db, store, there, start, pauseNextLook } = await setup();
    // The deletion looks at the run's lock just before this tab takes it.
    const look = pauseNextLook();
    let end!: () => void;
    training = new Promise<void>((r) => (end = r));
    const deleting = there.handlers.deleteRun({ runId: store.runId }, () => undefined);
    await look.reached;
    const started = start();
    await vi.waitFor(() => expect(trained).toHaveLength(1));
    look.go();
    await expect(deleting).rejects.toThrow('“my run” is training in another tab of the studio; stop it there before deleting it');
    expect(await db.runs.get(store.runId)).toBeDefined();
    end();
    await started;
  });
});
