// The GPU LoRA merge W' = W + scale·B·A against an f64 reference, for bf16/f16/f32 base weights
// and f32/f16 output, with the tensor split into several row chunks (odd element counts per chunk).
import { describe, expect, it } from 'vitest';
import { mergeTensor, type LoraFactors } from '../../src/export/mergeLora.ts';
import { inCommandWords } from '../../src/cli/command.ts';
import exportOnnxCommand from '../../src/cli/commands/export-onnx.ts';
import { decodeToFloat64, encodeFromNumbers, f16BitsToF32, type WeightDtype } from '../../src/model/dtype.ts';
import { expectClose, randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

const rows = 37;
const cols = 23; // odd: a chunk of k rows has an odd element count when k is odd
const rank = 3;

function reference(base: Float64Array, lora: LoraFactors): Float64Array {
  // (rows, cols) f64: W + scale·Σ_r B[i,r]·A[r,j]
  const out = Float64Array.from(base);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let r = 0; r < rank; r++) s += lora.B[i * rank + r] * lora.A[r * cols + j];
    out[i * cols + j] += lora.scale * s;
  }
  return out;
}

describe('mergeTensor', () => {
  it.each([
    ['BF16', 'f32'],
    ['F16', 'f32'],
    ['F32', 'f32'],
    ['BF16', 'f16'],
    ['BF16', 'bf16'], // merged in the base dtype
  ] as const)('%s base → %s output in row chunks equals W + scale·B·A', async (fileDtype: WeightDtype, outDtype) => {
    const gpu = await testGpu();
    const fileBytes = encodeFromNumbers(randomArray(rows * cols, 1, 0.5), fileDtype);
    const base = decodeToFloat64(fileBytes, fileDtype);
    const lora: LoraFactors = { A: randomArray(rank * cols, 2, 0.4), B: randomArray(rows * rank, 3, 0.4), rank, scale: 2 };
    const rowBytes = fileBytes.byteLength / rows;
    const reads: number[] = [];
    const out = new Uint8Array(rows * cols * (outDtype === 'f32' ? 4 : 2));
    await mergeTensor(
      gpu,
      { name: 'test.weight', dtype: fileDtype, shape: [rows, cols], readRows: async (r0, n) => (reads.push(n), fileBytes.slice(r0 * rowBytes, (r0 + n) * rowBytes)) },
      lora,
      outDtype,
      out,
      5 * cols * 4, // 5 rows per chunk: 8 chunks, the last one 2 rows
    );
    expect(reads).toEqual([5, 5, 5, 5, 5, 5, 5, 2]);
    const want = reference(base, lora);
    if (outDtype === 'f32') {
      // f32 sum of 3 products on top of an exact base: a few f32 ulps.
      expectClose(new Float32Array(out.buffer), want, { atol: 1e-6, rtol: 1e-6 }, `${fileDtype} merge`);
    } else if (outDtype === 'bf16') {
      // Rounded once to bf16: within half a bf16 ulp (2⁻⁸ relative) of the exact value.
      const got = decodeToFloat64(out, 'BF16');
      expectClose(got, want, { atol: 1e-6, rtol: 2 ** -8 + 1e-6 }, `${fileDtype} → bf16 merge`);
    } else {
      // Rounded once to f16: within half an f16 ulp of the exact value (plus the f32 sum's noise).
      const got = Array.from(new Uint16Array(out.buffer), f16BitsToF32);
      expectClose(got, want, { atol: 1e-6, rtol: 2 ** -11 + 1e-6 }, `${fileDtype} → f16 merge`);
    }
  });

  it('hands the merged tensor on a row chunk at a time, in order, when given a function: the bytes the array form gets', async () => {
    const gpu = await testGpu();
    const fileBytes = encodeFromNumbers(randomArray(rows * cols, 6, 0.5), 'BF16');
    const lora: LoraFactors = { A: randomArray(rank * cols, 7, 0.4), B: randomArray(rows * rank, 8, 0.4), rank, scale: 0.5 };
    const rowBytes = fileBytes.byteLength / rows;
    const source = { name: 'w', dtype: 'BF16' as const, shape: [rows, cols], readRows: async (r0: number, n: number) => fileBytes.slice(r0 * rowBytes, (r0 + n) * rowBytes) };
    const whole = new Uint8Array(rows * cols * 2);
    await mergeTensor(gpu, source, lora, 'bf16', whole, 5 * cols * 4);
    const chunks: Uint8Array[] = [];
    await mergeTensor(gpu, source, lora, 'bf16', (c) => void chunks.push(c), 5 * cols * 4);
    expect(chunks.map((c) => c.byteLength)).toEqual([5, 5, 5, 5, 5, 5, 5, 2].map((n) => n * cols * 2));
    expect(Buffer.concat(chunks).equals(Buffer.from(whole))).toBe(true);
  });

  it('without an adapter and with the file dtype as output, copies the file bytes unchanged', async () => {
    const gpu = await testGpu();
    const fileBytes = encodeFromNumbers(randomArray(rows * cols, 4), 'F16');
    const out = new Uint8Array(fileBytes.byteLength);
    await mergeTensor(gpu, { name: 't', dtype: 'F16', shape: [rows, cols], readRows: async () => fileBytes }, null, 'f16', out);
    expect(Array.from(out)).toEqual(Array.from(fileBytes));
  });

  it('refuses an fp16 output past ±65504 by tensor and element, where it would be Infinity (and the export answer NaN), advising fp32 in each surface’s words', async () => {
    const gpu = await testGpu();
    const values = randomArray(rows * cols, 5, 0.5);
    values[20 * cols + 7] = 70_000; // a bf16 weight fp16 cannot hold
    const fileBytes = encodeFromNumbers(values, 'BF16');
    const rowBytes = fileBytes.byteLength / rows;
    const err: Error = await mergeTensor(gpu, { name: 'model.layers.3.mlp.down_proj.weight', dtype: 'BF16', shape: [rows, cols], readRows: async (r0, n) => fileBytes.slice(r0 * rowBytes, (r0 + n) * rowBytes) }, null, 'f16', new Uint8Array(rows * cols * 2), 5 * cols * 4).then(() => new Error('merged'), (e: Error) => e);
    // Known by name in the page (the Runs panel offers the fp32 export); each surface words the advice.
    expect(err.name).toBe('Fp16OverflowError');
    expect(err.message).toBe("merge model.layers.3.mlp.down_proj.weight: element [20, 7] is past fp16's largest value (±65504); export it in fp32 instead");
    expect(inCommandWords(err.message, exportOnnxCommand)).toBe("merge model.layers.3.mlp.down_proj.weight: element [20, 7] is past fp16's largest value (±65504); export it with --dtype fp32 (the default)");
  });

  it('rejects LoRA factors that do not fit the weight', async () => {
    const gpu = await testGpu();
    const fileBytes = encodeFromNumbers(randomArray(rows * cols, 4), 'F32');
    const bad: LoraFactors = { A: new Float32Array(rank * (cols + 1)), B: new Float32Array(rows * rank), rank, scale: 1 };
    await expect(
      mergeTensor(gpu, { name: 'w', dtype: 'F32', shape: [rows, cols], readRows: async () => fileBytes }, bad, 'f32', new Uint8Array(rows * cols * 4)),
    ).rejects.toThrow(/do not fit the weight/);
  });
});
