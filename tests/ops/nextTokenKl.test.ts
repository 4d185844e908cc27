// Two models' next-token distributions compared on the GPU against the f64 reference: KL per row
// over vocabularies around the workgroup's 256 lanes and a real one's 151,936, equal rows (KL 0,
// not a rounding below it), ties for the most likely token (the first wins), and rows far apart.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, readU32, uploadBuffer } from '../../src/gpu/index.ts';
import { nextTokenKl } from '../../src/ops/nextTokenKl.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { nextTokenKlRef } from '../reference/nextTokenKl.ts';

async function compareOnGpu(p: Float32Array, q: Float32Array, rows: number, V: number) {
  const gpu = await testGpu();
  const gp = uploadBuffer(gpu.ctx, p, 'p');
  const gq = uploadBuffer(gpu.ctx, q, 'q');
  const kl = createStorageBuffer(gpu.ctx, rows * 4, 'kl');
  const tops = createStorageBuffer(gpu.ctx, rows * 8, 'tops');
  await nextTokenKl(gpu, { p: gp, q: gq, kl, tops, rows, V });
  gpu.recorder.submit();
  const out = { kl: await readF32(gpu.ctx, kl, rows), tops: Array.from(await readU32(gpu.ctx, tops, rows * 2)) };
  [gp, gq, kl, tops].forEach((b) => b.destroy());
  return out;
}

describe('next-token KL on the GPU', () => {
  it('matches the reference: close and far distributions, vocabularies around the workgroup and a real one', async () => {
    for (const [rows, V, spread] of [[3, 7, 0.01], [5, 255, 0.05], [4, 257, 1], [2, 151_936, 0.02]] as const) {
      const p = randomArray(rows * V, rows + V, 6);
      const q = p.map((x, i) => x + (randomArray(1, i + 11, 1)[0] * spread));
      const got = await compareOnGpu(p, q, rows, V);
      const want = nextTokenKlRef(p, q, rows, V);
      // Each term's rounding is relative to the term, not to the logits' scale.
      expectClose(got.kl, want.kl, { atol: 1e-6, rtol: 2e-3 }, `KL, ${rows}×${V}`);
      expect(got.tops, `tops ${rows}×${V}`).toEqual(want.tops);
    }
  });

  it('is 0 for equal rows, and the first index wins a tie for the most likely token', async () => {
    const V = 300;
    const p = randomArray(2 * V, 3, 4);
    p[17] = 9;
    p[200] = 9;
    p[V + 5] = 9;
    p[V + 299] = 9;
    const got = await compareOnGpu(p, Float32Array.from(p), 2, V);
    expect(Array.from(got.kl)).toEqual([0, 0]);
    expect(got.tops).toEqual([17, 17, 5, 5]);
  });
});
