// The bench's training step on examples of mixed lengths (its GPU cases compare packed rows with a
// row per example): what a step trains on and how its rows lay it out, on a tiny model.
import { describe, expect, it } from 'vitest';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { readModelSpec } from '../../src/model/checkpoint.ts';
import { benchTrainingStep } from '../../src/train/stepBench.ts';
import { testGpu } from '../helpers/gpu.ts';

const tiny = generateTinyModel(tinyTestOptions('qwen3'));

describe('the bench’s training step on mixed lengths', () => {
  it('trains on every example each step and says how many tokens its rows lay out, packed and a row each', { timeout: 120_000 }, async () => {
    const gpu = await testGpu();
    const files = memoryModelFiles(tiny.files, 'tiny');
    const spec = await readModelSpec(files);
    const lengths = [40, 5, 22, 11, 32, 8, 18, 15]; // 151 tokens
    const packed = await benchTrainingStep(gpu, files, spec, { batch: 8, seqLen: 40, rank: 2, steps: 1, lengths });
    const alone = await benchTrainingStep(gpu, files, spec, { batch: 8, seqLen: 40, rank: 2, steps: 1, lengths, packRows: false });
    expect([packed.tokens, alone.tokens]).toEqual([151, 151]);
    // [40] [32 8] [22 18] [15 11 5]: four rows of 40, where a row each is eight.
    expect([packed.laidOutTokens, alone.laidOutTokens]).toEqual([160, 320]);
    expect(packed.lossTokens).toBe(alone.lossTokens);
    expect(packed.matmulFlops).toBeLessThan(alone.matmulFlops);
    await expect(benchTrainingStep(gpu, files, spec, { batch: 8, seqLen: 40, rank: 2, steps: 1, lengths: [40, 50] })).rejects.toThrow('bench: give one length per example of the batch (8), each 4 to 40 tokens');
  });
});
