// A run with keepBest ends with the adapter and checkpoint of its evaluated step with the lowest
// held-out loss per token: the same LoRA and balance state, bit for bit, as a run that trained only
// that far, in IndexedDB and in a run folder alike; its curves keep every step; a resume goes on
// from the kept step; a stop keeps the best step too, and so does a run that patience ends early,
// which counts on across a pause.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import type { Example } from '../../src/data/example.ts';
import { DEFAULT_RUN_CONFIG, validateRunConfig, type RunConfig } from '../../src/train/config.ts';
import { createTrainRun, DexieRunStore } from '../../src/jobs/store/dexie.ts';
import { BEST_CHECKPOINT_FILE, CHECKPOINT_FILE, RunFolderStore } from '../../src/jobs/store/folder.ts';
import type { RunStore } from '../../src/jobs/store/runStore.ts';
import { decodeCheckpoint } from '../../src/train/checkpointFile.ts';
import type { JobEngine } from '../../src/jobs/engine.ts';
import { nodeDirectoryModelFiles } from '../../src/model/model-files-node.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';
import { retrainConfig } from '../../src/jobs/hdrRetrain.ts';
import { ablationArms, defaultAblationConfig, validateAblationConfig } from '../../src/jobs/ablationConfig.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';

// The studio's embedded model, pre-trained on the demo's kind of request: its held-out loss falls,
// then rises at this learning rate (a random model's barely moves).
const embedded = () => tinyEngine(nodeDirectoryModelFiles('public/models/tiny-qwen3'));

// A learning rate high enough that the held-out loss rises again within a few steps, a constant
// schedule so that the first steps of a longer run are those of a shorter one.
const CONFIG: RunConfig = {
  ...DEFAULT_RUN_CONFIG, steps: 6, batchSize: 1, seqLen: 320, lr: 0.02, schedule: 'constant', warmupSteps: 0,
  evalEvery: 2, evalExamples: 2, checkpointEvery: 4, keepBest: true, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 },
};

let examples: { train: Example[]; eval: Example[] } | undefined;
async function data() {
  const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
  return (examples ??= { train: imported.examples.slice(0, 40), eval: imported.examples.slice(300, 304) });
}

const dexieRun = async (db: StudioDb, name: string, config: RunConfig) => {
  const run = await createTrainRun(db, { datasetId: 'd', modelRef: 'tiny', name, config });
  return { id: run.id, store: new DexieRunStore(db, run.id) };
};
const newDb = (name: string) => new StudioDb(`keep-best-${name}-${Date.now()}`, { indexedDB, IDBKeyRange });

async function train(engine: JobEngine, store: RunStore, config: RunConfig, resume = false) {
  const outcome = await engine.train({ store, config, examples: await data(), resume });
  expect(outcome.status, outcome.message).toBe('done');
  return outcome;
}

/** The evaluated steps' held-out loss per token, from the run's Dexie metrics. */
async function evalCurve(db: StudioDb, runId: string): Promise<Array<[number, number]>> {
  const rows = await db.metrics.where('runId').equals(runId).sortBy('step');
  return rows.filter((r) => r.values.evalLossTokens !== undefined).map((r) => [r.step, r.values.evalLossTokens]);
}

/** The evaluated steps' held-out loss per token, from a run folder's metrics.jsonl. */
function folderEvals(dir: string): Array<[number, number]> {
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number; evalLossTokens?: number });
  return lines.filter((l) => l.kind === 'eval').map((l) => [l.step, l.evalLossTokens!]);
}

const adapterOf = async (engine: JobEngine, store: RunStore) => {
  const a = await store.readAdapter(engine.requireModel().spec);
  return Object.fromEntries([...a.tensors].map(([k, v]) => [k, [...v]]));
};

describe('keeping the best step', () => {
  it('keeps the adapter, balance state and checkpoint of the lowest held-out loss, as a run that stopped there has them', { timeout: 300_000 }, async () => {
    const engine = await embedded();
    const dir = mkdtempSync(join(tmpdir(), 'keep-best-'));
    const folder = new RunFolderStore(dir, { model: 'tiny', data: ['demo.jsonl'] });
    const outcome = await train(engine, folder, CONFIG);
    const curve = folderEvals(dir);
    expect(curve.map(([s]) => s)).toEqual([2, 4, 6]);
    const [bestStep, bestLoss] = curve.reduce((a, b) => (b[1] < a[1] ? b : a));
    // The premise: the loss rose after its lowest point, so the kept step is not the last.
    expect(bestStep, `held-out loss per step: ${JSON.stringify(curve)}`).toBeLessThan(6);
    expect(outcome.message).toBe(`it keeps the adapter of step ${bestStep}, its lowest held-out loss per token (${bestLoss.toFixed(4)}, against ${curve.at(-1)![1].toFixed(4)} at its last step 6)`);
    // The run trained all its steps and says so; checkpoint.safetensors and the PEFT files are the kept step's.
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toMatchObject({ status: 'done', lastStep: 6, adapterFilesStep: bestStep });
    expect(readFileSync(join(dir, CHECKPOINT_FILE))).toEqual(readFileSync(join(dir, BEST_CHECKPOINT_FILE)));
    expect((await decodeCheckpoint(new Uint8Array(readFileSync(join(dir, CHECKPOINT_FILE))))).state.step).toBe(bestStep);
    expect(await folder.readBest()).toEqual({ step: bestStep, loss: bestLoss });

    // A run of the same settings that trained only to that step (in IndexedDB) has the same adapter and α state.
    const db = newDb('short');
    const short = await dexieRun(db, 'short', { ...CONFIG, steps: bestStep, keepBest: false });
    await train(engine, short.store, { ...CONFIG, steps: bestStep, keepBest: false });
    expect(await adapterOf(engine, folder)).toEqual(await adapterOf(engine, short.store));
    expect(await folder.readBalance()).toEqual(await short.store.readBalance());

    // Resumed for more steps, it goes on from the kept step (the steps after it are trained again)
    // and compares with the best it kept.
    await train(engine, folder, { ...CONFIG, steps: 8 }, true);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number });
    expect(lines.filter((l) => l.kind === 'train').map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const resumedBest = folderEvals(dir).reduce((a, b) => (b[1] < a[1] ? b : a));
    expect((await decodeCheckpoint(new Uint8Array(readFileSync(join(dir, CHECKPOINT_FILE))))).state.step).toBe(resumedBest[0]);
    console.log(`    keep-best: held-out loss per token ${curve.map(([s, l]) => `${s}: ${l.toFixed(4)}`).join(', ')}; kept step ${bestStep}; resumed to 8, kept ${resumedBest[0]}`);
  });

  it('in IndexedDB, a stop or patience run out keeps the best step measured so far; with no held-out loss the run says it kept its last', { timeout: 300_000 }, async () => {
    const engine = await embedded();
    const db = newDb('stop');
    const run = await dexieRun(db, 'stopped', CONFIG);
    const outcome = await engine.train({
      store: run.store, config: CONFIG, examples: await data(), resume: false,
      events: { onStep: (m) => void (m.step === 5 && engine.interrupt(run.store.label, 'stop')) },
    });
    const curve = await evalCurve(db, run.id);
    expect(curve.map(([s]) => s)).toEqual([2, 4]);
    const [bestStep, bestLoss] = curve.reduce((a, b) => (b[1] < a[1] ? b : a));
    expect(outcome).toMatchObject({ status: 'done', step: 5 });
    expect(outcome.message).toBe(`stopped by the user; it keeps the adapter of step ${bestStep}, its lowest held-out loss per token (${bestLoss.toFixed(4)})`);
    expect((await db.checkpoints.where('runId').equals(run.id).sortBy('step')).at(-1)!.step).toBe(bestStep);
    expect(await run.store.readBest()).toEqual({ step: bestStep, loss: bestLoss });

    // Patience 1: the run ends at the first evaluation that finds no lower loss, keeping the best.
    const patient = await dexieRun(db, 'patience', { ...CONFIG, steps: 12, patience: 1 });
    const ended = await engine.train({ store: patient.store, config: { ...CONFIG, steps: 12, patience: 1 }, examples: await data(), resume: false });
    const seen = await evalCurve(db, patient.id);
    const last = seen.at(-1)!;
    const [keptStep, keptLoss] = seen.slice(0, -1).reduce((a, b) => (b[1] < a[1] ? b : a));
    // Every evaluation before the last found a lower loss than those before it; the last did not.
    for (let i = 1; i < seen.length - 1; i++) expect(seen[i][1]).toBeLessThan(Math.min(...seen.slice(0, i).map((p) => p[1])));
    expect(last[1]).toBeGreaterThanOrEqual(keptLoss);
    expect(ended).toMatchObject({ status: 'done', step: last[0] });
    expect(last[0]).toBeLessThan(12);
    expect(ended.message).toBe(`stopped early: 1 held-out evaluation in a row found no lower loss than step ${keptStep}’s; it keeps the adapter of step ${keptStep}, its lowest held-out loss per token (${keptLoss.toFixed(4)}, against ${last[1].toFixed(4)} at its last step ${last[0]})`);
    // Its curves keep every step it trained; its newest checkpoint is the kept step's.
    expect(await db.runs.get(patient.id)).toMatchObject({ status: 'done', lastStep: last[0], message: ended.message });
    expect((await db.metrics.where('runId').equals(patient.id).toArray()).length).toBe(last[0]);
    const rows = (await db.checkpoints.where('runId').equals(patient.id).sortBy('step')).map((r) => r.step);
    expect(rows.at(-1)).toBe(keptStep);
    expect(rows.length).toBeLessThanOrEqual(3);

    // No held-out example: nothing to choose by, and the run says so.
    const none = await dexieRun(db, 'no held-out', { ...CONFIG, steps: 1 });
    const plain = await engine.train({ store: none.store, config: { ...CONFIG, steps: 1 }, examples: { train: (await data()).train, eval: [] }, resume: false });
    expect(plain.message).toBe('it keeps its last step’s adapter: no held-out loss was measured to choose another');
    expect((await db.checkpoints.where('runId').equals(none.id).sortBy('step')).at(-1)!.step).toBe(1);
  });

  it('goes on counting patience after a pause: the resumed run ends where the run without the pause ends', { timeout: 300_000 }, async () => {
    const engine = await embedded();
    const config = { ...CONFIG, steps: 16, patience: 2, checkpointEvery: 0 };
    const straight = mkdtempSync(join(tmpdir(), 'patience-straight-'));
    const whole = await train(engine, new RunFolderStore(straight, { model: 'tiny', data: ['demo.jsonl'] }), config);
    const curve = folderEvals(straight);
    // The premise: patience ended it early, its last two evaluations finding no lower loss.
    expect(whole.step, `held-out loss per step: ${JSON.stringify(curve)}`).toBeLessThan(16);
    expect(whole.message).toMatch(/^stopped early: 2 held-out evaluations in a row/);
    const firstMiss = curve.at(-2)![0];

    // The same run paused one step after the first of those two, and resumed.
    const dir = mkdtempSync(join(tmpdir(), 'patience-paused-'));
    const folder = new RunFolderStore(dir, { model: 'tiny', data: ['demo.jsonl'] });
    const paused = await engine.train({
      store: folder, config, examples: await data(), resume: false,
      events: { onStep: (m) => void (m.step === firstMiss + 1 && engine.interrupt(folder.label, 'pause')) },
    });
    expect(paused).toMatchObject({ status: 'paused', step: firstMiss + 1 });
    expect(await folder.evaluatedSteps()).toEqual(curve.slice(0, -1).map(([s]) => s));
    const resumed = await train(engine, folder, config, true);
    expect(resumed).toMatchObject({ step: whole.step, message: whole.message });
    expect(folderEvals(dir)).toEqual(curve);
  });

  it('says when no trained step came below the held-out loss before training, after a pause too', { timeout: 300_000 }, async () => {
    // A learning rate far too high: every step's held-out loss is above the model's before training.
    const engine = await embedded();
    const config = { ...CONFIG, lr: 0.3, steps: 8, evalEvery: 1, patience: 2, checkpointEvery: 0 };
    const db = newDb('worse');
    const run = await dexieRun(db, 'worse', config);
    const ended = await train(engine, run.store, config);
    const start = (await db.runs.get(run.id) as { setup?: { baseline?: { evalLossTokens: number } } }).setup!.baseline!.evalLossTokens;
    const seen = await evalCurve(db, run.id);
    const [keptStep, keptLoss] = seen.filter(([s]) => s > 0).reduce((a, b) => (b[1] < a[1] ? b : a));
    expect(keptLoss, `held-out loss per step: ${JSON.stringify(seen)}; before training ${start}`).toBeGreaterThan(start);
    expect(ended.message).toMatch(new RegExp(`^stopped early: 2 held-out evaluations in a row found no lower loss than step ${keptStep}’s; it keeps the adapter of step ${keptStep}, its lowest held-out loss per token \\(${keptLoss.toFixed(4)}, against [\\d.]+ at its last step ${ended.step}\\); but no step came below the held-out loss before training \\(${start.toFixed(4)}\\): training made the model worse on held-out examples \\(a lower learning rate may help\\)$`));

    // Paused after its first step and resumed, it compares with the loss its first start measured.
    const dir = mkdtempSync(join(tmpdir(), 'worse-paused-'));
    const folder = new RunFolderStore(dir, { model: 'tiny', data: ['demo.jsonl'] });
    const paused = await engine.train({ store: folder, config, examples: await data(), resume: false, events: { onStep: (m) => void (m.step === 1 && engine.interrupt(folder.label, 'pause')) } });
    expect(paused).toMatchObject({ status: 'paused', step: 1 });
    expect(await train(engine, folder, config, true)).toMatchObject({ step: ended.step, message: ended.message });
  });

  it('lists the steps it evaluated, up to the checkpoint a resume goes on from, in IndexedDB', async () => {
    const db = newDb('evaluated');
    const { store } = await dexieRun(db, 'evaluated', CONFIG);
    const metric = (step: number) => ({ step }) as Parameters<RunStore['addMetric']>[0];
    const evaluation = (step: number) => ({ step, evalLoss: 1, evalLossCot: 1, evalLossCall: 1, evalLossTokens: 1 });
    for (const step of [1, 2, 3, 4, 5, 6, 7]) {
      await store.addMetric(metric(step));
      if (step % 2 === 0) await store.addEval(evaluation(step));
      if (step === 5) await store.saveCheckpoint({ step, cursor: { epoch: 0, index: step }, balance: { rule: 'grad', theta: { value: 0, m: 0, v: 0, step } }, loraParams: new Float32Array([step]), adamM: new Float32Array([0]), adamV: new Float32Array([0]) });
    }
    expect(await store.evaluatedSteps()).toEqual([2, 4, 6]);
    await store.openHistory(true);
    expect(await store.evaluatedSteps()).toEqual([2, 4]);
  });

  it('keeps its one best checkpoint beside its newest two in IndexedDB, and rewinds to it', async () => {
    const db = newDb('rows');
    const { id, store } = await dexieRun(db, 'rows', CONFIG);
    const state = (step: number) => ({ step, cursor: { epoch: 0, index: step }, balance: { rule: 'grad' as const, theta: { value: 0, m: 0, v: 0, step } }, loraParams: new Float32Array([step]), adamM: new Float32Array([0]), adamV: new Float32Array([0]) });
    const rows = async () => (await db.checkpoints.where('runId').equals(id).sortBy('step')).map((r) => [r.step, (r.meta as { bestLoss?: number } | undefined)?.bestLoss ?? null]);
    await store.saveBest(state(1), 0.5);
    for (const step of [2, 3, 4]) await store.saveCheckpoint(state(step));
    expect(await rows()).toEqual([[1, 0.5], [3, null], [4, null]]);
    // A new best at a step that has a checkpoint: one row, marked; the earlier best goes.
    await store.saveBest(state(4), 0.4);
    expect(await rows()).toEqual([[3, null], [4, 0.4]]);
    // A checkpoint of the best step keeps its mark.
    for (const step of [4, 5, 6]) await store.saveCheckpoint(state(step));
    expect(await rows()).toEqual([[4, 0.4], [5, null], [6, null]]);
    expect(await store.readBest()).toEqual({ step: 4, loss: 0.4 });
    expect((await store.rewindToBest()).loraParams).toEqual(new Float32Array([4]));
    expect(await rows()).toEqual([[4, 0.4]]);
    // Still the best a resume compares with.
    expect(await store.readBest()).toEqual({ step: 4, loss: 0.4 });
  });

  it('is refused without held-out losses to choose by', () => {
    expect(() => validateRunConfig({ ...CONFIG, evalEvery: 0 })).toThrow('run config: keepBest picks the step with the lowest held-out loss, which evalEvery 0 never measures: set evalEvery above 0');
    expect(() => validateRunConfig({ ...CONFIG, evalEvery: 0, keepBest: false })).not.toThrow();
    expect(() => validateRunConfig({ ...CONFIG, keepBest: 'yes' as never })).toThrow('run config: keepBest must be true or false, got "yes"');
    expect(() => validateRunConfig({ ...CONFIG, keepBest: false, patience: 3 })).toThrow('run config: patience ends the run once the held-out loss stops falling, and needs keepBest so that the run keeps the step before it did');
    expect(() => validateRunConfig({ ...CONFIG, patience: 1.5 })).toThrow('run config: patience must be a whole number ≥ 0, got 1.5');
    expect(() => validateRunConfig({ ...CONFIG, keepBest: false, patience: 0 })).not.toThrow();
    // HDR's rounds and an ablation's arms take no held-out losses: a form that keeps the best step
    // (with patience) gives them settings they run with, not a refusal.
    const round = retrainConfig({ ...CONFIG, patience: 3 }, DEFAULT_HDR_SETTINGS);
    expect(round).not.toHaveProperty('keepBest');
    expect(round).not.toHaveProperty('patience');
    expect(() => validateRunConfig({ ...round, evalEvery: 0 })).not.toThrow();
    const ablation = defaultAblationConfig({ ...CONFIG, patience: 3 });
    expect(() => validateAblationConfig(ablation)).not.toThrow();
    expect(ablationArms(ablation).every((a) => !a.config.keepBest && !a.config.patience)).toBe(true);
  });
});
