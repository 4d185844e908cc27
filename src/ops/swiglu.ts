// SwiGLU launches (shaders/swiglu.wgsl): out = silu(gate)·up over the MLP's [T, intermediate]
// activations, and its backward into separate dgate/dup buffers. Only records into gpu.recorder;
// never submits or reads back. Outputs must not alias inputs.
import { packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import code from '../../shaders/swiglu.wgsl?raw';

export const SWIGLU = shaderFile('swiglu.wgsl', code);
const WG = 256;

function workgroups(gpu: Gpu, n: number): [number, number] {
  return splitWorkgroups(Math.ceil(n / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
}

export interface SwigluForwardArgs {
  /** [n] f32, x·W_gateᵀ */
  gate: GPUBuffer;
  /** [n] f32, x·W_upᵀ */
  up: GPUBuffer;
  /** [n] f32, written */
  out: GPUBuffer;
  /** element count, T·intermediate */
  n: number;
}

export interface SwigluBackwardArgs {
  gate: GPUBuffer;
  up: GPUBuffer;
  /** [n] f32, gradient of out */
  dy: GPUBuffer;
  /** [n] f32, written */
  dgate: GPUBuffer;
  /** [n] f32, written */
  dup: GPUBuffer;
  n: number;
}

/** out = silu(gate)·up. */
export async function swigluForward(gpu: Gpu, a: SwigluForwardArgs): Promise<void> {
  const pipeline = await gpu.pipelines.pipeline(SWIGLU, 'forward', { WG });
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.n }]), { 1: a.gate, 2: a.up, 3: a.out }, workgroups(gpu, a.n));
}

/** dgate = dy·up·σ(g)(1 + g(1 − σ(g))), dup = dy·silu(g). */
export async function swigluBackward(gpu: Gpu, a: SwigluBackwardArgs): Promise<void> {
  const pipeline = await gpu.pipelines.pipeline(SWIGLU, 'backward', { WG });
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.n }]), { 1: a.gate, 2: a.up, 4: a.dy, 5: a.dgate, 6: a.dup }, workgroups(gpu, a.n));
}
