// An adapter trained on another model whose shapes do not fit --model: the refusal names the
// --adapter folder and the model it was trained on, where it named only "adapter_model.safetensors"
// and a tensor, and a user with several run folders could not tell which flag was wrong.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAdapter } from '../../src/cli/localFiles.ts';
import { exportPeftAdapter } from '../../src/model/peft.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { NARROW } from '../helpers/tinyEngine.ts';

describe('an adapter for another model that does not fit', () => {
  it('is refused naming the --adapter folder, the model it was trained on and --model', async () => {
    const wide = generateTinyModel(TINY_QWEN3_DEFAULT).spec;
    const dir = mkdtempSync(join(tmpdir(), 'adapter-other-model-'));
    const peft = exportPeftAdapter(wide, initLoraAdapter(wide, { rank: 2, alpha: 4, dropout: 0, useRsLora: false, targets: ['q'] }, 1), 'public/models/tiny-qwen3');
    writeFileSync(join(dir, 'adapter_config.json'), peft.adapterConfigJson);
    writeFileSync(join(dir, 'adapter_model.safetensors'), peft.adapterSafetensors);
    const narrow = generateTinyModel(NARROW).spec;
    await expect(readAdapter(narrow, dir, '/models/narrow')).rejects.toThrow(
      `--adapter ${dir} was trained on "public/models/tiny-qwen3", not --model /models/narrow, and does not fit it: adapter_model.safetensors: tensor "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight" has shape [2, 64], but r=2 on Qwen3ForCausalLM needs [2, 32]`,
    );
    // The same model under another folder's name is no other model: the file's own words, with the folder.
    await expect(readAdapter(narrow, dir, 'elsewhere/tiny-qwen3')).rejects.toThrow(
      `--adapter ${dir}: adapter_model.safetensors: tensor "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight" has shape [2, 64], but r=2 on Qwen3ForCausalLM needs [2, 32]`,
    );
  });
});
