// Dropout's mask: the GPU and the CPU definition agree bit for bit, the drop rate is p, kept values
// are scaled by 1/(1−p), the accumulate form is the backward of the apply form, and seeds differ.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/gpu/index.ts';
import { dropout, dropoutMaskValue } from '../../src/ops/dropout.ts';
import { testGpu } from '../helpers/gpu.ts';
import { randomArray } from '../helpers/compare.ts';

describe('dropout', () => {
  it('matches the CPU mask exactly, drops about p, and scales what it keeps', async () => {
    const gpu = await testGpu();
    for (const [n, p, seed] of [[1, 0.5, 3], [1000, 0.1, 7], [70_001, 0.3, 0xdeadbeef]] as const) {
      const x = randomArray(n, 1);
      const src = uploadBuffer(gpu.ctx, x, 'x');
      const dst = createStorageBuffer(gpu.ctx, n * 4, 'y');
      await dropout(gpu, { src, dst, n, p, seed });
      gpu.recorder.submit();
      const y = await readF32(gpu.ctx, dst, n);
      let dropped = 0;
      for (let i = 0; i < n; i++) {
        const m = dropoutMaskValue(i, seed, p);
        expect(y[i]).toBe(Math.fround(Math.fround(m) * x[i]));
        if (m === 0) dropped++;
      }
      if (n > 1000) expect(Math.abs(dropped / n - p)).toBeLessThan(0.01);
      src.destroy();
      dst.destroy();
    }
  });

  it('accumulate adds the masked gradient (the transpose of apply) and seeds give different masks', async () => {
    const gpu = await testGpu();
    const n = 4097;
    const g = randomArray(n, 2);
    const base = randomArray(n, 3);
    const src = uploadBuffer(gpu.ctx, g, 'g');
    const dst = uploadBuffer(gpu.ctx, base, 'acc');
    await dropout(gpu, { src, dst, n, p: 0.25, seed: 11, accumulate: true });
    gpu.recorder.submit();
    const got = await readF32(gpu.ctx, dst, n);
    for (let i = 0; i < n; i++) expect(got[i]).toBeCloseTo(base[i] + dropoutMaskValue(i, 11, 0.25) * g[i], 6);
    let same = 0;
    for (let i = 0; i < n; i++) if ((dropoutMaskValue(i, 11, 0.25) === 0) === (dropoutMaskValue(i, 12, 0.25) === 0)) same++;
    expect(same / n).toBeLessThan(0.75); // independent masks agree on ~62.5% of elements
  });
});
