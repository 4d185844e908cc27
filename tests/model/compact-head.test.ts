// The LM head without its all-zero rows (src/model/compactHead.ts): the scan that finds them as the
// weights stream past, the targets renumbered to the kept rows, and the embedded model's loss and
// LoRA gradients with the compact head against the f64 reference over the whole 151,936-row head,
// with targets on kept rows, on zero rows (logit exactly 0) and ignored. The cross-entropy op's
// folding of the zero rows is tested beside the op (tests/ops/crossEntropy.test.ts).
import { describe, expect, it } from 'vitest';
import { readF32 } from '../../src/gpu/index.ts';
import { nodeDirectoryModelFiles } from '../../src/model/model-files-node.ts';
import { openModel } from '../../src/model/checkpoint.ts';
import { loadEngineModel } from '../../src/model/engineModel.ts';
import { createBatchSlots, writeBatch } from '../../src/model/batchBuffers.ts';
import { createLossHead, writeLossInputs } from '../../src/model/lossHead.ts';
import { readLoraGrads } from '../../src/model/deviceLora.ts';
import { initLoraAdapter, type LoraSettings } from '../../src/model/lora.ts';
import { COMPACT_MAX_SHARE, compactTarget, NonzeroRowScan } from '../../src/model/compactHead.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { generate } from '../../src/model/generate.ts';
import { argmax } from '../../src/model/sampling.ts';
import { loadReferenceWeights, referenceForward, referenceLoraGrads, refLoraFromAdapter } from '../reference/transformer.ts';
import { expectClose, seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { gradientPass } from '../helpers/gradientPass.ts';

const EMBEDDED = 'public/models/tiny-qwen3';

/** The embedded model's files, spec and f64 reference weights (its whole head). */
async function embeddedReference() {
  const files = nodeDirectoryModelFiles(EMBEDDED);
  const { spec, checkpoint } = await openModel(files);
  const refW = await loadReferenceWeights(spec, checkpoint);
  await checkpoint.close();
  return { files, spec, refW };
}

/** A [V, H] bf16 tensor's bytes with these rows nonzero (row r holds r + 1 in one column). */
function bf16Rows(V: number, H: number, nonzero: number[], negativeZeroRows: number[] = []): Uint8Array {
  const u16 = new Uint16Array(V * H);
  for (const r of nonzero) u16[r * H + (r % H)] = 0x3f80 + (r % 7); // ~1.0
  for (const r of negativeZeroRows) u16.fill(0x8000, r * H, (r + 1) * H);
  return new Uint8Array(u16.buffer);
}

describe('finding the LM head rows that are not all zero', () => {
  it('finds exactly them from bytes in any slicing (rows split across slices), −0 counting as zero', () => {
    const V = 640;
    const H = 6;
    const nonzero = [0, 5, 6, 319, 639];
    const bytes = bf16Rows(V, H, nonzero, [7, 8]);
    for (const slice of [bytes.length, 1000, 26, 2]) {
      const scan = new NonzeroRowScan(V, H, 'BF16');
      for (let off = 0; off < bytes.length; off += slice) scan.add(bytes.subarray(off, off + slice), off);
      expect(Array.from(scan.keptRows() ?? []), `slices of ${slice} bytes`).toEqual(nonzero);
    }
  });

  it('keeps the whole head when more than its share of rows is not zero, or when every row is', () => {
    const V = 640;
    const share = Math.floor(V * COMPACT_MAX_SHARE);
    const many = new NonzeroRowScan(V, 4, 'BF16');
    many.add(bf16Rows(V, 4, Array.from({ length: share + 1 }, (_, i) => i * 3)), 0);
    expect(many.keptRows()).toBeNull();
    const atShare = new NonzeroRowScan(V, 4, 'BF16');
    atShare.add(bf16Rows(V, 4, Array.from({ length: share }, (_, i) => i * 3)), 0);
    expect(atShare.keptRows()?.length).toBe(share);
    const none = new NonzeroRowScan(V, 4, 'BF16');
    none.add(bf16Rows(V, 4, []), 0);
    expect(none.keptRows()).toBeNull();
    const f32 = new NonzeroRowScan(128, 2, 'F32');
    const values = new Float32Array(256);
    values[1] = -0;
    values[5] = 1e-30;
    f32.add(new Uint8Array(values.buffer), 0);
    expect(Array.from(f32.keptRows()!)).toEqual([2]);
  });

  it('renumbers targets: a kept row to its place, a zero row to one past the kept rows, the rest ignored', () => {
    const rowOf = Int32Array.from([-1, 0, -1, 1]);
    const head = { rowOf, rows: 2 };
    expect([1, 3, 0, 2, -1, 4, 99].map((t) => compactTarget(head, t))).toEqual([0, 1, 2, 2, -1, -1, -1]);
  });
});

describe('the embedded model’s loss with the compact head', () => {
  it('keeps its 547 nonzero rows, and random generated models keep their whole head', async () => {
    const gpu = await testGpu();
    const model = await loadEngineModel(gpu, nodeDirectoryModelFiles(EMBEDDED), { lora: null, maxTokens: 8, forwardOnly: true });
    const c = model.state.weights.compactHead!;
    expect({ rows: c.rows, zeroRows: c.zeroRows }).toEqual({ rows: 547, zeroRows: 151936 - 547 });
    const kept = Array.from(c.rowOf.keys()).filter((v) => c.rowOf[v] >= 0);
    expect(kept.map((v) => c.rowOf[v])).toEqual(kept.map((_, i) => i));
    model.release();
    const tiny = generateTinyModel(tinyTestOptions('qwen3'));
    const random = await loadEngineModel(gpu, memoryModelFiles(tiny.files, 'tiny-qwen3'), { lora: null, maxTokens: 8, forwardOnly: true });
    expect(random.state.weights.compactHead).toBeNull();
    random.release();
  });

  it('gives the f64 reference’s NLL and LoRA gradients over the whole head: targets on kept rows, on zero rows and ignored', async () => {
    const gpu = await testGpu();
    const { files, spec, refW } = await embeddedReference();
    const lora: LoraSettings = { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };
    const adapter = initLoraAdapter(spec, lora, 5);
    const rand = seededRandom(17);
    for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = (rand() * 2 - 1) * 0.3;
    const model = await loadEngineModel(gpu, files, { lora: null, adapter, maxTokens: 16 });
    const m = model.state;
    const c = m.weights.compactHead!;
    const kept = Array.from(c.rowOf.keys()).filter((v) => c.rowOf[v] >= 0);
    const zeroRows = Array.from(c.rowOf.keys()).filter((v) => c.rowOf[v] === -1);
    const zero = [zeroRows[0], zeroRows[1], zeroRows.at(-1)!, zeroRows[100000]];
    // Inputs and targets mostly on kept rows (the model's own tokens), some on zero rows.
    const T = 14;
    const ids = Int32Array.from({ length: T }, (_, t) => (t % 5 === 3 ? zero[t % zero.length] : kept[Math.floor(rand() * kept.length)]));
    const targets = Int32Array.from({ length: T }, (_, t) => (t === 0 || t === 6 ? -1 : t + 1 < T ? ids[t + 1] : zero[2]));
    const weights = Float32Array.from(targets, (x) => (x >= 0 ? 0.05 + rand() * 0.1 : 0));
    const segs = Uint32Array.from(targets, (x, t) => (x >= 0 ? 1 + (t % 2) : 0));
    expect(targets.filter((x) => x >= 0 && c.rowOf[x] === -1).length, 'targets on zero rows').toBeGreaterThanOrEqual(2);

    const slots = createBatchSlots(gpu, T);
    writeBatch(gpu, slots, { B: 1, T, inputIds: ids, positions: Uint32Array.from({ length: T }, (_, t) => t), attnSegments: new Uint32Array(T).fill(1) });
    const head = createLossHead(gpu, m, T);
    const M = writeLossInputs(gpu, head, { targets, targetSegments: segs, weights });
    await gradientPass(m, slots, head, T);
    const nll = await readF32(gpu.ctx, head.nll, M);
    const grads = await readLoraGrads(gpu, m.lora!);

    const ref = referenceLoraGrads(spec, refW, refLoraFromAdapter(adapter), Array.from(ids), Array.from(targets), Array.from(weights));
    const refNll = Float64Array.from(head.lossRows, (t) => ref.nll[t]);
    expectClose(nll, refNll, { atol: 2e-4, rtol: 1e-4 }, 'nll');
    for (const [k, want] of ref.grads) {
      let scale = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      expectClose(grads.get(k)!, want, { atol: 1e-3 * scale + 1e-7, rtol: 1e-3 }, `grad ${k}`);
    }
    model.release();
    slots.destroy();
    head.destroy();
  });
});

describe('the embedded model’s generation with the compact head', () => {
  it('gives the whole head’s logits (exactly 0 in the zero rows’ columns) and the reference’s greedy tokens, and the same tokens chosen on the GPU', async () => {
    const gpu = await testGpu();
    const { files, spec, refW } = await embeddedReference();
    const model = await loadEngineModel(gpu, files, { lora: null, maxTokens: 16, forwardOnly: true });
    const c = model.state.weights.compactHead!;
    const kept = Array.from(c.rowOf.keys()).filter((v) => c.rowOf[v] >= 0);
    const rand = seededRandom(23);
    const prompts = [7, 3].map((n) => Array.from({ length: n }, () => kept[Math.floor(rand() * kept.length)]));
    const steps = 4;
    const rows: Float32Array[][] = prompts.map(() => []);
    const results = await generate(model.state, prompts, { maxNewTokens: steps, stopTokenIds: [], onLogits: (b, row) => rows[b].push(row.slice()) });
    const V = spec.vocabSize;
    prompts.forEach((prompt, b) => {
      const tokens = results[b].tokens;
      expect(rows[b].length).toBe(steps);
      for (let i = 0; i < steps; i++) {
        const seq = [...prompt, ...tokens.slice(0, i)];
        const ref = referenceForward(spec, refW, null, seq).logits.subarray((seq.length - 1) * V, seq.length * V);
        const got = rows[b][i];
        expect(got.every((z, v) => c.rowOf[v] >= 0 || z === 0), `seq ${b} step ${i}: the zero rows' logits are 0`).toBe(true);
        expectClose(got, ref, { atol: 1e-4, rtol: 1e-4 }, `seq ${b} step ${i} logits`);
        expect(tokens[i], `seq ${b} step ${i}: greedy token vs reference argmax`).toBe(argmax(ref));
      }
    });
    const onGpu = await generate(model.state, prompts, { maxNewTokens: steps, stopTokenIds: [] });
    expect(onGpu.map((r) => r.tokens)).toEqual(results.map((r) => r.tokens));
    model.release();
  });
});
