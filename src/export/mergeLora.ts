// LoRA merge for export, on the GPU: W' = W + scale·B·A for every adapted linear layer, produced
// directly in the export dtype. A tensor is processed in row chunks small enough for one storage
// binding: upload rows of W in the file dtype → unpack to f32 → accumulate scale·B[rows]·A with the
// matmul op → pack to the export dtype → read back into the caller's output bytes. So CPU memory
// holds at most one chunk of the file tensor plus the output tensor, never a second model copy.
// Owns the merge arithmetic and chunking; never decides file layout (onnxExport.ts does).
import { createStorageBuffer, readBuffer, uploadBuffer, writeBuffer, type Gpu } from '../gpu/index.ts';
import { matmul, type WeightDtype as GpuDtype } from '../ops/matmul.ts';
import { convertDtype, ELEMENT_BYTES } from '../ops/convert.ts';
import { loraManifest, loraScale, type LoraAdapter } from '../model/lora.ts';
import type { ModelSpec } from '../model/config.ts';
import type { WeightDtype as FileDtype } from '../model/dtype.ts';
import { firstNonFinite } from '../model/finite.ts';

export const GPU_DTYPE: Record<FileDtype, GpuDtype> = { F32: 'f32', BF16: 'bf16', F16: 'f16' };

/** What to do when a weight does not fit fp16, in the studio's words (the Runs panel offers the fp32
 * export beside them); studio export-onnx names its flag in their place (its formFlags). */
export const FP16_OVERFLOW_ADVICE = 'export it in fp32 instead';

/** A merged weight past fp16's range: known by name across the worker boundary, where the page
 * offers the fp32 export in its place. */
export class Fp16OverflowError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'Fp16OverflowError';
  }
}

/** The LoRA factors of one linear layer: A [r, in], B [out, r]. */
export interface LoraFactors {
  A: Float32Array;
  B: Float32Array;
  rank: number;
  scale: number;
}

/** HF weight name → its LoRA factors, for every adapted layer/target of the adapter. */
export function loraFactorsByWeight(spec: ModelSpec, adapter: LoraAdapter): Map<string, LoraFactors> {
  const out = new Map<string, LoraFactors>();
  const scale = loraScale(adapter.settings);
  const rank = adapter.settings.rank;
  for (const e of loraManifest(spec, adapter.settings)) {
    if (e.which !== 'A') continue;
    const base = e.key.replace(/^base_model\.model\./, '').replace(/\.lora_A\.weight$/, '.weight');
    const A = adapter.tensors.get(e.key);
    const B = adapter.tensors.get(e.key.replace('lora_A', 'lora_B'));
    if (!A || !B) throw new Error(`LoRA adapter is missing ${A ? e.key.replace('lora_A', 'lora_B') : e.key}`);
    out.set(base, { A, B, rank, scale });
  }
  return out;
}

export interface MergeSource {
  name: string;
  dtype: FileDtype;
  /** [rows, cols] for matrices; a 1-D tensor is one row. */
  shape: number[];
  /** Reads `rows` whole rows starting at `firstRow`, in the file dtype. */
  readRows(firstRow: number, rows: number): Promise<Uint8Array>;
}

/** Largest f32 working buffer per chunk (also bounded by the device's binding limit). */
const CHUNK_BYTES = 64 * 2 ** 20;

/** Writes W (+ scale·B·A) in `outDtype` into `out` (exactly rows·cols elements of outDtype), or
 * hands it to `out` a row chunk at a time, in order (then no array of the whole tensor is made).
 * `maxChunkBytes` bounds the f32 working buffer (tests lower it to exercise chunking). */
export async function mergeTensor(gpu: Gpu, src: MergeSource, lora: LoraFactors | null, outDtype: GpuDtype, out: Uint8Array | ((chunk: Uint8Array) => void | Promise<void>), maxChunkBytes = CHUNK_BYTES): Promise<void> {
  const [rows, cols] = src.shape.length === 1 ? [1, src.shape[0]] : [src.shape[0], src.shape.slice(1).reduce((a, b) => a * b, 1)];
  const outBytes = rows * cols * ELEMENT_BYTES[outDtype];
  if (out instanceof Uint8Array && out.byteLength !== outBytes) throw new RangeError(`merge ${src.name}: output has ${out.byteLength} bytes, the tensor needs ${outBytes}`);
  const put = out instanceof Uint8Array ? (chunk: Uint8Array, r0: number) => out.set(chunk, r0 * cols * ELEMENT_BYTES[outDtype]) : (chunk: Uint8Array) => out(chunk);
  const srcDtype = GPU_DTYPE[src.dtype];
  if (lora) {
    if (lora.A.length !== lora.rank * cols || lora.B.length !== rows * lora.rank) {
      throw new Error(`merge ${src.name}: LoRA A [${lora.rank}, ${lora.A.length / lora.rank}] / B [${lora.B.length / lora.rank}, ${lora.rank}] do not fit the weight [${rows}, ${cols}]`);
    }
  }
  // Nothing to compute: the file bytes already are the answer.
  if (!lora && srcDtype === outDtype) {
    await put(await src.readRows(0, rows), 0);
    return;
  }

  const limits = gpu.ctx.limits;
  const chunkLimit = Math.min(maxChunkBytes, limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const chunkRows = Math.max(1, Math.min(rows, Math.floor(chunkLimit / (cols * 4))));
  if (cols * 4 > Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize)) {
    throw new Error(`merge ${src.name}: one row (${cols} f32) exceeds the GPU's storage binding limit`);
  }
  const srcBuf = createStorageBuffer(gpu.ctx, chunkRows * cols * ELEMENT_BYTES[srcDtype], `merge.src:${src.name}`);
  const work = createStorageBuffer(gpu.ctx, chunkRows * cols * 4, `merge.f32:${src.name}`);
  const outBuf = outDtype === 'f32' ? work : createStorageBuffer(gpu.ctx, chunkRows * cols * ELEMENT_BYTES[outDtype], `merge.out:${src.name}`);
  const aBuf = lora ? uploadBuffer(gpu.ctx, lora.A, `merge.loraA:${src.name}`) : null;
  const bBuf = lora ? uploadBuffer(gpu.ctx, lora.B, `merge.loraB:${src.name}`) : null;
  try {
    for (let r0 = 0; r0 < rows; r0 += chunkRows) {
      const n = Math.min(chunkRows, rows - r0);
      const elems = n * cols;
      writeBuffer(gpu.ctx, srcBuf, await src.readRows(r0, n));
      await convertDtype(gpu, { src: srcBuf, srcDtype, dst: work, dstDtype: 'f32', n: elems });
      if (lora && aBuf && bBuf) {
        // W'[r0..r0+n) += scale · B[r0..r0+n) · A   ([n, r] · [r, cols])
        await matmul(gpu, { a: bBuf, b: aBuf, c: work, M: n, N: cols, K: lora.rank, offsetA: r0 * lora.rank, alpha: lora.scale, accumulate: true });
      }
      if (outBuf !== work) await convertDtype(gpu, { src: work, srcDtype: 'f32', dst: outBuf, dstDtype: outDtype, n: elems });
      gpu.recorder.submit();
      const bytes = elems * ELEMENT_BYTES[outDtype];
      const chunk = new Uint8Array(await readBuffer(gpu.ctx, outBuf, bytes));
      // The inputs are finite (checked as read), so a non-finite f16 is a value past ±65504 that the
      // conversion turned into ±Infinity: the export would answer NaN, so it stops here by name.
      const overflow = outDtype === 'f16' ? firstNonFinite(chunk, 'F16') : null;
      if (overflow) {
        const at = r0 * cols + overflow.index;
        throw new Fp16OverflowError(`merge ${src.name}: element [${Math.floor(at / cols)}, ${at % cols}] is past fp16's largest value (±65504)${lora ? ' with the LoRA merged' : ''}; ${FP16_OVERFLOW_ADVICE}`);
      }
      await put(chunk, r0);
    }
  } finally {
    for (const b of new Set([srcBuf, work, outBuf, aBuf, bBuf])) b?.destroy();
  }
}
