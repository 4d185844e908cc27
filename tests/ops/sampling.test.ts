// The GPU sampler (sample_rows, shaders/decode.wgsl) against its CPU mirror (src/model/sampling.ts
// sampleRowExact): the same token for the same logits and draw, with no tolerance, because both
// run the same f32 operations in the same order. Rows of random logits at several batch sizes,
// temperatures (down to 1e-4, where only near-ties survive) and top-p values (1, i.e. no nucleus,
// down to 1e-6, i.e. the top token), vocabularies that are not multiples of the workgroup, a
// Qwen-sized one, draws at 0 and just below 1, ties, NaN and ±∞; the row's maximum scanned strided (as
// on GPUs) and in contiguous stretches (CPU adapters).
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readU32, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { drawToF32, exp2Table, sampleRows, samplingParams, type SamplingParams } from '../../src/ops/sampling.ts';
import type { RowScan } from '../../src/ops/decode.ts';
import { argmax, sampleRowExact, samplingWeights } from '../../src/model/sampling.ts';
import { randomArray, seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

/** Runs the kernel on rows of logits [B, V] with one draw per row; returns the B chosen ids. Its
 * weights are not read back: the kernel keeps none whole (the draw computes each where it reads it,
 * and the nucleus search leaves the scratch reordered). A weight off by a bit moves the draws that
 * land near its edges, which the many-draws case below shows on tens of tokens. */
async function sampleOnGpu(gpu: Gpu, logits: Float32Array, draws: Float32Array, V: number, params: SamplingParams, scan?: RowScan): Promise<number[]> {
  const B = draws.length;
  const bufs = {
    logits: uploadBuffer(gpu.ctx, logits, 'logits'),
    draws: uploadBuffer(gpu.ctx, draws, 'draws'),
    table: uploadBuffer(gpu.ctx, exp2Table(), 'exp2Table'),
    weights: createStorageBuffer(gpu.ctx, B * V * 4, 'weights'),
    chosen: uploadBuffer(gpu.ctx, new Uint32Array(B).fill(0xdeadbeef), 'chosen'),
  };
  await sampleRows(gpu, { ...bufs, rows: B, V, params, scan });
  gpu.recorder.submit();
  const got = Array.from(await readU32(gpu.ctx, bufs.chosen, B));
  Object.values(bufs).forEach((b) => b.destroy());
  return got;
}

function cpuTokens(logits: Float32Array, draws: Float32Array, V: number, params: SamplingParams): number[] {
  return Array.from(draws, (u, b) => sampleRowExact(logits.subarray(b * V, (b + 1) * V), params, u));
}

function randomDraws(B: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: B }, () => drawToF32(r()));
}

describe('GPU sampling equals the CPU sampler token for token', () => {
  const cases = [
    // [B, V, T, topP]: V = 97 and 4099 leave the last chunk and stride partial; 1000 < 4·256.
    [1, 97, 1, 1],
    [4, 97, 0.7, 0.9],
    [3, 1000, 1, 0.5],
    [5, 4099, 2, 1],
    [5, 4099, 0.8, 0.95],
    [4, 4099, 1e-4, 0.9],
    [3, 300, 1, 1e-6],
    [16, 1000, 5, 0.99],
  ] as const;
  it.each(cases)('B=%i V=%i T=%f top-p=%f', async (B, V, T, topP) => {
    const gpu = await testGpu();
    const params = samplingParams(T, topP)!;
    const logits = randomArray(B * V, 1000 + B * V, 4);
    const draws = randomDraws(B, V + B);
    if (B >= 3) {
      draws[0] = 0; // the first kept token in index order
      draws[1] = 1 - 2 ** -24; // the largest draw: r may round up to the total (the last kept token)
    }
    const want = cpuTokens(logits, draws, V, params);
    expect(await sampleOnGpu(gpu, logits, draws, V, params)).toEqual(want);
    if (topP === 1e-6 || T === 1e-4) {
      // Only the top token survives a tiny nucleus or temperature on random logits.
      expect(want).toEqual(Array.from({ length: B }, (_, b) => argmax(logits.subarray(b * V, (b + 1) * V))));
    }
  });

  it('many draws over one row land on many tokens, identically (the draw itself is tested, not just the mode)', async () => {
    const gpu = await testGpu();
    const [V, B] = [513, 64];
    const row = randomArray(V, 77, 1);
    const logits = new Float32Array(B * V);
    for (let b = 0; b < B; b++) logits.set(row, b * V);
    const draws = randomDraws(B, 78);
    for (const topP of [1, 0.6]) {
      const params = samplingParams(1, topP)!;
      const want = cpuTokens(logits, draws, V, params);
      expect(await sampleOnGpu(gpu, logits, draws, V, params)).toEqual(want);
      expect(new Set(want).size, `distinct tokens at top-p ${topP}`).toBeGreaterThan(20);
    }
  });

  it('ties, NaN and ±∞: tied maxima share the draw, NaN and −∞ are never drawn, a row of +∞/NaN falls back to its argmax', async () => {
    const gpu = await testGpu();
    const V = 300;
    const rows: Float32Array[] = [];
    const tie = randomArray(V, 5, 1);
    tie[10] = 9;
    tie[290] = 9; // two equal maxima at T = 1e-4: each takes half the draws
    rows.push(tie, tie);
    const holes = randomArray(V, 6, 1);
    for (let i = 0; i < V; i += 3) holes[i] = i % 2 ? Number.NaN : -Infinity;
    rows.push(holes);
    const inf = new Float32Array(V).fill(-Infinity);
    inf[7] = Number.NaN;
    inf[12] = Infinity;
    inf[40] = Infinity;
    rows.push(inf);
    rows.push(new Float32Array(V).fill(Number.NaN));
    const logits = new Float32Array(rows.length * V);
    rows.forEach((r, b) => logits.set(r, b * V));
    const draws = Float32Array.from([0.25, 0.75, 0.5, 0.5, 0.5]);
    const params = samplingParams(1e-4, 0.9)!;
    const want = cpuTokens(logits, draws, V, params);
    expect(want.slice(0, 2)).toEqual([10, 290]);
    expect(Number.isNaN(holes[want[2]]) || holes[want[2]] === -Infinity).toBe(false);
    expect(want.slice(3)).toEqual([12, 0]);
    // The row's maximum (hence every weight, and the fallback) is found either way a thread scans.
    for (const scan of ['strided', 'chunks'] as const) expect(await sampleOnGpu(gpu, logits, draws, V, params, scan), scan).toEqual(want);
  });

  it('over a Qwen-sized vocabulary (151,936) at T = 0.7, top-p 0.9 and 1', async () => {
    const gpu = await testGpu();
    const V = 151_936;
    const B = 2;
    const logits = randomArray(B * V, 9, 6);
    const draws = randomDraws(B, 10);
    for (const topP of [0.9, 1]) {
      const params = samplingParams(0.7, topP)!;
      const want = cpuTokens(logits, draws, V, params);
      for (const scan of ['strided', 'chunks'] as const) expect(await sampleOnGpu(gpu, logits, draws, V, params, scan), scan).toEqual(want);
    }
  });

  it('over a peaked row of 151,936 (the embedded model’s: most logits exactly 0), where the nucleus search soon drops most weights', async () => {
    const gpu = await testGpu();
    const V = 151_936;
    const B = 4;
    const r = seededRandom(11);
    const logits = new Float32Array(B * V);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < 3000; k++) logits[b * V + Math.floor(r() * V)] = (r() - 0.5) * 16;
      logits[b * V + 77 + b] = 14 - b * 3; // one clear favourite, less clear down the rows
    }
    const draws = Float32Array.from([0, 1 - 2 ** -24, 0.5, 0.97]);
    for (const topP of [0.999, 0.95, 0.5, 1]) {
      const params = samplingParams(0.7, topP)!;
      const want = cpuTokens(logits, draws, V, params);
      for (const scan of ['strided', 'chunks'] as const) expect(await sampleOnGpu(gpu, logits, draws, V, params, scan), `${scan} top-p ${topP}`).toEqual(want);
    }
  });
});

describe('the exact sampler’s weights', () => {
  it('are exp((z − max)/T) to f32 table precision and stay normal or zero', () => {
    const logits = randomArray(2000, 3, 30);
    for (const T of [0.3, 1, 4]) {
      const { weights } = samplingWeights(logits, samplingParams(T, 1)!);
      const max = Math.max(...logits);
      for (let i = 0; i < logits.length; i++) {
        const y = ((logits[i] - max) / T) * Math.LOG2E;
        const want = 2 ** y;
        // The exponent y carries f32 roundings of z − max and of ·scale (|y|·2^-23) and the
        // truncation of −y to 2^-20; the tables and products add 3·2^-24: relative error of 2^y
        // under ln2·(|y|·2^-23 + 2^-20) + 3·2^-24.
        const tol = Math.LN2 * (Math.abs(y) * 2 ** -23 + 2 ** -20) + 3 * 2 ** -24;
        if (want > 2 ** -120) expect(Math.abs(weights[i] - want) / want, `T=${T} token ${i}`).toBeLessThan(tol);
        else if (weights[i] !== 0) expect(weights[i]).toBeGreaterThanOrEqual(2 ** -126);
      }
    }
  });

  it('greedy below the smallest temperature the kernel takes', () => {
    expect(samplingParams(0, 1)).toBeNull();
    expect(samplingParams(1e-25, 1)).toBeNull();
    expect(samplingParams(1e-6, 1)).not.toBeNull();
  });
});
