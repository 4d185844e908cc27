// Reading a model when a read, the checkpoint's validation or the weight upload fails and closing
// the file then fails too: what the user hears is why the read failed (a file that cannot be read,
// a config whose layers the weights lack, weights that do not upload), not the close. The model's
// files are the real tiny model's; only the named file's read or close is made to fail.
import { describe, expect, it } from 'vitest';
import { openModel, readModelSpec } from '../../src/model/checkpoint.ts';
import { loadEngineModel } from '../../src/model/engineModel.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { CLOSE_ERROR, closeFails, READ_ERROR, safetensorsDataStart } from '../helpers/closeFails.ts';
import { testGpu } from '../helpers/gpu.ts';

const tiny = generateTinyModel(tinyTestOptions('qwen3'));
const files = memoryModelFiles(tiny.files, 'tiny');

describe('a failed close of a model file does not hide why reading the model failed', () => {
  it('config.json that cannot be read is what is said, not its close', async () => {
    await expect(readModelSpec(closeFails(files, 'config.json', { readFailsFrom: 0 }))).rejects.toThrow(`config.json: ${READ_ERROR}`);
  });

  it('weights whose header cannot be read are what is said, not their close', async () => {
    await expect(openModel(closeFails(files, 'model.safetensors', { readFailsFrom: 0 }))).rejects.toThrow(`model.safetensors: ${READ_ERROR}`);
  });

  it('weights that lack a layer config.json asks for are what is said, not their close', async () => {
    const config = JSON.parse(tiny.files.get('config.json') as string);
    const deeper = new Map(tiny.files).set('config.json', JSON.stringify({ ...config, num_hidden_layers: config.num_hidden_layers + 1 }));
    await expect(openModel(closeFails(memoryModelFiles(deeper, 'tiny'), 'model.safetensors'))).rejects.toThrow(`tensor "model.layers.${config.num_hidden_layers}.`);
  });

  it('weights that fail to read while uploading are what is said, not their close', async () => {
    const dataStart = safetensorsDataStart(tiny.files.get('model.safetensors') as Uint8Array);
    const failing = closeFails(files, 'model.safetensors', { readFailsFrom: dataStart });
    await expect(loadEngineModel(await testGpu(), failing, { lora: null, maxTokens: 8, forwardOnly: true })).rejects.toThrow(`model.safetensors: ${READ_ERROR}`);
  });

  it('after a read that succeeded, the failed close is said', async () => {
    await expect(readModelSpec(closeFails(files, 'config.json'))).rejects.toThrow(`config.json: ${CLOSE_ERROR}`);
    await expect(openModel(closeFails(files, 'model.safetensors'))).resolves.toBeDefined();
    await expect(loadEngineModel(await testGpu(), closeFails(files, 'model.safetensors'), { lora: null, maxTokens: 8, forwardOnly: true })).rejects.toThrow(`model.safetensors: ${CLOSE_ERROR}`);
  });
});
