// What a training run's row says while and after it trains, on the real job and the Dexie store:
// the step of its newest checkpoint as soon as it is written (a closed tab used to leave "step 0",
// and every picker of the latest trained run skipped it), and a new run stopped before its first
// step stays startable instead of "done" with an adapter it never had.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { createTrainRun, DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 4, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 2, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };

async function setup() {
  const engine = await tinyEngine();
  const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
  const db = new StudioDb(`run-progress-${Date.now()}-${Math.random()}`, { indexedDB, IDBKeyRange });
  return { engine, db, examples: { train: imported.examples.slice(0, 8), eval: [] } };
}

describe('a training run’s row', () => {
  it('says the step of its newest checkpoint while it trains', { timeout: 300_000 }, async () => {
    const { engine, db, examples } = await setup();
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'progress', config });
    const seen: Array<[number, string | undefined, number | undefined]> = [];
    const outcome = await engine.train({
      store: new DexieRunStore(db, run.id),
      config,
      examples,
      resume: false,
      events: {
        // Read as a closed tab would leave it: after the step's metric, before the next step.
        onStep: async (m) => {
          const row = await db.runs.get(run.id);
          seen.push([m.step, row?.status, row?.lastStep]);
        },
      },
    }, undefined, run.id);
    expect(outcome).toMatchObject({ status: 'done', step: 4 });
    // Step 2's checkpoint is written after its metric: from step 3 on the row says 2 (the job does not
    // await onStep, so a read may land after a later checkpoint, never before).
    expect(seen.map(([step]) => step)).toEqual([1, 2, 3, 4]);
    for (const [step, status, lastStep] of seen) {
      expect(status).toBe('running');
      expect(lastStep).toBeGreaterThanOrEqual(step >= 3 ? 2 : 0);
    }
    expect((await db.runs.get(run.id))?.lastStep).toBe(4);
    db.close();
  });

  it('stays as it was when stopped before its first step', { timeout: 300_000 }, async () => {
    const { engine, db, examples } = await setup();
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'stopped early', config });
    const stopAtOnce = () => engine.interrupt(run.id, 'stop');
    const outcome = await engine.train({ store: new DexieRunStore(db, run.id), config, examples, resume: false }, stopAtOnce, run.id);
    expect(outcome).toMatchObject({ status: 'created', step: 0, message: 'stopped by the user before its first step; nothing was trained' });
    // Stopped while it tokenized: the start changed nothing.
    expect(await db.runs.get(run.id)).toEqual(run);

    // Stopped later, while the held-out loss before training ran: still no step, no adapter.
    const withBaseline = { ...config, evalEvery: 2 };
    const stopAtBaseline = (p: { label: string }) => p.label === 'held-out loss before training' && engine.interrupt(run.id, 'stop');
    const late = await engine.train({ store: new DexieRunStore(db, run.id), config: withBaseline, examples: { ...examples, eval: examples.train.slice(0, 1) }, resume: false }, stopAtBaseline, run.id);
    expect(late).toMatchObject({ status: 'created', step: 0 });
    expect(await db.runs.get(run.id)).toMatchObject({ status: 'created', lastStep: 0, message: 'stopped by the user before its first step; nothing was trained' });
    expect(await db.checkpoints.where('runId').equals(run.id).count()).toBe(0);

    // Resumed and stopped while it tokenized: the run is as it was (paused at its step), neither
    // "done" nor startable-only; a never-trained run resumed this way stays startable too.
    await db.runs.update(run.id, { status: 'paused', lastStep: 2, message: undefined });
    const resumed = await engine.train({ store: new DexieRunStore(db, run.id), config, examples, resume: true }, stopAtOnce, run.id);
    // It says the step the run keeps: step 0 read "stopped before it trained a step" in the tab.
    expect(resumed).toMatchObject({ status: 'created', step: 2, message: 'stopped by the user before training went on; the run is as it was' });
    expect(await db.runs.get(run.id)).toMatchObject({ status: 'paused', lastStep: 2 });
    // Paused there: the outcome says the step it is paused at (it said 0, and studio train printed
    // "paused after step 0" for a run at step 2).
    const paused = await engine.train({ store: new DexieRunStore(db, run.id), config, examples, resume: true }, () => engine.interrupt(run.id, 'pause'), run.id);
    expect(paused).toMatchObject({ status: 'paused', step: 2 });
    expect(await db.runs.get(run.id)).toMatchObject({ status: 'paused', lastStep: 2 });
    db.close();
  });
});
