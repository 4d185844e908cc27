// AdamW on the GPU against the f64 reference over several steps (bias correction changes each
// step), with weight decay and gradient scale, and with the clip factor read from gradNorm's result
// buffer on the GPU.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer, writeBuffer } from '../../src/gpu/index.ts';
import { adamWUpdate } from '../../src/ops/adamw.ts';
import { GRAD_NORM_RESULT_BYTES, gradNorm, gradNormPartialCount } from '../../src/ops/gradNorm.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { adamWStepRef, type AdamWState } from '../reference/adamw.ts';
import { gradNormRef } from '../reference/gradNorm.ts';

// Moments: a couple of f32 products and a sum per step, relative error a few ulp → 1e-6 relative.
// Params move by ≤ lr·|m/√v| ≈ lr per step; the f32 update carries ~1e-6 relative error of that and
// the param itself one ulp (~6e-8 at |p| ≤ 1): 1e-6 absolute over three steps of lr = 1e-2.
const MOMENTS = { atol: 1e-9, rtol: 1e-5 };
const PARAMS = { atol: 1e-6, rtol: 1e-6 };

const HYPER = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

function freshState(n: number, seed: number): AdamWState {
  return { param: Float64Array.from(randomArray(n, seed)), m: new Float64Array(n), v: new Float64Array(n) };
}

describe('adamW on the GPU', () => {
  for (const n of [1, 255, 1000]) {
    it(`matches the reference over three steps (n=${n})`, async () => {
      const gpu = await testGpu();
      const ref = freshState(n, n);
      const param = uploadBuffer(gpu.ctx, Float32Array.from(ref.param), 'param');
      const m = createStorageBuffer(gpu.ctx, n * 4, 'm');
      const v = createStorageBuffer(gpu.ctx, n * 4, 'v');
      const grad = createStorageBuffer(gpu.ctx, n * 4, 'grad');
      for (let step = 1; step <= 3; step++) {
        const g = randomArray(n, 100 * step + n, step); // grads of different sizes each step
        writeBuffer(gpu.ctx, grad, g);
        await adamWUpdate(gpu, { ...HYPER, param, grad, m, v, n, step, gradScale: 0.5 });
        gpu.recorder.submit();
        adamWStepRef(ref, g, { ...HYPER, step, scale: 0.5 });
        expectClose(await readF32(gpu.ctx, m, n), ref.m, MOMENTS, `m step ${step}`);
        expectClose(await readF32(gpu.ctx, v, n), ref.v, MOMENTS, `v step ${step}`);
        expectClose(await readF32(gpu.ctx, param, n), ref.param, PARAMS, `param step ${step}`);
      }
    });
  }

  it('clips with the factor gradNorm wrote on the GPU, over two tensors', async () => {
    const gpu = await testGpu();
    const lengths = [300, 77];
    const grads = lengths.map((n, i) => randomArray(n, 7 + i, 3));
    const maxNorm = 1;
    const { clip } = gradNormRef(grads, maxNorm);
    expect(clip).toBeLessThan(0.2); // the clip really bites in this test
    const states = lengths.map((n, i) => freshState(n, 50 + i));
    const gGrads = grads.map((g, i) => uploadBuffer(gpu.ctx, g, `grad${i}`));
    const params = states.map((s, i) => uploadBuffer(gpu.ctx, Float32Array.from(s.param), `param${i}`));
    const moments = lengths.map((n) => [createStorageBuffer(gpu.ctx, n * 4, 'm'), createStorageBuffer(gpu.ctx, n * 4, 'v')]);
    const partials = createStorageBuffer(gpu.ctx, gradNormPartialCount(lengths) * 4, 'partials');
    const result = createStorageBuffer(gpu.ctx, GRAD_NORM_RESULT_BYTES, 'result');
    await gradNorm(gpu, { grads: gGrads.map((buffer, i) => ({ buffer, length: lengths[i] })), partials, result, maxNorm });
    for (let i = 0; i < lengths.length; i++) {
      await adamWUpdate(gpu, { ...HYPER, param: params[i], grad: gGrads[i], m: moments[i][0], v: moments[i][1], n: lengths[i], step: 1, clip: result });
    }
    gpu.recorder.submit(); // norm, clip and both updates in one submit: no readback in between
    for (let i = 0; i < lengths.length; i++) {
      adamWStepRef(states[i], grads[i], { ...HYPER, step: 1, scale: clip });
      expectClose(await readF32(gpu.ctx, moments[i][0], lengths[i]), states[i].m, MOMENTS, `clipped m${i}`);
      expectClose(await readF32(gpu.ctx, params[i], lengths[i]), states[i].param, PARAMS, `clipped param${i}`);
    }
  });

  it('refuses a step below 1', async () => {
    const gpu = await testGpu();
    const b = createStorageBuffer(gpu.ctx, 4, 'b');
    await expect(adamWUpdate(gpu, { lr: 1, param: b, grad: b, m: b, v: b, n: 1, step: 0 })).rejects.toThrow(/step/);
  });
});
