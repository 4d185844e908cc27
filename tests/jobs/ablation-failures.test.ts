// An ablation whose arm fails (here its adapter cannot be stored, as a full browser quota would do)
// still runs the other arms and says which arm failed and why, in its result, its report and its
// row; a cancelled ablation leaves the arm it was training paused, not finished short; an ablation
// that cannot start (no held-out examples) says so on its row instead of staying "created".
import { readFileSync } from 'node:fs';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { ablationArms, defaultAblationConfig, validateAblationConfig } from '../../src/jobs/ablationConfig.ts';
import { fitSamples } from '../../src/jobs/hdr.ts';
import { ablationMarkdown, hdrArmText } from '../../src/jobs/ablationReport.ts';
import { DexieWorkspace } from '../../src/jobs/store/dexie.ts';
import { exportRunSnapshot } from '../../src/snapshot/snapshot-db.ts';
import type { NewRun, RunStore, RunWorkspace } from '../../src/jobs/store/runStore.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

/** The demo set's first nine examples: every test here trains on at most eight and holds out the
 * ninth, so the other 311 are not imported. */
async function demoExamples() {
  const lines = readFileSync('public/demo/demo-dataset.jsonl', 'utf8').split('\n').slice(0, 9);
  return (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([lines.join('\n')]) }])).examples;
}

describe('an ablation with a failing arm', () => {
  it('runs the other arms and names the failed one with its reason', { timeout: 600_000 }, async () => {
    const engine = await tinyEngine();
    const examples = await demoExamples();
    const db = new StudioDb(`ablation-failures-${Date.now()}`, { indexedDB, IDBKeyRange });
    const dexie = new DexieWorkspace(db, { datasetId: 'd', modelRef: 'tiny' });
    // The fixed-α arm's adapter cannot be stored.
    const workspace: RunWorkspace = {
      async createRun(run: NewRun): Promise<RunStore> {
        const store = await dexie.createRun(run);
        if (run.kind !== 'train' || !run.name.endsWith('fixed:0.7')) return store;
        return Object.assign(Object.create(Object.getPrototypeOf(store)), store, {
          saveAdapter: async () => {
            throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          },
        });
      },
    };
    const config = defaultAblationConfig(
      { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 0, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } },
      { rules: ['grad'], hdrRule: null, evalLimit: 1, decoding: { maxNewTokens: 4, batchSize: 1, seed: 1 } },
    );
    const store = await workspace.createRun({ kind: 'ablation', name: 'quota', config });
    // Each arm trains holding its run's lock, as a training run does (another tab sees it training).
    const locked: string[] = [];
    const lockRun = async <T,>(runId: string, work: () => Promise<T>) => {
      locked.push((await db.runs.get(runId))!.name!);
      return { refused: false as const, value: await work() };
    };
    // Held out: a question a training example asks too (another id), which each arm counts apart.
    const labels: string[] = [];
    const result = await engine.ablate({ store, workspace, name: 'quota', config, examples: { train: examples.slice(0, 8), eval: [{ ...examples[0], id: 'asked-again' }] }, dataset: { name: 'demo', fingerprint: 'sha256:demo' }, lockRun }, (p) => labels.push(p.label));
    expect(result.arms.map((a) => a.summary.asked?.inTraining.total)).toEqual([1, 1]);
    // The base model answered the same example first, on the GPU as the arms do, in a run of its
    // own with no adapter; progress counts it as the first of four parts.
    expect(result.base!.summary).toMatchObject({ total: 1, asked: { inTraining: { total: 1 } } });
    expect(await db.runs.get(result.base!.evalRun.id)).toMatchObject({ kind: 'eval', name: 'quota · eval base model', status: 'done', config: { adapterRunId: null, limit: 1 } });
    expect(labels[0]).toMatch(/^1 of 4, base model: /);
    expect(labels.find((l) => l.includes('training'))).toMatch(/^2 of 4, arm sft: /);
    expect(labels.at(-1)).toMatch(/^4 of 4, arm ssb:grad: /);
    // The result names its data, so the panel can tell when the dataset changed since.
    expect(result.dataset).toEqual({ name: 'demo', fingerprint: 'sha256:demo' });
    expect(locked).toEqual(['quota · sft', 'quota · fixed:0.7', 'quota · ssb:grad']);
    expect(result.arms.map((a) => a.id)).toEqual(['sft', 'ssb:grad']);
    expect(result.failed).toEqual([{ id: 'fixed:0.7', message: expect.stringMatching(/^arm fixed:0\.7: training failed after 1 step: QuotaExceededError: The quota has been exceeded\.$/) }]);
    // Every arm ran (ssb:grad after the failed one): the ablation did not stop, one arm failed.
    expect(result.stopped).toBe(false);
    expect(ablationMarkdown(result)).toContain('- **fixed:0.7 failed**: arm fixed:0.7: training failed after 1 step: QuotaExceededError');
    expect(ablationMarkdown(result)).not.toContain('Stopped early');
    const row = (await db.runs.get(store.id))!;
    expect(row).toMatchObject({ status: 'done' });
    expect(row.message).toMatch(/^2 of 3 arms trained and evaluated; 1 failed \(fixed:0\.7\); failed: fixed:0\.7 \(arm fixed:0\.7: training failed/);

    // Cancelled during an arm's training: that arm's run is paused (resumable), not "done" short.
    const cancelled = await workspace.createRun({ kind: 'ablation', name: 'cancelled', config });
    const longer = { ...config, steps: 3 };
    const stopped = await engine.ablate({ store: cancelled, workspace, name: 'cancelled', config: longer, examples: { train: examples.slice(0, 8), eval: examples.slice(8, 9) }, events: { onStep: () => engine.cancel() } });
    expect(stopped).toMatchObject({ stopped: true, arms: [] });
    expect((await db.runs.get(cancelled.id))!.message).toBe('stopped after 0 of 3 arms');
    const arm = (await db.runs.toArray()).find((r) => r.name === 'cancelled · sft')!;
    expect(arm).toMatchObject({ status: 'paused', lastStep: 1 });

    // Cancelled while the base model answers: no arm begins, and the result has no base model's row.
    const whileBase = await workspace.createRun({ kind: 'ablation', name: 'cancelled-base', config });
    const cut = await engine.ablate({ store: whileBase, workspace, name: 'cancelled-base', config, examples: { train: examples.slice(0, 8), eval: examples.slice(8, 9) } }, (p) => p.label.startsWith('1 of 4, base model') && engine.cancel());
    expect(cut).toMatchObject({ stopped: true, arms: [] });
    expect(cut.base).toBeUndefined();
    expect((await db.runs.toArray()).filter((r) => r.name?.startsWith('cancelled-base · ')).map((r) => r.name)).toEqual(['cancelled-base · eval base model']);

    // No held-out examples: the row says why instead of staying "created".
    const empty = await workspace.createRun({ kind: 'ablation', name: 'empty', config });
    await expect(engine.ablate({ store: empty, workspace, name: 'empty', config, examples: { train: examples.slice(0, 8), eval: [] } })).rejects.toThrow(/no held-out examples/);
    expect(await db.runs.get(empty.id)).toMatchObject({ status: 'failed', message: expect.stringMatching(/no held-out examples/) });

    // An HDR arm whose training side holds only earlier HDR samples (never mined again) is refused
    // before any arm trains: it failed only after every arm before it had trained.
    const samples = examples.slice(0, 8).map((e) => ({ ...e, id: `${e.id}#hdr1.0`, source: 'hdr' as const }));
    const withHdr = { ...config, hdrRule: 'grad' as const };
    const nothingToMine = await workspace.createRun({ kind: 'ablation', name: 'samples-only', config: withHdr });
    const runsBefore = (await db.runs.count());
    await expect(engine.ablate({ store: nothingToMine, workspace, name: 'samples-only', config: withHdr, examples: { train: samples, eval: examples.slice(8, 9) } })).rejects.toThrow(
      'the ssb:grad+hdr arm has nothing to mine: the 8 training examples are all samples an earlier HDR run added, which are not mined again; run the ablation without its HDR arm, or on the dataset they were sampled from',
    );
    expect(await db.runs.count()).toBe(runsBefore);
    expect(await db.runs.get(nothingToMine.id)).toMatchObject({ status: 'failed', message: expect.stringMatching(/nothing to mine/) });
  });
});

describe('an ablation that cannot train on the loaded model', () => {
  // Each arm's training refuses a sequence past the model's positions: checked once, before any arm,
  // or all of them failed one by one and the report held nothing.
  it('is refused before any arm when the shared sequence passes the model context', () => {
    const config = defaultAblationConfig({ ...DEFAULT_RUN_CONFIG, seqLen: 5000 });
    expect(() => validateAblationConfig(config)).not.toThrow();
    expect(() => validateAblationConfig(config, { maxPositionEmbeddings: 4096 })).toThrow("run config: seqLen must be at most the model's 4096-token context (max_position_embeddings), got 5000");
    expect(() => validateAblationConfig({ ...config, seqLen: 4096 }, { maxPositionEmbeddings: 4096 })).not.toThrow();
  });
});

describe('an ablation’s SSB + HDR arm', () => {
  // The HDR arm continues its SSB arm's adapter and α: its row says so, as an HDR run started from a
  // training run does, so it exports and shares as one ("every arm is an ordinary run").
  it('is an HDR run from its SSB arm’s run, and exports as a snapshot', { timeout: 600_000 }, async () => {
    const engine = await tinyEngine();
    const examples = await demoExamples();
    const db = new StudioDb(`ablation-hdr-arm-${Date.now()}`, { indexedDB, IDBKeyRange });
    // HDR keeps its hard cases with the dataset's row.
    await db.datasets.add({ id: 'd', name: 'demo', createdAt: 1, exampleCount: 9, fingerprint: `sha256:${'a'.repeat(64)}`, split: { seed: 1, evalFraction: 0.1 } } as never);
    const workspace = new DexieWorkspace(db, { datasetId: 'd', modelRef: 'tiny' });
    const config = defaultAblationConfig(
      { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, evalEvery: 0, checkpointEvery: 0, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } },
      { rules: ['grad'], hdrRule: 'grad', hdrMineLimit: 1, evalLimit: 1, decoding: { maxNewTokens: 2, batchSize: 1, seed: 1 } },
    );
    // Answers up to 64 tokens do not fit the arms' 320 with the mined prompt: HDR retrains longer.
    // (64, not 320: the random model never stops early, so mining and sampling decode every one.)
    config.hdr = { ...config.hdr, maxRounds: 1, samplesPerCase: 1, stepsPerRound: 1, maxNewTokens: 64 };
    const store = await workspace.createRun({ kind: 'ablation', name: 'lineage', config });
    const result = await engine.ablate({ store, workspace, name: 'lineage', config, examples: { train: examples.slice(0, 8), eval: examples.slice(8, 9) } });
    expect(result.failed).toEqual([]);
    const ssb = result.arms.find((a) => a.id === 'ssb:grad')!;
    const hdr = result.arms.find((a) => a.id === 'ssb:grad+hdr')!;
    expect(hdr.run.kind).toBe('hdr');
    expect(await db.runs.get(hdr.run.id)).toMatchObject({ kind: 'hdr', fromRunId: ssb.run.id });
    // Its row shows the sequence length it retrained at, not the arms' (as a studio HDR run's does).
    const fitted = fitSamples(ablationArms(config).find((a) => a.id === 'ssb:grad+hdr')!.config, config.hdr, engine.requireModel().tokenizer, examples.slice(0, 1), engine.requireModel().spec.maxPositionEmbeddings).seqLen;
    expect(fitted).toBeGreaterThan(320);
    expect(((await db.runs.get(hdr.run.id))!.config as { seqLen: number }).seqLen).toBe(fitted);
    const zip = await exportRunSnapshot(db, hdr.run.id, { spec: engine.requireModel().spec });
    expect(zip.length).toBeGreaterThan(0);
    // Its rounds' retraining comes on top of the steps every arm trained: the report says how many,
    // or, where they retrained none, that the arm is its SSB arm unchanged.
    const more = hdr.curve.length - ssb.curve.length;
    expect(hdr.hdr!.steps).toBe(more);
    expect(ablationMarkdown(result)).toContain(more === 0 ? 'ssb:grad+hdr is the same as ssb:grad: HDR retrained no step' : `ssb:grad+hdr starts from the adapter of ssb:grad and retrains ${more} more step${more === 1 ? '' : 's'} in ${hdr.hdr!.rounds} HDR round`);
  });

  it('says in words why its rounds stopped and how much it retrained', () => {
    expect(hdrArmText({ rounds: 2, poolStart: 3, poolEnd: 1, added: 1, stopReason: 'round_limit', steps: 8 })).toBe('HDR: 2 rounds (the round limit was reached), hard cases 3 → 1, 1 example added, 8 steps retrained past the arm it starts from');
    // A result kept before the steps were recorded says nothing of them rather than a wrong 0.
    expect(hdrArmText({ rounds: 1, poolStart: 2, poolEnd: 0, added: 2, stopReason: 'pool_empty' })).toBe('HDR: 1 round (every hard case was solved), hard cases 2 → 0, 2 examples added');
  });
});

describe('an ablation whose first arm fails before it tokenizes', () => {
  // The examples too long for the sequence were told only by the first arm (sft): one that failed
  // before tokenizing left the user never hearing which examples every arm skipped.
  it('still tells the too-long examples, once, from the next arm', { timeout: 600_000 }, async () => {
    const engine = await tinyEngine();
    const examples = await demoExamples();
    const long = { ...examples[0], id: 'long-reasoning', target: { ...examples[0].target, reasoning: 'step by step '.repeat(400) } };
    // Qwen3's template writes no <think> for an answer with no user message before it: skipped too, for another reason.
    const unrenderable = { ...examples[1], id: 'no-user', messages: [{ role: 'system' as const, content: 'You call functions.' }] };
    const db = new StudioDb(`ablation-skipped-${Date.now()}`, { indexedDB, IDBKeyRange });
    const dexie = new DexieWorkspace(db, { datasetId: 'd', modelRef: 'tiny' });
    // The sft arm's run cannot be made (a full disk), so that arm fails before tokenizing.
    const workspace: RunWorkspace = {
      async createRun(run: NewRun): Promise<RunStore> {
        if (run.kind === 'train' && run.name.endsWith('· sft')) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return dexie.createRun(run);
      },
    };
    const config = defaultAblationConfig(
      { ...DEFAULT_RUN_CONFIG, steps: 1, batchSize: 1, seqLen: 320, warmupSteps: 0, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } },
      { rules: ['grad'], hdrRule: null, evalLimit: 1, decoding: { maxNewTokens: 2, batchSize: 1, seed: 1 } },
    );
    const store = await workspace.createRun({ kind: 'ablation', name: 'skips', config });
    const told: string[][] = [];
    const result = await engine.ablate({
      store, workspace, name: 'skips', config, examples: { train: [long, unrenderable, ...examples.slice(0, 4)], eval: examples.slice(8, 9) },
      events: { onSkipped: (messages) => told.push(messages) },
    });
    expect(result.failed?.map((f) => f.id)).toEqual(['sft']);
    expect(told).toEqual([[expect.stringContaining('long-reasoning'), expect.stringContaining('no-user')]]);
    expect(result.skipped).toBe(2);
    // The report said all of them "did not fit the sequence length".
    expect(ablationMarkdown(result)).toContain('2 training examples were skipped in every arm: 1 did not fit the sequence length, 1 the chat template cannot render.');
  });
});
