// A model load refused while a run trains names the run: it said "a training run is using the GPU
// with …", and the user had to find which (a folder dropped on the Model panel while the guided
// demo's run trained). Without a GPU: the job is held before any GPU work.
import { describe, expect, it, vi } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { DexieWorkspace } from '../../src/jobs/store/dexie.ts';
import { modelWithTinyFiles } from '../helpers/tinyEngine.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { StudioEngine } from '../../src/worker/engine.ts';

describe('a model load while a run trains', () => {
  it('is refused naming the run', async () => {
    const db = new StudioDb(`load-names-run-${Date.now()}`, { indexedDB, IDBKeyRange });
    const example = { id: 'a', tools: [], messages: [{ role: 'user' as const, content: 'q' }], target: { calls: [{ name: 'f', arguments: {} }] } };
    const dataset = await saveDataset(db, { name: 'd', examples: [example], files: [] });
    const store = await new DexieWorkspace(db, { datasetId: dataset.id, modelRef: 'tiny' }).createRun({ kind: 'train', config: DEFAULT_RUN_CONFIG, name: 'my ssb run' });
    const engine = new StudioEngine(undefined, () => undefined, db);
    const gpu = { ctx: { clearRefusal: () => undefined, lostError: null }, recorder: { forgetBindGroups: () => undefined } } as unknown as Gpu;
    Object.assign(engine, { device: async () => gpu });
    engine.jobs.useModel(modelWithTinyFiles('tiny').model);
    // The run's job is held (no training: no GPU here) until `end`.
    let end!: () => void;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const run = engine.jobs.run.bind(engine.jobs);
    vi.spyOn(engine.jobs, 'run').mockImplementation((label, _job, input, progress, runId) => run(label, () => new Promise((r) => ((end = () => r({ status: 'paused', step: 0 })), started())), input, progress, runId));
    const training = engine.handlers.startRun({ runId: store.runId, resume: false }, () => undefined);
    await running;
    await expect(engine.handlers.loadModel({ source: { kind: 'embedded' } }, () => undefined)).rejects.toThrow('the training run “my ssb run” is using the GPU with tiny; pause or stop it first, then load the other model');
    end();
    await training;
    db.close();
  });
});
