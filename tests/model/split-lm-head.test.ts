// An LM head larger than one storage binding is uploaded in row parts. Generation always read the
// parts; training and the held-out loss threw ("the fused cross-entropy needs it whole") at the first
// step, while the memory plan said the model fits: every Qwen or Llama on an adapter with WebGPU's
// default 128 MiB binding, and Qwen2.5-7B's separate lm_head even at 1 GiB. Here the narrow tiny
// model's tied head (151,936 × 32 bf16, 9.7 MB) is cut in four by a 3 MB binding (46,875 rows a
// part, which no vocabulary chunk size divides, so chunks end early at the borders), and trains as it
// does whole.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { createTrainRun, DexieRunStore } from '../../src/jobs/store/dexie.ts';
import type { StepMetrics } from '../../src/train/trainer.ts';
import type { ProgressInfo } from '../../src/worker/protocol.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('an LM head in parts', () => {
  it('trains as the whole head does (the held-out loss runs the same loss head)', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    const gpu = await testGpu();
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const examples = { train: imported.examples.slice(0, 2), eval: [] };
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    const db = new StudioDb(`split-head-${Date.now()}`, { indexedDB, IDBKeyRange });

    async function train(bindingBytes: number) {
      const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: `binding ${bindingBytes}`, config });
      const steps: StepMetrics[] = [];
      const limits = { ...gpu.ctx.limits };
      Object.assign(gpu.ctx.limits, { maxStorageBufferBindingSize: bindingBytes });
      try {
        const progress: ProgressInfo[] = [];
        const outcome = await engine.train({ store: new DexieRunStore(db, run.id), config, examples, resume: false, events: { onStep: (m) => steps.push(m) } }, (p) => progress.push(p));
        expect(outcome.status, outcome.message).toBe('done');
        // The weights' upload is counted in bytes (a 7B model's take minutes), to the last one.
        const upload = progress.filter((p) => p.unit === 'bytes');
        expect(upload.length).toBeGreaterThan(2);
        expect(upload.at(-1)!.done).toBe(upload.at(-1)!.total);
      } finally {
        Object.assign(gpu.ctx.limits, limits);
      }
      return steps;
    }

    const whole = await train(gpu.ctx.limits.maxStorageBufferBindingSize);
    const parts = await train(3_000_000);
    expect(parts).toHaveLength(1);
    // The chunks end at the parts' borders, so the log-sum-exp folds in another order: equal to f32 rounding.
    const close = (a: number, b: number, what: string) => expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b)));
    parts.forEach((m, i) => {
      for (const k of ['loss', 'lossCot', 'lossCall', 'alpha', 'gradNorm'] as const) close(m[k], whole[i][k], `step ${m.step} ${k}`);
    });
  });
});
