// The foundation: a real WebGPU adapter in Node, compute results checked against the CPU,
// shader errors that name file and line, limits enforced before the GPU sees a request.
import { describe, expect, it } from 'vitest';
import { readF32, uploadBuffer, createStorageBuffer, shaderFile, WgslCompileError, GpuLimitError, GpuRefusedWorkError, splitWorkgroups } from '../../src/gpu/index.ts';
import { isSoftwareAdapter } from '../../src/gpu/context.ts';
import { addForward, axpy, scaleForward } from '../../src/ops/elementwise.ts';
import brokenCode from '../fixtures/shaders/broken.wgsl?raw';
import { testGpu } from '../helpers/gpu.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';

describe('gpu device', () => {
  it('offers an adapter with real limits and reports optional features', async () => {
    const gpu = await testGpu();
    expect(gpu.ctx.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(gpu.ctx.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    expect(gpu.ctx.limits.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
    // SwiftShader has no shader-f16; the set only holds features the device really has.
    for (const f of gpu.ctx.features) expect(gpu.ctx.device.features.has(f)).toBe(true);
  });

  it('takes an adapter that says it is the fallback (CPU) one for software, whatever its names say', async () => {
    // Chrome masks the description: WARP reads as vendor "microsoft" and nothing more.
    const info = (fields: Partial<GPUAdapterInfo>) => ({ vendor: '', architecture: '', device: '', description: '', ...fields }) as GPUAdapterInfo;
    expect(isSoftwareAdapter(info({ vendor: 'microsoft', isFallbackAdapter: true } as Partial<GPUAdapterInfo>))).toBe(true);
    expect(isSoftwareAdapter(info({ vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false } as Partial<GPUAdapterInfo>))).toBe(false);
    expect(isSoftwareAdapter(info({ vendor: 'google', architecture: 'swiftshader' }))).toBe(true);
    // This machine's SwiftShader says both.
    expect((await testGpu()).ctx.adapter.isSoftware).toBe(true);
  });

  it('runs elementwise kernels that match the CPU, including a length that needs a folded 2-D dispatch', async () => {
    const gpu = await testGpu();
    for (const n of [1, 255, 257, 70_000]) {
      const a = randomArray(n, 1);
      const b = randomArray(n, 2);
      const ga = uploadBuffer(gpu.ctx, a, 'a');
      const gb = uploadBuffer(gpu.ctx, b, 'b');
      const out = createStorageBuffer(gpu.ctx, n * 4, 'out');
      await addForward(gpu, ga, gb, out, n);
      await axpy(gpu, ga, out, n, 0.5); // out = a + b + 0.5a
      gpu.recorder.submit();
      const got = await readF32(gpu.ctx, out, n);
      const want = a.map((v, i) => v + b[i] + 0.5 * v);
      expectClose(got, want, { atol: 1e-6, rtol: 1e-6 }, `add+axpy n=${n}`);

      await scaleForward(gpu, ga, out, n, -3);
      gpu.recorder.submit();
      expectClose(await readF32(gpu.ctx, out, n), a.map((v) => -3 * v), { atol: 1e-6, rtol: 1e-6 }, `scale n=${n}`);
      [ga, gb, out].forEach((x) => x.destroy());
    }
  });

  it('folds a workgroup count past the per-dimension limit into x and y', () => {
    expect(splitWorkgroups(10, 65535)).toEqual([10, 1]);
    const [x, y] = splitWorkgroups(200_000, 65535);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(200_000);
  });

  it('names the shader file and line of a WGSL error', async () => {
    const gpu = await testGpu();
    const broken = shaderFile('broken.wgsl', brokenCode);
    const err = await gpu.pipelines.pipeline(broken, 'main').catch((e) => e);
    expect(err).toBeInstanceOf(WgslCompileError);
    expect(err.message).toMatch(/^shaders\/broken\.wgsl:6:\d+: .*undefined_symbol/);
    expect(err.line).toBe(6);
  });

  it('names the right file when shaders compile concurrently (one error-scope stack per device)', async () => {
    const gpu = await testGpu();
    const { ELEMENTWISE } = await import('../../src/ops/elementwise.ts');
    // Another copy of the broken shader under a new name, so neither is cached from the test above.
    const broken = shaderFile('broken-concurrent.wgsl', brokenCode);
    const [bad, good] = await Promise.allSettled([gpu.pipelines.pipeline(broken, 'main'), gpu.pipelines.pipeline(ELEMENTWISE, 'add', { WG: 32 })]);
    expect(good.status, good.status === 'rejected' ? String(good.reason) : '').toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    expect(String((bad as PromiseRejectedResult).reason.message)).toMatch(/^shaders\/broken-concurrent\.wgsl:6:\d+: .*undefined_symbol/);
  });

  it('fails every readback after work the GPU refused unchecked, until a new job clears it', async () => {
    const gpu = await testGpu();
    const good = uploadBuffer(gpu.ctx, new Float32Array([1, 2, 3, 4]), 'good');
    const gone = createStorageBuffer(gpu.ctx, 16, 'gone');
    gone.destroy();
    // Work that uses a destroyed buffer is dropped with an error nobody scoped, as a bug would be.
    const enc = gpu.ctx.device.createCommandEncoder();
    enc.copyBufferToBuffer(gone, 0, good, 0, 16);
    gpu.ctx.device.queue.submit([enc.finish()]);
    try {
      const err = await readF32(gpu.ctx, good, 4).catch((e) => e);
      expect(err).toBeInstanceOf(GpuRefusedWorkError);
      expect(err.message).toMatch(/^the GPU refused the studio's work \(.+\); results since then cannot be trusted/);
      await expect(readF32(gpu.ctx, good, 4)).rejects.toBe(err);
    } finally {
      gpu.ctx.clearRefusal();
    }
    expect([...(await readF32(gpu.ctx, good, 4))]).toEqual([1, 2, 3, 4]);
    good.destroy();
    // Memory the GPU could not give names what to lower, for training and for generating alike, by
    // the fields the page shows (the CLI says its flags: tests/cli/form-flags.test.ts).
    expect(new GpuRefusedWorkError('out-of-memory', 'x').message).toContain('Lower Batch (examples) or Sequence length (tokens) when training, Answers at once or Max new tokens when generating, or close');
  });

  it('refuses a buffer larger than the binding limit with a message naming the limit', async () => {
    const gpu = await testGpu();
    const tooBig = gpu.ctx.limits.maxStorageBufferBindingSize + 4;
    expect(() => createStorageBuffer(gpu.ctx, tooBig, 'huge')).toThrow(GpuLimitError);
    expect(() => createStorageBuffer(gpu.ctx, tooBig, 'huge')).toThrow(/huge.*(maxBufferSize|maxStorageBufferBindingSize)/);
  });

  it('caches pipelines by file, entry point and override constants', async () => {
    const gpu = await testGpu();
    const { ELEMENTWISE } = await import('../../src/ops/elementwise.ts');
    const p1 = await gpu.pipelines.pipeline(ELEMENTWISE, 'add', { WG: 256 });
    const p2 = await gpu.pipelines.pipeline(ELEMENTWISE, 'add', { WG: 256 });
    const p3 = await gpu.pipelines.pipeline(ELEMENTWISE, 'add', { WG: 64 });
    expect(p1).toBe(p2);
    expect(p3).not.toBe(p1);
  });
});
