// An importance matrix as llama.cpp keeps one (llama-imatrix's file, llama-quantize --imatrix's
// input): for each weight matrix, the sum over many tokens of each input column's squared
// activation, and how many tokens. Quantizing with it (ggufQuant.ts) spends the K-quants' rounding
// where the model's activations make it matter least. The studio collects one from a run's own
// training examples (importanceCollect.ts), and reads and writes llama.cpp's files: the GGUF format
// (general.type "imatrix", `<weight>.in_sum2` and `<weight>.counts` tensors) and the older
// imatrix.dat. Only dense models: one matrix per weight (no experts).
import type { ByteSource } from '../model/byte-source.ts';
import { GGUF_MAGIC, ggufLayout, type GgufValue } from './ggufFile.ts';
import { readGgufHeader } from './ggufReadBack.ts';

export interface ImportanceEntry {
  /** Σ x² over the tokens, one per input column of the weight. */
  sums: Float32Array;
  /** What the sums are divided by: the tokens summed (imatrix.dat's calls, whose sums are scaled to them). */
  count: number;
}

export interface ImportanceMatrix {
  /** By llama.cpp's weight name (blk.0.attn_q.weight). */
  entries: Map<string, ImportanceEntry>;
  /** What it was collected from (imatrix.datasets). */
  datasets: string[];
  /** Sequences (llama-imatrix's chunks) it was collected over, and the tokens of the longest. */
  chunkCount: number;
  chunkSize: number;
}

/** What llama-quantize weighs a weight's columns by: each column's mean squared activation (its sum
 * over its tokens), 1 for every column of a weight no token reached; null for a weight the matrix
 * does not name (quantized without one, as llama-quantize does). Throws for a weight whose columns
 * are not the entry's (a matrix of another model). */
export function importanceWeights(matrix: ImportanceMatrix, name: string, cols: number): Float32Array | null {
  const e = matrix.entries.get(name);
  if (!e) return null;
  if (e.sums.length !== cols) throw new ImportanceOfAnotherModelError(`the importance matrix has ${e.sums.length} values for ${name}, which has ${cols} columns`);
  if (e.count <= 0) return new Float32Array(cols).fill(1);
  const count = Math.fround(e.count);
  return e.sums.map((s) => Math.fround(s / count));
}

export class ImportanceOfAnotherModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportanceOfAnotherModelError';
  }
}

const DATASETS = 'imatrix.datasets';
const CHUNK_COUNT = 'imatrix.chunk_count';
const CHUNK_SIZE = 'imatrix.chunk_size';

/** The matrix as the GGUF file llama-imatrix writes (its tensors in name order, as it sorts them):
 * what `llama-quantize --imatrix` reads, for types the studio does not make (IQ4_XS, Q3_K_M…). */
export function importanceMatrixFile(matrix: ImportanceMatrix): Uint8Array {
  const names = [...matrix.entries.keys()].sort();
  const tensors = names.flatMap((name) => {
    const e = matrix.entries.get(name)!;
    return [
      { name: `${name}.in_sum2`, shape: [1, e.sums.length], type: 'F32' as const, data: e.sums },
      { name: `${name}.counts`, shape: [1, 1], type: 'F32' as const, data: Float32Array.of(e.count) },
    ];
  });
  const metadata: Array<[string, GgufValue]> = [
    ['general.type', { type: 'string', value: 'imatrix' }],
    [DATASETS, { type: 'string[]', value: matrix.datasets }],
    [CHUNK_COUNT, { type: 'u32', value: matrix.chunkCount }],
    [CHUNK_SIZE, { type: 'u32', value: matrix.chunkSize }],
  ];
  const layout = ggufLayout(metadata, tensors);
  const out = new Uint8Array(layout.header.byteLength + layout.dataBytes);
  out.set(layout.header);
  layout.tensors.forEach((t, i) => out.set(new Uint8Array(tensors[i].data.buffer, tensors[i].data.byteOffset, tensors[i].data.byteLength), layout.header.byteLength + t.offset));
  return out;
}

/** A llama.cpp importance matrix file: the GGUF format, or the older imatrix.dat. */
export async function readImportanceMatrix(file: ByteSource): Promise<ImportanceMatrix> {
  if (file.size < 4) throw new Error(`${file.name} is not an importance matrix (it is ${file.size} bytes long)`);
  const head = await file.read(0, 4);
  const magic = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
  return magic === GGUF_MAGIC ? readGgufImportance(file) : readLegacyImportance(file);
}

async function readGgufImportance(file: ByteSource): Promise<ImportanceMatrix> {
  const header = await readGgufHeader(file, ['general.type', DATASETS, CHUNK_COUNT, CHUNK_SIZE]);
  const kind = header.values.get('general.type');
  if (kind !== 'imatrix') throw new Error(`${file.name} is a GGUF file but not an importance matrix (its general.type is ${kind === undefined ? 'not given' : `"${kind}"`}; llama-imatrix writes "imatrix")`);
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  const entries = new Map<string, ImportanceEntry>();
  for (const t of header.tensors) {
    if (!t.name.endsWith('.in_sum2')) continue;
    const name = t.name.slice(0, -'.in_sum2'.length);
    const counts = byName.get(`${name}.counts`);
    if (!counts) throw new Error(`${file.name}: ${name} has sums but no counts`);
    if (t.type !== 'F32' || counts.type !== 'F32') throw new Error(`${file.name}: ${name}'s sums and counts are not F32`);
    const matrices = t.shape.length > 1 ? t.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
    if (matrices !== 1) throw new Error(`${file.name}: ${name} holds ${matrices} matrices (a mixture of experts); the studio's models have one per weight`);
    const cols = t.shape[t.shape.length - 1];
    const sums = floats(await file.read(t.offset, cols * 4));
    const count = floats(await file.read(counts.offset, 4))[0];
    entries.set(name, { sums, count: Math.round(count) });
  }
  if (entries.size === 0) throw new Error(`${file.name}: an importance matrix with no weights in it`);
  const datasets = header.values.get(DATASETS);
  const number = (key: string) => {
    const v = header.values.get(key);
    return typeof v === 'number' ? v : 0;
  };
  return { entries, datasets: Array.isArray(datasets) ? datasets : [], chunkCount: number(CHUNK_COUNT), chunkSize: number(CHUNK_SIZE) };
}

/** Little-endian f32s copied out of `bytes` (a view, maybe of a larger or pooled buffer). */
function floats(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** imatrix.dat: entries of (name, calls, values), each value the mean squared activation times the
 * calls; optionally the chunk count and dataset after. Read as llama-quantize reads it (sums over
 * `calls`), so its weights are the file's. */
async function readLegacyImportance(file: ByteSource): Promise<ImportanceMatrix> {
  const bytes = await file.read(0, file.size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notOne = (why: string) => new Error(`${file.name} is neither a GGUF nor an imatrix.dat importance matrix (${why})`);
  let at = 0;
  const i32 = () => {
    if (at + 4 > bytes.byteLength) throw notOne(`it ends early, at byte ${at}`);
    const v = view.getInt32(at, true);
    at += 4;
    return v;
  };
  const n = i32();
  if (n < 1 || n > 1e6) throw notOne(`it would hold ${n} entries`);
  const entries = new Map<string, ImportanceEntry>();
  for (let i = 0; i < n; i++) {
    const len = i32();
    if (len < 1 || at + len > bytes.byteLength) throw notOne(`entry ${i + 1}'s name is ${len} bytes long`);
    const name = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at, at + len));
    at += len;
    const calls = i32();
    const values = i32();
    if (values < 1 || at + values * 4 > bytes.byteLength) throw notOne(`entry ${name} would hold ${values} values`);
    entries.set(name, { sums: floats(bytes.subarray(at, at + values * 4)), count: calls });
    at += values * 4;
  }
  let chunkCount = 0;
  const datasets: string[] = [];
  if (at + 4 <= bytes.byteLength) {
    chunkCount = i32();
    if (at + 4 <= bytes.byteLength) {
      const len = i32();
      if (len > 0 && at + len <= bytes.byteLength) datasets.push(new TextDecoder().decode(bytes.subarray(at, at + len)));
    }
  }
  return { entries, datasets, chunkCount, chunkSize: 0 };
}

/** What llama-quantize records in the file it quantizes with a matrix (quantize.imatrix.*): the
 * matrix's file name, its first dataset, its entries and its chunks. */
export function importanceMetadata(matrix: ImportanceMatrix, fileName: string): Array<[string, GgufValue]> {
  const out: Array<[string, GgufValue]> = [['quantize.imatrix.file', { type: 'string', value: fileName.slice(0, 127) }]];
  if (matrix.datasets.length > 0) out.push(['quantize.imatrix.dataset', { type: 'string', value: matrix.datasets[0].slice(0, 127) }]);
  out.push(['quantize.imatrix.entries_count', { type: 'u32', value: matrix.entries.size }]);
  if (matrix.chunkCount > 0) out.push(['quantize.imatrix.chunks_count', { type: 'u32', value: matrix.chunkCount }]);
  return out;
}
