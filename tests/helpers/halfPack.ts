// Test helpers for 16-bit weights: round f32 values to bf16 or f16 and pack them two per u32 the way
// the files store them (little-endian, element 2i in the low half), plus the exact f32 values the
// packed data decodes to, so references compute with what the GPU really sees. Tests only.

export type HalfDtype = 'bf16' | 'f16';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** f32 → bf16 bits, round to nearest even (what torch's .to(bfloat16) does). */
export function f32ToBf16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return 0x7fc0; // NaN
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

export function bf16BitsToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

/** f32 → IEEE half bits, round to nearest even, with subnormals and overflow to ±inf. */
export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

export interface PackedHalves {
  /** ceil(n/2) words; an odd tail leaves the last high half zero. */
  packed: Uint32Array;
  /** The values the packed halves decode to, as f32. */
  values: Float32Array;
}

/** Rounds `values` to `dtype` and packs them two per u32. */
export function packHalves(values: ArrayLike<number>, dtype: HalfDtype): PackedHalves {
  const n = values.length;
  const toBits = dtype === 'bf16' ? f32ToBf16Bits : f32ToF16Bits;
  const fromBits = dtype === 'bf16' ? bf16BitsToF32 : f16BitsToF32;
  const halves = new Uint16Array(n + (n & 1));
  const decoded = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    halves[i] = toBits(values[i]);
    decoded[i] = fromBits(halves[i]);
  }
  // Little-endian machines (all WebGPU targets): the u16 array's bytes are exactly the file bytes.
  return { packed: new Uint32Array(halves.buffer), values: decoded };
}
