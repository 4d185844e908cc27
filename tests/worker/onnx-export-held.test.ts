// Which ONNX export the worker keeps for the playground: an export whose run was deleted while it
// ran (in this tab, or another), or deleted in another tab after it ended, was kept, gigabytes of it,
// until the next export or model load; an export refused before it starts leaves the earlier one
// held, and the worker says which it holds.
// The export itself is a stand-in (the real one is tests/worker/onnx-export-job.test.ts, minutes on a
// software GPU); so is the device.
import { describe, expect, it, vi } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { modelWithTinyFiles } from '../helpers/tinyEngine.ts';

let exporting: { started: () => void; finish: Promise<void> } | null = null;
vi.mock('../../src/worker/onnxExportJob.ts', () => ({
  runOnnxExport: async () => {
    if (exporting) {
      exporting.started();
      await exporting.finish;
    }
    return { files: [['onnx/model.onnx', new Uint8Array(4)]], report: null, checkError: null };
  },
}));

const { StudioDb } = await import('../../src/data/db.ts');
const { StudioEngine } = await import('../../src/worker/engine.ts');
const { DEFAULT_RUN_CONFIG } = await import('../../src/train/config.ts');

async function engineWithRuns(...runIds: string[]) {
  return engineOn(new StudioDb(`onnx-held-${Date.now()}-${Math.random()}`, { indexedDB, IDBKeyRange }), runIds);
}

async function engineOn(db: InstanceType<typeof StudioDb>, runIds: string[]) {
  for (const id of runIds) await db.runs.put({ id, datasetId: 'd', kind: 'train', status: 'done', createdAt: 0, updatedAt: 0, config: DEFAULT_RUN_CONFIG });
  const engine = new StudioEngine(undefined, () => undefined, db);
  Object.assign(engine, { device: async () => ({ ctx: { clearRefusal: () => undefined, lostError: null }, recorder: { forgetBindGroups: () => undefined } }) });
  // The run's adapter, as read from its checkpoint: not looked at by the stand-in export.
  Object.assign(engine, { adapterOf: async (runId: string) => ({ adapter: {}, run: await db.runs.get(runId) }) });
  engine.jobs.useModel(modelWithTinyFiles('tiny').model);
  return { db, engine };
}

describe('the ONNX export the worker holds for the playground', () => {
  it('is let go when its run was deleted while it exported', async () => {
    const { engine } = await engineWithRuns('r1');
    let finish!: () => void;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    exporting = { started, finish: new Promise<void>((r) => (finish = r)) };
    try {
      const out = engine.handlers.exportOnnx({ runId: 'r1', dtype: 'fp32' }, () => undefined);
      await running;
      await engine.handlers.deleteRun({ runId: 'r1' }, () => undefined);
      finish();
      expect((await out).held).toBe(false);
      expect(await engine.handlers.heldOnnxExports({}, () => undefined)).toEqual([]);
    } finally {
      exporting = null;
    }
  });

  it('stays held when the next export is refused before it starts, and the worker says so', async () => {
    const { engine } = await engineWithRuns('r1', 'r2');
    expect((await engine.handlers.exportOnnx({ runId: 'r1', dtype: 'fp32' }, () => undefined)).held).toBe(true);
    // A job holds the GPU: the export of r2 is refused before it starts.
    let end!: () => void;
    const busy = engine.jobs.run('an evaluation', () => new Promise<void>((r) => (end = r)), null);
    await expect(engine.handlers.exportOnnx({ runId: 'r2', dtype: 'fp32' }, () => undefined)).rejects.toThrow(/an evaluation is running/);
    expect(await engine.handlers.heldOnnxExports({}, () => undefined)).toEqual(['r1']);
    end();
    await busy;
  });

  it('is let go when another tab deletes its run after it ended', async () => {
    const { db, engine } = await engineWithRuns('r1', 'r2');
    expect((await engine.handlers.exportOnnx({ runId: 'r1', dtype: 'fp32' }, () => undefined)).held).toBe(true);
    // The other tab: its own worker, its own connection to the same database.
    const other = new StudioDb(db.name, { indexedDB, IDBKeyRange });
    const { engine: there } = await engineOn(other, []);
    // Another run deleted there is none of this export's business.
    await there.handlers.deleteRun({ runId: 'r2' }, () => undefined);
    await vi.waitFor(async () => expect(await db.runs.get('r2')).toBeUndefined());
    expect(await engine.handlers.heldOnnxExports({}, () => undefined)).toEqual(['r1']);
    await there.handlers.deleteRun({ runId: 'r1' }, () => undefined);
    await vi.waitFor(async () => expect(await engine.handlers.heldOnnxExports({}, () => undefined)).toEqual([]));
    other.close();
    db.close();
  });
});
