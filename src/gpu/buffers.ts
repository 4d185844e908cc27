// Buffer creation, upload and readback. Readback is for metrics and tests only: never call it
// inside a training step's inner loop.
import type { GpuContext } from './context.ts';
import { GpuLimitError } from './errors.ts';

export const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST (numeric so Node needs no globals)
const MAP_READ = 0x1;
const COPY_DST = 0x8;

/** Storage buffers are sized in whole 4-byte words; WebGPU also wants sizes ≥ 4. */
export function alignedSize(bytes: number): number {
  return Math.max(4, Math.ceil(bytes / 4) * 4);
}

export function createStorageBuffer(ctx: GpuContext, bytes: number, label: string): GPUBuffer {
  const size = alignedSize(bytes);
  if (size > ctx.limits.maxBufferSize) throw new GpuLimitError('maxBufferSize', size, ctx.limits.maxBufferSize, `buffer "${label}"`);
  if (size > ctx.limits.maxStorageBufferBindingSize) {
    throw new GpuLimitError('maxStorageBufferBindingSize', size, ctx.limits.maxStorageBufferBindingSize, `buffer "${label}"`);
  }
  ctx.throwIfLost();
  return ctx.device.createBuffer({ label, size, usage: STORAGE });
}

/** A storage buffer holding `data` (any typed array; its bytes are copied as they are). */
export function uploadBuffer(ctx: GpuContext, data: ArrayBufferView, label: string): GPUBuffer {
  const buffer = createStorageBuffer(ctx, data.byteLength, label);
  writeBuffer(ctx, buffer, data);
  return buffer;
}

export function writeBuffer(ctx: GpuContext, buffer: GPUBuffer, data: ArrayBufferView, offsetBytes = 0): void {
  const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength % 4 === 0) {
    ctx.device.queue.writeBuffer(buffer, offsetBytes, bytes);
  } else {
    const padded = new Uint8Array(alignedSize(bytes.byteLength));
    padded.set(bytes);
    ctx.device.queue.writeBuffer(buffer, offsetBytes, padded);
  }
}

/** The reads waiting on a context, each told once if its device is lost. One reaction on `ctx.lost`
 * per context: a reaction per read would stay attached to that never-settling promise for the
 * device's whole life, a little heap per decoded token. */
const lostWaiters = new WeakMap<GpuContext, Set<(err: Error) => void>>();

/** Reads now waiting on the context's device (for tests: it returns to 0 when they end). */
export function readsWaitingOnDevice(ctx: GpuContext): number {
  return lostWaiters.get(ctx)?.size ?? 0;
}

function waitersOf(ctx: GpuContext): Set<(err: Error) => void> {
  let waiters = lostWaiters.get(ctx);
  if (!waiters) {
    const created = new Set<(err: Error) => void>();
    void ctx.lost.then((err) => created.forEach((fail) => fail(err)));
    lostWaiters.set(ctx, (waiters = created));
  }
  return waiters;
}

/** Rejects when the context's device is lost; `done` stops waiting. */
function untilLost(ctx: GpuContext): { promise: Promise<never>; done(): void } {
  const waiters = waitersOf(ctx);
  let fail!: (err: Error) => void;
  const promise = new Promise<never>((_, reject) => (fail = reject));
  if (ctx.lostError) fail(ctx.lostError);
  else waiters.add(fail);
  return { promise, done: () => waiters.delete(fail) };
}

/** A mappable buffer for a copy the caller records into its own submit, and the read of it: the
 * readback of one submit's result that later submits need not wait for. Call `read` after that
 * submit; it frees the buffer. */
export function createReadback(ctx: GpuContext, bytes: number, label: string): { buffer: GPUBuffer; read(): Promise<ArrayBuffer> } {
  const buffer = ctx.device.createBuffer({ label: `readback:${label}`, size: alignedSize(bytes), usage: MAP_READ | COPY_DST });
  return {
    buffer,
    async read() {
      try {
        const lost = untilLost(ctx);
        try {
          await Promise.race([buffer.mapAsync(MAP_READ), lost.promise]);
        } catch (err) {
          // Chrome fails the map before it reports the device lost: wait a moment for the real cause.
          throw (await Promise.race([ctx.lost, new Promise<null>((r) => setTimeout(() => r(null), 250))])) ?? err;
        } finally {
          lost.done();
        }
        ctx.throwIfRefused();
        return buffer.getMappedRange().slice(0, bytes);
      } finally {
        buffer.destroy();
      }
    },
  };
}

/** Copies `bytes` from `buffer` to the CPU. Waits for all queued work first. */
export async function readBuffer(ctx: GpuContext, buffer: GPUBuffer, bytes = buffer.size, offsetBytes = 0): Promise<ArrayBuffer> {
  ctx.throwIfLost();
  const readback = createReadback(ctx, bytes, buffer.label);
  const enc = ctx.device.createCommandEncoder({ label: 'readback' });
  enc.copyBufferToBuffer(buffer, offsetBytes, readback.buffer, 0, alignedSize(bytes));
  ctx.device.queue.submit([enc.finish()]);
  return readback.read();
}

export async function readF32(ctx: GpuContext, buffer: GPUBuffer, count?: number): Promise<Float32Array> {
  return new Float32Array(await readBuffer(ctx, buffer, count === undefined ? buffer.size : count * 4));
}

export async function readU32(ctx: GpuContext, buffer: GPUBuffer, count?: number): Promise<Uint32Array> {
  return new Uint32Array(await readBuffer(ctx, buffer, count === undefined ? buffer.size : count * 4));
}
