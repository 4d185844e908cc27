// The same engine code as in Node, on Chrome's WebGPU (Tint compiler, SwiftShader adapter here).
import { createStorageBuffer, readF32, uploadBuffer, shaderFile, WgslCompileError } from '../../src/gpu/index.ts';
import { addForward } from '../../src/ops/elementwise.ts';
import brokenCode from '../fixtures/shaders/broken.wgsl?raw';
import { browserGpu } from './browser-gpu.ts';

export const tests = {
  async 'a compute shader matches the CPU in Chromium'() {
    const gpu = await browserGpu();
    const n = 1000;
    const a = new Float32Array(n).map((_, i) => i * 0.25);
    const b = new Float32Array(n).map((_, i) => -i);
    const out = createStorageBuffer(gpu.ctx, n * 4, 'out');
    await addForward(gpu, uploadBuffer(gpu.ctx, a, 'a'), uploadBuffer(gpu.ctx, b, 'b'), out, n);
    gpu.recorder.submit();
    const got = await readF32(gpu.ctx, out, n);
    for (let i = 0; i < n; i++) {
      if (Math.abs(got[i] - (a[i] + b[i])) > 1e-6) throw new Error(`element ${i}: got ${got[i]}, want ${a[i] + b[i]}`);
    }
  },
  async 'a WGSL error names the shader file and line in Chromium'() {
    const gpu = await browserGpu();
    const err = await gpu.pipelines.pipeline(shaderFile('broken.wgsl', brokenCode), 'main').catch((e) => e);
    if (!(err instanceof WgslCompileError) || err.line !== 6 || !err.message.startsWith('shaders/broken.wgsl:6:')) {
      throw new Error(`expected a WgslCompileError at broken.wgsl:6, got ${err?.message}`);
    }
  },
};
