// Finding NaN and ±Infinity in tensors before they are used: one NaN in a base weight makes every
// output NaN (generation prints garbage and exits 0), one in an optimizer moment makes a resumed
// run "diverge" for no reason the user can act on. Refusing the file by name is the only useful answer.
// Works on the raw bits (an all-ones exponent), so a bf16 or f16 tensor is checked without decoding
// it and at memory speed. Never throws itself: callers turn a hit into their own named error.
import type { SafetensorsDtype } from './dtype.ts';

export interface NonFinite {
  /** Element index within the bytes given. */
  index: number;
  what: 'NaN' | 'Infinity' | '-Infinity';
}

/** Exponent mask and mantissa mask per float dtype, on the element's bits (little-endian). */
const FLOAT_BITS: Partial<Record<SafetensorsDtype, { bytes: 2 | 4; exponent: number; mantissa: number; sign: number }>> = {
  BF16: { bytes: 2, exponent: 0x7f80, mantissa: 0x007f, sign: 0x8000 },
  F16: { bytes: 2, exponent: 0x7c00, mantissa: 0x03ff, sign: 0x8000 },
  F32: { bytes: 4, exponent: 0x7f800000, mantissa: 0x007fffff, sign: 0x80000000 },
};

/** The first non-finite element of little-endian tensor bytes, or null (also for non-float dtypes). */
export function firstNonFinite(bytes: Uint8Array, dtype: SafetensorsDtype): NonFinite | null {
  if (dtype === 'F64') {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i + 8 <= bytes.byteLength; i += 8) {
      const x = dv.getFloat64(i, true);
      if (!Number.isFinite(x)) return { index: i / 8, what: Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity' };
    }
    return null;
  }
  const f = FLOAT_BITS[dtype];
  if (!f) return null;
  const n = Math.floor(bytes.byteLength / f.bytes);
  // Typed views need aligned offsets; a misaligned slice is copied once (rare: reads are aligned).
  const aligned = bytes.byteOffset % f.bytes === 0 ? bytes : bytes.slice();
  const bits = f.bytes === 2 ? new Uint16Array(aligned.buffer, aligned.byteOffset, n) : new Uint32Array(aligned.buffer, aligned.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const b = bits[i];
    if ((b & f.exponent) !== f.exponent) continue;
    return { index: i, what: (b & f.mantissa) !== 0 ? 'NaN' : (b & f.sign) !== 0 ? '-Infinity' : 'Infinity' };
  }
  return null;
}

/** The first non-finite value of an f32 array (trainer state, decoded adapters), or null. */
export function firstNonFiniteValue(values: ArrayLike<number>): NonFinite | null {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) return { index: i, what: Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity' };
  }
  return null;
}
