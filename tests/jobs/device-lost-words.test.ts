// A GPU device lost before a run saved its first checkpoint: the run's message said "Resume the run
// to continue from its last checkpoint" of a run that had none (a resume there starts again from
// step 0). The job knows whether it saved one, so it says which. No GPU is needed: the device is
// already lost when the model loads (the GPU the job gets is a stand-in that says so).
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { createTrainRun, DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { JobEngine } from '../../src/jobs/engine.ts';
import { GpuDeviceLostError } from '../../src/gpu/errors.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

describe('a run whose GPU device is lost before its first checkpoint', () => {
  it('says it saved none and there is nothing to resume, not to resume from its last checkpoint', { timeout: 120_000 }, async () => {
    const model = (await tinyEngine()).requireModel();
    const lostError = new GpuDeviceLostError('unknown', 'the driver was reset');
    const limits = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };
    const engine = new JobEngine(async () => ({ ctx: { clearRefusal() {}, lostError, limits }, recorder: { forgetBindGroups: () => 0 } }) as unknown as Gpu);
    engine.useModel(model);
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const db = new StudioDb(`device-lost-words-${Date.now()}`, { indexedDB, IDBKeyRange });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 2, batchSize: 1, seqLen: 320, evalEvery: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'lost early', config });
    const outcome = await engine.train({ store: new DexieRunStore(db, run.id), config, examples: { train: imported.examples.slice(0, 2), eval: [] }, resume: false });
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toBe(`${lostError.message}. It had saved no checkpoint, so there is nothing to resume: start the run again from step 0`);
    expect((await db.runs.get(run.id))!.message).toBe(outcome.message);
  });
});
