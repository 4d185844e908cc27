// Frozen weights → GPU buffers, streamed: each tensor is read from its file in chunks of at most
// `chunkBytes` and written straight into its buffer, so JS never holds a second copy of the model
// (at most one chunk). Weights keep their file dtype and packing (bf16/f16: two per u32, element
// 2i in the low half, i.e. the file bytes as they are). A tensor larger than one storage binding is
// split by rows into parts, each its own buffer (DESIGN: anything larger is split).
// Never reads back. Converts dtypes only when asked: bf16 → f16 (f16Weights.ts), for tensor cores.
import type { GpuContext } from '../gpu/context.ts';
import { createStorageBuffer, writeBuffer } from '../gpu/buffers.ts';
import { GpuLimitError } from '../gpu/errors.ts';
import { weightManifest, type ModelSpec } from './config.ts';
import type { Checkpoint } from './checkpoint.ts';
import { DTYPE_BYTES, type WeightDtype } from './dtype.ts';
import { readTensorRange } from './safetensors.ts';
import { bf16BytesToF16 } from './f16Weights.ts';
import { NonzeroRowScan } from './compactHead.ts';

export interface GpuWeightPart {
  buffer: GPUBuffer;
  /** First row (index along dim 0) this part holds, and how many. */
  firstRow: number;
  rows: number;
}

export interface GpuWeight {
  name: string;
  dtype: WeightDtype;
  shape: number[];
  /** One part unless the tensor exceeds the binding limit. */
  parts: GpuWeightPart[];
  /** For the tensor named by UploadOptions.findNonzeroRows: its rows that are not all zero, or null
   * when more than compactHead.ts's share are. */
  keptRows?: Uint32Array | null;
}

export interface UploadProgress {
  tensor: string;
  tensorsDone: number;
  tensorsTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface UploadOptions {
  /** Largest slice read from the file at once (default 16 MiB). Must be a multiple of 4. */
  chunkBytes?: number;
  onProgress?: (p: UploadProgress) => void;
  /** Store bf16 tensors as f16 (throws F16RangeError naming a tensor that does not fit). */
  bf16AsF16?: boolean;
  /** A [rows, …] tensor (the LM head) whose all-zero rows to find as its bytes stream past. */
  findNonzeroRows?: string;
}

/** Rows per part so each part fits both maxBufferSize and maxStorageBufferBindingSize. */
export function rowsPerPart(name: string, shape: number[], dtype: WeightDtype, ctx: Pick<GpuContext, 'limits'>): number {
  const rowBytes = (shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : shape[0]) * DTYPE_BYTES[dtype];
  const limit = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
  const rows = Math.floor(limit / rowBytes);
  if (rows < 1) throw new GpuLimitError('maxStorageBufferBindingSize', rowBytes, limit, `one row of weight "${name}"`);
  return shape.length > 1 ? Math.min(rows, shape[0]) : 1;
}

export async function uploadModelWeights(ctx: GpuContext, spec: ModelSpec, ckpt: Checkpoint, opts: UploadOptions = {}): Promise<Map<string, GpuWeight>> {
  const chunkBytes = opts.chunkBytes ?? 16 * 2 ** 20;
  if (chunkBytes % 4 !== 0 || chunkBytes < 4) throw new Error(`chunkBytes must be a positive multiple of 4, got ${chunkBytes}`);
  const manifest = weightManifest(spec);
  const bytesTotal = manifest.reduce((n, w) => n + (ckpt.tensors.get(w.name)?.byteLength ?? 0), 0);
  const out = new Map<string, GpuWeight>();
  let bytesDone = 0;
  try {
    for (const [i, w] of manifest.entries()) {
      const t = ckpt.tensors.get(w.name);
      if (!t) throw new Error(`${ckpt.label}: tensor "${w.name}" is missing`);
      const convert = opts.bf16AsF16 === true && t.dtype === 'BF16';
      const dtype = (convert ? 'F16' : t.dtype) as WeightDtype;
      const shape = t.shape;
      const rowBytes = shape.length > 1 ? t.byteLength / shape[0] : t.byteLength;
      const perPart = rowsPerPart(w.name, shape, dtype, ctx);
      const totalRows = shape.length > 1 ? shape[0] : 1;
      const weight: GpuWeight = { name: w.name, dtype, shape, parts: [] };
      out.set(w.name, weight);
      const scan = opts.findNonzeroRows === w.name && shape.length === 2 ? new NonzeroRowScan(shape[0], shape[1], t.dtype as WeightDtype) : null;
      for (let firstRow = 0; firstRow < totalRows; firstRow += perPart) {
        const rows = Math.min(perPart, totalRows - firstRow);
        const partBytes = rows * rowBytes;
        const label = weight.parts.length === 0 && rows === totalRows ? w.name : `${w.name}[rows ${firstRow}..${firstRow + rows})`;
        const buffer = createStorageBuffer(ctx, partBytes, label);
        weight.parts.push({ buffer, firstRow, rows });
        for (let off = 0; off < partBytes; off += chunkBytes) {
          const len = Math.min(chunkBytes, partBytes - off);
          const read = await readTensorRange(t.source, t, firstRow * rowBytes + off, len);
          scan?.add(read, firstRow * rowBytes + off);
          writeBuffer(ctx, buffer, convert ? bf16BytesToF16(read, w.name) : read, off);
        }
      }
      if (scan) weight.keptRows = scan.keptRows();
      bytesDone += t.byteLength;
      opts.onProgress?.({ tensor: w.name, tensorsDone: i + 1, tensorsTotal: manifest.length, bytesDone, bytesTotal });
    }
  } catch (err) {
    destroyWeights(out);
    throw err;
  }
  return out;
}

export function destroyWeights(weights: Map<string, GpuWeight>): void {
  for (const w of weights.values()) for (const p of w.parts) p.buffer.destroy();
  weights.clear();
}
