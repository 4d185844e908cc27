// One job, two stores: the training and HDR jobs of src/jobs run on Dawn (SwiftShader) with the
// narrow tiny Qwen3 and the real tokenizer, once against the browser's Dexie store (fake-indexeddb)
// and once against the CLI's run folder. Protects: a paused run resumes from its checkpoint into
// one metric history in either store, and both stores hold the same curve for the same job (the
// loop is the same code, the store only keeps what it is given); the final adapter comes back from
// either store; HDR keeps its pool, rounds and retrained adapter in either store and a second HDR
// run on the same Dexie dataset starts after the rounds already recorded; an evaluation of the
// trained adapter keeps the same predictions in either store. Stores come from each home's
// workspace (the way a job that makes several runs gets them).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { saveDataset } from '../../src/data/dataset-store.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import type { Example } from '../../src/data/example.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import type { StepMetrics } from '../../src/train/trainer.ts';
import { DEFAULT_HDR_SETTINGS, hdrTotalsText, runHdrRounds, type HdrEngine, type HdrRunRow, type HdrSettings } from '../../src/hdr/index.ts';
import type { EvalReport } from '../../src/eval/index.ts';
import { JobEngine } from '../../src/jobs/engine.ts';
import { openLoadedModel } from '../../src/jobs/context.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { testGpu } from '../helpers/gpu.ts';
import { countedHooks } from '../../src/jobs/hdr.ts';
import { retrainConfig } from '../../src/jobs/hdrRetrain.ts';
import { DexieWorkspace, readRun, storedExamples } from '../../src/jobs/store/dexie.ts';
import { BALANCE_FILE, HDR_FILES, METRICS_FILE, RunFolderWorkspace } from '../../src/jobs/store/folder.ts';
import { adapterRun } from '../../src/cli/localFiles.ts';
import type { RunStore } from '../../src/jobs/store/runStore.ts';
import type { LoraAdapter } from '../../src/model/lora.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

async function demoExamples(n: number): Promise<Example[]> {
  const imported = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
  return imported.examples.slice(0, n);
}

const CONFIG: RunConfig = { ...DEFAULT_RUN_CONFIG, steps: 3, batchSize: 1, seqLen: 320, evalEvery: 3, evalExamples: 1, checkpointEvery: 0, warmupSteps: 1, lr: 1e-2, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };

let dbCount = 0;
const freshDb = () => new StudioDb(`jobs-stores-${++dbCount}-${Date.now()}`, { indexedDB, IDBKeyRange });

/** Trains CONFIG against `store`, paused after step 1 and resumed to the end; the steps it reported. */
async function pausedAndResumed(engine: JobEngine, store: RunStore, examples: { train: Example[]; eval: Example[] }): Promise<StepMetrics[]> {
  const seen: StepMetrics[] = [];
  const job = { store, config: CONFIG, examples, events: { onStep: (m: StepMetrics) => seen.push(m) } };
  const first = engine.train({ ...job, resume: false, events: { onStep: (m: StepMetrics) => (seen.push(m), m.step === 1 && engine.interrupt(store.label, 'pause')) } });
  expect(await first).toMatchObject({ status: 'paused', step: 1 });
  expect(await engine.train({ ...job, resume: true })).toMatchObject({ status: 'done', step: 3, steps: 3 });
  return seen;
}

describe('jobs against both run stores', () => {
  it('training: pause, resume, one metric history and the adapter, the same curve in Dexie and in a run folder', { timeout: 600_000 }, async () => {
    const engine = await tinyEngine();
    const spec = engine.requireModel().spec;

    // Dexie: the dataset's stored split decides the examples.
    const db = freshDb();
    const dataset = await saveDataset(db, { name: 'demo', examples: await demoExamples(40) });
    const workspace = new DexieWorkspace(db, { datasetId: dataset.id, modelRef: 'tiny' });
    const dexie = await workspace.createRun({ kind: 'train', name: 'both stores', config: CONFIG });
    const examples = await storedExamples(db, dataset.id);
    const dexieSteps = await pausedAndResumed(engine, dexie, examples);
    const rows = await db.metrics.where('runId').equals(dexie.runId).sortBy('step');
    expect(rows.map((r) => r.step)).toEqual([1, 2, 3]);
    expect(rows[2].values.evalLoss).toBeGreaterThan(0);
    const stored = await readRun(db, dexie.runId);
    expect(stored).toMatchObject({ kind: 'train', status: 'done', lastStep: 3, modelRef: 'tiny', setup: { examples: { train: examples.train.length, eval: 1, tooLong: 0 } } });
    expect(stored?.kind === 'train' && stored.tokenLoss?.step).toBe(3);

    // The run folder, given the same examples.
    const folders = new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'jobs-folder-')), { model: 'tiny', data: ['demo.jsonl'], counts: { records: 40 } });
    const folder = await folders.createRun({ kind: 'train', name: 'both stores', config: CONFIG });
    const dir = folder.dir;
    expect(dir).toBe(join(folders.root, 'both-stores'));
    const folderSteps = await pausedAndResumed(engine, folder, examples);
    const lines = readFileSync(join(dir, METRICS_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.kind}:${l.step}`)).toEqual(['train:1', 'train:2', 'train:3', 'eval:3']);
    const runJson = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(Object.keys(runJson).slice(0, 6)).toEqual(['model', 'data', 'config', 'examples', 'memory', 'adapter']);
    expect(runJson).toMatchObject({ status: 'done', lastStep: 3, examples: { train: examples.train.length, eval: 1, records: 40, tooLong: 0 } });

    // The same job, the same curve: the store only keeps what the loop gives it. (Same device, same
    // kernels, same data order: the losses agree to float rounding.)
    for (const steps of [dexieSteps, folderSteps]) expect(steps.map((m) => m.step)).toEqual([1, 2, 3]);
    for (let i = 0; i < 3; i++) {
      expect(folderSteps[i].loss).toBeCloseTo(dexieSteps[i].loss, 5);
      expect(lines[i].loss).toBeCloseTo(rows[i].values.loss, 5);
      expect(folderSteps[i].alpha).toBeCloseTo(dexieSteps[i].alpha, 6);
    }
    // The adapter comes back from either store: Dexie derives it from the final checkpoint, the
    // folder reads its PEFT files.
    const fromDexie = await dexie.readAdapter(spec);
    const fromFolder = await folder.readAdapter(spec);
    expect(fromFolder.settings).toMatchObject({ rank: 2, alpha: 4 });
    for (const [key, t] of fromDexie.tensors) {
      const other = fromFolder.tensors.get(key)!;
      expect(other.length).toBe(t.length);
      let worst = 0;
      for (let i = 0; i < t.length; i++) worst = Math.max(worst, Math.abs(other[i] - t[i]));
      expect(worst, key).toBeLessThan(1e-4); // two runs of the same 3 steps; Adam's first step moves by lr
    }
    // α goes with the adapter files (balance.json beside them), so a run started from them (studio
    // hdr --adapter) continues the α of their step, even once the folder is resumed past them.
    expect(existsSync(join(dir, BALANCE_FILE))).toBe(true);
    expect(await folder.readBalance()).toEqual(await dexie.readBalance());

    // Evaluating each store's adapter on the same examples: the Dexie eval row and the folder's
    // predictions.jsonl hold the same answers (greedy, same adapter).
    const answer = (store: RunStore, adapter: LoraAdapter) =>
      engine.evaluate({ store, examples: examples.eval.slice(0, 2), adapter, decoding: { maxNewTokens: 4, batchSize: 2 } });
    const evalConfig = { adapterRunId: dexie.runId, limit: 2, maxNewTokens: 4, lora: fromDexie.settings };
    const dexieEval = await workspace.createRun({ kind: 'eval', name: 'eval', config: evalConfig });
    const inDexie = await answer(dexieEval, fromDexie);
    const evalRow = await readRun(db, dexieEval.runId);
    expect(evalRow).toMatchObject({ kind: 'eval', status: 'done', name: 'eval', summary: { total: 2 } });
    const folderEval = await folders.createRun({ kind: 'eval', name: 'eval', config: evalConfig });
    await answer(folderEval, fromFolder);
    const predictions = readFileSync(join(folders.root, 'eval', 'predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(predictions.map((p) => [p.id, p.output])).toEqual(inDexie.predictions.map((p) => [p.exampleId, p.output]));
    expect((await db.predictions.get(dexieEval.runId))!.predictions.map((p) => p.output)).toEqual(predictions.map((p) => p.output));
    expect(JSON.parse(readFileSync(join(folders.root, 'eval', 'summary.json'), 'utf8'))).toMatchObject({ model: 'tiny', total: 2, correct: inDexie.correct });
    db.close();
  });

  it('HDR: pool, rounds and the retrained adapter in Dexie and in a run folder; a second Dexie run starts after the recorded rounds', { timeout: 600_000 }, async () => {
    const engine = await tinyEngine();
    const spec = engine.requireModel().spec;
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1, stepsPerRound: 1, maxNewTokens: 4, batchSize: 2 };
    const config = { ...retrainConfig(CONFIG, settings), balanceRule: 'uncertainty' as const };
    const db = freshDb();
    const dataset = await saveDataset(db, { name: 'demo', examples: await demoExamples(30) });
    const data = await storedExamples(db, dataset.id);
    // The balance state of the run HDR starts from: retraining continues it, and it is kept with the adapter.
    const balance = { rule: 'uncertainty' as const, logVarCot: 0.1, logVarCall: 1.3 };
    const job = { settings, config, mineSet: data.train.slice(0, 2), evalSet: [], replayPool: data.train, adapter: null, balance };

    const workspace = new DexieWorkspace(db, { datasetId: dataset.id, modelRef: 'tiny' });
    const dexie = await workspace.createRun({ kind: 'hdr', name: 'hdr', settings, config });
    const inDexie = await engine.hdr({ ...job, store: dexie });
    // An untrained model answers nothing right: both mined examples are hard cases.
    expect(inDexie.poolStart).toBe(2);
    expect(inDexie.rounds).toBe(1);
    const row = await readRun(db, dexie.runId);
    // The figures the page shows are those hdr.json has (below, the same for the same job).
    expect(row).toMatchObject({ kind: 'hdr', status: 'done', stopReason: inDexie.stopReason, mined: { examples: 2, hardCases: 2 }, poolStart: 2, poolEnd: inDexie.poolEnd, added: inDexie.added });
    expect(row?.kind === 'hdr' && row.rounds.map((r) => r.round)).toEqual([1]);
    expect(await db.hardCases.where('[datasetId+status]').equals([dataset.id, 'open']).count()).toBe(inDexie.poolEnd);
    expect((await db.metrics.where('runId').equals(dexie.runId).toArray()).map((m) => m.step)).toEqual([1]);
    const dexieAdapter = await dexie.readAdapter(spec);
    expect(dexieAdapter.settings.rank).toBe(2);

    const folder = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'jobs-hdr-')), { model: 'tiny', data: ['demo.jsonl'], adapter: null, summary: { mine: 'train' } }).createRun({ kind: 'hdr', name: 'hdr', settings, config });
    const dir = folder.dir;
    const inFolder = await engine.hdr({ ...job, store: folder });
    const read = (f: string) => readFileSync(join(dir, f), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(read(HDR_FILES.mined)).toHaveLength(2);
    expect(read(HDR_FILES.rounds).map((r) => r.round)).toEqual([1]);
    expect(read(HDR_FILES.hardCases)).toHaveLength(inFolder.poolEnd);
    expect(JSON.parse(readFileSync(join(dir, HDR_FILES.summary), 'utf8'))).toMatchObject({ model: 'tiny', mine: 'train', stopReason: inFolder.stopReason, poolStart: 2, rounds: 1, poolEnd: inFolder.poolEnd, added: inFolder.added });
    // Same job, same seeds: the same pool and the same outcome in either store.
    expect(inFolder).toEqual(inDexie);
    expect((await folder.readAdapter(spec)).settings).toEqual(dexieAdapter.settings);
    const kept = await dexie.readBalance();
    expect(kept?.rule).toBe('uncertainty');
    expect(await folder.readBalance()).toEqual(kept);
    if (inDexie.added === 0) expect(kept).toEqual(balance); // no round retrained: α is where the start run left it

    // The Dexie pool remembers its rounds: the next HDR run on this dataset starts at round 2.
    const next = await workspace.createRun({ kind: 'hdr', name: 'hdr 2', settings, config });
    expect(await (await next.hdrPool(settings, config)).firstRound()).toBe(2);
    db.close();
  });
});

describe('an HDR run that fails after its rounds', () => {
  // hdr.json of a run that failed writing its adapter said "rounds 0, pool 0 → 0" beside a
  // rounds.jsonl with its round and a hard-cases.jsonl with its pool: the summary's numbers were
  // only filled in once everything had succeeded.
  it('says in hdr.json the pool it mined and the rounds it finished', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1, stepsPerRound: 1, maxNewTokens: 4, batchSize: 2 };
    const config = retrainConfig(CONFIG, settings);
    const examples = await demoExamples(30);
    const folder = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'jobs-hdr-fail-')), { model: 'tiny', data: ['demo.jsonl'], adapter: null, summary: { mine: 'train' } }).createRun({ kind: 'hdr', name: 'hdr', settings, config });
    folder.saveAdapter = () => Promise.reject(new Error('ENOSPC: no space left on device, write'));
    const job = engine.hdr({ store: folder, settings, config, mineSet: examples.slice(0, 2), evalSet: [], replayPool: examples, adapter: null });
    await expect(job).rejects.toThrow(/ENOSPC/);
    const rounds = readFileSync(join(folder.dir, HDR_FILES.rounds), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rounds).toHaveLength(1);
    const summary = JSON.parse(readFileSync(join(folder.dir, HDR_FILES.summary), 'utf8'));
    expect(summary).toMatchObject({ failed: true, rounds: 1, poolStart: 2, poolEnd: rounds[0].poolAfter, added: rounds[0].accepted });
  });

  // A run that failed after a finished round (here the page's round event throws, as a lost GPU or
  // a later round's retraining would) kept no adapter: the adapter was saved once, at the very end,
  // so the rounds it finished left nothing to evaluate or export. Each round now keeps its own.
  it('keeps the adapter of the last finished round in Dexie and in a run folder', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    const spec = engine.requireModel().spec;
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1, stepsPerRound: 1, maxNewTokens: 4, batchSize: 2 };
    const config = { ...retrainConfig(CONFIG, settings), balanceRule: 'uncertainty' as const };
    const balance = { rule: 'uncertainty' as const, logVarCot: 0.1, logVarCall: 1.3 };
    const examples = await demoExamples(30);
    const events = { onRound: () => { throw new Error('GPU device was lost'); } };
    const job = { settings, config, mineSet: examples.slice(0, 2), evalSet: [], replayPool: examples, adapter: null, balance, events };
    const db = freshDb();
    const dataset = await saveDataset(db, { name: 'demo', examples });
    const dexie = await new DexieWorkspace(db, { datasetId: dataset.id, modelRef: 'tiny' }).createRun({ kind: 'hdr', name: 'hdr', settings, config });
    const folder = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'jobs-hdr-lost-')), { model: 'tiny', data: ['demo.jsonl'], adapter: null, summary: { mine: 'train' } }).createRun({ kind: 'hdr', name: 'hdr', settings, config });
    for (const store of [dexie, folder] as RunStore[]) {
      await expect(engine.hdr({ ...job, store })).rejects.toThrow(/GPU device was lost/);
      expect((await store.readAdapter(spec)).settings.rank).toBe(2);
      expect((await store.readBalance())?.rule).toBe('uncertainty');
    }
    // The adapter says which round it is of.
    expect((await db.checkpoints.where('runId').equals(dexie.runId).toArray()).map((c) => c.step)).toEqual([1]);
    expect(JSON.parse(readFileSync(join(folder.dir, HDR_FILES.summary), 'utf8'))).toMatchObject({ failed: true, rounds: 1 });
    db.close();
  });
});

describe('an HDR run that finds no hard case', () => {
  // Since each round keeps its adapter, a run that mined no hard case (no round to finish) kept
  // none: `studio hdr` said 'adapter written to <out>' beside a folder without one, the run could
  // not be evaluated or exported, and an ablation's HDR arm failed reading it. It keeps the adapter
  // it started from, as it did before rounds kept theirs.
  it('keeps the adapter it started from, with its α, in Dexie and in a run folder', { timeout: 300_000 }, async () => {
    // The studio's embedded model, pre-trained on the demo's kind of request: it answers these right.
    const dir = 'public/models/tiny-qwen3';
    const engine = new JobEngine(testGpu);
    engine.useModel(await openLoadedModel(memoryModelFiles(new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))])), 'tiny'), 'tiny'));
    const spec = engine.requireModel().spec;
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1, stepsPerRound: 1, maxNewTokens: 96, batchSize: 4 };
    const config = { ...retrainConfig(CONFIG, settings), balanceRule: 'uncertainty' as const };
    const balance = { rule: 'uncertainty' as const, logVarCot: 0.1, logVarCall: 1.3 };
    const examples = await demoExamples(30);
    // Greedy, it answers each of these right (demo-0002 and demo-0003 it does not).
    const mineSet = examples.filter((e) => ['demo-0000', 'demo-0001', 'demo-0004', 'demo-0005'].includes(e.id));
    const job = { settings, config, mineSet, evalSet: [], replayPool: examples, adapter: null, balance };
    const db = freshDb();
    const dataset = await saveDataset(db, { name: 'demo', examples });
    const dexie = await new DexieWorkspace(db, { datasetId: dataset.id, modelRef: 'tiny' }).createRun({ kind: 'hdr', name: 'hdr', settings, config });
    const folder = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'jobs-hdr-none-')), { model: 'tiny', data: ['demo.jsonl'], adapter: null, summary: { mine: 'train' } }).createRun({ kind: 'hdr', name: 'hdr', settings, config });
    for (const store of [dexie, folder] as RunStore[]) {
      expect(await engine.hdr({ ...job, store })).toMatchObject({ stopReason: 'no_hard_cases', rounds: 0 });
      expect((await store.readAdapter(spec)).settings.rank).toBe(2);
      expect(await store.readBalance()).toEqual(balance);
    }
    db.close();
  });
});

describe('an HDR run whose retraining fails', () => {
  // A round's accepted samples and solved cases are stored before it retrains: hdr.json of a run
  // whose retraining then failed said "added 0, pool 1 → 1" beside the sample in hdr-examples.jsonl
  // and an empty hard-cases.jsonl. The samples are kept (checked answers); the round is not finished.
  const tools = [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
  const example: Example = { id: 'a', tools, messages: [{ role: 'user', content: 'find a' }], target: { reasoning: 'lookup it', calls: [{ name: 'lookup', arguments: { q: 'a' } }] }, source: 'openai' };
  const answer = '<think>use lookup for a</think><tool_call>{"name":"lookup","arguments":{"q":"a"}}</tool_call>';
  /** Answers every case right, then loses the GPU when it retrains. */
  const failingRetraining: HdrEngine = {
    generate: async (prompts) => prompts.map(() => ({ tokens: Array.from(answer, (ch) => ch.charCodeAt(0)), finishReason: 'eos' as const })),
    encodePrompt: () => [0],
    decode: (ids) => String.fromCharCode(...ids),
    train: () => Promise.reject(new Error('GPU device was lost')),
  };

  it('says in hdr.json the samples and pool its files hold, and no finished round', async () => {
    const engine = failingRetraining;
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1 };
    const store = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'jobs-hdr-retrain-')), { model: 'tiny', data: ['demo.jsonl'], adapter: null }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
    const pool = await store.hdrPool(settings, CONFIG);
    const outcome = { settings, config: CONFIG, stopReason: '', failed: true, rounds: 0, poolStart: 1, poolEnd: 1, added: 0 };
    const hooks = { ...countedHooks(outcome, pool.hooks), onRound: async () => void outcome.rounds++ };
    await expect(runHdrRounds({ pool: [{ example, failedOutputs: [], round: 0, status: 'open' }], evalSet: [], replayPool: [], engine, settings, hooks })).rejects.toThrow(/GPU/);
    await pool.finish({ ...outcome, stopReason: 'GPU device was lost' });
    const lines = (f: string) => readFileSync(join(store.dir, f), 'utf8').trim().split('\n').filter(Boolean);
    expect(lines(HDR_FILES.examples)).toHaveLength(1);
    expect(lines(HDR_FILES.hardCases)).toHaveLength(0);
    expect(lines(HDR_FILES.rounds)).toHaveLength(0);
    expect(JSON.parse(readFileSync(join(store.dir, HDR_FILES.summary), 'utf8'))).toMatchObject({ failed: true, rounds: 0, poolStart: 1, poolEnd: 0, added: 1 });
  });

  // The browser's row kept no such figures: the page summed its rounds' accepted samples and said
  // none was added (and the pool unchanged) beside the sample in the dataset, where hdr.json says 1.
  it('keeps on its Dexie row the figures hdr.json has: the samples in the dataset and the pool', async () => {
    const db = freshDb();
    const dataset = await saveDataset(db, { name: 'one', examples: [example] });
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1 };
    const store = await new DexieWorkspace(db, { datasetId: dataset.id, modelRef: 'tiny' }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
    const pool = await store.hdrPool(settings, CONFIG);
    const outcome = { settings, config: CONFIG, stopReason: '', failed: true, rounds: 0, poolStart: 1, poolEnd: 1, added: 0 };
    const hooks = { ...countedHooks(outcome, pool.hooks), onRound: async () => void outcome.rounds++ };
    await expect(runHdrRounds({ pool: [{ example, failedOutputs: [], round: 0, status: 'open' }], evalSet: [], replayPool: [], engine: failingRetraining, settings, hooks })).rejects.toThrow(/GPU/);
    await pool.finish({ ...outcome, stopReason: 'GPU device was lost' });
    expect(await db.examples.where('datasetId').equals(dataset.id).count()).toBe(2);
    expect(await readRun(db, store.runId)).toMatchObject({ status: 'failed', rounds: [], poolStart: 1, poolEnd: 0, added: 1 });
    db.close();
  });

  // The totals were written only by `finish`: a run cut off by a closed tab or a dead worker (nothing
  // calls finish) kept a "running" row without them, and the page summed its finished rounds (none)
  // beside the sample it had added to the dataset.
  it('keeps them on its Dexie row as the rounds go, for a run nothing finishes', async () => {
    const db = freshDb();
    const dataset = await saveDataset(db, { name: 'one', examples: [example] });
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1 };
    const store = await new DexieWorkspace(db, { datasetId: dataset.id, modelRef: 'tiny' }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
    const pool = await store.hdrPool(settings, CONFIG);
    const mined = [{ example, failedOutputs: ['wrong'], round: 0, status: 'open' as const }];
    await pool.saveMined({ total: 1, correct: 0, predictions: [] } as unknown as EvalReport, mined);
    expect(await readRun(db, store.runId)).toMatchObject({ status: 'running', poolStart: 1, poolEnd: 1, added: 0 });
    await expect(runHdrRounds({ pool: mined, evalSet: [], replayPool: [], engine: failingRetraining, settings, hooks: pool.hooks })).rejects.toThrow(/GPU/);
    const row = await readRun(db, store.runId);
    expect(row).toMatchObject({ status: 'running', rounds: [], poolStart: 1, poolEnd: 0, added: 1 });
    expect(hdrTotalsText(row as HdrRunRow)).toBe('Hard-case pool 1 → 0; 1 example added to the dataset');
    db.close();
  });
});

describe('the configuration an HDR run retrains with', () => {
  const example: Example = { id: 'a', tools: [], messages: [{ role: 'user', content: 'find a' }], target: { calls: [{ name: 'lookup', arguments: { q: 'a' } }] }, source: 'openai' };

  // The job opens its pool with the length fitSamples raised the run's to; hdr.json recorded it, the
  // browser's row kept the one the row was made with, so the page showed a length the run never used.
  it('is the one its pool was opened with, on the Dexie row as in hdr.json', async () => {
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1 };
    const fitted: RunConfig = { ...CONFIG, seqLen: CONFIG.seqLen * 2 };
    const db = freshDb();
    const dataset = await saveDataset(db, { name: 'one', examples: [example] });
    const row = await new DexieWorkspace(db, { datasetId: dataset.id, modelRef: 'tiny' }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
    await row.hdrPool(settings, fitted);
    expect(((await readRun(db, row.runId)) as HdrRunRow).config.seqLen).toBe(fitted.seqLen);
    db.close();
    const root = mkdtempSync(join(tmpdir(), 'studio-hdr-config-'));
    try {
      const folder = await new RunFolderWorkspace(root, { model: 'tiny', data: [] }).createRun({ kind: 'hdr', name: 'hdr', settings, config: CONFIG });
      await folder.hdrPool(settings, fitted);
      expect(JSON.parse(readFileSync(join(folder.dir, HDR_FILES.summary), 'utf8')).config.seqLen).toBe(fitted.seqLen);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('HDR from a run of the same run folder workspace', () => {
  // An ablation's SSB + HDR arm starts from its SSB arm's folder: hdr.json names that adapter
  // instead of saying the rounds started from the base model (adapter null).
  it('names the run it started from as its adapter', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jobs-hdr-from-'));
    const folders = new RunFolderWorkspace(root, { model: 'tiny', data: ['demo.jsonl'], adapter: null });
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1 };
    const store = await folders.createRun({ kind: 'hdr', name: 'abl · ssb:grad+hdr', settings, config: CONFIG, fromRunId: 'abl-ssb-grad' });
    await (await store.hdrPool(settings, CONFIG)).finish({ settings, config: CONFIG, stopReason: 'max-rounds', failed: false, rounds: 1, poolStart: 1, poolEnd: 1, added: 0 });
    expect(JSON.parse(readFileSync(join(store.dir, HDR_FILES.summary), 'utf8')).adapter).toBe(join(root, 'abl-ssb-grad'));
  });

  // `studio ablate --split-seed 1234`: the SSB + HDR arm's hdr.json said no split, so `studio eval
  // --adapter <that arm>` split with the run's seed (42) and scored examples the arm trained on.
  it('records the split its data was split with, so --adapter of its folder keeps it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jobs-hdr-split-'));
    const source = { model: 'tiny', data: ['/data/demo.jsonl'], bfclPromptMode: false, includeFailing: false, splitSeed: 1234 };
    const folders = new RunFolderWorkspace(root, { model: 'tiny', data: ['demo.jsonl'], source });
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1 };
    const store = await folders.createRun({ kind: 'hdr', name: 'abl · ssb:grad+hdr', settings, config: CONFIG, fromRunId: 'abl-ssb-grad' });
    await (await store.hdrPool(settings, CONFIG)).finish({ settings, config: CONFIG, stopReason: 'max-rounds', failed: false, rounds: 1, poolStart: 1, poolEnd: 1, added: 0 });
    expect(adapterRun(store.dir).splitSeed).toBe(1234);
  });

  // `studio ablate --leave-out x --include-flagged r`: the SSB + HDR arm's hdr.json kept the split
  // but not the choice, so `studio eval --adapter <that arm>` scored the held-out examples the
  // ablation left out (and left out the flagged ones it used), as its SSB arm's run.json does not.
  it('records the examples its data was read with (--include-flagged, --leave-out), so --adapter of its folder uses them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jobs-hdr-inclusion-'));
    const inclusion = { includeFlagged: ['reasoning_as_promised' as const], leaveOut: ['x'] };
    const source = { model: 'tiny', data: ['/data/demo.jsonl'], bfclPromptMode: false, includeFailing: false, splitSeed: 1234, inclusion };
    const folders = new RunFolderWorkspace(root, { model: 'tiny', data: ['demo.jsonl'], source });
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1 };
    const store = await folders.createRun({ kind: 'hdr', name: 'abl · ssb:grad+hdr', settings, config: CONFIG, fromRunId: 'abl-ssb-grad' });
    await (await store.hdrPool(settings, CONFIG)).finish({ settings, config: CONFIG, stopReason: 'max-rounds', failed: false, rounds: 1, poolStart: 1, poolEnd: 1, added: 0 });
    expect(adapterRun(store.dir)).toMatchObject({ splitSeed: 1234, inclusion });
  });

  // A studio snapshot unzipped into a folder is a PEFT adapter with the run's run.json: its split is
  // the studio dataset's (run.json's dataset.split), not the run's seed (42), or --adapter of it
  // scored examples it trained on.
  it('of an unzipped studio snapshot keeps its dataset\'s split', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapshot-adapter-'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ config: CONFIG, dataset: { name: 'demo', fingerprint: 'sha256:x', examples: 9, split: { seed: 1234, evalFraction: 0.1 } } }));
    expect(adapterRun(dir)).toMatchObject({ splitSeed: 1234, config: { seed: CONFIG.seed } });
    rmSync(dir, { recursive: true, force: true });
  });
});
