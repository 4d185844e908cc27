// A model's cached files are not deleted (from this tab or another) while a tab loads the model: the
// load held no lock, so a deletion in another tab went through mid-load, under the files it read.
// A stand-in for Web Locks plays the tabs.
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { modelWithTinyFiles, tinyModelFiles } from '../helpers/tinyEngine.ts';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import { JobEngine } from '../../src/jobs/engine.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import { holdingModel, unlessModelInUse } from '../../src/worker/runLock.ts';
import { stubLocks } from '../helpers/locks.ts';

describe('deleting a model’s files while a tab loads it', () => {
  it('is refused until the load ends', { timeout: 120_000 }, async () => {
    vi.stubGlobal('navigator', { locks: stubLocks() });
    try {
      const engine = new StudioEngine(await nodeGpu(), () => undefined, null);
      const deleted: string[] = [];
      const deletion = () => unlessModelInUse('local:tiny', async () => void deleted.push('local:tiny'));
      const load = engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'tiny' } }, () => undefined);
      expect(await deletion()).toBe(false);
      await load;
      expect(engine.jobs.model?.ref).toBe('local:tiny');
      expect(deleted).toEqual([]);
      expect(await deletion()).toBe(true);
      expect(deleted).toEqual(['local:tiny']);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

/** The model lock's request of whatever holds it shared, waiting behind an exclusive holder. */
async function waitingForModelLock(locks: ReturnType<typeof stubLocks>, ref: string): Promise<void> {
  await vi.waitFor(async () => expect((await locks.query()).pending).toContainEqual({ name: `balancesft-model:${ref}`, mode: 'shared' }));
  // A turn of the event loop: work that did not wait for its grant has begun by now.
  await new Promise((r) => setTimeout(r, 0));
}

describe('a model’s files being deleted in another tab', () => {
  it('are read by a load started meanwhile only once the deletion ended', { timeout: 120_000 }, async () => {
    const locks = stubLocks();
    vi.stubGlobal('navigator', { locks });
    try {
      const engine = new StudioEngine(await nodeGpu(), () => undefined, null);
      const reads: string[] = [];
      // Dropped files that note each read of their bytes.
      const files = tinyModelFiles().map((f) => Object.assign(f, { slice: (...a: Parameters<Blob['slice']>) => (reads.push(f.name), Blob.prototype.slice.apply(f, a)) }));
      let deleted!: () => void;
      const deletion = unlessModelInUse('local:tiny', () => new Promise<void>((r) => (deleted = r)));
      const load = engine.handlers.loadModel({ source: { kind: 'files', files, label: 'tiny' } }, () => undefined);
      await waitingForModelLock(locks, 'local:tiny');
      expect(reads).toEqual([]);
      deleted();
      expect(await deletion).toBe(true);
      await load;
      expect(reads).toContain('config.json');
      expect(engine.jobs.model?.ref).toBe('local:tiny');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('hold back a job started with the model until the deletion ended', async () => {
    // A deletion that removes nothing (it failed, say): the files stay, and the job runs with them.
    const { jobs, job, started, deletion, deleted } = await ablationWaitingForDeletion({ removesFiles: false });
    expect(started()).toBe(false);
    // Waiting, it is this tab's job all the same: a Cancel pressed now finds it.
    expect(jobs.runningLabel).toBe('an ablation');
    deleted();
    expect(await deletion).toBe(true);
    await job;
    expect(started()).toBe(true);
  });

  it('refuse a job that waited for them once they are gone, naming the model', async () => {
    // It ran on without them and failed later (an ablation reads the weights again for each arm).
    const { jobs, job, started, deletion, deleted, gone } = await ablationWaitingForDeletion({ removesFiles: true });
    deleted();
    expect(await deletion).toBe(true);
    await expect(job).rejects.toThrow(/^an ablation cannot start: the files of Qwen\/Qwen3-0\.6B were deleted \(in this tab or another\) while it waited for them; load Qwen\/Qwen3-0\.6B again in the Model panel, then start it again$/);
    expect(started()).toBe(false);
    // The slot is free again for the next job.
    expect(jobs.runningLabel).toBe(null);
    // Nor is the model loaded any more: it has no files to run with, and the page is told why (it
    // showed the model loaded until the user loaded it again).
    expect(jobs.model).toBeNull();
    expect(gone).toEqual([{ ref: 'Qwen/Qwen3-0.6B', message: expect.stringMatching(/^an ablation cannot start: the files of Qwen\/Qwen3-0\.6B were deleted/) }]);
  });
});

/** An ablation started with a model while another tab deletes its cached files, holding the model's
 * lock alone until `deleted()` (emptying the files when `removesFiles`): the job waits for the lock.
 * Web Locks are stubbed until the test ends. */
async function ablationWaitingForDeletion({ removesFiles }: { removesFiles: boolean }) {
  const locks = stubLocks();
  vi.stubGlobal('navigator', { locks });
  onTestFinished(() => void vi.unstubAllGlobals());
  const gpu = { ctx: { clearRefusal() {}, lostError: null }, recorder: { forgetBindGroups: () => 0 } } as unknown as Gpu;
  const gone: Array<{ ref: string; message: string }> = [];
  const jobs = new JobEngine(async () => gpu, { holdModel: holdingModel, onModelFilesGone: (ref, message) => gone.push({ ref, message }) });
  const { model, files } = modelWithTinyFiles('Qwen/Qwen3-0.6B');
  jobs.useModel(model);
  let deleted!: () => void;
  const deletion = unlessModelInUse(model.ref, () => new Promise<void>((r) => (deleted = () => (removesFiles && files.clear(), r()))));
  let started = false;
  const job = jobs.run('an ablation', async () => void (started = true), null);
  await waitingForModelLock(locks, model.ref);
  return { jobs, job, deletion, deleted, gone, started: () => started };
}
