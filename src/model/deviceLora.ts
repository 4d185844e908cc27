// The LoRA adapter on the GPU: every A and B tensor lives in ONE flat f32 buffer (manifest order),
// with gradients and AdamW moments in buffers of the same layout, so the optimizer, the gradient
// norm and clipping are one dispatch each over the whole adapter. Matmuls address a tensor by its
// element offset. Reading back happens only for export and checkpoints.
import { createStorageBuffer, readF32, writeBuffer, type Gpu } from '../gpu/index.ts';
import type { ModelSpec } from './config.ts';
import { loraManifest, loraScale, type LoraAdapter, type LoraSettings, type LoraTarget } from './lora.ts';

export interface LoraSlot {
  key: string;
  /** Element offset into the flat buffers. */
  offset: number;
  rows: number;
  cols: number;
}

export interface LoraPair {
  A: LoraSlot; // [r, in]
  B: LoraSlot; // [out, r]
}

export interface DeviceLora {
  settings: LoraSettings;
  scale: number;
  /** Total f32 elements. */
  size: number;
  params: GPUBuffer;
  grads: GPUBuffer;
  adamM: GPUBuffer;
  adamV: GPUBuffer;
  /** layer → target → its A/B slots (absent when that layer/target has no adapter). */
  slots: Array<Partial<Record<LoraTarget, LoraPair>>>;
  /** Manifest order, for export. */
  order: LoraSlot[];
}

export function loraLayout(spec: ModelSpec, settings: LoraSettings): { size: number; order: LoraSlot[]; slots: DeviceLora['slots'] } {
  const slots: DeviceLora['slots'] = Array.from({ length: spec.numLayers }, () => ({}));
  const order: LoraSlot[] = [];
  let offset = 0;
  for (const e of loraManifest(spec, settings)) {
    // Each tensor starts on a 64-element (256-byte) boundary so it can also be bound on its own.
    offset = Math.ceil(offset / 64) * 64;
    const slot: LoraSlot = { key: e.key, offset, rows: e.shape[0], cols: e.shape[1] };
    order.push(slot);
    const pair = (slots[e.layer][e.target] ??= {} as LoraPair);
    pair[e.which] = slot;
    offset += e.shape[0] * e.shape[1];
  }
  return { size: Math.ceil(offset / 64) * 64, order, slots };
}

/** `forwardOnly`: the adapter is only applied (evaluation, the playground), never trained: its
 * gradients and AdamW moments are one-float stand-ins, not three more copies of the adapter. */
export function createDeviceLora(gpu: Gpu, spec: ModelSpec, adapter: LoraAdapter, forwardOnly = false): DeviceLora {
  const { size, order, slots } = loraLayout(spec, adapter.settings);
  const bytes = Math.max(1, size) * 4;
  const trainBytes = forwardOnly ? 4 : bytes;
  const lora: DeviceLora = {
    settings: adapter.settings,
    scale: loraScale(adapter.settings),
    size,
    params: createStorageBuffer(gpu.ctx, bytes, 'lora.params'),
    grads: createStorageBuffer(gpu.ctx, trainBytes, 'lora.grads'),
    adamM: createStorageBuffer(gpu.ctx, trainBytes, 'lora.adamM'),
    adamV: createStorageBuffer(gpu.ctx, trainBytes, 'lora.adamV'),
    slots,
    order,
  };
  writeLoraParams(gpu, lora, adapter);
  return lora;
}

/** Uploads adapter tensors (import, resume). Every tensor of the layout must be present. */
export function writeLoraParams(gpu: Gpu, lora: DeviceLora, adapter: LoraAdapter): void {
  const flat = new Float32Array(lora.size);
  for (const slot of lora.order) {
    const t = adapter.tensors.get(slot.key);
    if (!t) throw new Error(`adapter is missing tensor ${slot.key}`);
    if (t.length !== slot.rows * slot.cols) throw new Error(`adapter tensor ${slot.key} has ${t.length} values, expected ${slot.rows}×${slot.cols}`);
    flat.set(t, slot.offset);
  }
  writeBuffer(gpu.ctx, lora.params, flat);
}

/** Splits a flat parameter (or gradient) array into tensors by key, in layout order. */
export function unflattenLora(order: readonly LoraSlot[], flat: Float32Array): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const slot of order) out.set(slot.key, flat.slice(slot.offset, slot.offset + slot.rows * slot.cols));
  return out;
}

export async function readLoraParams(gpu: Gpu, lora: DeviceLora): Promise<LoraAdapter> {
  gpu.recorder.submit();
  return { settings: lora.settings, tensors: unflattenLora(lora.order, await readF32(gpu.ctx, lora.params, lora.size)) };
}

export async function readLoraGrads(gpu: Gpu, lora: DeviceLora): Promise<Map<string, Float32Array>> {
  gpu.recorder.submit();
  return unflattenLora(lora.order, await readF32(gpu.ctx, lora.grads, lora.size));
}

const loraBuffers = (lora: DeviceLora) => [lora.params, lora.grads, lora.adamM, lora.adamV];

/** GPU bytes the adapter holds (parameters, and gradients and moments where it trains). */
export function deviceLoraBytes(lora: DeviceLora): number {
  return loraBuffers(lora).reduce((n, b) => n + b.size, 0);
}

export function destroyDeviceLora(lora: DeviceLora): void {
  for (const b of loraBuffers(lora)) b.destroy();
}
