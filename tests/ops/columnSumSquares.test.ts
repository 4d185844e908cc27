// The importance matrix's column sums of squares on the GPU against a plain f64 sum, at shapes
// around the workgroup's 64 columns × 4 row lanes, added onto what the accumulator held.
import { describe, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/gpu/index.ts';
import { columnSumSquares } from '../../src/ops/columnSumSquares.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { columnSumSquaresRef } from '../reference/columnSumSquares.ts';

describe('column sums of squares on the GPU', () => {
  it('adds each column\'s Σ x² to the accumulator, for rows and columns around the workgroup shape', async () => {
    const gpu = await testGpu();
    for (const [rows, cols] of [[1, 1], [3, 63], [5, 64], [17, 65], [129, 200], [64, 896]]) {
      const x = randomArray(rows * cols, rows + cols, 3);
      const start = randomArray(cols, cols, 1).map(Math.abs);
      const gx = uploadBuffer(gpu.ctx, x, 'x');
      const acc = uploadBuffer(gpu.ctx, start, 'acc');
      await columnSumSquares(gpu, { x: gx, acc, rows, cols });
      // Twice: an accumulator, as over the tokens of many forwards.
      await columnSumSquares(gpu, { x: gx, acc, rows, cols });
      gpu.recorder.submit();
      const once = columnSumSquaresRef(x, rows, cols, start);
      const twice = columnSumSquaresRef(x, rows, cols, Float32Array.from(once));
      expectClose(await readF32(gpu.ctx, acc, cols), twice, { atol: 1e-5, rtol: 1e-5 }, `${rows}×${cols}`);
      [gx, acc].forEach((b) => b.destroy());
    }
  });

  it('reads only the rows it is given (the rest of a larger buffer is left out)', async () => {
    const gpu = await testGpu();
    const cols = 70;
    const x = randomArray(10 * cols, 5, 2);
    const gx = uploadBuffer(gpu.ctx, x, 'x');
    const acc = createStorageBuffer(gpu.ctx, cols * 4, 'acc');
    gpu.recorder.clear(acc, 0, cols * 4);
    await columnSumSquares(gpu, { x: gx, acc, rows: 4, cols });
    gpu.recorder.submit();
    expectClose(await readF32(gpu.ctx, acc, cols), columnSumSquaresRef(x, 4, cols, new Float32Array(cols)), { atol: 1e-6, rtol: 1e-6 }, 'first 4 rows');
    [gx, acc].forEach((b) => b.destroy());
  });
});
