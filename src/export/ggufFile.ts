// The GGUF container (version 3) as llama.cpp reads it: header, metadata key/values, tensor infos,
// then each tensor's data at an offset aligned to `general.alignment` (32 by default). Everything is
// little-endian; a string is a u64 byte length and UTF-8 bytes; a tensor's dimensions are written
// innermost first (a [rows, cols] weight is ne = [cols, rows]).
// Owns the byte layout only: which keys and tensors a model has is ggufExport.ts.

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_ALIGNMENT = 32;

/** GGUF metadata value types (gguf.h `enum gguf_type`). */
export const GGUF_VALUE = { UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12 } as const;

/** The tensor types the export writes (ggml.h `enum ggml_type`). */
export const GGML_TYPE = { F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13, Q6_K: 14, IQ4_NL: 20, IQ4_XS: 23, BF16: 30 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;
/** The block types the export writes (ggufQuant.ts); the others of GGML_TYPE are only read back. */
export type GgmlQuantType = 'Q8_0' | 'Q5_0' | 'Q5_1' | 'Q4_K' | 'Q5_K' | 'Q6_K';
/** Block types the read-back reads (ggufDequant.ts): the export's, and those other llama-quantize
 * files hold (Q4_0, Q3_K_M, Q2_K, IQ4_XS, and IQ4_NL where their rows are not whole 256-value blocks). */
export type GgmlBlockType = Exclude<GgmlTypeName, 'F32' | 'F16' | 'BF16'>;

/** Values per block of a block type (along a row), and the bytes a block takes. */
export const QUANT_BLOCK: Record<GgmlBlockType, { values: number; bytes: number }> = {
  Q8_0: { values: 32, bytes: 34 },
  Q5_0: { values: 32, bytes: 22 },
  Q5_1: { values: 32, bytes: 24 },
  Q4_0: { values: 32, bytes: 18 },
  Q4_1: { values: 32, bytes: 20 },
  IQ4_NL: { values: 32, bytes: 18 },
  Q2_K: { values: 256, bytes: 84 },
  Q3_K: { values: 256, bytes: 110 },
  Q4_K: { values: 256, bytes: 144 },
  Q5_K: { values: 256, bytes: 176 },
  Q6_K: { values: 256, bytes: 210 },
  IQ4_XS: { values: 256, bytes: 136 },
};

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: string[] }
  | { type: 'i32[]'; value: ArrayLike<number> }
  | { type: 'f32[]'; value: ArrayLike<number> };

export interface GgufTensorInfo {
  name: string;
  /** As PyTorch orders it, outermost first (e.g. [out, in]); written reversed. */
  shape: number[];
  type: GgmlTypeName;
}

/** Bytes a tensor of `shape` takes as `type`; a quantized type needs rows of whole blocks. */
export function ggmlTensorBytes(type: GgmlTypeName, shape: number[]): number {
  const n = shape.reduce((a, b) => a * b, 1);
  switch (type) {
    case 'F32':
      return n * 4;
    case 'F16':
    case 'BF16':
      return n * 2;
    default: {
      const block = QUANT_BLOCK[type];
      const cols = shape[shape.length - 1];
      if (cols % block.values !== 0) throw new RangeError(`${type} needs rows of a multiple of ${block.values} values; this tensor's rows have ${cols}`);
      return (n / block.values) * block.bytes;
    }
  }
}

export const alignUp = (n: number, to = GGUF_ALIGNMENT) => Math.ceil(n / to) * to;

/** A growable little-endian byte writer for the header (tensor data never goes through it). */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private readonly enc = new TextEncoder();

  private room(n: number): void {
    if (this.length + n <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.room(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`GGUF: ${v} is not a u64 this writer can hold`);
    this.room(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }
  string(s: string): void {
    const bytes = this.enc.encode(s);
    this.u64(bytes.byteLength);
    this.room(bytes.byteLength);
    this.buf.set(bytes, this.length);
    this.length += bytes.byteLength;
  }
  zeros(n: number): void {
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeValue(w: ByteWriter, v: GgufValue): void {
  const array = (itemType: number, n: number) => {
    w.u32(GGUF_VALUE.ARRAY);
    w.u32(itemType);
    w.u64(n);
  };
  switch (v.type) {
    case 'u32':
      w.u32(GGUF_VALUE.UINT32);
      return w.u32(v.value);
    case 'i32':
      w.u32(GGUF_VALUE.INT32);
      return w.i32(v.value);
    case 'f32':
      w.u32(GGUF_VALUE.FLOAT32);
      return w.f32(v.value);
    case 'bool':
      w.u32(GGUF_VALUE.BOOL);
      return w.u8(v.value ? 1 : 0);
    case 'string':
      w.u32(GGUF_VALUE.STRING);
      return w.string(v.value);
    case 'string[]':
      array(GGUF_VALUE.STRING, v.value.length);
      for (const s of v.value) w.string(s);
      return;
    case 'i32[]':
      array(GGUF_VALUE.INT32, v.value.length);
      for (let i = 0; i < v.value.length; i++) w.i32(v.value[i]);
      return;
    case 'f32[]':
      array(GGUF_VALUE.FLOAT32, v.value.length);
      for (let i = 0; i < v.value.length; i++) w.f32(v.value[i]);
      return;
  }
}

export interface GgufLayout {
  /** Header, metadata and tensor infos, padded so the data section starts aligned. */
  header: Uint8Array;
  /** Each tensor's offset from the start of the data section, and its byte size. */
  tensors: Array<GgufTensorInfo & { offset: number; bytes: number }>;
  /** Bytes of the data section, the last tensor's padding included. */
  dataBytes: number;
}

/** Lays the file out: tensor data follows the header in the order given, each aligned. */
export function ggufLayout(metadata: Array<[string, GgufValue]>, tensors: GgufTensorInfo[]): GgufLayout {
  const keys = new Set<string>();
  for (const [key] of metadata) {
    if (keys.has(key)) throw new Error(`GGUF: metadata key ${key} given twice`);
    keys.add(key);
  }
  const names = new Set<string>();
  let offset = 0;
  const placed = tensors.map((t) => {
    if (names.has(t.name)) throw new Error(`GGUF: tensor ${t.name} given twice`);
    names.add(t.name);
    const bytes = ggmlTensorBytes(t.type, t.shape);
    const at = { ...t, offset, bytes };
    offset = alignUp(offset + bytes);
    return at;
  });
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(metadata.length);
  for (const [key, value] of metadata) {
    w.string(key);
    writeValue(w, value);
  }
  for (const t of placed) {
    w.string(t.name);
    w.u32(t.shape.length);
    for (let i = t.shape.length - 1; i >= 0; i--) w.u64(t.shape[i]);
    w.u32(GGML_TYPE[t.type]);
    w.u64(t.offset);
  }
  w.zeros(alignUp(w.length) - w.length);
  return { header: w.bytes(), tensors: placed, dataBytes: offset };
}
