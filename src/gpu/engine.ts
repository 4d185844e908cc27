// The bundle every op receives: the device context, its pipeline cache and a recorder.
import type { GpuContext } from './context.ts';
import { PipelineCache } from './pipelines.ts';
import { Recorder } from './recorder.ts';

export interface Gpu {
  ctx: GpuContext;
  pipelines: PipelineCache;
  recorder: Recorder;
}

export function createGpu(ctx: GpuContext): Gpu {
  return { ctx, pipelines: new PipelineCache(ctx), recorder: new Recorder(ctx) };
}

/** Packs uniform values into a buffer laid out as WGSL expects for a struct of 4-byte scalars. */
export function packParams(values: Array<{ u32: number } | { i32: number } | { f32: number }>): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((values.length * 4) / 16) * 16));
  const dv = new DataView(buf);
  values.forEach((v, i) => {
    if ('u32' in v) dv.setUint32(i * 4, v.u32, true);
    else if ('i32' in v) dv.setInt32(i * 4, v.i32, true);
    else dv.setFloat32(i * 4, v.f32, true);
  });
  return buf;
}
