// The importance matrix a K-quant GGUF export collects is kept with the run's checkpoint in
// IndexedDB: after a reload (a new worker on the same database) the next K-quant export of the run
// rounds with it instead of running the model over the training examples again (23 s of the demo
// on SwiftShader). A new checkpoint or adapter of that step, or a matrix collected from other
// examples or length, is not reused.
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { nodeDirectoryModelCache } from '../../src/model/model-cache-node.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { writeTinyModel } from '../../scripts/gen-tiny-model.ts';
import { startHub, type Served } from '../model/hub-server.ts';
import { NARROW } from '../helpers/tinyEngine.ts';

const REPO = 'test-org/narrow';
const dirs: string[] = [];
let hub: Served;
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'studio-importance-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  const model = await tempDir();
  await writeTinyModel(model, NARROW);
  hub = await startHub({ [REPO]: model });
});
afterAll(async () => {
  await new Promise((ok) => (hub.server.closeAllConnections(), hub.server.close(ok)));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const COLLECTING = 'running the model over the examples for the importance matrix';

describe('the importance matrix of a run’s K-quant export', () => {
  it('is read back after a reload, and the file rounds with the same matrix', { timeout: 300_000 }, async () => {
    const db = new StudioDb(`importance-kept-${Date.now()}`, { indexedDB, IDBKeyRange });
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 12), files: imported.files });
    const cache = nodeDirectoryModelCache(await tempDir());
    const gpu = await nodeGpu();
    const open = async () => {
      const engine = new StudioEngine(gpu, () => undefined, db, 'http://localhost/', cache);
      await engine.handlers.loadModel({ source: { kind: 'hub', repo: REPO, baseUrl: hub.base } }, () => undefined);
      return engine;
    };
    const first = await open();
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 1, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    await db.runs.put({ id: 'run-1', datasetId: dataset.id, kind: 'train', status: 'created', createdAt: 1, updatedAt: 1, config, name: 'one step' });
    expect(await first.handlers.startRun({ runId: 'run-1', resume: false }, () => undefined)).toMatchObject({ status: 'done', step: 1 });

    const exportWith = async (engine: StudioEngine, type: 'q4_k_m' | 'q5_k_m') => {
      const labels = new Set<string>();
      const out = await engine.handlers.exportGguf({ runId: 'run-1', type, importance: true }, (p) => labels.add(p.label));
      return { out, collected: labels.has(COLLECTING), matrix: Buffer.from(await out.importance!.file.arrayBuffer()) };
    };
    const q4 = await exportWith(first, 'q4_k_m');
    expect(q4.collected).toBe(true);

    // A reload: a new worker on the same database, the same model loaded again.
    const q5 = await exportWith(await open(), 'q5_k_m');
    expect(q5.collected, 'read back, not collected again').toBe(false);
    expect(q5.matrix.equals(q4.matrix)).toBe(true);
    expect(q5.out.importance).toMatchObject({ examples: q4.out.importance!.examples, tokens: q4.out.importance!.tokens });
    // Another length is another matrix: collected anew (the rows' rules are the next test's).
    await db.runs.update('run-1', { config: { ...config, seqLen: 256 } });
    expect((await exportWith(await open(), 'q4_k_m')).collected).toBe(true);
  });

  it('is kept with its checkpoint row only: another key, a new checkpoint or adapter files of the step, or a damaged one are not read', async () => {
    const db = new StudioDb(`importance-rows-${Date.now()}`, { indexedDB, IDBKeyRange });
    const store = new DexieRunStore(db, 'r');
    const matrix = { entries: new Map([['blk.0.attn_q.weight', { sums: Float32Array.of(1, 2, 3), count: 4 }]]), datasets: ['demo: 2 training examples'], chunkCount: 2, chunkSize: 64 };
    const collected = { matrix, examples: 2, tokens: 96, skipped: 0 };
    const state = { step: 3, cursor: { epoch: 0, index: 3 }, balance: { rule: 'grad' as const, theta: { value: 0, m: 0, v: 0, step: 3 } }, loraParams: Float32Array.of(1), adamM: Float32Array.of(0), adamV: Float32Array.of(0) };
    await store.saveCheckpoint(state);
    // No row of the step: nothing kept.
    await store.keepImportance(9, 'k', collected);
    expect(await store.readImportance(9, 'k')).toBeUndefined();
    await store.keepImportance(3, 'k', collected);
    expect(await store.readImportance(3, 'k')).toEqual(collected);
    expect(await store.readImportance(3, 'another key')).toBeUndefined();
    // The trainer checkpoint is still read as it was beside it.
    expect((await store.openHistory(true))?.loraParams).toEqual(Float32Array.of(1));
    await store.saveCheckpoint(state);
    expect(await store.readImportance(3, 'k')).toBeUndefined();
    // Adapter files written to a row of that step (an adapter-only row: an HDR round's, an import's).
    await db.checkpoints.put({ runId: 'r', step: 5, createdAt: 1, blobs: {}, meta: { adapterOnly: true } });
    await store.keepImportance(5, 'k', collected);
    expect(await store.readImportance(5, 'k')).toEqual(collected);
    await store.saveAdapter(5, async () => ({ configJson: '{}', weights: new Uint8Array(8) }));
    expect(await store.readImportance(5, 'k')).toBeUndefined();
    // A damaged matrix is collected again, not an error.
    await store.keepImportance(5, 'k', collected);
    const row = (await db.checkpoints.get(['r', 5]))!;
    await db.checkpoints.update(['r', 5], { blobs: { ...row.blobs, 'importance.gguf': new Uint8Array([1, 2, 3]).buffer } });
    expect(await store.readImportance(5, 'k')).toBeUndefined();
  });
});
