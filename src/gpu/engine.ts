// The bundle every op receives: the device context, its pipeline cache, a recorder, the kernel
// tuning table of this adapter and the shared scratch buffers.
import type { GpuContext } from './context.ts';
import { PipelineCache } from './pipelines.ts';
import { Recorder } from './recorder.ts';
import { ScratchBuffers } from './scratch.ts';
import { KernelTuning, adapterKey } from './tuning.ts';

export interface Gpu {
  ctx: GpuContext;
  pipelines: PipelineCache;
  recorder: Recorder;
  tuning: KernelTuning;
  scratch: ScratchBuffers;
}

export function createGpu(ctx: GpuContext): Gpu {
  const recorder = new Recorder(ctx);
  const tuning = new KernelTuning(adapterKey(ctx.adapter, ctx.features, ctx.wgslFeatures), ctx.tuningStore ?? null);
  // Loading is asynchronous; until it lands, ops use their rules of thumb (see ops/matmulChoice.ts).
  void tuning.load();
  return { ctx, pipelines: new PipelineCache(ctx), recorder, tuning, scratch: new ScratchBuffers(ctx, recorder) };
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

/**
 * Creates, concurrently and before any real work, every pipeline that `record` would use: `record`
 * runs against the real ops with dispatches, copies and clears dropped (queue writes still happen, so
 * run it only where those are harmless, e.g. before a job's first step). Returns the number of
 * distinct pipelines it waited for. The first real step then pays no compilation.
 */
export async function compileAhead(gpu: Gpu, record: () => Promise<void>): Promise<number> {
  const wasDiscarding = gpu.recorder.discarding;
  gpu.recorder.discarding = true;
  gpu.pipelines.beginCollecting();
  try {
    await record();
  } catch (err) {
    gpu.recorder.discarding = wasDiscarding;
    await gpu.pipelines.endCollecting().catch(() => undefined);
    throw err;
  }
  gpu.recorder.discarding = wasDiscarding;
  return gpu.pipelines.endCollecting();
}
