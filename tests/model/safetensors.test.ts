// safetensors: bit-exact dtype conversions, write → read round trips, the exact bytes Python's
// writer produces, and errors that name the file and tensor for damaged files.
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../src/model/byte-source.ts';
import { bf16BitsToF32, decodeToFloat64, encodeFromNumbers, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/model/dtype.ts';
import { encodeSafetensors, readSafetensorsHeader, readTensorRange, streamTensors } from '../../src/model/safetensors.ts';

const f32 = (x: number) => Math.fround(x);
const bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];

describe('bf16 and f16 conversion', () => {
  it('rounds f32 → bf16 to nearest, ties to even', () => {
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    // 1 + 2^-8 is exactly halfway between bf16 1 and 1 + 2^-7: ties to even (1).
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    // 1 + 3·2^-8 is halfway between 1+2^-7 (odd) and 1+2^-6 (even): rounds up.
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(f32ToBf16Bits(f32(1 + 2 ** -8 + 2 ** -20))).toBe(0x3f81); // above half rounds up
    expect(f32ToBf16Bits(-2)).toBe(0xc000);
    expect(f32ToBf16Bits(Infinity)).toBe(0x7f80);
    expect(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN)))).toBe(true);
    // The largest f32 rounds to bf16 infinity (overflow through rounding).
    expect(f32ToBf16Bits(3.4028234663852886e38)).toBe(0x7f80);
  });

  it('decodes every bf16 value exactly and re-encodes it to the same bits', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const x = bf16BitsToF32(h);
      if (Number.isNaN(x)) continue;
      if (bits(x) >>> 16 !== h || (bits(x) & 0xffff) !== 0 || f32ToBf16Bits(x) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('round-trips every finite f16 value, including subnormals', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const x = f16BitsToF32(h);
      if (Number.isNaN(x)) continue;
      if (f32ToF16Bits(x) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // halfway above max half overflows to inf
    expect(f32ToF16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal → even (0)
    expect(f32ToF16Bits(f32(2 ** -25 * 1.01))).toBe(1);
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
  });
});

describe('safetensors writer and reader', () => {
  const values = Array.from({ length: 6 }, (_, i) => (i - 2.5) * 0.37);
  const tensors = [
    { name: 'b.bf16', dtype: 'BF16' as const, shape: [2, 3], data: encodeFromNumbers(values, 'BF16') },
    { name: 'a.f32', dtype: 'F32' as const, shape: [3, 2], data: encodeFromNumbers(values, 'F32') },
    { name: 'c.f16', dtype: 'F16' as const, shape: [6], data: encodeFromNumbers(values, 'F16') },
    { name: 'd.i32', dtype: 'I32' as const, shape: [2, 1], data: encodeFromNumbers([7, -3], 'I32') },
    { name: 'e.empty', dtype: 'F32' as const, shape: [0, 4], data: new Uint8Array(0) },
  ];

  it('round-trips F32/BF16/F16/I32 tensors and __metadata__', async () => {
    const file = encodeSafetensors(tensors, { format: 'pt', note: 'x' });
    const src = memorySource(file, 'rt.safetensors');
    const header = await readSafetensorsHeader(src);
    expect(header.metadata).toEqual({ format: 'pt', note: 'x' });
    expect(header.dataStart % 8).toBe(0);
    const got = new Map<string, Float64Array>();
    for await (const t of streamTensors(src, header)) got.set(t.name, decodeToFloat64(t.bytes, t.dtype));
    expect([...got.keys()].sort()).toEqual(tensors.map((t) => t.name).sort());
    expect(Array.from(got.get('a.f32')!)).toEqual(values.map(f32));
    expect(Array.from(got.get('b.bf16')!)).toEqual(values.map((v) => bf16BitsToF32(f32ToBf16Bits(v))));
    expect(Array.from(got.get('c.f16')!)).toEqual(values.map((v) => f16BitsToF32(f32ToF16Bits(v))));
    expect(Array.from(got.get('d.i32')!)).toEqual([7, -3]);
    expect(got.get('e.empty')!.length).toBe(0);
    // Packed bf16 as the GPU sees it: element 2i in the low half of u32 i (file bytes reinterpreted).
    const b = header.tensors.find((t) => t.name === 'b.bf16')!;
    const raw = await readTensorRange(src, b);
    const words = new Uint32Array(raw.slice().buffer, 0, 3);
    expect(words[0] & 0xffff).toBe(f32ToBf16Bits(values[0]));
    expect(words[0] >>> 16).toBe(f32ToBf16Bits(values[1]));
  });

  it('writes exactly the bytes Python safetensors writes (dtype-descending data order, compact JSON, space padding)', () => {
    const file = encodeSafetensors(
      [
        { name: 'w', dtype: 'BF16', shape: [1], data: encodeFromNumbers([1], 'BF16') },
        { name: 'b', dtype: 'F32', shape: [1], data: encodeFromNumbers([2], 'F32') },
        { name: 'a', dtype: 'F32', shape: [1], data: encodeFromNumbers([3], 'F32') },
      ],
      { format: 'pt' },
    );
    const json = '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"w":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]}}';
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    const len = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(len).toBe(padded.length);
    expect(new TextDecoder().decode(file.subarray(8, 8 + len))).toBe(padded);
    expect(Array.from(file.subarray(8 + len))).toEqual([0, 0, 0x40, 0x40, 0, 0, 0, 0x40, 0x80, 0x3f]);
  });

  it('reports damaged files by file and tensor name', async () => {
    const good = encodeSafetensors(tensors.slice(0, 2));
    await expect(readSafetensorsHeader(memorySource(good.subarray(0, good.length - 3), 'cut.safetensors'))).rejects.toThrow(
      /cut\.safetensors: not a valid safetensors file: tensor "\S+": data ends at \d+, past the \d+-byte data section/,
    );
    await expect(readSafetensorsHeader(memorySource(new Uint8Array(4), 'tiny.safetensors'))).rejects.toThrow(/tiny\.safetensors: .*only 4 bytes/);
    const lying = new Uint8Array(16);
    new DataView(lying.buffer).setBigUint64(0, 1000n, true);
    await expect(readSafetensorsHeader(memorySource(lying, 'len.safetensors'))).rejects.toThrow(/len\.safetensors: .*header length 1000 runs past/);
    const enc = new TextEncoder();
    const make = (json: string, dataBytes = 4) => {
      const j = enc.encode(json);
      const out = new Uint8Array(8 + j.length + dataBytes);
      new DataView(out.buffer).setBigUint64(0, BigInt(j.length), true);
      out.set(j, 8);
      return memorySource(out, 'bad.safetensors');
    };
    await expect(readSafetensorsHeader(make('{"x":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}'))).rejects.toThrow(/tensor "x": unsupported dtype "Q4"/);
    await expect(readSafetensorsHeader(make('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}'))).rejects.toThrow(/tensor "x": data_offsets span 4 bytes but F32\[2\] needs 8/);
    await expect(readSafetensorsHeader(make('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F16","shape":[2],"data_offsets":[2,6]}}', 8))).rejects.toThrow(
      /tensor "y" starts at data offset 2, expected 4 \(gap or overlap\)/,
    );
    await expect(readSafetensorsHeader(make('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 6))).rejects.toThrow(/tensors cover 4 data bytes but the file has 6/);
  });

  it('says a Git LFS pointer is one (a clone without git-lfs), not that its header length is absurd', async () => {
    const pointer = new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2145a0b2c4e9d1f0c6a8b3e5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1\nsize 988097824\n');
    await expect(readSafetensorsHeader(memorySource(pointer, 'Qwen2.5-0.5B-Instruct/model.safetensors'))).rejects.toThrow(
      'Qwen2.5-0.5B-Instruct/model.safetensors: not a valid safetensors file: it is a Git LFS pointer (a small text file naming the weights), not the weights themselves: the folder was cloned without Git LFS. Run `git lfs pull` in it, or download the model with `hf download <repo id>`',
    );
  });

  it('refuses to write a tensor whose bytes do not match its shape', () => {
    expect(() => encodeSafetensors([{ name: 'x', dtype: 'F32', shape: [3], data: new Uint8Array(8) }])).toThrow(/tensor "x": 8 bytes given, F32\[3\] needs 12/);
  });
});
