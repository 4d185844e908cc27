// The merged Hugging Face folder: every adapted weight W + scale·B·A rounded once to the folder's
// dtype (against an f64 reference), every other tensor the model's own bytes, the model's shards and
// index kept, its config (dtype renamed only when it changes) and tokenizer files beside them; and
// the folder, run by the engine without an adapter, gives the trained model's next tokens.
import { describe, expect, it } from 'vitest';
import { exportMergedModel, hubRepoId, type MergedDtype, type MergedExportOptions } from '../../src/export/mergedExport.ts';
import type { Gpu } from '../../src/gpu/index.ts';
import type { ModelFiles } from '../../src/model/model-files.ts';
import { checkInEngine } from '../../src/export/engineCheck.ts';
import { loraFactorsByWeight } from '../../src/export/mergeLora.ts';
import { F32_GAP_TOLERANCE } from '../../src/export/nextTokenGaps.ts';
import { generateTinyModel, tinyModelSpec, tinyTestOptions, type TinyModelOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { memorySource } from '../../src/model/byte-source.ts';
import { initLoraAdapter, type LoraAdapter } from '../../src/model/lora.ts';
import { decodeToFloat64, f32ToBf16Bits, type WeightDtype } from '../../src/model/dtype.ts';
import { encodeSafetensors, readSafetensorsHeader, streamTensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { testGpu } from '../helpers/gpu.ts';

const CARD = { title: 'tiny merged', baseModel: 'org/tiny', run: 'my run' };

function tiny(overrides: Partial<TinyModelOptions> & Pick<TinyModelOptions, 'family'>): { files: Map<string, string | Uint8Array>; adapter: LoraAdapter } {
  const t = generateTinyModel(tinyTestOptions(overrides.family, overrides));
  const files = new Map(t.files);
  files.set('tokenizer_config.json', '{"chat_template": "{{ messages }}"}\n');
  const adapter = initLoraAdapter(t.spec, { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'v', 'gate', 'down'] }, 5);
  // B ≠ 0, so the merge moves every adapted weight.
  for (const [k, x] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.7 + k.length) * 0.3;
  return { files, adapter };
}

/** The export with its files gathered as a folder: each file's chunks must come one file after
 * another, and add up to the size the result says. */
async function exported(gpu: Gpu, source: ModelFiles, opts: Omit<MergedExportOptions, 'write'>) {
  const chunks = new Map<string, Uint8Array[]>();
  let current = '';
  const r = await exportMergedModel(gpu, source, {
    ...opts,
    write: (file, chunk) => {
      if (file !== current) expect(chunks.has(file), `${file} handed on again after another file`).toBe(false);
      current = file;
      chunks.set(file, [...(chunks.get(file) ?? []), chunk]);
    },
  });
  const folder = new Map([...chunks].map(([name, parts]) => [name, new Uint8Array(Buffer.concat(parts))]));
  expect(r.files.map((f) => [f.name, f.bytes])).toEqual([...folder].map(([name, bytes]) => [name, bytes.byteLength]));
  return { ...r, folder };
}

async function tensorsOf(bytes: Uint8Array, name: string): Promise<Map<string, TensorToWrite>> {
  const out = new Map<string, TensorToWrite>();
  for await (const t of streamTensors(memorySource(bytes, name))) out.set(t.name, { name: t.name, dtype: t.dtype, shape: t.shape, data: t.bytes });
  return out;
}

/** Each merged element against W + scale·B·A in f64, rounded once to `dtype`: within half its ulp. */
function expectMerged(got: TensorToWrite, base: TensorToWrite, f: { A: Float32Array; B: Float32Array; rank: number; scale: number }, dtype: WeightDtype): void {
  const w = decodeToFloat64(base.data, base.dtype as WeightDtype);
  const g = decodeToFloat64(got.data, dtype);
  const [rows, cols] = base.shape;
  const ulp = { BF16: 2 ** -7, F16: 2 ** -10, F32: 2 ** -23 }[dtype];
  let moved = 0;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let r = 0; r < f.rank; r++) s += f.B[i * f.rank + r] * f.A[r * cols + j];
    const want = w[i * cols + j] + f.scale * s;
    const at = i * cols + j;
    // Half an ulp of the result, plus the f32 sum's own noise.
    expect(Math.abs(g[at] - want), `${got.name}[${i}, ${j}]`).toBeLessThanOrEqual(Math.abs(want) * ulp * 0.5 + 1e-6);
    if (g[at] !== w[at]) moved++;
  }
  expect(moved, got.name).toBeGreaterThan(rows * cols * 0.5);
}

describe('the merged model as a Hugging Face folder', () => {
  it('bf16, sharded (Qwen2: biases, untied head): the shards and index kept, adapted weights merged, the rest byte for byte', async () => {
    const gpu = await testGpu();
    const { files, adapter } = tiny({ family: 'qwen2', dtype: 'BF16', maxShardBytes: 40_000 });
    const source = memoryModelFiles(files, 'tiny-qwen2');
    const progress: number[] = [];
    // Tensors copied unchanged are handed on in slices of 1,000 bytes here (64 MiB by default).
    const r = await exported(gpu, source, { adapter, card: CARD, sliceBytes: 1000, onProgress: (p) => progress.push(p.bytesDone / p.bytesTotal) });
    expect(r.dtype).toBe('bf16');
    const shards = [...files.keys()].filter((n) => n.endsWith('.safetensors')).sort();
    expect(shards.length).toBeGreaterThan(1);
    expect(r.weightFiles).toEqual(shards);
    expect(progress.at(-1)).toBe(1);
    const factors = loraFactorsByWeight(tinyModelSpec(tinyTestOptions('qwen2', { dtype: 'BF16' })), adapter);
    expect(r.merged).toBe(factors.size);
    const index = JSON.parse(new TextDecoder().decode(r.folder.get('model.safetensors.index.json')));
    const sourceIndex = JSON.parse(files.get('model.safetensors.index.json') as string);
    expect(index.weight_map).toEqual(sourceIndex.weight_map);
    let total = 0;
    for (const shard of shards) {
      const before = await tensorsOf(files.get(shard) as Uint8Array, shard);
      const after = await tensorsOf(r.folder.get(shard)!, shard);
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
      expect((await readSafetensorsHeader(memorySource(r.folder.get(shard)!, shard))).metadata).toEqual({ format: 'pt' });
      for (const [name, t] of after) {
        total += t.data.byteLength;
        expect(t.dtype).toBe('BF16');
        const f = factors.get(name);
        if (f) expectMerged(t, before.get(name)!, f, 'BF16');
        else expect(Buffer.from(t.data).equals(Buffer.from(before.get(name)!.data)), name).toBe(true);
      }
    }
    expect(index.metadata.total_size).toBe(total);
    // The model's own config (its dtype unchanged), generation config and tokenizer files.
    for (const name of ['config.json', 'generation_config.json', 'tokenizer_config.json']) expect(new TextDecoder().decode(r.folder.get(name)), name).toBe(files.get(name));
    const card = new TextDecoder().decode(r.folder.get('README.md'));
    expect(card).toMatch(/^---\nbase_model: org\/tiny\nlibrary_name: transformers\n/);
    expect(card).toContain('"my run" merged into its weights: W + scale·B·A for q, v, gate, down in all 2 layers (r = 4, alpha/r = 2.000), rounded once to bfloat16');

    // Run without an adapter, the folder is the trained model: its next tokens, bf16's rounding in the gaps.
    const texts = [[3, 14, 15, 92, 65, 35, 89, 79], [2, 71, 82, 81, 82, 84, 59]];
    const check = await checkInEngine(gpu, source, adapter, memoryModelFiles(r.folder, 'merged'), { texts, f32: false });
    expect(check.topDisagreements).toBe(0);
    expect(check.passed).toBe(true);
    // Against the base model the same folder is told apart: the check sees the merge.
    const base = await checkInEngine(gpu, source, null, memoryModelFiles(r.folder, 'merged'), { texts, f32: false });
    expect(base.maxGapDiff).toBeGreaterThan(check.maxGapDiff * 4);
  });

  it.each([
    ['F32', 'f32'],
    ['F32', 'bf16'],
    ['BF16', 'f32'],
  ] as const)('%s model → %s folder (Qwen3, tied): merged once, converted exactly, config.json names the dtype', async (from, to: MergedDtype) => {
    const gpu = await testGpu();
    const { files, adapter } = tiny({ family: 'qwen3', dtype: from });
    const source = memoryModelFiles(files, 'tiny-qwen3');
    const r = await exported(gpu, source, { adapter, dtype: to, card: { title: 't', run: 'r' } });
    const want: WeightDtype = to === 'f32' ? 'F32' : 'BF16';
    const before = await tensorsOf(files.get('model.safetensors') as Uint8Array, 'model.safetensors');
    const after = await tensorsOf(r.folder.get('model.safetensors')!, 'model.safetensors');
    expect(r.folder.has('model.safetensors.index.json')).toBe(false);
    const factors = loraFactorsByWeight(tinyModelSpec(tinyTestOptions('qwen3', { dtype: from })), adapter);
    for (const [name, t] of after) {
      expect(t.dtype).toBe(want);
      const f = factors.get(name);
      if (f) expectMerged(t, before.get(name)!, f, want);
      else if (from === 'F32' && to === 'bf16') {
        const exact = Uint16Array.from(new Float32Array(before.get(name)!.data.slice().buffer), f32ToBf16Bits);
        expect(Buffer.from(t.data).equals(Buffer.from(exact.buffer)), name).toBe(true);
      } else expect(decodeToFloat64(t.data, want), name).toEqual(decodeToFloat64(before.get(name)!.data, from));
    }
    const config = JSON.parse(new TextDecoder().decode(r.folder.get('config.json')));
    expect(config.torch_dtype).toBe({ f32: 'float32', bf16: 'bfloat16', f16: 'float16' }[to]);
    const card = new TextDecoder().decode(r.folder.get('README.md'));
    expect(card).not.toContain('base_model:');
    if (to === 'f32') {
      // f32 throughout: the engine's merged folder and its base + adapter agree to f32 rounding.
      const check = await checkInEngine(gpu, source, adapter, memoryModelFiles(r.folder, 'merged'), { texts: [[5, 9, 26, 53, 58, 1, 79, 32]], f32: from === 'F32' });
      if (from === 'F32') expect(check.maxGapDiff).toBeLessThan(F32_GAP_TOLERANCE);
      expect(check.passed).toBe(true);
    }
  });

  it('keeps tensors the model does not run (a saved lm_head beside tied embeddings, an integer buffer) as they are', async () => {
    const gpu = await testGpu();
    const { files, adapter } = tiny({ family: 'qwen3', dtype: 'BF16' });
    const tensors = [...(await tensorsOf(files.get('model.safetensors') as Uint8Array, 'model.safetensors')).values()];
    const head = tensors.find((t) => t.name === 'model.embed_tokens.weight')!;
    const steps: TensorToWrite = { name: 'model.extra.steps', dtype: 'I64', shape: [3], data: new Uint8Array(new BigInt64Array([1n, -2n, 3n]).buffer) };
    files.set('model.safetensors', encodeSafetensors([...tensors, { ...head, name: 'lm_head.weight' }, steps], { format: 'pt' }));
    const r = await exported(gpu, memoryModelFiles(files, 'tiny'), { adapter, dtype: 'f32', card: CARD });
    const after = await tensorsOf(r.folder.get('model.safetensors')!, 'model.safetensors');
    expect(after.get('model.extra.steps')).toEqual(steps);
    expect(after.get('lm_head.weight')!.dtype).toBe('F32');
    expect(decodeToFloat64(after.get('lm_head.weight')!.data, 'F32')).toEqual(decodeToFloat64(head.data, 'BF16'));
  });

  it('names the base model in the card only by a Hub repo id', () => {
    expect(hubRepoId('Qwen/Qwen3-0.6B')).toBe('Qwen/Qwen3-0.6B');
    expect(hubRepoId('Qwen/Qwen3-0.6B@main')).toBe('Qwen/Qwen3-0.6B');
    for (const ref of ['embedded:tiny-qwen3', 'local:my model', '/home/me/models/qwen', 'tiny']) expect(hubRepoId(ref), ref).toBeUndefined();
  });

  it('refuses an adapter of another model before anything is written', async () => {
    const gpu = await testGpu();
    const { files } = tiny({ family: 'qwen3', dtype: 'F32' });
    const deeper = tiny({ family: 'qwen3', dtype: 'F32', numLayers: 3 }).adapter;
    await expect(exportMergedModel(gpu, memoryModelFiles(files, 'tiny'), { write: () => undefined, adapter: deeper, card: CARD })).rejects.toThrow('the adapter holds 24 LoRA tensors and 16 of them are for weights tiny has: it is an adapter of another model');
    const wider = tiny({ family: 'qwen3', dtype: 'F32', intermediateSize: 96 }).adapter;
    await expect(exportMergedModel(gpu, memoryModelFiles(files, 'tiny'), { write: () => undefined, adapter: wider, card: CARD })).rejects.toThrow(/^the adapter's LoRA for model\.layers\.0\.mlp\.gate_proj\.weight is A \[4, \d+\] · B \[96, 4\], which does not fit its weight \[\d+, \d+\] in tiny: it is an adapter of another model$/);
  });
});
