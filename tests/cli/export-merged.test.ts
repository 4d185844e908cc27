// `studio export-merged`: a PEFT adapter merged into the model and written as a Hugging Face folder,
// then that folder run by the engine against the model with the adapter. An earlier export in --out
// stays until --force; bad flags and an adapter of another model are refused before anything is written.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { NARROW, tinyModelMap } from '../helpers/tinyEngine.ts';
import { exportPeftAdapter, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../src/model/peft.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { tinyModelSpec } from '../../src/model/tiny-model.ts';
import { memorySource } from '../../src/model/byte-source.ts';
import { readSafetensorsHeader } from '../../src/model/safetensors.ts';

const root = mkdtempSync(join(tmpdir(), 'studio-export-merged-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const model = join(root, 'model');
mkdirSync(model);
for (const [name, data] of tinyModelMap()) writeFileSync(join(model, name), data);

/** A PEFT adapter folder for `spec` whose B ≠ 0 (a trained one's would be; a fresh one merges to nothing). */
function adapterFolder(name: string, spec = tinyModelSpec(NARROW)): string {
  const adapter = initLoraAdapter(spec, { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }, 11);
  for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = Math.cos(i * 0.9 + k.length) * 0.2;
  const peft = exportPeftAdapter(spec, adapter, model);
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, ADAPTER_CONFIG_FILE), peft.adapterConfigJson);
  writeFileSync(join(dir, ADAPTER_WEIGHTS_FILE), peft.adapterSafetensors);
  return dir;
}

describe('studio export-merged', () => {
  it('writes the model with the adapter merged as a Hugging Face folder and checks it in the engine; --force replaces it', { timeout: 120_000 }, async () => {
    const adapter = adapterFolder('adapter');
    const out = join(root, 'merged');
    const r = await studioInProcess(['export-merged', '--model', model, '--adapter', adapter, '--out', out, '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^exported .*merged: [\d.]+ MiB of bf16 weights, 14 with the LoRA merged, in [\d.]+ s$/m);
    expect(r.out).toMatch(/^check in the engine over \d+ positions of 3 prompts: max \|logit gap difference\| \S+ \(bf16 rounding of the merged weights\), most likely next tokens equal → passed$/m);
    expect(readdirSync(out).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe(readFileSync(join(model, 'config.json'), 'utf8'));
    const header = await readSafetensorsHeader(memorySource(readFileSync(join(out, 'model.safetensors')), 'model.safetensors'));
    expect(new Set(header.tensors.map((t) => t.dtype))).toEqual(new Set(['BF16']));
    // A local --model is no Hub id: the card names no base_model.
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('# merged\n\nA Qwen3ForCausalLM model with the LoRA adapter of the BalanceSFT Studio run "adapter" merged');

    const again = await studioInProcess(['export-merged', '--model', model, '--adapter', adapter, '--out', out, '--quiet']);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--out .*merged already holds an export \(model\.safetensors\); choose another folder, or pass --force to replace it/);
    // A run folder's adapter, the run trained on a Hub dataset's file: the card links the dataset.
    writeFileSync(join(adapter, 'run.json'), JSON.stringify({ model, data: ['/data/calls.jsonl', 'hf://datasets/ada/calls-data/data/train.jsonl'] }));
    const f32 = await studioInProcess(['export-merged', '--model', model, '--adapter', adapter, '--out', out, '--dtype', 'f32', '--force', '--no-check', '--quiet']);
    expect(f32.code, f32.err).toBe(0);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toMatch(/^---\ndatasets:\n- ada\/calls-data\nlibrary_name: transformers\n/);
    expect(card).toContain('Its adapter was trained on [ada/calls-data](https://huggingface.co/datasets/ada/calls-data).');
    expect(f32.out).toMatch(/MiB of f32 weights, 14 with the LoRA merged/);
    expect(f32.out).not.toMatch(/^check/m);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).torch_dtype).toBe('float32');
  });

  it('refuses a missing --adapter, an unknown --dtype and an adapter of another model, writing nothing', { timeout: 60_000 }, async () => {
    const out = join(root, 'refused');
    const other = adapterFolder('other-adapter', tinyModelSpec({ ...NARROW, intermediateSize: 96 }));
    // A usage error exits 2; an adapter that does not fit, as every command reads one, 1.
    const refusals: Array<[string[], RegExp, number]> = [
      [['--out', out], /--adapter/, 2],
      [['--out', out, '--adapter', join(root, 'adapter'), '--dtype', 'q4_k_m'], /--dtype must be one of bf16, f16, f32, got q4_k_m/, 2],
      [['--out', out, '--adapter', other], /--adapter .*other-adapter: adapter_model\.safetensors: tensor "base_model\.model\.model\.layers\.0\.mlp\.down_proj\.lora_A\.weight" has shape \[4, 96\]/, 1],
    ];
    for (const [flags, message, code] of refusals) {
      const r = await studioInProcess(['export-merged', '--model', model, '--quiet', ...flags]);
      expect(r.code, flags.join(' ')).toBe(code);
      expect(r.err, flags.join(' ')).toMatch(message);
      expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
    }
  });

  it('never exports into a run\'s folder, --force or not (a loader there would apply its adapter over the merged weights)', { timeout: 60_000 }, async () => {
    const adapter = adapterFolder('run-a');
    // Another training run's folder: its adapter and run.json; an HDR run's, an ablation's, a bare adapter's.
    const runB = adapterFolder('run-b');
    writeFileSync(join(runB, 'run.json'), '{}');
    const hdr = join(root, 'hdr-run');
    mkdirSync(hdr);
    writeFileSync(join(hdr, 'hdr.json'), '{}');
    const ablation = join(root, 'ablation');
    mkdirSync(ablation);
    writeFileSync(join(ablation, 'ablation.json'), '{}');
    const bare = adapterFolder('bare-adapter');
    const cases: Array<[string, string]> = [[runB, 'a run (run.json)'], [hdr, 'an HDR run (hdr.json)'], [ablation, 'an ablation (ablation.json)'], [bare, 'an adapter (adapter_config.json)']];
    for (const [out, held] of cases) {
      const before = readdirSync(out).sort();
      for (const command of ['export-merged', 'export-onnx']) {
        const r = await studioInProcess([command, '--model', model, '--adapter', adapter, '--out', out, '--force', '--quiet']);
        expect([r.code, r.err.trim()], `${command} ${out}`).toEqual([2, `studio ${command}: --out ${out} holds ${held}; an export there would mix its files with the run's: choose another folder`]);
      }
      expect(readdirSync(out).sort()).toEqual(before);
    }
  });
});
