// RoPE: inverse frequencies (default, linear, Llama-3) against transformers' formulas, the reference
// backward against finite differences, and the GPU rotation (in place and out of place, forward and
// backward) against the reference with packed-sequence positions.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/gpu/index.ts';
import { ropeAppend, ropeBackward, ropeForward, ropeInverseFrequencies } from '../../src/ops/rope.ts';
import { expectClose, randomArray, seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { dot, numericGradient } from '../reference/finiteDifference.ts';
import { llama3InverseFrequenciesRef, ropeBackwardRef, ropeForwardRef } from '../reference/rope.ts';

// A rotation of O(1) values. The kernel rounds θ = pos·invFreq to f32 exactly as the reference (and
// HF) do, range-reduces with a three-part π/2 and evaluates its own sin/cos polynomials (~1e-7), so
// the error stays ~3e-7 even at positions near 32k (measured); 2e-6 absolute leaves room for FMA
// contraction on other GPUs. (WGSL's builtin sin/cos, allowed 2⁻¹¹ error, missed this by 200×.)
const TOL = { atol: 2e-6, rtol: 1e-5 };

/** Positions of sequences packed back to back, each restarting at 0. */
function packedPositions(lengths: number[]): Uint32Array {
  return Uint32Array.from(lengths.flatMap((len) => Array.from({ length: len }, (_, i) => i)));
}

describe('rope inverse frequencies', () => {
  it('default: invFreq[i] = θ^(−2i/D)', () => {
    const inv = ropeInverseFrequencies(8, 10000);
    expectClose(inv, [1, 10000 ** -0.25, 10000 ** -0.5, 10000 ** -0.75], { atol: 0, rtol: 1e-7 }, 'default invFreq');
  });

  it('llama3 scaling matches transformers for Llama 3.2 1B and covers all three bands', () => {
    const scaling = { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    const got = ropeInverseFrequencies(64, 500000, scaling);
    const want = llama3InverseFrequenciesRef(64, 500000, 32, 1, 4, 8192);
    expectClose(got, want, { atol: 0, rtol: 1e-7 }, 'llama3 invFreq');
    const plain = ropeInverseFrequencies(64, 500000);
    const ratio = Array.from(got, (f, i) => plain[i] / f);
    // High frequencies untouched, low ones slowed 32×, and at least one smoothly interpolated between.
    expect(ratio[0]).toBe(1);
    expect(ratio[31]).toBeCloseTo(32, 4);
    expect(ratio.some((r) => r > 1.01 && r < 31.9)).toBe(true);
  });

  it('linear scaling divides by the factor; unknown types and odd head_dim are refused', () => {
    const inv = ropeInverseFrequencies(4, 100, { type: 'linear', factor: 4 });
    expectClose(inv, [0.25, 0.025], { atol: 0, rtol: 1e-7 }, 'linear invFreq');
    expect(() => ropeInverseFrequencies(4, 100, { rope_type: 'yarn', factor: 4 })).toThrow(/yarn.*not supported/);
    expect(() => ropeInverseFrequencies(4, 100, { rope_type: 'llama3', factor: 8 })).toThrow(/low_freq_factor/);
    expect(() => ropeInverseFrequencies(5, 100)).toThrow(/even head_dim/);
  });
});

describe('rope reference', () => {
  it('backward equals central finite differences of Σ dy⊙rope(x)', () => {
    const T = 3, H = 2, D = 6;
    const positions = [0, 5, 2];
    const invFreq = ropeInverseFrequencies(D, 10000);
    const x = Float64Array.from(randomArray(T * H * D, 1));
    const dy = randomArray(T * H * D, 2);
    const num = numericGradient((xx) => dot(ropeForwardRef(xx, positions, invFreq, T, H, D), dy), x);
    expectClose(ropeBackwardRef(dy, positions, invFreq, T, H, D), num, { atol: 1e-8, rtol: 1e-7 }, 'rope dx vs finite differences');
  });
});

describe('rope on the GPU', () => {
  // [T, heads, headDim]: a tail of one, q-like and k-like head counts, Qwen's head_dim 64.
  const SHAPES: Array<[number, number, number, number[]]> = [
    [1, 1, 2, [1]],
    [7, 3, 16, [4, 3]],
    [9, 14, 64, [5, 1, 3]],
    [6, 2, 10, [6]],
  ];

  for (const [T, H, D, lengths] of SHAPES) {
    it(`forward and backward, in place and out of place, match the reference at [${T},${H},${D}]`, async () => {
      const gpu = await testGpu();
      const positions = packedPositions(lengths);
      expect(positions.length).toBe(T);
      const invFreq = ropeInverseFrequencies(D, 1e6);
      const n = T * H * D;
      const x = randomArray(n, T * 31 + D, 2);
      const dy = randomArray(n, H * 7 + D);
      const shape = { positions: uploadBuffer(gpu.ctx, positions, 'pos'), invFreq: uploadBuffer(gpu.ctx, invFreq, 'invFreq'), tokens: T, heads: H, headDim: D };
      const gx = uploadBuffer(gpu.ctx, x, 'x');
      const out = createStorageBuffer(gpu.ctx, n * 4, 'out');
      const inPlace = uploadBuffer(gpu.ctx, x, 'x in place');
      const gdy = uploadBuffer(gpu.ctx, dy, 'dy');
      const dx = createStorageBuffer(gpu.ctx, n * 4, 'dx');
      const dyInPlace = uploadBuffer(gpu.ctx, dy, 'dy in place');
      await ropeForward(gpu, { ...shape, x: gx, out });
      await ropeForward(gpu, { ...shape, x: inPlace });
      await ropeBackward(gpu, { ...shape, dy: gdy, dx });
      await ropeBackward(gpu, { ...shape, dy: dyInPlace });
      gpu.recorder.submit();
      const want = ropeForwardRef(x, positions, invFreq, T, H, D);
      const wantDx = ropeBackwardRef(dy, positions, invFreq, T, H, D);
      expectClose(await readF32(gpu.ctx, out, n), want, TOL, 'rope forward');
      expectClose(await readF32(gpu.ctx, inPlace, n), want, TOL, 'rope forward in place');
      expectClose(await readF32(gpu.ctx, dx, n), wantDx, TOL, 'rope backward');
      expectClose(await readF32(gpu.ctx, dyInPlace, n), wantDx, TOL, 'rope backward in place');
    });
  }

  it('stays accurate at long-context positions (range-reduced angles) with Llama-3 scaled frequencies', async () => {
    const gpu = await testGpu();
    const T = 16, H = 2, D = 64;
    const rand = seededRandom(5);
    const positions = Uint32Array.from({ length: T }, () => Math.floor(rand() * 32768));
    const invFreq = ropeInverseFrequencies(D, 500000, { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 });
    const x = randomArray(T * H * D, 6);
    const shape = { positions: uploadBuffer(gpu.ctx, positions, 'pos'), invFreq: uploadBuffer(gpu.ctx, invFreq, 'invFreq'), tokens: T, heads: H, headDim: D };
    const buf = uploadBuffer(gpu.ctx, x, 'x');
    await ropeForward(gpu, { ...shape, x: buf });
    await ropeBackward(gpu, { ...shape, dy: buf }); // the backward undoes the forward: R(−θ)R(θ) = I
    gpu.recorder.submit();
    expectClose(await readF32(gpu.ctx, buf, T * H * D), x, TOL, 'backward∘forward = identity');
    const out = createStorageBuffer(gpu.ctx, T * H * D * 4, 'out');
    const src = uploadBuffer(gpu.ctx, x, 'x2');
    await ropeForward(gpu, { ...shape, x: src, out });
    gpu.recorder.submit();
    expectClose(await readF32(gpu.ctx, out, T * H * D), ropeForwardRef(x, positions, invFreq, T, H, D), TOL, 'far positions');
  });

  it('a decode step\'s rotate-and-append rotates q in place and writes each active row\'s rotated K and its V at its position, touching nothing else', async () => {
    const gpu = await testGpu();
    const [B, maxT, HQ, HK, D] = [3, 6, 4, 2, 16];
    const lengths = new Uint32Array([1, 0, 6]); // position 0; an inactive row; the cache's last position
    const invFreq = ropeInverseFrequencies(D, 1e6);
    const q = randomArray(B * HQ * D, 71);
    const k = randomArray(B * HK * D, 72);
    const v = randomArray(B * HK * D, 73);
    const kCache0 = randomArray(B * maxT * HK * D, 74);
    const vCache0 = randomArray(B * maxT * HK * D, 75);
    const bufs = {
      invFreq: uploadBuffer(gpu.ctx, invFreq, 'invFreq'), lengths: uploadBuffer(gpu.ctx, lengths, 'lengths'),
      q: uploadBuffer(gpu.ctx, q, 'q'), k: uploadBuffer(gpu.ctx, k, 'k'), v: uploadBuffer(gpu.ctx, v, 'v'),
      kCache: uploadBuffer(gpu.ctx, kCache0, 'kCache'), vCache: uploadBuffer(gpu.ctx, vCache0, 'vCache'),
    };
    await ropeAppend(gpu, { ...bufs, B, maxT, qHeads: HQ, kvHeads: HK, headDim: D });
    gpu.recorder.submit();
    // Each row as one token at position lengths − 1 (an inactive row's q is never read: not checked).
    const wantK = Float64Array.from(kCache0);
    const wantV = Float64Array.from(vCache0);
    const gotQ = await readF32(gpu.ctx, bufs.q, B * HQ * D);
    for (let b = 0; b < B; b++) {
      if (lengths[b] === 0) continue;
      const pos = [lengths[b] - 1];
      const rq = ropeForwardRef(q.subarray(b * HQ * D, (b + 1) * HQ * D), pos, invFreq, 1, HQ, D);
      expectClose(gotQ.subarray(b * HQ * D, (b + 1) * HQ * D), rq, TOL, `q of row ${b}`);
      const at = (b * maxT + lengths[b] - 1) * HK * D;
      wantK.set(ropeForwardRef(k.subarray(b * HK * D, (b + 1) * HK * D), pos, invFreq, 1, HK, D), at);
      wantV.set(v.subarray(b * HK * D, (b + 1) * HK * D), at);
    }
    expectClose(await readF32(gpu.ctx, bufs.kCache), wantK, TOL, 'K cache');
    expect(Array.from(await readF32(gpu.ctx, bufs.vCache))).toEqual(Array.from(wantV, Math.fround));
    await expect(ropeAppend(gpu, { ...bufs, B, maxT: maxT + 1, qHeads: HQ, kvHeads: HK, headDim: D })).rejects.toThrow(/buffer "kCache" holds \d+ bytes, the cache needs/);
    Object.values(bufs).forEach((b) => b.destroy());
  });
});
