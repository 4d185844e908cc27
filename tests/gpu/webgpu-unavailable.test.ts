// What a browser without a usable WebGPU is told by the engine: the fact, in words that hold in every
// browser. The page shows it as details beside its own steps for this browser
// (webgpuAdvice); Firefox and Safari users were sent to chrome://gpu and Chrome's flags.
import { describe, expect, it } from 'vitest';
import { acquireGpu } from '../../src/gpu/context.ts';

const failure = (gpu: GPU | undefined) => acquireGpu(gpu).then(() => '', (err: Error) => `${err.name}: ${err.message}`);

describe('a browser whose WebGPU cannot be used', () => {
  it('is told what is missing, naming no one browser’s pages or flags', async () => {
    const noAdapter = await failure({ requestAdapter: async () => null } as unknown as GPU);
    expect(noAdapter).toMatch(/^WebGpuUnavailableError: .*no GPU adapter/);
    const noWebGpu = await failure(undefined);
    expect(noWebGpu).toMatch(/^WebGpuUnavailableError: .*navigator\.gpu is undefined/);
    for (const message of [noAdapter, noWebGpu]) expect(message).not.toMatch(/chrome:|--enable|Chrome|Edge/);
  });
});
