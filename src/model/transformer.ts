// The LoRA transformer on the GPU, explicit per layer like llm.c: `layerForward` is the
// architecture read top to bottom, `layerBackward` the same list in reverse. Frozen weights stay
// in their file dtype; only LoRA A/B receive gradients (accumulated into lora.grads across
// micro-batches). Everything is recorded into gpu.recorder; nothing here reads back.
//
// Per layer (pre-norm decoder, Llama/Qwen2/Qwen3):
//   h1 = rms(x)·w_in;  q,k,v = h1·Wᵀ (+b) + s·(h1·Aᵀ)·Bᵀ;  [Qwen3: q,k = rms_head(q,k)]
//   q,k = rope(q,k);  att = softmax(q·kᵀ/√d + causal/padding mask)·v
//   x_mid = x + att·W_oᵀ (+LoRA);  h2 = rms(x_mid)·w_post
//   x_out = x_mid + (silu(h2·W_gᵀ)·(h2·W_uᵀ))·W_dᵀ   (each projection with its LoRA path)
import { matmul } from '../ops/matmul.ts';
import { rmsNormBackward, rmsNormForward, headRmsNormBackward, headRmsNormForward } from '../ops/rmsNorm.ts';
import { ropeBackward, ropeForward } from '../ops/rope.ts';
import { attentionBackward, attentionForward, type AttentionShape } from '../ops/attention.ts';
import { swigluBackward, swigluForward } from '../ops/swiglu.ts';
import { embeddingForward } from '../ops/embedding.ts';
import { dropout } from '../ops/dropout.ts';
import { loraDecode, loraDecodeFits } from '../ops/loraDecode.ts';
import type { Gpu } from '../gpu/index.ts';
import { kvDim, qDim, type ModelSpec } from './config.ts';
import type { DeviceWeights } from './deviceWeights.ts';
import type { DeviceLora, LoraPair } from './deviceLora.ts';
import type { Activations, LayerActivations } from './activations.ts';
import { loraDropoutModule, type LoraTarget } from './lora.ts';

const COPY_SRC = 0x4;

/** The GPU side of one micro-batch (see train/batching.ts for how the arrays are built). */
export interface BatchBuffers {
  B: number;
  T: number;
  inputIds: GPUBuffer; // [B·T] i32/u32
  positions: GPUBuffer; // [B·T] u32
  /** Attention visibility ids [B·T] u32: 0 padding, equal non-zero ids = one sequence. */
  attnSegments: GPUBuffer;
}

export interface ModelState {
  gpu: Gpu;
  spec: ModelSpec;
  weights: DeviceWeights;
  lora: DeviceLora | null;
  acts: Activations;
  /** RoPE inverse frequencies [headDim/2] f32 (rope scaling applied). */
  invFreq: GPUBuffer;
  /** LoRA dropout of the current training micro-batch; null in evaluation and generation. */
  dropout?: { p: number; batchSeed: number } | null;
}

function layerActs(m: ModelState, l: number): LayerActivations {
  return m.acts.recompute ? m.acts.layers[0] : m.acts.layers[l];
}

function loraPair(m: ModelState, l: number, t: LoraTarget): LoraPair | undefined {
  return m.lora?.slots[l]?.[t];
}

interface LinearArgs {
  x: GPUBuffer;
  W: GPUBuffer;
  y: GPUBuffer;
  tokens: number;
  inF: number;
  outF: number;
  bias?: GPUBuffer;
  accumulate?: boolean;
  lora?: LoraUse;
}

interface LoraUse {
  pair: LoraPair;
  u: GPUBuffer;
  /** This layer and target's number for its dropout mask seed (when dropout is on). */
  dropModule: number | null;
}

/** One module's mask seed: loraDropoutSeed(m.dropout.batchSeed, layer, target), derived by the kernel
 * from the micro-batch seed that recordDropoutSeed put in grads.dropSeed. */
function dropoutSeed(m: ModelState, module: number): { batchSeed: GPUBuffer; module: number } {
  const batchSeed = m.acts.grads.dropSeed;
  if (!batchSeed) throw new Error('LoRA dropout is on, but the activations were planned without it');
  return { batchSeed, module };
}

/** Puts the micro-batch's dropout seed where the kernels read it, through the command stream: a queue
 * write would land before earlier micro-batches' work that is recorded but not yet submitted. */
function recordDropoutSeed(m: ModelState): void {
  if (!m.dropout || m.dropout.p === 0) return;
  const dst = dropoutSeed(m, 0).batchSeed;
  const src = m.gpu.ctx.device.createBuffer({ label: 'dropout.batchSeed', size: 4, usage: COPY_SRC, mappedAtCreation: true });
  new Uint32Array(src.getMappedRange()).set([m.dropout.batchSeed >>> 0]);
  src.unmap();
  m.gpu.recorder.copy(src, 0, dst, 0, 4);
  m.gpu.recorder.retire(src);
}

/** The LoRA input: x itself, or x with this adapter's dropout mask applied (into grads.dropX). */
async function loraInput(m: ModelState, x: GPUBuffer, n: number, lora: LoraUse): Promise<GPUBuffer> {
  if (lora.dropModule === null || !m.dropout) return x;
  const dropX = m.acts.grads.dropX!;
  await dropout(m.gpu, { src: x, dst: dropX, n, p: m.dropout.p, seed: dropoutSeed(m, lora.dropModule) });
  return dropX;
}

/** y (+)= x·Wᵀ (+ b) + s·(drop(x)·Aᵀ)·Bᵀ, saving u = drop(x)·Aᵀ for the backward. */
async function linearForward(m: ModelState, a: LinearArgs): Promise<void> {
  const { gpu } = m;
  await matmul(gpu, { a: a.x, b: a.W, c: a.y, M: a.tokens, N: a.outF, K: a.inF, transB: true, bDtype: m.weights.dtype, bias: a.bias, accumulate: a.accumulate });
  if (a.lora && m.lora) {
    const { A, B } = a.lora.pair;
    const r = A.rows;
    const xl = await loraInput(m, a.x, a.tokens * a.inF, a.lora);
    await matmul(gpu, { a: xl, b: m.lora.params, offsetB: A.offset, c: a.lora.u, M: a.tokens, N: r, K: a.inF, transB: true });
    await matmul(gpu, { a: a.lora.u, b: m.lora.params, offsetB: B.offset, c: a.y, M: a.tokens, N: a.outF, K: r, transB: true, alpha: m.lora.scale, accumulate: true });
  }
}

interface LinearBackwardArgs {
  dy: GPUBuffer;
  x: GPUBuffer;
  W: GPUBuffer;
  dx: GPUBuffer;
  tokens: number;
  inF: number;
  outF: number;
  accumulateDx: boolean;
  lora?: LoraUse;
}

/** dx (+)= dy·W (+ drop(du·A));  dB += s·dyᵀ·u;  du = s·dy·B;  dA += duᵀ·drop(x). */
async function linearBackward(m: ModelState, a: LinearBackwardArgs): Promise<void> {
  const { gpu } = m;
  await matmul(gpu, { a: a.dy, b: a.W, c: a.dx, M: a.tokens, N: a.inF, K: a.outF, bDtype: m.weights.dtype, accumulate: a.accumulateDx });
  if (a.lora && m.lora) {
    const { A, B } = a.lora.pair;
    const r = A.rows;
    const s = m.lora.scale;
    const du = m.acts.grads.dLoraU;
    await matmul(gpu, { a: a.dy, b: a.lora.u, c: m.lora.grads, offsetC: B.offset, M: a.outF, N: r, K: a.tokens, transA: true, alpha: s, accumulate: true });
    await matmul(gpu, { a: a.dy, b: m.lora.params, offsetB: B.offset, c: du, M: a.tokens, N: r, K: a.outF, alpha: s });
    // The mask is regenerated from its seed rather than stored.
    const xl = await loraInput(m, a.x, a.tokens * a.inF, a.lora);
    await matmul(gpu, { a: du, b: xl, c: m.lora.grads, offsetC: A.offset, M: r, N: a.inF, K: a.tokens, transA: true, accumulate: true });
    if (a.lora.dropModule !== null && m.dropout) {
      const dropG = m.acts.grads.dropG!;
      await matmul(gpu, { a: du, b: m.lora.params, offsetB: A.offset, c: dropG, M: a.tokens, N: a.inF, K: r });
      await dropout(gpu, { src: dropG, dst: a.dx, n: a.tokens * a.inF, p: m.dropout.p, seed: dropoutSeed(m, a.lora.dropModule), accumulate: true });
    } else {
      await matmul(gpu, { a: du, b: m.lora.params, offsetB: A.offset, c: a.dx, M: a.tokens, N: a.inF, K: r, accumulate: true });
    }
  }
}

/** One projection of a group that reads the same input (q, k, v; gate, up; o; down). */
interface GroupMember {
  target: LoraTarget;
  W: GPUBuffer;
  y: GPUBuffer;
  outF: number;
  bias?: GPUBuffer;
  accumulate?: boolean;
}

/**
 * The projections of one input: each base product, each with its LoRA path (u kept for the
 * backward). With `fuseLora` (a pass no backward follows, a decode step's few rows) the base products
 * come first and every member's LoRA share is then added by one dispatch (ops/loraDecode.ts).
 */
async function projectionsForward(m: ModelState, l: number, a: LayerBuffers, x: GPUBuffer, tokens: number, inF: number, members: GroupMember[], fuseLora: boolean): Promise<void> {
  const lora = m.lora;
  const fused = fuseLora && lora !== null && (!m.dropout || m.dropout.p === 0) ? members.filter((g) => loraPair(m, l, g.target)) : [];
  if (fused.length === 0 || !loraDecodeFits(tokens, lora!.settings.rank, fused.length)) {
    for (const g of members) await linearForward(m, { x, W: g.W, y: g.y, tokens, inF, outF: g.outF, bias: g.bias, accumulate: g.accumulate, lora: withLora(m, l, g.target, a) });
    return;
  }
  for (const g of members) await linearForward(m, { x, W: g.W, y: g.y, tokens, inF, outF: g.outF, bias: g.bias, accumulate: g.accumulate });
  const targets = fused.map((g) => {
    const pair = loraPair(m, l, g.target)!;
    return { offA: pair.A.offset, offB: pair.B.offset, outF: g.outF, y: g.y };
  });
  await loraDecode(m.gpu, { x, lora: lora!.params, scale: lora!.scale, M: tokens, K: inF, r: lora!.settings.rank, targets });
}

function attentionShape(m: ModelState, batch: BatchBuffers): AttentionShape {
  return { batch: batch.B, seqLen: batch.T, nHeads: m.spec.numHeads, nKvHeads: m.spec.numKvHeads, headDim: m.spec.headDim };
}

function withLora(m: ModelState, l: number, t: LoraTarget, a: Pick<LayerActivations, 'loraU'>): LoraUse | undefined {
  const pair = loraPair(m, l, t);
  const u = a.loraU[t];
  if (!pair || !u) return undefined;
  const dropModule = m.dropout && m.dropout.p > 0 ? loraDropoutModule(l, t) : null;
  return { pair, u, dropModule };
}

/** The buffers one pass through a layer writes: a training layer's saved activations, or a decode
 * step's scratch (one set shared by every layer, with one LoRA u buffer for every target). */
export type LayerBuffers = Omit<LayerActivations, 'lse'>;

/** Everything a layer needs besides the model: rows, where the residual stream comes from and goes,
 * its buffers, and the attention that rotates q and k (RoPE) and turns q, k, v into `att` (full
 * causal attention over the micro-batch when training or prefilling; one dispatch that rotates and
 * appends to the KV cache, then decode attention, when generating). One layer function serves both. */
export interface LayerPass {
  rows: number;
  x: GPUBuffer;
  out: GPUBuffer;
  buf: LayerBuffers;
  attend(): Promise<void>;
  /** No backward follows (decoding): each input's LoRA shares may run as one fused dispatch. */
  fuseLora?: boolean;
}

export async function layerForwardPass(m: ModelState, l: number, io: LayerPass): Promise<void> {
  const { gpu, spec } = m;
  const w = m.weights.layers[l];
  const a = io.buf;
  const { x, out } = io;
  const N = io.rows;
  const H = spec.hiddenSize;
  const I = spec.intermediateSize;
  const qd = qDim(spec);
  const kvd = kvDim(spec);
  const dt = m.weights.dtype;
  const eps = spec.rmsNormEps;

  await rmsNormForward(gpu, { x, weight: w.inputNorm, weightDtype: dt, y: a.h1, rstd: a.rstd1, rows: N, C: H, eps });
  const fuse = io.fuseLora ?? false;
  await projectionsForward(m, l, a, a.h1, N, H, [
    { target: 'q', W: w.q, y: a.qPre, outF: qd, bias: w.qBias },
    { target: 'k', W: w.k, y: a.kPre, outF: kvd, bias: w.kBias },
    { target: 'v', W: w.v, y: a.v, outF: kvd, bias: w.vBias },
  ], fuse);
  if (spec.qkNorm) {
    await headRmsNormForward(gpu, { x: a.qPre, weight: w.qNorm!, weightDtype: dt, y: a.q, rstd: a.qRstd, tokens: N, heads: spec.numHeads, headDim: spec.headDim, eps });
    await headRmsNormForward(gpu, { x: a.kPre, weight: w.kNorm!, weightDtype: dt, y: a.k, rstd: a.kRstd, tokens: N, heads: spec.numKvHeads, headDim: spec.headDim, eps });
  }
  await io.attend();
  // A decode step keeps one residual buffer (x = xMid = out) and adds to it in place: no copies.
  if (a.xMid !== x) gpu.recorder.copy(x, 0, a.xMid, 0, N * H * 4);
  await projectionsForward(m, l, a, a.att, N, qd, [{ target: 'o', W: w.o, y: a.xMid, outF: H, accumulate: true }], fuse);
  await rmsNormForward(gpu, { x: a.xMid, weight: w.postNorm, weightDtype: dt, y: a.h2, rstd: a.rstd2, rows: N, C: H, eps });
  await projectionsForward(m, l, a, a.h2, N, H, [
    { target: 'gate', W: w.gate, y: a.gate, outF: I },
    { target: 'up', W: w.up, y: a.up, outF: I },
  ], fuse);
  await swigluForward(gpu, { gate: a.gate, up: a.up, out: a.act, n: N * I });
  if (out !== a.xMid) gpu.recorder.copy(a.xMid, 0, out, 0, N * H * 4);
  await projectionsForward(m, l, a, a.act, N, I, [{ target: 'down', W: w.down, y: out, outF: H, accumulate: true }], fuse);
}

/** A training (or prefill) layer: its saved activations, causal attention over the micro-batch.
 * A prefill chunk whose keys are partly in the KV cache brings its own `attention` from rotated q, k
 * and v to `att` (appending k and v to the cache first). */
export async function layerForward(m: ModelState, l: number, batch: BatchBuffers, attention?: (a: LayerActivations) => Promise<void>): Promise<void> {
  const a = layerActs(m, l);
  await layerForwardPass(m, l, {
    rows: batch.B * batch.T,
    x: m.acts.layerInputs[l],
    out: m.acts.layerInputs[l + 1],
    buf: a,
    async attend() {
      // Without q/k norm, qPre and q are one buffer (activations.ts): rotate in place.
      const rope = { positions: batch.positions, invFreq: m.invFreq, tokens: batch.B * batch.T, headDim: m.spec.headDim };
      await ropeForward(m.gpu, { ...rope, heads: m.spec.numHeads, x: a.q });
      await ropeForward(m.gpu, { ...rope, heads: m.spec.numKvHeads, x: a.k });
      if (attention) await attention(a);
      else await attentionForward(m.gpu, attentionShape(m, batch), { q: a.q, k: a.k, v: a.v, segments: batch.attnSegments, out: a.att, lse: a.lse });
    },
  });
}

/** On entry grads.dRes holds ∂L/∂(layer output); on exit ∂L/∂(layer input). LoRA grads accumulate. */
export async function layerBackward(m: ModelState, l: number, batch: BatchBuffers): Promise<void> {
  const { gpu, spec } = m;
  if (m.acts.recompute) await layerForward(m, l, batch);
  const w = m.weights.layers[l];
  const a = layerActs(m, l);
  const g = m.acts.grads;
  const x = m.acts.layerInputs[l];
  const N = batch.B * batch.T;
  const H = spec.hiddenSize;
  const I = spec.intermediateSize;
  const qd = qDim(spec);
  const kvd = kvDim(spec);
  const dt = m.weights.dtype;

  // MLP block: x_out = x_mid + down(act)
  await linearBackward(m, { dy: g.dRes, x: a.act, W: w.down, dx: g.dAct, tokens: N, inF: I, outF: H, accumulateDx: false, lora: withLora(m, l, 'down', a) });
  await swigluBackward(gpu, { gate: a.gate, up: a.up, dy: g.dAct, dgate: g.dGate, dup: g.dUp, n: N * I });
  await linearBackward(m, { dy: g.dGate, x: a.h2, W: w.gate, dx: g.dH, tokens: N, inF: H, outF: I, accumulateDx: false, lora: withLora(m, l, 'gate', a) });
  await linearBackward(m, { dy: g.dUp, x: a.h2, W: w.up, dx: g.dH, tokens: N, inF: H, outF: I, accumulateDx: true, lora: withLora(m, l, 'up', a) });
  await rmsNormBackward(gpu, { x: a.xMid, weight: w.postNorm, weightDtype: dt, rstd: a.rstd2, dy: g.dH, dx: g.dRes, rows: N, C: H, accumulate: true });

  // Attention block: x_mid = x + o(att)
  await linearBackward(m, { dy: g.dRes, x: a.att, W: w.o, dx: g.dAtt, tokens: N, inF: qd, outF: H, accumulateDx: false, lora: withLora(m, l, 'o', a) });
  await attentionBackward(gpu, attentionShape(m, batch), {
    q: a.q, k: a.k, v: a.v, segments: batch.attnSegments, out: a.att, lse: a.lse, dOut: g.dAtt, dq: g.dq, dk: g.dk, dv: g.dv, scratch: g.attScratch,
  });
  const rope = { positions: batch.positions, invFreq: m.invFreq, tokens: N, headDim: spec.headDim };
  await ropeBackward(gpu, { ...rope, heads: spec.numHeads, dy: g.dq });
  await ropeBackward(gpu, { ...rope, heads: spec.numKvHeads, dy: g.dk });
  let dQ = g.dq;
  let dK = g.dk;
  if (spec.qkNorm) {
    await headRmsNormBackward(gpu, { x: a.qPre, weight: w.qNorm!, weightDtype: dt, rstd: a.qRstd, dy: g.dq, dx: g.dqPre, tokens: N, heads: spec.numHeads, headDim: spec.headDim });
    await headRmsNormBackward(gpu, { x: a.kPre, weight: w.kNorm!, weightDtype: dt, rstd: a.kRstd, dy: g.dk, dx: g.dkPre, tokens: N, heads: spec.numKvHeads, headDim: spec.headDim });
    dQ = g.dqPre;
    dK = g.dkPre;
  }
  await linearBackward(m, { dy: dQ, x: a.h1, W: w.q, dx: g.dH, tokens: N, inF: H, outF: qd, accumulateDx: false, lora: withLora(m, l, 'q', a) });
  await linearBackward(m, { dy: dK, x: a.h1, W: w.k, dx: g.dH, tokens: N, inF: H, outF: kvd, accumulateDx: true, lora: withLora(m, l, 'k', a) });
  await linearBackward(m, { dy: g.dv, x: a.h1, W: w.v, dx: g.dH, tokens: N, inF: H, outF: kvd, accumulateDx: true, lora: withLora(m, l, 'v', a) });
  await rmsNormBackward(gpu, { x, weight: w.inputNorm, weightDtype: dt, rstd: a.rstd1, dy: g.dH, dx: g.dRes, rows: N, C: H, accumulate: true });
}

/** Embedding, every layer, and the final norm: acts.finalNormOut holds the LM head's input.
 * `afterLayer` records its own work after each layer's, while that layer's activations are held. */
export async function modelForward(m: ModelState, batch: BatchBuffers, afterLayer?: (l: number, a: LayerActivations) => Promise<void>): Promise<void> {
  const { gpu, spec } = m;
  const N = batch.B * batch.T;
  if (N > m.acts.maxTokens) throw new Error(`micro-batch of ${N} tokens exceeds the planned ${m.acts.maxTokens}`);
  recordDropoutSeed(m);
  await embeddingForward(gpu, { ids: batch.inputIds, table: m.weights.embed, tableDtype: m.weights.dtype, out: m.acts.layerInputs[0], tokens: N, C: spec.hiddenSize, vocab: spec.vocabSize });
  for (let l = 0; l < spec.numLayers; l++) {
    await layerForward(m, l, batch);
    if (afterLayer) await afterLayer(l, layerActs(m, l));
  }
  await rmsNormForward(gpu, {
    x: m.acts.layerInputs[spec.numLayers], weight: m.weights.finalNorm, weightDtype: m.weights.dtype,
    y: m.acts.finalNormOut, rstd: m.acts.finalRstd, rows: N, C: spec.hiddenSize, eps: spec.rmsNormEps,
  });
}

/** Given ∂L/∂(final norm output) in grads.dH, back through the final norm and every layer. */
export async function modelBackward(m: ModelState, batch: BatchBuffers): Promise<void> {
  const { gpu, spec } = m;
  const N = batch.B * batch.T;
  await rmsNormBackward(gpu, {
    x: m.acts.layerInputs[spec.numLayers], weight: m.weights.finalNorm, weightDtype: m.weights.dtype,
    rstd: m.acts.finalRstd, dy: m.acts.grads.dH, dx: m.acts.grads.dRes, rows: N, C: spec.hiddenSize,
  });
  for (let l = spec.numLayers - 1; l >= 0; l--) await layerBackward(m, l, batch);
}
