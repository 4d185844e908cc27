// An evaluation the GPU fails part-way keeps the answers it had checked, as a failed run that says
// why: a run over thousands of examples lost every answer to a driver reset or a refused allocation.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DexieRunStore } from '../../src/jobs/store/dexie.ts';
import type { EvalRunRow } from '../../src/hdr/store.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('an evaluation the GPU fails part-way', () => {
  it('is stored failed, with the answers checked before and why it stopped', { timeout: 120_000 }, async () => {
    const engine = await tinyEngine();
    const gpu = await testGpu();
    const examples = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples.slice(0, 5);
    const db = new StudioDb(`eval-failure-${Date.now()}`, { indexedDB, IDBKeyRange });
    const store = new DexieRunStore(db, 'eval-lost', { datasetId: 'd', modelRef: 'tiny', name: 'eval of the base model', config: { adapterRunId: null, limit: 5, maxNewTokens: 3, lora: null } });
    const run = engine.evaluate({
      store,
      examples,
      adapter: null,
      decoding: { maxNewTokens: 3, batchSize: 1 },
      // The GPU goes away after the second answer (a driver reset, another tab's allocation).
      onProgress: (p) => p.done === 2 && gpu.ctx.device.destroy(),
    });
    await expect(run).rejects.toThrow();
    const row = (await db.runs.get('eval-lost')) as EvalRunRow;
    expect(row).toMatchObject({ kind: 'eval', status: 'failed' });
    expect((await db.predictions.get('eval-lost'))!.predictions.map((p) => p.exampleId)).toEqual(examples.slice(0, 2).map((e) => e.id));
    expect(row.summary.total).toBe(2);
    expect(row.message).toMatch(/^failed after 2 answers: /);
  });
});
