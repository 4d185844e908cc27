// A run's adapter asked for (ONNX export, PEFT download, evaluation, playground) that cannot be had:
// the worker's words name the run as the Runs panel does ('run “first run” …'), not by its id
// ('run 3f2a9c1e-… has no checkpoint yet'), which appears nowhere on the page.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import type { LoadedModel } from '../../src/jobs/context.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { config, spec } from '../snapshot/fixtures.ts';

describe('the worker names a run whose adapter it cannot give', () => {
  it('by its name when it has none yet, or was trained on another model', async () => {
    const db = new StudioDb(`adapter-errors-${Date.now()}`, { indexedDB, IDBKeyRange });
    const row = { datasetId: 'd', kind: 'train', status: 'failed', createdAt: 1, updatedAt: 1, config, name: 'first run', lastStep: 7 } as const;
    await db.runs.bulkAdd([{ ...row, id: '3f2a9c1e-aaaa', modelRef: 'tiny' }, { ...row, id: '3f2a9c1e-bbbb', name: 'second run', modelRef: 'Qwen/Qwen3-0.6B' }] as never);
    const engine = new StudioEngine(undefined, () => undefined, db);
    engine.jobs.useModel({ ref: 'tiny', spec } as LoadedModel);
    await expect(engine.handlers.exportAdapter({ runId: '3f2a9c1e-aaaa' }, () => undefined)).rejects.toThrow(/^run “first run” has no checkpoint yet; train it for at least one checkpoint interval \(or pause it\) first$/);
    await expect(engine.handlers.exportAdapter({ runId: '3f2a9c1e-bbbb' }, () => undefined)).rejects.toThrow(/^run “second run” was trained on Qwen\/Qwen3-0\.6B, but the loaded model is tiny; load that model first$/);
    db.close();
  });
});
