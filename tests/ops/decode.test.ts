// The decode step's choice on the GPU against the CPU: the argmax equals the greedy choice, ties to the
// lowest index, over a 151,936-wide row, with each way a thread may scan its share of the row (strided
// on GPUs, contiguous stretches four at a time on CPU adapters; both run here). (Its RoPE and
// KV-cache append: tests/ops/rope.test.ts.) And the compact LM head's logits put in their columns,
// or its greedy token taken from them alone.
import { describe, expect, it } from 'vitest';
import { readF32, readU32, uploadBuffer, type Gpu } from '../../src/gpu/index.ts';
import { argmaxCompactRows, argmaxRows, rowScan, scatterColumns, type RowScan } from '../../src/ops/decode.ts';
import { argmax } from '../../src/model/sampling.ts';
import { randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

async function argmaxOnGpu(gpu: Gpu, logits: Float32Array, rows: number, V: number, scan: RowScan, offset = 0): Promise<number[]> {
  const gl = uploadBuffer(gpu.ctx, logits, 'logits');
  const chosen = uploadBuffer(gpu.ctx, new Uint32Array(rows).fill(999), 'chosen');
  await argmaxRows(gpu, { logits: gl, chosen, rows, V, offset, scan });
  gpu.recorder.submit();
  const got = Array.from(await readU32(gpu.ctx, chosen, rows));
  [gl, chosen].forEach((x) => x.destroy());
  return got;
}

const cpu = (logits: Float32Array, rows: number, V: number, offset = 0) =>
  Array.from({ length: rows }, (_, r) => argmax(logits.subarray(offset + r * V, offset + (r + 1) * V)));

describe.each(['strided', 'chunks'] as const)('greedy argmax on the GPU, %s', (scan) => {
  it('picks each row’s largest logit like the CPU, ties to the lowest index, across a Qwen-sized vocabulary', async () => {
    const gpu = await testGpu();
    const V = 151_936;
    const rows = 10;
    const logits = randomArray(rows * V, 7, 10);
    logits[0 * V + 100_000] = 50; // row 0: a clear winner late in the row
    logits[1 * V + 7] = 60; // row 1: a tie between 7 and 151,000: the lower wins
    logits[1 * V + 151_000] = 60;
    for (let i = 0; i < V; i++) logits[2 * V + i] = -1; // row 2: all equal: index 0
    logits[3 * V + 5] = Number.NaN; // row 3: a NaN is never the maximum
    logits.fill(-Infinity, 4 * V, 5 * V); // row 4: NaN first, then −∞ only: the first −∞, never the NaN
    logits[4 * V] = Number.NaN;
    logits.fill(Number.NaN, 5 * V, 6 * V); // row 5: NaN only: token 0
    // Row 6: equal maxima on both sides of where the CPU adapters' 16 threads split the row (2,374
    // vec4s a thread).
    logits[6 * V + 9495] = 70;
    logits[6 * V + 9496] = 70;
    // Row 7: equal maxima in lanes 1 and 3 of one vec4, behind a NaN in lane 0.
    logits[7 * V + 4000] = Number.NaN;
    logits[7 * V + 4001] = 80;
    logits[7 * V + 4003] = 80;
    // Row 8: the last logit; row 9: the maximum in lane 2 with NaN in lanes 0, 1 and 3.
    logits[8 * V + V - 1] = 90;
    logits.fill(Number.NaN, 9 * V + 800, 9 * V + 804);
    logits[9 * V + 802] = 95;
    const want = cpu(logits, rows, V);
    expect(want).toEqual([100_000, 7, 0, want[3], 1, 0, 9495, 4001, V - 1, 802]);
    expect(Number.isNaN(logits[3 * V + want[3]])).toBe(false);
    expect(await argmaxOnGpu(gpu, logits, rows, V, scan)).toEqual(want);
  });

  it('rows that do not start on a multiple of four (odd V, an offset) and rows shorter than the workgroup', async () => {
    const gpu = await testGpu();
    for (const [V, rows, offset] of [[4_099, 5, 0], [4_100, 3, 1], [97, 4, 2], [3, 2, 0]] as const) {
      const logits = randomArray(offset + rows * V, V + rows, 5);
      logits[offset + V - 1] = 20; // row 0: the last logit
      if (rows > 2) {
        logits[offset + V + 1] = 30; // row 1: a tie far apart, the lower wins
        logits[offset + 2 * V - 2] = 30;
        logits[offset + 2 * V + 1] = 40; // row 2: a tie within one thread's stretch
        logits[offset + 2 * V + 2] = 40;
      }
      const want = cpu(logits, rows, V, offset);
      expect(await argmaxOnGpu(gpu, logits, rows, V, scan, offset), `V=${V} offset=${offset}`).toEqual(want);
    }
  });
});

it('CPU adapters scan contiguous stretches, GPUs strided', async () => {
  const gpu = await testGpu();
  expect(rowScan(gpu)).toBe(gpu.ctx.adapter.isSoftware ? 'chunks' : 'strided');
});

it('puts each compact logit in its column of its row, over more columns than a workgroup, and leaves the other columns as they were', async () => {
  const gpu = await testGpu();
  const rows = 3;
  const V = 1000;
  const columns = Uint32Array.from({ length: 150 }, (_, j) => j * 6 + (j % 5));
  const C = columns.length;
  const compact = randomArray(rows * C, 8, 1);
  const before = Float32Array.from({ length: rows * V }, (_, i) => -i);
  const want = Float32Array.from(before);
  for (let b = 0; b < rows; b++) for (let j = 0; j < C; j++) want[b * V + columns[j]] = compact[b * C + j];
  const [gc, gcols, out] = [uploadBuffer(gpu.ctx, compact, 'compact'), uploadBuffer(gpu.ctx, columns, 'columns'), uploadBuffer(gpu.ctx, before, 'logits')];
  await scatterColumns(gpu, { compact: gc, columns: gcols, out, rows, C, V });
  gpu.recorder.submit();
  expect(Array.from(await readF32(gpu.ctx, out, rows * V))).toEqual(Array.from(want));
  [gc, gcols, out].forEach((x) => x.destroy());
});

describe.each(['strided', 'chunks'] as const)('greedy argmax from a compact LM head’s logits, %s', (scan) => {
  // The whole row's CPU argmax, with the compact logits in their columns and 0 in every other.
  function wholeRowArgmax(compact: Float32Array, columns: Uint32Array, rows: number, V: number): number[] {
    const C = columns.length;
    return Array.from({ length: rows }, (_, b) => {
      const row = new Float32Array(V);
      columns.forEach((id, j) => (row[id] = compact[b * C + j]));
      return argmax(row);
    });
  }

  async function compactOnGpu(gpu: Gpu, compact: Float32Array, columns: Uint32Array, rows: number, firstZero: number | null): Promise<number[]> {
    const [gc, gcols, chosen] = [uploadBuffer(gpu.ctx, compact, 'compact'), uploadBuffer(gpu.ctx, columns, 'columns'), uploadBuffer(gpu.ctx, new Uint32Array(rows).fill(999), 'chosen')];
    await argmaxCompactRows(gpu, { compact: gc, columns: gcols, chosen, rows, C: columns.length, firstZero, scan });
    gpu.recorder.submit();
    const got = Array.from(await readU32(gpu.ctx, chosen, rows));
    [gc, gcols, chosen].forEach((x) => x.destroy());
    return got;
  }

  it('gives the whole row’s token: a kept maximum above 0, the first zero row below it, the lower id at exactly 0, NaN and ±∞', async () => {
    const gpu = await testGpu();
    const V = 1000;
    // Ids 0, 7, 14, …: id 0 is kept and the first left out is 1.
    const columns = Uint32Array.from({ length: 150 }, (_, j) => j * 6 + (j % 5));
    const C = columns.length;
    const rows = 9;
    const compact = randomArray(rows * C, 9, 1);
    const at = (b: number, j: number) => b * C + j; // row b's logit of columns[j]
    compact[at(0, 50)] = 5; // row 0: a kept maximum above 0 (id 300)
    for (let j = 0; j < C; j++) compact[1 * C + j] = -Math.abs(compact[1 * C + j]) - 0.1; // row 1: every kept logit below 0
    compact.fill(-1, 2 * C, 3 * C); // row 2: exactly 0 at id 0, below the first zero row
    compact[at(2, 0)] = 0;
    compact.fill(-1, 3 * C, 4 * C); // row 3: −0 at id 7, above the first zero row
    compact[at(3, 1)] = -0;
    compact.fill(Number.NaN, 4 * C, 5 * C); // row 4: NaN only among the kept
    compact[at(5, 83)] = 3; // row 5: a tie between kept ids 501 and 201, the lower wins
    compact[at(5, 33)] = 3;
    compact[at(6, 143)] = Number.POSITIVE_INFINITY; // row 6: +∞ (id 861)
    compact.fill(Number.NEGATIVE_INFINITY, 7 * C, 8 * C); // row 7: −∞ only
    compact.fill(0, 8 * C, 9 * C); // row 8: every kept logit 0, as every zero row's
    const want = wholeRowArgmax(compact, columns, rows, V);
    expect(want).toEqual([300, 1, 0, 1, 1, 201, 861, 1, 0]);
    expect(await compactOnGpu(gpu, compact, columns, rows, 1)).toEqual(want);
  });

  it('with no row left out, is argmax over the kept ones (a row of NaN only: token 0)', async () => {
    const gpu = await testGpu();
    const V = 97;
    const columns = Uint32Array.from({ length: V }, (_, j) => j);
    const compact = randomArray(3 * V, 4, 2);
    compact.fill(-3, V, 2 * V);
    compact.fill(Number.NaN, 2 * V, 3 * V);
    const want = wholeRowArgmax(compact, columns, 3, V);
    expect(want.slice(1)).toEqual([0, 0]);
    expect(await compactOnGpu(gpu, compact, columns, 3, null)).toEqual(want);
  });
});
