// Attention kernels in Chromium: the same WGSL through Chrome's Tint, checked against the f64
// reference on one shape with GQA 2, left padding and two packed sequences (T = 21 is not a tile
// multiple), through both tile paths, plus one decode step and prefill rows against the cache. Tolerances as in
// tests/ops/attention.test.ts (f32 kernels vs f64 reference).
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/gpu/index.ts';
import { attentionBackward, attentionBackwardScratchBytes, attentionCachedRows, attentionDecode, attentionForward, type AttentionShape } from '../../src/ops/attention.ts';
import { attentionBackwardRef, attentionCachedRowsRef, attentionDecodeRef, attentionForwardRef } from '../reference/attention.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { browserGpu } from './browser-gpu.ts';

const FWD_TOL = { atol: 2e-5, rtol: 1e-4 };
const BWD_TOL = { atol: 1e-4, rtol: 5e-4 };

async function forwardBackwardMatchesReference(stageTiles: boolean): Promise<void> {
  const gpu = await browserGpu();
  const B = 2, T = 21, H = 4, Hkv = 2, d = 16, N = B * T;
  const shape: AttentionShape = { batch: B, seqLen: T, nHeads: H, nKvHeads: Hkv, headDim: d };
  const ref = { B, T, H, Hkv, d, scale: 1 / Math.sqrt(d) };
  // row 0: 4 padding tokens on the left; row 1: packed sequences 1 and 2, then right padding
  const seg = new Uint32Array(N).map((_, n) => (n < T ? (n < 4 ? 0 : 1) : n - T < 9 ? 1 : n - T < 18 ? 2 : 0));
  const q = randomArray(N * H * d, 1);
  const k = randomArray(N * Hkv * d, 2);
  const v = randomArray(N * Hkv * d, 3);
  const dOut = randomArray(N * H * d, 4);
  const f = {
    q: uploadBuffer(gpu.ctx, q, 'q'),
    k: uploadBuffer(gpu.ctx, k, 'k'),
    v: uploadBuffer(gpu.ctx, v, 'v'),
    segments: uploadBuffer(gpu.ctx, seg, 'seg'),
    out: createStorageBuffer(gpu.ctx, N * H * d * 4, 'out'),
    lse: createStorageBuffer(gpu.ctx, N * H * 4, 'lse'),
  };
  const g = {
    dOut: uploadBuffer(gpu.ctx, dOut, 'dOut'),
    dq: createStorageBuffer(gpu.ctx, N * H * d * 4, 'dq'),
    dk: createStorageBuffer(gpu.ctx, N * Hkv * d * 4, 'dk'),
    dv: createStorageBuffer(gpu.ctx, N * Hkv * d * 4, 'dv'),
    scratch: createStorageBuffer(gpu.ctx, attentionBackwardScratchBytes(shape), 'scratch'),
  };
  await attentionForward(gpu, shape, f, { stageTiles });
  await attentionBackward(gpu, shape, { ...f, ...g }, { stageTiles });
  gpu.recorder.submit();
  const wantF = attentionForwardRef(ref, q, k, v, seg);
  const wantB = attentionBackwardRef(ref, q, k, v, seg, dOut);
  expectClose(await readF32(gpu.ctx, f.out), wantF.out, FWD_TOL, 'out');
  expectClose(await readF32(gpu.ctx, f.lse), wantF.lse, FWD_TOL, 'lse');
  expectClose(await readF32(gpu.ctx, g.dq), wantB.dq, BWD_TOL, 'dq');
  expectClose(await readF32(gpu.ctx, g.dk), wantB.dk, BWD_TOL, 'dk');
  expectClose(await readF32(gpu.ctx, g.dv), wantB.dv, BWD_TOL, 'dv');
  [...Object.values(f), ...Object.values(g)].forEach((b) => b.destroy());
}

export const tests: Record<string, () => Promise<void>> = {
  'attention forward and backward match the reference in Chromium (staged tiles)': () => forwardBackwardMatchesReference(true),
  'attention forward and backward match the reference in Chromium (direct reads)': () => forwardBackwardMatchesReference(false),
  async 'attention decode matches the reference in Chromium'() {
    const gpu = await browserGpu();
    const B = 2, maxT = 270, H = 14, Hkv = 2, d = 8;
    const lengths = new Uint32Array([5, 263]);
    const q = randomArray(B * H * d, 5);
    const kCache = randomArray(B * maxT * Hkv * d, 6);
    const vCache = randomArray(B * maxT * Hkv * d, 7);
    const b = {
      q: uploadBuffer(gpu.ctx, q, 'q'),
      kCache: uploadBuffer(gpu.ctx, kCache, 'kCache'),
      vCache: uploadBuffer(gpu.ctx, vCache, 'vCache'),
      lengths: uploadBuffer(gpu.ctx, lengths, 'lengths'),
      out: createStorageBuffer(gpu.ctx, B * H * d * 4, 'out'),
    };
    await attentionDecode(gpu, { batch: B, maxSeqLen: maxT, nHeads: H, nKvHeads: Hkv, headDim: d }, b);
    gpu.recorder.submit();
    const want = attentionDecodeRef({ B, maxT, H, Hkv, d, scale: 1 / Math.sqrt(d) }, q, kCache, vCache, lengths);
    expectClose(await readF32(gpu.ctx, b.out), want, FWD_TOL, 'decode out');
    Object.values(b).forEach((x) => x.destroy());
  },
  async 'attention of prefill rows against the cache matches the reference in Chromium'() {
    const gpu = await browserGpu();
    const Bc = 2, maxT = 270, H = 14, Hkv = 2, d = 8;
    const cacheRows = new Uint32Array([1, 0, 1]);
    const positions = new Uint32Array([262, 4, 0]);
    const R = cacheRows.length;
    const q = randomArray(R * H * d, 8);
    const kCache = randomArray(Bc * maxT * Hkv * d, 9);
    const vCache = randomArray(Bc * maxT * Hkv * d, 10);
    const b = {
      q: uploadBuffer(gpu.ctx, q, 'q'),
      kCache: uploadBuffer(gpu.ctx, kCache, 'kCache'),
      vCache: uploadBuffer(gpu.ctx, vCache, 'vCache'),
      positions: uploadBuffer(gpu.ctx, positions, 'positions'),
      cacheRows: uploadBuffer(gpu.ctx, cacheRows, 'cacheRows'),
      out: createStorageBuffer(gpu.ctx, R * H * d * 4, 'out'),
    };
    await attentionCachedRows(gpu, { rows: R, cacheRows: Bc, maxSeqLen: maxT, nHeads: H, nKvHeads: Hkv, headDim: d }, b);
    gpu.recorder.submit();
    const want = attentionCachedRowsRef({ B: Bc, maxT, H, Hkv, d, scale: 1 / Math.sqrt(d) }, q, kCache, vCache, positions, cacheRows);
    expectClose(await readF32(gpu.ctx, b.out), want, FWD_TOL, 'cached rows out');
    Object.values(b).forEach((x) => x.destroy());
  },
};
