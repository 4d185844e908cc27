// The GGUF container and Q8_0 bytes against llama.cpp's own Python package (gguf-py 0.19, whose
// Q8_0 is "bit-exact with ggml-quants.c"): the expected hex below is what its GGUFWriter and
// quantize() wrote for the same inputs (regenerate with scripts/gguf-golden.py).
import { describe, expect, it } from 'vitest';
import { ggufLayout, ggmlTensorBytes, type GgufValue } from '../../src/export/ggufFile.ts';
import { quantize } from '../../src/export/ggufQuant.ts';
import { f32ToF16Bits } from '../../src/model/dtype.ts';
import { ggufTensorName, llama3RopeFactors } from '../../src/export/ggufExport.ts';
import { tinyModelSpec, tinyTestOptions } from '../../src/model/tiny-model.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const GOLDEN_FILE =
  '474755460300000002000000000000000800000000000000140000000000000067656e6572616c2e6172636869746563747572650800000005000000000000007177656e3311000000000000007177656e332e626c6f636b5f636f756e74040000000200000014000000000000007177656e332e726f70652e667265715f6261736506000000002474491c00000000000000746f6b656e697a65722e67676d6c2e6164645f626f735f746f6b656e07000000000c0000000000000067656e6572616c2e6e616d6508000000070000000000000074696e7920c3bc1500000000000000746f6b656e697a65722e67676d6c2e746f6b656e73090000000800000003000000000000000100000000000000610200000000000000c3bc0300000000000000c4a0621900000000000000746f6b656e697a65722e67676d6c2e746f6b656e5f74797065090000000500000003000000000000000100000003000000040000000300000000000000782e6905000000fbffffff0800000000000000612e77656967687402000000030000000000000002000000000000000000000000000000000000000800000000000000622e77656967687402000000040000000000000001000000000000000100000020000000000000000000000000000000000000000000000000803f0000004000004040000080400000a0400000000000000000003800bc0040ff7b000000000000000000000000000000000000000000000000';

const GOLDEN_Q8_0 =
  'f226f13b625418c98e81a9f33c625316c78d81abf53e625214c68c82acf73f635112003c7f03fd01ff7f810300f4f5f6f7f8f9fafbfcfdfeff0102030405060708090a0b00000000000000000000000000000000000000000000000000000000000000000000020081899199a1a9b1b9c1c8d0d8e0e8f0f800081018202830383f474f575f676f77';

describe('GGUF container', () => {
  it('writes the bytes gguf-py GGUFWriter writes: header, every value type used, tensor infos, aligned data', () => {
    const metadata: Array<[string, GgufValue]> = [
      ['general.architecture', { type: 'string', value: 'qwen3' }],
      ['qwen3.block_count', { type: 'u32', value: 2 }],
      ['qwen3.rope.freq_base', { type: 'f32', value: 1e6 }],
      ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
      ['general.name', { type: 'string', value: 'tiny ü' }],
      ['tokenizer.ggml.tokens', { type: 'string[]', value: ['a', 'ü', 'Ġb'] }],
      ['tokenizer.ggml.token_type', { type: 'i32[]', value: [1, 3, 4] }],
      ['x.i', { type: 'i32', value: -5 }],
    ];
    const layout = ggufLayout(metadata, [
      { name: 'a.weight', shape: [2, 3], type: 'F32' },
      { name: 'b.weight', shape: [1, 4], type: 'F16' },
    ]);
    expect(layout.tensors.map((t) => [t.offset, t.bytes])).toEqual([[0, 24], [32, 8]]);
    expect(layout.dataBytes).toBe(64);
    const a = new Uint8Array(32);
    a.set(new Uint8Array(Float32Array.from([0, 1, 2, 3, 4, 5]).buffer));
    const b = new Uint8Array(32);
    b.set(new Uint8Array(Uint16Array.from([0.5, -1, 2, 65504].map(f32ToF16Bits)).buffer));
    const file = new Uint8Array([...layout.header, ...a, ...b]);
    expect(hex(file)).toBe(GOLDEN_FILE);
  });

  it('refuses a key or tensor given twice, and a Q8_0 tensor whose rows do not block', () => {
    expect(() => ggufLayout([['a', { type: 'u32', value: 1 }], ['a', { type: 'u32', value: 2 }]], [])).toThrow(/key a given twice/);
    expect(() => ggufLayout([], [{ name: 't', shape: [4], type: 'F32' }, { name: 't', shape: [4], type: 'F32' }])).toThrow(/tensor t given twice/);
    expect(() => ggmlTensorBytes('Q8_0', [3, 48])).toThrow(/multiple of 32 values; this tensor's rows have 48/);
    expect(ggmlTensorBytes('Q8_0', [3, 64])).toBe(3 * 2 * 34);
  });
});

describe('Q8_0', () => {
  it('is bit-exact with ggml: halves round away from zero, an all-zero block, a subnormal f16 scale', () => {
    const values = Float32Array.from([
      ...Array.from({ length: 32 }, (_, i) => Math.sin(i * 0.7) * 3.1 - 0.4),
      127, 2.5, -2.5, 0.5, -0.5, 126.5, -126.5, 3.49999, 1e-3, ...Array.from({ length: 23 }, (_, i) => i - 11.5),
      ...new Array(32).fill(0),
      ...Array.from({ length: 32 }, (_, i) => 1e-6 * (i - 16)),
    ]);
    expect(hex(quantize('Q8_0', values))).toBe(GOLDEN_Q8_0);
    expect(() => quantize('Q8_0', new Float32Array(33))).toThrow(/multiple of 32/);
  });
});

describe('llama.cpp names and RoPE factors', () => {
  it('maps every Hugging Face weight to its llama.cpp tensor name', () => {
    expect(ggufTensorName('model.embed_tokens.weight')).toBe('token_embd.weight');
    expect(ggufTensorName('model.layers.11.self_attn.k_proj.bias')).toBe('blk.11.attn_k.bias');
    expect(ggufTensorName('model.layers.0.self_attn.q_norm.weight')).toBe('blk.0.attn_q_norm.weight');
    expect(ggufTensorName('model.layers.3.mlp.down_proj.weight')).toBe('blk.3.ffn_down.weight');
    expect(ggufTensorName('model.layers.3.post_attention_layernorm.weight')).toBe('blk.3.ffn_norm.weight');
    expect(ggufTensorName('lm_head.weight')).toBe('output.weight');
    expect(() => ggufTensorName('model.layers.0.mlp.experts.weight')).toThrow(/no llama.cpp name/);
  });

  it('gives Llama 3 rope_freqs in all three bands: 1, smoothed, the factor (the llama.cpp parity test checks the values)', () => {
    const spec = tinyModelSpec(tinyTestOptions('llama'));
    const f = llama3RopeFactors(spec)!;
    expect(f).toHaveLength(spec.headDim / 2);
    expect(f[0]).toBe(1);
    expect(f[f.length - 1]).toBe(Math.fround(spec.ropeScaling!.factor));
    expect([...f].some((v) => v > 1 && v < spec.ropeScaling!.factor)).toBe(true);
    expect(llama3RopeFactors(tinyModelSpec(tinyTestOptions('qwen2')))).toBeNull();
  });
});
