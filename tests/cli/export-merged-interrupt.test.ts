// Ctrl-C during `studio export-merged` ends it as the other exports end (exit 130, one line saying
// what --out holds): stopped while the folder is merged and written, nothing of it is left (its
// staging folder and --out's lock go with it); stopped in the check, the folder stays whole.
import { existsSync, mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interruptedStudio } from '../helpers/interrupt.ts';
import { exportPeftAdapter, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../src/model/peft.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';

describe('studio export-merged interrupted', () => {
  it('exits 130 saying what --out holds, and leaves no lock or half-written folder in it', { timeout: 120_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'merged-interrupt-'));
    const adapterDir = join(root, 'adapter');
    mkdirSync(adapterDir);
    const { spec } = generateTinyModel(TINY_QWEN3_DEFAULT);
    const peft = exportPeftAdapter(spec, initLoraAdapter(spec, { rank: 2, alpha: 4, useRsLora: false, dropout: 0, targets: ['q', 'v'] }, 1), 'public/models/tiny-qwen3');
    writeFileSync(join(adapterDir, ADAPTER_CONFIG_FILE), peft.adapterConfigJson);
    writeFileSync(join(adapterDir, ADAPTER_WEIGHTS_FILE), peft.adapterSafetensors);
    const out = join(root, 'merged');
    const r = await interruptedStudio(['export-merged', '--model', 'public/models/tiny-qwen3', '--adapter', adapterDir, '--out', out], /merging [1-9]\d*\/\d+ tensors/);
    expect([r.code, r.signal], r.stderr).toEqual([130, null]);
    const said = r.stdout.split('\n').filter((l) => l.startsWith('interrupted: '));
    expect(said, r.stdout).toHaveLength(1);
    if (said[0] === `interrupted: nothing was exported; ${out} is as it was`) expect(existsSync(out)).toBe(false);
    else {
      expect(said[0]).toBe(`interrupted: the folder ${out} is written, but not checked`);
      expect(readdirSync(out).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    }
  });
});
