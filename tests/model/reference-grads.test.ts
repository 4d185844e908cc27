// The Float64 reference transformer: its hand-written LoRA backward must equal central finite
// differences of its own forward, for each family's distinctive parts (Qwen2 bias + untied head,
// Qwen3 q/k norm + tied head, Llama rope scaling), with padding, packing and offset positions.
// Its forward is pinned by invariances that a wrong attention/RoPE/mask/GQA would break.
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../src/model/checkpoint.ts';
import { initLoraAdapter, LORA_TARGETS, type LoraSettings } from '../../src/model/lora.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { seededNormal } from '../../src/model/random.ts';
import { generateTinyModel, tinyTestOptions, type TinyModelOptions } from '../../src/model/tiny-model.ts';
import type { ModelSpec } from '../../src/model/config.ts';
import { loadReferenceWeights, referenceForward, referenceLoraGrads, referenceLoss, refLoraFromAdapter, type RefLora, type RefWeights } from '../reference/transformer.ts';
import { expectClose } from '../helpers/compare.ts';

const SMALL = { hiddenSize: 8, numHeads: 4, numKvHeads: 2, headDim: 4, intermediateSize: 12, vocabSize: 13, numLayers: 2, initStd: 0.5 };

async function tinyModel(family: TinyModelOptions['family'], overrides: Partial<TinyModelOptions> = {}): Promise<{ spec: ModelSpec; weights: RefWeights }> {
  const { spec, files } = generateTinyModel(tinyTestOptions(family, { ...SMALL, ...overrides }));
  const ckpt = await openCheckpoint(memoryModelFiles(files));
  const weights = await loadReferenceWeights(spec, ckpt);
  await ckpt.close();
  return { spec, weights };
}

/** LoRA on every target with random A and B (PEFT's B = 0 would make every dA zero). */
function randomLora(spec: ModelSpec, settings: Partial<LoraSettings> = {}, seed = 3): RefLora {
  const s: LoraSettings = { rank: 2, alpha: 3, useRsLora: false, dropout: 0, targets: [...LORA_TARGETS], ...settings };
  const lora = refLoraFromAdapter(initLoraAdapter(spec, s, seed));
  const rand = seededNormal(seed + 100);
  for (const [k, v] of lora.tensors) if (k.includes('lora_B')) for (let i = 0; i < v.length; i++) v[i] = 0.3 * rand();
  return lora;
}

const CASES = [
  { family: 'qwen2', ids: [1, 5, 7, 2, 11, 4], positions: undefined, mask: undefined, what: 'q/k/v bias, untied head' },
  { family: 'qwen3', ids: [0, 0, 3, 9, 12, 6], positions: [0, 0, 0, 1, 2, 3], mask: [0, 0, 1, 1, 1, 1], what: 'q/k norm, tied head, left padding' },
  { family: 'llama', ids: [4, 8, 1, 10, 3, 3], positions: [17, 18, 19, 0, 1, 2], mask: [1, 1, 1, 2, 2, 2], what: 'rope scaling, two packed sequences, offset positions' },
] as const;

describe('reference LoRA gradients equal finite differences', () => {
  for (const c of CASES) {
    it(`${c.family}: ${c.what}`, async () => {
      const { spec, weights } = await tinyModel(c.family, c.family === 'llama' ? { headDim: 8, numHeads: 2, numKvHeads: 1 } : {});
      const lora = randomLora(spec, c.family === 'qwen3' ? { useRsLora: true } : {});
      const T = c.ids.length;
      const labels = [5, 7, 2, 11, -1, 9].slice(0, T);
      const lossWeights = [0.5, 1, 2, 0.25, 1, 0];
      const { loss, grads } = referenceLoraGrads(spec, weights, lora, c.ids, labels, lossWeights, c.positions, c.mask);
      expect(loss).toBeGreaterThan(0);
      const lossAt = () => referenceLoss(spec, weights, lora, c.ids, labels, lossWeights, c.positions, c.mask).loss;
      const eps = 1e-5;
      let checked = 0;
      let nonzero = 0;
      for (const [key, param] of lora.tensors) {
        const fd = new Float64Array(param.length);
        for (let i = 0; i < param.length; i++) {
          const keep = param[i];
          param[i] = keep + eps;
          const up = lossAt();
          param[i] = keep - eps;
          const down = lossAt();
          param[i] = keep;
          fd[i] = (up - down) / (2 * eps);
          if (Math.abs(fd[i]) > 1e-6) nonzero++;
        }
        // Central differences in f64 at eps=1e-5: truncation ~eps²·|f'''| ≈ 1e-10, rounding ~1e-16/eps ≈ 1e-11.
        expectClose(grads.get(key)!, fd, { atol: 1e-8, rtol: 1e-6 }, `${c.family} d${key}`);
        checked += param.length;
      }
      // Every tensor was compared, and most gradients are non-trivial (the test could fail).
      expect(grads.size).toBe(lora.tensors.size);
      expect(nonzero).toBeGreaterThan(checked * 0.8);
    });
  }
});

describe('reference forward invariances', () => {
  const ids = [3, 1, 4, 1, 5, 9, 2, 6];

  it('a LoRA with B = 0 (PEFT init) leaves the logits unchanged, and a non-zero one changes them', async () => {
    const { spec, weights } = await tinyModel('qwen3');
    const base = referenceForward(spec, weights, null, ids).logits;
    const zeroB = refLoraFromAdapter(initLoraAdapter(spec, { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: [...LORA_TARGETS] }, 1));
    expect(Array.from(referenceForward(spec, weights, zeroB, ids).logits)).toEqual(Array.from(base));
    const changed = referenceForward(spec, weights, randomLora(spec), ids).logits;
    expect(Math.max(...changed.map((v, i) => Math.abs(v - base[i])))).toBeGreaterThan(1e-3);
  });

  it('is causal: changing a later token never changes earlier logits', async () => {
    const { spec, weights } = await tinyModel('qwen2');
    const V = spec.vocabSize;
    const a = referenceForward(spec, weights, null, ids).logits;
    const b = referenceForward(spec, weights, null, [...ids.slice(0, 5), 12, 12, 12]).logits;
    expect(Array.from(b.subarray(0, 5 * V))).toEqual(Array.from(a.subarray(0, 5 * V)));
    expect(Array.from(b.subarray(5 * V, 6 * V))).not.toEqual(Array.from(a.subarray(5 * V, 6 * V)));
  });

  it('depends only on relative positions (RoPE, incl. llama3 scaling): shifting all positions changes nothing', async () => {
    for (const family of ['llama', 'qwen3'] as const) {
      const { spec, weights } = await tinyModel(family, { headDim: 16, numHeads: 2, numKvHeads: 1, hiddenSize: 16 });
      const a = referenceForward(spec, weights, null, ids).logits;
      const b = referenceForward(spec, weights, null, ids, ids.map((_, t) => t + 37)).logits;
      // f64 sin/cos of larger angles: 1e-9 absorbs the rounding of p·θ at p ≈ 45.
      expectClose(b, a, { atol: 1e-9, rtol: 1e-9 }, `${family} shifted positions`);
      const scrambled = referenceForward(spec, weights, null, ids, ids.map((_, t) => 2 * t)).logits;
      expect(Math.max(...scrambled.map((v, i) => Math.abs(v - a[i])))).toBeGreaterThan(1e-6);
    }
  });

  it('left padding with a mask equals the unpadded sequence; packed documents do not see each other', async () => {
    const { spec, weights } = await tinyModel('llama');
    const V = spec.vocabSize;
    const alone = referenceForward(spec, weights, null, [7, 8, 9]).logits;
    const padded = referenceForward(spec, weights, null, [0, 0, 7, 8, 9], [0, 0, 0, 1, 2], [0, 0, 1, 1, 1]).logits;
    expectClose(padded.subarray(2 * V), alone, { atol: 1e-12, rtol: 1e-12 }, 'left padded');
    const other = referenceForward(spec, weights, null, [4, 5]).logits;
    const packed = referenceForward(spec, weights, null, [7, 8, 9, 4, 5], [0, 1, 2, 0, 1], [1, 1, 1, 2, 2]).logits;
    expectClose(packed.subarray(0, 3 * V), alone, { atol: 1e-12, rtol: 1e-12 }, 'packed doc 1');
    expectClose(packed.subarray(3 * V), other, { atol: 1e-12, rtol: 1e-12 }, 'packed doc 2');
  });

  it('maps query head h to KV head ⌊h/group⌋ (HF repeat_kv): GQA equals MHA with duplicated K/V heads', async () => {
    const { spec, weights } = await tinyModel('qwen3'); // 4 heads, 2 KV heads of dim 4
    const mha: ModelSpec = { ...spec, numKvHeads: 4 };
    const w2: RefWeights = new Map(weights);
    const d = spec.headDim;
    const H = spec.hiddenSize;
    for (let l = 0; l < spec.numLayers; l++) {
      for (const p of ['k_proj', 'v_proj']) {
        const name = `model.layers.${l}.self_attn.${p}.weight`;
        const w = weights.get(name)!; // [2·d, H]
        const dup = new Float64Array(4 * d * H);
        for (let h = 0; h < 4; h++) dup.set(w.subarray(Math.floor(h / 2) * d * H, (Math.floor(h / 2) + 1) * d * H), h * d * H);
        w2.set(name, dup);
      }
    }
    const a = referenceForward(spec, weights, null, ids).logits;
    const b = referenceForward(mha, w2, null, ids).logits;
    expectClose(b, a, { atol: 1e-12, rtol: 1e-12 }, 'GQA vs duplicated MHA');
  });

  it('names the token when an id is outside the vocabulary', async () => {
    const { spec, weights } = await tinyModel('qwen2');
    expect(() => referenceForward(spec, weights, null, [1, 13])).toThrow(/token id 13 at position 1 is outside the vocabulary of 13/);
  });
});
