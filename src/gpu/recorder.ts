// Records compute dispatches into one command encoder and submits them together, so a training
// step is a handful of submits, not hundreds. Uniform parameters of every dispatch are packed into
// shared uniform slabs (256-byte aligned slots) instead of one tiny buffer each.
//
// Binding convention for every kernel: `@group(0) @binding(0) var<uniform> params` when the kernel
// has parameters, storage buffers from binding 1 up. Pipelines use layout 'auto', whose bind group
// layout holds only the bindings an entry point uses, so ops pass exactly those.
import type { GpuContext } from './context.ts';
import { GpuLimitError } from './errors.ts';

const UNIFORM = 0x40;
const COPY_DST = 0x8;
const SLAB_BYTES = 64 * 1024;

export type Binding = GPUBuffer | GPUBufferBinding;
export type Workgroups = readonly [number, number?, number?];

export class Recorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private slab: { buffer: GPUBuffer; bytes: Uint8Array; used: number } | null = null;
  private readonly pendingSlabs: GPUBuffer[] = [];
  private readonly slotAlign: number;
  dispatchCount = 0;

  constructor(readonly ctx: GpuContext) {
    this.slotAlign = Math.max(256, ctx.device.limits.minUniformBufferOffsetAlignment ?? 256);
  }

  private ensurePass(): GPUComputePassEncoder {
    if (!this.encoder) this.encoder = this.ctx.device.createCommandEncoder({ label: 'recorder' });
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    return this.pass;
  }

  private uniformSlot(data: ArrayBuffer): GPUBufferBinding {
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    if (!this.slab || this.slab.used + size > SLAB_BYTES) {
      if (this.slab) this.closeSlab();
      const buffer = this.ctx.device.createBuffer({ label: 'uniform-slab', size: SLAB_BYTES, usage: UNIFORM | COPY_DST, mappedAtCreation: true });
      this.slab = { buffer, bytes: new Uint8Array(buffer.getMappedRange()), used: 0 };
    }
    const offset = this.slab.used;
    this.slab.bytes.set(new Uint8Array(data), offset);
    this.slab.used = Math.ceil((offset + size) / this.slotAlign) * this.slotAlign;
    return { buffer: this.slab.buffer, offset, size };
  }

  private closeSlab(): void {
    if (!this.slab) return;
    this.slab.buffer.unmap();
    this.pendingSlabs.push(this.slab.buffer);
    this.slab = null;
  }

  /** Records one dispatch. `bindings[i]` goes to binding i (0 is the uniform, filled from `params`). */
  dispatch(pipeline: GPUComputePipeline, params: ArrayBuffer | null, storage: Record<number, Binding>, workgroups: Workgroups): void {
    const [x, y = 1, z = 1] = workgroups;
    const maxPerDim = this.ctx.limits.maxComputeWorkgroupsPerDimension;
    for (const n of [x, y, z]) {
      if (n > maxPerDim) throw new GpuLimitError('maxComputeWorkgroupsPerDimension', n, maxPerDim, `dispatch of ${pipeline.label}`);
    }
    if (x === 0 || y === 0 || z === 0) return;
    this.ctx.throwIfLost();
    const entries: GPUBindGroupEntry[] = [];
    if (params) entries.push({ binding: 0, resource: this.uniformSlot(params) });
    for (const [binding, b] of Object.entries(storage)) {
      entries.push({ binding: Number(binding), resource: 'buffer' in b ? b : { buffer: b } });
    }
    const bindGroup = this.ctx.device.createBindGroup({ label: pipeline.label, layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.ensurePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    this.dispatchCount++;
  }

  /** A buffer-to-buffer copy between dispatches (ends the current compute pass). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.ensurePass();
    this.pass!.end();
    this.pass = null;
    this.encoder!.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Zero-fills a buffer range (ends the current compute pass). */
  clear(buffer: GPUBuffer, offset = 0, size?: number): void {
    this.ensurePass();
    this.pass!.end();
    this.pass = null;
    this.encoder!.clearBuffer(buffer, offset, size);
  }

  /** Submits everything recorded so far. Uniform slabs are freed once the GPU is done with them. */
  submit(): void {
    this.closeSlab();
    if (!this.encoder) return;
    if (this.pass) this.pass.end();
    this.ctx.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pass = null;
    const done = this.pendingSlabs.splice(0);
    if (done.length) {
      this.ctx.device.queue.onSubmittedWorkDone().then(
        () => done.forEach((b) => b.destroy()),
        () => undefined,
      );
    }
  }
}

/** Splits a 1-D workgroup count over x and y when it exceeds the per-dimension limit; kernels
 * recover the flat index as `wid.x + wid.y * num_workgroups.x`. */
export function splitWorkgroups(count: number, maxPerDim: number): [number, number] {
  if (count <= maxPerDim) return [count, 1];
  const y = Math.ceil(count / maxPerDim);
  return [Math.ceil(count / y), y];
}
