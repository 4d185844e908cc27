// The recorder's bind-group cache: a dispatch whose parameters changed (a micro-batch of a new
// length) rewrites a cached group's uniform instead of making a group, but never one the recording
// not yet submitted uses, nor one a captured program uses; every dispatch sees its own parameters.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, Recorder, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { axpy } from '../../src/ops/elementwise.ts';
import { testGpu } from '../helpers/gpu.ts';
import { expectClose } from '../helpers/compare.ts';

const n = 300;
const a = Float32Array.from({ length: n }, (_, i) => (i % 17) - 8);
const tol = { atol: 1e-4, rtol: 1e-6 };

/** A fresh recorder on the shared device, buffers x (= a) and y (zeros) for axpy, and a count of
 * the bind groups the device makes; `restore` undoes the count and frees the buffers. */
async function counting(): Promise<{ gpu: Gpu; x: GPUBuffer; y: GPUBuffer; made: () => number; restore: () => void }> {
  const shared = await testGpu();
  shared.recorder.submit();
  const gpu = { ...shared, recorder: new Recorder(shared.ctx) };
  const device = gpu.ctx.device;
  const create = device.createBindGroup.bind(device);
  let count = 0;
  device.createBindGroup = (d: GPUBindGroupDescriptor) => {
    count++;
    return create(d);
  };
  const x = uploadBuffer(gpu.ctx, a, 'x');
  const y = createStorageBuffer(gpu.ctx, n * 4, 'y');
  const restore = () => {
    device.createBindGroup = create;
    x.destroy();
    y.destroy();
  };
  return { gpu, x, y, made: () => count, restore };
}

describe('bind-group cache', () => {
  it('gives two dispatches of one recording with different parameters a group each, then rewrites one for new parameters after the submit', async () => {
    const { gpu, x, y, made, restore } = await counting();
    try {
      await axpy(gpu, x, y, n, 0.5);
      await axpy(gpu, x, y, n, 2); // same pipeline and buffers, not yet submitted: needs its own group
      expect(made()).toBe(2);
      gpu.recorder.submit();
      expectClose(await readF32(gpu.ctx, y, n), a.map((v) => 2.5 * v), tol, 'both scales applied');

      await axpy(gpu, x, y, n, 3); // new parameters after the submit: a rewrite, no new group
      await axpy(gpu, x, y, n, 2); // the other group still holds 2
      expect(made()).toBe(2);
      // Submitted before the reads below: the rewrite must not reach back into work already queued.
      gpu.recorder.submit();
      expectClose(await readF32(gpu.ctx, y, n), a.map((v) => 7.5 * v), tol, 'rewritten scale');

      // Rewritten while the previous submit may still be running on the GPU: that work keeps its values.
      await axpy(gpu, x, y, n, 10);
      gpu.recorder.submit();
      await axpy(gpu, x, y, n, -1);
      await axpy(gpu, x, y, n, 0.25);
      gpu.recorder.submit();
      expect(made()).toBe(2);
      expectClose(await readF32(gpu.ctx, y, n), a.map((v) => 16.75 * v), tol, 'work queued before a rewrite');
    } finally {
      restore();
    }
  });

  it('forgets the groups no program uses when a job ends, destroying their uniforms, and keeps a live program’s', async () => {
    const { gpu, x, y, restore } = await counting();
    const device = gpu.ctx.device;
    const live = new Set<GPUBuffer>();
    const create = device.createBuffer.bind(device);
    device.createBuffer = (d: GPUBufferDescriptor) => {
      const b = create(d);
      if (d.label?.startsWith('uniforms:')) {
        live.add(b);
        const destroy = b.destroy.bind(b);
        b.destroy = () => (live.delete(b), destroy());
      }
      return b;
    };
    try {
      const step = () => axpy(gpu, x, y, n, 0.5);
      await gpu.recorder.capture(step);
      gpu.recorder.submit();
      const program = (await gpu.recorder.capture(step))!;
      for (const k of [2, 3, 4]) {
        await axpy(gpu, x, y, n, k);
        await axpy(gpu, y, x, n, k);
      }
      const before = gpu.recorder.cachedBindGroups;
      expect(before).toBeGreaterThan(2);
      expect(gpu.recorder.forgetBindGroups()).toBe(before - 1);
      expect(gpu.recorder.cachedBindGroups).toBe(1); // the program's
      await device.queue.onSubmittedWorkDone();
      await new Promise((r) => setTimeout(r, 0));
      expect(live.size).toBe(1);
      expect(gpu.recorder.replay(program)).toBe(true);
      program.release();
      gpu.recorder.forgetBindGroups();
      await device.queue.onSubmittedWorkDone();
      await new Promise((r) => setTimeout(r, 0));
      expect([gpu.recorder.cachedBindGroups, live.size]).toEqual([0, 0]);
    } finally {
      device.createBuffer = create;
      restore();
    }
  });

  it('never rewrites a group a captured program uses, and a capture that rewrote one is not kept', async () => {
    const { gpu, x, y, made, restore } = await counting();
    try {
      const step = () => axpy(gpu, x, y, n, 0.5);
      expect(await gpu.recorder.capture(step)).toBeNull(); // made its group
      gpu.recorder.submit();
      const program = (await gpu.recorder.capture(step))!;
      expect(program).not.toBeNull();
      gpu.recorder.submit();
      await axpy(gpu, x, y, n, 7); // the only group of this key is pinned: a new one
      expect(made()).toBe(2);
      gpu.recorder.submit();
      expect(gpu.recorder.replay(program)).toBe(true);
      gpu.recorder.submit();
      expectClose(await readF32(gpu.ctx, y, n), a.map((v) => 8.5 * v), tol, 'the program kept its scale');
      program.release();

      // Once released, the group may be rewritten; a capture that does so is spoiled.
      expect(await gpu.recorder.capture(() => axpy(gpu, x, y, n, 0.75).then(() => axpy(gpu, x, y, n, 9)))).toBeNull();
      gpu.recorder.submit();
      expect(made()).toBe(2);
      expectClose(await readF32(gpu.ctx, y, n), a.map((v) => 18.25 * v), tol, 'after the rewrites');
    } finally {
      restore();
    }
  });
});
