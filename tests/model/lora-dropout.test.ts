// LoRA dropout on the GPU against the f64 reference using the same counter-based masks: the loss
// and every LoRA gradient agree, the masks really change the gradient, and evaluation (no dropout
// set) is unaffected. The reference itself is checked by finite differences with dropout on.
import { describe, expect, it } from 'vitest';
import { readF32 } from '../../src/gpu/index.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { openModel } from '../../src/model/checkpoint.ts';
import { loadEngineModel } from '../../src/model/engineModel.ts';
import { createBatchSlots, writeBatch } from '../../src/model/batchBuffers.ts';
import { createLossHead, writeLossInputs } from '../../src/model/lossHead.ts';
import { readLoraGrads } from '../../src/model/deviceLora.ts';
import { initLoraAdapter, type LoraSettings } from '../../src/model/lora.ts';
import { loadReferenceWeights, referenceLoraGrads, referenceLoss, refLoraFromAdapter } from '../reference/transformer.ts';
import { expectClose, seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { gradientPass } from '../helpers/gradientPass.ts';

const LORA: LoraSettings = { rank: 4, alpha: 8, useRsLora: false, dropout: 0.3, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };

describe('LoRA dropout', () => {
  it('the GPU gradients equal the reference with the same masks', async () => {
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions('qwen2'));
    const files = memoryModelFiles(tiny.files, 'tiny-qwen2');
    const spec = tiny.spec;
    const adapter = initLoraAdapter(spec, LORA, 3);
    const rand = seededRandom(9);
    for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = (rand() * 2 - 1) * 0.3;
    const T = 9;
    const ids = Int32Array.from({ length: T }, () => Math.floor(rand() * spec.vocabSize));
    const targets = Int32Array.from({ length: T }, (_, t) => (t + 1 < T ? ids[t + 1] : -1));
    const weights = Float32Array.from({ length: T }, (_, t) => (t + 1 < T ? 0.1 + rand() * 0.1 : 0));
    const segs = Uint32Array.from({ length: T }, (_, t) => (t + 1 < T ? 2 : 0));
    const batchSeed = 12345;

    const model = await loadEngineModel(gpu, files, { lora: null, adapter, maxTokens: T });
    const m = model.state;
    const slots = createBatchSlots(gpu, T);
    writeBatch(gpu, slots, { B: 1, T, inputIds: ids, positions: Uint32Array.from({ length: T }, (_, t) => t), attnSegments: new Uint32Array(T).fill(1) });
    const head = createLossHead(gpu, m, T);
    writeLossInputs(gpu, head, { targets, targetSegments: segs, weights });
    const run = async (dropoutOn: boolean) => {
      m.dropout = dropoutOn ? { p: LORA.dropout, batchSeed } : null;
      await gradientPass(m, slots, head, T);
      return { grads: await readLoraGrads(gpu, m.lora!), nll: await readF32(gpu.ctx, head.nll, T - 1) };
    };
    const withDrop = await run(true);
    const without = await run(false);

    const { checkpoint } = await openModel(files);
    const refW = await loadReferenceWeights(spec, checkpoint);
    await checkpoint.close();
    const refLora = { ...refLoraFromAdapter(adapter), dropout: { p: LORA.dropout, batchSeed } };
    const ref = referenceLoraGrads(spec, refW, refLora, Array.from(ids), Array.from(targets), Array.from(weights));
    expectClose(withDrop.nll, ref.nll.subarray(0, T - 1), { atol: 2e-4, rtol: 1e-3 }, 'nll with dropout');
    let differs = 0;
    for (const [k, want] of ref.grads) {
      let scale = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      expectClose(withDrop.grads.get(k)!, want, { atol: 1e-3 * scale + 1e-7, rtol: 1e-3 }, `grad ${k}`);
      const plain = without.grads.get(k)!;
      if (want.some((v, i) => Math.abs(v - plain[i]) > 1e-3 * scale)) differs++;
    }
    expect(differs).toBeGreaterThan(ref.grads.size / 2); // the masks really act on the adapters

    // Finite differences of the reference with dropout on (one A and one B entry per target kind).
    const key = [...ref.grads.keys()].find((k) => k.includes('layers.1.mlp.down_proj.lora_A'))!;
    const h = 1e-5;
    for (const i of [0, 7]) {
      const bump = (d: number) => {
        const l = { ...refLora, tensors: new Map(refLora.tensors) };
        const t = Float64Array.from(l.tensors.get(key)!);
        t[i] += d;
        l.tensors.set(key, t);
        return referenceLoss(spec, refW, l, Array.from(ids), Array.from(targets), Array.from(weights)).loss;
      };
      expect(ref.grads.get(key)![i]).toBeCloseTo((bump(h) - bump(-h)) / (2 * h), 6);
    }
    model.release();
    slots.destroy();
    head.destroy();
  });
});
