// A training run started from another run's adapter (the Training form's "Start from"), in-thread on
// Dawn: it takes that adapter's LoRA settings and trains on from its weights, not from a new LoRA
// adapter; a run with no adapter to start from is refused before a row is made, and a run whose
// source is gone says so when it starts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { NARROW, tinyModelFiles } from '../helpers/tinyEngine.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import type { TrainRunRow } from '../../src/jobs/store/schema.ts';

const maxDiff = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => {
  let m = 0;
  for (const [k, x] of a) x.forEach((v, i) => (m = Math.max(m, Math.abs(v - b.get(k)![i]))));
  return m;
};

describe('a run started from another run’s adapter', () => {
  it('takes its LoRA settings and trains on from its weights; refused without one to start from', { timeout: 600_000 }, async () => {
    const db = new StudioDb(`start-from-${Date.now()}`, { indexedDB, IDBKeyRange });
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 40), files: imported.files });
    const engine = new StudioEngine(await nodeGpu(), () => undefined, db);
    await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
    const { spec } = generateTinyModel(NARROW);
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 1, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    await db.runs.put({ id: 'run-1', datasetId: dataset.id, kind: 'train', status: 'created', createdAt: 1, updatedAt: 1, config, name: 'general', modelRef: 'local:tiny' });
    expect(await engine.handlers.startRun({ runId: 'run-1', resume: false }, () => undefined)).toMatchObject({ status: 'done', step: 1 });
    const source = await new DexieRunStore(db, 'run-1').readAdapter(spec);

    // Asked with other LoRA settings, it takes the adapter's; a learning rate too small to move it
    // shows where it started.
    const { runId } = await engine.handlers.createRun({ datasetId: dataset.id, config: { ...config, lr: 1e-12, lora: { ...config.lora, rank: 8, alpha: 16 } }, startFrom: 'run-1' }, () => undefined);
    const row = (await db.runs.get(runId)) as TrainRunRow;
    expect(row.config.lora).toEqual(source.settings);
    expect(row.startedFrom).toEqual({ runId: 'run-1', name: 'general', step: 1 });
    expect(row.name).toMatch(/ from general$/);
    expect(await engine.handlers.startRun({ runId, resume: false }, () => undefined)).toMatchObject({ status: 'done', step: 1 });
    const trainedOn = await new DexieRunStore(db, runId).readAdapter(spec);
    expect(maxDiff(trainedOn.tensors, source.tensors)).toBeLessThan(1e-6);
    // Not a new adapter: its B matrices are the source's, not zero.
    expect([...trainedOn.tensors].some(([k, t]) => k.includes('lora_B') && t.some((x) => x !== 0))).toBe(true);

    // A run with no adapter yet (never trained) is nothing to start from: refused, and no row made.
    await db.runs.put({ id: 'run-empty', datasetId: dataset.id, kind: 'train', status: 'created', createdAt: 1, updatedAt: 1, config, name: 'empty', modelRef: 'local:tiny' });
    const before = await db.runs.count();
    await expect(engine.handlers.createRun({ datasetId: dataset.id, config, startFrom: 'run-empty' }, () => undefined)).rejects.toThrow();
    expect(await db.runs.count()).toBe(before);

    // Its source deleted before it started: said, naming it, and nothing trained.
    const { runId: orphan } = await engine.handlers.createRun({ datasetId: dataset.id, config, startFrom: 'run-1' }, () => undefined);
    await db.runs.delete('run-1');
    await db.checkpoints.where('runId').equals('run-1').delete();
    await expect(engine.handlers.startRun({ runId: orphan, resume: false }, () => undefined)).rejects.toThrow(/starts from the adapter of “general”, which cannot be read any more \(.+\); start a new run/);
    expect((await db.runs.get(orphan))?.lastStep ?? 0).toBe(0);
    db.close();
  });
});
