// Streams records out of a dataset file (a Blob/File in the browser, `fs.openAsBlob` in Node)
// in byte chunks: JSONL line by line (a .json file of lines too, even when its first line is
// broken), a top-level JSON array element by element, a wrapper object
// `{"data": [...]}` whose list comes after scalar fields the same way, and any other JSON object
// whole (one record, or the list found in it). Each record carries its 1-based
// line and 0-based index so every problem can be reported where it is. A Parquet file is read a row
// group at a time (parquet-records.ts; its rows have no line), a gzipped file of any of these after
// unzipping it in memory.
// A record's whole floats (`5.0`) come back boxed, as the parsers of argument text keep them
// (python/json-keeping-floats.ts): a call's arguments given as a JSON object train `5.0` as written.
// Never throws for bad content: undecodable bytes, broken JSON, oversized records and truncation
// become per-record errors, and reading goes on with the next record. Memory is bounded by the
// chunk size plus one record, except for a JSON object that is not a streamable wrapper: that is
// parsed whole, so it has a size cap of its own, as a gzipped file's unzipped bytes have.
import { parseJsonKeepingFloats } from './python/json-keeping-floats.ts';
import { isParquet, readParquetRecords } from './parquet-records.ts';
import { formatBytes, overLimit, RECORD_LIMITS } from './record-limits.ts';
import { notADataset } from './fileKinds.ts';

/** `line`: where the record starts in a text file; a Parquet row has none. */
export type RawRecord =
  | { line?: number; index: number; value: unknown; error?: undefined }
  | { line?: number; index: number; error: string; value?: undefined };

export interface RecordChunk {
  records: RawRecord[];
  bytesDone: number;
  bytesTotal: number;
}

export type FileLayout = 'jsonl' | 'json-array' | 'json-object';

export interface ReadOptions {
  /** Bytes read per step; each step is one chunk handed back (default 1 MiB). */
  chunkBytes?: number;
  /** A record bigger than this is reported and skipped without being held in memory (default 256 KiB, record-limits.ts). */
  maxRecordBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 1 << 20;
/** A JSON object file whose list cannot be streamed is decoded and parsed whole; above this size it is refused. */
export const MAX_WHOLE_OBJECT_BYTES = 64 << 20;
const NEWLINE = 0x0a;

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Decodes one record's bytes and parses it; errors name the line inside a multi-line record. */
function decodeRecord(bytes: Uint8Array, line: number, index: number): RawRecord {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    return { line, index, error: `not valid UTF-8 (bad byte 0x${bytes[bad]?.toString(16).padStart(2, '0')} at byte ${bad} of the record)` };
  }
  try {
    return { line, index, value: parseJsonKeepingFloats(text) };
  } catch (err) {
    return { line, index, error: describeJsonError(err as Error, text, line) };
  }
}

function describeJsonError(err: Error, text: string, line: number): string {
  const m = /position (\d+)/.exec(err.message);
  const msg = err.message.replace(/\s*\(line \d+ column \d+\)/, '');
  if (!m) return `invalid JSON: ${msg}`;
  const pos = Number(m[1]);
  const innerLine = line + (text.slice(0, pos).match(/\n/g)?.length ?? 0);
  const truncated = pos >= text.trimEnd().length - 1 && /end of (JSON|data)|Unterminated|Expected/.test(err.message);
  return `${truncated ? 'truncated JSON' : 'invalid JSON'}: ${msg}${innerLine !== line ? ` (at line ${innerLine})` : ''}`;
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return 0;
}

async function readSlice(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

const LIST_KEYS = ['data', 'examples', 'records', 'items', 'rows', 'samples', 'train', 'dataset'];
const JSON_STRING = '"(?:[^"\\\\]|\\\\.)*"';
const JSON_SCALAR = `(?:${JSON_STRING}|-?[0-9][0-9.eE+-]*|true|false|null)`;
/** `{ "version": 1, "data": [` — scalar properties, then a known list key: the list can be streamed. */
const WRAPPED_LIST = new RegExp(`^\\s*\\{\\s*(?:${JSON_STRING}\\s*:\\s*${JSON_SCALAR}\\s*,\\s*)*"(?:${LIST_KEYS.join('|')})"\\s*:\\s*\\[`);

export interface SniffedLayout {
  layout: FileLayout;
  /** For a wrapped list: byte offset of its '[' and the line it is on. */
  arrayStart?: number;
  arrayLine?: number;
  /**
   * A JSON object whose first line does not parse alone while the next line starts with '{': either
   * one object spanning lines, or JSONL (HF `to_json("x.json")`, BFCL's .json files) whose first
   * record is broken. Read as JSONL when the whole file does not parse as one value.
   */
  jsonlUnlessObject?: boolean;
}

const SNIFF_BYTES = 64 << 10;

/** Offset of the first newline in [from, limit), read a slice at a time; -1 if there is none. */
async function findNewline(blob: Blob, from: number, limit: number): Promise<number> {
  for (let offset = from; offset < limit; offset += SNIFF_BYTES) {
    const chunk = await readSlice(blob, offset, Math.min(limit, offset + SNIFF_BYTES));
    const nl = chunk.indexOf(NEWLINE);
    if (nl >= 0) return offset + nl;
  }
  return -1;
}

/**
 * Looks at the first bytes: JSONL if the name says so or the first line holds a whole value and
 * the next starts another. The first line is read to its end (up to `maxLineBytes`), so a first
 * record longer than the sniffed head still counts as a line of its own.
 */
export async function sniffLayout(blob: Blob, fileName: string, maxLineBytes: number = RECORD_LIMITS.maxRecordBytes): Promise<SniffedLayout> {
  if (/\.(jsonl|ndjson)$/i.test(fileName)) return { layout: 'jsonl' };
  const raw = await readSlice(blob, 0, Math.min(blob.size, SNIFF_BYTES));
  const bom = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
  const head = new TextDecoder().decode(raw.subarray(bom));
  const first = head.trimStart()[0];
  if (first === '[') return { layout: 'json-array' };
  if (first !== '{') return { layout: 'jsonl' };
  const nl = await findNewline(blob, bom, Math.min(blob.size, bom + Math.max(maxLineBytes, SNIFF_BYTES) + 1));
  const nextStartsRecord = nl >= 0 && new TextDecoder().decode(await readSlice(blob, nl + 1, Math.min(blob.size, nl + 1 + SNIFF_BYTES))).trimStart().startsWith('{');
  if (nextStartsRecord) {
    try {
      JSON.parse(new TextDecoder().decode(await readSlice(blob, bom, nl)));
      return { layout: 'jsonl' };
    } catch {
      /* a pretty-printed object, or JSONL with a broken first record: decided below */
    }
  }
  const wrapped = WRAPPED_LIST.exec(head);
  if (wrapped) {
    const prefix = wrapped[0].slice(0, -1); // up to, not including, the '['
    return {
      layout: 'json-array',
      arrayStart: bom + new TextEncoder().encode(prefix).length,
      arrayLine: 1 + (prefix.match(/\n/g)?.length ?? 0),
    };
  }
  return nextStartsRecord ? { layout: 'json-object', jsonlUnlessObject: true } : { layout: 'json-object' };
}

async function* readJsonl(blob: Blob, opts: Required<ReadOptions>): AsyncGenerator<RecordChunk> {
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let skipping = false; // inside an oversized line: discard until its newline
  let line = 1;
  let lineStart = 1;
  let index = 0;
  const finishLine = (records: RawRecord[]) => {
    if (skipping) {
      records.push({ line: lineStart, index: index++, error: overLimit(opts.maxRecordBytes, partBytes) });
    } else if (partBytes > 0) {
      const bytes = concat(parts, partBytes);
      if (!isBlank(bytes)) records.push(decodeRecord(bytes, lineStart, index++));
    }
    parts = [];
    partBytes = 0;
    skipping = false;
  };
  for (let offset = 0; offset < blob.size; offset += opts.chunkBytes) {
    const chunk = await readSlice(blob, offset, Math.min(blob.size, offset + opts.chunkBytes));
    const records: RawRecord[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, pos);
      const end = nl < 0 ? chunk.length : nl;
      if (partBytes === 0 && !skipping) lineStart = line;
      const piece = chunk.subarray(pos, end);
      if (partBytes + piece.length > opts.maxRecordBytes) {
        skipping = true;
        parts = [];
      } else if (!skipping && piece.length) parts.push(piece.slice());
      partBytes += piece.length;
      if (nl < 0) break;
      finishLine(records);
      line++;
      pos = nl + 1;
    }
    if (offset + opts.chunkBytes >= blob.size) finishLine(records);
    yield { records, bytesDone: Math.min(blob.size, offset + opts.chunkBytes), bytesTotal: blob.size };
  }
}

/** Only whitespace (after an optional UTF-8 byte-order mark). */
function isBlank(bytes: Uint8Array): boolean {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) return false;
  }
  return true;
}

/**
 * Splits a top-level JSON array into its elements by scanning bytes (structural characters are
 * ASCII, and UTF-8 continuation bytes never look like ASCII), so no more than one element is
 * decoded at a time.
 */
async function* readJsonArray(blob: Blob, opts: Required<ReadOptions>, from = 0, firstLine = 1): AsyncGenerator<RecordChunk> {
  const wrapped = from > 0; // inside `{"data": [...]}`: what follows the list is the wrapper's
  let depth = 0;
  const openers: number[] = []; // bytes of the open brackets, the root '[' first
  let inString = false;
  let escaped = false;
  let started = false; // seen the opening '['
  let closed = false;
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let skipping = false;
  let elementStart = -1; // offset in the current chunk where the element began
  let line = firstLine;
  let elementLine = firstLine;
  let index = 0;
  let trailing = false; // non-space bytes after the closing ']'
  const emit = (records: RawRecord[]) => {
    if (skipping) records.push({ line: elementLine, index: index++, error: overLimit(opts.maxRecordBytes, partBytes) });
    else if (partBytes > 0) {
      const bytes = concat(parts, partBytes);
      if (!isBlank(bytes)) records.push(decodeRecord(bytes, elementLine, index++));
      else records.push({ line: elementLine, index: index++, error: 'empty element (two commas in a row)' });
    }
    parts = [];
    partBytes = 0;
    skipping = false;
  };
  const keep = (chunk: Uint8Array, from: number, to: number) => {
    if (from < 0 || to <= from) return;
    if (partBytes + (to - from) > opts.maxRecordBytes) {
      skipping = true;
      parts = [];
    } else if (!skipping) parts.push(chunk.slice(from, to));
    partBytes += to - from;
  };
  for (let offset = from; offset < blob.size; offset += opts.chunkBytes) {
    const chunk = await readSlice(blob, offset, Math.min(blob.size, offset + opts.chunkBytes));
    const records: RawRecord[] = [];
    elementStart = depth >= 1 && started && !closed ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === NEWLINE) line++;
      if (closed) {
        if (b > 0x20 && !wrapped) trailing = true;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (b === 0x5c) escaped = true;
        else if (b === 0x22) inString = false;
        continue;
      }
      if (!started) {
        if (b === 0x5b) {
          started = true;
          depth = 1;
          openers.push(b);
          elementStart = i + 1;
          elementLine = line;
        }
        continue;
      }
      if (b === 0x22) inString = true;
      else if (b === 0x7b || b === 0x5b) {
        openers.push(b);
        depth++;
      } else if (b === 0x7d || b === 0x5d) {
        // A closer that does not match (e.g. `[}`) means this element is broken; resynchronise by
        // closing the unclosed brackets above the matching opener, never the root array, so the
        // following elements are still found. JSON.parse then reports the element itself.
        const opener = b === 0x7d ? 0x7b : 0x5b;
        const match = openers.lastIndexOf(opener);
        if (match < 0 || (match === 0 && depth > 1)) continue; // stray closer: ignore it
        openers.length = Math.max(match, 0);
        depth = openers.length;
        if (depth === 0) {
          keep(chunk, elementStart, i);
          if (partBytes > 0 || index > 0) emit(records);
          closed = true;
        }
      } else if (b === 0x2c && depth === 1) {
        keep(chunk, elementStart, i);
        emit(records);
        elementStart = i + 1;
        elementLine = line;
      } else if (depth === 1 && partBytes === 0 && elementStart === i && b <= 0x20) {
        elementStart = i + 1; // skip whitespace so the element's line is where its text starts
        elementLine = b === NEWLINE ? line : elementLine;
      }
    }
    if (!closed) keep(chunk, elementStart, chunk.length);
    const last = offset + opts.chunkBytes >= blob.size;
    if (last && !closed) {
      if (partBytes > 0 && !isBlank(concat(parts, partBytes))) {
        records.push({ line: elementLine, index: index++, error: 'truncated JSON: the file ends inside this record (missing "]" or "}")' });
      } else records.push({ line, index: index++, error: 'truncated JSON: the file ends before the closing "]"' });
    }
    if (last && trailing) records.push({ line, index: index++, error: 'unexpected text after the closing "]"' });
    yield { records, bytesDone: Math.min(blob.size, offset + opts.chunkBytes), bytesTotal: blob.size };
  }
}

/** A JSON object: either one record, or a wrapper whose list property holds the records. */
async function* readJsonObject(blob: Blob, opts: Required<ReadOptions>, jsonlUnlessObject = false): AsyncGenerator<RecordChunk> {
  // Too big to be read as one object anyway, and its second line starts a record: JSONL.
  if (jsonlUnlessObject && blob.size > MAX_WHOLE_OBJECT_BYTES) {
    yield* readJsonl(blob, opts);
    return;
  }
  if (blob.size > MAX_WHOLE_OBJECT_BYTES) {
    const error = `a JSON object of ${formatBytes(blob.size)} whose record list is not its first field after plain values cannot be streamed (limit ${formatBytes(MAX_WHOLE_OBJECT_BYTES)}); write the records as JSONL or as a top-level JSON array`;
    yield { records: [{ line: 1, index: 0, error }], bytesDone: blob.size, bytesTotal: blob.size };
    return;
  }
  const whole = decodeRecord(await readSlice(blob, 0, blob.size), 1, 0);
  if (whole.error !== undefined && jsonlUnlessObject) {
    // Not one object: JSONL whose first record is broken; each bad line is then reported alone.
    yield* readJsonl(blob, opts);
    return;
  }
  if (whole.error !== undefined) {
    yield { records: [whole], bytesDone: blob.size, bytesTotal: blob.size };
    return;
  }
  const obj = whole.value as Record<string, unknown>;
  const isList = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'object' && x !== null);
  const key = LIST_KEYS.find((k) => isList(obj[k])) ?? (Object.keys(obj).length === 1 ? Object.keys(obj).find((k) => isList(obj[k])) : undefined);
  const list = key ? (obj[key] as unknown[]) : [obj];
  // Elements parsed whole still get the per-record limit, measured as their JSON text; one too deep
  // to stringify is passed on for the importer's nesting check to name.
  const sizeOf = (value: unknown) => {
    try {
      return list.length === 1 ? blob.size : new TextEncoder().encode(JSON.stringify(value)).length;
    } catch {
      return 0;
    }
  };
  const records = list.map((value, index): RawRecord => {
    const bytes = sizeOf(value);
    if (bytes <= opts.maxRecordBytes) return { line: 1, index, value };
    return { line: 1, index, error: overLimit(opts.maxRecordBytes, bytes) };
  });
  yield { records, bytesDone: blob.size, bytesTotal: blob.size };
}

/** Bytes a gzipped file may hold: it is unpacked into memory, where an unzipped file is read from
 * disk a piece at a time. */
export const MAX_GUNZIPPED_BYTES = 2 * 2 ** 30;

function isGzip(head: Uint8Array): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

/** The file's bytes un-gzipped, or why they cannot be. */
async function gunzip(blob: Blob): Promise<Blob | string> {
  const parts: Uint8Array[] = [];
  let bytes = 0;
  const reader = blob.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      if (bytes > MAX_GUNZIPPED_BYTES) {
        await reader.cancel();
        return `it holds more than ${formatBytes(MAX_GUNZIPPED_BYTES)} unzipped, more than the studio unpacks in memory; unzip it and import the unzipped file, which is read from disk a piece at a time`;
      }
      parts.push(value);
    }
  } catch (err) {
    return `not a readable gzip file (${(err as Error)?.message ?? String(err)})`;
  }
  return new Blob(parts as BlobPart[]);
}

/** The records of a gzipped file, its progress counted in the file's own (compressed) bytes. */
async function* readGzipped(blob: Blob, fileName: string, options: ReadOptions): AsyncGenerator<RecordChunk> {
  const inner = await gunzip(blob);
  const innerName = fileName.replace(/\.gz$/i, '');
  const whole = (error: string): RecordChunk => ({ records: [{ index: 0, error }], bytesDone: blob.size, bytesTotal: blob.size });
  if (typeof inner === 'string') return void (yield whole(inner));
  const kind = await notADataset(new File([inner], innerName));
  if (kind) return void (yield whole(`it holds ${kind}, not a dataset`));
  for await (const chunk of readRecords(inner, innerName, options)) {
    yield { ...chunk, bytesDone: Math.round((chunk.bytesDone / Math.max(1, chunk.bytesTotal)) * blob.size), bytesTotal: blob.size };
  }
}

/** The records of a dataset file: JSONL, JSON, Parquet, or any of them gzipped. */
export async function* readRecords(blob: Blob, fileName: string, options: ReadOptions = {}): AsyncGenerator<RecordChunk> {
  const opts: Required<ReadOptions> = { chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES, maxRecordBytes: options.maxRecordBytes ?? RECORD_LIMITS.maxRecordBytes };
  if (blob.size === 0) return;
  const head = await readSlice(blob, 0, 4);
  if (isGzip(head)) return yield* readGzipped(blob, fileName, options);
  if (isParquet(head)) return yield* readParquetRecords(blob, opts.maxRecordBytes);
  const sniffed = await sniffLayout(blob, fileName, opts.maxRecordBytes);
  if (sniffed.layout === 'jsonl') yield* readJsonl(blob, opts);
  else if (sniffed.layout === 'json-array') yield* readJsonArray(blob, opts, sniffed.arrayStart ?? 0, sniffed.arrayLine ?? 1);
  else yield* readJsonObject(blob, opts, sniffed.jsonlUnlessObject);
}
