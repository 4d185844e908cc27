// A run row the running job writes (an ablation's arm, an HDR run) cannot be deleted under it: the
// job would go on writing metrics and checkpoints under an id nothing lists. Rows left `running` by
// an earlier page, and the same row once its job ended, delete as before.
import { describe, expect, it } from 'vitest';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { StudioDb } from '../../src/data/db.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { JobEngine } from '../../src/jobs/engine.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import type { LoadedModel } from '../../src/jobs/context.ts';
import { STUDIO_DEFAULT_CONFIG } from '../../src/state/runStore.ts';

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
