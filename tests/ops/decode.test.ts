// The decode-step kernels against plain references: the KV append writes exactly each active row's
// K and V at its position and nothing else (inactive rows and other positions keep their bytes), and
// the GPU argmax equals the CPU's greedy choice, ties to the lowest index, over a 151,936-wide row.
import { describe, expect, it } from 'vitest';
import { readF32, readU32, uploadBuffer } from '../../src/gpu/index.ts';
import { argmaxRows, kvAppend } from '../../src/ops/decode.ts';
import { argmax } from '../../src/model/sampling.ts';
import { randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('KV-cache append', () => {
  it('writes row b at position lengths[b] − 1 of its own cache, skips inactive rows, touches nothing else', async () => {
    const gpu = await testGpu();
    const [B, maxT, width] = [3, 5, 12];
    const kNew = randomArray(B * width, 1);
    const vNew = randomArray(B * width, 2);
    const kCache0 = randomArray(B * maxT * width, 3);
    const vCache0 = randomArray(B * maxT * width, 4);
    const lengths = new Uint32Array([1, 0, 5]); // row 0 at position 0, row 1 inactive, row 2 at its last position
    const kc = uploadBuffer(gpu.ctx, kCache0, 'k');
    const vc = uploadBuffer(gpu.ctx, vCache0, 'v');
    const bufs = [uploadBuffer(gpu.ctx, kNew, 'kNew'), uploadBuffer(gpu.ctx, vNew, 'vNew'), uploadBuffer(gpu.ctx, lengths, 'len')];
    await kvAppend(gpu, { kNew: bufs[0], vNew: bufs[1], lengths: bufs[2], kCache: kc, vCache: vc, B, maxT, width });
    gpu.recorder.submit();
    const wantK = Float32Array.from(kCache0);
    const wantV = Float32Array.from(vCache0);
    for (let b = 0; b < B; b++) {
      if (lengths[b] === 0) continue;
      const at = (b * maxT + lengths[b] - 1) * width;
      wantK.set(kNew.subarray(b * width, (b + 1) * width), at);
      wantV.set(vNew.subarray(b * width, (b + 1) * width), at);
    }
    expect(Array.from(await readF32(gpu.ctx, kc))).toEqual(Array.from(wantK));
    expect(Array.from(await readF32(gpu.ctx, vc))).toEqual(Array.from(wantV));
    [kc, vc, ...bufs].forEach((x) => x.destroy());
  });
});

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
