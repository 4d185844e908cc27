// Records out of a Parquet file: what Hugging Face's `datasets` writes (`push_to_hub`, `to_parquet`)
// and what the Hub's dataset viewer converts every dataset to, so often the only file a dataset page
// offers. Read a row group at a time (hyparquet, loaded only when a Parquet file comes), each row
// handed on as the JSON record it was written from, so format detection and the parsers see what a
// .jsonl of the same rows gives them.
// Parquet gives every row of a column the same fields: written from rows with different fields (tools
// with different parameters, calls with different arguments), a row holds null for each field it
// lacked. A struct's null field is therefore read as absent; a list keeps its nulls. Whole floats
// written as numbers (`5.0` in a double column) come back as numbers (5); ones inside JSON text, as
// xLAM writes its calls, keep their form. A column of bytes that are not text (an image beside the
// conversation) is left out of the record.
// Never throws for bad content: a file that is not readable Parquet, or a row group that cannot be
// decoded, becomes one record's error naming its rows, and reading goes on with the next row group.
import type { FileMetaData } from 'hyparquet';
import { overLimit } from './record-limits.ts';
import type { RawRecord, RecordChunk } from './record-reader.ts';

/** Parquet files start (and end) with these four bytes, "PAR1". */
export function isParquet(head: Uint8Array): boolean {
  return head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31;
}

/** Rows handed on per chunk: a row group of 100,000 rows still reaches the importer in steps. */
const ROWS_PER_CHUNK = 2048;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * A timestamp as the text it was most likely read from: pyarrow's JSON reader, which `datasets`
 * reads .jsonl with, stores strings that look like dates ("2025-11-13") as timestamps, so one at
 * midnight is written back as a date alone, any other without a time zone, as it was read.
 */
function dateText(d: Date): string | null {
  if (Number.isNaN(d.getTime())) return null;
  const iso = d.toISOString(); // 2025-11-13T10:30:00.000Z
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
}

/** A value as JSON would have given it; undefined for bytes that are not text (an image column
 * beside the conversation), which the record then goes without. */
function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value !== 'object') return typeof value === 'number' && !Number.isFinite(value) ? null : value;
  if (value instanceof Date) return dateText(value);
  if (value instanceof Uint8Array) {
    try {
      return utf8.decode(value); // text a writer stored without saying so
    } catch {
      return undefined;
    }
  }
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value as ArrayLike<unknown>, (v) => jsonValue(v) ?? null);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue; // a field this row did not have
    const json = jsonValue(v);
    if (json !== undefined) out[k] = json;
  }
  return out;
}

function describe(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

/** `blob` as hyparquet reads files: byte ranges on demand, so only the row group at hand is in memory. */
function asyncBuffer(blob: Blob) {
  return { byteLength: blob.size, slice: (start: number, end?: number) => blob.slice(start, end).arrayBuffer() };
}

export async function* readParquetRecords(blob: Blob, maxRecordBytes: number): AsyncGenerator<RecordChunk> {
  const [{ parquetMetadataAsync, parquetReadObjects }, { compressors }] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
  const file = asyncBuffer(blob);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    yield { records: [{ index: 0, error: `not a readable Parquet file: ${describe(err)}` }], bytesDone: blob.size, bytesTotal: blob.size };
    return;
  }
  const rowsTotal = Number(metadata.num_rows);
  /** Progress in the file's bytes, as the share of its rows read. */
  const bytesAt = (row: number) => Math.round((blob.size * Math.min(row, rowsTotal)) / Math.max(1, rowsTotal));
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Array<Record<string, unknown>>;
    try {
      // utf8: false leaves bytes not marked as text as bytes, for jsonValue to tell text from binary.
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors, utf8: false });
    } catch (err) {
      const error = `rows ${rowStart + 1}–${rowEnd} (a row group) could not be read: ${describe(err)}`;
      yield { records: [{ index: rowStart, error }], bytesDone: bytesAt(rowEnd), bytesTotal: blob.size };
      rowStart = rowEnd;
      continue;
    }
    for (let from = 0; from < rows.length; from += ROWS_PER_CHUNK) {
      const records = rows.slice(from, from + ROWS_PER_CHUNK).map((row, k): RawRecord => {
        const index = rowStart + from + k;
        try {
          const value = jsonValue(row);
          // Measured as the JSON it stands for, as a .jsonl line of it would be.
          const bytes = encoder.encode(JSON.stringify(value)).length;
          if (bytes > maxRecordBytes) return { index, error: overLimit(maxRecordBytes, bytes) };
          return { index, value };
        } catch (err) {
          return { index, error: `row could not be read: ${describe(err)}` };
        }
      });
      yield { records, bytesDone: bytesAt(rowStart + from + records.length), bytesTotal: blob.size };
    }
    rowStart = rowEnd;
  }
}
