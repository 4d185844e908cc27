// The memory plan the Model and Training panels show is planned for the draft as the trainer will
// allocate it: LoRA dropout's scratch buffers included (the peak read ~290 MB low for Qwen2.5-1.5B
// at 4,096 tokens with dropout on).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/model/config.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { trainShapeOf as draftShape } from '../../src/state/modelStore.ts';
import { DEFAULT_ABLATION_DRAFT, DEFAULT_EVAL_DRAFT, DEFAULT_HDR_DRAFT, formsDecodeShape, plannedHdr } from '../../src/state/jobStore.ts';
import { DEFAULT_DECODE } from '../../src/model/decoding.ts';

describe('the plan the panels show', () => {
  it('counts LoRA dropout when the draft uses it', () => {
    const spec = parseModelConfig(readFileSync(new URL('../fixtures/models/configs/Qwen2.5-0.5B-Instruct.json', import.meta.url), 'utf8'));
    const limits = { maxBufferSize: 2 ** 40, maxStorageBufferBindingSize: 2 ** 40 };
    const draft = { ...DEFAULT_RUN_CONFIG, seqLen: 1024, lora: { ...DEFAULT_RUN_CONFIG.lora, dropout: 0.1 } };
    const withDropout = planMemory(spec, draftShape(draft), limits);
    const without = planMemory(spec, draftShape({ ...draft, lora: { ...draft.lora, dropout: 0 } }), limits);
    expect(draftShape(draft).loraDropout).toBe(0.1);
    expect(withDropout.peakBytes).toBeGreaterThan(without.peakBytes);
  });

  it('sizes the generation cache by the Evaluation, HDR and ablation forms, whichever asks most', () => {
    // The cache was planned for the training batch × sequence whatever the forms said: 16 answers
    // of 1,024 new tokens in the Evaluation form were planned as 1 × 1,024 positions.
    const spec = parseModelConfig(readFileSync(new URL('../fixtures/models/configs/Qwen3-0.6B.json', import.meta.url), 'utf8'));
    const forms = { evalDraft: { ...DEFAULT_EVAL_DRAFT, batchSize: 16, maxNewTokens: 1024 }, hdrDraft: DEFAULT_HDR_DRAFT, ablationDraft: DEFAULT_ABLATION_DRAFT };
    const decode = formsDecodeShape(forms);
    expect(decode).toEqual({ batch: 16, maxNewTokens: 1024 });
    const plan = planMemory(spec, { ...draftShape({ ...DEFAULT_RUN_CONFIG, batchSize: 1, seqLen: 1024 }), decode }, { maxBufferSize: 2 ** 40, maxStorageBufferBindingSize: 2 ** 40 });
    expect(plan.categories.kvCache).toBe(2 * 28 * 16 * (1024 + 1023) * 1024 * 4); // K and V, 28 layers, kvDim 1,024, f32
    // A field mid-edit is not a size: the others (or the plan's default) stand.
    expect(formsDecodeShape({ ...forms, evalDraft: { ...forms.evalDraft, batchSize: Number.NaN, maxNewTokens: 0 } })).toEqual({ batch: DEFAULT_HDR_DRAFT.settings.batchSize, maxNewTokens: DEFAULT_HDR_DRAFT.settings.maxNewTokens });
    const none = { evalDraft: { ...forms.evalDraft, batchSize: 0 }, hdrDraft: { ...DEFAULT_HDR_DRAFT, settings: { ...DEFAULT_HDR_DRAFT.settings, batchSize: 0 } }, ablationDraft: { ...DEFAULT_ABLATION_DRAFT, batchSize: 0 } };
    expect(formsDecodeShape(none).batch).toBe(DEFAULT_DECODE.batch);
  });

  it('plans HDR\'s retraining length from HDR\'s own answers, not the Evaluation form\'s', () => {
    // HDR's length was the longest mined prompt plus the most new tokens of all three forms: 2,048
    // in the Evaluation form planned an HDR retraining at 2,368 while the HDR form's 256 retrains at 576.
    const spec = parseModelConfig(readFileSync(new URL('../fixtures/models/configs/Qwen3-0.6B.json', import.meta.url), 'utf8'));
    const hdrDraft = { ...DEFAULT_HDR_DRAFT, settings: { ...DEFAULT_HDR_DRAFT.settings, maxNewTokens: 256 } };
    const forms = { evalDraft: { ...DEFAULT_EVAL_DRAFT, maxNewTokens: 2048 }, hdrDraft, ablationDraft: { ...DEFAULT_ABLATION_DRAFT, maxNewTokens: 128 } };
    const decode = { ...formsDecodeShape(forms), hdrMaxNewTokens: plannedHdr(forms, 'hdr-form').maxNewTokens };
    expect(decode).toMatchObject({ maxNewTokens: 2048, hdrMaxNewTokens: 256 });
    const plan = planMemory(spec, { ...draftShape({ ...DEFAULT_RUN_CONFIG, batchSize: 1, seqLen: 320 }), decode: { ...decode, minedPrompts: [300] } }, { maxBufferSize: 2 ** 40, maxStorageBufferBindingSize: 2 ** 40 });
    expect(plan.hdrSeqLen).toBe(576); // 300 + 256 + 8, rounded up to 64
    // The cache still holds the Evaluation form's answers.
    expect(plan.categories.kvCache).toBe(2 * 28 * 4 * (320 + 2047) * 1024 * 4);
    // The ablation's HDR arm answers with its own form's (tests/ui/planned-hdr.test.ts).
    expect(plannedHdr({ ...forms, ablationDraft: { ...forms.ablationDraft, maxNewTokens: 1024 } }, 'ablation-arm').maxNewTokens).toBe(1024);
  });

  it('suggests a smaller micro-batch that keeps the draft’s examples per optimizer step', () => {
    const spec = parseModelConfig(readFileSync(new URL('../fixtures/models/configs/Qwen2.5-0.5B-Instruct.json', import.meta.url), 'utf8'));
    const roomy = { maxBufferSize: 2 ** 40, maxStorageBufferBindingSize: 2 ** 40 };
    const draft = { ...DEFAULT_RUN_CONFIG, batchSize: 8, gradAccum: 4, seqLen: 1024 };
    // Memory for a micro-batch of 4, not 8.
    const limits = { ...roomy, memoryBytes: planMemory(spec, draftShape({ ...draft, batchSize: 4 }), roomy).peakBytes };
    const plan = planMemory(spec, draftShape(draft), limits);
    expect(plan.fits).toBe(false);
    // 8 × 4 = 32 examples a step; the suggested 'gradient accumulation ×2' trained 4 × 2 = 8.
    expect(plan.suggestions).toContain('use micro-batch 4 with gradient accumulation ×8');
  });
});

describe('the plan while a run trains in this tab', () => {
  it('is the training run’s (the demo’s run trains with its own settings), and the form’s again once it ends', async () => {
    // It followed the Training form: during the demo the Model panel planned the form's 200 steps at
    // 1,024 tokens while the demo's run trained 2 × 320.
    const { plannedRunConfig } = await import('../../src/state/runStore.ts');
    const { DEMO_RUN_CONFIG } = await import('../../src/state/demoStore.ts');
    const draft = { ...DEFAULT_RUN_CONFIG, seqLen: 1024, batchSize: 4 };
    const demoRun = { id: 'demo', kind: 'train', config: DEMO_RUN_CONFIG };
    const active = { runId: 'demo', progress: null, stepTimes: [], pausing: false, stopping: false };
    expect(plannedRunConfig({ draft, active, runs: [demoRun] as never })).toBe(DEMO_RUN_CONFIG);
    expect(draftShape(plannedRunConfig({ draft, active, runs: [demoRun] as never }))).toMatchObject({ batch: 2, seqLen: 320 });
    expect(plannedRunConfig({ draft, active: null, runs: [demoRun] as never })).toBe(draft);
    // Not listed yet (the runs are read again as it starts): the form's, as before.
    expect(plannedRunConfig({ draft, active, runs: [] })).toBe(draft);
  });
});

describe('the plan while the guided demo runs a step', () => {
  it('is the demo’s settings and decoding while it trains, evaluates or runs HDR, and the forms’ otherwise', async () => {
    // The Model panel followed the Training and Evaluation forms (1,024 tokens, 512 new tokens) while
    // the demo evaluated 8 answers of 96 new tokens after training 2 × 320: its numbers were not the job's.
    const { plannedSettings, DEMO_RUN_CONFIG, DEMO_EVAL, DEMO_HDR } = await import('../../src/state/demoStore.ts');
    const draft = { ...DEFAULT_RUN_CONFIG, seqLen: 1024, batchSize: 4 };
    const forms = { batch: 16, maxNewTokens: 512 };
    for (const step of ['train', 'evaluate', 'hdr'] as const) {
      const planned = plannedSettings(step, draft, forms);
      expect(planned.config).toBe(DEMO_RUN_CONFIG);
      expect(planned.decode).toEqual({ batch: Math.max(DEMO_EVAL.batchSize, DEMO_HDR.settings.batchSize), maxNewTokens: Math.max(DEMO_EVAL.maxNewTokens, DEMO_HDR.settings.maxNewTokens), hdrMaxNewTokens: DEMO_HDR.settings.maxNewTokens });
    }
    for (const step of [null, 'model', 'data'] as const) expect(plannedSettings(step, draft, forms)).toEqual({ config: draft, decode: forms, hdr: undefined });
  });
});

describe('the HDR the plan judges', () => {
  // The Model panel planned HDR with the Training form's batch and rank; HDR retrains with the run
  // the HDR form starts from (the latest trained where it picks none), or batch 1 × 320 from the base.
  it('retrains with the HDR form\'s run, or the studio\'s base, as the job does', async () => {
    const { hdrFormRetrainConfig } = await import('../../src/state/jobStore.ts');
    const { hdrRetrainConfig } = await import('../../src/jobs/hdrRetrain.ts');
    const picked = { ...DEFAULT_RUN_CONFIG, batchSize: 4, seqLen: 512, lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 8, targets: ['q', 'v'] } };
    const runs = [{ id: 'r', kind: 'train', lastStep: 10, config: picked }] as never;
    const latest = hdrFormRetrainConfig(DEFAULT_HDR_DRAFT, runs);
    expect(latest).toMatchObject({ batchSize: 4, seqLen: 512, lora: picked.lora, steps: DEFAULT_HDR_DRAFT.settings.stepsPerRound });
    // As the worker's HDR job takes it from the same run.
    expect(latest).toEqual(hdrRetrainConfig({ id: 'r', kind: 'train', config: picked } as never, DEFAULT_HDR_DRAFT.settings));
    // The base model picked: the studio's batch 1 × 320, whatever the Training form says.
    expect(hdrFormRetrainConfig({ ...DEFAULT_HDR_DRAFT, adapterRunId: '' }, runs)).toMatchObject({ batchSize: 1, seqLen: 320 });
  });
});

describe('the dataset whose longest prompt the plan sizes the generation cache by', () => {
  // The Model panel planned the training run's (or the demo's) settings with the longest prompt of
  // whichever dataset was selected: selecting another dataset while a run trained on the first (or
  // the demo evaluated its own) sized the cache for prompts no job of the plan decoded.
  it('is the training run’s while one trains, the demo’s during a demo step, and the selected one otherwise', async () => {
    const { plannedRunDatasetId } = await import('../../src/state/runStore.ts');
    const { plannedDatasetId, DEMO_DATASET_NAME } = await import('../../src/state/demoStore.ts');
    const { useDatasets } = await import('../../src/state/datasetStore.ts');
    const run = { id: 'r', kind: 'train', datasetId: 'trained-on', config: DEFAULT_RUN_CONFIG };
    const active = { runId: 'r', progress: null, stepTimes: [], pausing: false, stopping: false };
    expect(plannedRunDatasetId({ active, runs: [run] as never }, 'selected')).toBe('trained-on');
    expect(plannedRunDatasetId({ active: null, runs: [run] as never }, 'selected')).toBe('selected');
    useDatasets.setState({ datasets: [{ id: 'demo-data', name: DEMO_DATASET_NAME }, { id: 'selected', name: 'mine' }] as never });
    for (const step of ['train', 'evaluate', 'hdr'] as const) expect(plannedDatasetId(step, 'selected')).toBe('demo-data');
    for (const step of [null, 'model', 'data'] as const) expect(plannedDatasetId(step, 'selected')).toBe('selected');
  });
});

describe('the examples HDR mines, whose longest prompt the plan retrains HDR at', () => {
  // The plan took HDR's length from the longest prompt of the whole dataset, held-out side included;
  // HDR mines the first examples of the training side, as many as its form (or the ablation's) says.
  it('are as many as the form of the HDR job planned mines, and the demo\'s during a demo step', async () => {
    const { plannedMineLimit, DEMO_HDR } = await import('../../src/state/demoStore.ts');
    const forms = { hdrDraft: { ...DEFAULT_HDR_DRAFT, mineLimit: 30 }, ablationDraft: { ...DEFAULT_ABLATION_DRAFT, hdrMineLimit: 12 } };
    expect(plannedHdr(forms, 'hdr-form').mineLimit).toBe(30);
    expect(plannedHdr({ ...forms, ablationDraft: { ...forms.ablationDraft, hdrMineLimit: 50 } }, 'hdr-form').mineLimit).toBe(30);
    expect(plannedHdr(forms, 'ablation-arm').mineLimit).toBe(12);
    // A field mid-edit is not a limit: the form's default.
    expect(plannedHdr({ ...forms, hdrDraft: { ...forms.hdrDraft, mineLimit: Number.NaN } }, 'hdr-form').mineLimit).toBe(DEFAULT_HDR_DRAFT.mineLimit);
    for (const step of ['train', 'evaluate', 'hdr'] as const) expect(plannedMineLimit(step, 30)).toBe(DEMO_HDR.mineLimit);
    for (const step of [null, 'model', 'data'] as const) expect(plannedMineLimit(step, 30)).toBe(30);
  });
});
