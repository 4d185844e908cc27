// The norm/RoPE/SwiGLU/embedding/optimizer/importance-matrix/next-token-KL kernels in Chromium (Tint compiler, SwiftShader adapter):
// the same WGSL as in Node, checked against the same references. Throws to fail.
import { createStorageBuffer, readF32, readU32, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { adamWUpdate } from '../../src/ops/adamw.ts';
import { columnSumSquares } from '../../src/ops/columnSumSquares.ts';
import { nextTokenKl } from '../../src/ops/nextTokenKl.ts';
import { embeddingBackward, embeddingForward, uploadEmbeddingBackwardPlan } from '../../src/ops/embedding.ts';
import { GRAD_NORM_RESULT_BYTES, gradNorm, gradNormPartialCount } from '../../src/ops/gradNorm.ts';
import { rmsNormBackward, rmsNormForward } from '../../src/ops/rmsNorm.ts';
import type { RowLoads } from '../../src/ops/rowLoads.ts';
import { ropeBackward, ropeForward, ropeInverseFrequencies } from '../../src/ops/rope.ts';
import { swigluBackward, swigluForward } from '../../src/ops/swiglu.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { packHalves } from '../helpers/halfPack.ts';
import { adamWStepRef } from '../reference/adamw.ts';
import { columnSumSquaresRef } from '../reference/columnSumSquares.ts';
import { nextTokenKlRef } from '../reference/nextTokenKl.ts';
import { embeddingBackwardRef, embeddingForwardRef } from '../reference/embedding.ts';
import { gradNormRef } from '../reference/gradNorm.ts';
import { rmsNormBackwardRef, rmsNormForwardRef } from '../reference/rmsNorm.ts';
import { ropeBackwardRef, ropeForwardRef } from '../reference/rope.ts';
import { swigluBackwardRef, swigluForwardRef } from '../reference/swiglu.ts';
import { browserGpu } from './browser-gpu.ts';

// The same tolerances as tests/ops/*.test.ts, where each is justified.
const TOL = { atol: 2e-5, rtol: 1e-4 };

function out(gpu: Gpu, floats: number, label: string): GPUBuffer {
  return createStorageBuffer(gpu.ctx, floats * 4, label);
}

export const tests = {
  async 'rmsNorm (bf16 weight; rows read one and four values a load), RoPE and SwiGLU forward and backward match the reference in Chromium'() {
    const gpu = await browserGpu();
    const rows = 5;
    const norms: Array<{ C: number; rowLoads: RowLoads; check: () => Promise<void> }> = [];
    for (const [C, rowLoads] of [[70, 'scalar'], [72, 'vec4']] as const) {
      const x = randomArray(rows * C, 1, 1.5);
      const w = packHalves(randomArray(C, 2), 'bf16');
      const dy = randomArray(rows * C, 3);
      const gx = uploadBuffer(gpu.ctx, x, 'x');
      const gw = uploadBuffer(gpu.ctx, w.packed, 'w');
      const gdy = uploadBuffer(gpu.ctx, dy, 'dy');
      const y = out(gpu, rows * C, 'y'), rstd = out(gpu, rows, 'rstd'), dx = out(gpu, rows * C, 'dx');
      await rmsNormForward(gpu, { x: gx, weight: gw, weightDtype: 'bf16', y, rstd, rows, C, eps: 1e-6, rowLoads });
      await rmsNormBackward(gpu, { x: gx, weight: gw, weightDtype: 'bf16', rstd, dy: gdy, dx, rows, C, rowLoads });
      norms.push({
        C,
        rowLoads,
        check: async () => {
          expectClose(await readF32(gpu.ctx, y, rows * C), rmsNormForwardRef(x, w.values, rows, C, 1e-6).y, TOL, `rmsNorm y (${rowLoads})`);
          expectClose(await readF32(gpu.ctx, dx, rows * C), rmsNormBackwardRef(x, w.values, dy, rows, C, 1e-6).dx, TOL, `rmsNorm dx (${rowLoads})`);
        },
      });
    }

    const T = 6, H = 2, D = 10; // two packed sequences: positions restart
    const positions = Uint32Array.from([0, 1, 2, 0, 1, 2000]);
    const invFreq = ropeInverseFrequencies(D, 1e6);
    const q = randomArray(T * H * D, 4);
    const shape = { positions: uploadBuffer(gpu.ctx, positions, 'pos'), invFreq: uploadBuffer(gpu.ctx, invFreq, 'invFreq'), tokens: T, heads: H, headDim: D };
    const rq = out(gpu, T * H * D, 'rq'), dq = out(gpu, T * H * D, 'dq');
    const gq = uploadBuffer(gpu.ctx, q, 'q');
    await ropeForward(gpu, { ...shape, x: gq, out: rq });
    await ropeBackward(gpu, { ...shape, dy: gq, dx: dq });

    const n = 300;
    const gate = randomArray(n, 5, 6), up = randomArray(n, 6), dAct = randomArray(n, 7);
    const gg = uploadBuffer(gpu.ctx, gate, 'gate'), gu = uploadBuffer(gpu.ctx, up, 'up');
    const act = out(gpu, n, 'act'), dgate = out(gpu, n, 'dgate'), dup = out(gpu, n, 'dup');
    await swigluForward(gpu, { gate: gg, up: gu, out: act, n });
    await swigluBackward(gpu, { gate: gg, up: gu, dy: uploadBuffer(gpu.ctx, dAct, 'dAct'), dgate, dup, n });
    gpu.recorder.submit();

    for (const norm of norms) await norm.check();
    expectClose(await readF32(gpu.ctx, rq, T * H * D), ropeForwardRef(q, positions, invFreq, T, H, D), TOL, 'rope forward');
    expectClose(await readF32(gpu.ctx, dq, T * H * D), ropeBackwardRef(q, positions, invFreq, T, H, D), TOL, 'rope backward');
    const sref = swigluBackwardRef(gate, up, dAct);
    expectClose(await readF32(gpu.ctx, act, n), swigluForwardRef(gate, up), TOL, 'swiglu out');
    expectClose(await readF32(gpu.ctx, dgate, n), sref.dgate, TOL, 'swiglu dgate');
  },

  async 'embedding (f16 table) gather and scatter-add, grad norm and clipped AdamW match the reference in Chromium'() {
    const gpu = await browserGpu();
    const vocab = 11, C = 6;
    const ids = Uint32Array.from([3, 3, 0, 10, 3, 7, 12]);
    const table = packHalves(randomArray(vocab * C, 8), 'f16');
    const e = out(gpu, ids.length * C, 'e');
    const gids = uploadBuffer(gpu.ctx, ids, 'ids');
    await embeddingForward(gpu, { ids: gids, table: uploadBuffer(gpu.ctx, table.packed, 'table'), tableDtype: 'f16', out: e, tokens: ids.length, C, vocab });
    const dy = randomArray(ids.length * C, 9);
    const dTable = uploadBuffer(gpu.ctx, new Float32Array(vocab * C), 'dTable');
    const plan = uploadEmbeddingBackwardPlan(gpu.ctx, ids);
    await embeddingBackward(gpu, { plan, dy: uploadBuffer(gpu.ctx, dy, 'dy'), dTable, C, vocab });

    const n = 500;
    const grad = randomArray(n, 10, 2);
    const param0 = randomArray(n, 11);
    const gGrad = uploadBuffer(gpu.ctx, grad, 'grad');
    const param = uploadBuffer(gpu.ctx, param0, 'param');
    const m = out(gpu, n, 'm'), v = out(gpu, n, 'v');
    const partials = out(gpu, gradNormPartialCount([n]), 'partials');
    const result = createStorageBuffer(gpu.ctx, GRAD_NORM_RESULT_BYTES, 'result');
    await gradNorm(gpu, { grads: [{ buffer: gGrad, length: n }], partials, result, maxNorm: 1 });
    const hyper = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    await adamWUpdate(gpu, { ...hyper, param, grad: gGrad, m, v, n, step: 1, clip: result });
    gpu.recorder.submit();

    expectClose(await readF32(gpu.ctx, e, ids.length * C), embeddingForwardRef(ids, table.values, vocab, C), { atol: 0, rtol: 0 }, 'embedding gather');
    expectClose(await readF32(gpu.ctx, dTable, vocab * C), embeddingBackwardRef(ids, dy, vocab, C), TOL, 'embedding scatter-add');
    const norm = gradNormRef([grad], 1);
    expectClose(await readF32(gpu.ctx, result, 2), [norm.norm, norm.clip], TOL, 'grad norm, clip');
    const state = { param: Float64Array.from(param0), m: new Float64Array(n), v: new Float64Array(n) };
    adamWStepRef(state, grad, { ...hyper, step: 1, scale: norm.clip });
    expectClose(await readF32(gpu.ctx, param, n), state.param, TOL, 'adamW param');
    plan.destroy();
  },
  async 'column sums of squares (the importance matrix\'s statistic) match the reference in Chromium'() {
    const gpu = await browserGpu();
    for (const [rows, cols] of [[3, 63], [17, 65], [129, 200]]) {
      const x = randomArray(rows * cols, rows + cols, 3);
      const start = randomArray(cols, cols, 1).map(Math.abs);
      const gx = uploadBuffer(gpu.ctx, x, 'x');
      const acc = uploadBuffer(gpu.ctx, start, 'acc');
      await columnSumSquares(gpu, { x: gx, acc, rows, cols });
      gpu.recorder.submit();
      expectClose(await readF32(gpu.ctx, acc, cols), columnSumSquaresRef(x, rows, cols, start), { atol: 1e-5, rtol: 1e-5 }, `${rows}×${cols}`);
      [gx, acc].forEach((b) => b.destroy());
    }
  },
  async 'next-token KL between two models\' logits and their most likely tokens match the reference in Chromium'() {
    const gpu = await browserGpu();
    for (const [rows, V, spread] of [[3, 255, 0.05], [4, 4099, 1]] as const) {
      const p = randomArray(rows * V, rows + V, 6);
      const q = p.map((x, i) => x + Math.sin(i * 0.37) * spread);
      const gp = uploadBuffer(gpu.ctx, p, 'p');
      const gq = uploadBuffer(gpu.ctx, q, 'q');
      const kl = out(gpu, rows, 'kl');
      const tops = createStorageBuffer(gpu.ctx, rows * 8, 'tops');
      await nextTokenKl(gpu, { p: gp, q: gq, kl, tops, rows, V });
      gpu.recorder.submit();
      const want = nextTokenKlRef(p, q, rows, V);
      expectClose(await readF32(gpu.ctx, kl, rows), want.kl, { atol: 1e-6, rtol: 2e-3 }, `KL ${rows}×${V}`);
      const got = Array.from(await readU32(gpu.ctx, tops, rows * 2));
      if (got.join() !== want.tops.join()) throw new Error(`tops ${rows}×${V}: ${got} vs ${want.tops}`);
      [gp, gq, kl, tops].forEach((b) => b.destroy());
    }
  },
};
