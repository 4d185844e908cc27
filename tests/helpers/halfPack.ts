// Test helpers for 16-bit weights: round f32 values to bf16 or f16 and pack them two per u32 the way
// the files store them (little-endian, element 2i in the low half), plus the exact f32 values the
// packed data decodes to, so references compute with what the GPU really sees. Tests only.

import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/model/dtype.ts';

export type HalfDtype = 'bf16' | 'f16';

// The conversions are the engine's own (src/model/dtype.ts), so tests pack exactly as files do.
export { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits };

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
