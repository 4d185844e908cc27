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
