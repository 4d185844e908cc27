// Activation buffers of the LoRA transformer, planned once for the largest micro-batch
// (maxTokens = B·T) and carved per layer, llm.c style. With recompute on, all layers share one
// set and the backward re-runs each layer's forward from its saved input; only the layer inputs
// are kept per layer. Gradient scratch is shared by all layers either way. A model that never runs a
// backward (evaluation, the playground: prefill only) plans forward-only activations: one shared
// set, two layer inputs taken in turn, no gradient scratch.
import { createStorageBuffer, type Gpu } from '../gpu/index.ts';
import { kvDim, qDim, type ModelSpec } from './config.ts';
import type { LoraTarget } from './lora.ts';

export interface LayerActivations {
  h1: GPUBuffer; // [N, H] input norm out
  rstd1: GPUBuffer; // [N]
  qPre: GPUBuffer; // [N, qd] projection out (before q_norm and RoPE)
  kPre: GPUBuffer; // [N, kvd]
  q: GPUBuffer; // [N, qd] after q_norm (Qwen3) and RoPE: attention's input
  k: GPUBuffer; // [N, kvd]
  v: GPUBuffer; // [N, kvd]
  qRstd: GPUBuffer; // [N·nHeads] (Qwen3)
  kRstd: GPUBuffer; // [N·nKvHeads] (Qwen3)
  att: GPUBuffer; // [N, qd] attention out
  lse: GPUBuffer; // [N·nHeads]
  xMid: GPUBuffer; // [N, H] residual after attention
  h2: GPUBuffer; // [N, H]
  rstd2: GPUBuffer; // [N]
  gate: GPUBuffer; // [N, I]
  up: GPUBuffer; // [N, I]
  act: GPUBuffer; // [N, I] silu(gate)·up
  /** x·Aᵀ per LoRA target [N, r], needed for dB. */
  loraU: Partial<Record<LoraTarget, GPUBuffer>>;
}

export interface GradScratch {
  dRes: GPUBuffer; // [N, H] gradient of the residual stream
  dH: GPUBuffer; // [N, H] gradient of a norm output
  dAct: GPUBuffer; // [N, I]
  dGate: GPUBuffer; // [N, I]
  dUp: GPUBuffer; // [N, I]
  dAtt: GPUBuffer; // [N, qd]
  dq: GPUBuffer; // [N, qd]
  dk: GPUBuffer; // [N, kvd]
  dv: GPUBuffer; // [N, kvd]
  dqPre: GPUBuffer; // [N, qd]
  dkPre: GPUBuffer; // [N, kvd]
  dLoraU: GPUBuffer; // [N, r]
  attScratch: GPUBuffer; // attention backward scratch [N·nHeads] vec2
  /** LoRA dropout (absent without it): the dropped LoRA input, and du·A before its mask [N, widest in]. */
  dropX?: GPUBuffer;
  dropG?: GPUBuffer;
  /** [1] u32: the micro-batch's dropout seed, from which the kernels derive each module's. */
  dropSeed?: GPUBuffer;
}

export interface Activations {
  maxTokens: number;
  recompute: boolean;
  /** No backward can run: layerInputs alternate between two buffers and grads are placeholders. */
  forwardOnly: boolean;
  /** Input of each layer [N, H], plus the final hidden state at index numLayers (forward-only: layer
   * l's input and output are always two different buffers, but earlier inputs are overwritten). */
  layerInputs: GPUBuffer[];
  /** One set per layer, or a single shared set when recomputing. */
  layers: LayerActivations[];
  finalNormOut: GPUBuffer; // [N, H]
  finalRstd: GPUBuffer; // [N]
  grads: GradScratch;
  bytes: number;
}

export function createActivations(gpu: Gpu, spec: ModelSpec, maxTokens: number, loraRank: number, targets: LoraTarget[], recompute: boolean, loraDropout = 0, forwardOnly = false): Activations {
  let bytes = 0;
  const made: GPUBuffer[] = [];
  const f32 = (elements: number, label: string) => {
    const b = createStorageBuffer(gpu.ctx, Math.max(1, elements) * 4, label);
    made.push(b);
    bytes += b.size;
    return b;
  };
  // A buffer over the adapter's limits throws part-way: what was made before it is freed, or a
  // long-lived worker keeps it for good.
  try {
    const N = maxTokens;
    const H = spec.hiddenSize;
    const I = spec.intermediateSize;
    const qd = qDim(spec);
    const kvd = kvDim(spec);
    // Without q/k norm, RoPE rotates the projection output in place: qPre and q are one buffer.
    const layerSet = (i: number | 'shared'): LayerActivations => {
      const p = `act.${i}`;
      const loraU: LayerActivations['loraU'] = {};
      for (const t of targets) loraU[t] = f32(N * loraRank, `${p}.lora.${t}`);
      const q = f32(N * qd, `${p}.q`);
      const k = f32(N * kvd, `${p}.k`);
      return {
        h1: f32(N * H, `${p}.h1`),
        rstd1: f32(N, `${p}.rstd1`),
        qPre: spec.qkNorm ? f32(N * qd, `${p}.qPre`) : q,
        kPre: spec.qkNorm ? f32(N * kvd, `${p}.kPre`) : k,
        q,
        k,
        v: f32(N * kvd, `${p}.v`),
        qRstd: f32(spec.qkNorm ? N * spec.numHeads : 1, `${p}.qRstd`),
        kRstd: f32(spec.qkNorm ? N * spec.numKvHeads : 1, `${p}.kRstd`),
        att: f32(N * qd, `${p}.att`),
        lse: f32(N * spec.numHeads, `${p}.lse`),
        xMid: f32(N * H, `${p}.xMid`),
        h2: f32(N * H, `${p}.h2`),
        rstd2: f32(N, `${p}.rstd2`),
        gate: f32(N * I, `${p}.gate`),
        up: f32(N * I, `${p}.up`),
        act: f32(N * I, `${p}.act`),
        loraU,
      };
    };
    const ring = forwardOnly ? [f32(N * H, 'act.input.even'), f32(N * H, 'act.input.odd')] : null;
    const layerInputs = Array.from({ length: spec.numLayers + 1 }, (_, i) => (ring ? ring[i % 2] : f32(N * H, `act.input.${i}`)));
    const layers = recompute || forwardOnly ? [layerSet('shared')] : Array.from({ length: spec.numLayers }, (_, i) => layerSet(i));
    // Forward-only: one-element stand-ins, so the shapes of a training model's fields stay.
    const g = (elements: number, label: string) => f32(forwardOnly ? 1 : elements, label);
    const grads: GradScratch = {
      dRes: g(N * H, 'grad.dRes'),
      dH: g(N * H, 'grad.dH'),
      dAct: g(N * I, 'grad.dAct'),
      dGate: g(N * I, 'grad.dGate'),
      dUp: g(N * I, 'grad.dUp'),
      dAtt: g(N * qd, 'grad.dAtt'),
      dq: g(N * qd, 'grad.dq'),
      dk: g(N * kvd, 'grad.dk'),
      dv: g(N * kvd, 'grad.dv'),
      dqPre: g(spec.qkNorm ? N * qd : 1, 'grad.dqPre'),
      dkPre: g(spec.qkNorm ? N * kvd : 1, 'grad.dkPre'),
      dLoraU: g(N * Math.max(1, loraRank), 'grad.dLoraU'),
      attScratch: g(N * spec.numHeads * 2, 'grad.attScratch'),
    };
    if (loraDropout > 0 && targets.length > 0 && !forwardOnly) {
      const widestIn = Math.max(H, I, qd);
      grads.dropX = f32(N * widestIn, 'grad.loraDropX');
      grads.dropG = f32(N * widestIn, 'grad.loraDropG');
      grads.dropSeed = f32(1, 'grad.loraDropSeed');
    }
    return {
      maxTokens,
      recompute: recompute || forwardOnly,
      forwardOnly,
      layerInputs,
      layers,
      finalNormOut: f32(N * H, 'act.finalNorm'),
      finalRstd: f32(N, 'act.finalRstd'),
      grads,
      bytes,
    };
  } catch (err) {
    made.forEach((b) => b.destroy());
    throw err;
  }
}

export function destroyActivations(a: Activations): void {
  const all: GPUBuffer[] = [...a.layerInputs, a.finalNormOut, a.finalRstd, ...Object.values(a.grads).filter((b): b is GPUBuffer => !!b)];
  for (const l of a.layers) {
    for (const [k, v] of Object.entries(l)) {
      if (k === 'loraU') all.push(...(Object.values(v as Record<string, GPUBuffer>)));
      else all.push(v as GPUBuffer);
    }
  }
  for (const b of new Set(all)) b.destroy();
}
