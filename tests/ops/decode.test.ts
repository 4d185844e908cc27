// The decode step's choice on the GPU against the CPU: the argmax equals the greedy choice, ties to the
// lowest index, over a 151,936-wide row. (Its RoPE and KV-cache append: tests/ops/rope.test.ts.)
import { describe, expect, it } from 'vitest';
import { readF32, readU32, uploadBuffer } from '../../src/gpu/index.ts';
import { argmaxRows } from '../../src/ops/decode.ts';
import { argmax } from '../../src/model/sampling.ts';
import { randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('greedy argmax on the GPU', () => {
  it('picks each row’s largest logit like the CPU, ties to the lowest index, across a Qwen-sized vocabulary', async () => {
    const gpu = await testGpu();
    const V = 151_936;
    const rows = 6;
    const logits = randomArray(rows * V, 7, 10);
    logits[0 * V + 100_000] = 50; // row 0: a clear winner late in the row
    logits[1 * V + 7] = 60; // row 1: a tie between 7 and 151,000: the lower wins
    logits[1 * V + 151_000] = 60;
    for (let i = 0; i < V; i++) logits[2 * V + i] = -1; // row 2: all equal: index 0
    logits[3 * V + 5] = Number.NaN; // row 3: a NaN is never the maximum
    logits.fill(-Infinity, 4 * V, 5 * V); // row 4: NaN first, then −∞ only: the first −∞, never the NaN
    logits[4 * V] = Number.NaN;
    logits.fill(Number.NaN, 5 * V, 6 * V); // row 5: NaN only: token 0
    const gl = uploadBuffer(gpu.ctx, logits, 'logits');
    const chosen = uploadBuffer(gpu.ctx, new Uint32Array(rows).fill(999), 'chosen');
    await argmaxRows(gpu, { logits: gl, chosen, rows, V });
    gpu.recorder.submit();
    const got = Array.from(await readU32(gpu.ctx, chosen, rows));
    const want = Array.from({ length: rows }, (_, r) => argmax(logits.subarray(r * V, (r + 1) * V)));
    expect(want.slice(0, 3)).toEqual([100_000, 7, 0]);
    expect(want.slice(4)).toEqual([1, 0]);
    expect(got).toEqual(want);
    [gl, chosen].forEach((x) => x.destroy());
  });
});
