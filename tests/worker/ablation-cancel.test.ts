// An ablation's Cancel reaches it from the moment it is asked for, as an evaluation's and an HDR
// run's do: pressed while the request still reads the dataset's examples, it used to land on no job
// (the GPU was not yet held), and the ablation then trained and evaluated every arm regardless.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { defaultAblationConfig } from '../../src/jobs/ablate.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { tinyModelFiles } from '../helpers/tinyEngine.ts';

describe('cancelling an ablation in the worker', () => {
  it('stops it before its first arm when pressed while its examples are read', { timeout: 600_000 }, async () => {
    const db = new StudioDb(`ablation-cancel-${Date.now()}`, { indexedDB, IDBKeyRange });
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 40), files: imported.files });
    const engine = new StudioEngine(await nodeGpu(), () => undefined, db);
    await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
    const config = defaultAblationConfig(
      { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 0, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } },
      { rules: ['grad'], hdrRule: null, evalLimit: 1, decoding: { maxNewTokens: 2, batchSize: 1, seed: 1 } },
    );
    const phases: string[] = [];
    const ablation = engine.handlers.startAblation({ datasetId: dataset.id, name: 'cancelled', config }, (p) => phases.push(p.label));
    // Pressed at once: the request is still reading the dataset's examples.
    await engine.handlers.cancelJob({}, () => undefined);
    const r = await ablation;
    expect(r).toMatchObject({ arms: 0, stopped: true });
    // No arm began: nothing tokenized, trained or evaluated.
    expect(phases).toEqual([]);
    expect((await db.runs.toArray()).map((row) => row.kind)).toEqual(['ablation']);
    db.close();
  });
});
