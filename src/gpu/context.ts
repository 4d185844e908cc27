// One way to get a GPUDevice, in the browser (navigator.gpu) and in Node (Dawn, see nodeGpu.ts):
// the caller hands in the `GPU` object, so this module never imports Node-only code.
// Owns: adapter choice, the limits and optional features we request, device-loss routing.
import { GpuDeviceLostError, GpuRefusedWorkError, WebGpuUnavailableError } from './errors.ts';
import type { TuningStore } from './tuning.ts';

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

/** `chromium-experimental-subgroup-matrix` is tensor-core matrix multiply (Chrome behind its unsafe-WebGPU
 * flag, Dawn with `allow_unsafe_apis`); the engine uses it only with `shader-f16` and an f16×f16→f32 config. */
export const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query', 'chromium-experimental-subgroup-matrix'] as const;
export type OptionalFeature = (typeof OPTIONAL_FEATURES)[number];

/** One matrix shape the adapter multiplies in hardware (`adapter.info.subgroupMatrixConfigs`). */
export interface SubgroupMatrixConfig {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU implementations (SwiftShader, lavapipe, WARP): correct but slow. */
  isSoftware: boolean;
  /** Subgroup sizes the adapter may run (0 when it does not say). */
  subgroupMinSize: number;
  subgroupMaxSize: number;
  /** Hardware matrix shapes offered with `chromium-experimental-subgroup-matrix` (empty otherwise). */
  subgroupMatrixConfigs: SubgroupMatrixConfig[];
}

export interface GpuContext {
  device: GPUDevice;
  adapter: AdapterSummary;
  limits: Record<LimitName, number>;
  features: Set<OptionalFeature>;
  /** WGSL language features the platform offers (e.g. `buffer_view`). */
  wgslFeatures: Set<string>;
  /** Resolves when the device is lost; rejects never. */
  lost: Promise<GpuDeviceLostError>;
  /** Set once the device is lost; every later GPU call should check `throwIfLost`. */
  lostError: GpuDeviceLostError | null;
  throwIfLost(): void;
  /** Where this adapter's kernel tuning is kept between runs (null: in memory only). */
  tuningStore: TuningStore | null;
  /** Validation errors nobody captured (routed here instead of only the console). */
  onUncapturedError(cb: (message: string) => void): () => void;
  /** The first error nobody captured since `clearRefusal` (null: none). Work recorded after one
   * may have been dropped, so every readback checks it (`throwIfRefused`) rather than returning
   * numbers that look right. */
  refusal: GpuRefusedWorkError | null;
  throwIfRefused(): void;
  /** A new job starts clean: an earlier job's refusal was already reported by that job. */
  clearRefusal(): void;
  destroy(): void;
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Request fewer than the adapter's maxima (tests that prove we respect limits). */
  limitOverrides?: Partial<Record<LimitName, number>>;
  /** Leave optional features off even when available (tests of the fallback paths). */
  disableFeatures?: OptionalFeature[];
  /** Persistence for kernel tuning results (a file in Node, IndexedDB in the browser). */
  tuningStore?: TuningStore | null;
}

/** A CPU implementation of WebGPU (SwiftShader, lavapipe, WARP), by what the adapter says of itself:
 * the spec's fallback flag first (browsers that mask the names still set it), then the names. */
export function isSoftwareAdapter(info: GPUAdapterInfo | undefined): boolean {
  if ((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter) return true;
  const all = `${info?.vendor ?? ''} ${info?.architecture ?? ''} ${info?.device ?? ''} ${info?.description ?? ''}`.toLowerCase();
  return /swiftshader|lavapipe|llvmpipe|warp|software|cpu/.test(all);
}

function summarize(info: GPUAdapterInfo | undefined): AdapterSummary {
  const extra = (info ?? {}) as { subgroupMinSize?: number; subgroupMaxSize?: number; subgroupMatrixConfigs?: Iterable<SubgroupMatrixConfig> };
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  return {
    vendor,
    architecture,
    device,
    description,
    isSoftware: isSoftwareAdapter(info),
    subgroupMinSize: extra.subgroupMinSize ?? 0,
    subgroupMaxSize: extra.subgroupMaxSize ?? 0,
    subgroupMatrixConfigs: [...(extra.subgroupMatrixConfigs ?? [])].map((c) => ({
      componentType: String(c.componentType),
      resultComponentType: String(c.resultComponentType),
      M: c.M,
      N: c.N,
      K: c.K,
    })),
  };
}

export async function acquireGpu(gpu: GPU | undefined, opts: AcquireOptions = {}): Promise<GpuContext> {
  // What is missing, in words true in any browser: the page says what to do in this one
  // (webgpuAdvice, from its user agent), the CLI what to do in Node (acquireNodeGpu).
  if (!gpu) throw new WebGpuUnavailableError('WebGPU is not available here: navigator.gpu is undefined.');
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) throw new WebGpuUnavailableError('WebGPU is present, but it offered no GPU adapter: it is switched off, blocked for this GPU or its driver, or needs a flag.');
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) {
    const max = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof max !== 'number') continue;
    const wanted = opts.limitOverrides?.[name];
    requiredLimits[name] = wanted !== undefined ? Math.min(wanted, max) : max;
  }
  const features = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f) && !opts.disableFeatures?.includes(f));
  // Subgroup matrices are useful here only with f16 inputs; never request one without the other.
  if (features.includes('chromium-experimental-subgroup-matrix') && !features.includes('shader-f16')) {
    features.splice(features.indexOf('chromium-experimental-subgroup-matrix'), 1);
  }
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures: features as GPUFeatureName[] });

  const limits = {} as Record<LimitName, number>;
  for (const name of REQUESTED_LIMITS) limits[name] = (device.limits as unknown as Record<string, number>)[name];

  const listeners = new Set<(message: string) => void>();
  device.addEventListener?.('uncapturederror', (ev) => {
    const error = (ev as GPUUncapturedErrorEvent).error;
    const message = error?.message ?? 'unknown GPU error';
    const outOfMemory = /OutOfMemory/.test(error?.constructor?.name ?? '') || /out of memory/i.test(message);
    ctx.refusal ??= new GpuRefusedWorkError(outOfMemory ? 'out-of-memory' : 'validation', message.split('\n')[0].slice(0, 400));
    if (listeners.size === 0) console.error(`[gpu] uncaptured error: ${message}`);
    for (const cb of listeners) cb(message);
  });

  const ctx: GpuContext = {
    device,
    adapter: summarize(adapter.info),
    limits,
    features: new Set(features),
    wgslFeatures: new Set((gpu as { wgslLanguageFeatures?: Iterable<string> }).wgslLanguageFeatures ?? []),
    tuningStore: opts.tuningStore ?? null,
    lostError: null,
    lost: device.lost.then((info) => {
      const err = new GpuDeviceLostError(info.reason ?? 'unknown', info.message);
      ctx.lostError = err;
      return err;
    }),
    throwIfLost() {
      if (ctx.lostError) throw ctx.lostError;
    },
    refusal: null,
    throwIfRefused() {
      if (ctx.refusal) throw ctx.refusal;
    },
    clearRefusal() {
      ctx.refusal = null;
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
