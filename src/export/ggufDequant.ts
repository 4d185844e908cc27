// GGUF's block types read back as f32 values, as ggml's `dequantize_row_*` computes them (each f32
// step rounded as C's floats are): what llama.cpp multiplies by when it runs the file, so the
// studio can run a quantized export in its own engine and see what the rounding did to the model.
// Tests compare every type with ggml's own values for the same bytes.
import { f16BitsToF32 } from '../model/dtype.ts';
import { QUANT_BLOCK, type GgmlBlockType, type GgmlTypeName } from './ggufFile.ts';

const f32 = Math.fround;

/** `count` values (whole blocks) of `type` from `bytes` (their blocks, from the start). */
export function dequantize(type: GgmlTypeName, bytes: Uint8Array, count: number): Float32Array {
  if (type === 'F32') return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 4));
  const out = new Float32Array(count);
  if (type === 'F16') {
    for (let i = 0; i < count; i++) out[i] = f16BitsToF32(bytes[2 * i] | (bytes[2 * i + 1] << 8));
    return out;
  }
  if (type === 'BF16') {
    // bf16 is f32's upper half: the value exactly.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = (bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16;
    return out;
  }
  const { values: per, bytes: size } = QUANT_BLOCK[type];
  if (count % per !== 0) throw new RangeError(`${type} holds whole blocks of ${per} values, asked for ${count}`);
  if (bytes.byteLength < (count / per) * size) throw new RangeError(`${type}: ${count} values need ${(count / per) * size} bytes, got ${bytes.byteLength}`);
  const block = BLOCK_DEQUANTIZERS[type];
  for (let b = 0; b < count / per; b++) block(bytes, b * size, out, b * per);
  return out;
}

/** ggml's kvalues_iq4nl: the 16 non-uniform levels of IQ4_NL and IQ4_XS. */
const IQ4_VALUES = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

const f16At = (x: Uint8Array, at: number) => f16BitsToF32(x[at] | (x[at + 1] << 8));
const u32At = (x: Uint8Array, at: number) => (x[at] | (x[at + 1] << 8) | (x[at + 2] << 16) | (x[at + 3] << 24)) >>> 0;

const BLOCK_DEQUANTIZERS: Record<GgmlBlockType, (x: Uint8Array, o: number, y: Float32Array, yo: number) => void> = {
  Q8_0(x, o, y, yo) {
    const d = f16At(x, o);
    for (let j = 0; j < 32; j++) y[yo + j] = f32(((x[o + 2 + j] << 24) >> 24) * d);
  },
  Q5_0(x, o, y, yo) {
    const d = f16At(x, o);
    const qh = u32At(x, o + 2);
    for (let j = 0; j < 16; j++) {
      const q = x[o + 6 + j];
      y[yo + j] = f32((((q & 0x0f) | (((qh >>> j) << 4) & 0x10)) - 16) * d);
      y[yo + j + 16] = f32((((q >> 4) | ((qh >>> (j + 12)) & 0x10)) - 16) * d);
    }
  },
  Q5_1(x, o, y, yo) {
    const d = f16At(x, o);
    const m = f16At(x, o + 2);
    const qh = u32At(x, o + 4);
    for (let j = 0; j < 16; j++) {
      const q = x[o + 8 + j];
      y[yo + j] = f32(f32(((q & 0x0f) | (((qh >>> j) << 4) & 0x10)) * d) + m);
      y[yo + j + 16] = f32(f32(((q >> 4) | ((qh >>> (j + 12)) & 0x10)) * d) + m);
    }
  },
  Q4_0(x, o, y, yo) {
    const d = f16At(x, o);
    for (let j = 0; j < 16; j++) {
      y[yo + j] = f32(((x[o + 2 + j] & 0x0f) - 8) * d);
      y[yo + j + 16] = f32(((x[o + 2 + j] >> 4) - 8) * d);
    }
  },
  Q4_1(x, o, y, yo) {
    const d = f16At(x, o);
    const m = f16At(x, o + 2);
    for (let j = 0; j < 16; j++) {
      y[yo + j] = f32(f32((x[o + 4 + j] & 0x0f) * d) + m);
      y[yo + j + 16] = f32(f32((x[o + 4 + j] >> 4) * d) + m);
    }
  },
  IQ4_NL(x, o, y, yo) {
    const d = f16At(x, o);
    for (let j = 0; j < 16; j++) {
      y[yo + j] = f32(d * IQ4_VALUES[x[o + 2 + j] & 0x0f]);
      y[yo + j + 16] = f32(d * IQ4_VALUES[x[o + 2 + j] >> 4]);
    }
  },
  // Two bits a value, 16 sub-blocks of 16, each a 4-bit scale and min of the f16 d and dmin.
  Q2_K(x, o, y, yo) {
    const d = f16At(x, o + 80);
    const min = f16At(x, o + 82);
    let at = yo;
    for (let n = 0, q = o + 16, is = o; n < 256; n += 128, q += 32) {
      for (let shift = 0; shift < 8; shift += 2) {
        for (const half of [0, 16]) {
          const sc = x[is++];
          const dl = f32(d * (sc & 0xf));
          const ml = f32(min * (sc >> 4));
          for (let l = 0; l < 16; l++) y[at++] = f32(f32(dl * ((x[q + l + half] >> shift) & 3)) - ml);
        }
      }
    }
  },
  // Three bits a value (the third in hmask, set meaning no −4), 16 signed 6-bit scales packed in 12 bytes.
  Q3_K(x, o, y, yo) {
    const d = f16At(x, o + 108);
    const a0 = u32At(x, o + 96);
    const a1 = u32At(x, o + 100);
    const t = u32At(x, o + 104);
    const aux = [(a0 & 0x0f0f0f0f) | (((t >>> 0) & 0x03030303) << 4), (a1 & 0x0f0f0f0f) | (((t >>> 2) & 0x03030303) << 4), ((a0 >>> 4) & 0x0f0f0f0f) | (((t >>> 4) & 0x03030303) << 4), ((a1 >>> 4) & 0x0f0f0f0f) | (((t >>> 6) & 0x03030303) << 4)];
    const scale = (k: number) => (((aux[k >> 2] >>> (8 * (k & 3))) & 0xff) << 24) >> 24;
    let at = yo;
    let is = 0;
    for (let n = 0, q = o + 32, m = 1; n < 256; n += 128, q += 32) {
      for (let shift = 0; shift < 8; shift += 2, m <<= 1) {
        for (const half of [0, 16]) {
          const dl = f32(d * (scale(is++) - 32));
          for (let l = 0; l < 16; l++) y[at++] = f32(dl * (((x[q + l + half] >> shift) & 3) - (x[o + l + half] & m ? 0 : 4)));
        }
      }
    }
  },
  Q4_K(x, o, y, yo) {
    kBlock(x, o, y, yo, false);
  },
  Q5_K(x, o, y, yo) {
    kBlock(x, o, y, yo, true);
  },
  // Eight sub-blocks of 32, each a 6-bit scale (low 4 bits in scales_l, high 2 in scales_h) of the f16 d, on IQ4_NL's values.
  IQ4_XS(x, o, y, yo) {
    const d = f16At(x, o);
    const high = x[o + 2] | (x[o + 3] << 8);
    for (let ib = 0; ib < 8; ib++) {
      const ls = ((x[o + 4 + (ib >> 1)] >> (4 * (ib & 1))) & 0xf) | (((high >> (2 * ib)) & 3) << 4);
      const dl = f32(d * (ls - 32));
      const qs = o + 8 + 16 * ib;
      for (let j = 0; j < 16; j++) {
        y[yo + 32 * ib + j] = f32(dl * IQ4_VALUES[x[qs + j] & 0x0f]);
        y[yo + 32 * ib + j + 16] = f32(dl * IQ4_VALUES[x[qs + j] >> 4]);
      }
    }
  },
  Q6_K(x, o, y, yo) {
    const d = f16At(x, o + 208);
    for (let n = 0, ql = o, qh = o + 128, sc = o + 192; n < 256; n += 128, ql += 64, qh += 32, sc += 8) {
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = x[qh + l];
        const q1 = ((x[ql + l] & 0xf) | ((h & 3) << 4)) - 32;
        const q2 = ((x[ql + l + 32] & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((x[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((x[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
        const s = (k: number) => (x[sc + is + k] << 24) >> 24;
        y[yo + n + l] = f32(f32(d * s(0)) * q1);
        y[yo + n + l + 32] = f32(f32(d * s(2)) * q2);
        y[yo + n + l + 64] = f32(f32(d * s(4)) * q3);
        y[yo + n + l + 96] = f32(f32(d * s(6)) * q4);
      }
    }
  },
};

/** Q4_K and Q5_K: per 64 values two sub-blocks, each value d·sc·q − dmin·m (Q5_K's fifth bit in qh). */
function kBlock(x: Uint8Array, o: number, y: Float32Array, yo: number, fifthBit: boolean): void {
  const d = f16At(x, o);
  const min = f16At(x, o + 2);
  const scales = o + 4;
  const qh = o + 16;
  let q = fifthBit ? o + 48 : o + 16;
  for (let j = 0, is = 0, u1 = 1, u2 = 2; j < 256; j += 64, is += 2, q += 32, u1 <<= 2, u2 <<= 2) {
    const [d1, m1] = scaleMin(x, scales, is, d, min);
    const [d2, m2] = scaleMin(x, scales, is + 1, d, min);
    for (let l = 0; l < 32; l++) y[yo + j + l] = f32(f32(d1 * ((x[q + l] & 0xf) + (fifthBit && x[qh + l] & u1 ? 16 : 0))) - m1);
    for (let l = 0; l < 32; l++) y[yo + j + 32 + l] = f32(f32(d2 * ((x[q + l] >> 4) + (fifthBit && x[qh + l] & u2 ? 16 : 0))) - m2);
  }
}

/** get_scale_min_k4: sub-block j's 6-bit scale and min, times the super-block's d and dmin. */
function scaleMin(x: Uint8Array, s: number, j: number, d: number, min: number): [number, number] {
  const sc = j < 4 ? x[s + j] & 63 : (x[s + j + 4] & 0xf) | ((x[s + j - 4] >> 6) << 4);
  const m = j < 4 ? x[s + j + 4] & 63 : (x[s + j + 4] >> 4) | ((x[s + j] >> 6) << 4);
  return [f32(d * sc), f32(min * m)];
}
