// RoPE (shaders/rope.wgsl): the inverse frequencies from a model config, computed here on the CPU
// once per model (default, linear and Llama-3 scaling), and the launches that rotate q `[T, n_heads,
// head_dim]` or k `[T, n_kv_heads, head_dim]` in place or out of place, forward and backward.
// Only records into gpu.recorder; never submits or reads back.
import { packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import code from '../../shaders/rope.wgsl?raw';

export const ROPE = shaderFile('rope.wgsl', code);
const WG = 256;

/** `rope_scaling` as HF config.json writes it (`type` in older files, `rope_type` in newer). */
export interface RopeScaling {
  rope_type?: string;
  type?: string;
  factor?: number;
  low_freq_factor?: number;
  high_freq_factor?: number;
  original_max_position_embeddings?: number;
}

const SUPPORTED_SCALING = ['default', 'linear', 'llama3'];

/** invFreq[i] = θ^(−2i/D) for i < D/2, then the scaling HF applies (transformers' modeling_rope_utils):
 *  linear: invFreq / factor.
 *  llama3: wavelength λ = 2π/invFreq; λ > L/low → invFreq/factor; λ < L/high → unchanged; between,
 *  s = (L/λ − low)/(high − low), invFreq·((1 − s)/factor + s), with L = original_max_position_embeddings.
 * Computed in f64 and rounded once to f32 (the table the kernel reads). */
export function ropeInverseFrequencies(headDim: number, theta: number, scaling?: RopeScaling | null): Float32Array {
  return Float32Array.from(ropeInverseFrequencies64(headDim, theta, scaling));
}

/** The same frequencies in f64 (the CPU reference uses them unrounded). */
export function ropeInverseFrequencies64(headDim: number, theta: number, scaling?: RopeScaling | null): Float64Array {
  if (headDim % 2 !== 0) throw new Error(`RoPE needs an even head_dim, got ${headDim}`);
  const kind = scaling ? (scaling.rope_type ?? scaling.type ?? 'default') : 'default';
  if (!SUPPORTED_SCALING.includes(kind)) {
    throw new Error(`rope_scaling type "${kind}" is not supported (supported: ${SUPPORTED_SCALING.join(', ')})`);
  }
  const half = headDim / 2;
  const inv = Array.from({ length: half }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  if (kind === 'linear') {
    const factor = requireField(scaling!, 'factor');
    return Float64Array.from(inv, (f) => f / factor);
  }
  if (kind === 'llama3') {
    const factor = requireField(scaling!, 'factor');
    const low = requireField(scaling!, 'low_freq_factor');
    const high = requireField(scaling!, 'high_freq_factor');
    const L = requireField(scaling!, 'original_max_position_embeddings');
    const lowFreqWavelen = L / low;
    const highFreqWavelen = L / high;
    return Float64Array.from(inv, (f) => {
      const wavelen = (2 * Math.PI) / f;
      if (wavelen > lowFreqWavelen) return f / factor;
      if (wavelen < highFreqWavelen) return f;
      const s = (L / wavelen - low) / (high - low);
      return f * ((1 - s) / factor + s);
    });
  }
  return Float64Array.from(inv);
}

function requireField(scaling: RopeScaling, key: 'factor' | 'low_freq_factor' | 'high_freq_factor' | 'original_max_position_embeddings'): number {
  const v = scaling[key];
  if (typeof v !== 'number' || !(v > 0)) throw new Error(`rope_scaling "${scaling.rope_type ?? scaling.type}" needs a positive ${key}, got ${v}`);
  return v;
}

export interface RopeShape {
  /** [T] u32: each token's position (restarting at 0 for each packed sequence) */
  positions: GPUBuffer;
  /** [headDim/2] f32 from ropeInverseFrequencies */
  invFreq: GPUBuffer;
  tokens: number;
  heads: number;
  headDim: number;
}

export interface RopeForwardArgs extends RopeShape {
  /** [T, heads, headDim] f32; rotated in place when `out` is omitted */
  x: GPUBuffer;
  out?: GPUBuffer;
}

export interface RopeBackwardArgs extends RopeShape {
  /** [T, heads, headDim] f32, the gradient of the rotated tensor; in place when `dx` is omitted */
  dy: GPUBuffer;
  dx?: GPUBuffer;
}

async function rotate(gpu: Gpu, s: RopeShape, src: GPUBuffer, dst: GPUBuffer | undefined, sign: 1 | -1): Promise<void> {
  if (s.headDim % 2 !== 0) throw new Error(`RoPE needs an even head_dim, got ${s.headDim}`);
  const n = s.tokens * s.heads * (s.headDim / 2);
  const pipeline = await gpu.pipelines.pipeline(ROPE, dst ? 'rotate' : 'rotateInPlace', { WG });
  const wg = splitWorkgroups(Math.ceil(n / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = packParams([{ u32: n }, { u32: s.heads }, { u32: s.headDim }, { f32: sign }]);
  const storage: Record<number, GPUBuffer> = dst ? { 1: s.positions, 2: s.invFreq, 3: src, 4: dst } : { 1: s.positions, 2: s.invFreq, 4: src };
  gpu.recorder.dispatch(pipeline, params, storage, wg);
}

/** Rotates each head's pairs (i, i + D/2) by θ = position·invFreq[i]. */
export function ropeForward(gpu: Gpu, a: RopeForwardArgs): Promise<void> {
  return rotate(gpu, a, a.x, a.out, 1);
}

/** The transpose of the forward rotation (rotation by −θ): dx = Rᵀ·dy. */
export function ropeBackward(gpu: Gpu, a: RopeBackwardArgs): Promise<void> {
  return rotate(gpu, a, a.dy, a.dx, -1);
}

export interface RopeAppendArgs {
  /** [headDim/2] f32 from ropeInverseFrequencies */
  invFreq: GPUBuffer;
  /** [B] u32: each row's cache length after this step (its position + 1); 0 = an inactive row. */
  lengths: GPUBuffer;
  /** [B, qHeads, headDim] f32, rotated in place. */
  q: GPUBuffer;
  /** [B, kvHeads, headDim] f32: this step's K (before RoPE) and V. */
  k: GPUBuffer;
  v: GPUBuffer;
  /** [B, maxT, kvHeads, headDim] f32. */
  kCache: GPUBuffer;
  vCache: GPUBuffer;
  B: number;
  maxT: number;
  qHeads: number;
  kvHeads: number;
  headDim: number;
}

/** A decode step's rotation and cache write in one dispatch: q rotated in place at each row's
 * position (lengths − 1), and cache[b, position] = (rotated k, v) for every active row. */
export async function ropeAppend(gpu: Gpu, a: RopeAppendArgs): Promise<void> {
  if (a.headDim % 2 !== 0) throw new Error(`RoPE needs an even head_dim, got ${a.headDim}`);
  const need = a.B * a.maxT * a.kvHeads * a.headDim * 4;
  for (const [name, buf] of [['kCache', a.kCache], ['vCache', a.vCache]] as const) {
    if (buf.size < need) throw new RangeError(`ropeAppend: buffer "${name}" holds ${buf.size} bytes, the cache needs ${need}`);
  }
  const n = a.B * (a.qHeads + a.kvHeads) * (a.headDim / 2);
  const pipeline = await gpu.pipelines.pipeline(ROPE, 'rotate_append', { WG });
  const wg = splitWorkgroups(Math.ceil(n / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  const params = packParams([{ u32: a.B }, { u32: a.qHeads }, { u32: a.kvHeads }, { u32: a.headDim }, { u32: a.maxT }]);
  gpu.recorder.dispatch(pipeline, params, { 2: a.invFreq, 5: a.q, 6: a.k, 7: a.v, 8: a.lengths, 9: a.kCache, 10: a.vCache }, wg);
}
