// The dtype conversion kernel (shaders/convert.wgsl) against src/model/dtype.ts, bit for bit: f32 →
// bf16/f16 rounding (ties, subnormals, overflow, NaN/inf), bf16/f16 → f32 unpacking, offsets and an
// odd element count (the last packed word's high half must be 0).
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readBuffer, uploadBuffer } from '../../src/gpu/index.ts';
import { convertDtype } from '../../src/ops/convert.ts';
import { decodeToFloat32, encodeFromNumbers, type WeightDtype as FileDtype } from '../../src/model/dtype.ts';
import type { WeightDtype } from '../../src/ops/matmul.ts';
import { seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

const FILE: Record<WeightDtype, FileDtype> = { f32: 'F32', bf16: 'BF16', f16: 'F16' };

function testValues(n: number): Float32Array {
  const rand = seededRandom(3);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (rand() * 2 - 1) * 10 ** (rand() * 8 - 5);
  // Edge cases: signed zero, f16 subnormals and underflow, f16 overflow, exact ties in both formats, specials.
  const special = [0, -0, 1e-6, -6e-8, 2.9e-8, 65504, 65520, 70000, -1e9, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8, 1 + 3 * 2 ** -8, Infinity, -Infinity, NaN];
  v.set(special, 5);
  return v;
}

const bitsOf = (b: ArrayBuffer, bytes: number) => Array.from(new Uint8Array(b, 0, bytes));

describe('convertDtype', () => {
  it.each([
    ['f32', 'bf16'],
    ['f32', 'f16'],
    ['f32', 'f32'],
  ] as const)('%s → %s is bit-identical to dtype.ts, with offsets and an odd count', async (from, to) => {
    const gpu = await testGpu();
    const all = testValues(1001);
    const srcOffset = 3;
    const dstOffset = 4;
    const n = all.length - srcOffset; // 998 → use an odd count below
    const count = n - 1; // 997, odd
    const src = uploadBuffer(gpu.ctx, all, 'test.src');
    const dstBytes = (dstOffset + count + 1) * (to === 'f32' ? 4 : 2);
    const dst = createStorageBuffer(gpu.ctx, dstBytes, 'test.dst');
    await convertDtype(gpu, { src, srcDtype: from, dst, dstDtype: to, n: count, srcOffset, dstOffset });
    gpu.recorder.submit();
    const got = await readBuffer(gpu.ctx, dst, dst.size);
    const elem = to === 'f32' ? 4 : 2;
    const want = encodeFromNumbers(all.subarray(srcOffset, srcOffset + count), FILE[to]);
    expect(bitsOf(got.slice(dstOffset * elem), want.byteLength)).toEqual(Array.from(want));
    if (to !== 'f32') {
      // The padding half after the odd last element is written as zero.
      const pad = new Uint16Array(got, (dstOffset + count) * 2, 1)[0];
      expect(pad).toBe(0);
    }
    src.destroy();
    dst.destroy();
  });

  it.each(['bf16', 'f16'] as const)('%s → f32 unpacks exactly, from an odd source offset', async (from) => {
    const gpu = await testGpu();
    const values = testValues(515);
    const packed = encodeFromNumbers(values, FILE[from]);
    const src = uploadBuffer(gpu.ctx, packed, 'test.packed');
    const count = 511;
    const srcOffset = 1; // odd: the kernel must pick the high half of the first word
    const dst = createStorageBuffer(gpu.ctx, count * 4, 'test.f32');
    await convertDtype(gpu, { src, srcDtype: from, dst, dstDtype: 'f32', n: count, srcOffset });
    gpu.recorder.submit();
    const got = new Uint8Array(await readBuffer(gpu.ctx, dst, count * 4));
    const decoded = decodeToFloat32(packed, FILE[from]).subarray(srcOffset, srcOffset + count);
    expect(Array.from(got)).toEqual(Array.from(new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength)));
    src.destroy();
    dst.destroy();
  });

  it('rejects an odd offset into a packed destination', async () => {
    const gpu = await testGpu();
    const src = uploadBuffer(gpu.ctx, new Float32Array(8), 'test.src');
    const dst = createStorageBuffer(gpu.ctx, 32, 'test.dst');
    await expect(convertDtype(gpu, { src, srcDtype: 'f32', dst, dstDtype: 'f16', n: 4, dstOffset: 1 })).rejects.toThrow(/even element offset/);
    src.destroy();
    dst.destroy();
  });
});
