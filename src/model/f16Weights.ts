// bf16 → f16 for frozen weights, done once while uploading, so tensor-core kernels (f16 inputs only)
// can read the base weights directly. Exact for every |w| in f16's normal range (f16 keeps 10
// mantissa bits to bf16's 7); below 2^-14 values lose bits and under 2^-24 they flush to zero (such
// weights contribute nothing measurable). A weight above f16's largest value (65504) cannot be
// represented: the conversion refuses the tensor by name, and the loader keeps bf16 for the model.

import { f32ToF16Bits } from './dtype.ts';

/** bf16 bit pattern → f16 bit pattern, and 1 where a finite bf16 overflows f16. Built on first use. */
let table: { f16: Uint16Array; overflow: Uint8Array } | null = null;

function conversionTable(): { f16: Uint16Array; overflow: Uint8Array } {
  if (table) return table;
  const f16 = new Uint16Array(65536);
  const overflow = new Uint8Array(65536);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let h = 0; h < 65536; h++) {
    u[0] = h << 16;
    const x = f[0];
    const bits = f32ToF16Bits(x);
    f16[h] = bits;
    overflow[h] = Number.isFinite(x) && (bits & 0x7c00) === 0x7c00 ? 1 : 0;
  }
  return (table = { f16, overflow });
}

/** A bf16 weight holds a value f16 cannot represent. */
export class F16RangeError extends Error {
  constructor(readonly tensor: string, readonly value: number) {
    super(`weight "${tensor}" holds ${value}, beyond f16's range (±65504): it cannot be read as f16`);
    this.name = 'F16RangeError';
  }
}

/** Packed bf16 bytes (little-endian, an even count) as packed f16 bytes, in a new array (sources
 * may hand out views of their own memory). */
export function bf16BytesToF16(bytes: Uint8Array, tensor: string): Uint8Array {
  const { f16, overflow } = conversionTable();
  const n = bytes.byteLength >> 1;
  // Copy first: `bytes` need not be 2-byte aligned in its buffer.
  const out = new Uint16Array(n);
  new Uint8Array(out.buffer).set(bytes.subarray(0, n * 2));
  for (let i = 0; i < n; i++) {
    const h = out[i];
    if (overflow[h]) {
      const f = new Float32Array(new Uint32Array([h << 16]).buffer)[0];
      throw new F16RangeError(tensor, f);
    }
    out[i] = f16[h];
  }
  return new Uint8Array(out.buffer);
}
