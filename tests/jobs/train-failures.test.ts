// A training run that cannot start on this GPU (a batch whose activations pass the adapter's
// binding limit) is marked failed in words that name the limit, and gives back every buffer it
// made: the browser's worker lives on, and so would leaked memory.
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { createTrainRun, DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('a run that cannot load', () => {
  it('fails naming the limit and frees what it had made', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    const gpu = await testGpu();
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const db = new StudioDb(`train-failures-${Date.now()}`, { indexedDB, IDBKeyRange });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 2, batchSize: 52, seqLen: 320, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'too big', config });
    await db.runs.update(run.id, { status: 'paused', lastStep: 7 });

    // Every buffer made while the run starts, and whether it was given back.
    const device = gpu.ctx.device;
    const made: Array<{ label: string; destroyed: boolean }> = [];
    const create = device.createBuffer.bind(device);
    device.createBuffer = (desc: GPUBufferDescriptor) => {
      const buffer = create(desc);
      const entry = { label: desc.label ?? '', destroyed: false };
      made.push(entry);
      const destroy = buffer.destroy.bind(buffer);
      buffer.destroy = () => ((entry.destroyed = true), destroy());
      return buffer;
    };
    // An adapter whose bindings hold 4 MiB: the weights fit (the embedding is split), the batch's
    // 16,640-token MLP activations (4.3 MB each) do not.
    const limits = { ...gpu.ctx.limits };
    Object.assign(gpu.ctx.limits, { maxStorageBufferBindingSize: 4 * 2 ** 20 });
    try {
      const outcome = await engine.train({ store: new DexieRunStore(db, run.id), config, examples: { train: imported.examples.slice(0, 60), eval: [] }, resume: false });
      expect(outcome.status).toBe('failed');
      expect(outcome.message).toMatch(/needs maxStorageBufferBindingSize = \d+, but this GPU allows 4194304$/);
    } finally {
      Object.assign(gpu.ctx.limits, limits);
      device.createBuffer = create;
    }
    expect(made.length).toBeGreaterThan(10);
    expect(made.filter((b) => !b.destroyed && !b.label.startsWith('readback:')).map((b) => b.label)).toEqual([]);
    const row = (await db.runs.get(run.id))!;
    expect(row).toMatchObject({ status: 'failed', lastStep: 0 });
    expect(row.message).toMatch(/maxStorageBufferBindingSize/);
  });
});

/** A one-step run on the demo's first two examples whose store rejects reading its history with `reason`. */
async function unreadableRun(name: string, reason: unknown) {
  const engine = await tinyEngine();
  const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
  const db = new StudioDb(`train-${name}-${Date.now()}`, { indexedDB, IDBKeyRange });
  const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalExamples: 0 };
  const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name, config });
  const store = new DexieRunStore(db, run.id);
  store.openHistory = () => Promise.reject(reason);
  const train = (resume: boolean) => engine.train({ store, config, examples: { train: imported.examples.slice(0, 2), eval: [] }, resume });
  return { db, run, train };
}

describe('a run that fails with something thrown that is not an Error', () => {
  it('keeps what was thrown as its message (it read "undefined: undefined")', { timeout: 120_000 }, async () => {
    // A storage layer that rejects with a plain string, as some IndexedDB wrappers do.
    const { db, run, train } = await unreadableRun('rejected', 'the run history could not be read');
    const outcome = await train(false);
    expect(outcome).toMatchObject({ status: 'failed', message: 'the run history could not be read' });
    expect((await db.runs.get(run.id))!.message).toBe('the run history could not be read');
  });
});

describe('a resume that fails before its checkpoint is read', () => {
  // The outcome said step 0: the page read "Run … failed after 0 steps" and studio train "training
  // failed after 0 steps" for a run paused at step 2.
  it('fails at the step the run has', { timeout: 120_000 }, async () => {
    const { db, run, train } = await unreadableRun('unread', new Error('the checkpoint could not be read'));
    await db.runs.update(run.id, { status: 'paused', lastStep: 2 });
    expect(await train(true)).toMatchObject({ status: 'failed', step: 2, message: 'Error: the checkpoint could not be read' });
    expect(await db.runs.get(run.id)).toMatchObject({ status: 'failed', lastStep: 2 });
  });
});


describe('a run resumed from before seeds were limited to 32 bits', () => {
  it('trains on with its seed (it failed: "seed must be a whole number from 0 to 4,294,967,295")', { timeout: 120_000 }, async () => {
    const engine = await tinyEngine();
    const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const db = new StudioDb(`train-old-seed-${Date.now()}`, { indexedDB, IDBKeyRange });
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalExamples: 0, seed: 5_000_000_000 };
    const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name: 'old seed', config: { ...config, seed: 1 } });
    await db.runs.update(run.id, { status: 'paused', config });
    const outcome = await engine.train({ store: new DexieRunStore(db, run.id), config, examples: { train: imported.examples.slice(0, 2), eval: [] }, resume: true });
    expect(outcome).toMatchObject({ status: 'done', step: 1 });
    // A new run is still held to the limit.
    const fresh = await engine.train({ store: new DexieRunStore(db, run.id), config, examples: { train: imported.examples.slice(0, 2), eval: [] }, resume: false }).catch((e: Error) => ({ status: 'threw', message: e.message }));
    expect(fresh.message).toMatch(/seed must be a whole number from 0 to 4,294,967,295/);
  });
});

/** A run trained to its end (one step unless `patch` says otherwise) on the demo's first six
 * examples, its checkpoints stored. */
async function runOnSix(name: string, patch: Partial<RunConfig> = {}, epochs?: number) {
  const engine = await tinyEngine();
  const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
  const db = new StudioDb(`train-${name}-${Date.now()}`, { indexedDB, IDBKeyRange });
  const config: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 2, seqLen: 320, evalEvery: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 }, ...patch };
  const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name, config });
  const first = await engine.train({ store: new DexieRunStore(db, run.id), config, epochs, examples: { train: imported.examples.slice(0, 6), eval: [] }, resume: false });
  expect(first.status).toBe('done');
  return { engine, imported, db, config, run };
}

describe('a paused run whose dataset gained examples after its own (HDR samples)', () => {
  // HDR adds its samples after the dataset's examples. The resume was refused (the set had another
  // size), so every paused run on a dataset HDR had run on could never be resumed again, though its
  // own examples were all there, in order. It goes on over those, and says what it leaves out.
  it('resumes over its own examples and says how many it leaves to a new run', { timeout: 300_000 }, async () => {
    const { engine, imported, db, config, run } = await runOnSix('appended');
    const messages: Array<string | undefined> = [];
    const resumed = await engine.train({ store: new DexieRunStore(db, run.id), config: { ...config, steps: 2 }, examples: { train: imported.examples.slice(0, 8), eval: [] }, resume: true, events: { onStatus: (_s, _step, m) => messages.push(m) } });
    expect(resumed).toMatchObject({ status: 'done', step: 2, trainExamples: 6 });
    expect(messages).toContain("2 examples added to or included in the dataset since this run's checkpoint, after its own, are not part of it: it goes on over its own 6; a new run trains on them");
  });
});

describe('a paused run whose training set gained examples among its own', () => {
  // The checkpoint's cursor indexes the seeded order of the training set it was saved with: over a
  // larger set it names other examples, and the resumed run went on over another order unannounced.
  // The refusal marked the paused run failed: the runs table said "failed" and the page "Run … failed
  // after 1 step", though nothing had run. The run stays paused, and the refusal is the caller's error.
  it('is refused on resume, naming both counts, and stays paused with its checkpoint', { timeout: 300_000 }, async () => {
    const { engine, imported, db, config, run } = await runOnSix('grown');
    await db.runs.update(run.id, { status: 'paused' });
    const grown = [imported.examples[7], ...imported.examples.slice(0, 6), imported.examples[6]];
    const resumed = engine.train({ store: new DexieRunStore(db, run.id), config: { ...config, steps: 2 }, examples: { train: grown, eval: [] }, resume: true });
    await expect(resumed).rejects.toThrow(/^the checkpoint's data order runs over 6 training examples, but the training set now has 8/);
    expect(await db.runs.get(run.id)).toMatchObject({ status: 'paused', lastStep: 1 });
    expect(await db.checkpoints.where('runId').equals(run.id).count()).toBeGreaterThan(0);
  });

  // A run that failed at step 2 after its checkpoint at step 1 (a lost device): its step-2 metrics
  // are the last record of its training. The refused resume used to drop them first (and set the
  // run back to step 1), though it trained nothing again.
  it('keeps the metrics past the checkpoint and the step the run reached when the resume is refused', { timeout: 300_000 }, async () => {
    const { engine, imported, db, config, run } = await runOnSix('grown-failed', { steps: 2, checkpointEvery: 1 });
    // As a run that failed after step 2's metrics and before its checkpoint.
    await db.checkpoints.where('[runId+step]').equals([run.id, 2]).delete();
    await db.runs.update(run.id, { status: 'failed', message: 'device lost' });
    const grown = [imported.examples[7], ...imported.examples.slice(0, 6), imported.examples[6]];
    const resumed = engine.train({ store: new DexieRunStore(db, run.id), config: { ...config, steps: 3 }, examples: { train: grown, eval: [] }, resume: true });
    await expect(resumed).rejects.toThrow(/the checkpoint's data order runs over 6 training examples, but the training set now has 8/);
    expect((await db.metrics.where('runId').equals(run.id).sortBy('step')).map((m) => m.step)).toEqual([1, 2]);
    expect(await db.runs.get(run.id)).toMatchObject({ status: 'failed', lastStep: 2, message: 'device lost' });
  });
});

describe('a paused run whose training set changed but kept its size (one example left out, another included)', () => {
  // Only the count was checked: the same cursor over six other examples resumed silently, and the
  // refusal for a changed count read "Error: the checkpoint's data order …".
  it('is refused on resume in words, with what to do, and keeps its checkpoint', { timeout: 300_000 }, async () => {
    const { engine, imported, db, config, run } = await runOnSix('swapped');
    const swapped = [...imported.examples.slice(0, 5), imported.examples[6]];
    const resumed = engine.train({ store: new DexieRunStore(db, run.id), config: { ...config, steps: 2 }, examples: { train: swapped, eval: [] }, resume: true });
    await expect(resumed).rejects.toThrow(/^the checkpoint's data order runs over other training examples than the 6 the training set has now .*: restore those .*or start a new run/);
    expect(await db.runs.get(run.id)).toMatchObject({ status: 'done', lastStep: 1 });
    expect(await db.checkpoints.where('runId').equals(run.id).count()).toBeGreaterThan(0);
    // The same examples again resume as before.
    const again = await engine.train({ store: new DexieRunStore(db, run.id), config: { ...config, steps: 2 }, examples: { train: imported.examples.slice(0, 6), eval: [] }, resume: true });
    expect(again).toMatchObject({ status: 'done', step: 2 });
  });
});

describe('a run resumed with fewer epochs than it has trained', () => {
  // Steps from epochs are known only once the data is tokenized, after the CLI's check of --steps:
  // the resume trained nothing and wrote a run shorter than its adapter.
  it('is refused, naming both step counts, and keeps its history', { timeout: 300_000 }, async () => {
    const { engine, imported, db, config, run } = await runOnSix('fewer-epochs', { steps: 3, checkpointEvery: 1 }, 1);
    const examples = { train: imported.examples.slice(0, 6), eval: [] };
    expect(await db.runs.get(run.id)).toMatchObject({ status: 'done', lastStep: 3 });
    // Half an epoch over six examples in batches of two: 2 steps, behind the run's 3.
    const resumed = engine.train({ store: new DexieRunStore(db, run.id), config, epochs: 0.5, examples, resume: true });
    await expect(resumed).rejects.toThrow('the run has trained 3 steps already, more than the 2 that 0.5 epochs over 6 training examples give; resume with more epochs, or with --steps 3 to keep the adapter as it is');
    expect((await db.metrics.where('runId').equals(run.id).sortBy('step')).map((m) => m.step)).toEqual([1, 2, 3]);
    // The finished run stays finished (it read "failed" after the refusal).
    expect(await db.runs.get(run.id)).toMatchObject({ status: 'done', lastStep: 3 });
  });
});
