// A GGUF the export wrote, read back as the Hugging Face model folder the engine opens: the source
// model's config and tokenizer files, and a model.safetensors made on demand from the GGUF's
// tensors, each dequantized as llama.cpp reads it (ggufDequant.ts), Llama's Q/K rows put back in
// Hugging Face's order. Nothing is copied up front: the engine's reads of row ranges become reads
// of the GGUF's blocks for those rows, so a quantized file is checked in the memory of its weights.
import type { ByteSource } from '../model/byte-source.ts';
import { weightManifest, type ModelSpec } from '../model/config.ts';
import { f32ToF16Bits } from '../model/dtype.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { safetensorsHeader } from '../model/safetensors.ts';
import { SINGLE_FILE, INDEX_FILE } from '../model/checkpoint.ts';
import { dequantize } from './ggufDequant.ts';
import { alignUp, ggmlTensorBytes, GGML_TYPE, GGUF_ALIGNMENT, GGUF_MAGIC, type GgmlTypeName } from './ggufFile.ts';
import { ggufTensorName, ropeRowOrder } from './ggufExport.ts';

export interface GgufTensorEntry {
  name: string;
  /** Outermost first, as Hugging Face and the engine write shapes. */
  shape: number[];
  type: GgmlTypeName;
  /** From the start of the file. */
  offset: number;
}

const GGML_NAME = new Map<number, GgmlTypeName>(Object.entries(GGML_TYPE).map(([name, id]) => [id, name as GgmlTypeName]));
/** ggml's other tensor types (ggml.h `enum ggml_type`), by name for the refusal of a file holding one. */
const OTHER_GGML_TYPES: Record<number, string> = { 9: 'Q8_1', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS', 19: 'IQ1_S', 21: 'IQ3_S', 22: 'IQ2_S', 29: 'IQ1_M', 34: 'TQ1_0', 35: 'TQ2_0', 39: 'MXFP4' };
/** llama.cpp's names of its file types (`enum llama_ftype`, general.file_type), as llama-quantize takes them. */
const FILE_TYPE_NAME: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M', 13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M',
  18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS', 21: 'Q2_K_S', 22: 'IQ3_XS', 23: 'IQ3_XXS', 24: 'IQ1_S', 25: 'IQ4_NL', 26: 'IQ3_S', 27: 'IQ3_M', 28: 'IQ2_S', 29: 'IQ2_M', 30: 'IQ4_XS', 31: 'IQ1_M', 32: 'BF16',
};
/** What the read-back reads, for the refusal of a file it cannot. */
const READABLE = 'F32, F16, BF16, Q8_0, Q6_K, Q5_K, Q5_1, Q5_0, Q4_K, Q4_1, Q4_0, Q3_K, Q2_K, IQ4_XS and IQ4_NL (those of F16, Q8_0, Q6_K, Q5_K_M/S, Q5_0/1, Q4_K_M/S, Q4_0/1, Q3_K_S/M/L, Q2_K and IQ4_XS/NL files)';
/** Bytes of each GGUF metadata value type of fixed size (gguf.h `enum gguf_type`; 8 string, 9 array). */
const VALUE_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

export interface GgufHeader {
  tensors: GgufTensorEntry[];
  /** general.file_type in llama-quantize's words (Q4_K_M), null where the file does not say. */
  fileType: string | null;
  /** The `wanted` metadata the file holds, where each is a number, a string or a list of strings. */
  values: Map<string, number | string | string[]>;
}

/** The tensor table of a GGUF file, its file type and the `wanted` metadata (the rest walked past,
 * general.alignment honoured). A tensor of a type the read-back cannot dequantize is refused here,
 * by name, before anything is read or run. */
export async function readGgufHeader(file: ByteSource, wanted: readonly string[] | ((key: string) => boolean) = []): Promise<GgufHeader> {
  const wants = typeof wanted === 'function' ? wanted : (key: string) => wanted.includes(key);
  const r = new ChunkReader(file);
  if ((await r.u32()) !== GGUF_MAGIC) throw new Error(`${file.name} is not a GGUF file`);
  const version = await r.u32();
  if (version !== 3) throw new Error(`${file.name}: GGUF version ${version}; the read-back knows version 3`);
  const tensorCount = await r.u64();
  const kvCount = await r.u64();
  let alignment = GGUF_ALIGNMENT;
  let fileType: string | null = null;
  const values = new Map<string, number | string | string[]>();
  for (let i = 0; i < kvCount; i++) {
    const key = await r.string();
    const type = await r.u32();
    if (key === 'general.alignment' && type === 4) alignment = await r.u32();
    else if (key === 'general.file_type' && type === 4) {
      const id = await r.u32();
      fileType = FILE_TYPE_NAME[id] ?? `file type ${id}`;
    } else if (wants(key) && (type === 4 || type === 5)) values.set(key, type === 4 ? await r.u32() : await r.i32());
    else if (wants(key) && type === 8) values.set(key, await r.string());
    else if (wants(key) && type === 9) {
      const elem = await r.u32();
      const count = await r.u64();
      if (elem !== 8) {
        for (let j = 0; j < count; j++) await r.skipValue(elem);
        continue;
      }
      const list: string[] = [];
      for (let j = 0; j < count; j++) list.push(await r.string());
      values.set(key, list);
    } else await r.skipValue(type);
  }
  const infos: GgufTensorEntry[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = await r.string();
    const dims = await r.u32();
    const ne: number[] = [];
    for (let d = 0; d < dims; d++) ne.push(await r.u64());
    const id = await r.u32();
    const type = GGML_NAME.get(id);
    if (!type) throw new Error(`${file.name}: tensor ${name} is ${OTHER_GGML_TYPES[id] ?? `of ggml type ${id}`}, which the studio cannot read; it reads ${READABLE}`);
    infos.push({ name, shape: ne.reverse(), type, offset: await r.u64() });
  }
  const dataStart = alignUp(r.position, alignment);
  return { tensors: infos.map((t) => ({ ...t, offset: dataStart + t.offset })), fileType, values };
}

/** A GGUF whose tensors are not the model's (a name it lacks, a shape that differs): a file of
 * another model, which the caller names as such in its own words. */
export class GgufOfAnotherModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GgufOfAnotherModelError';
  }
}

/** `source`'s files with `gguf`'s weights as its model.safetensors (`header`: the file's, where the
 * caller read it already). All f16 where every matrix is f16 or quantized (values f16 holds to well
 * within their own rounding), all f32 where one is f32 or bf16 (which f16 would round, or not hold). */
export async function ggufAsModelFiles(source: ModelFiles, spec: ModelSpec, gguf: ByteSource, header?: GgufHeader): Promise<ModelFiles> {
  const table = new Map((header ?? (await readGgufHeader(gguf))).tensors.map((t) => [t.name, t]));
  const tensors = weightManifest(spec).map((w) => {
    const t = table.get(ggufTensorName(w.name));
    if (!t) throw new GgufOfAnotherModelError(`${gguf.name}: it has no tensor ${ggufTensorName(w.name)} for ${w.name}`);
    if (t.shape.join() !== w.shape.join()) throw new GgufOfAnotherModelError(`${gguf.name}: ${t.name} is [${t.shape}], the model's ${w.name} is [${w.shape}]`);
    return { w, t };
  });
  const as: 'F32' | 'F16' = tensors.some(({ w, t }) => t.type === 'BF16' || (t.type === 'F32' && w.shape.length > 1)) ? 'F32' : 'F16';
  const width = as === 'F32' ? 4 : 2;
  let at = 0;
  const order = tensors.map(({ w, t }) => {
    const rows = w.shape.length > 1 ? w.shape[0] : 1;
    const cols = w.shape.reduce((a, b) => a * b, 1) / rows;
    const heads = spec.family !== 'llama' ? 0 : /\.q_proj\./.test(w.name) ? spec.numHeads : /\.k_proj\./.test(w.name) ? spec.numKvHeads : 0;
    // The GGUF holds Hugging Face's row order[p] at p: where each row is in the file.
    const fileRow = heads > 0 ? new Int32Array(rows) : null;
    if (fileRow) ropeRowOrder(rows, heads).forEach((hf, p) => (fileRow[hf] = p));
    const entry = { name: w.name, dtype: as, shape: w.shape, gguf: t, rows, cols, fileRow, start: at, rowLen: cols * width };
    at += rows * entry.rowLen;
    return entry;
  });
  const { prefix, dataBytes } = safetensorsHeader(order, { format: 'pt' });
  for (const t of order) t.start += prefix.byteLength;

  /** Rows r0..r0+n of one tensor, in Hugging Face's row order, as `as` bytes. */
  async function readRows(t: (typeof order)[number], r0: number, n: number): Promise<Uint8Array> {
    const { cols, fileRow } = t;
    const rowBytes = ggmlTensorBytes(t.gguf.type, [1, cols]);
    let values: Float32Array;
    if (fileRow) {
      // Rows reordered for llama.cpp: the whole (small) tensor is read and its rows put back.
      const all = dequantize(t.gguf.type, await gguf.read(t.gguf.offset, rowBytes * t.rows), t.rows * cols);
      values = new Float32Array(n * cols);
      for (let r = 0; r < n; r++) values.set(all.subarray(fileRow[r0 + r] * cols, (fileRow[r0 + r] + 1) * cols), r * cols);
    } else {
      values = dequantize(t.gguf.type, await gguf.read(t.gguf.offset + r0 * rowBytes, n * rowBytes), n * cols);
    }
    if (as === 'F32') return new Uint8Array(values.buffer);
    const out = new Uint16Array(values.length);
    for (let k = 0; k < values.length; k++) out[k] = f32ToF16Bits(values[k]);
    return new Uint8Array(out.buffer);
  }

  const weights: ByteSource = {
    name: `${gguf.name} (read back)`,
    size: prefix.byteLength + dataBytes,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > this.size) throw new RangeError(`${this.name}: ${length} bytes at ${offset} are past its ${this.size}`);
      const out = new Uint8Array(length);
      if (offset < prefix.byteLength) out.set(prefix.subarray(offset, Math.min(prefix.byteLength, offset + length)));
      // Each tensor the range touches: its whole rows read back, the part asked for copied.
      for (const t of order) {
        const lo = Math.max(offset, t.start);
        const hi = Math.min(offset + length, t.start + t.rows * t.rowLen);
        if (lo >= hi) continue;
        const r0 = Math.floor((lo - t.start) / t.rowLen);
        const r1 = Math.ceil((hi - t.start) / t.rowLen);
        const bytes = await readRows(t, r0, r1 - r0);
        out.set(bytes.subarray(lo - t.start - r0 * t.rowLen, hi - t.start - r0 * t.rowLen), lo - offset);
      }
      return out;
    },
    close: async () => undefined,
  };
  return {
    label: `${source.label} as ${gguf.name}`,
    open: async (name) => (name === SINGLE_FILE ? weights : name === INDEX_FILE || /\.safetensors$/.test(name) ? null : source.open(name)),
  };
}

/** A GGUF file's weights to answer with in place of `source`'s (an evaluation of the file): the
 * model files as ggufAsModelFiles makes them, what the file says it is, and its size. Refused, by
 * the file's name and the tensor, before anything runs when it is not this model's. */
export async function openGgufWeights(source: ModelFiles, spec: ModelSpec, gguf: ByteSource): Promise<{ files: ModelFiles; gguf: { fileName: string; bytes: number; fileType: string | null } }> {
  const header = await readGgufHeader(gguf);
  const files = await ggufAsModelFiles(source, spec, gguf, header);
  return { files, gguf: { fileName: gguf.name, bytes: gguf.size, fileType: header.fileType } };
}

/** Sequential reads of a GGUF's header through a ByteSource, a megabyte at a time. */
class ChunkReader {
  private buf: Uint8Array = new Uint8Array(0);
  private at = 0;
  private base = 0;
  constructor(private readonly file: ByteSource) {}

  get position(): number {
    return this.base + this.at;
  }

  private async need(n: number): Promise<DataView> {
    if (this.at + n > this.buf.byteLength) {
      const from = this.base + this.at;
      const length = Math.min(Math.max(n, 2 ** 20), this.file.size - from);
      if (length < n) throw new Error(`${this.file.name}: its header ends early (at byte ${from})`);
      this.buf = await this.file.read(from, length);
      this.base = from;
      this.at = 0;
    }
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.at, n);
    this.at += n;
    return view;
  }

  async u32(): Promise<number> {
    return (await this.need(4)).getUint32(0, true);
  }

  async i32(): Promise<number> {
    return (await this.need(4)).getInt32(0, true);
  }

  async u64(): Promise<number> {
    const v = (await this.need(8)).getBigUint64(0, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${this.file.name}: a count or offset past 2^53 in its header`);
    return Number(v);
  }

  async string(): Promise<string> {
    const n = await this.u64();
    const view = await this.need(n);
    return new TextDecoder().decode(new Uint8Array(view.buffer, view.byteOffset, n));
  }

  async skipValue(type: number): Promise<void> {
    if (type === 8) {
      await this.need(await this.u64());
    } else if (type === 9) {
      const elem = await this.u32();
      const count = await this.u64();
      if (VALUE_BYTES[elem] !== undefined) await this.need(VALUE_BYTES[elem] * count);
      else for (let i = 0; i < count; i++) await this.skipValue(elem);
    } else if (VALUE_BYTES[type] !== undefined) {
      await this.need(VALUE_BYTES[type]);
    } else {
      throw new Error(`${this.file.name}: metadata of unknown type ${type}`);
    }
  }
}
