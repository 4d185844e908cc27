// What every matmul kernel variant needs from a call, worked out once: stored shapes and leading
// dimensions, the 256-byte-aligned binding windows of A, B, C and bias (with the remainder as an
// element offset), batch strides, and which vector loads the alignment allows. The variants
// (matmulRegister.ts, matmulTiled.ts, matmulSubgroupMatrix.ts) only choose pipelines and grids.
import { GpuLimitError, createStorageBuffer, type Gpu } from '../gpu/index.ts';

export type WeightDtype = 'f32' | 'bf16' | 'f16';
export const DTYPE_CODE: Record<WeightDtype, number> = { f32: 0, bf16: 1, f16: 2 };
export const DTYPE_BYTES: Record<WeightDtype, number> = { f32: 4, bf16: 2, f16: 2 };

export interface MatmulArgs {
  /** op(A) is [M,K]: A is [M,K] row-major, or [K,M] when transA. f32. */
  a: GPUBuffer;
  /** op(B) is [K,N]: B is [K,N], or [N,K] when transB (a HF weight [out,in]). */
  b: GPUBuffer;
  /** Output [M,N] f32; read too when `accumulate`. Must not overlap A, B or bias. */
  c: GPUBuffer;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  /** Element type of B; halves are packed two per u32, low half first (the file bytes as they are). */
  bDtype?: WeightDtype;
  /** f32 [N], added after scaling. */
  bias?: GPUBuffer;
  /** C += … instead of C = … (LoRA side path, gradient accumulation). */
  accumulate?: boolean;
  alpha?: number;
  /** Independent products in one dispatch (attention heads); item z uses offsets + z·stride. */
  batch?: number;
  /** Element offsets (in elements of that operand's dtype) and batch strides. Strides default to
   * the stored matrix size (rows × row stride), i.e. densely stacked batches. */
  offsetA?: number;
  offsetB?: number;
  offsetC?: number;
  offsetBias?: number;
  strideA?: number;
  strideB?: number;
  strideC?: number;
  /** Elements between consecutive stored rows (leading dimension), when an operand is a slice of a
   * wider matrix (one head of [T, heads, d]); default: dense (the stored row length). */
  rowStrideA?: number;
  rowStrideB?: number;
  rowStrideC?: number;
}

export interface Window {
  binding: GPUBufferBinding;
  /** The operand's element offset relative to the window start. */
  offset: number;
  /** Bytes of the window the operand uses (from the window start to its last element's end). */
  usedBytes: number;
}

/** A vector view of `bytes`-wide elements sees the last element only if the window covers it whole. */
function coversVectors(w: Window, bytes: number): boolean {
  return (w.binding.size ?? 0) >= Math.ceil(w.usedBytes / bytes) * bytes;
}

/** Binds `buffer` from a 256-byte-aligned offset (the storage offset alignment) at or below the
 * operand's start, so slices of a buffer larger than one binding still work and the remainder
 * travels as an element offset in the uniform. The window runs to the buffer's end (or the binding
 * limit), not to the operand's last element: a product over fewer rows (a shorter micro-batch) then
 * binds the same window and reuses its bind group. `elements` is the touched extent. */
export function bindWindow(gpu: Gpu, buffer: GPUBuffer, offsetElems: number, elements: number, elemBytes: number, what: string): Window {
  const align = gpu.ctx.device.limits.minStorageBufferOffsetAlignment ?? 256;
  const startByte = offsetElems * elemBytes;
  const bindOffset = Math.floor(startByte / align) * align;
  if (startByte + elements * elemBytes > buffer.size) {
    throw new RangeError(`matmul ${what}: needs bytes [${startByte}, ${startByte + elements * elemBytes}) but the buffer "${buffer.label}" has ${buffer.size}`);
  }
  // +16 bytes: 4-wide loads at the end of a row may read up to 3 elements past it (values unused).
  const needed = Math.max(4, Math.min(buffer.size, Math.ceil((startByte + elements * elemBytes) / 4) * 4 + 16) - bindOffset);
  const max = gpu.ctx.limits.maxStorageBufferBindingSize;
  if (needed > max) throw new GpuLimitError('maxStorageBufferBindingSize', needed, max, `matmul operand ${what}`);
  const size = Math.max(needed, Math.floor(Math.min(buffer.size - bindOffset, max) / 4) * 4);
  return { binding: { buffer, offset: bindOffset, size }, offset: (startByte - bindOffset) / elemBytes, usedBytes: startByte - bindOffset + elements * elemBytes };
}

const placeholders = new WeakMap<GPUDevice, GPUBuffer>();

/** One 16-byte buffer per device for vector-view bindings the chosen pipeline never reads. */
export function placeholder(gpu: Gpu): GPUBuffer {
  let b = placeholders.get(gpu.ctx.device);
  if (!b) {
    b = createStorageBuffer(gpu.ctx, 16, 'matmul:placeholder');
    placeholders.set(gpu.ctx.device, b);
  }
  return b;
}

export interface Operands {
  M: number;
  N: number;
  K: number;
  batch: number;
  dtype: WeightDtype;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  alpha: number;
  lda: number;
  ldb: number;
  ldc: number;
  strideA: number;
  strideB: number;
  strideC: number;
  wa: Window;
  wb: Window;
  wc: Window;
  wbias: Window | null;
  /** Every 4-wide A (B) read starts at a multiple of 4 elements and the window holds the last vector. */
  vecA: boolean;
  vecB: boolean;
  /** Every 4-element B read of packed halves starts at an even element. */
  bPairAligned: boolean;
}

/** Validates a call and works out its windows and alignment; null when the product is empty. */
export function matmulOperands(gpu: Gpu, args: MatmulArgs): Operands | null {
  const { M, N, K } = args;
  const batch = args.batch ?? 1;
  if (M === 0 || N === 0 || batch === 0) return null;
  const dtype = args.bDtype ?? 'f32';
  // Stored shapes: A is [M,K] ([K,M] if transA), B is [K,N] ([N,K] if transB), C is [M,N].
  const [aRows, aCols] = args.transA ? [K, M] : [M, K];
  const [bRows, bCols] = args.transB ? [N, K] : [K, N];
  const lda = args.rowStrideA ?? aCols;
  const ldb = args.rowStrideB ?? bCols;
  const ldc = args.rowStrideC ?? N;
  if (lda < aCols || ldb < bCols || ldc < N) throw new RangeError(`matmul: a row stride is shorter than its row (lda ${lda}, ldb ${ldb}, ldc ${ldc})`);
  const strideA = args.strideA ?? aRows * lda;
  const strideB = args.strideB ?? bRows * ldb;
  const strideC = args.strideC ?? M * ldc;
  // Touched extent of an operand: up to the last batch item's last row end.
  const extent = (stride: number, rows: number, ld: number, cols: number) => (batch - 1) * stride + (rows - 1) * ld + cols;
  const wa = bindWindow(gpu, args.a, args.offsetA ?? 0, extent(strideA, aRows, lda, aCols), 4, 'A');
  const wb = bindWindow(gpu, args.b, args.offsetB ?? 0, extent(strideB, bRows, ldb, bCols), DTYPE_BYTES[dtype], 'B');
  const wc = bindWindow(gpu, args.c, args.offsetC ?? 0, extent(strideC, M, ldc, N), 4, 'C');
  const wbias = args.bias ? bindWindow(gpu, args.bias, args.offsetBias ?? 0, N, 4, 'bias') : null;
  // Every 4-wide B read starts at offB + row·ldb + a multiple of 4: even for all rows iff the
  // offset, the row stride and the batch stride are even.
  const even = (x: number) => x % 2 === 0;
  const bPairAligned = dtype !== 'f32' && even(wb.offset) && even(ldb) && (batch === 1 || even(strideB));
  // Vector loads need every 4-wide read to start at a multiple of 4 elements, and the window to hold
  // the whole last vector (a vector past the binding's end reads as zeros, even its valid lanes).
  const four = (x: number) => x % 4 === 0;
  const vecA = four(wa.offset) && four(lda) && (batch === 1 || four(strideA)) && coversVectors(wa, 16);
  const vecB = four(wb.offset) && four(ldb) && (batch === 1 || four(strideB)) && coversVectors(wb, 4 * DTYPE_BYTES[dtype]);
  return {
    M, N, K, batch, dtype,
    transA: !!args.transA,
    transB: !!args.transB,
    accumulate: !!args.accumulate,
    alpha: args.alpha ?? 1,
    lda, ldb, ldc, strideA, strideB, strideC,
    wa, wb, wc, wbias, vecA, vecB, bPairAligned,
  };
}

/** The storage bindings every matmul entry point declares: A, B, C, bias and the vector views.
 * With no bias the shaders still declare binding 4; they read it only when HAS_BIAS, so A stands in.
 * The vector views alias the A/B windows when used, else a 16-byte placeholder (their declared
 * types need ≥ 16 bytes bound even when the kernel never reads them). */
export function operandBindings(gpu: Gpu, o: Operands): Record<number, GPUBufferBinding | GPUBuffer> {
  const spare = placeholder(gpu);
  return {
    1: o.wa.binding,
    2: o.wb.binding,
    3: o.wc.binding,
    4: o.wbias?.binding ?? o.wa.binding,
    5: o.vecA ? o.wa.binding : spare,
    6: o.vecB && o.dtype === 'f32' ? o.wb.binding : spare,
    7: o.vecB && o.dtype !== 'f32' ? o.wb.binding : spare,
  };
}

/** Override constants shared by the variants (operand layout and epilogue). */
export function layoutConstants(o: Operands): Record<string, number> {
  return {
    TRANS_A: o.transA ? 1 : 0,
    TRANS_B: o.transB ? 1 : 0,
    B_DTYPE: DTYPE_CODE[o.dtype],
    HAS_BIAS: o.wbias ? 1 : 0,
    ACCUMULATE: o.accumulate ? 1 : 0,
    B_PAIR_ALIGNED: o.bPairAligned ? 1 : 0,
    VEC_A: o.vecA ? 1 : 0,
    VEC_B: o.vecB ? 1 : 0,
  };
}
