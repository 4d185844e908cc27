// The safetensors format: header parsing, tensor streaming over a ByteSource, and a writer.
// Layout: u64 LE header length N, N bytes of JSON (`{"__metadata__":{..}, name: {dtype, shape,
// data_offsets:[begin,end]}}`, padded with spaces to a multiple of 8), then the tensor data, with
// offsets relative to the end of the header.
// Owns: validation with errors that name the file and tensor; the exact byte layout Python's
// `safetensors` writes (so PEFT files we write are byte-identical to Python's).
// Never reads a whole checkpoint into memory: tensors are read one at a time, optionally in chunks.
import type { ByteSource } from './byte-source.ts';
import { DTYPE_BYTES, isSafetensorsDtype, type SafetensorsDtype } from './dtype.ts';

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offset in the file. */
  byteOffset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  file: string;
  /** Sorted by position in the file, so a sequential pass reads forward only. */
  tensors: TensorInfo[];
  metadata: Record<string, string> | null;
  /** Absolute offset of the data section (8 + header length). */
  dataStart: number;
}

/** One tensor as the reader yields it: its bytes in file dtype, little-endian, packed. */
export interface TensorBytes {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  bytes: Uint8Array;
}

export class SafetensorsFormatError extends Error {
  constructor(file: string, detail: string) {
    super(`${file}: not a valid safetensors file: ${detail}`);
    this.name = 'SafetensorsFormatError';
  }
}

/** How a Git LFS pointer file begins: what a clone without git-lfs leaves in place of each weight file. */
const GIT_LFS_POINTER = 'version https://git-lfs';

/** Python safetensors refuses headers above 100 MB; so do we (a corrupt length would read GBs). */
const MAX_HEADER_BYTES = 100_000_000;

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export async function readSafetensorsHeader(source: ByteSource): Promise<SafetensorsHeader> {
  const file = source.name;
  if (source.size < 8) throw new SafetensorsFormatError(file, `only ${source.size} bytes, less than the 8-byte header length`);
  const lenBytes = await source.read(0, 8);
  if (new TextDecoder().decode(lenBytes) === 'version ') {
    const start = new TextDecoder().decode(await source.read(0, Math.min(source.size, GIT_LFS_POINTER.length)));
    if (start === GIT_LFS_POINTER) {
      throw new SafetensorsFormatError(file, 'it is a Git LFS pointer (a small text file naming the weights), not the weights themselves: the folder was cloned without Git LFS. Run `git lfs pull` in it, or download the model with `hf download <repo id>`');
    }
  }
  const dv = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8);
  const headerLength = Number(dv.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES) throw new SafetensorsFormatError(file, `header length ${headerLength} exceeds ${MAX_HEADER_BYTES} bytes`);
  if (8 + headerLength > source.size) throw new SafetensorsFormatError(file, `header length ${headerLength} runs past the end of the ${source.size}-byte file`);
  const text = new TextDecoder().decode(await source.read(8, headerLength));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsFormatError(file, `header is not JSON (${(err as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new SafetensorsFormatError(file, 'header JSON is not an object');
  const dataStart = 8 + headerLength;
  const dataLength = source.size - dataStart;
  let metadata: Record<string, string> | null = null;
  const tensors: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(file, entry);
      continue;
    }
    tensors.push(parseTensorEntry(file, name, entry, dataStart, dataLength));
  }
  tensors.sort((a, b) => a.byteOffset - b.byteOffset);
  // Tensors must tile the data section without overlap (as Python's reader checks).
  let cursor = dataStart;
  for (const t of tensors) {
    if (t.byteOffset !== cursor) {
      throw new SafetensorsFormatError(file, `tensor "${t.name}" starts at data offset ${t.byteOffset - dataStart}, expected ${cursor - dataStart} (gap or overlap)`);
    }
    cursor += t.byteLength;
  }
  if (cursor !== source.size) {
    throw new SafetensorsFormatError(file, `tensors cover ${cursor - dataStart} data bytes but the file has ${dataLength} (truncated or trailing bytes)`);
  }
  return { file, tensors, metadata, dataStart };
}

function parseMetadata(file: string, entry: unknown): Record<string, string> {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new SafetensorsFormatError(file, '__metadata__ is not an object');
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== 'string') throw new SafetensorsFormatError(file, `__metadata__.${k} is not a string`);
  }
  return entry as Record<string, string>;
}

function parseTensorEntry(file: string, name: string, entry: unknown, dataStart: number, dataLength: number): TensorInfo {
  const bad = (detail: string) => new SafetensorsFormatError(file, `tensor "${name}": ${detail}`);
  if (!entry || typeof entry !== 'object') throw bad('entry is not an object');
  const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (!isSafetensorsDtype(dtype)) throw bad(`unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`shape ${JSON.stringify(shape)} is not a list of sizes`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw bad(`data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  const want = elementCount(shape) * DTYPE_BYTES[dtype];
  if (end - begin !== want) throw bad(`data_offsets span ${end - begin} bytes but ${dtype}${JSON.stringify(shape)} needs ${want}`);
  if (end > dataLength) throw bad(`data ends at ${end}, past the ${dataLength}-byte data section (truncated file?)`);
  return { name, dtype, shape: shape.slice(), byteOffset: dataStart + begin, byteLength: want };
}

/** Reads `length` bytes of a tensor starting `offset` bytes into it (chunked uploads use this). */
export function readTensorRange(source: ByteSource, tensor: TensorInfo, offset = 0, length = tensor.byteLength - offset): Promise<Uint8Array> {
  if (offset < 0 || length < 0 || offset + length > tensor.byteLength) {
    throw new RangeError(`${source.name}: tensor "${tensor.name}" has ${tensor.byteLength} bytes; asked for ${offset}..${offset + length}`);
  }
  return source.read(tensor.byteOffset + offset, length);
}

/** Yields the tensors one at a time in file order; the caller should drop each before the next. */
export async function* streamTensors(source: ByteSource, header?: SafetensorsHeader): AsyncGenerator<TensorBytes> {
  const h = header ?? (await readSafetensorsHeader(source));
  for (const t of h.tensors) {
    yield { name: t.name, dtype: t.dtype, shape: t.shape, bytes: await readTensorRange(source, t) };
  }
}

// ---------------------------------------------------------------------------------------------
// Writer

export interface TensorToWrite {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Little-endian element bytes, exactly elementCount(shape) × dtype size. */
  data: Uint8Array;
}

/** Python safetensors' dtype order (Rust `enum Dtype` declaration order); data is written with
 * higher dtypes first (for alignment), then by name. Copied so our files are byte-identical. */
const RUST_DTYPE_ORDER: string[] = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'];

/** `tensors` sorted in the order Python safetensors writes their data (in place). */
export function writeOrder<T extends Pick<TensorToWrite, 'name' | 'dtype'>>(tensors: T[]): T[] {
  return tensors.sort((a, b) => RUST_DTYPE_ORDER.indexOf(b.dtype) - RUST_DTYPE_ORDER.indexOf(a.dtype) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface SafetensorsLayout {
  /** The 8-byte length plus the space-padded JSON header. */
  prefix: Uint8Array;
  /** Tensors in the order their data follows the prefix. */
  order: TensorToWrite[];
  totalBytes: number;
}

/** Computes the header and data order without copying tensor data (a streaming writer writes
 * `prefix` then each `order[i].data`). */
export function safetensorsLayout(tensors: TensorToWrite[], metadata?: Record<string, string> | null): SafetensorsLayout {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === '__metadata__') throw new Error('a tensor may not be named "__metadata__"');
    if (seen.has(t.name)) throw new Error(`tensor "${t.name}" given twice`);
    seen.add(t.name);
    const want = elementCount(t.shape) * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== want) throw new Error(`tensor "${t.name}": ${t.data.byteLength} bytes given, ${t.dtype}${JSON.stringify(t.shape)} needs ${want}`);
  }
  const order = writeOrder(tensors.slice());
  const { prefix, dataBytes } = safetensorsHeader(order, metadata);
  return { prefix, order, totalBytes: prefix.byteLength + dataBytes };
}

/** The 8-byte length and JSON header of tensors laid out in the order given, and their data's size. */
export function safetensorsHeader(order: Array<Pick<TensorToWrite, 'name' | 'dtype' | 'shape'>>, metadata?: Record<string, string> | null): { prefix: Uint8Array; dataBytes: number } {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of order) {
    const bytes = elementCount(t.shape) * DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned (the reader relies on it for zero-copy).
  const jsonBytesLength = new TextEncoder().encode(json).byteLength;
  json += ' '.repeat((8 - (jsonBytesLength % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8 + jsonBytes.byteLength);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(jsonBytes.byteLength), true);
  prefix.set(jsonBytes, 8);
  return { prefix, dataBytes: offset };
}

/** The whole file in memory (adapters, dumps, tiny models). */
export function encodeSafetensors(tensors: TensorToWrite[], metadata?: Record<string, string> | null): Uint8Array {
  const layout = safetensorsLayout(tensors, metadata);
  const out = new Uint8Array(layout.totalBytes);
  out.set(layout.prefix, 0);
  let at = layout.prefix.byteLength;
  for (const t of layout.order) {
    out.set(t.data, at);
    at += t.data.byteLength;
  }
  return out;
}
