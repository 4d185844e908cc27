// Dawn's waits on a software adapter: its event polls go through setTimeout (about one a
// millisecond) instead of a setImmediate busy loop that took a core from SwiftShader; on a hardware
// adapter they stay as Dawn makes them. Everyone else's setImmediate is untouched.
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, uploadBuffer } from '../../src/gpu/index.ts';
import { throttledDawnPolls } from '../../src/gpu/dawnPolling.ts';
import { matmul } from '../../src/ops/matmul.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('Dawn polling', () => {
  it('waits for GPU work with at most about one Dawn poll a millisecond on a software adapter, and as Dawn does on a hardware one', async () => {
    const gpu = await testGpu();
    const n = 384; // ~57 M multiply-adds: tens of milliseconds on SwiftShader
    const a = uploadBuffer(gpu.ctx, Float32Array.from({ length: n * n }, (_, i) => (i % 7) - 3), 'a');
    const c = createStorageBuffer(gpu.ctx, n * n * 4, 'c');
    try {
      await matmul(gpu, { a, b: a, c, M: n, N: n, K: n }); // compile first: time the work alone
      gpu.recorder.submit();
      await gpu.ctx.device.queue.onSubmittedWorkDone();
      const before = throttledDawnPolls();
      const t0 = performance.now();
      for (let i = 0; i < 4; i++) await matmul(gpu, { a, b: a, c, M: n, N: n, K: n });
      gpu.recorder.submit();
      await gpu.ctx.device.queue.onSubmittedWorkDone();
      const ms = performance.now() - t0;
      const polls = throttledDawnPolls() - before;
      if (gpu.ctx.adapter.isSoftware) {
        expect(polls, `Dawn polled through setTimeout while waiting ${ms.toFixed(0)} ms`).toBeGreaterThan(0);
        expect(polls, `at most about one poll a millisecond over ${ms.toFixed(0)} ms`).toBeLessThanOrEqual(1.5 * ms + 5);
      } else {
        expect(polls, 'a hardware adapter keeps Dawn’s own polling').toBe(0);
      }
    } finally {
      a.destroy();
      c.destroy();
    }
  });

  it('leaves every other setImmediate as it was: arguments, promisify, no throttling', async () => {
    await testGpu();
    const before = throttledDawnPolls();
    expect(await new Promise((resolve) => setImmediate(resolve, 'arg'))).toBe('arg');
    expect(await promisify(setImmediate)('value')).toBe('value');
    expect(await new Promise<string>((resolve) => setImmediate(function () { resolve('plain'); }))).toBe('plain');
    // A bound function prints as Dawn's native one does (fake-indexeddb schedules its transactions so).
    expect(await new Promise<string>((resolve) => setImmediate(function (this: string) { resolve(this); }.bind('bound')))).toBe('bound');
    expect(await new Promise<string>((resolve) => setImmediate((() => resolve('bound arrow')).bind(null)))).toBe('bound arrow');
    const handle = setImmediate(() => {});
    expect(handle.constructor.name).toBe('Immediate');
    clearImmediate(handle);
    expect(throttledDawnPolls()).toBe(before);
  });
});
