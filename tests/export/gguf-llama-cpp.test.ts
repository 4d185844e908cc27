// The GGUF export run by llama.cpp itself (node-llama-cpp's prebuilt CPU build): tiny Qwen3 (q/k
// norm, tied head), Qwen2 (q/k/v bias, untied) and Llama (llama3 rope scaling, Q/K rows reordered)
// models with the real Qwen3 tokenizer and a LoRA adapter merged. llama.cpp must tokenize as our
// tokenizer does, and give our engine's next-token distribution at every position (the check
// studio export-gguf runs): in f32 to f32 rounding (its KV cache set to f32), in f16 within its
// rounding.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGgufFileInfo } from 'node-llama-cpp';
import { exportGgufAdapter, exportGgufModel, ggufTensorName, type GgufExportType } from '../../src/export/ggufExport.ts';
import { weightManifest } from '../../src/model/config.ts';
import { checkGgufWithLlamaCpp, F32_GAP_TOLERANCE } from '../../src/export/ggufCheck.ts';
import { generateTinyModel, tinyModelSpec, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles, type ModelFiles } from '../../src/model/model-files.ts';
import { initLoraAdapter, type LoraAdapter } from '../../src/model/lora.ts';
import { loadTokenizer } from '../../src/data/tokenizer-load.ts';
import { QWEN3_TOKENIZER_DIR } from '../../scripts/gen-tiny-model.ts';
import { testGpu } from '../helpers/gpu.ts';

const TEXTS = [
  '<|im_start|>user\nWhat is the weather in Oslo?<|im_end|>\n<|im_start|>assistant\n<think>\nThe user wants the weather.\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call><|im_end|>',
  'Hello  world\t3333 3.14 ünïcödé 我想在apple工作 🦙🦙 I\'ve been \'told',
];

const dir = mkdtempSync(join(tmpdir(), 'gguf-llama-cpp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tokenizerJson = readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8');
const tokenizerConfig = readFileSync(join(QWEN3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8');
const tokenizer = loadTokenizer(tokenizerJson, JSON.parse(tokenizerConfig));

const made = new Map<string, { files: ModelFiles; adapter: LoraAdapter }>();

/** Made once per family (a 151,936-row embedding takes a second to generate). */
function tinyWithTokenizer(family: 'qwen2' | 'qwen3' | 'llama'): { files: ModelFiles; adapter: LoraAdapter } {
  const known = made.get(family);
  if (known) return known;
  const tiny = generateTinyModel(tinyTestOptions(family, { vocabSize: 151_936 }));
  const files = new Map(tiny.files);
  files.set('tokenizer.json', tokenizerJson);
  files.set('tokenizer_config.json', tokenizerConfig);
  const adapter = initLoraAdapter(tiny.spec, { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }, 3);
  // B ≠ 0, so the merge moves every adapted weight.
  for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = Math.sin(i * 1.3 + k.length) * 0.05;
  const out = { files: memoryModelFiles(files, `tiny-${family}`), adapter };
  made.set(family, out);
  return out;
}

async function exportTo(files: ModelFiles, adapter: LoraAdapter | null, type: GgufExportType, name: string): Promise<string> {
  const gpu = await testGpu();
  const parts: Uint8Array[] = [];
  const result = await exportGgufModel(gpu, files, { type, adapter, name, encode: (t) => tokenizer.encode(t), write: (b) => void parts.push(b.slice()) });
  const path = join(dir, `${name}-${type}.gguf`);
  writeFileSync(path, Buffer.concat(parts));
  expect(result.preTokenizer).toBe('qwen2');
  expect(readFileSync(path).byteLength).toBe(result.bytes);
  return path;
}

const checkTexts = () => TEXTS.map((text) => ({ text, ids: tokenizer.encode(text) }));

describe.each(['qwen3', 'qwen2', 'llama'] as const)('GGUF export of tiny %s with a merged adapter, run by llama.cpp', (family) => {
  it('f32: the same tokens, and the engine\'s logits to f32 rounding', async () => {
    const { files, adapter } = tinyWithTokenizer(family);
    const path = await exportTo(files, adapter, 'f32', family);
    // What llama.cpp (and Ollama, through its template) reads from the file, by node-llama-cpp's own
    // GGUF reader.
    const info = await readGgufFileInfo(path, { readTensorInfo: true });
    const meta = info.metadata as unknown as { general: { architecture: string; name: string }; tokenizer: { chat_template: string; ggml: { pre: string; eos_token_id: number } } };
    expect(meta.general).toMatchObject({ architecture: family, name: family });
    expect(meta.tokenizer.ggml.pre).toBe('qwen2');
    expect(meta.tokenizer.ggml.eos_token_id).toBe(151_645); // <|im_end|>, where a chat answer ends
    expect(meta.tokenizer.chat_template).toBe(JSON.parse(tokenizerConfig).chat_template);
    const spec = tinyModelSpec(tinyTestOptions(family, { vocabSize: 151_936 }));
    expect(info.tensorInfo?.map((t) => t.name)).toEqual([...(family === 'llama' ? ['rope_freqs.weight'] : []), ...weightManifest(spec).map((w) => ggufTensorName(w.name))]);
    const gpu = await testGpu();
    // The tokenizer is the same for all three: its hard text (emoji, CJK, accents) is checked once.
    const texts = family === 'qwen3' ? checkTexts() : checkTexts().slice(0, 1);
    const report = await checkGgufWithLlamaCpp(gpu, files, adapter, { path, type: 'f32', texts, maxTokens: 16, threads: 1 });
    for (const t of report.texts) expect(t.llamaCppIds, t.text).toEqual(tokenizer.encode(t.text));
    expect(report.tokenizerEqual).toBe(true);
    // Measured 5.3e-6 on all three.
    expect(report.maxGapDiff).toBeLessThan(F32_GAP_TOLERANCE);
    expect(report.passed).toBe(true);
    if (family !== 'qwen3') return;
    // The check sees the adapter: against the engine without it, the file fails.
    const without = await checkGgufWithLlamaCpp(gpu, files, null, { path, type: 'f32', texts: checkTexts().slice(0, 1), maxTokens: 16, threads: 1 });
    expect(without.maxGapDiff).toBeGreaterThan(0.05);
    expect(without.passed).toBe(false);
  }, 120_000);
});

// Llama's: its B rows of Q/K are reordered, which Qwen's are not.
describe.each(['llama'] as const)('the adapter alone as a GGUF adapter over tiny %s\'s base, run by llama.cpp', (family) => {
  it('llama.cpp applying it to the base file gives the engine\'s logits with the adapter, to f32 rounding', async () => {
    const { files, adapter } = tinyWithTokenizer(family);
    const base = await exportTo(files, null, 'f32', `${family}-base`);
    const parts: Uint8Array[] = [];
    const spec = tinyModelSpec(tinyTestOptions(family, { vocabSize: 151_936 }));
    // An rsLoRA adapter: llama.cpp's alpha / r must come out as the run's alpha / √r.
    const rs = { ...adapter, settings: { ...adapter.settings, useRsLora: true } };
    const result = await exportGgufAdapter(spec, rs, { name: 'tiny adapter', write: (b) => void parts.push(b.slice()) });
    expect(result.alpha).toBeCloseTo(8 * Math.sqrt(4), 12); // alpha 8, rank 4: scale 8/√4, times 4
    const path = join(dir, `${family}-adapter.gguf`);
    writeFileSync(path, Buffer.concat(parts));
    const info = await readGgufFileInfo(path, { readTensorInfo: true });
    expect((info.metadata as unknown as { general: { type: string }; adapter: { type: string } }).general.type).toBe('adapter');
    expect(info.tensorInfo?.find((t) => t.name === 'blk.0.attn_q.weight.lora_a')?.dimensions.map(Number)).toEqual([spec.hiddenSize, 4]);
    expect(result.tensors).toBe(2 * 7 * spec.numLayers);
    // (Applied to nothing, the base file is the base model: the f32 tests show the check tells them apart.)

    const gpu = await testGpu();
    const report = await checkGgufWithLlamaCpp(gpu, files, rs, { path: base, type: 'f32', texts: checkTexts().slice(0, 1), maxTokens: 16, loraPath: path, threads: 1 });
    expect(report.maxGapDiff).toBeLessThan(F32_GAP_TOLERANCE);
    expect(report.passed).toBe(true);
  }, 120_000);
});

// Q8_0 (and Q4_K, Q6_K, Q5_0) run in llama.cpp in gguf-kquant.test.ts, their bytes ggml's own.
describe('GGUF f16 through llama.cpp', () => {
  it.each([['f16', 0.05]] as const)('%s: the engine\'s logits within its rounding', async (type, bound) => {
    const { files, adapter } = tinyWithTokenizer('qwen2');
    const path = await exportTo(files, adapter, type, 'qwen2');
    const report = await checkGgufWithLlamaCpp(await testGpu(), files, adapter, { path, type, texts: checkTexts().slice(0, 1), maxTokens: 16, threads: 1 });
    // Measured 0.012 on this random tiny model.
    expect(report.maxGapDiff).toBeLessThan(bound);
    expect(report.maxGapDiff).toBeGreaterThan(F32_GAP_TOLERANCE);
    expect(report.topDisagreements).toBe(0);
    expect(report.passed).toBe(true);
  }, 120_000);
});
