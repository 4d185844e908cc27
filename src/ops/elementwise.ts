// Residual add, scale and axpy on flat f32 buffers (shaders/elementwise.wgsl).
// Forward and backward of a residual add are both `add`/`axpy`, so there is no separate backward.
import { packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import code from '../../shaders/elementwise.wgsl?raw';

export const ELEMENTWISE = shaderFile('elementwise.wgsl', code);
const WG = 256;

async function launch(gpu: Gpu, entry: 'add' | 'scale' | 'axpy', n: number, s: number, storage: Record<number, GPUBuffer>): Promise<void> {
  const pipeline = await gpu.pipelines.pipeline(ELEMENTWISE, entry, { WG });
  const [x, y] = splitWorkgroups(Math.ceil(n / WG), gpu.ctx.limits.maxComputeWorkgroupsPerDimension);
  gpu.recorder.dispatch(pipeline, packParams([{ u32: n }, { f32: s }]), storage, [x, y]);
}

/** out = a + b, n elements. */
export function addForward(gpu: Gpu, a: GPUBuffer, b: GPUBuffer, out: GPUBuffer, n: number): Promise<void> {
  return launch(gpu, 'add', n, 0, { 1: a, 2: b, 3: out });
}

/** out = s·a, n elements. */
export function scaleForward(gpu: Gpu, a: GPUBuffer, out: GPUBuffer, n: number, s: number): Promise<void> {
  return launch(gpu, 'scale', n, s, { 1: a, 3: out });
}

/** out += s·a, n elements (residual backward, gradient accumulation). */
export function axpy(gpu: Gpu, a: GPUBuffer, out: GPUBuffer, n: number, s: number): Promise<void> {
  return launch(gpu, 'axpy', n, s, { 1: a, 3: out });
}
