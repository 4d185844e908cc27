// The GPU transformer against the plain-TS f64 reference (tests/reference/transformer.ts) on tiny
// Qwen3 (q/k norm, tied head), Qwen2 (q/k/v bias, untied) and Llama (llama3 rope scaling) models:
// logits, per-token NLL and every LoRA gradient, with a padded batch of two sequences.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32 } from '../../src/gpu/index.ts';
import { matmul } from '../../src/ops/matmul.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { openModel } from '../../src/model/checkpoint.ts';
import { loadEngineModel } from '../../src/model/engineModel.ts';
import { modelBackward, modelForward } from '../../src/model/transformer.ts';
import { createBatchSlots, writeBatch } from '../../src/model/batchBuffers.ts';
import { createLossHead, lossForwardBackward, resetSegmentSums, writeLossInputs } from '../../src/model/lossHead.ts';
import { readLoraGrads } from '../../src/model/deviceLora.ts';
import { initLoraAdapter, type LoraSettings } from '../../src/model/lora.ts';
import { loadReferenceWeights, referenceForward, referenceLoraGrads, refLoraFromAdapter } from '../reference/transformer.ts';
import { seededRandom, expectClose } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { subgroupMatrixLanes } from '../../src/ops/matmulKernels.ts';

const LORA: LoraSettings = { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };

describe.each(['qwen3', 'qwen2', 'llama'] as const)('GPU transformer parity: %s', (family) => {
  it('logits, NLL and every LoRA gradient match the f64 reference', async () => {
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions(family));
    const files = memoryModelFiles(tiny.files, `tiny-${family}`);
    const spec = tiny.spec;
    const V = spec.vocabSize;
    // A trained-looking adapter: PEFT init for A, random B (B = 0 would hide every A gradient).
    const adapter = initLoraAdapter(spec, LORA, 11);
    const rand = seededRandom(5);
    for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = (rand() * 2 - 1) * 0.3;

    // Two sequences, the second right-padded: lengths 12 and 9, T = 12. N = 24 ≥ 16 rows, so on a GPU
    // the products run the workgroup-tiled or tensor-core kernels, not only the small-product one.
    const lengths = [12, 9];
    const B = 2;
    const T = 12;
    const N = B * T;
    const ids = new Int32Array(N);
    const positions = new Uint32Array(N);
    const mask = new Uint32Array(N);
    const targets = new Int32Array(N).fill(-1);
    const segs = new Uint32Array(N);
    const weights = new Float32Array(N);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < lengths[b]; t++) {
        ids[b * T + t] = Math.floor(rand() * V);
        positions[b * T + t] = t;
        mask[b * T + t] = 1;
      }
      for (let t = 0; t + 1 < lengths[b]; t++) {
        targets[b * T + t] = ids[b * T + t + 1];
        segs[b * T + t] = t < 3 ? 1 : 2;
        weights[b * T + t] = 0.05 + rand() * 0.2;
      }
    }

    const model = await loadEngineModel(gpu, files, { lora: null, adapter, maxTokens: N });
    const m = model.state;
    // Tensor cores take f16 inputs (11-bit mantissas, activations rounded per row): where the adapter
    // has them every product carries ~2^-11 relative rounding per input, like bf16 autocast in
    // PyTorch but finer; through two layers and the head that is a few 1e-3 of the logits' scale (seen
    // on an H200: 5e-3 at logits of ±5). So there: 1e-2 relative and 2e-3 of the largest |value|.
    const f16Inputs = subgroupMatrixLanes(gpu) > 0 && m.weights.dtype === 'f16';
    const loose = f16Inputs ? 10 : 1;
    const maxAbs = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, x) => Math.max(a, Math.abs(x)), 0);
    const headTol = (ref: ArrayLike<number>) => (f16Inputs ? { atol: 2e-3 * maxAbs(ref), rtol: 1e-2 } : { atol: 2e-4, rtol: 1e-3 });
    if (f16Inputs) console.log(`${family}: products on tensor cores (f16 inputs, f32 results); tolerances for f16 inputs`);
    const slots = createBatchSlots(gpu, N);
    writeBatch(gpu, slots, { B, T, inputIds: ids, positions, attnSegments: mask });
    const head = createLossHead(gpu, m, N);
    writeLossInputs(gpu, head, { targets, targetSegments: segs, weights });
    resetSegmentSums(gpu, head);
    gpu.recorder.clear(m.lora!.grads);
    await modelForward(m, slots);
    const logitsBuf = createStorageBuffer(gpu.ctx, N * V * 4, 'test.logits');
    await matmul(gpu, { a: m.acts.finalNormOut, b: m.weights.lmHead[0].buffer, c: logitsBuf, M: N, N: V, K: spec.hiddenSize, transB: true, bDtype: m.weights.dtype });
    await lossForwardBackward(m, head, N);
    await modelBackward(m, slots);
    gpu.recorder.submit();
    const logits = await readF32(gpu.ctx, logitsBuf, N * V);
    // head.nll is compact (loss positions only, in head.lossRows order): spread it back per position.
    const compactNll = await readF32(gpu.ctx, head.nll, head.lossRows.length);
    const nll = new Float32Array(N);
    head.lossRows.forEach((row, i) => (nll[row] = compactNll[i]));
    const grads = await readLoraGrads(gpu, m.lora!);

    const { checkpoint } = await openModel(files);
    const refW = await loadReferenceWeights(spec, checkpoint);
    const refLora = refLoraFromAdapter(adapter);
    const refGrads = new Map<string, Float64Array>();
    for (let b = 0; b < B; b++) {
      const L = lengths[b];
      const seqIds = Array.from(ids.subarray(b * T, b * T + L));
      const ref = referenceForward(spec, refW, refLora, seqIds);
      // f32 GPU vs f64 reference through 2 layers: logits are O(1), errors ~1e-5 relative.
      expectClose(logits.subarray(b * T * V, (b * T + L) * V), ref.logits, headTol(ref.logits), `${family} logits seq ${b}`);
      const r = referenceLoraGrads(spec, refW, refLora, seqIds, Array.from(targets.subarray(b * T, b * T + L)), Array.from(weights.subarray(b * T, b * T + L)));
      const gpuNll = Array.from(nll.subarray(b * T, b * T + L));
      expectClose(gpuNll, Array.from(r.nll), headTol(r.nll), `${family} nll seq ${b}`);
      for (const [k, g] of r.grads) {
        const acc = refGrads.get(k) ?? new Float64Array(g.length);
        for (let i = 0; i < g.length; i++) acc[i] += g[i];
        refGrads.set(k, acc);
      }
    }
    await checkpoint.close();
    // Padding must contribute nothing: the padded rows of the second sequence have no loss.
    for (const [k, want] of refGrads) {
      const got = grads.get(k)!;
      let scale = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      // Gradients accumulate over tokens and layers in f32; 1e-3 of the tensor's largest entry.
      expect(scale, `reference gradient of ${k} is all zero`).toBeGreaterThan(0);
      expectClose(got, want, { atol: (1e-3 * scale + 1e-7) * loose * (f16Inputs ? 2 : 1), rtol: 1e-3 * loose }, `${family} grad ${k}`);
    }
    expect(grads.size).toBe(refGrads.size);
    model.release();
    slots.destroy();
    head.destroy();
  });
});
