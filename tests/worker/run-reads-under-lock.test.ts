// A training run reads its dataset's examples under the run's and the dataset's locks. It read them
// before taking either: an example included in another tab while this one's lock request was under
// way went through there, and the run then trained without it (the page there said it was in); a
// dataset deleted there meanwhile was trained on from memory, under a run row pointing at nothing.
// Node has no Web Locks: a stand-in whose run-lock grant waits until the test lets it go takes their
// place (a real grant is asynchronous too), and two engines on one database are two tabs.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import type { Example } from '../../src/data/example.ts';
import { DexieWorkspace } from '../../src/jobs/store/dexie.ts';
import type { JobExamples } from '../../src/jobs/data.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { RUN_LOCK_PREFIX } from '../../src/worker/runLock.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { stubLocks } from '../helpers/locks.ts';

// What the run trains on, instead of training it (no GPU here).
const trained: JobExamples[] = [];
vi.mock('../../src/jobs/train.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/jobs/train.ts')>()),
  trainJob: async (_ctx: unknown, input: { examples: JobExamples }) => (trained.push(input.examples), { status: 'done', step: 0, steps: 0, trainExamples: input.examples.train.length }),
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
  vi.unstubAllGlobals();
});

/** Two tabs on one database; this one's run-lock grant waits for `grant()`. */
async function setup() {
  const locks = stubLocks();
  let reached!: () => void;
  const asked = new Promise<void>((r) => (reached = r));
  let grant!: () => void;
  const granted = new Promise<void>((r) => (grant = r));
  vi.stubGlobal('navigator', {
    locks: {
      ...locks,
      async request(name: string, options: { mode?: string; ifAvailable?: boolean }, cb: (lock: unknown) => Promise<unknown>) {
        if (name.startsWith(RUN_LOCK_PREFIX)) {
          reached();
          await granted;
        }
        return locks.request(name, options, cb);
      },
    },
  });
  const db = new StudioDb(`run-reads-under-lock-${++n}-${Date.now()}`, { indexedDB, IDBKeyRange });
  opened.push(db);
  const dataset = await saveDataset(db, { name: 'tools.jsonl', examples: [good('a'), good('b'), flagged, good('c')], files: [], split: { seed: 1, evalFraction: 0 } });
  const store = await new DexieWorkspace(db, { datasetId: dataset.id, modelRef: 'tiny' }).createRun({ kind: 'train', config: DEFAULT_RUN_CONFIG, name: 'my run' });
  const here = new StudioEngine(undefined, () => undefined, db);
  // The job slot without a GPU: the job runs at once.
  Object.assign(here, { jobs: { requireModel: () => ({ ref: 'tiny' }), writing: () => null, run: async (_label: string, job: (ctx: unknown, input: unknown) => Promise<unknown>, input: unknown) => job({}, input) } });
  const there = new StudioEngine(undefined, () => undefined, db);
  const start = () => here.handlers.startRun({ runId: store.runId, resume: false }, () => undefined);
  return { db, dataset, there, start, asked, grant };
}

describe('a training run started while another tab changes its dataset', () => {
  it('trains on an example included there before its locks were granted', async () => {
    const { dataset, there, start, asked, grant } = await setup();
    const training = start();
    await asked;
    await there.handlers.setExampleIncluded({ datasetId: dataset.id, exampleId: 'bad', included: true }, () => undefined);
    grant();
    await training;
    expect(trained.map((e) => e.train.map((x) => x.id))).toEqual([['a', 'b', 'bad', 'c']]);
  });

  it('refuses, naming the dataset, when the dataset was deleted there meanwhile', async () => {
    const { dataset, there, start, asked, grant } = await setup();
    const training = start();
    await asked;
    const { confirmToken } = await there.handlers.describeDatasetDeletion({ datasetId: dataset.id }, () => undefined);
    await there.handlers.deleteDataset({ datasetId: dataset.id, confirmToken }, () => undefined);
    grant();
    await expect(training).rejects.toThrow('the dataset is not in the studio any more (deleted, perhaps in another tab)');
    expect(trained).toEqual([]);
  });
});
