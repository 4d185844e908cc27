// An evaluation the GPU fails part-way in the studio keeps what it scored (jobs/evaluate.ts) and
// is named by it, as a cancelled one is: it kept the name it was given for every example asked
// ("eval of the base model on 6 examples" beside "2 of 2 correct").
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { tinyModelFiles } from '../helpers/tinyEngine.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import type { EvalRunRow } from '../../src/hdr/index.ts';

describe('an evaluation the GPU fails part-way, in the studio', () => {
  it('is named by the answers it scored', { timeout: 300_000 }, async () => {
    const db = new StudioDb(`eval-failure-name-${Date.now()}`, { indexedDB, IDBKeyRange });
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const dataset = await saveDataset(db, { name: 'demo', examples: imported.examples.slice(0, 60), files: imported.files });
    const engine = new StudioEngine(await nodeGpu(), () => undefined, db);
    await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
    const device = (await engine.device()).ctx.device;
    // The GPU goes away after the second answer (a driver reset, another tab's allocation).
    const failed = engine.handlers.evaluate({ datasetId: dataset.id, limit: 5, maxNewTokens: 2, batchSize: 1 }, (p) => {
      if (p.label.startsWith('evaluating') && p.done === 2) device.destroy();
    });
    await expect(failed).rejects.toThrow();
    const rows = (await db.runs.toArray()).filter((r): r is EvalRunRow => r.kind === 'eval');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'failed', summary: { total: 2 } });
    expect(rows[0].message).toMatch(/^failed after 2 answers: /);
    expect(rows[0].name).toBe('eval of the base model on 2 examples');
    db.close();
  });
});
