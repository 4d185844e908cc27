// exportOnnxModel when the export fails and closing a model file it read then fails too: what the
// user hears is why the export failed (an adapter missing a tensor, a file that cannot be read),
// not the close. The model's files are the real tiny model's; only the named file's read or close
// is made to fail.
import { describe, expect, it } from 'vitest';
import { exportOnnxModel } from '../../src/export/onnxExport.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { testGpu } from '../helpers/gpu.ts';
import { CLOSE_ERROR, closeFails, READ_ERROR } from '../helpers/closeFails.ts';

describe('ONNX export: a failed close of a model file does not hide why the export failed', () => {
  const tiny = generateTinyModel(tinyTestOptions('qwen3'));
  const weightsCloseFail = closeFails(memoryModelFiles(tiny.files, 'tiny-qwen3'), 'model.safetensors');

  it('an adapter missing a tensor is what is said, not the weights file failing to close', async () => {
    const adapter = initLoraAdapter(tiny.spec, { rank: 2, alpha: 4, useRsLora: false, dropout: 0, targets: ['q', 'v'] }, 1);
    const missing = [...adapter.tensors.keys()].find((k) => k.includes('lora_B'))!;
    adapter.tensors.delete(missing);
    await expect(exportOnnxModel(await testGpu(), weightsCloseFail, { dtype: 'fp32', adapter })).rejects.toThrow(`LoRA adapter is missing ${missing}`);
  });

  it('a tokenizer file that cannot be read is what is said, not its close', async () => {
    const withTokenizer = new Map(tiny.files).set('tokenizer.json', '{}');
    const files = closeFails(memoryModelFiles(withTokenizer, 'tiny-qwen3'), 'tokenizer.json', { readFailsFrom: 0 });
    await expect(exportOnnxModel(await testGpu(), files, { dtype: 'fp32', adapter: null })).rejects.toThrow(`tokenizer.json: ${READ_ERROR}`);
  });

  it('after an export that succeeded, the failed close is said', async () => {
    await expect(exportOnnxModel(await testGpu(), weightsCloseFail, { dtype: 'fp32', adapter: null })).rejects.toThrow(`model.safetensors: ${CLOSE_ERROR}`);
  });
});
