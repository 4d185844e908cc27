// Plain-TypeScript Float64 reference of the whole decoder (Llama / Qwen2 / Qwen3) with LoRA, and a
// hand-written reverse pass (llm.c style: one forward/backward function per op, side by side)
// that returns dLoss/dA and dLoss/dB for every LoRA tensor. Used only by tests: the GPU engine is
// checked against it, and it is checked against finite differences of itself.
// Clarity over speed: plain loops, shapes in comments, no reuse of buffers. Never imports GPU code.
//
// Loss = Σ_t lossWeights[t] · NLL_t, NLL_t = −log softmax(logits_t)[labels[t]] (labels[t] < 0: skipped).
// Attention mask: per token a document id, 0 = padding. A query attends key j ≤ i when both have the
// same non-zero id, so a 0/1 mask is the usual padding mask and ids 1,2,… isolate packed sequences.
// LoRA dropout is not modelled (the reference is deterministic; the engine's dropout is tested apart).
import { kvDim, qDim, weightManifest, type ModelSpec } from '../../src/model/config.ts';
import type { Checkpoint } from '../../src/model/checkpoint.ts';
import { decodeToFloat64 } from '../../src/model/dtype.ts';
import { LORA_TARGETS, TARGET_MODULES, loraDropoutSeed, loraScale, peftKey, type LoraAdapter, type LoraTarget } from '../../src/model/lora.ts';
import { ropeInverseFrequencies } from '../../src/model/rope.ts';
import { dropoutMaskValue } from '../../src/ops/dropout.ts';
import { readTensorRange } from '../../src/model/safetensors.ts';

/** HF tensor name → values (f64, row-major, [out, in] for linears). */
export type RefWeights = Map<string, Float64Array>;

export interface RefLora {
  scale: number;
  rank: number;
  /** LoRA dropout with the engine's counter-based mask (src/ops/dropout.ts), when training with it. */
  dropout?: { p: number; batchSeed: number };
  /** PEFT key → A [r, in] or B [out, r]; a target is active in a layer when both keys exist. */
  tensors: Map<string, Float64Array>;
}

export function refLoraFromAdapter(adapter: LoraAdapter): RefLora {
  const tensors = new Map<string, Float64Array>();
  for (const [k, v] of adapter.tensors) tensors.set(k, Float64Array.from(v));
  return { scale: loraScale(adapter.settings), rank: adapter.settings.rank, tensors };
}

/** Decodes every weight the spec needs from a checkpoint (bf16/f16/f32 → f64). */
export async function loadReferenceWeights(spec: ModelSpec, ckpt: Checkpoint): Promise<RefWeights> {
  const out: RefWeights = new Map();
  for (const w of weightManifest(spec)) {
    const t = ckpt.tensors.get(w.name);
    if (!t) throw new Error(`reference: checkpoint has no tensor "${w.name}"`);
    out.set(w.name, decodeToFloat64(await readTensorRange(t.source, t), t.dtype));
  }
  return out;
}

function need(weights: RefWeights, name: string): Float64Array {
  const w = weights.get(name);
  if (!w) throw new Error(`reference: weight "${name}" is missing`);
  return w;
}

// ---------------------------------------------------------------------------------------------
// Ops, forward and backward side by side. All row-major f64.

/** y[T,O] = x[T,I] · W[O,I]ᵀ (+ b[O]) */
function linearForward(x: Float64Array, T: number, I: number, W: Float64Array, O: number, b?: Float64Array): Float64Array {
  const y = new Float64Array(T * O);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < O; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < I; i++) s += x[t * I + i] * W[o * I + i];
      y[t * O + o] = s;
    }
  }
  return y;
}

/** dx[T,I] = dy[T,O] · W[O,I] (no weight gradient: base weights are frozen) */
function linearBackwardInput(dy: Float64Array, T: number, O: number, W: Float64Array, I: number): Float64Array {
  const dx = new Float64Array(T * I);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < O; o++) {
      const g = dy[t * O + o];
      if (g === 0) continue;
      for (let i = 0; i < I; i++) dx[t * I + i] += g * W[o * I + i];
    }
  }
  return dx;
}

/** dW[O,I] = dy[T,O]ᵀ · x[T,I] (used for LoRA A and B) */
function weightGrad(dy: Float64Array, T: number, O: number, x: Float64Array, I: number): Float64Array {
  const dW = new Float64Array(O * I);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < O; o++) {
      const g = dy[t * O + o];
      if (g === 0) continue;
      for (let i = 0; i < I; i++) dW[o * I + i] += g * x[t * I + i];
    }
  }
  return dW;
}

/** y = x · rstd · w per row of n, rstd = 1/√(mean(x²) + eps) */
function rmsnormForward(x: Float64Array, rows: number, n: number, w: Float64Array, eps: number): { y: Float64Array; rstd: Float64Array } {
  const y = new Float64Array(rows * n);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[r * n + i] ** 2;
    const s = 1 / Math.sqrt(ss / n + eps);
    rstd[r] = s;
    for (let i = 0; i < n; i++) y[r * n + i] = x[r * n + i] * s * w[i];
  }
  return { y, rstd };
}

/** dx = rstd · (g − x̂ · mean(g · x̂)), with g = dy · w and x̂ = x · rstd */
function rmsnormBackward(dy: Float64Array, x: Float64Array, rstd: Float64Array, rows: number, n: number, w: Float64Array): Float64Array {
  const dx = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const s = rstd[r];
    let dot = 0;
    for (let i = 0; i < n; i++) dot += dy[r * n + i] * w[i] * x[r * n + i] * s;
    dot /= n;
    for (let i = 0; i < n; i++) dx[r * n + i] = s * (dy[r * n + i] * w[i] - x[r * n + i] * s * dot);
  }
  return dx;
}

/** HF half-split rotation of each head by angle pos·θ_i; sign −1 is the inverse (its backward). */
function rope(x: Float64Array, T: number, heads: number, d: number, positions: ArrayLike<number>, invFreq: Float64Array, sign: 1 | -1): Float64Array {
  const y = new Float64Array(x.length);
  const half = d / 2;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * d;
      for (let i = 0; i < half; i++) {
        const a = positions[t] * invFreq[i];
        const c = Math.cos(a);
        const s = sign * Math.sin(a);
        const x1 = x[base + i];
        const x2 = x[base + i + half];
        y[base + i] = x1 * c - x2 * s;
        y[base + i + half] = x2 * c + x1 * s;
      }
    }
  }
  return y;
}

function visible(mask: ArrayLike<number>, i: number, j: number): boolean {
  return j <= i && mask[j] !== 0 && mask[j] === mask[i];
}

/** Causal GQA attention. q [T, nH·d], k/v [T, nKV·d] → out [T, nH·d]; probs [nH, T, T] kept for backward. */
function attentionForward(q: Float64Array, k: Float64Array, v: Float64Array, T: number, nH: number, nKV: number, d: number, mask: ArrayLike<number>) {
  const out = new Float64Array(T * nH * d);
  const probs = new Float64Array(nH * T * T);
  const scale = 1 / Math.sqrt(d);
  const group = nH / nKV;
  for (let h = 0; h < nH; h++) {
    const kh = Math.floor(h / group);
    for (let i = 0; i < T; i++) {
      let max = -Infinity;
      const s = new Float64Array(T).fill(-Infinity);
      for (let j = 0; j < T; j++) {
        if (!visible(mask, i, j)) continue;
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[(i * nH + h) * d + c] * k[(j * nKV + kh) * d + c];
        s[j] = dot * scale;
        max = Math.max(max, s[j]);
      }
      if (max === -Infinity) continue; // padding query: no keys, output stays 0
      let z = 0;
      for (let j = 0; j < T; j++) z += s[j] === -Infinity ? 0 : Math.exp(s[j] - max);
      for (let j = 0; j < T; j++) {
        const p = s[j] === -Infinity ? 0 : Math.exp(s[j] - max) / z;
        probs[(h * T + i) * T + j] = p;
        if (p === 0) continue;
        for (let c = 0; c < d; c++) out[(i * nH + h) * d + c] += p * v[(j * nKV + kh) * d + c];
      }
    }
  }
  return { out, probs };
}

/** dv_j += p_ij·do_i; dp_ij = do_i·v_j; ds_ij = p_ij(dp_ij − Σ_k p_ik dp_ik); dq_i += scale·ds_ij·k_j; dk_j += scale·ds_ij·q_i */
function attentionBackward(dout: Float64Array, q: Float64Array, k: Float64Array, v: Float64Array, probs: Float64Array, T: number, nH: number, nKV: number, d: number) {
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  const scale = 1 / Math.sqrt(d);
  const group = nH / nKV;
  for (let h = 0; h < nH; h++) {
    const kh = Math.floor(h / group);
    for (let i = 0; i < T; i++) {
      const dp = new Float64Array(T);
      let rowDot = 0;
      for (let j = 0; j < T; j++) {
        const p = probs[(h * T + i) * T + j];
        if (p === 0) continue;
        let s = 0;
        for (let c = 0; c < d; c++) {
          s += dout[(i * nH + h) * d + c] * v[(j * nKV + kh) * d + c];
          dv[(j * nKV + kh) * d + c] += p * dout[(i * nH + h) * d + c];
        }
        dp[j] = s;
        rowDot += p * s;
      }
      for (let j = 0; j < T; j++) {
        const p = probs[(h * T + i) * T + j];
        if (p === 0) continue;
        const ds = p * (dp[j] - rowDot) * scale;
        for (let c = 0; c < d; c++) {
          dq[(i * nH + h) * d + c] += ds * k[(j * nKV + kh) * d + c];
          dk[(j * nKV + kh) * d + c] += ds * q[(i * nH + h) * d + c];
        }
      }
    }
  }
  return { dq, dk, dv };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** a = silu(g) · u */
function swigluForward(g: Float64Array, u: Float64Array): Float64Array {
  return g.map((gi, i) => gi * sigmoid(gi) * u[i]);
}

/** dg = da·u·σ(g)(1 + g(1 − σ(g))), du = da·silu(g) */
function swigluBackward(da: Float64Array, g: Float64Array, u: Float64Array) {
  const dg = new Float64Array(g.length);
  const du = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) {
    const s = sigmoid(g[i]);
    dg[i] = da[i] * u[i] * s * (1 + g[i] * (1 - s));
    du[i] = da[i] * g[i] * s;
  }
  return { dg, du };
}

/** Σ_t w_t·(logsumexp(z_t) − z_t[y_t]) and dz = w_t·(softmax(z_t) − onehot(y_t)) */
function crossEntropy(logits: Float64Array, T: number, V: number, labels: ArrayLike<number>, weights: ArrayLike<number>) {
  const dlogits = new Float64Array(T * V);
  const nll = new Float64Array(T);
  let loss = 0;
  for (let t = 0; t < T; t++) {
    if (labels[t] < 0 || weights[t] === 0) continue;
    let max = -Infinity;
    for (let c = 0; c < V; c++) max = Math.max(max, logits[t * V + c]);
    let z = 0;
    for (let c = 0; c < V; c++) z += Math.exp(logits[t * V + c] - max);
    const lse = max + Math.log(z);
    nll[t] = lse - logits[t * V + labels[t]];
    loss += weights[t] * nll[t];
    for (let c = 0; c < V; c++) dlogits[t * V + c] = weights[t] * Math.exp(logits[t * V + c] - lse);
    dlogits[t * V + labels[t]] -= weights[t];
  }
  return { loss, nll, dlogits };
}

// ---------------------------------------------------------------------------------------------
// LoRA projections: y = x·Wᵀ + b + scale·(x·Aᵀ)·Bᵀ

interface ProjCache {
  /** x·Aᵀ [T, r], null when this projection has no adapter. */
  h: Float64Array | null;
}

function loraPair(lora: RefLora | null, layer: number, target: LoraTarget) {
  if (!lora) return null;
  const A = lora.tensors.get(peftKey(layer, target, 'A'));
  const B = lora.tensors.get(peftKey(layer, target, 'B'));
  return A && B ? { A, B } : null;
}

function projName(layer: number, target: LoraTarget, kind: 'weight' | 'bias'): string {
  const { block, module } = TARGET_MODULES[target];
  return `model.layers.${layer}.${block}.${module}.${kind}`;
}

function projForward(weights: RefWeights, lora: RefLora | null, layer: number, target: LoraTarget, x: Float64Array, T: number, I: number, O: number) {
  const y = linearForward(x, T, I, need(weights, projName(layer, target, 'weight')), O, weights.get(projName(layer, target, 'bias')));
  const pair = loraPair(lora, layer, target);
  const cache: ProjCache = { h: null };
  if (pair && lora) {
    const r = lora.rank;
    const h = linearForward(dropped(lora, layer, target, x), T, I, pair.A, r); // [T, r]
    const delta = linearForward(h, T, r, pair.B, O); // [T, O]
    for (let i = 0; i < y.length; i++) y[i] += lora.scale * delta[i];
    cache.h = h;
  }
  return { y, cache };
}

/** x ⊙ mask/(1−p) with the engine's mask for this layer and target (x itself without dropout). */
function dropped(lora: RefLora, layer: number, target: LoraTarget, x: Float64Array): Float64Array {
  if (!lora.dropout) return x;
  const { p, batchSeed } = lora.dropout;
  const seed = loraDropoutSeed(batchSeed, layer, target);
  return x.map((v, i) => v * dropoutMaskValue(i, seed, p));
}

/** Returns dx; adds dA = (scale·dy·B)ᵀ·x and dB = scale·dyᵀ·h into `grads`. */
function projBackward(
  weights: RefWeights, lora: RefLora | null, grads: Map<string, Float64Array>, layer: number, target: LoraTarget,
  dy: Float64Array, x: Float64Array, cache: ProjCache, T: number, I: number, O: number,
): Float64Array {
  const dx = linearBackwardInput(dy, T, O, need(weights, projName(layer, target, 'weight')), I);
  const pair = loraPair(lora, layer, target);
  if (pair && lora && cache.h) {
    const r = lora.rank;
    const dB = weightGrad(dy, T, O, cache.h, r).map((g) => g * lora.scale); // [O, r]
    const dh = linearBackwardInput(dy, T, O, pair.B, r).map((g) => g * lora.scale); // [T, r]
    const dA = weightGrad(dh, T, r, dropped(lora, layer, target, x), I); // [r, I]
    const dxLora = dropped(lora, layer, target, linearBackwardInput(dh, T, r, pair.A, I));
    for (let i = 0; i < dx.length; i++) dx[i] += dxLora[i];
    grads.set(peftKey(layer, target, 'A'), dA);
    grads.set(peftKey(layer, target, 'B'), dB);
  }
  return dx;
}

// ---------------------------------------------------------------------------------------------
// The model

interface LayerCache {
  x: Float64Array; // [T, H] layer input
  xn1: Float64Array; // [T, H]
  rstd1: Float64Array; // [T]
  qPre: Float64Array; // [T, qd] after projection (+bias), before q_norm
  kPre: Float64Array;
  qNormed: Float64Array; // after q_norm (= qPre without Qwen3), before RoPE
  kNormed: Float64Array;
  rstdQ: Float64Array | null; // [T·nH]
  rstdK: Float64Array | null; // [T·nKV]
  q: Float64Array; // post-RoPE
  k: Float64Array;
  v: Float64Array;
  probs: Float64Array; // [nH, T, T]
  attn: Float64Array; // [T, qd] = o-proj input
  h: Float64Array; // [T, H] residual after attention
  xn2: Float64Array;
  rstd2: Float64Array;
  gate: Float64Array; // [T, I]
  up: Float64Array;
  act: Float64Array;
  proj: Record<LoraTarget, ProjCache>;
}

interface ForwardState {
  layers: LayerCache[];
  xFinal: Float64Array; // [T, H] last layer output
  xn: Float64Array; // final norm output
  rstd: Float64Array;
  logits: Float64Array; // [T, V]
}

function run(spec: ModelSpec, weights: RefWeights, lora: RefLora | null, inputIds: ArrayLike<number>, positions?: ArrayLike<number>, attentionMask?: ArrayLike<number>): ForwardState {
  const T = inputIds.length;
  const H = spec.hiddenSize;
  const I = spec.intermediateSize;
  const V = spec.vocabSize;
  const d = spec.headDim;
  const nH = spec.numHeads;
  const nKV = spec.numKvHeads;
  const pos = positions ?? Array.from({ length: T }, (_, t) => t);
  const mask = attentionMask ?? new Array<number>(T).fill(1);
  if (pos.length !== T || mask.length !== T) throw new Error(`reference: positions (${pos.length}) and mask (${mask.length}) must have ${T} entries`);
  const invFreq = ropeInverseFrequencies(spec);
  const embed = need(weights, 'model.embed_tokens.weight');

  let x = new Float64Array(T * H); // embedding lookup
  for (let t = 0; t < T; t++) {
    const id = inputIds[t];
    if (!(id >= 0 && id < V)) throw new Error(`reference: token id ${id} at position ${t} is outside the vocabulary of ${V}`);
    x.set(embed.subarray(id * H, (id + 1) * H), t * H);
  }

  const layers: LayerCache[] = [];
  for (let l = 0; l < spec.numLayers; l++) {
    const p = `model.layers.${l}`;
    const n1 = rmsnormForward(x, T, H, need(weights, `${p}.input_layernorm.weight`), spec.rmsNormEps);
    const pq = projForward(weights, lora, l, 'q', n1.y, T, H, qDim(spec));
    const pk = projForward(weights, lora, l, 'k', n1.y, T, H, kvDim(spec));
    const pv = projForward(weights, lora, l, 'v', n1.y, T, H, kvDim(spec));
    let qNormed = pq.y;
    let kNormed = pk.y;
    let rstdQ: Float64Array | null = null;
    let rstdK: Float64Array | null = null;
    if (spec.qkNorm) {
      const nq = rmsnormForward(pq.y, T * nH, d, need(weights, `${p}.self_attn.q_norm.weight`), spec.rmsNormEps);
      const nk = rmsnormForward(pk.y, T * nKV, d, need(weights, `${p}.self_attn.k_norm.weight`), spec.rmsNormEps);
      [qNormed, rstdQ, kNormed, rstdK] = [nq.y, nq.rstd, nk.y, nk.rstd];
    }
    const q = rope(qNormed, T, nH, d, pos, invFreq, 1);
    const k = rope(kNormed, T, nKV, d, pos, invFreq, 1);
    const { out: attn, probs } = attentionForward(q, k, pv.y, T, nH, nKV, d, mask);
    const po = projForward(weights, lora, l, 'o', attn, T, qDim(spec), H);
    const h = x.map((xi, i) => xi + po.y[i]);
    const n2 = rmsnormForward(h, T, H, need(weights, `${p}.post_attention_layernorm.weight`), spec.rmsNormEps);
    const pg = projForward(weights, lora, l, 'gate', n2.y, T, H, I);
    const pu = projForward(weights, lora, l, 'up', n2.y, T, H, I);
    const act = swigluForward(pg.y, pu.y);
    const pd = projForward(weights, lora, l, 'down', act, T, I, H);
    const out = h.map((hi, i) => hi + pd.y[i]);
    layers.push({
      x, xn1: n1.y, rstd1: n1.rstd, qPre: pq.y, kPre: pk.y, qNormed, kNormed, rstdQ, rstdK, q, k, v: pv.y, probs, attn, h,
      xn2: n2.y, rstd2: n2.rstd, gate: pg.y, up: pu.y, act,
      proj: { q: pq.cache, k: pk.cache, v: pv.cache, o: po.cache, gate: pg.cache, up: pu.cache, down: pd.cache },
    });
    x = out;
  }
  const fin = rmsnormForward(x, T, H, need(weights, 'model.norm.weight'), spec.rmsNormEps);
  const head = spec.tieWordEmbeddings ? embed : need(weights, 'lm_head.weight');
  const logits = linearForward(fin.y, T, H, head, V);
  return { layers, xFinal: x, xn: fin.y, rstd: fin.rstd, logits };
}

/** logits [T, V] (f64) for one sequence. */
export function referenceForward(
  spec: ModelSpec, weights: RefWeights, lora: RefLora | null, inputIds: ArrayLike<number>, positions?: ArrayLike<number>, attentionMask?: ArrayLike<number>,
): { logits: Float64Array } {
  return { logits: run(spec, weights, lora, inputIds, positions, attentionMask).logits };
}

/** What each layer's weight matrices multiply, for one sequence: the attention norm's output (q, k,
 * v), the attention's (o), the MLP norm's (gate, up) and the SwiGLU's (down), each [T, width]. */
export function referenceLayerInputs(
  spec: ModelSpec, weights: RefWeights, lora: RefLora | null, inputIds: ArrayLike<number>,
): Array<{ h1: Float64Array; att: Float64Array; h2: Float64Array; act: Float64Array }> {
  return run(spec, weights, lora, inputIds).layers.map((l) => ({ h1: l.xn1, att: l.attn, h2: l.xn2, act: l.act }));
}

/** Σ_t lossWeights[t]·NLL_t for next-token labels (−1 or weight 0 = no loss). */
export function referenceLoss(
  spec: ModelSpec, weights: RefWeights, lora: RefLora | null, inputIds: ArrayLike<number>, labels: ArrayLike<number>, lossWeights: ArrayLike<number>,
  positions?: ArrayLike<number>, attentionMask?: ArrayLike<number>,
): { loss: number; nll: Float64Array } {
  const { logits } = run(spec, weights, lora, inputIds, positions, attentionMask);
  const { loss, nll } = crossEntropy(logits, inputIds.length, spec.vocabSize, labels, lossWeights);
  return { loss, nll };
}

/** Loss and dLoss/d(every LoRA tensor), keyed by PEFT key, by a hand-written reverse pass. */
export function referenceLoraGrads(
  spec: ModelSpec, weights: RefWeights, lora: RefLora, inputIds: ArrayLike<number>, labels: ArrayLike<number>, lossWeights: ArrayLike<number>,
  positions?: ArrayLike<number>, attentionMask?: ArrayLike<number>,
): { loss: number; nll: Float64Array; grads: Map<string, Float64Array> } {
  const T = inputIds.length;
  const H = spec.hiddenSize;
  const I = spec.intermediateSize;
  const V = spec.vocabSize;
  const d = spec.headDim;
  const nH = spec.numHeads;
  const nKV = spec.numKvHeads;
  const pos = positions ?? Array.from({ length: T }, (_, t) => t);
  const invFreq = ropeInverseFrequencies(spec);
  const st = run(spec, weights, lora, inputIds, positions, attentionMask);
  const { loss, nll, dlogits } = crossEntropy(st.logits, T, V, labels, lossWeights);
  const grads = new Map<string, Float64Array>();

  const head = spec.tieWordEmbeddings ? need(weights, 'model.embed_tokens.weight') : need(weights, 'lm_head.weight');
  const dxn = linearBackwardInput(dlogits, T, V, head, H);
  let dx = rmsnormBackward(dxn, st.xFinal, st.rstd, T, H, need(weights, 'model.norm.weight'));

  for (let l = spec.numLayers - 1; l >= 0; l--) {
    const c = st.layers[l];
    const p = `model.layers.${l}`;
    // out = h + down(swiglu(gate(xn2), up(xn2)))
    const dact = projBackward(weights, lora, grads, l, 'down', dx, c.act, c.proj.down, T, I, H);
    const { dg, du } = swigluBackward(dact, c.gate, c.up);
    const dxn2 = projBackward(weights, lora, grads, l, 'gate', dg, c.xn2, c.proj.gate, T, H, I);
    const dxn2u = projBackward(weights, lora, grads, l, 'up', du, c.xn2, c.proj.up, T, H, I);
    for (let i = 0; i < dxn2.length; i++) dxn2[i] += dxn2u[i];
    const dh = rmsnormBackward(dxn2, c.h, c.rstd2, T, H, need(weights, `${p}.post_attention_layernorm.weight`));
    for (let i = 0; i < dh.length; i++) dh[i] += dx[i];
    // h = x + o(attention(rope(norm(q)), rope(norm(k)), v))
    const dattn = projBackward(weights, lora, grads, l, 'o', dh, c.attn, c.proj.o, T, qDim(spec), H);
    const { dq, dk, dv } = attentionBackward(dattn, c.q, c.k, c.v, c.probs, T, nH, nKV, d);
    let dqPre = rope(dq, T, nH, d, pos, invFreq, -1);
    let dkPre = rope(dk, T, nKV, d, pos, invFreq, -1);
    if (spec.qkNorm) {
      dqPre = rmsnormBackward(dqPre, c.qPre, c.rstdQ!, T * nH, d, need(weights, `${p}.self_attn.q_norm.weight`));
      dkPre = rmsnormBackward(dkPre, c.kPre, c.rstdK!, T * nKV, d, need(weights, `${p}.self_attn.k_norm.weight`));
    }
    const dxn1 = projBackward(weights, lora, grads, l, 'q', dqPre, c.xn1, c.proj.q, T, H, qDim(spec));
    const dxn1k = projBackward(weights, lora, grads, l, 'k', dkPre, c.xn1, c.proj.k, T, H, kvDim(spec));
    const dxn1v = projBackward(weights, lora, grads, l, 'v', dv, c.xn1, c.proj.v, T, H, kvDim(spec));
    for (let i = 0; i < dxn1.length; i++) dxn1[i] += dxn1k[i] + dxn1v[i];
    const dxNorm = rmsnormBackward(dxn1, c.x, c.rstd1, T, H, need(weights, `${p}.input_layernorm.weight`));
    dx = dh.map((g, i) => g + dxNorm[i]);
  }
  // Every LoRA tensor gets an entry, even if no token reached it.
  for (const key of lora.tensors.keys()) if (!grads.has(key)) grads.set(key, new Float64Array(lora.tensors.get(key)!.length));
  return { loss, nll, grads };
}

/** All LoRA targets in LORA_TARGETS order that have tensors in layer `layer`. */
export function activeTargets(lora: RefLora, layer: number): LoraTarget[] {
  return LORA_TARGETS.filter((t) => loraPair(lora, layer, t) !== null);
}
