// The decoder graph of a Llama / Qwen2 / Qwen3 model as ONNX, in the form transformers.js runs for
// `text-generation` (Optimum's decoder-with-past layout):
//   inputs  input_ids [batch_size, sequence_length] i64, attention_mask [batch_size,
//           total_sequence_length] i64, position_ids [batch_size, sequence_length] i64,
//           past_key_values.{i}.key/value [batch_size, num_kv_heads, past_sequence_length, head_dim] f32,
//           num_logits_to_keep [] i64 (0: every position; n: the last n, as transformers.js sets
//           1 while generating, so a long prompt's prefill never holds [S, vocab] logits)
//   outputs logits [batch_size, num_logits, vocab] f32,
//           present.{i}.key/value [batch_size, num_kv_heads, total_sequence_length, head_dim] f32
// transformers.js builds the empty first-step past tensors from these input dims: `batch_size` is
// the only symbol it fills (others become 0), so the names matter.
// Standard opset-17 ops only. Hidden states stay 2-D [tokens, hidden] so every linear layer is a Gemm
// with transB=1 on the HF [out, in] weight (no transposed copy of any weight). fp16 exports keep
// activations in f32: each weight goes through a Cast, which ORT folds once at load.
// Owns the graph's structure; the weight bytes are added by the writer (onnxExport.ts) under the
// HF tensor names listed by `weightManifest(spec)`. Never touches the GPU.
import { lmHeadTensor, qDim, type ModelSpec } from '../model/config.ts';
import { ropeInverseFrequencies } from '../model/rope.ts';
import { OnnxGraphBuilder, TensorType } from './onnxBuilder.ts';

export type OnnxWeightType = 'float32' | 'float16';

/** The mask value for hidden keys: large and finite, so a fully hidden (padding) row stays finite. */
const MASKED = -1e9;

export const pastName = (layer: number, which: 'key' | 'value') => `past_key_values.${layer}.${which}`;
export const presentName = (layer: number, which: 'key' | 'value') => `present.${layer}.${which}`;

/** Adds inputs, nodes and outputs of the decoder to `b`; the weights are referenced by HF name. */
export function buildDecoderGraph(b: OnnxGraphBuilder, spec: ModelSpec, weightType: OnnxWeightType): void {
  const d = spec.headDim;
  const nH = spec.numHeads;
  const nKv = spec.numKvHeads;
  const group = nH / nKv;
  const V = spec.vocabSize;

  const inputIds = b.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const attentionMask = b.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = b.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const keep = b.input('num_logits_to_keep', 'int64', []);
  const past: Array<{ key: string; value: string }> = [];
  for (let l = 0; l < spec.numLayers; l++) {
    past.push({
      key: b.input(pastName(l, 'key'), 'float32', ['batch_size', nKv, 'past_sequence_length', d]),
      value: b.input(pastName(l, 'value'), 'float32', ['batch_size', nKv, 'past_sequence_length', d]),
    });
  }

  // fp16 weights are cast to f32 where used (folded by ORT at session creation).
  const castCache = new Map<string, string>();
  const w = (name: string): string => {
    if (weightType === 'float32') return name;
    let c = castCache.get(name);
    if (!c) castCache.set(name, (c = b.op('Cast', [name], { to: TensorType.FLOAT })));
    return c;
  };

  // Shapes: [B, S] of input_ids, used to go between [tokens, …] and [B, S, …].
  const bs = b.op('Shape', [inputIds]);
  const shapeOf = (...tail: number[]) => b.op('Concat', [bs, b.int64(tail)], { axis: 0 });
  const qShape = shapeOf(nH, d);
  const kvShape = shapeOf(nKv, d);

  // Embedding: [B·S, H].
  let x = b.op('Gather', [w('model.embed_tokens.weight'), b.op('Reshape', [inputIds, b.int64([-1])])], { axis: 0 });

  // RoPE tables from position_ids: θ = p·invFreq, emb = [θ, θ] (HF's half split), cos/sin [B, 1, S, d].
  const invFreq = b.float32(Float32Array.from(ropeInverseFrequencies(spec)), [1, 1, d / 2], 'rope_inv_freq');
  const pos = b.op('Unsqueeze', [b.op('Cast', [positionIds], { to: TensorType.FLOAT }), b.int64([2])]); // [B, S, 1]
  const freqs = b.op('Mul', [pos, invFreq]); // [B, S, d/2]
  const emb = b.op('Unsqueeze', [b.op('Concat', [freqs, freqs], { axis: -1 }), b.int64([1])]); // [B, 1, S, d]
  const cos = b.op('Cos', [emb]);
  const sin = b.op('Sin', [emb]);
  const halves = b.int64([d / 2, d / 2]);
  const rope = (t: string) => {
    // t·cos + rotate_half(t)·sin, rotate_half(t) = [−t₂, t₁]
    const [t1, t2] = b.opN('Split', [t, halves], 2, { axis: -1 });
    const rotated = b.op('Concat', [b.op('Neg', [t2]), t1], { axis: -1 });
    return b.op('Add', [b.op('Mul', [t, cos]), b.op('Mul', [rotated, sin])]);
  };

  // Attention bias [B, 1, 1, S, T]: key j is visible to query i (absolute position P + i) iff
  // j ≤ P + i and attention_mask[b, j] = 1; hidden keys get MASKED.
  const zero = b.int64([0], []);
  const one = b.int64([1], []);
  const T = b.op('Gather', [b.op('Shape', [attentionMask]), one], { axis: 0 }); // scalar
  const S = b.op('Gather', [bs, one], { axis: 0 });
  const queryPos = b.op('Range', [b.op('Sub', [T, S]), T, one]); // [S]
  const keyPos = b.op('Range', [zero, T, one]); // [T]
  const causal = b.op('LessOrEqual', [b.op('Unsqueeze', [keyPos, b.int64([0])]), b.op('Unsqueeze', [queryPos, b.int64([1])])]); // [S, T]
  const padding = b.op('Unsqueeze', [b.op('Cast', [attentionMask], { to: TensorType.BOOL }), b.int64([1, 2, 3])]); // [B, 1, 1, 1, T]
  const visible = b.op('And', [causal, padding]); // [B, 1, 1, S, T]
  const attnBias = b.op('Where', [visible, b.float32([0], []), b.float32([MASKED], [])]);
  const scale = b.float32([1 / Math.sqrt(d)], []);

  const eps = b.float32([spec.rmsNormEps], []);
  const two = b.float32([2], []);
  const rmsNorm = (t: string, weight: string) => {
    // t / √(mean(t²) + eps) · w over the last axis, in f32 (HF's LlamaRMSNorm).
    const meanSq = b.op('ReduceMean', [b.op('Pow', [t, two])], { axes: [-1], keepdims: 1 });
    return b.op('Mul', [b.op('Div', [t, b.op('Sqrt', [b.op('Add', [meanSq, eps])])]), w(weight)]);
  };
  const linear = (t: string, weight: string, bias?: string) => b.op('Gemm', bias ? [t, w(weight), w(bias)] : [t, w(weight)], { transB: 1 });

  for (let l = 0; l < spec.numLayers; l++) {
    const p = `model.layers.${l}`;
    const h = rmsNorm(x, `${p}.input_layernorm.weight`);
    const proj = (m: string) => linear(h, `${p}.self_attn.${m}.weight`, spec.qkvBias ? `${p}.self_attn.${m}.bias` : undefined);
    let q = b.op('Reshape', [proj('q_proj'), qShape]); // [B, S, nH, d]
    let k = b.op('Reshape', [proj('k_proj'), kvShape]); // [B, S, nKv, d]
    const v = b.op('Reshape', [proj('v_proj'), kvShape]);
    if (spec.qkNorm) {
      q = rmsNorm(q, `${p}.self_attn.q_norm.weight`);
      k = rmsNorm(k, `${p}.self_attn.k_norm.weight`);
    }
    q = rope(b.op('Transpose', [q], { perm: [0, 2, 1, 3] })); // [B, nH, S, d]
    k = rope(b.op('Transpose', [k], { perm: [0, 2, 1, 3] })); // [B, nKv, S, d]
    const vT = b.op('Transpose', [v], { perm: [0, 2, 1, 3] });
    const presentK = b.op('Concat', [past[l].key, k], { axis: 2 }, presentName(l, 'key')); // [B, nKv, T, d]
    const presentV = b.op('Concat', [past[l].value, vT], { axis: 2 }, presentName(l, 'value'));

    // Grouped-query attention without repeating k/v: query head h = kv·group + j, so q splits as
    // [B, nKv, group, S, d] and k/v broadcast over the group axis.
    const q5 = b.op('Reshape', [q, b.int64([0, nKv, group, -1, d])]);
    const k5 = b.op('Unsqueeze', [b.op('Transpose', [presentK], { perm: [0, 1, 3, 2] }), b.int64([2])]); // [B, nKv, 1, d, T]
    const v5 = b.op('Unsqueeze', [presentV, b.int64([2])]); // [B, nKv, 1, T, d]
    const scores = b.op('Add', [b.op('Mul', [b.op('MatMul', [q5, k5]), scale]), attnBias]); // [B, nKv, group, S, T]
    const ctx5 = b.op('MatMul', [b.op('Softmax', [scores], { axis: -1 }), v5]); // [B, nKv, group, S, d]
    const ctx = b.op('Transpose', [b.op('Reshape', [ctx5, b.int64([0, nH, -1, d])])], { perm: [0, 2, 1, 3] }); // [B, S, nH, d]
    const attnOut = linear(b.op('Reshape', [ctx, b.int64([-1, qDim(spec)])]), `${p}.self_attn.o_proj.weight`);
    x = b.op('Add', [x, attnOut]);

    const h2 = rmsNorm(x, `${p}.post_attention_layernorm.weight`);
    const gate = linear(h2, `${p}.mlp.gate_proj.weight`);
    const up = linear(h2, `${p}.mlp.up_proj.weight`);
    const act = b.op('Mul', [b.op('Mul', [gate, b.op('Sigmoid', [gate])]), up]); // silu(g)·u
    x = b.op('Add', [x, linear(act, `${p}.mlp.down_proj.weight`)]);
  }

  const final = rmsNorm(x, 'model.norm.weight');
  const head = lmHeadTensor(spec);
  // The last num_logits_to_keep positions of each sequence (-0 = 0 starts at the first: all).
  const start = b.op('Unsqueeze', [b.op('Neg', [keep]), b.int64([0])]);
  const kept = b.op('Slice', [b.op('Reshape', [final, shapeOf(spec.hiddenSize)]), start, b.int64([Number.MAX_SAFE_INTEGER]), b.int64([1])]);
  const batch = b.op('Slice', [bs, b.int64([0]), b.int64([1]), b.int64([0])]);
  const logitsShape = b.op('Concat', [batch, b.int64([-1, V])], { axis: 0 });
  const logits = b.op('Reshape', [linear(b.op('Reshape', [kept, b.int64([-1, spec.hiddenSize])]), head), logitsShape], {}, 'logits');
  b.output(logits, 'logits', 'float32', ['batch_size', 'num_logits', V]);
  for (let l = 0; l < spec.numLayers; l++) {
    b.output(presentName(l, 'key'), presentName(l, 'key'), 'float32', ['batch_size', nKv, 'total_sequence_length', d]);
    b.output(presentName(l, 'value'), presentName(l, 'value'), 'float32', ['batch_size', nKv, 'total_sequence_length', d]);
  }
}
