// The memory plan against what the engine really allocates, on tiny models of each family, with and
// without recompute: weights exactly, the whole training step within 2%.
import { describe, expect, it } from 'vitest';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { loadEngineModel } from '../../src/model/engineModel.ts';
import { createLossHead } from '../../src/model/lossHead.ts';
import { createBatchSlots } from '../../src/model/batchBuffers.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { createGenerator, submitDecodeStep } from '../../src/model/kvCache.ts';
import { samplingParams } from '../../src/ops/sampling.ts';
import { LORA_TARGETS } from '../../src/model/lora.ts';
import { testGpu } from '../helpers/gpu.ts';
import { readFileSync } from 'node:fs';
import type { Example } from '../../src/data/example.ts';
import { renderPrompt } from '../../src/data/render-prompt.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
import { fitSamples } from '../../src/jobs/hdr.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { tokenizerFromModel } from '../../src/train/prepareData.ts';
import { TOKENIZER_DIR } from '../helpers/tinyEngine.ts';

describe.each([
  ['qwen3', false],
  ['qwen2', false],
  ['llama', true],
] as const)('memory plan vs allocations: %s, recompute %s', (family, recompute) => {
  it('matches buffer for buffer', async () => {
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions(family));
    const batch = 2;
    const seqLen = 24;
    const N = batch * seqLen;
    const lora = { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: [...LORA_TARGETS] };
    const model = await loadEngineModel(gpu, memoryModelFiles(tiny.files, family), { lora, maxTokens: N, recompute });
    const head = createLossHead(gpu, model.state, N);
    const slots = createBatchSlots(gpu, N);
    const plan = planMemory(tiny.spec, { batch, seqLen, rank: 4, targets: [...LORA_TARGETS], recompute }, gpu.ctx.limits);
    expect(model.bytes.weights).toBe(plan.categories.weights);
    const measured = model.bytes.weights + model.bytes.lora + model.bytes.activations + head.bytes + 3 * N * 4;
    // LoRA tensors start on 64-float boundaries in the flat buffer, so the adapter rounds up slightly.
    expect(Math.abs(measured - plan.trainingBytes) / plan.trainingBytes).toBeLessThan(0.02);
    model.release();
    head.destroy();
    slots.destroy();
  });
});

describe('memory plan vs allocations: generation', () => {
  it('holds the adapter once, without gradients or AdamW moments, as the plan counts it', async () => {
    // Evaluation and the playground allocated the adapter's gradient and two moment buffers too: 4×
    // what the generation plan counts (423 MiB more for Qwen2.5-1.5B at r=16 on every projection).
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions('qwen3'));
    const lora = { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: [...LORA_TARGETS] };
    const model = await loadEngineModel(gpu, memoryModelFiles(tiny.files, 'qwen3'), { lora, maxTokens: 16, forwardOnly: true });
    const plan = planMemory(tiny.spec, { batch: 1, seqLen: 16, rank: 4, targets: [...LORA_TARGETS], recompute: true }, gpu.ctx.limits);
    const layoutBytes = model.state.lora!.size * 4;
    // The flat buffer rounds each tensor up to 64 floats; the three stand-ins are one float each.
    expect(model.bytes.lora).toBe(layoutBytes + 3 * 4);
    expect(layoutBytes).toBeLessThan(1.1 * plan.categories.loraParams);
    model.release();
  });

  it('a model that trains holds all four adapter buffers, and says so', async () => {
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions('qwen3'));
    const lora = { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: [...LORA_TARGETS] };
    const model = await loadEngineModel(gpu, memoryModelFiles(tiny.files, 'qwen3'), { lora, maxTokens: 16 });
    expect(model.bytes.lora).toBe(4 * model.state.lora!.size * 4);
    model.release();
  });
});

describe('memory plan vs allocations: evaluation and HDR decoding', () => {
  const lora = { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: [...LORA_TARGETS] };
  const batch = 2;
  const seqLen = 24;
  // Evaluation and HDR decode with their own batch (answers at once) and prompt + new tokens per
  // row, not the training batch × sequence: the plan sized the cache from the latter.
  const decode = { batch: 5, maxNewTokens: 40 };
  const positions = seqLen + decode.maxNewTokens - 1; // a prompt up to the training length, the last new token never fed back
  /** Every buffer a generator holds: the cache and the decode step's scratch (q/k alias qPre/kPre without q/k norm). */
  const generatorBytes = (g: ReturnType<typeof createGenerator>) => {
    const scratch = new Set([...Object.values(g.buffers), ...Object.values(g.buffers.sampler ?? {})].filter((b): b is GPUBuffer => !!b && 'size' in b));
    return [...g.cache.k, ...g.cache.v, ...scratch].reduce((a, b) => a + b.size, 0);
  };

  it('evaluation: the plan counts the cache of the decoding batch at prompt + new tokens', async () => {
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions('qwen3'));
    const model = await loadEngineModel(gpu, memoryModelFiles(tiny.files, 'qwen3'), { lora, maxTokens: seqLen, forwardOnly: true });
    const g = createGenerator(model.state, decode.batch, positions);
    const plan = planMemory(tiny.spec, { batch, seqLen, rank: 4, targets: [...LORA_TARGETS], recompute: false, decode }, gpu.ctx.limits);
    expect(plan.categories.kvCache).toBe(g.cache.bytes);
    const measured = model.bytes.weights + model.bytes.lora + model.bytes.activations + generatorBytes(g);
    // LoRA tensors start on 64-float boundaries in the flat buffer, so the adapter rounds up slightly.
    expect(Math.abs(plan.generationBytes - measured) / measured).toBeLessThan(0.02);
    g.destroy();
    model.release();
  });

  it('evaluation that samples (studio eval --temperature): the plan counts the sampler beside the cache', async () => {
    // The evaluation plan assumed greedy decoding: a sampled evaluation also holds the sampler's
    // [B, V] weights, its draws and exp2 table (about 5 MB on Qwen at batch 8), which it left out.
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions('qwen3'));
    const model = await loadEngineModel(gpu, memoryModelFiles(tiny.files, 'qwen3'), { lora, maxTokens: seqLen, forwardOnly: true });
    const g = createGenerator(model.state, decode.batch, positions);
    const rows = Array.from({ length: decode.batch }, () => true);
    await (await submitDecodeStep(g, { ids: rows.map(() => 1), positions: rows.map(() => 0), active: rows, output: 'sample', sample: { params: samplingParams(0.7, 1)!, draws: new Float32Array(decode.batch) } })).output;
    const shape = { batch, seqLen, rank: 4, targets: [...LORA_TARGETS], recompute: false };
    const plan = planMemory(tiny.spec, { ...shape, decode: { ...decode, sampled: true } }, gpu.ctx.limits);
    const measured = model.bytes.weights + model.bytes.lora + model.bytes.activations + generatorBytes(g);
    expect(Math.abs(plan.generationBytes - measured) / measured).toBeLessThan(0.02);
    // Greedy decoding holds no sampler, and plans none: the two plans differ by the sampler's buffers exactly.
    const sampler = Object.values(g.buffers.sampler!).reduce((a, b) => a + b.size, 0);
    expect(plan.generationBytes - planMemory(tiny.spec, { ...shape, decode }, gpu.ctx.limits).generationBytes).toBe(sampler);
    g.destroy();
    model.release();
  });

  it('evaluation of prompts longer than the training sequence: the cache holds the longest prompt', async () => {
    // Evaluation and HDR render prompts whole (training's length limit does not cut them): a prompt
    // three times the training length made a cache the plan (sized for prompts up to seqLen) did not count.
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions('qwen3'));
    const promptTokens = 3 * seqLen;
    const model = await loadEngineModel(gpu, memoryModelFiles(tiny.files, 'qwen3'), { lora, maxTokens: promptTokens, forwardOnly: true });
    const g = createGenerator(model.state, decode.batch, promptTokens + decode.maxNewTokens - 1);
    const plan = planMemory(tiny.spec, { batch, seqLen, rank: 4, targets: [...LORA_TARGETS], recompute: false, decode: { ...decode, promptTokens } }, gpu.ctx.limits);
    expect(plan.categories.kvCache).toBe(g.cache.bytes);
    const measured = model.bytes.weights + model.bytes.lora + model.bytes.activations + generatorBytes(g);
    expect(Math.abs(plan.generationBytes - measured) / measured).toBeLessThan(0.02);
    // A prompt shorter than the training length still plans for prompts up to it.
    const shortPrompts = planMemory(tiny.spec, { batch, seqLen, rank: 4, targets: [...LORA_TARGETS], recompute: false, decode: { ...decode, promptTokens: 5 } }, gpu.ctx.limits);
    expect(shortPrompts.categories.kvCache).toBe(planMemory(tiny.spec, { batch, seqLen, rank: 4, targets: [...LORA_TARGETS], recompute: false, decode }, gpu.ctx.limits).categories.kvCache);
    g.destroy();
    model.release();
  });

  it('HDR: the model it retrains (at the length its samples need) and the generation cache are live at once, and the peak counts both', async () => {
    // The HDR job loads the model to train (adapter with gradients and moments, per-layer
    // activations) and samples with it: the plan's peak was max(training, generation).
    // jobs/hdr.ts retrains at fitSamples' length (the longest mined prompt + --max-tokens, rounded
    // up), and loads its model for a batch of that: the plan counted the run's batch × seqLen, and
    // said 'fits' for an HDR several times its size.
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions('qwen3'));
    const files = new Map(tiny.files);
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) files.set(name, new Uint8Array(readFileSync(`${TOKENIZER_DIR}/${name}`)));
    const tokenizer = await tokenizerFromModel(memoryModelFiles(files, 'qwen3'));
    const tools = [{ name: 'lookup', description: 'Look a word up', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
    const question: Example = { id: 'q', tools, messages: [{ role: 'user', content: 'What does "quixotic" mean?' }], target: { reasoning: 'lookup finds it.', calls: [{ name: 'lookup', arguments: { q: 'quixotic' } }] }, source: 'openai' };
    const promptTokens = renderPrompt(tokenizer, question).ids.length;
    const config = fitSamples({ ...DEFAULT_RUN_CONFIG, batchSize: batch, seqLen, recompute: false }, { ...DEFAULT_HDR_SETTINGS, maxNewTokens: decode.maxNewTokens }, tokenizer, [question], tiny.spec.maxPositionEmbeddings);
    expect(config.seqLen, 'HDR retrains longer than the run').toBeGreaterThan(seqLen);
    // As hdrJob loads it: rows for a retraining batch (more than the prompt), the run's recompute.
    const N = config.batchSize * config.seqLen;
    const model = await loadEngineModel(gpu, memoryModelFiles(tiny.files, 'qwen3'), { lora, maxTokens: N, recompute: false });
    const head = createLossHead(gpu, model.state, N);
    const g = createGenerator(model.state, decode.batch, promptTokens + decode.maxNewTokens - 1);
    const rows = Array.from({ length: decode.batch }, () => true);
    const step = await submitDecodeStep(g, { ids: rows.map(() => 1), positions: rows.map(() => 0), active: rows, output: 'sample', sample: { params: samplingParams(0.7, 1)!, draws: new Float32Array(decode.batch) } });
    await step.output;
    const plan = planMemory(tiny.spec, { batch, seqLen, rank: 4, targets: [...LORA_TARGETS], recompute: false, decode: { ...decode, promptTokens } }, gpu.ctx.limits);
    const held = model.bytes.weights + model.bytes.lora + model.bytes.activations;
    const measured = Math.max(held + head.bytes + 3 * N * 4, held + generatorBytes(g));
    // Within 2% (LoRA tensors start on 64-float boundaries, as above); it was 70% short here.
    expect(Math.abs(plan.hdrBytes - measured) / measured).toBeLessThan(0.02);
    expect(plan.peakBytes).toBe(plan.hdrBytes);
    head.destroy();
    g.destroy();
    model.release();
  });
});
