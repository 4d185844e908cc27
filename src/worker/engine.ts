// The worker-side engine: owns the GPU device and answers requests. Also usable in-thread (tests,
// CLI) since it only needs a `GPU` object and a way to post events. Never touches the DOM.
import { acquireGpu, estimateLargestModelParams, type GpuContext } from '../gpu/context.ts';
import { createGpu, readF32, uploadBuffer, createStorageBuffer, type Gpu } from '../gpu/index.ts';
import { addForward } from '../ops/elementwise.ts';
import type { Capabilities, ProgressInfo, RequestKind, RequestMap, WorkerEvent } from './protocol.ts';

export type Handler<K extends RequestKind> = (payload: RequestMap[K][0], progress: (p: ProgressInfo) => void) => Promise<RequestMap[K][1]>;

export class StudioEngine {
  private gpu: Promise<Gpu> | null = null;

  constructor(
    private readonly gpuApi: GPU | undefined,
    private readonly emit: (event: WorkerEvent) => void,
  ) {}

  /** The device, acquired on first use and again after a loss. */
  device(): Promise<Gpu> {
    if (!this.gpu) {
      this.gpu = acquireGpu(this.gpuApi).then((ctx) => {
        this.watch(ctx);
        return createGpu(ctx);
      });
      this.gpu.catch(() => (this.gpu = null));
    }
    return this.gpu;
  }

  private watch(ctx: GpuContext): void {
    ctx.lost.then((err) => {
      this.gpu = null;
      this.emit({ type: 'device-lost', message: err.message });
    });
    ctx.onUncapturedError((message) => this.emit({ type: 'gpu-error', message }));
  }

  readonly handlers: { [K in RequestKind]: Handler<K> } = {
    probe: async () => probe(await this.device()),
  };
}

async function probe(gpu: Gpu): Promise<Capabilities> {
  const n = 4099; // not a multiple of the workgroup size, so the bounds check is exercised too
  const a = new Float32Array(n).map((_, i) => Math.sin(i));
  const b = new Float32Array(n).map((_, i) => Math.cos(i * 0.5));
  const t0 = performance.now();
  const ga = uploadBuffer(gpu.ctx, a, 'probe-a');
  const gb = uploadBuffer(gpu.ctx, b, 'probe-b');
  const out = createStorageBuffer(gpu.ctx, n * 4, 'probe-out');
  await addForward(gpu, ga, gb, out, n);
  gpu.recorder.submit();
  const got = await readF32(gpu.ctx, out, n);
  const millis = performance.now() - t0;
  let maxAbsDiff = 0;
  for (let i = 0; i < n; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i] - (a[i] + b[i])));
  [ga, gb, out].forEach((x) => x.destroy());
  return {
    adapter: gpu.ctx.adapter,
    limits: gpu.ctx.limits,
    features: [...gpu.ctx.features],
    largestModelParams: estimateLargestModelParams(),
    selfTest: { ok: maxAbsDiff <= 1e-6, elements: n, maxAbsDiff, millis },
  };
}
