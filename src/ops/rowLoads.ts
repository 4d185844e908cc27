// How kernels that walk rows of f32 (cross-entropy over a vocabulary chunk, RMSNorm) read them.
// 'vec4': four values a load, a quarter of the invocations each standing for four of the others,
// the same sums in the same order (the same bits). For CPU adapters: SwiftShader loads lane by
// lane, so one vec4 load costs about what one scalar load does, and it runs a barrier as a switch
// between the workgroup's SIMD groups, of which there are then a quarter as many.
// 'scalar': one value a load by consecutive invocations, what GPUs' memory wants. The decode argmax
// and sampler follow the same split (decode.ts rowScan).
import type { Gpu } from '../gpu/index.ts';

export type RowLoads = 'scalar' | 'vec4';

export function rowLoads(gpu: Gpu): RowLoads {
  return gpu.ctx.adapter.isSoftware ? 'vec4' : 'scalar';
}
