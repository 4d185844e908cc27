// The worker's engine run in-thread on Dawn: a dataset and a run row in IndexedDB (fake-indexeddb
// here; the e2e test uses Chromium's), a model with the real Qwen3 tokenizer, training that streams
// metrics into the metrics table, pause with a checkpoint, resume that continues the same curve,
// and the adapter exported in PEFT's format.
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
import type { WorkerEvent } from '../../src/worker/protocol.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { importPeftAdapter } from '../../src/model/peft.ts';
import { memorySource } from '../../src/model/byte-source.ts';



// Training on SwiftShader takes minutes when the CPU is shared: a long timeout, as the ONNX job test has.
describe('worker engine: a training run', () => {
  it('trains, stores metrics, pauses with a checkpoint, resumes the same curve and exports the adapter', { timeout: 600_000 }, async () => {
    const db = new StudioDb(`engine-run-${Date.now()}`, { indexedDB, IDBKeyRange });
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 40), files: imported.files });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 4, batchSize: 1, seqLen: 320, evalEvery: 2, evalExamples: 2, checkpointEvery: 2, warmupSteps: 1, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    await db.runs.put({ id: 'run-1', datasetId: dataset.id, kind: 'train', status: 'created', createdAt: Date.now(), updatedAt: Date.now(), config, name: 'test run' });

    const events: WorkerEvent[] = [];
    // Pause as soon as step 1 is reported, as the Pause button would.
    const engine: StudioEngine = new StudioEngine(await nodeGpu(), (e) => {
      events.push(e);
      if (e.type === 'run-metric' && e.metric.step === 1 && e.runId === 'run-1' && !pausedOnce) {
        pausedOnce = true;
        void engine.handlers.pauseRun({ runId: 'run-1' }, () => undefined);
      }
    }, db);
    let pausedOnce = false;
    const info = await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
    expect(info).toMatchObject({ architecture: 'Qwen3ForCausalLM', vocabSize: 151936, hiddenSize: 32 });
    const plan = await engine.handlers.planMemory({ batch: 1, seqLen: 320, rank: 2, targets: config.lora.targets, recompute: false }, () => undefined);
    expect(plan.fits).toBe(true);

    const paused = await engine.handlers.startRun({ runId: 'run-1', resume: false }, () => undefined);
    expect(paused).toMatchObject({ status: 'paused', step: 1 });
    expect((await db.runs.get('run-1'))!.status).toBe('paused');
    expect(await db.checkpoints.where('runId').equals('run-1').count()).toBe(1);
    expect((await db.metrics.where('runId').equals('run-1').toArray()).map((r) => r.step)).toEqual([1]);

    const done = await engine.handlers.startRun({ runId: 'run-1', resume: true }, () => undefined);
    expect(done).toMatchObject({ status: 'done', step: 4 });
    const rows = await db.metrics.where('runId').equals('run-1').sortBy('step');
    expect(rows.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    for (const r of rows) {
      for (const k of ['loss', 'lossCot', 'lossCall', 'alpha', 'lr', 'gradNorm', 'tokensPerSecond', 'cotTokens', 'callTokens']) expect(Number.isFinite(r.values[k]), k).toBe(true);
    }
    expect(rows[1].values.evalLoss).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'run-status').map((e) => (e as { status: string }).status)).toEqual(['running', 'paused', 'running', 'done']);

    // Ended, it trains on from its checkpoint to a new total: the steps trained keep their values,
    // and the run's length is the new one.
    const before = rows.map((r) => r.values.loss);
    await expect(engine.handlers.startRun({ runId: 'run-1', resume: true, steps: 4 }, () => undefined)).rejects.toThrow('“test run” cannot train on to 4 steps: training on needs more steps in all than the 4 it has trained, as a whole number; got 4');
    await expect(engine.handlers.startRun({ runId: 'run-1', resume: false, steps: 6 }, () => undefined)).rejects.toThrow('cannot train on to 6 steps: training on resumes the run');
    const on = await engine.handlers.startRun({ runId: 'run-1', resume: true, steps: 6 }, () => undefined);
    expect(on).toMatchObject({ status: 'done', step: 6 });
    const longer = await db.metrics.where('runId').equals('run-1').sortBy('step');
    expect(longer.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(longer.slice(0, 4).map((r) => r.values.loss)).toEqual(before);
    expect((await db.runs.get('run-1'))).toMatchObject({ status: 'done', lastStep: 6, config: { steps: 6 } });

    const adapter = await engine.handlers.exportAdapter({ runId: 'run-1' }, () => undefined);
    const { spec } = generateTinyModel(NARROW);
    const back = await importPeftAdapter(spec, adapter.configJson, memorySource(adapter.weights));
    expect(back.settings.rank).toBe(2);
    const someB = [...back.tensors].find(([k]) => k.includes('lora_B'))![1];
    expect(someB.some((x) => x !== 0)).toBe(true); // trained: B moved away from its zero init
  });

  // The page words its alert by the job's code for this failure (a run keeps its length: starting it
  // again fails the same way), so the worker's answer must carry it, not only the words.
  it('answers a run whose sequence length fits no training example with the job\'s code for it', { timeout: 300_000 }, async () => {
    const db = new StudioDb(`engine-none-fit-${Date.now()}`, { indexedDB, IDBKeyRange });
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 10), files: imported.files });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 2, batchSize: 1, seqLen: 16, evalExamples: 0 };
    await db.runs.put({ id: 'run-short', datasetId: dataset.id, kind: 'train', status: 'created', createdAt: Date.now(), updatedAt: Date.now(), config, name: 'too short' });
    const engine = new StudioEngine(await nodeGpu(), () => undefined, db);
    await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
    const result = await engine.handlers.startRun({ runId: 'run-short', resume: false }, () => undefined);
    expect(result).toMatchObject({ status: 'failed', step: 0, nothingToTrain: 'too_long' });
    expect(result.message).toMatch(/^no training examples fit the sequence length 16 \(\d+ too long\)/);
  });
});
