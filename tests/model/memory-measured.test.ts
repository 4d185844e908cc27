// The memory plan against what the engine really allocates, on tiny models of each family, with and
// without recompute: weights exactly, the whole training step within 2%.
import { describe, expect, it } from 'vitest';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { loadEngineModel } from '../../src/model/engineModel.ts';
import { createLossHead } from '../../src/model/lossHead.ts';
import { createBatchSlots } from '../../src/model/batchBuffers.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { LORA_TARGETS } from '../../src/model/lora.ts';
import { testGpu } from '../helpers/gpu.ts';

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
