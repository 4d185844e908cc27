// Q8_0 quantization as ggml's reference (`quantize_row_q8_0_ref`) does it, bit for bit: per block of
// 32 values d = max|x| / 127 in f32, q = roundf(x · (1/d)) (halves away from zero), d stored as f16.
// The f32 steps are rounded as C's floats are (Math.fround), so the bytes equal llama.cpp's own.
import { f32ToF16Bits } from '../model/dtype.ts';
import { Q8_0_BLOCK } from './ggufFile.ts';

/** `values` (a whole number of rows of a length divisible by 32) as Q8_0 blocks. */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % Q8_0_BLOCK !== 0) throw new RangeError(`Q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${values.length}`);
  const blocks = values.length / Q8_0_BLOCK;
  const out = new Uint8Array(blocks * (2 + Q8_0_BLOCK));
  const q = new Int8Array(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const x0 = b * Q8_0_BLOCK;
    let amax = 0;
    for (let i = 0; i < Q8_0_BLOCK; i++) amax = Math.max(amax, Math.abs(values[x0 + i]));
    const d = Math.fround(amax / 127);
    const id = d === 0 ? 0 : Math.fround(1 / d);
    const o = b * (2 + Q8_0_BLOCK);
    const h = f32ToF16Bits(d);
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    for (let i = 0; i < Q8_0_BLOCK; i++) {
      const v = Math.fround(values[x0 + i] * id);
      q[o + 2 + i] = Math.sign(v) * Math.floor(Math.abs(v) + 0.5);
    }
  }
  return out;
}
