// A training run or an evaluation whose model weights fail to read while they upload, and whose
// weights file then fails to close: the run says the read failed, not the close (the page and
// studio show the run's message, or the error the job threw). The weights are the tiny model's;
// only their file's data reads and its close are made to fail, once the model is loaded for jobs.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { createTrainRun, DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { closeFails, READ_ERROR, safetensorsDataStart } from '../helpers/closeFails.ts';
import { tinyEngine, tinyModelMap } from '../helpers/tinyEngine.ts';

const READ_FAILED = `model.safetensors: ${READ_ERROR}`;

/** A job engine whose weights file fails its data reads and its close from `fail.armed` on. */
async function engineWithFailingWeights() {
  const files = tinyModelMap();
  const fail = { armed: false };
  const weights = closeFails(memoryModelFiles(files, 'tiny'), 'model.safetensors', {
    readFailsFrom: safetensorsDataStart(files.get('model.safetensors') as Uint8Array),
    armed: () => fail.armed,
  });
  const engine = await tinyEngine(weights);
  fail.armed = true;
  const examples = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples.slice(0, 2);
  return { engine, examples, db: new StudioDb(`close-error-${Date.now()}`, { indexedDB, IDBKeyRange }) };
}

describe('a job whose weights fail to read, then to close', () => {
  it('a training run fails saying the read failed', { timeout: 120_000 }, async () => {
    const { engine, examples, db } = await engineWithFailingWeights();
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalExamples: 0 };
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'unreadable weights', config });
    const outcome = await engine.train({ store: new DexieRunStore(db, run.id), config, examples: { train: examples, eval: [] }, resume: false });
    expect(outcome).toMatchObject({ status: 'failed', message: `Error: ${READ_FAILED}` });
    expect((await db.runs.get(run.id))!.message).toBe(`Error: ${READ_FAILED}`);
  });

  it('an evaluation throws the read failure', { timeout: 120_000 }, async () => {
    const { engine, examples, db } = await engineWithFailingWeights();
    const store = new DexieRunStore(db, 'eval-unreadable', { datasetId: 'd', modelRef: 'tiny', name: 'eval of the base model', config: { adapterRunId: null, limit: 2, maxNewTokens: 3, lora: null } });
    await expect(engine.evaluate({ store, examples, adapter: null, decoding: { maxNewTokens: 3, batchSize: 1 } })).rejects.toThrow(READ_FAILED);
  });
});
