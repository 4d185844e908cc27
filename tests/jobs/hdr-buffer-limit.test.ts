// HDR retrains at a longer length than the run it starts from (fitSamples: the longest mined prompt
// plus an answer of max new tokens). The memory plan checked the buffer limits at the run's length
// only: it said "fits", and HDR then failed when it loaded its model, with a bare GPU-limit error
// that named neither HDR's length nor what to change. Now HDR refuses first, in words.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { defaultAblationConfig } from '../../src/jobs/ablationConfig.ts';
import { DexieWorkspace } from '../../src/jobs/store/dexie.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_HDR_SETTINGS, type HdrSettings } from '../../src/hdr/index.ts';
import { fitSamples } from '../../src/jobs/hdr.ts';
import { retrainConfig } from '../../src/jobs/hdrRetrain.ts';
import { RunFolderWorkspace } from '../../src/jobs/store/folder.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import type { ProgressInfo } from '../../src/worker/protocol.ts';
import { testGpu } from '../helpers/gpu.ts';
import { tinyEngine } from '../helpers/tinyEngine.ts';

describe('HDR on a GPU whose binding limit its retraining length passes', () => {
  it('refuses before it loads or mines anything, naming its length, the buffer and the limit', { timeout: 300_000 }, async () => {
    const engine = await tinyEngine();
    const { spec, tokenizer } = engine.requireModel();
    const gpu = await testGpu();
    const examples = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
    const settings: HdrSettings = { ...DEFAULT_HDR_SETTINGS, maxRounds: 1, samplesPerCase: 1, stepsPerRound: 1, maxNewTokens: 1024, batchSize: 2 };
    const base: RunConfig = { ...DEFAULT_RUN_CONFIG, batchSize: 1, seqLen: 320, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 2, alpha: 4 } };
    const config = retrainConfig(base, settings);
    const mineSet = examples.slice(0, 2);
    const fitted = fitSamples(config, settings, tokenizer, mineSet, spec.maxPositionEmbeddings).seqLen;
    // The narrow model's layer input is [T, 32] f32 and its gate [T, 64]: 80 KiB at the run's 320
    // rows, over 128 KiB at HDR's.
    const binding = 128 * 1024;
    expect(fitted * 32 * 4).toBeGreaterThan(binding);
    const limits = { maxBufferSize: gpu.ctx.limits.maxBufferSize, maxStorageBufferBindingSize: binding };
    expect(planMemory(spec, { batch: 1, seqLen: 320, rank: 2, targets: config.lora.targets, recompute: config.recompute, decode: { batch: 2, maxNewTokens: 1024 } }, limits).fits, 'training alone fits').toBe(true);

    const store = await new RunFolderWorkspace(mkdtempSync(join(tmpdir(), 'hdr-binding-')), { model: 'tiny', data: ['demo.jsonl'], adapter: null, summary: { mine: 'train' } }).createRun({ kind: 'hdr', name: 'hdr', settings, config });
    const saved = { ...gpu.ctx.limits };
    Object.assign(gpu.ctx.limits, { maxStorageBufferBindingSize: binding });
    const progress: ProgressInfo[] = [];
    try {
      const job = engine.hdr({ store, settings, config, mineSet, evalSet: [], replayPool: examples, adapter: null }, (p) => progress.push(p));
      // The field as the HDR form labels it (and as the memory plan's HDR verdict names it): "the max
      // new tokens" was the one place the page read otherwise.
      await expect(job).rejects.toThrow(new RegExp(`^HDR cannot retrain on this GPU at sequence length ${fitted} \\(its longest mined prompt, \\d+ tokens, plus an answer of up to 1024\\): layer activation x needs [\\d.]+ KiB in one buffer, over this GPU's 128 KiB binding limit\\. Lower Max new tokens \\(1024\\)`));
    } finally {
      Object.assign(gpu.ctx.limits, saved);
    }
    // Nothing was uploaded or mined.
    expect(progress.filter((p) => p.unit === 'bytes' || /mining/.test(p.label))).toEqual([]);
  });

  it('an ablation with an HDR arm refuses before its first arm trains', { timeout: 300_000 }, async () => {
    // Checked only when the HDR arm started, the arms before it trained first.
    const engine = await tinyEngine();
    const gpu = await testGpu();
    const examples = (await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }])).examples;
    const db = new StudioDb(`hdr-binding-ablation-${Date.now()}`, { indexedDB, IDBKeyRange });
    const workspace = new DexieWorkspace(db, { datasetId: 'd', modelRef: 'tiny' });
    // No arm should train; one step each where one does.
    const config = defaultAblationConfig({ ...DEFAULT_RUN_CONFIG, steps: 1, evalEvery: 0, batchSize: 1, seqLen: 320 }, { rules: ['grad'], hdrRule: 'grad', hdrMineLimit: 1, evalLimit: 1 });
    config.hdr = { ...config.hdr, maxNewTokens: 1024 };
    const store = await workspace.createRun({ kind: 'ablation', name: 'binding', config });
    const saved = { ...gpu.ctx.limits };
    Object.assign(gpu.ctx.limits, { maxStorageBufferBindingSize: 128 * 1024 });
    try {
      await expect(engine.ablate({ store, workspace, name: 'binding', config, examples: { train: examples.slice(0, 8), eval: examples.slice(8, 9) } })).rejects.toThrow(/^HDR cannot retrain on this GPU at sequence length \d+ .*binding limit\. Lower Max new tokens \(1024\)/);
    } finally {
      Object.assign(gpu.ctx.limits, saved);
    }
    expect((await db.runs.toArray()).map((r) => r.kind)).toEqual(['ablation']);
    db.close();
  });
});
