// An ablation's Cancel reaches it from the moment it is asked for, as an evaluation's and an HDR
// run's do: pressed while the request still reads the dataset's examples, it used to land on no job
// (the GPU was not yet held), and the ablation then trained and evaluated every arm regardless.
// The result names its dataset as it was, inclusion edits too.
// Also: a second ablation of the same name (the form's default) is told apart, arms included.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset, setExampleIncluded } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { defaultAblationConfig } from '../../src/jobs/ablationConfig.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { tinyModelFiles } from '../helpers/tinyEngine.ts';

/** A worker engine with the tiny model, the demo dataset and a one-step ablation of one rule. */
async function ablationSetup(dbName: string) {
  const db = new StudioDb(`${dbName}-${Date.now()}`, { indexedDB, IDBKeyRange });
  const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
  const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 40), files: imported.files });
  const engine = new StudioEngine(await nodeGpu(), () => undefined, db);
  await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
  const config = defaultAblationConfig(
    { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 0, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } },
    { rules: ['grad'], hdrRule: null, evalLimit: 1, decoding: { maxNewTokens: 2, batchSize: 1, seed: 1 } },
  );
  return { db, dataset, engine, config };
}

describe('cancelling an ablation in the worker', () => {
  it('stops it before its first arm when pressed while its examples are read', { timeout: 600_000 }, async () => {
    const { db, dataset, engine, config } = await ablationSetup('ablation-cancel');
    // An example left out before it: the result names the dataset with its inclusion edits (its
    // fingerprint does not change), so the panel can say when examples were included or left out since.
    await setExampleIncluded(db, dataset.id, (await db.examples.toCollection().first())!.id, false);
    const phases: string[] = [];
    const ablation = engine.handlers.startAblation({ datasetId: dataset.id, name: 'cancelled', config }, (p) => phases.push(p.label));
    // Pressed at once: the request is still reading the dataset's examples.
    await engine.handlers.cancelJob({}, () => undefined);
    const r = await ablation;
    expect(r).toMatchObject({ arms: 0, stopped: true });
    // No arm began: nothing tokenized, trained or evaluated.
    expect(phases).toEqual([]);
    expect((await db.runs.toArray()).map((row) => row.kind)).toEqual(['ablation']);
    expect((await db.runs.toArray())[0]).toMatchObject({ result: { dataset: { name: 'demo', fingerprint: dataset.fingerprint, inclusionEdits: 1 } } });
    db.close();
  });

  it('gives a second ablation of the same name its own name, and its arms names of their own', { timeout: 600_000 }, async () => {
    const { db, dataset, engine, config } = await ablationSetup('ablation-names');
    // Each is cancelled as its first arm begins (after the base model's evaluation): that arm's run is made (and paused).
    const ablate = () => engine.handlers.startAblation({ datasetId: dataset.id, name: 'ablation', config }, (p) => void (p.label.includes(', arm ') && engine.handlers.cancelJob({}, () => undefined)));
    await ablate();
    await ablate();
    const names = (await db.runs.toArray()).map((r) => r.name).sort();
    expect(names).toEqual(['ablation', 'ablation (2)', 'ablation (2) · eval base model', 'ablation (2) · sft', 'ablation · eval base model', 'ablation · sft']);
    db.close();
  });
});
