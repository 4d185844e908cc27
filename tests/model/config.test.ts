// config.json parsing: every real config we promise to load, the architecture refusal, and the
// weight manifest (its parameter count must equal the count each model card publishes).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelConfig, parameterCount, specToConfigJson, UnsupportedArchitectureError, weightManifest } from '../../src/model/config.ts';
import { ropeInverseFrequencies } from '../../src/model/rope.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/models/configs/${name}.json`, import.meta.url), 'utf8');

// Published parameter counts (HF model cards / safetensors metadata), tied heads counted once.
const REAL_MODELS = [
  { name: 'Qwen2.5-0.5B-Instruct', family: 'qwen2', params: 494_032_768, layers: 24, heads: 14, kv: 2, headDim: 64, tie: true, qkvBias: true, qkNorm: false },
  { name: 'Qwen2.5-1.5B-Instruct', family: 'qwen2', params: 1_543_714_304, layers: 28, heads: 12, kv: 2, headDim: 128, tie: true, qkvBias: true, qkNorm: false },
  { name: 'Qwen3-0.6B', family: 'qwen3', params: 596_049_920, layers: 28, heads: 16, kv: 8, headDim: 128, tie: true, qkvBias: false, qkNorm: true },
  { name: 'Qwen3-1.7B', family: 'qwen3', params: 1_720_574_976, layers: 28, heads: 16, kv: 8, headDim: 128, tie: true, qkvBias: false, qkNorm: true },
  { name: 'Llama-3.2-1B-Instruct', family: 'llama', params: 1_235_814_400, layers: 16, heads: 32, kv: 8, headDim: 64, tie: true, qkvBias: false, qkNorm: false },
  { name: 'SmolLM2-135M-Instruct', family: 'llama', params: 134_515_008, layers: 30, heads: 9, kv: 3, headDim: 64, tie: true, qkvBias: false, qkNorm: false },
  { name: 'SmolLM2-360M-Instruct', family: 'llama', params: 361_821_120, layers: 32, heads: 15, kv: 5, headDim: 64, tie: true, qkvBias: false, qkNorm: false },
  { name: 'SmolLM2-1.7B-Instruct', family: 'llama', params: 1_711_376_384, layers: 24, heads: 32, kv: 32, headDim: 64, tie: true, qkvBias: false, qkNorm: false },
] as const;

describe('parseModelConfig on real configs', () => {
  for (const m of REAL_MODELS) {
    it(`reads ${m.name} with the published parameter count`, () => {
      const spec = parseModelConfig(fixture(m.name), `${m.name}/config.json`);
      expect(spec.family).toBe(m.family);
      expect([spec.numLayers, spec.numHeads, spec.numKvHeads, spec.headDim]).toEqual([m.layers, m.heads, m.kv, m.headDim]);
      expect(spec.tieWordEmbeddings).toBe(m.tie);
      expect(spec.qkvBias).toBe(m.qkvBias);
      expect(spec.qkNorm).toBe(m.qkNorm);
      expect(spec.dtype).toBe('BF16');
      expect(parameterCount(spec)).toBe(m.params);
    });
  }

  it('keeps the Qwen2.5-0.5B numbers from its config', () => {
    const s = parseModelConfig(fixture('Qwen2.5-0.5B-Instruct'));
    expect(s).toMatchObject({ hiddenSize: 896, intermediateSize: 4864, vocabSize: 151936, rmsNormEps: 1e-6, ropeTheta: 1e6, ropeScaling: null, eosTokenIds: [151645] });
  });

  it('uses the explicit head_dim of Qwen3 (128, not hidden/heads = 64)', () => {
    const s = parseModelConfig(fixture('Qwen3-0.6B'));
    expect(s.hiddenSize / s.numHeads).toBe(64);
    expect(s.headDim).toBe(128);
    const q = weightManifest(s).find((w) => w.name === 'model.layers.0.self_attn.q_proj.weight')!;
    expect(q.shape).toEqual([2048, 1024]);
    expect(weightManifest(s).some((w) => w.name === 'model.layers.27.self_attn.k_norm.weight')).toBe(true);
  });

  it('reads Llama 3.2 rope scaling and applies its three frequency bands', () => {
    const s = parseModelConfig(fixture('Llama-3.2-1B-Instruct'));
    expect(s.ropeScaling).toEqual({ type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
    expect(s.eosTokenIds).toEqual([128001, 128008, 128009]);
    const inv = ropeInverseFrequencies(s);
    const plain = ropeInverseFrequencies({ ...s, ropeScaling: null });
    // wavelength 2π/θ: < 8192/4 = 2048 kept, > 8192 divided by 32, in between interpolated.
    let kept = 0;
    let divided = 0;
    let smoothed = 0;
    for (let i = 0; i < inv.length; i++) {
      const wl = (2 * Math.PI) / plain[i];
      if (wl < 2048) {
        expect(inv[i]).toBe(plain[i]);
        kept++;
      } else if (wl > 8192) {
        expect(inv[i]).toBeCloseTo(plain[i] / 32, 15);
        divided++;
      } else {
        const smooth = (8192 / wl - 1) / (4 - 1);
        expect(inv[i]).toBeCloseTo((1 - smooth) * (plain[i] / 32) + smooth * plain[i], 15);
        expect(inv[i]).toBeLessThan(plain[i]);
        expect(inv[i]).toBeGreaterThan(plain[i] / 32);
        smoothed++;
      }
    }
    expect([kept > 0, divided > 0, smoothed > 0]).toEqual([true, true, true]);
  });

  it('lists q/k/v biases for Qwen2 and an lm_head only when untied', () => {
    const tied = parseModelConfig(fixture('Qwen2.5-0.5B-Instruct'));
    const names = weightManifest(tied).map((w) => w.name);
    expect(names).toContain('model.layers.0.self_attn.q_proj.bias');
    expect(names).not.toContain('model.layers.0.self_attn.o_proj.bias');
    expect(names).not.toContain('lm_head.weight');
    const untied = parseModelConfig({ ...JSON.parse(fixture('Qwen2.5-0.5B-Instruct')), tie_word_embeddings: false });
    expect(weightManifest(untied).map((w) => w.name)).toContain('lm_head.weight');
    expect(parameterCount(untied) - parameterCount(tied)).toBe(151936 * 896);
  });

  it('round-trips a spec through specToConfigJson', () => {
    for (const m of REAL_MODELS) {
      const s = parseModelConfig(fixture(m.name));
      expect(parseModelConfig(specToConfigJson(s))).toEqual(s);
    }
  });
});

describe('parseModelConfig refusals', () => {
  it('refuses an unsupported architecture, naming it and listing the supported ones', () => {
    const cfg = { ...JSON.parse(fixture('Qwen3-0.6B')), architectures: ['MistralForCausalLM'] };
    expect(() => parseModelConfig(cfg, 'my-model/config.json')).toThrow(UnsupportedArchitectureError);
    expect(() => parseModelConfig(cfg, 'my-model/config.json')).toThrow(/my-model\/config\.json: architecture "MistralForCausalLM" is not supported; supported architectures: LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM/);
  });

  it('names the field for bad or unsupported values', () => {
    const base = JSON.parse(fixture('SmolLM2-135M-Instruct'));
    expect(() => parseModelConfig({ ...base, hidden_size: 'big' })).toThrow(/"hidden_size" must be a positive integer/);
    expect(() => parseModelConfig({ ...base, num_key_value_heads: 4 })).toThrow(/num_attention_heads \(9\) is not a multiple of num_key_value_heads \(4\)/);
    expect(() => parseModelConfig({ ...base, rope_scaling: { rope_type: 'yarn', factor: 4 } })).toThrow(/rope_scaling type "yarn" is not supported/);
    expect(() => parseModelConfig({ ...base, hidden_act: 'gelu' })).toThrow(/hidden_act "gelu"/);
    expect(() => parseModelConfig({ ...base, torch_dtype: 'int8' })).toThrow(/torch_dtype "int8"/);
    expect(() => parseModelConfig({ ...base, attention_bias: true })).toThrow(/attention_bias=true/);
    expect(() => parseModelConfig('{not json')).toThrow(/config\.json: not valid JSON/);
    expect(() => parseModelConfig({ ...base, quantization_config: { quant_method: 'fp8' } })).toThrow(/quantization_config is set: quantized checkpoints .* are not supported/);
  });
});

describe('configs as transformers v5 writes them', () => {
  // v5 moved rope_theta and rope_scaling into rope_parameters; read as before, every position
  // would have been rotated with theta 10000.
  const v5 = (name: string, rope: Record<string, unknown>) => {
    const { rope_theta: _t, rope_scaling: _s, ...rest } = JSON.parse(fixture(name));
    return { ...rest, rope_parameters: rope };
  };

  it('reads rope_parameters as the old fields: the same spec, the same frequencies', () => {
    const qwen = parseModelConfig(v5('Qwen3-0.6B', { rope_type: 'default', rope_theta: 1_000_000 }));
    expect(qwen).toEqual(parseModelConfig(fixture('Qwen3-0.6B')));
    const llama = parseModelConfig(v5('Llama-3.2-1B-Instruct', { rope_type: 'llama3', rope_theta: 500_000, factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 }));
    expect(llama).toEqual(parseModelConfig(fixture('Llama-3.2-1B-Instruct')));
    expect(ropeInverseFrequencies(llama)).toEqual(ropeInverseFrequencies(parseModelConfig(fixture('Llama-3.2-1B-Instruct'))));
  });

  it('refuses what it does not run, naming rope_parameters', () => {
    expect(() => parseModelConfig(v5('Qwen3-0.6B', { rope_type: 'yarn', rope_theta: 1e6, factor: 4 }))).toThrow(/rope_parameters type "yarn" is not supported/);
    expect(() => parseModelConfig(v5('Qwen3-0.6B', { full_attention: { rope_type: 'default' }, sliding_attention: { rope_type: 'default' } }))).toThrow(/rope_parameters per attention type \(full_attention, sliding_attention\) is not supported/);
    expect(() => parseModelConfig(v5('Qwen3-0.6B', { rope_type: 'default', rope_theta: -1 }))).toThrow(/rope_parameters\.rope_theta must be a positive number, got -1/);
  });

  it('takes the architecture from model_type when architectures is absent, as transformers does', () => {
    const { architectures: _a, ...rest } = JSON.parse(fixture('SmolLM2-135M-Instruct'));
    expect(parseModelConfig(rest).architecture).toBe('LlamaForCausalLM');
    expect(() => parseModelConfig({ ...rest, model_type: 'mistral' })).toThrow(/architecture "model_type=mistral" is not supported/);
  });
});
