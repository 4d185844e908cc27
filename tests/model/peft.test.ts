// LoRA init and scale as PEFT defines them, and PEFT adapter export → import: exact round trip,
// the byte layout Python PEFT writes (keys, dtype, shapes, metadata, config fields), and clear
// refusals for adapters that do not match the model.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../../src/model/byte-source.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { encodeFromNumbers } from '../../src/model/dtype.ts';
import { initLoraAdapter, loraManifest, loraScale, parseLoraTargets, peftKey, type LoraSettings } from '../../src/model/lora.ts';
import { exportPeftAdapter, importPeftAdapter } from '../../src/model/peft.ts';
import { encodeSafetensors, readSafetensorsHeader } from '../../src/model/safetensors.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';

const qwen05 = parseModelConfig(readFileSync(new URL('../fixtures/models/configs/Qwen2.5-0.5B-Instruct.json', import.meta.url), 'utf8'));
const tiny = generateTinyModel(tinyTestOptions('qwen3')).spec; // hidden 64, 2 layers, q 64, kv 32, mlp 128
const settings: LoraSettings = { rank: 4, alpha: 8, useRsLora: false, dropout: 0.05, targets: ['q', 'v', 'down'] };

describe('LoRA init and scale', () => {
  it('scales by alpha/r, or alpha/sqrt(r) with rsLoRA', () => {
    expect(loraScale({ rank: 16, alpha: 32, useRsLora: false })).toBe(2);
    expect(loraScale({ rank: 16, alpha: 32, useRsLora: true })).toBe(8);
  });

  it('initialises A ~ U(-1/sqrt(in), 1/sqrt(in)) like kaiming_uniform(a=sqrt(5)) and B = 0, reproducibly', () => {
    const s: LoraSettings = { rank: 8, alpha: 16, useRsLora: false, dropout: 0, targets: ['q', 'down'] };
    const a = initLoraAdapter(qwen05, { ...s, layers: [0] }, 42);
    const A = a.tensors.get(peftKey(0, 'down', 'A'))!; // [8, 4864]
    const bound = 1 / Math.sqrt(4864);
    let max = 0;
    let sum = 0;
    let sq = 0;
    for (const v of A) {
      max = Math.max(max, Math.abs(v));
      sum += v;
      sq += v * v;
    }
    expect(max).toBeLessThanOrEqual(bound);
    expect(max).toBeGreaterThan(bound * 0.999); // 38912 samples reach the edge of the interval
    expect(Math.abs(sum / A.length)).toBeLessThan(bound * 0.02);
    expect(sq / A.length / ((bound * bound) / 3)).toBeCloseTo(1, 1); // variance of U(-b, b) is b²/3
    expect(a.tensors.get(peftKey(0, 'q', 'B'))!.every((v) => v === 0)).toBe(true);
    const again = initLoraAdapter(qwen05, { ...s, layers: [0] }, 42);
    expect(again.tensors.get(peftKey(0, 'down', 'A'))).toEqual(A);
    expect(initLoraAdapter(qwen05, { ...s, layers: [0] }, 43).tensors.get(peftKey(0, 'down', 'A'))).not.toEqual(A);
  });

  it('uses PEFT shapes: A [r, in], B [out, r], per target', () => {
    const m = new Map(loraManifest(qwen05, { ...settings, targets: ['q', 'k', 'o', 'gate', 'down'] }).map((e) => [e.key, e.shape]));
    expect(m.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')).toEqual([4, 896]);
    expect(m.get('base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight')).toEqual([128, 4]);
    expect(m.get('base_model.model.model.layers.23.self_attn.o_proj.lora_A.weight')).toEqual([4, 896]);
    expect(m.get('base_model.model.model.layers.5.mlp.gate_proj.lora_B.weight')).toEqual([4864, 4]);
    expect(m.get('base_model.model.model.layers.5.mlp.down_proj.lora_A.weight')).toEqual([4, 4864]);
    expect(m.size).toBe(24 * 5 * 2);
  });

  it('parses target lists and names an unknown target', () => {
    expect(parseLoraTargets('q,v_proj,gate')).toEqual(['q', 'v', 'gate']);
    expect(parseLoraTargets(['all'])).toHaveLength(7);
    expect(() => parseLoraTargets('q,attn')).toThrow(/unknown LoRA target "attn"/);
  });
});

function trainedAdapter() {
  const adapter = initLoraAdapter(tiny, settings, 5);
  let i = 0;
  for (const v of adapter.tensors.values()) for (let j = 0; j < v.length; j++) v[j] = Math.fround(Math.sin(++i) * 0.01);
  return adapter;
}

describe('PEFT export and import', () => {
  it('round-trips an adapter exactly', async () => {
    const adapter = trainedAdapter();
    const out = exportPeftAdapter(tiny, adapter, 'local/tiny-qwen3');
    const back = await importPeftAdapter(tiny, out.adapterConfigJson, memorySource(out.adapterSafetensors, 'adapter_model.safetensors'));
    expect(back.settings).toEqual({ ...settings, layers: undefined });
    expect([...back.tensors.keys()].sort()).toEqual([...adapter.tensors.keys()].sort());
    for (const [k, v] of adapter.tensors) expect(back.tensors.get(k)).toEqual(v);
  });

  it('writes the layout Python PEFT writes: F32, sorted keys, {"format":"pt"}, A [r,in] / B [out,r]', async () => {
    const out = exportPeftAdapter(tiny, trainedAdapter(), 'local/tiny-qwen3');
    const bytes = out.adapterSafetensors;
    const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + len));
    expect(len % 8).toBe(0);
    expect(headerText.startsWith('{"__metadata__":{"format":"pt"},"base_model.model.model.layers.0.mlp.down_proj.lora_A.weight":{"dtype":"F32","shape":[4,128],"data_offsets":[0,2048]},')).toBe(true);
    expect(headerText.trimEnd().endsWith('"base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight":{"dtype":"F32","shape":[32,4],"data_offsets":[12800,13312]}}')).toBe(true);
    const header = await readSafetensorsHeader(memorySource(bytes, 'adapter_model.safetensors'));
    const names = header.tensors.map((t) => t.name);
    expect(names).toEqual([...names].sort()); // data order = byte-wise name order, as Python writes one dtype
    expect(names).toHaveLength(2 * 3 * 2);
    expect(header.tensors.every((t) => t.dtype === 'F32')).toBe(true);
    const config = JSON.parse(out.adapterConfigJson);
    expect(Object.keys(config)).toEqual(Object.keys(config).sort());
    expect(config).toMatchObject({
      peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 4, lora_alpha: 8, lora_dropout: 0.05, use_rslora: false, bias: 'none',
      target_modules: ['down_proj', 'q_proj', 'v_proj'], base_model_name_or_path: 'local/tiny-qwen3', fan_in_fan_out: false,
      inference_mode: true, init_lora_weights: true, modules_to_save: null, layers_to_transform: null, use_dora: false,
    });
    expect(out.adapterConfigJson).toContain('\n  "alpha_pattern": {},\n'); // indent=2 like json.dumps
  });

  it('imports what Python PEFT writes, including bf16 tensors and a regex target_modules', async () => {
    const cfg = JSON.stringify({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 2, lora_alpha: 4, target_modules: 'q_proj|v_proj', use_rslora: true, bias: 'none' });
    const tensors = loraManifest(tiny, { rank: 2, alpha: 4, useRsLora: true, dropout: 0, targets: ['q', 'v'] }).map((e) => ({
      name: e.key, dtype: 'BF16' as const, shape: e.shape, data: encodeFromNumbers(new Array(e.shape[0] * e.shape[1]).fill(0.5), 'BF16'),
    }));
    const a = await importPeftAdapter(tiny, cfg, memorySource(encodeSafetensors(tensors, { format: 'pt' }), 'adapter_model.safetensors'));
    expect(a.settings.targets).toEqual(['q', 'v']);
    expect(loraScale(a.settings)).toBeCloseTo(4 / Math.sqrt(2), 12);
    expect(a.tensors.get(peftKey(1, 'v', 'B'))!.every((v) => v === 0.5)).toBe(true);
  });

  it('refuses adapters that do not match the model, naming the tensor and the expected shape', async () => {
    const out = exportPeftAdapter(tiny, trainedAdapter(), 'x');
    const src = () => memorySource(out.adapterSafetensors, 'adapter_model.safetensors');
    const cfg = JSON.parse(out.adapterConfigJson);
    // Same file against a model with a different hidden size.
    const bigger = { ...tiny, hiddenSize: 96 };
    await expect(importPeftAdapter(bigger, out.adapterConfigJson, src())).rejects.toThrow(
      /adapter_model\.safetensors: tensor "base_model\.model\.model\.layers\.0\.mlp\.down_proj\.lora_B\.weight" has shape \[64, 4\], but r=4 on Qwen3ForCausalLM needs \[96, 4\]/,
    );
    await expect(importPeftAdapter(tiny, JSON.stringify({ ...cfg, r: 8 }), src())).rejects.toThrow(/has shape \[4, 128\], but r=8 .* needs \[8, 128\]/);
    await expect(importPeftAdapter(tiny, JSON.stringify({ ...cfg, target_modules: ['q_proj', 'v_proj', 'down_proj', 'k_proj'] }), src())).rejects.toThrow(/LoRA tensors are missing, first .*k_proj/);
    await expect(importPeftAdapter(tiny, JSON.stringify({ ...cfg, target_modules: ['q_proj', 'v_proj'] }), src())).rejects.toThrow(/down_proj\.lora_A\.weight" is not in the adapter described by adapter_config\.json/);
    await expect(importPeftAdapter({ ...tiny, numLayers: 1 }, out.adapterConfigJson, src())).rejects.toThrow(/layers\.1\..* is not in the adapter/);
    await expect(importPeftAdapter(tiny, JSON.stringify({ ...cfg, target_modules: ['embed_tokens'] }), src())).rejects.toThrow(/target module "embed_tokens" is not supported/);
    await expect(importPeftAdapter(tiny, JSON.stringify({ ...cfg, use_dora: true }), src())).rejects.toThrow(/DoRA/);
    await expect(importPeftAdapter(tiny, JSON.stringify({ ...cfg, peft_type: 'IA3' }), src())).rejects.toThrow(/peft_type "IA3" is not supported/);
  });
});
