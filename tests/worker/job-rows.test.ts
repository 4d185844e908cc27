// A run row the running job writes (an ablation's arm, an HDR run) cannot be deleted under it: the
// job would go on writing metrics and checkpoints under an id nothing lists. Rows left `running` by
// an earlier page, and the same row once its job ended, delete as before.
import { describe, expect, it, vi } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { JobEngine } from '../../src/jobs/engine.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import type { LoadedModel } from '../../src/jobs/context.ts';
import { STUDIO_DEFAULT_CONFIG } from '../../src/state/runStore.ts';
import { RUN_LOCK_PREFIX } from '../../src/worker/runLock.ts';

describe('deleting a run a job is writing', () => {
  it('is refused while the job runs, naming the job; stale and finished rows delete', async () => {
    const db = new StudioDb(`job-rows-${Date.now()}`, { indexedDB, IDBKeyRange });
    const engine = new StudioEngine(undefined, () => undefined, db);
    // The engine's job slot without a GPU: these jobs only write rows.
    const jobs = new JobEngine(async () => ({ ctx: { clearRefusal() {}, lostError: null }, recorder: { forgetBindGroups: () => 0 } }) as unknown as Gpu);
    jobs.useModel({} as LoadedModel);
    Object.assign(engine, { jobs });
    const row = (id: string, updatedAt: number) => ({ id, datasetId: 'd', kind: 'train' as const, status: 'running' as const, createdAt: updatedAt, updatedAt, config: STUDIO_DEFAULT_CONFIG, name: id });
    await db.runs.put(row('left by an earlier page', Date.now() - 60_000));
    const del = (runId: string) => engine.handlers.deleteRun({ runId }, () => undefined);

    await jobs.run('an ablation', async (ctx) => {
      // An arm still tokenizing is `created`: the job says it writes it.
      await db.runs.put({ ...row('arm being made', Date.now()), status: 'created' as never });
      ctx.claimRun?.('arm being made');
      await expect(del('arm being made')).rejects.toThrow('“arm being made” is being written by an ablation; delete it once that ends, or cancel it first');
      // Nor started or resumed under it (its Web Lock, held here, would say "another tab").
      await expect(engine.handlers.startRun({ runId: 'arm being made', resume: true }, () => undefined)).rejects.toThrow('“arm being made” is being written by an ablation; wait for it or cancel it first');
      await db.runs.put(row('arm', Date.now()));
      ctx.claimRun?.('arm');
      await expect(del('arm')).rejects.toThrow('“arm” is being written by an ablation; delete it once that ends, or cancel it first');
      expect(await db.runs.get('arm')).toBeDefined();
      await del('left by an earlier page');
    }, null);
    expect(await db.runs.get('left by an earlier page')).toBeUndefined();
    // An evaluation goes with its answers.
    await db.predictions.put({ runId: 'arm', predictions: [] });
    await del('arm');
    expect(await db.runs.get('arm')).toBeUndefined();
    expect(await db.predictions.get('arm')).toBeUndefined();
  });
});

describe('deleting a run another tab trains while this tab runs a job', () => {
  // Its row was written after this tab's job began, which used to make it that job's: the refusal
  // named the wrong job ("being written by an evaluation… cancel it first"), and cancelling it did
  // nothing for the delete. Node has no Web Locks: a stand-in says the other tab holds the run's.
  it('is refused as training in another tab, and the page hears only its own job’s rows', async () => {
    vi.stubGlobal('navigator', {
      locks: {
        request: async () => undefined,
        query: async () => ({ held: [{ name: RUN_LOCK_PREFIX + 'trained elsewhere' }] }),
      },
    });
    try {
      const db = new StudioDb(`job-rows-tabs-${Date.now()}`, { indexedDB, IDBKeyRange });
      const told: string[][] = [];
      const engine = new StudioEngine(undefined, (e) => e.type === 'job-rows' && told.push(e.runIds), db);
      const jobs = new JobEngine(async () => ({ ctx: { clearRefusal() {}, lostError: null }, recorder: { forgetBindGroups: () => 0 } }) as unknown as Gpu, { onRows: (ids) => told.push(ids) });
      jobs.useModel({} as LoadedModel);
      Object.assign(engine, { jobs });
      await jobs.run('an evaluation', async (ctx) => {
        await db.runs.put({ id: 'trained elsewhere', datasetId: 'd', kind: 'train', status: 'running', createdAt: 1, updatedAt: Date.now() + 1, config: STUDIO_DEFAULT_CONFIG, name: 'trained elsewhere' });
        await expect(engine.handlers.deleteRun({ runId: 'trained elsewhere' }, () => undefined)).rejects.toThrow('“trained elsewhere” is training in another tab of the studio; stop it there before deleting it');
        ctx.claimRun?.('its own row');
      }, null);
      expect(told).toEqual([['its own row'], []]);
      db.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
