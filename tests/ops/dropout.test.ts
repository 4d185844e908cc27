// Dropout's mask: the GPU and the CPU definition agree bit for bit, the drop rate is p, kept values
// are scaled by 1/(1−p), the accumulate form is the backward of the apply form, and seeds differ.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, uploadBuffer } from '../../src/gpu/index.ts';
import { dropout, dropoutMaskValue } from '../../src/ops/dropout.ts';
import { LORA_TARGETS, loraDropoutModule, loraDropoutSeed } from '../../src/model/lora.ts';
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

  it('a LoRA module\'s mask, its seed derived on the GPU from the micro-batch seed, is the one loraDropoutSeed gives', async () => {
    const gpu = await testGpu();
    const n = 513;
    const x = randomArray(n, 4);
    const src = uploadBuffer(gpu.ctx, x, 'x');
    const dst = createStorageBuffer(gpu.ctx, n * 4, 'y');
    const acc = createStorageBuffer(gpu.ctx, n * 4, 'acc');
    for (const batchSeed of [0, 12345, 0xffffffff, 0x9e3779b9]) {
      const seedBuf = uploadBuffer(gpu.ctx, Uint32Array.of(batchSeed), 'batchSeed');
      for (const [layer, target] of [[0, 'q'], [3, 'down'], [95, 'up']] as const) {
        const seed = { batchSeed: seedBuf, module: loraDropoutModule(layer, target) };
        gpu.recorder.clear(acc);
        await dropout(gpu, { src, dst, n, p: 0.3, seed });
        await dropout(gpu, { src, dst: acc, n, p: 0.3, seed, accumulate: true });
        gpu.recorder.submit();
        const want = loraDropoutSeed(batchSeed, layer, target);
        const y = await readF32(gpu.ctx, dst, n);
        const a = await readF32(gpu.ctx, acc, n);
        for (let i = 0; i < n; i++) {
          const v = Math.fround(Math.fround(dropoutMaskValue(i, want, 0.3)) * x[i]);
          if (y[i] !== v || a[i] !== v) throw new Error(`batch seed ${batchSeed}, layer ${layer} ${target}, element ${i}: got ${y[i]} / ${a[i]}, want ${v}`);
        }
      }
      seedBuf.destroy();
    }
    expect(new Set(LORA_TARGETS.map((t) => loraDropoutModule(2, t))).size).toBe(LORA_TARGETS.length);
    [src, dst, acc].forEach((b) => b.destroy());
  });
});
