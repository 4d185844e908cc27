// bf16 → f16 weights for tensor cores (src/model/f16Weights.ts and the upload option that uses it):
// every bf16 value in f16's normal range converts exactly, values f16 cannot hold are refused with the
// tensor's name, and an upload with the option leaves buffers holding the f16 bits of the file's values
// while the file's own bytes are untouched (sources may hand out views of their memory).
import { describe, expect, it } from 'vitest';
import { readBuffer } from '../../src/gpu/buffers.ts';
import { openModel } from '../../src/model/checkpoint.ts';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits } from '../../src/model/dtype.ts';
import { bf16BytesToF16, F16RangeError } from '../../src/model/f16Weights.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { readTensorRange } from '../../src/model/safetensors.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { destroyWeights, uploadModelWeights } from '../../src/model/upload.ts';
import { testGpu } from '../helpers/gpu.ts';

const bytesOf = (halves: number[]) => new Uint8Array(Uint16Array.from(halves).buffer);

describe('bf16 → f16 weight conversion', () => {
  it('is exact for every bf16 value with 2^-14 ≤ |x| ≤ 65504, and keeps signs, zeros and tiny values close', () => {
    const all = Array.from({ length: 65536 }, (_, h) => h).filter((h) => {
      const x = Math.abs(bf16BitsToF32(h));
      return Number.isFinite(x) && x <= 65504;
    });
    const out = new Uint16Array(bf16BytesToF16(bytesOf(all), 'w').buffer);
    all.forEach((h, i) => {
      const x = bf16BitsToF32(h);
      const y = f16BitsToF32(out[i]);
      if (Math.abs(x) >= 2 ** -14) expect(y).toBe(x);
      // Subnormal f16 keeps 2^-24 steps: anything smaller rounds to (signed) zero.
      else expect(Math.abs(y - x)).toBeLessThanOrEqual(2 ** -25);
    });
  });

  it('refuses a value beyond f16 by tensor name, and reads an unaligned view without changing it', () => {
    const big = f32ToBf16Bits(70000);
    expect(() => bf16BytesToF16(bytesOf([0x3f80, big]), 'model.layers.3.mlp.down_proj.weight')).toThrow(F16RangeError);
    expect(() => bf16BytesToF16(bytesOf([big]), 'layer')).toThrow(/weight "layer" holds 70144, beyond f16's range/);
    const backing = new Uint8Array(7);
    backing.set(bytesOf([0x3f80, 0xc000, 0x3e80]), 1); // 1, -2, 0.25 at an odd byte offset
    const view = backing.subarray(1, 7);
    const before = Array.from(view);
    const out = new Uint16Array(bf16BytesToF16(view, 'w').buffer);
    expect(Array.from(out, f16BitsToF32)).toEqual([1, -2, 0.25]);
    expect(Array.from(view)).toEqual(before);
  });

  it('an upload with bf16AsF16 holds each tensor’s values as f16 bits and reports dtype F16', async () => {
    const gpu = await testGpu();
    const { files } = generateTinyModel(tinyTestOptions('qwen3'));
    const { spec, checkpoint } = await openModel(memoryModelFiles(files));
    const weights = await uploadModelWeights(gpu.ctx, spec, checkpoint, { bf16AsF16: true });
    const name = 'model.layers.0.mlp.up_proj.weight';
    const w = weights.get(name)!;
    expect(w.dtype).toBe('F16');
    const t = checkpoint.tensors.get(name)!;
    const file = new Uint16Array((await readTensorRange(t.source, t)).slice().buffer);
    const gpuHalves = new Uint16Array(await readBuffer(gpu.ctx, w.parts[0].buffer, t.byteLength));
    file.forEach((h, i) => {
      const x = bf16BitsToF32(h);
      if (Math.abs(x) >= 2 ** -14) expect(f16BitsToF32(gpuHalves[i])).toBe(x);
    });
    destroyWeights(weights);
    await checkpoint.close();
  });
});
