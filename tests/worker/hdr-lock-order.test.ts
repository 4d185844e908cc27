// HDR (an HDR run, or an ablation's HDR arm) reads its dataset once it holds the dataset's HDR lock.
// It read it before: an HDR run in another tab that added its last round's samples and ended while
// this one's lock request was under way was missed, so this one numbered its first round as that
// round again, gave its samples the same ids, and failed adding them ("dataset … already has an
// example …") after minutes of mining; its replay pool and the samples it knows lacked them too.
// A stand-in for Web Locks holds this tab's HDR lock request until the test lets it go (a real
// grant is asynchronous too); the other tab's round is its samples, added to the database meanwhile.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { splitOf } from '../../src/data/split.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import type { Example } from '../../src/data/example.ts';
import { addHdrExamples, DEFAULT_HDR_SETTINGS } from '../../src/hdr/index.ts';
import { defaultAblationConfig } from '../../src/jobs/ablationConfig.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { stubLocks } from '../helpers/locks.ts';
import { tinyModelFiles, withoutGpu } from '../helpers/tinyEngine.ts';

// What HDR and the ablation start from, instead of running them (no GPU here).
const started: Array<{ ids: string[] }> = [];
vi.mock('../../src/jobs/hdr.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/jobs/hdr.ts')>()),
  hdrJob: async (_ctx: unknown, input: { replayPool: Example[] }) => (started.push({ ids: input.replayPool.map((e) => e.id) }), { stopReason: 'stand-in', rounds: 0, poolStart: 0, added: 0 }),
}));
vi.mock('../../src/jobs/ablate.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/jobs/ablate.ts')>()),
  ablationJob: async (_ctx: unknown, input: { examples: { train: Example[] } }) => (started.push({ ids: input.examples.train.map((e) => e.id) }), { arms: [], stopped: false }),
}));

afterEach(() => {
  started.splice(0);
  vi.unstubAllGlobals();
});

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
        if (name.startsWith('balancesft-hdr:')) (reached(), await granted);
        return locks.request(name, options, cb);
      },
    },
  });
  const db = new StudioDb(`hdr-lock-order-${Date.now()}-${Math.random()}`, { indexedDB, IDBKeyRange });
  const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
  // A held-out side, which the ablation evaluates its arms on.
  const split = { seed: 1, evalFraction: 0.25 };
  const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 20), files: imported.files, split });
  const engine = new StudioEngine(undefined, () => undefined, db);
  await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
  withoutGpu(engine);
  // The other tab's HDR round: an accepted sample of the first training-side example, round 1.
  const first = imported.examples.slice(0, 20).find((e) => splitOf(e.id, split) === 'train')!;
  const otherTabsRound = () => addHdrExamples(db, dataset.id, [{ ...first, id: `${first.id}#hdr1.0`, source: 'hdr', hdrRound: 1 }]);
  return { db, dataset, engine, asked, grant, otherTabsRound, sampleId: `${first.id}#hdr1.0` };
}

/** The job `start` begins, from what it reads once its HDR lock request was granted. */
async function startedFrom(start: (engine: StudioEngine, datasetId: string) => Promise<unknown>): Promise<{ ids: string[]; sampleId: string }> {
  const { db, dataset, engine, asked, grant, otherTabsRound, sampleId } = await setup();
  const job = start(engine, dataset.id);
  await asked;
  await otherTabsRound();
  grant();
  await job;
  db.close();
  expect(started).toHaveLength(1);
  return { ids: started[0].ids, sampleId };
}

describe('HDR started while another tab’s HDR run ends', () => {
  it('starts from the samples that run added', async () => {
    const settings = { ...DEFAULT_HDR_SETTINGS, samplesPerCase: 1, maxRounds: 1, stepsPerRound: 1, maxNewTokens: 2, batchSize: 1 };
    const { ids, sampleId } = await startedFrom((engine, datasetId) => engine.handlers.startHdr({ datasetId, settings, mineLimit: 2, evalLimit: 0 }, () => undefined));
    expect(ids).toContain(sampleId);
  }, 60_000);

  it('starts an ablation’s HDR arm from them too', async () => {
    const config = defaultAblationConfig(
      { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 0, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } },
      { rules: ['grad'], hdrRule: 'grad', evalLimit: 1, decoding: { maxNewTokens: 2, batchSize: 1, seed: 1 } },
    );
    const { ids, sampleId } = await startedFrom((engine, datasetId) => engine.handlers.startAblation({ datasetId, name: 'with HDR', config }, () => undefined));
    expect(ids).toContain(sampleId);
  }, 60_000);
});
