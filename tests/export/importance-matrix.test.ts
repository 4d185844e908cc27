// The importance matrix: collected on the GPU from the model with its adapter (against the f64
// reference's activations, sequences packed into shared forwards yet summed as if run alone), and
// written and read as llama.cpp's files (GGUF and imatrix.dat) without losing a value.
import { describe, expect, it } from 'vitest';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { openModel } from '../../src/model/checkpoint.ts';
import { initLoraAdapter } from '../../src/model/lora.ts';
import { memorySource } from '../../src/model/byte-source.ts';
import { collectImportance } from '../../src/export/importanceCollect.ts';
import { importanceMatrixFile, importanceWeights, readImportanceMatrix, type ImportanceMatrix } from '../../src/export/importanceMatrix.ts';
import { loadReferenceWeights, referenceLayerInputs, refLoraFromAdapter } from '../reference/transformer.ts';
import { expectClose, seededRandom } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

const PARTS = { attn_q: 'h1', attn_k: 'h1', attn_v: 'h1', attn_output: 'att', ffn_gate: 'h2', ffn_up: 'h2', ffn_down: 'act' } as const;

describe('importance matrix collected on the GPU', () => {
  it.each(['qwen3', 'llama'] as const)('%s: each layer weight\'s column sums of squared inputs, over every token, with the adapter applied', async (family) => {
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions(family));
    const files = memoryModelFiles(tiny.files, `tiny-${family}`);
    const spec = tiny.spec;
    const adapter = initLoraAdapter(spec, { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'v', 'o', 'down'] }, 3);
    const rand = seededRandom(9);
    for (const [k, t] of adapter.tensors) if (k.includes('lora_B')) for (let i = 0; i < t.length; i++) t[i] = (rand() * 2 - 1) * 0.3;
    const lengths = [7, 19, 3, 12];
    const sequences = lengths.map((n) => Array.from({ length: n }, () => Math.floor(rand() * spec.vocabSize)));
    const progress: number[] = [];
    const matrix = await collectImportance(gpu, files, adapter, sequences, { datasets: ['tiny set'], onProgress: (done) => progress.push(done) });
    expect(progress.at(-1)).toBe(4);
    expect(matrix).toMatchObject({ datasets: ['tiny set'], chunkCount: 4, chunkSize: 19 });
    expect(matrix.entries.size).toBe(7 * spec.numLayers);

    const { checkpoint } = await openModel(files);
    const weights = await loadReferenceWeights(spec, checkpoint);
    const lora = refLoraFromAdapter(adapter);
    const inputs = sequences.map((ids) => referenceLayerInputs(spec, weights, lora, ids));
    for (let l = 0; l < spec.numLayers; l++) {
      for (const [part, input] of Object.entries(PARTS)) {
        const name = `blk.${l}.${part}.weight`;
        const e = matrix.entries.get(name)!;
        expect(e.count, name).toBe(41);
        const width = inputs[0][l][input].length / lengths[0];
        const want = new Float64Array(width);
        inputs.forEach((seq, s) => {
          const x = seq[l][input];
          for (let t = 0; t < lengths[s]; t++) for (let c = 0; c < width; c++) want[c] += x[t * width + c] ** 2;
        });
        expectClose(e.sums, want, { atol: 1e-4, rtol: 1e-4 }, name);
      }
    }
    expect(matrix.entries.has('output.weight')).toBe(false);
  });

  it('refuses token ids outside the vocabulary and an empty set, by what they are', async () => {
    const gpu = await testGpu();
    const tiny = generateTinyModel(tinyTestOptions('qwen3'));
    const files = memoryModelFiles(tiny.files, 'tiny');
    await expect(collectImportance(gpu, files, null, [[1, 2, tiny.spec.vocabSize]], { datasets: [] })).rejects.toThrow(/token id \d+ is outside the vocabulary/);
    await expect(collectImportance(gpu, files, null, [[]], { datasets: [] })).rejects.toThrow(/needs at least one example/);
  });
});

function someMatrix(): ImportanceMatrix {
  const rand = seededRandom(4);
  const entries = new Map<string, { sums: Float32Array; count: number }>();
  for (const name of ['blk.1.ffn_down.weight', 'blk.0.attn_q.weight', 'blk.0.ffn_down.weight']) entries.set(name, { sums: Float32Array.from({ length: name.includes('down') ? 96 : 32 }, () => rand() * 50), count: 1234 });
  return { entries, datasets: ['train split of weather-calls.jsonl'], chunkCount: 40, chunkSize: 187 };
}

describe('importance matrix files', () => {
  it('a GGUF file as llama-imatrix writes one reads back the same sums, counts and metadata', async () => {
    const m = someMatrix();
    const bytes = importanceMatrixFile(m);
    const back = await readImportanceMatrix(memorySource(bytes, 'run.imatrix.gguf'));
    expect(back).toEqual(m);
    // Tensors in name order, as llama-imatrix stores them.
    const text = new TextDecoder().decode(bytes.subarray(0, 2000));
    expect(text.indexOf('blk.0.attn_q.weight.in_sum2')).toBeLessThan(text.indexOf('blk.0.ffn_down.weight.in_sum2'));
    expect(text).toContain('general.type');
  });

  it('an imatrix.dat reads as llama-quantize reads it: its values over its calls', async () => {
    const parts: number[] = [];
    const i32 = (v: number) => parts.push(...new Uint8Array(Int32Array.of(v).buffer));
    const str = (s: string) => {
      const b = new TextEncoder().encode(s);
      i32(b.length);
      parts.push(...b);
    };
    i32(1);
    str('blk.0.attn_k.weight');
    i32(10); // calls
    i32(4);
    parts.push(...new Uint8Array(Float32Array.of(20, 5, 0, 1).buffer));
    i32(10);
    str('wiki.train.raw');
    const m = await readImportanceMatrix(memorySource(Uint8Array.from(parts), 'old.dat'));
    expect(m.datasets).toEqual(['wiki.train.raw']);
    expect(m.chunkCount).toBe(10);
    expect(Array.from(importanceWeights(m, 'blk.0.attn_k.weight', 4)!)).toEqual([2, 0.5, 0, Math.fround(0.1)]);
  });

  it('says what a file is when it is not an importance matrix, and refuses one of another model', async () => {
    await expect(readImportanceMatrix(memorySource(new TextEncoder().encode('{"not": "imatrix"}'), 'notes.json'))).rejects.toThrow(/notes\.json is neither a GGUF nor an imatrix\.dat importance matrix/);
    const m = someMatrix();
    expect(() => importanceWeights(m, 'blk.0.attn_q.weight', 64)).toThrow(/the importance matrix has 32 values for blk\.0\.attn_q\.weight, which has 64 columns/);
    expect(importanceWeights(m, 'blk.9.attn_q.weight', 64)).toBeNull();
    // A weight no token reached: every column weighs 1.
    m.entries.get('blk.0.attn_q.weight')!.count = 0;
    expect(Array.from(importanceWeights(m, 'blk.0.attn_q.weight', 32)!)).toEqual(new Array(32).fill(1));
  });
});
