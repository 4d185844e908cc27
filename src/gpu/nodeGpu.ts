// The Node side of device acquisition: Dawn through the npm `webgpu` package. Never imported by
// browser code. SwiftShader is chosen through VK_ICD_FILENAMES when the machine has no GPU driver
// (see scripts/dawn-env.mjs, applied by bin/studio.mjs and the vitest config before Dawn loads).
import { acquireGpu, isSoftwareAdapter, type AcquireOptions, type GpuContext } from './context.ts';
import { throttleDawnPolling } from './dawnPolling.ts';
import { WebGpuUnavailableError } from './errors.ts';
import { fileTuningStore } from './tuningStoreNode.ts';

let gpuSingleton: GPU | null = null;

export async function nodeGpu(): Promise<GPU> {
  if (gpuSingleton) return gpuSingleton;
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (err) {
    throw new WebGpuUnavailableError(`could not load Dawn (npm package "webgpu"): ${(err as Error).message}`);
  }
  // WebGPU's enums and classes (GPUBufferUsage, GPUShaderStage, …) as browser code expects them.
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  // Dawn toggles: NVIDIA's Vulkan driver offers shader-f16 to Dawn only with
  // vulkan_enable_f16_on_nvidia; allow_unsafe_apis exposes chromium-experimental-subgroup-matrix
  // (tensor cores), as Chrome's --enable-unsafe-webgpu does. Neither changes a software adapter.
  // Timestamps unquantized: the autotune and the profiler time kernels of a few microseconds.
  // $STUDIO_DAWN_TOGGLES adds toggles for experiments (e.g. disable_robustness, to measure what bounds
  // checks cost); nothing the engine relies on.
  const extra = process.env.STUDIO_DAWN_TOGGLES ? `,${process.env.STUDIO_DAWN_TOGGLES}` : '';
  const gpu = mod.create([`enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia${extra}`, 'disable-dawn-features=timestamp_quantization']);
  // Every adapter handed out goes through here (the CLI's, the tests', the engine the worker runs),
  // so a software one gets Dawn's gentler waiting from its first use.
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = async (options) => {
    const adapter = await requestAdapter(options);
    if (adapter && isSoftwareAdapter(adapter.info)) throttleDawnPolling();
    return adapter;
  };
  gpuSingleton = gpu;
  return gpuSingleton;
}

export async function acquireNodeGpu(opts: AcquireOptions = {}): Promise<GpuContext> {
  const gpu = await nodeGpu();
  try {
    return await acquireGpu(gpu, { tuningStore: fileTuningStore(), ...opts });
  } catch (err) {
    if (err instanceof WebGpuUnavailableError) {
      throw new WebGpuUnavailableError(
        'no WebGPU adapter in Node. On a machine without a GPU install Debian\'s chromium (for SwiftShader) and libvulkan1: apt-get install -y chromium libvulkan1',
      );
    }
    throw err;
  }
}
