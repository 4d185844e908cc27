// A lost device becomes a clear error, later GPU calls refuse with it, and the engine recovers by
// acquiring a new device on the next request.
import { describe, expect, it } from 'vitest';
import { nodeGpu } from '../../src/gpu/nodeGpu.ts';
import { createStorageBuffer, GpuDeviceLostError, readBuffer } from '../../src/gpu/index.ts';
import { readsWaitingOnDevice } from '../../src/gpu/buffers.ts';
import { StudioEngine } from '../../src/worker/engine.ts';
import type { WorkerEvent } from '../../src/worker/protocol.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('device loss', () => {
  it('a read in flight when the device is lost fails with the loss; reads leave nothing waiting on the device', async () => {
    const engine = new StudioEngine(await nodeGpu(), () => undefined);
    const { ctx } = await engine.device();
    const buf = createStorageBuffer(ctx, 64, 'read-often');
    // Every decoded token is a read: each one must let go of the device-lost wait it set up.
    for (let i = 0; i < 50; i++) await readBuffer(ctx, buf);
    expect(readsWaitingOnDevice(ctx)).toBe(0);
    const inFlight = readBuffer(ctx, buf);
    expect(readsWaitingOnDevice(ctx)).toBe(1);
    ctx.device.destroy();
    await expect(inFlight).rejects.toBeInstanceOf(GpuDeviceLostError);
    expect(readsWaitingOnDevice(ctx)).toBe(0);
  });

  it('turns into GpuDeviceLostError, an event, and a fresh device on the next request', async () => {
    const events: WorkerEvent[] = [];
    const engine = new StudioEngine(await nodeGpu(), (e) => events.push(e));
    const first = await engine.device();
    const buf = createStorageBuffer(first.ctx, 64, 'before-loss');
    first.ctx.device.destroy(); // what a driver reset looks like to the page
    const lost = await first.ctx.lost;
    expect(lost).toBeInstanceOf(GpuDeviceLostError);
    expect(lost.message).toMatch(/GPU device was lost.*the next job gets a new device$/);
    expect(() => createStorageBuffer(first.ctx, 64, 'after-loss')).toThrow(GpuDeviceLostError);
    await expect(readBuffer(first.ctx, buf)).rejects.toBeInstanceOf(GpuDeviceLostError);
    await new Promise((r) => setTimeout(r, 0));
    expect(events.some((e) => e.type === 'device-lost')).toBe(true);

    const caps = await engine.handlers.probe({}, () => undefined);
    expect(caps.selfTest.ok).toBe(true);
    const second = await engine.device();
    expect(second.ctx.device).not.toBe(first.ctx.device);
  });

  it('the tests\' device is replaced once a test destroyed it, for the tests after it in the process', async () => {
    const first = await testGpu();
    expect(await testGpu()).toBe(first);
    first.ctx.device.destroy();
    await first.ctx.lost;
    const second = await testGpu();
    expect(second).not.toBe(first);
    expect(second.ctx.lostError).toBeNull();
    createStorageBuffer(second.ctx, 64, 'after-replacement').destroy();
  });
});
