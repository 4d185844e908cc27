// Hugging Face `config.json` → ModelSpec for the decoder families the engine runs: Llama
// (incl. SmolLM2 and Llama-3 rope scaling), Qwen2 (q/k/v bias) and Qwen3 (per-head q/k RMSNorm).
// Owns: the spec type, validation with errors naming the field, and the weight manifest (which
// tensors a spec needs, with shapes). Never reads files or touches the GPU.
import type { WeightDtype } from './dtype.ts';

export type ModelFamily = 'llama' | 'qwen2' | 'qwen3';

/** Llama 3.x frequency-dependent rope scaling (`rope_type: "llama3"`). */
export interface Llama3RopeScaling {
  type: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

export interface ModelSpec {
  family: ModelFamily;
  /** As written in config.json `architectures[0]`. */
  architecture: string;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: Llama3RopeScaling | null;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** q_proj, k_proj, v_proj carry a bias (always in Qwen2). */
  qkvBias: boolean;
  /** q_norm / k_norm: RMSNorm over head_dim per head, before RoPE (Qwen3). */
  qkNorm: boolean;
  /** The dtype the checkpoint declares (`torch_dtype` / `dtype`); tensors are checked on load. */
  dtype: WeightDtype;
  bosTokenId: number | null;
  eosTokenIds: number[];
}

export const SUPPORTED_ARCHITECTURES: Record<string, ModelFamily> = {
  LlamaForCausalLM: 'llama',
  Qwen2ForCausalLM: 'qwen2',
  Qwen3ForCausalLM: 'qwen3',
};

export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

export class UnsupportedArchitectureError extends ModelConfigError {
  constructor(readonly architecture: string, source: string) {
    super(
      `${source}: architecture "${architecture}" is not supported; supported architectures: ${Object.keys(SUPPORTED_ARCHITECTURES).join(', ')} ` +
        `(Llama 3.x, SmolLM2, Qwen2/Qwen2.5, Qwen3 dense models)`,
    );
    this.name = 'UnsupportedArchitectureError';
  }
}

type Json = Record<string, unknown>;

/** Parses config.json text or an already-parsed object. `source` names the file in errors. */
export function parseModelConfig(config: string | Json, source = 'config.json'): ModelSpec {
  let c: Json;
  if (typeof config === 'string') {
    try {
      c = JSON.parse(config) as Json;
    } catch (err) {
      throw new ModelConfigError(`${source}: not valid JSON (${(err as Error).message})`);
    }
  } else {
    c = config;
  }
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new ModelConfigError(`${source}: expected a JSON object`);

  const archs = c.architectures;
  // Without `architectures`, transformers picks the class from model_type, and so does this.
  const byType = typeof c.model_type === 'string' ? Object.keys(SUPPORTED_ARCHITECTURES).find((a) => SUPPORTED_ARCHITECTURES[a] === c.model_type) : undefined;
  const architecture = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : (byType ?? (typeof c.model_type === 'string' ? `model_type=${c.model_type}` : '(none)'));
  const family = SUPPORTED_ARCHITECTURES[architecture];
  if (!family) throw new UnsupportedArchitectureError(architecture, source);

  const int = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new ModelConfigError(`${source}: "${key}" must be a positive integer, got ${JSON.stringify(c[key])}`);
    return v;
  };
  const num = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ModelConfigError(`${source}: "${key}" must be a positive number, got ${JSON.stringify(c[key])}`);
    return v;
  };

  const hiddenSize = int('hidden_size');
  const numHeads = int('num_attention_heads');
  const numKvHeads = int('num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new ModelConfigError(`${source}: num_attention_heads (${numHeads}) is not a multiple of num_key_value_heads (${numKvHeads})`);
  }
  // head_dim may be explicit (Qwen3: 128 with hidden 1024 and 16 heads, so not hidden/heads).
  const headDim = c.head_dim == null ? hiddenSize / numHeads : int('head_dim');
  if (!Number.isInteger(headDim)) throw new ModelConfigError(`${source}: hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numHeads} and no head_dim is given`);
  if (headDim % 2 !== 0) throw new ModelConfigError(`${source}: head_dim ${headDim} must be even for rotary embeddings`);

  const act = c.hidden_act ?? 'silu';
  if (act !== 'silu') throw new ModelConfigError(`${source}: hidden_act "${String(act)}" is not supported (only "silu", the SwiGLU MLP)`);
  if (c.mlp_bias === true) throw new ModelConfigError(`${source}: mlp_bias=true is not supported (no released Llama/Qwen model uses it)`);

  // Qwen2 hard-codes bias on q/k/v; Llama and Qwen3 put a bias on q/k/v AND o when attention_bias is set.
  const qkvBias = family === 'qwen2';
  if (family !== 'qwen2' && c.attention_bias === true) {
    throw new ModelConfigError(`${source}: attention_bias=true (${architecture}) adds an o_proj bias, which this engine does not support`);
  }
  if (c.use_sliding_window === true) {
    throw new ModelConfigError(`${source}: use_sliding_window=true is not supported (every layer must use full causal attention)`);
  }

  const dtypeName = c.torch_dtype ?? c.dtype ?? 'float32';
  const dtype = ({ bfloat16: 'BF16', float16: 'F16', float32: 'F32' } as Record<string, WeightDtype>)[String(dtypeName)];
  if (!dtype) throw new ModelConfigError(`${source}: torch_dtype "${String(dtypeName)}" is not supported (bfloat16, float16 or float32)`);

  if (c.quantization_config != null) {
    throw new ModelConfigError(`${source}: quantization_config is set: quantized checkpoints (GPTQ, AWQ, FP8, bitsandbytes) are not supported; use the model's bfloat16 or float16 release`);
  }
  // transformers v5 writes the rotary settings as rope_parameters {rope_type, rope_theta, …} in
  // place of rope_theta and rope_scaling; read as theta 10000 they would rotate every position wrongly.
  const rp = c.rope_parameters;
  if (rp != null && (typeof rp !== 'object' || Array.isArray(rp))) throw new ModelConfigError(`${source}: rope_parameters must be an object`);
  const rope = rp as Json | undefined;
  if (rope && rope.rope_theta === undefined && rope.rope_type === undefined) {
    throw new ModelConfigError(`${source}: rope_parameters per attention type (${Object.keys(rope).join(', ')}) is not supported`);
  }
  const ropeTheta = rope ? ropeThetaOf(rope.rope_theta, `${source}: rope_parameters.rope_theta`) : num('rope_theta', 10000);

  const eos = c.eos_token_id;
  const eosTokenIds = Array.isArray(eos) ? eos.filter((x): x is number => typeof x === 'number') : typeof eos === 'number' ? [eos] : [];

  return {
    family,
    architecture,
    hiddenSize,
    numLayers: int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    intermediateSize: int('intermediate_size'),
    vocabSize: int('vocab_size'),
    rmsNormEps: num('rms_norm_eps', 1e-6),
    ropeTheta,
    ropeScaling: rope ? parseRopeScaling(rope, source, 'rope_parameters') : parseRopeScaling(c.rope_scaling, source),
    maxPositionEmbeddings: int('max_position_embeddings', 2048),
    tieWordEmbeddings: c.tie_word_embeddings === undefined ? false : c.tie_word_embeddings === true,
    qkvBias,
    qkNorm: family === 'qwen3',
    dtype,
    bosTokenId: typeof c.bos_token_id === 'number' ? c.bos_token_id : null,
    eosTokenIds,
  };
}

function ropeThetaOf(v: unknown, where: string): number {
  if (v === undefined) return 10000;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ModelConfigError(`${where} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

function parseRopeScaling(raw: unknown, source: string, field = 'rope_scaling'): Llama3RopeScaling | null {
  if (raw == null) return null;
  if (typeof raw !== 'object') throw new ModelConfigError(`${source}: ${field} must be an object or null`);
  const r = raw as Json;
  const type = r.rope_type ?? r.type ?? (field === 'rope_parameters' ? 'default' : undefined);
  if (type === 'default') return null;
  if (type !== 'llama3') {
    throw new ModelConfigError(`${source}: ${field} type "${String(type)}" is not supported (only "llama3" or none)`);
  }
  const need = (key: string): number => {
    const v = r[key];
    if (typeof v !== 'number' || !(v > 0)) throw new ModelConfigError(`${source}: ${field}.${key} must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  };
  const scaling: Llama3RopeScaling = {
    type: 'llama3',
    factor: need('factor'),
    lowFreqFactor: need('low_freq_factor'),
    highFreqFactor: need('high_freq_factor'),
    originalMaxPositionEmbeddings: need('original_max_position_embeddings'),
  };
  if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
    throw new ModelConfigError(`${source}: ${field}.high_freq_factor (${scaling.highFreqFactor}) must exceed low_freq_factor (${scaling.lowFreqFactor})`);
  }
  return scaling;
}

/** Writes a spec back as a config.json object (the tiny-model generator and tests use this). */
export function specToConfigJson(spec: ModelSpec, extra: Json = {}): Json {
  return {
    architectures: [spec.architecture],
    model_type: spec.family,
    hidden_size: spec.hiddenSize,
    num_hidden_layers: spec.numLayers,
    num_attention_heads: spec.numHeads,
    num_key_value_heads: spec.numKvHeads,
    head_dim: spec.headDim,
    intermediate_size: spec.intermediateSize,
    vocab_size: spec.vocabSize,
    hidden_act: 'silu',
    rms_norm_eps: spec.rmsNormEps,
    rope_theta: spec.ropeTheta,
    rope_scaling: spec.ropeScaling
      ? {
          rope_type: 'llama3',
          factor: spec.ropeScaling.factor,
          low_freq_factor: spec.ropeScaling.lowFreqFactor,
          high_freq_factor: spec.ropeScaling.highFreqFactor,
          original_max_position_embeddings: spec.ropeScaling.originalMaxPositionEmbeddings,
        }
      : null,
    max_position_embeddings: spec.maxPositionEmbeddings,
    tie_word_embeddings: spec.tieWordEmbeddings,
    attention_bias: false,
    torch_dtype: ({ BF16: 'bfloat16', F16: 'float16', F32: 'float32' } as const)[spec.dtype],
    bos_token_id: spec.bosTokenId,
    eos_token_id: spec.eosTokenIds.length === 1 ? spec.eosTokenIds[0] : spec.eosTokenIds,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Weight manifest

export interface WeightEntry {
  name: string;
  shape: number[];
}

export const qDim = (s: ModelSpec) => s.numHeads * s.headDim;
export const kvDim = (s: ModelSpec) => s.numKvHeads * s.headDim;

/** The tensor the LM head is: the embedding's when tied. */
export function lmHeadTensor(spec: ModelSpec): string {
  return spec.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
}

/** Every tensor the spec needs, by its HF name, with its shape ([out, in] for linears). */
export function weightManifest(spec: ModelSpec): WeightEntry[] {
  const H = spec.hiddenSize;
  const out: WeightEntry[] = [{ name: 'model.embed_tokens.weight', shape: [spec.vocabSize, H] }];
  for (let i = 0; i < spec.numLayers; i++) {
    const p = `model.layers.${i}`;
    out.push({ name: `${p}.input_layernorm.weight`, shape: [H] });
    out.push({ name: `${p}.self_attn.q_proj.weight`, shape: [qDim(spec), H] });
    out.push({ name: `${p}.self_attn.k_proj.weight`, shape: [kvDim(spec), H] });
    out.push({ name: `${p}.self_attn.v_proj.weight`, shape: [kvDim(spec), H] });
    if (spec.qkvBias) {
      out.push({ name: `${p}.self_attn.q_proj.bias`, shape: [qDim(spec)] });
      out.push({ name: `${p}.self_attn.k_proj.bias`, shape: [kvDim(spec)] });
      out.push({ name: `${p}.self_attn.v_proj.bias`, shape: [kvDim(spec)] });
    }
    if (spec.qkNorm) {
      out.push({ name: `${p}.self_attn.q_norm.weight`, shape: [spec.headDim] });
      out.push({ name: `${p}.self_attn.k_norm.weight`, shape: [spec.headDim] });
    }
    out.push({ name: `${p}.self_attn.o_proj.weight`, shape: [H, qDim(spec)] });
    out.push({ name: `${p}.post_attention_layernorm.weight`, shape: [H] });
    out.push({ name: `${p}.mlp.gate_proj.weight`, shape: [spec.intermediateSize, H] });
    out.push({ name: `${p}.mlp.up_proj.weight`, shape: [spec.intermediateSize, H] });
    out.push({ name: `${p}.mlp.down_proj.weight`, shape: [H, spec.intermediateSize] });
  }
  out.push({ name: 'model.norm.weight', shape: [H] });
  if (!spec.tieWordEmbeddings) out.push({ name: 'lm_head.weight', shape: [spec.vocabSize, H] });
  return out;
}

/** Total parameter count (what HF's `num_parameters()` reports; a tied head counts once). */
export function parameterCount(spec: ModelSpec): number {
  return weightManifest(spec).reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
}
