// One way to get a GPUDevice, in the browser (navigator.gpu) and in Node (Dawn, see nodeGpu.ts):
// the caller hands in the `GPU` object, so this module never imports Node-only code.
// Owns: adapter choice, the limits and optional features we request, device-loss routing.
import { GpuDeviceLostError, WebGpuUnavailableError } from './errors.ts';

/** Limits the engine cares about; we request the adapter's own maxima for each. */
export const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxBindGroups',
  'maxUniformBufferBindingSize',
] as const;
export type LimitName = (typeof REQUESTED_LIMITS)[number];

export const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as const;
export type OptionalFeature = (typeof OPTIONAL_FEATURES)[number];

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU implementations (SwiftShader, lavapipe, WARP): correct but slow. */
  isSoftware: boolean;
}

export interface GpuContext {
  device: GPUDevice;
  adapter: AdapterSummary;
  limits: Record<LimitName, number>;
  features: Set<OptionalFeature>;
  /** Resolves when the device is lost; rejects never. */
  lost: Promise<GpuDeviceLostError>;
  /** Set once the device is lost; every later GPU call should check `throwIfLost`. */
  lostError: GpuDeviceLostError | null;
  throwIfLost(): void;
  /** Validation errors nobody captured (routed here instead of only the console). */
  onUncapturedError(cb: (message: string) => void): () => void;
  destroy(): void;
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Request fewer than the adapter's maxima (tests that prove we respect limits). */
  limitOverrides?: Partial<Record<LimitName, number>>;
  /** Leave optional features off even when available (tests of the fallback paths). */
  disableFeatures?: OptionalFeature[];
}

function summarize(info: GPUAdapterInfo | undefined): AdapterSummary {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const all = `${vendor} ${architecture} ${device} ${description}`.toLowerCase();
  return {
    vendor,
    architecture,
    device,
    description,
    isSoftware: /swiftshader|lavapipe|llvmpipe|warp|software|cpu/.test(all),
  };
}

export async function acquireGpu(gpu: GPU | undefined, opts: AcquireOptions = {}): Promise<GpuContext> {
  if (!gpu) {
    throw new WebGpuUnavailableError(
      'WebGPU is not available in this browser. Use Chrome or Edge 113 or newer; on Linux start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan, and make sure a Vulkan driver is installed.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'WebGPU is present but no GPU adapter was offered. Check chrome://gpu: enable hardware acceleration, update the GPU driver, or on Linux enable Vulkan (--enable-features=Vulkan) and chrome://flags/#enable-unsafe-webgpu.',
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) {
    const max = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof max !== 'number') continue;
    const wanted = opts.limitOverrides?.[name];
    requiredLimits[name] = wanted !== undefined ? Math.min(wanted, max) : max;
  }
  const features = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f) && !opts.disableFeatures?.includes(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures: features as GPUFeatureName[] });

  const limits = {} as Record<LimitName, number>;
  for (const name of REQUESTED_LIMITS) limits[name] = (device.limits as unknown as Record<string, number>)[name];

  const listeners = new Set<(message: string) => void>();
  device.addEventListener?.('uncapturederror', (ev) => {
    const message = (ev as GPUUncapturedErrorEvent).error?.message ?? 'unknown GPU error';
    if (listeners.size === 0) console.error(`[gpu] uncaptured error: ${message}`);
    for (const cb of listeners) cb(message);
  });

  const ctx: GpuContext = {
    device,
    adapter: summarize(adapter.info),
    limits,
    features: new Set(features),
    lostError: null,
    lost: device.lost.then((info) => {
      const err = new GpuDeviceLostError(info.reason ?? 'unknown', info.message);
      ctx.lostError = err;
      return err;
    }),
    throwIfLost() {
      if (ctx.lostError) throw ctx.lostError;
    },
    onUncapturedError(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    destroy() {
      device.destroy();
    },
  };
  return ctx;
}

/** GPU memory assumed when the platform reports none (WebGPU exposes no memory size). */
export const ASSUMED_GPU_MEMORY_BYTES = 4 * 2 ** 30;

/** The largest dense model (parameter count) whose bf16 weights plus LoRA state and short-sequence
 * activations fit in `memoryBytes`; a guide for the capability screen, not the memory plan.
 * Tensors larger than one binding are split by the engine, so only total memory bounds this. */
export function estimateLargestModelParams(memoryBytes = ASSUMED_GPU_MEMORY_BYTES): number {
  const bytesPerParam = 2; // frozen weights stay bf16/f16
  const overhead = 1.35; // LoRA params + AdamW moments + activations at short sequences, measured on 0.5B shapes
  return Math.floor(memoryBytes / (bytesPerParam * overhead));
}
