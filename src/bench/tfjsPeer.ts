// The comparison peer for the benchmark: TensorFlow.js's WebGPU backend running on OUR device (same
// adapter, same process), so the ratio compares kernels, not drivers. Node has no navigator.gpu, and
// tfjs refuses to load its backend without one, so we provide it before importing tfjs.
// Bench only: the engine never imports tfjs.
import type { GpuContext } from '../gpu/index.ts';
import { nodeGpu } from '../gpu/nodeGpu.ts';

type Tf = typeof import('@tensorflow/tfjs-core');

export interface TfjsPeer {
  tf: Tf;
  /** Submits tfjs's deferred command buffers and waits for the queue to drain. */
  drain(): Promise<void>;
}

/** Makes `navigator.gpu` exist (Node only) so tfjs's module-level support check passes. */
async function ensureNavigatorGpu(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const gpu = await nodeGpu();
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
}

export async function createTfjsPeer(ctx: GpuContext): Promise<TfjsPeer> {
  await ensureNavigatorGpu();
  const tf = await import('@tensorflow/tfjs-core');
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  // Replace the factory that would request its own device with one built on ours.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const backend = new WebGPUBackend(ctx.device);
  tf.registerBackend('webgpu', () => backend, 10);
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not initialise its WebGPU backend on our device');
  // Keep every op on the GPU (tfjs otherwise runs small ops on the CPU).
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  return {
    tf,
    async drain() {
      // tfjs keeps a compute pass open across ops; close it before submitting its encoder.
      backend.endComputePassEncoder();
      // submitQueue() finishes the current encoder; tfjs creates one lazily, so make sure it exists.
      (backend as unknown as { ensureCommandEncoderReady(): void }).ensureCommandEncoderReady();
      backend.submitQueue();
      await ctx.device.queue.onSubmittedWorkDone();
    },
  };
}
