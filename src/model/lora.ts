// LoRA settings, the adapter's tensor manifest with PEFT's names, scale, and PEFT-style init.
// y = x·Wᵀ + scale·(dropout(x)·Aᵀ)·Bᵀ with A [r, in], B [out, r]; scale = α/r, or α/√r with rsLoRA.
// Owns naming and shapes; never touches the GPU or files (peft.ts does the file format).
import { kvDim, qDim, type ModelSpec } from './config.ts';
import { hashString, seededUniform } from './random.ts';

export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** Where each target sits in the HF module tree. */
export const TARGET_MODULES: Record<LoraTarget, { block: 'self_attn' | 'mlp'; module: string }> = {
  q: { block: 'self_attn', module: 'q_proj' },
  k: { block: 'self_attn', module: 'k_proj' },
  v: { block: 'self_attn', module: 'v_proj' },
  o: { block: 'self_attn', module: 'o_proj' },
  gate: { block: 'mlp', module: 'gate_proj' },
  up: { block: 'mlp', module: 'up_proj' },
  down: { block: 'mlp', module: 'down_proj' },
};

export interface LoraSettings {
  rank: number;
  alpha: number;
  useRsLora: boolean;
  /** Dropout on the LoRA input during training (PEFT's lora_dropout); 0 disables it. */
  dropout: number;
  targets: LoraTarget[];
  /** Layers that get adapters (PEFT `layers_to_transform`); all layers when absent. */
  layers?: number[];
}

export const DEFAULT_LORA: LoraSettings = { rank: 16, alpha: 32, useRsLora: false, dropout: 0.05, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };

/** The dropout mask seed of one adapter in one micro-batch: distinct per layer and target (PEFT
 * gives every LoRA module its own nn.Dropout), reproducible from the micro-batch seed alone. */
export function loraDropoutSeed(batchSeed: number, layer: number, target: LoraTarget): number {
  let x = (batchSeed ^ Math.imul(loraDropoutModule(layer, target), 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  return (x ^ (x >>> 13)) >>> 0;
}

/** A LoRA module's number in loraDropoutSeed (the GPU derives the seed from it: ops/dropout.ts). */
export function loraDropoutModule(layer: number, target: LoraTarget): number {
  return layer * 8 + LORA_TARGETS.indexOf(target) + 1;
}

export function loraScale(s: Pick<LoraSettings, 'rank' | 'alpha' | 'useRsLora'>): number {
  return s.useRsLora ? s.alpha / Math.sqrt(s.rank) : s.alpha / s.rank;
}

/** Parses `q,v,gate` or `all` into targets, naming any unknown one. */
export function parseLoraTargets(list: string[] | string): LoraTarget[] {
  const items = (Array.isArray(list) ? list : list.split(',')).map((s) => s.trim()).filter(Boolean);
  if (items.length === 1 && items[0] === 'all') return [...LORA_TARGETS];
  const out: LoraTarget[] = [];
  for (const raw of items) {
    const name = raw.replace(/_proj$/, '') as LoraTarget;
    if (!LORA_TARGETS.includes(name)) throw new Error(`unknown LoRA target "${raw}" (choose from ${LORA_TARGETS.join(', ')} or "all")`);
    if (!out.includes(name)) out.push(name);
  }
  if (out.length === 0) throw new Error('LoRA needs at least one target module');
  return out;
}

export function validateLoraSettings(spec: ModelSpec, s: LoraSettings): void {
  if (!Number.isInteger(s.rank) || s.rank < 1) throw new Error(`LoRA rank must be a positive integer, got ${s.rank}`);
  if (!(s.alpha > 0)) throw new Error(`LoRA alpha must be positive, got ${s.alpha}`);
  if (!(s.dropout >= 0 && s.dropout < 1)) throw new Error(`LoRA dropout must be in [0, 1), got ${s.dropout}`);
  if (s.targets.length === 0) throw new Error('LoRA needs at least one target module');
  for (const l of s.layers ?? []) {
    if (!Number.isInteger(l) || l < 0 || l >= spec.numLayers) throw new Error(`LoRA layer ${l} does not exist (the model has layers 0..${spec.numLayers - 1})`);
  }
}

/** in/out features of a target's base linear layer. */
export function targetShape(spec: ModelSpec, target: LoraTarget): { inFeatures: number; outFeatures: number } {
  const H = spec.hiddenSize;
  const I = spec.intermediateSize;
  switch (target) {
    case 'q':
      return { inFeatures: H, outFeatures: qDim(spec) };
    case 'k':
    case 'v':
      return { inFeatures: H, outFeatures: kvDim(spec) };
    case 'o':
      return { inFeatures: qDim(spec), outFeatures: H };
    case 'gate':
    case 'up':
      return { inFeatures: H, outFeatures: I };
    case 'down':
      return { inFeatures: I, outFeatures: H };
  }
}

/** PEFT's saved key, e.g. `base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight`. */
export function peftKey(layer: number, target: LoraTarget, which: 'A' | 'B'): string {
  const { block, module } = TARGET_MODULES[target];
  return `base_model.model.model.layers.${layer}.${block}.${module}.lora_${which}.weight`;
}

export interface LoraTensorEntry {
  key: string;
  layer: number;
  target: LoraTarget;
  which: 'A' | 'B';
  /** A: [r, in]; B: [out, r]. */
  shape: [number, number];
}

export function loraLayers(spec: ModelSpec, s: LoraSettings): number[] {
  return s.layers ? [...s.layers].sort((a, b) => a - b) : Array.from({ length: spec.numLayers }, (_, i) => i);
}

/** All adapter tensors, layer by layer, targets in LORA_TARGETS order, A before B. */
export function loraManifest(spec: ModelSpec, s: LoraSettings): LoraTensorEntry[] {
  const out: LoraTensorEntry[] = [];
  for (const layer of loraLayers(spec, s)) {
    for (const target of LORA_TARGETS) {
      if (!s.targets.includes(target)) continue;
      const { inFeatures, outFeatures } = targetShape(spec, target);
      out.push({ key: peftKey(layer, target, 'A'), layer, target, which: 'A', shape: [s.rank, inFeatures] });
      out.push({ key: peftKey(layer, target, 'B'), layer, target, which: 'B', shape: [outFeatures, s.rank] });
    }
  }
  return out;
}

export function loraParameterCount(spec: ModelSpec, s: LoraSettings): number {
  return loraManifest(spec, s).reduce((n, e) => n + e.shape[0] * e.shape[1], 0);
}

export interface LoraAdapter {
  settings: LoraSettings;
  /** f32 values by PEFT key, row-major in the manifest's shapes. */
  tensors: Map<string, Float32Array>;
}

/** PEFT's default init: A ~ kaiming_uniform(a=√5) = U(−1/√in, 1/√in)
 * (gain √(2/(1+a²)) = √(1/3), bound = gain·√(3/in) = 1/√in), B = 0, so the adapter starts as a no-op.
 * Each A draws from its own stream seeded by (seed, key), so adding a target leaves the others unchanged. */
export function initLoraAdapter(spec: ModelSpec, settings: LoraSettings, seed: number): LoraAdapter {
  validateLoraSettings(spec, settings);
  const tensors = new Map<string, Float32Array>();
  for (const e of loraManifest(spec, settings)) {
    const data = new Float32Array(e.shape[0] * e.shape[1]);
    if (e.which === 'A') {
      const bound = 1 / Math.sqrt(e.shape[1]);
      const rand = seededUniform((seed ^ hashString(e.key)) >>> 0);
      for (let i = 0; i < data.length; i++) data[i] = (2 * rand() - 1) * bound;
    }
    tensors.set(e.key, data);
  }
  return { settings, tensors };
}
