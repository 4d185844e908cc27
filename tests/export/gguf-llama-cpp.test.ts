// The GGUF export run by llama.cpp itself (node-llama-cpp's prebuilt CPU build): tiny Qwen3 (q/k
// norm, tied head), Qwen2 (q/k/v bias, untied) and Llama (llama3 rope scaling, Q/K rows reordered)
// models with the real Qwen3 tokenizer and a LoRA adapter merged. llama.cpp must tokenize as our
// tokenizer does, and give our engine's next-token distribution at every position: in f32 to
// f32 rounding (its KV cache set to f32), in f16 and Q8_0 within their rounding.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getLlama, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';
import { exportGgufModel, type GgufExportType } from '../../src/export/ggufExport.ts';
import { openEngineRunner } from '../../src/export/engineLogits.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
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

let llama: Promise<Llama> | null = null;
const cpuLlama = () => (llama ??= getLlama({ gpu: false, build: 'never', logLevel: 'error' as never }));

function tinyWithTokenizer(family: 'qwen2' | 'qwen3' | 'llama'): { files: ModelFiles; adapter: LoraAdapter } {
  const tiny = generateTinyModel(tinyTestOptions(family, { vocabSize: 151_936 }));
  const files = new Map(tiny.files);
  files.set('tokenizer.json', tokenizerJson);
  files.set('tokenizer_config.json', tokenizerConfig);
  const adapter = initLoraAdapter(tiny.spec, { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }, 3);
  // B ≠ 0, so the merge moves every adapted weight.
  for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = Math.sin(i * 1.3 + k.length) * 0.05;
  return { files: memoryModelFiles(files, `tiny-${family}`), adapter };
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

/** Largest difference between llama.cpp's and our engine's log-probability gaps to each
 * position's top token, over llama.cpp's 40 most likely tokens at every position of `ids`. */
async function maxLogitGapDiff(model: LlamaModel, files: ModelFiles, adapter: LoraAdapter | null, ids: number[]): Promise<number> {
  const ctx = await model.createContext({ contextSize: 64, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32', flashAttention: false });
  try {
    const seq = ctx.getSequence();
    const out = await seq.controlledEvaluate(ids.map((id) => [id as Token, { generateNext: { probabilities: true, options: { temperature: 1, topK: 40, topP: 1, minP: 0 } } }]));
    const engine = await openEngineRunner(await testGpu(), files, adapter, ids.length);
    try {
      const V = engine.state.spec.vocabSize;
      const logits = await engine.logits(ids);
      let worst = 0;
      for (let p = 0; p < ids.length; p++) {
        const probs = out[p]?.next?.probabilities;
        if (!probs || probs.size < 40) throw new Error(`llama.cpp gave ${probs?.size ?? 0} probabilities at position ${p}`);
        const [topId, topP] = probs.entries().next().value!;
        for (const [id, prob] of probs) {
          const ours = logits[p * V + id] - logits[p * V + topId];
          worst = Math.max(worst, Math.abs(Math.log(prob) - Math.log(topP) - ours));
        }
      }
      return worst;
    } finally {
      engine.release();
    }
  } finally {
    await ctx.dispose();
  }
}

describe.each(['qwen3', 'qwen2', 'llama'] as const)('GGUF export of tiny %s with a merged adapter, run by llama.cpp', (family) => {
  it('f32: the same tokens, and the engine\'s logits to f32 rounding', async () => {
    const { files, adapter } = tinyWithTokenizer(family);
    const model = await (await cpuLlama()).loadModel({ modelPath: await exportTo(files, adapter, 'f32', family) });
    try {
      for (const text of TEXTS) expect([...model.tokenize(text, true)], text).toEqual(tokenizer.encode(text));
      // What llama.cpp (and Ollama, through its template) reads from the file.
      const meta = model.fileInfo.metadata as unknown as { general: { architecture: string; name: string }; tokenizer: { chat_template: string; ggml: { pre: string } } };
      expect(meta.general).toMatchObject({ architecture: family, name: family });
      expect(meta.tokenizer.ggml.pre).toBe('qwen2');
      expect(meta.tokenizer.chat_template).toBe(JSON.parse(tokenizerConfig).chat_template);
      expect(model.tokens.eos).toBe(151_645); // <|im_end|>, where a chat answer ends
      const ids = tokenizer.encode(TEXTS[0]).slice(0, 16);
      // Measured 5.3e-6 on all three.
      expect(await maxLogitGapDiff(model, files, adapter, ids)).toBeLessThan(1e-4);
      // The check sees the adapter: without it merged, the engine's logits are far off.
      expect(await maxLogitGapDiff(model, files, null, ids)).toBeGreaterThan(0.05);
    } finally {
      await model.dispose();
    }
  }, 120_000);
});

describe('GGUF f16 and Q8_0 through llama.cpp', () => {
  it.each([
    ['f16', 0.05],
    ['q8_0', 0.6],
  ] as const)('%s: the engine\'s logits within its rounding', async (type, bound) => {
    const { files, adapter } = tinyWithTokenizer('qwen2');
    const model = await (await cpuLlama()).loadModel({ modelPath: await exportTo(files, adapter, type, 'qwen2') });
    try {
      const ids = tokenizer.encode(TEXTS[0]).slice(0, 16);
      // Measured 0.012 (f16) and 0.32 (Q8_0) on this random tiny model.
      expect(await maxLogitGapDiff(model, files, adapter, ids)).toBeLessThan(bound);
    } finally {
      await model.dispose();
    }
  }, 120_000);
});
