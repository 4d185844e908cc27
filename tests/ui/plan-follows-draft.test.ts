// The memory plan the Model and Training panels show is planned for the draft as the trainer will
// allocate it: LoRA dropout's scratch buffers included (the peak read ~290 MB low for Qwen2.5-1.5B
// at 4,096 tokens with dropout on).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../src/model/config.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { trainShapeOf as draftShape } from '../../src/state/modelStore.ts';

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
