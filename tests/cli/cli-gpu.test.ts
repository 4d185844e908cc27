// The CLI's jobs run on one GPU device per process (cliGpu), as the worker's do: a second command
// in the same process finds its pipelines compiled, and a device that was lost is acquired again.
import { describe, expect, it } from 'vitest';
import { cliGpu } from '../../src/cli/engine.ts';
import { studioInProcess } from '../helpers/studioInProcess.ts';

describe('the CLI’s GPU', () => {
  it('is one device for every job of the process, with the pipelines it compiled', async () => {
    const gpu = await cliGpu();
    expect(await cliGpu()).toBe(gpu);
    const r = await studioInProcess(['generate', '--model', 'public/models/tiny-qwen3', '--prompt', 'hi', '--max-tokens', '1', '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(await cliGpu(), 'the device generate ran on').toBe(gpu);
    const compiled = gpu.pipelines.size;
    expect(compiled).toBeGreaterThan(0);
    const again = await studioInProcess(['generate', '--model', 'public/models/tiny-qwen3', '--prompt', 'hello', '--max-tokens', '1', '--quiet']);
    expect(again.code, again.err).toBe(0);
    expect(gpu.pipelines.size, 'pipelines compiled again for the same command').toBe(compiled);
  }, 120_000);

  it('is acquired again once the device is lost', async () => {
    const gpu = await cliGpu();
    gpu.ctx.destroy();
    await gpu.ctx.lost;
    const next = await cliGpu();
    expect(next).not.toBe(gpu);
    expect(next.ctx.lostError).toBeNull();
    const r = await studioInProcess(['generate', '--model', 'public/models/tiny-qwen3', '--prompt', 'hi', '--max-tokens', '1', '--quiet']);
    expect(r.code, r.err).toBe(0);
  }, 120_000);
});
