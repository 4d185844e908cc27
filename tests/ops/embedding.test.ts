// Token embedding: GPU gather from f32/bf16/f16 tables (whole and in row chunks) and the
// scatter-add backward with repeated ids, against the f64 reference; the reference backward against
// finite differences; the CPU grouping plan.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/gpu/index.ts';
import { embeddingBackward, embeddingForward, planEmbeddingBackward, splitTableRows, uploadEmbeddingBackwardPlan, type TableChunk } from '../../src/ops/embedding.ts';
import { expectClose, randomArray, seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { packHalves } from '../helpers/halfPack.ts';
import { dot, numericGradient } from '../reference/finiteDifference.ts';
import { embeddingBackwardRef, embeddingForwardRef } from '../reference/embedding.ts';

// The gather copies (or exactly decodes) values: it must be bit-exact.
const EXACT = { atol: 0, rtol: 0 };
// The scatter sums up to a few dozen f32 values per entry: a few ulp of the running sum.
const SUM = { atol: 1e-6, rtol: 1e-6 };

function randomIds(T: number, vocab: number, seed: number): Uint32Array {
  const r = seededRandom(seed);
  return Uint32Array.from({ length: T }, () => Math.floor(r() * vocab));
}

describe('embedding reference and plan', () => {
  it('backward equals central finite differences of Σ dy⊙embed(ids) with respect to the table', () => {
    const ids = [2, 0, 2, 2, 4];
    const vocab = 5, C = 3;
    const table = Float64Array.from(randomArray(vocab * C, 1));
    const dy = randomArray(ids.length * C, 2);
    const num = numericGradient((tb) => dot(embeddingForwardRef(ids, tb, vocab, C), dy), table);
    expectClose(embeddingBackwardRef(ids, dy, vocab, C), num, { atol: 1e-9, rtol: 1e-8 }, 'dTable vs finite differences');
  });

  it('groups token indices by ascending id, tokens in order, negative ids mapped past the vocabulary', () => {
    const plan = planEmbeddingBackward([7, 3, 7, -1, 3, 7]);
    expect(Array.from(plan.groupIds)).toEqual([3, 7, 0xffffffff]);
    expect(Array.from(plan.groupStart)).toEqual([0, 2, 5, 6]);
    expect(Array.from(plan.tokenOrder)).toEqual([1, 4, 0, 2, 5, 3]);
  });

  it('splits a table into binding-sized row chunks that start on whole words', () => {
    // Qwen2.5-0.5B: 151,936 × 896 bf16 = 272 MB, over a 128 MiB binding → 3 chunks.
    const chunks = splitTableRows(151_936, 896, 'bf16', 128 * 2 ** 20);
    expect(chunks.length).toBe(3);
    expect(chunks.every((c) => c.rows * 896 * 2 <= 128 * 2 ** 20)).toBe(true);
    expect(chunks.reduce((n, c) => n + c.rows, 0)).toBe(151_936);
    // Odd C in bf16: every chunk must start at an even element, so rows per chunk are even.
    const odd = splitTableRows(11, 3, 'bf16', 20); // 6 bytes a row → 3 rows fit, 2 are used
    expect(odd).toEqual([{ firstRow: 0, rows: 2 }, { firstRow: 2, rows: 2 }, { firstRow: 4, rows: 2 }, { firstRow: 6, rows: 2 }, { firstRow: 8, rows: 2 }, { firstRow: 10, rows: 1 }]);
    expect(() => splitTableRows(4, 100, 'f32', 100)).toThrow(/does not fit/);
  });
});

describe('embedding on the GPU', () => {
  for (const dtype of ['f32', 'bf16', 'f16'] as const) {
    it(`gathers rows from a ${dtype} table, whole and split into row chunks`, async () => {
      const gpu = await testGpu();
      for (const [T, vocab, C] of [[1, 1, 2], [13, 37, 6], [40, 300, 64]]) {
        const values = randomArray(vocab * C, vocab + C, 0.5);
        const packed = dtype === 'f32' ? { data: values, values } : (({ packed, values }) => ({ data: packed, values }))(packHalves(values, dtype));
        const ids = randomIds(T, vocab, T);
        ids[0] = vocab - 1; // the last row is reachable
        if (T > 2) ids[T - 1] = vocab + 5; // an out-of-range id gives a zero row
        const gids = uploadBuffer(gpu.ctx, ids, 'ids');
        const want = embeddingForwardRef(ids, packed.values, vocab, C);
        const out = createStorageBuffer(gpu.ctx, T * C * 4, 'out');
        const whole = uploadBuffer(gpu.ctx, packed.data, 'table');
        await embeddingForward(gpu, { ids: gids, table: whole, tableDtype: dtype, out, tokens: T, C, vocab });
        gpu.recorder.submit();
        expectClose(await readF32(gpu.ctx, out, T * C), want, EXACT, `${dtype} whole [${T},${vocab},${C}]`);

        // Three chunks with uneven row counts (C is even, so every chunk starts on a whole word).
        const cuts = [0, Math.floor(vocab / 3), Math.floor((2 * vocab) / 3), vocab].filter((v, i, a) => i === 0 || v > a[i - 1]);
        const chunks: TableChunk[] = cuts.slice(1).map((end, i) => {
          const firstRow = cuts[i];
          const slice = values.subarray(firstRow * C, end * C);
          const data = dtype === 'f32' ? slice : packHalves(slice, dtype).packed;
          return { buffer: uploadBuffer(gpu.ctx, data, `table rows ${firstRow}..${end}`), firstRow, rows: end - firstRow };
        });
        const out2 = uploadBuffer(gpu.ctx, new Float32Array(T * C).fill(123), 'out2'); // stale values must all be overwritten
        await embeddingForward(gpu, { ids: gids, table: chunks, tableDtype: dtype, out: out2, tokens: T, C, vocab });
        gpu.recorder.submit();
        expectClose(await readF32(gpu.ctx, out2, T * C), want, EXACT, `${dtype} chunked [${T},${vocab},${C}]`);
      }
    });
  }

  it('refuses chunks that leave a gap or start a packed chunk mid-word', async () => {
    const gpu = await testGpu();
    const b = createStorageBuffer(gpu.ctx, 64, 'b');
    const args = { ids: b, out: b, tokens: 1, C: 3, vocab: 4 };
    await expect(embeddingForward(gpu, { ...args, table: [{ buffer: b, firstRow: 0, rows: 1 }, { buffer: b, firstRow: 2, rows: 2 }] })).rejects.toThrow(/cover rows/);
    await expect(embeddingForward(gpu, { ...args, tableDtype: 'bf16', table: [{ buffer: b, firstRow: 0, rows: 1 }, { buffer: b, firstRow: 1, rows: 3 }] })).rejects.toThrow(/even element/);
  });

  it('scatter-adds gradients of repeated ids into whole and chunked f32 gradient tables', async () => {
    const gpu = await testGpu();
    for (const [T, vocab, C] of [[1, 3, 1], [50, 7, 5], [64, 301, 33]]) {
      const ids = randomIds(T, vocab, T + vocab); // few distinct ids at vocab 7: heavy repetition
      if (T > 4) ids.fill(2, 0, 4); // one id repeated back to back
      if (T > 5) ids[5] = vocab; // out of range: contributes nothing
      const dy = randomArray(T * C, C);
      const initial = randomArray(vocab * C, 99); // the table is added to, not overwritten
      const want = embeddingBackwardRef(ids, dy, vocab, C).map((v, i) => v + initial[i]);
      const plan = uploadEmbeddingBackwardPlan(gpu.ctx, ids);
      const gdy = uploadBuffer(gpu.ctx, dy, 'dy');

      const whole = uploadBuffer(gpu.ctx, initial, 'dTable');
      await embeddingBackward(gpu, { plan, dy: gdy, dTable: whole, C, vocab });
      const split = Math.max(1, Math.floor(vocab / 2));
      const chunks = [
        { buffer: uploadBuffer(gpu.ctx, initial.subarray(0, split * C), 'dTable lo'), firstRow: 0, rows: split },
        ...(split < vocab ? [{ buffer: uploadBuffer(gpu.ctx, initial.subarray(split * C), 'dTable hi'), firstRow: split, rows: vocab - split }] : []),
      ];
      await embeddingBackward(gpu, { plan, dy: gdy, dTable: chunks, C, vocab });
      gpu.recorder.submit();
      expectClose(await readF32(gpu.ctx, whole, vocab * C), want, SUM, `dTable whole [${T},${vocab},${C}]`);
      const got = new Float32Array(vocab * C);
      for (const c of chunks) got.set(await readF32(gpu.ctx, c.buffer, c.rows * C), c.firstRow * C);
      expectClose(got, want, SUM, `dTable chunked [${T},${vocab},${C}]`);
      plan.destroy();
    }
  });

  it('gathers from and scatters into a real 151,936-row vocabulary (bf16 table, the last row included)', async () => {
    const gpu = await testGpu();
    const vocab = 151_936, C = 8, T = 5;
    const ids = Uint32Array.from([151_935, 0, 151_935, 77_777, 151_935]);
    const table = packHalves(randomArray(vocab * C, 3), 'bf16');
    const gids = uploadBuffer(gpu.ctx, ids, 'ids');
    const out = createStorageBuffer(gpu.ctx, T * C * 4, 'out');
    await embeddingForward(gpu, { ids: gids, table: uploadBuffer(gpu.ctx, table.packed, 'table'), tableDtype: 'bf16', out, tokens: T, C, vocab });
    const dy = randomArray(T * C, 4);
    const dTable = createStorageBuffer(gpu.ctx, vocab * C * 4, 'dTable');
    gpu.recorder.clear(dTable);
    const plan = uploadEmbeddingBackwardPlan(gpu.ctx, ids);
    await embeddingBackward(gpu, { plan, dy: uploadBuffer(gpu.ctx, dy, 'dy'), dTable, C, vocab });
    gpu.recorder.submit();
    expectClose(await readF32(gpu.ctx, out, T * C), embeddingForwardRef(ids, table.values, vocab, C), EXACT, 'gather at full vocab');
    expectClose(await readF32(gpu.ctx, dTable, vocab * C), embeddingBackwardRef(ids, dy, vocab, C), SUM, 'scatter at full vocab');
    plan.destroy();
  });
});
