// Proof that shaders/matmul.wgsl, shaders/matvec.wgsl (and its subgroup entry, where Chrome offers
// subgroups) and shaders/cross_entropy.wgsl compile and compute correctly in Chrome's WebGPU (Tint),
// checked against the same CPU references as the Node tests.
import { createStorageBuffer, readF32, readU32, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { matmul, type MatmulVariant } from '../../src/ops/matmul.ts';
import { matvecSubgroupThreads, sharedRowsApplies } from '../../src/ops/matmulKernels.ts';
import { createCrossEntropyScratch, crossEntropyForward, crossEntropyWithGradient } from '../../src/ops/crossEntropy.ts';
import { matmulRef } from '../reference/matmul.ts';
import { crossEntropyBackwardRef, crossEntropyForwardRef } from '../reference/crossEntropy.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { packHalves } from '../helpers/halfPack.ts';
import { browserGpu } from './browser-gpu.ts';

/** y = x·Wᵀ with a bf16 W by each variant, each checked against the reference; their outputs. */
async function eachVariant(gpu: Gpu, [M, N, K]: [number, number, number], seed: number, variants: MatmulVariant[]): Promise<Float32Array[]> {
  const x = randomArray(M * K, seed);
  const w = packHalves(randomArray(N * K, seed + 1), 'bf16');
  const want = matmulRef({ a: x, b: w.values, M, N, K, transB: true });
  const outs: Float32Array[] = [];
  for (const variant of variants) {
    const y = createStorageBuffer(gpu.ctx, M * N * 4, 'y');
    await matmul(gpu, { a: uploadBuffer(gpu.ctx, x, 'x'), b: uploadBuffer(gpu.ctx, w.packed, 'W'), c: y, M, N, K, transB: true, bDtype: 'bf16', variant });
    gpu.recorder.submit();
    const got = await readF32(gpu.ctx, y, M * N);
    expectClose(got, want, { atol: 2e-5, rtol: 1e-5 }, JSON.stringify(variant));
    outs.push(got);
  }
  return outs;
}

export const tests = {
  async 'matmul y = x·Wᵀ with bf16 W and dW = dyᵀ·x match the reference in Chromium'() {
    const gpu = await browserGpu();
    const [M, N, K] = [67, 33, 70];
    const x = randomArray(M * K, 1);
    const w = packHalves(randomArray(N * K, 2), 'bf16');
    const y = createStorageBuffer(gpu.ctx, M * N * 4, 'y');
    await matmul(gpu, { a: uploadBuffer(gpu.ctx, x, 'x'), b: uploadBuffer(gpu.ctx, w.packed, 'W'), c: y, M, N, K, transB: true, bDtype: 'bf16' });
    gpu.recorder.submit();
    expectClose(await readF32(gpu.ctx, y, M * N), matmulRef({ a: x, b: w.values, M, N, K, transB: true }), { atol: 2e-5, rtol: 1e-5 }, 'y');

    const dy = randomArray(M * N, 3);
    const dW = createStorageBuffer(gpu.ctx, N * K * 4, 'dW');
    await matmul(gpu, { a: uploadBuffer(gpu.ctx, dy, 'dy'), b: uploadBuffer(gpu.ctx, x, 'x'), c: dW, M: N, N: K, K: M, transA: true });
    gpu.recorder.submit();
    expectClose(await readF32(gpu.ctx, dW, N * K), matmulRef({ a: dy, b: x, M: N, N: K, K: M, transA: true }), { atol: 2e-5, rtol: 1e-5 }, 'dW');
  },

  async 'the register kernel with A read once per subgroup gives the plain kernel’s bits in Chromium'() {
    const gpu = await browserGpu();
    if (!sharedRowsApplies(gpu)) {
      console.log(`register kernel with subgroup-shared A rows: not available in this Chromium (${!gpu.ctx.features.has('subgroups') ? 'no subgroups' : !gpu.ctx.wgslFeatures.has('subgroup_id') ? 'no subgroup_id in WGSL' : `subgroups of ${gpu.ctx.adapter.subgroupMinSize}–${gpu.ctx.adapter.subgroupMaxSize} lanes`})`);
      return;
    }
    const outs = await eachVariant(gpu, [40, 36, 70], 8, [{ kind: 'register' }, { kind: 'register', sharedRows: true }]);
    if (outs[0].some((v, i) => !Object.is(v, outs[1][i]))) throw new Error('register kernel: the subgroup-shared reads give other bits than the plain ones');
  },

  async 'matrix–vector decode rows (a column’s threads summed in workgroup memory, by subgroup shuffles, 8 columns a thread) match the reference in Chromium'() {
    const gpu = await browserGpu();
    const lanes = matvecSubgroupThreads(gpu);
    const variants: MatmulVariant[] = [{ kind: 'matvec', G: 32 }, { kind: 'matvecColumns' }];
    if (lanes.length) variants.push({ kind: 'matvec', G: lanes[lanes.length - 1], subgroups: true }, { kind: 'matvec', G: lanes[lanes.length - 1] });
    else console.log(`matvec with subgroup shuffles: not available in this Chromium (${!gpu.ctx.features.has('subgroups') ? 'no subgroups' : !gpu.ctx.wgslFeatures.has('subgroup_id') ? 'no subgroup_id in WGSL' : `subgroups of ${gpu.ctx.adapter.subgroupMinSize} lanes`})`);
    const outs = await eachVariant(gpu, [3, 70, 130], 6, variants);
    // The shuffles add the same values in the same order as the tree with the same G.
    if (lanes.length && outs[2].some((v, i) => !Object.is(v, outs[3][i]))) throw new Error('matvec: the subgroup sums differ from the workgroup tree’s in their bits');
  },

  async 'chunked LM-head cross-entropy, alone and with its gradient, matches the reference in Chromium'() {
    const gpu = await browserGpu();
    const [T, H, V, chunk] = [6, 7, 37, 16];
    const hidden = randomArray(T * H, 4);
    const w = packHalves(randomArray(V * H, 5, 1.5), 'bf16');
    const targets = Int32Array.from({ length: T }, (_, t) => (t === 0 ? -1 : (t * 11) % V));
    const segments = Uint32Array.from({ length: T }, (_, t) => t % 3);
    const tokenWeight = Float32Array.from({ length: T }, (_, t) => 0.5 + t / 10);
    const bufs = {
      hidden: uploadBuffer(gpu.ctx, hidden, 'hidden'),
      weight: uploadBuffer(gpu.ctx, w.packed, 'W'),
      weightDtype: 'bf16' as const,
      targets: uploadBuffer(gpu.ctx, targets, 'targets'),
      segments: uploadBuffer(gpu.ctx, segments, 'segments'),
      nll: createStorageBuffer(gpu.ctx, T * 4, 'nll'),
      lse: createStorageBuffer(gpu.ctx, T * 4, 'lse'),
      segmentNll: createStorageBuffer(gpu.ctx, 12, 'segNll'),
      segmentCount: createStorageBuffer(gpu.ctx, 12, 'segCount'),
      scratch: createCrossEntropyScratch(gpu, T, chunk),
    };
    const ref = { hidden, weight: w.values, targets, segments, T, H, V };
    const want = crossEntropyForwardRef(ref);
    const checkLoss = async (label: string) => {
      expectClose(await readF32(gpu.ctx, bufs.nll, T), want.nll, { atol: 2e-5, rtol: 2e-5 }, `${label} nll`);
      expectClose(await readF32(gpu.ctx, bufs.segmentNll, 3), want.segmentNll, { atol: 1e-4, rtol: 1e-5 }, `${label} segment sums`);
      const counts = await readU32(gpu.ctx, bufs.segmentCount, 3);
      if (counts.join() !== Array.from(want.segmentCount).join()) throw new Error(`${label} segment counts ${counts.join()} != ${want.segmentCount.join()}`);
    };
    await crossEntropyForward(gpu, { T, H, V, chunk }, bufs);
    gpu.recorder.submit();
    await checkLoss('forward');
    const dHidden = createStorageBuffer(gpu.ctx, T * H * 4, 'dH');
    const targetRows = createStorageBuffer(gpu.ctx, T * H * 4, 'targetRows');
    await crossEntropyWithGradient(gpu, { T, H, V, chunk }, { ...bufs, tokenWeight: uploadBuffer(gpu.ctx, tokenWeight, 'w'), dHidden, targetRows });
    gpu.recorder.submit();
    await checkLoss('with the gradient');
    expectClose(await readF32(gpu.ctx, dHidden, T * H), crossEntropyBackwardRef(ref, tokenWeight), { atol: 2e-5, rtol: 1e-4 }, 'dH');
  },
};
