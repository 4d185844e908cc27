// A GGUF read back as llama.cpp reads it, for the studio's check of an export where llama.cpp
// cannot run: ggml's own values for every block type's bytes (scripts/gguf-kquant-golden.py), the
// tensor table as node-llama-cpp reads it, and the file run in the engine: an F32 export of a Llama
// (whose Q/K rows the export reorders) with a LoRA merged gives the trained model's logits to f32
// rounding, a Q4_K_M one its most likely tokens.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGgufFileInfo } from 'node-llama-cpp';
import { dequantize } from '../../src/export/ggufDequant.ts';
import { GGML_TYPE, type GgmlBlockType } from '../../src/export/ggufFile.ts';
import { exportGgufModel, type GgufExportType } from '../../src/export/ggufExport.ts';
import { ggufAsModelFiles, readGgufHeader } from '../../src/export/ggufReadBack.ts';
import { checkGgufInEngine } from '../../src/export/engineCheck.ts';
import { openEngineRunner } from '../../src/export/engineLogits.ts';
import { nextTokenKlRef } from '../reference/nextTokenKl.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { memorySource } from '../../src/model/byte-source.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { QWEN3_TOKENIZER_DIR } from '../../scripts/gen-tiny-model.ts';
import { KQUANT_MODELS } from '../../scripts/gguf-kquant-models.ts';
import { testGpu } from '../helpers/gpu.ts';
import { oneTensorGguf } from '../helpers/ggufHeader.ts';

const dir = mkdtempSync(join(tmpdir(), 'gguf-read-back-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GGUF blocks read back', () => {
  const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/gguf/kquant-golden.json'), 'utf8')) as { cases: Array<Record<string, string>> };
  const floats = (b64: string) => {
    const raw = Buffer.from(b64, 'base64');
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  };

  // The export's six types, and those only read back (other llama-quantize files: Q4_0, Q3_K_M, Q2_K, IQ4_XS).
  it.each(['Q8_0', 'Q5_0', 'Q5_1', 'Q4_K', 'Q5_K', 'Q6_K', 'Q4_0', 'Q4_1', 'Q2_K', 'Q3_K', 'IQ4_NL', 'IQ4_XS'] as GgmlBlockType[])('%s gives the values ggml reads from the same bytes', (type) => {
    for (const c of golden.cases) {
      const theirs = floats(c[`${type} values`]);
      const ours = dequantize(type, new Uint8Array(Buffer.from(c[type], 'base64')), theirs.length);
      expect(Buffer.from(ours.buffer).equals(Buffer.from(theirs.buffer)), `${c.name} as ${type}`).toBe(true);
    }
  });

  it('BF16 gives each value exactly (f32\'s upper half), as a GGUF converted from bf16 holds them', () => {
    const values = new Float32Array([1, -2.5, 3.140625, 1e30, -1e-30, 0, 65504, 1 / 3]);
    const bits = new Uint32Array(values.buffer);
    const bf16 = new Uint8Array(values.length * 2);
    bits.forEach((b, i) => ((bf16[2 * i] = (b >>> 16) & 0xff), (bf16[2 * i + 1] = b >>> 24)));
    const back = dequantize('BF16', bf16, values.length);
    back.forEach((v, i) => expect(v).toBe(new Float32Array(new Uint32Array([bits[i] & 0xffff0000]).buffer)[0]));
  });

  it('refuses a count that is not whole blocks, or bytes too few for it', () => {
    expect(() => dequantize('Q4_K', new Uint8Array(144), 320)).toThrow(/Q4_K holds whole blocks of 256 values, asked for 320/);
    expect(() => dequantize('Q8_0', new Uint8Array(34), 64)).toThrow(/Q8_0: 64 values need 68 bytes, got 34/);
  });
});

describe('a GGUF header', () => {
  it('names a tensor of a type the studio cannot read, and what it reads', async () => {
    await expect(readGgufHeader(memorySource(oneTensorGguf(16), 'llama-iq2_xxs.gguf'))).rejects.toThrow(
      'llama-iq2_xxs.gguf: tensor blk.0.attn_q.weight is IQ2_XXS, which the studio cannot read; it reads F32, F16, BF16, Q8_0, Q6_K, Q5_K, Q5_1, Q5_0, Q4_K, Q4_1, Q4_0, Q3_K, Q2_K, IQ4_XS and IQ4_NL (those of F16, Q8_0, Q6_K, Q5_K_M/S, Q5_0/1, Q4_K_M/S, Q4_0/1, Q3_K_S/M/L, Q2_K and IQ4_XS/NL files)',
    );
    await expect(readGgufHeader(memorySource(oneTensorGguf(99), 'x.gguf'))).rejects.toThrow(/^x\.gguf: tensor blk\.0\.attn_q\.weight is of ggml type 99, which the studio cannot read/);
    // Its file type, as llama-quantize names it; a readable tensor's shape outermost first.
    expect(await readGgufHeader(memorySource(oneTensorGguf(8), 'q8.gguf'))).toMatchObject({ fileType: 'Q4_0', tensors: [{ name: 'blk.0.attn_q.weight', shape: [4, 64], type: 'Q8_0' }] });
  });
});

describe('a GGUF export read back and run in the engine', () => {
  const tokenizerJson = readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8');
  const tokenizerConfig = readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8');
  const tokenizer = loadTokenizer(tokenizerJson, JSON.parse(tokenizerConfig));
  const tiny = generateTinyModel(KQUANT_MODELS['llama-fallback']);
  const map = new Map(tiny.files);
  map.set('tokenizer.json', tokenizerJson);
  map.set('tokenizer_config.json', tokenizerConfig);
  const files = memoryModelFiles(map, 'llama-fallback');
  // A trained-looking adapter: B non-zero, so the merge changes every targeted weight.
  const adapter = initLoraAdapter(tiny.spec, { rank: 2, alpha: 4, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }, 3);
  for (const [key, values] of adapter.tensors) if (key.includes('lora_B')) values.forEach((_, i, b) => (b[i] = Math.sin(i * 1.7) * 0.05));
  const texts = ['What is the weather in Oslo?', 'Convert 5 miles to kilometers.'].map((t) => tokenizer.encode(t));
  // Held-out conversations, compared from their answer on: longer than the check texts, of other lengths.
  const heldOut = [
    ['<|im_start|>user\nBook a table for four at 8pm at Nonna\'s.<|im_end|>\n<|im_start|>assistant\n', '<tool_call>\n{"name": "book_table", "arguments": {"people": 4, "time": "20:00"}}\n</tool_call><|im_end|>'],
    ['<|im_start|>user\nWhat is 12 inches in cm?<|im_end|>\n<|im_start|>assistant\n', 'About 30.5 cm.<|im_end|>'],
  ].map(([prompt, answer]) => ({ ids: tokenizer.encode(prompt + answer), firstAnswer: tokenizer.encode(prompt).length }));
  // Each compares the positions from the one before its first answer token to the one before its last.
  const heldOutPositions = heldOut.reduce((n, h) => n + h.ids.length - h.firstAnswer, 0);

  async function exported(type: GgufExportType): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    await exportGgufModel(await testGpu(), files, { type, adapter, name: 'read-back', encode: (t) => tokenizer.encode(t), write: (b) => void parts.push(b.slice()) });
    return new Uint8Array(Buffer.concat(parts));
  }

  it('reads the tensor table node-llama-cpp reads; F32 with the adapter merged gives the trained model\'s logits to f32 rounding', async () => {
    const file = await exported('f32');
    const path = join(dir, 'f32.gguf');
    writeFileSync(path, file);
    const info = await readGgufFileInfo(path, { readTensorInfo: true });
    const ours = (await readGgufHeader(memorySource(file, 'f32.gguf'))).tensors;
    const dataStart = Number(info.tensorInfo![0].fileOffset) - Number(info.tensorInfo![0].offset);
    expect(ours).toEqual(
      info.tensorInfo!.map((t) => ({ name: t.name, shape: t.dimensions.map(Number).reverse(), type: Object.entries(GGML_TYPE).find(([, id]) => id === t.ggmlType)![0], offset: dataStart + Number(t.offset) })),
    );
    const report = await checkGgufInEngine(await testGpu(), files, tiny.spec, adapter, memorySource(file, 'f32.gguf'), { texts, f32: true, heldOut });
    expect(report).toMatchObject({ texts: 2, positions: texts[0].length + texts[1].length, topDisagreements: 0, passed: true });
    expect(report.maxGapDiff).toBeLessThan(1e-4);
    // Over held-out conversations too: the same distribution, to f32 rounding, at every position.
    expect(report.heldOut).toMatchObject({ examples: 2, positions: heldOutPositions, topSame: heldOutPositions });
    expect(report.heldOut!.meanKl).toBeLessThan(1e-6);
  }, 60_000);

  it('Q4_K_M: the most likely tokens, its rounding in the gaps; a file of another model is refused by name', async () => {
    const file = await exported('q4_k_m');
    expect((await readGgufHeader(memorySource(file, 'q4.gguf'))).fileType).toBe('Q4_K_M');
    const labels: string[] = [];
    const report = await checkGgufInEngine(await testGpu(), files, tiny.spec, adapter, memorySource(file, 'q4.gguf'), { texts, f32: false, heldOut, onProgress: (label, done) => labels.push(`${label} ${done}`) });
    expect(labels.at(-1)).toBe('comparing the next-token distributions on held-out conversations 2');
    expect(report.topDisagreements).toBe(0);
    // The held-out divergence is the mean of each position's KL(trained ‖ file), as the f64
    // reference computes it from the two models' logits read back.
    const gpu = await testGpu();
    const trained = await openEngineRunner(gpu, files, adapter, 64);
    const fromFile = await openEngineRunner(gpu, await ggufAsModelFiles(files, tiny.spec, memorySource(file, 'q4.gguf')), null, 64);
    let klSum = 0;
    let same = 0;
    const V = tiny.spec.vocabSize;
    for (const { ids, firstAnswer } of heldOut) {
      const rows = (x: Float32Array) => x.subarray((firstAnswer - 1) * V, (ids.length - 1) * V);
      const n = ids.length - firstAnswer;
      const ref = nextTokenKlRef(rows(await trained.logits(ids)), rows(await fromFile.logits(ids)), n, V);
      klSum += ref.kl.reduce((a, b) => a + b, 0);
      for (let r = 0; r < n; r++) if (ref.tops[2 * r] === ref.tops[2 * r + 1]) same++;
    }
    trained.release();
    fromFile.release();
    expect(report.heldOut).toMatchObject({ examples: 2, positions: heldOutPositions, topSame: same });
    expect(report.heldOut!.meanKl).toBeGreaterThan(1e-5);
    expect(Math.abs(report.heldOut!.meanKl - klSum / heldOutPositions)).toBeLessThan(1e-3 * (klSum / heldOutPositions) + 1e-7);
    // A conversation with no answer token to compare is refused, by what it lacks.
    await expect(checkGgufInEngine(gpu, files, tiny.spec, adapter, memorySource(file, 'q4.gguf'), { texts, f32: false, heldOut: [{ ids: heldOut[0].ids, firstAnswer: heldOut[0].ids.length }] })).rejects.toThrow(
      /a held-out conversation of \d+ tokens has its first answer token at \d+/,
    );
    expect(report.passed).toBe(true);
    // llama.cpp's own check of this model's Q4_K_M gave 0.32 (gguf-kquant.test.ts).
    expect(report.maxGapDiff).toBeGreaterThan(0.01);
    expect(report.maxGapDiff).toBeLessThan(1.5);

    const other = generateTinyModel({ ...KQUANT_MODELS['llama-fallback'], intermediateSize: 256 });
    await expect(checkGgufInEngine(await testGpu(), files, other.spec, null, memorySource(file, 'q4.gguf'), { texts, f32: false })).rejects.toThrow(
      /q4\.gguf: blk\.0\.ffn_gate\.weight is \[512,64\], the model's model\.layers\.0\.mlp\.gate_proj\.weight is \[256,64\]/,
    );
  }, 60_000);
});
