// Zip writing (fflate) and a defensive zip reader for snapshot files dropped by users.
// The reader trusts nothing: it reads the central directory first and refuses the archive before
// inflating anything if the entry count, a name, a method or a declared size is out of bounds; then
// inflates each entry in small slices, stopping the moment the output exceeds its declared size
// (a lying header cannot become a zip bomb), and checks the size and CRC-32 of what came out.
// Never writes to disk, never follows paths: entries are only looked up by exact known names (in
// the one folder a re-zipped snapshot puts them all in; an archiver's folders and __MACOSX/ are passed over).
import { Inflate, Zip, ZipDeflate, ZipPassThrough, zipSync, type ZipOptions } from 'fflate';
import type { ZipLimits } from './limits.ts';
import { SnapshotError } from './validate.ts';
import { crc32 } from '../model/crc32.ts';

export { crc32 };

export interface ZipEntryToWrite {
  name: string;
  data: Uint8Array;
  /** Deflate level; 0 stores (for data that does not compress, such as f32 tensors). */
  level: 0 | 1 | 6 | 9;
}

/** fflate writes no ZIP64: every size and offset is 32 bits, so a .zip past 4 GiB comes out corrupt. */
export const ZIP_MAX_BYTES = 0xffffffff;

/** An entry given as its data's chunks in order (an export handed on a tensor at a time). */
export type ZipEntryInChunks = Omit<ZipEntryToWrite, 'data'> & { data: Uint8Array | Uint8Array[] };

const chunksOf = (data: Uint8Array | Uint8Array[]): Uint8Array[] => (Array.isArray(data) ? data : [data]);

/** Before anything is written: each name once, and the whole within what a .zip without ZIP64 holds. */
function checkEntries(entries: ZipEntryInChunks[]): void {
  // Each entry's uncompressed size is a 32-bit field too, so what is given is bounded, not what deflate makes of it.
  const bytes = entries.reduce((n, e) => n + chunksOf(e.data).reduce((m, c) => m + c.byteLength, 0) + 2 * (e.name.length + 64), 22);
  if (bytes > ZIP_MAX_BYTES) throw new Error(`a .zip holds at most 4 GiB, and these files make ${(bytes / 2 ** 30).toFixed(1)} GiB`);
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) throw new Error(`zip entry ${e.name} given twice`);
    names.add(e.name);
  }
}

/** Deterministic: same entries and mtime give the same bytes. */
export function writeZip(entries: ZipEntryToWrite[], mtime: Date): Uint8Array {
  checkEntries(entries);
  return zipSync(Object.fromEntries(entries.map((e): [string, [Uint8Array, ZipOptions]] => [e.name, [e.data, { level: e.level, mtime }]])));
}

/**
 * The archive as its parts in order, for a Blob: a stored entry's data is the very array given,
 * never copied, so gigabytes of weights are zipped without a second copy of them in memory (one
 * Uint8Array of the whole zip doubles what the tab holds). Written as a stream, each entry's CRC and
 * sizes follow its data (a data descriptor): the same files to any unzip tool, not writeZip's bytes.
 */
export function writeZipParts(entries: ZipEntryInChunks[], mtime: Date): Uint8Array[] {
  checkEntries(entries);
  const parts: Uint8Array[] = [];
  const zip = new ZipStream((part) => parts.push(part), mtime);
  for (const e of entries) {
    zip.entry(e.name, e.level);
    for (const c of chunksOf(e.data)) zip.push(c);
  }
  zip.end();
  return parts;
}

/** A .zip written as its entries are made, each entry's data in chunks, its parts handed to
 * `onPart` as they come (a stored chunk is the very array pushed): an export zipped while it is
 * made, a tensor at a time, never whole in memory. Refuses a second entry of a name, and an archive
 * past what a .zip without ZIP64 holds, as it reaches that size. */
export class ZipStream {
  private readonly zip: Zip;
  private file: ZipPassThrough | ZipDeflate | null = null;
  private readonly names = new Set<string>();
  private bytes = 22;
  private failed: Error | null = null;

  constructor(onPart: (part: Uint8Array) => void, private readonly mtime: Date) {
    // Synchronous: ZipPassThrough and ZipDeflate hand their output on within push().
    this.zip = new Zip((err, chunk) => (err ? (this.failed ??= err) : onPart(chunk)));
  }

  /** Ends the entry being written and starts `name`; level 0 stores it. */
  entry(name: string, level: ZipEntryToWrite['level']): void {
    this.endEntry();
    if (this.names.has(name)) throw new Error(`zip entry ${name} given twice`);
    this.names.add(name);
    this.count(2 * (name.length + 64));
    const file = level === 0 ? new ZipPassThrough(name) : new ZipDeflate(name, { level });
    file.mtime = this.mtime;
    this.zip.add(file);
    this.file = file;
  }

  push(chunk: Uint8Array): void {
    if (!this.file) throw new Error('zip: a chunk given before its entry');
    this.count(chunk.byteLength);
    this.file.push(chunk, false);
    this.check();
  }

  end(): void {
    this.endEntry();
    this.zip.end();
    this.check();
  }

  private endEntry(): void {
    this.file?.push(new Uint8Array(0), true);
    this.file = null;
    this.check();
  }

  private count(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > ZIP_MAX_BYTES) throw new Error(`a .zip holds at most 4 GiB, and these files make more`);
  }

  private check(): void {
    if (this.failed) throw this.failed;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
/** Compressed bytes fed to the inflater per push: bounds the output produced before each size check to ~1000× this. */
const INFLATE_SLICE_BYTES = 16 * 1024;

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function findEndOfCentralDirectory(bytes: Uint8Array, dv: DataView, label: string): number {
  const lowest = Math.max(0, bytes.byteLength - EOCD_MIN_BYTES - MAX_COMMENT_BYTES);
  for (let at = bytes.byteLength - EOCD_MIN_BYTES; at >= lowest; at--) {
    if (dv.getUint32(at, true) === EOCD_SIGNATURE) return at;
  }
  throw new SnapshotError(`${label}: not a zip file (no end-of-central-directory record)`);
}

/** Entries an archiver may add per snapshot entry when a user unzips a snapshot and zips it again
 * (macOS's Finder: the folder, `__MACOSX/` and its folders, a `._` twin per file, `.DS_Store`). */
const ARCHIVER_ENTRIES_PER_ENTRY = 4;

/** What an archiver adds that is no file of the snapshot: folder entries, macOS's `__MACOSX/`
 * resource forks and Finder's `.DS_Store`. Passed over, never inflated. */
function archiverResidue(name: string): boolean {
  return name.endsWith('/') || name.startsWith('__MACOSX/') || name.split('/').at(-1) === '.DS_Store';
}

/** The one folder every file sits directly in ("run/run.json", as zipping the unzipped folder
 * makes it), or '' when they are not all in one such folder. */
function commonFolder(names: string[]): string {
  const folder = names[0]?.match(/^(?!\.\.?\/)[^/]+\//)?.[0]; // never ".." or "." (a path trick, not a folder)
  return folder && names.every((n) => n.startsWith(folder) && !n.slice(folder.length).includes('/')) ? folder : '';
}

function readCentralDirectory(bytes: Uint8Array, limits: ZipLimits, label: string): CentralEntry[] {
  if (bytes.byteLength < EOCD_MIN_BYTES) throw new SnapshotError(`${label}: not a zip file (only ${bytes.byteLength} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(bytes, dv, label);
  const count = dv.getUint16(eocd + 10, true);
  const cdSize = dv.getUint32(eocd + 12, true);
  const cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new SnapshotError(`${label}: ZIP64 archives are not supported (snapshots are far smaller than 4 GB)`);
  const archiverEntries = ARCHIVER_ENTRIES_PER_ENTRY * limits.maxEntries;
  if (count > limits.maxEntries + archiverEntries) {
    throw new SnapshotError(`${label}: ${count} entries; a snapshot has at most ${limits.maxEntries} (and ${archiverEntries} that an archiver adds: folders, __MACOSX/, .DS_Store)`);
  }
  if (cdOffset + cdSize > eocd) throw new SnapshotError(`${label}: central directory runs past its end record (truncated or corrupt)`);
  const files: CentralEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || dv.getUint32(at, true) !== CENTRAL_SIGNATURE) throw new SnapshotError(`${label}: central directory entry ${i} is corrupt`);
    const nameLength = dv.getUint16(at + 28, true);
    const extraLength = dv.getUint16(at + 30, true);
    const commentLength = dv.getUint16(at + 32, true);
    if (at + 46 + nameLength > eocd) throw new SnapshotError(`${label}: central directory entry ${i} is truncated`);
    const name = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const entry: CentralEntry = {
      name,
      flags: dv.getUint16(at + 8, true),
      method: dv.getUint16(at + 10, true),
      crc32: dv.getUint32(at + 16, true),
      compressedSize: dv.getUint32(at + 20, true),
      size: dv.getUint32(at + 24, true),
      localOffset: dv.getUint32(at + 42, true),
    };
    if (!archiverResidue(name)) files.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  if (files.length > limits.maxEntries) throw new SnapshotError(`${label}: ${files.length} entries; a snapshot has at most ${limits.maxEntries}`);
  // A snapshot unzipped and zipped again as its folder: its files are read as they were named.
  const folder = commonFolder(files.map((e) => e.name));
  const entries: CentralEntry[] = [];
  let total = 0;
  for (const entry of files) {
    const name = entry.name.slice(folder.length);
    entry.name = name;
    const cap = limits.maxEntryBytes[name];
    if (cap === undefined) {
      throw new SnapshotError(`${label}: unexpected entry ${JSON.stringify(name.slice(0, 100))}; a snapshot holds only ${Object.keys(limits.maxEntryBytes).join(', ')}`);
    }
    if (entries.some((e) => e.name === name)) throw new SnapshotError(`${label}: entry ${name} appears twice`);
    if (entry.flags & 0x1) throw new SnapshotError(`${label}: entry ${name} is encrypted`);
    if (entry.method !== 0 && entry.method !== 8) throw new SnapshotError(`${label}: entry ${name} uses compression method ${entry.method} (only stored and deflate are supported)`);
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff) throw new SnapshotError(`${label}: entry ${name} uses ZIP64 sizes, which snapshots never need`);
    if (entry.size > cap) throw new SnapshotError(`${label}: entry ${name} declares ${entry.size} bytes uncompressed; the limit is ${cap}`);
    if (entry.method === 0 && entry.compressedSize !== entry.size) throw new SnapshotError(`${label}: stored entry ${name} has different compressed and uncompressed sizes`);
    total += entry.size;
    if (total > limits.maxTotalBytes) throw new SnapshotError(`${label}: entries declare more than ${limits.maxTotalBytes} bytes uncompressed in total`);
    entries.push(entry);
  }
  return entries;
}

class OutputTooLarge extends Error {}

/**
 * Inflates raw DEFLATE data into at most `maxBytes`, throwing `tooLarge()` as soon as more would
 * come out. Used for zip entries (cap = declared size) and share links (cap = a fixed budget).
 */
export function inflateCapped(data: Uint8Array, maxBytes: number, tooLarge: () => Error): Uint8Array {
  const out = new Uint8Array(maxBytes);
  let length = 0;
  const inflater = new Inflate((chunk) => {
    if (length + chunk.length > maxBytes) throw new OutputTooLarge();
    out.set(chunk, length);
    length += chunk.length;
  });
  try {
    if (data.length === 0) inflater.push(data, true);
    for (let at = 0; at < data.length; at += INFLATE_SLICE_BYTES) {
      inflater.push(data.subarray(at, at + INFLATE_SLICE_BYTES), at + INFLATE_SLICE_BYTES >= data.length);
    }
  } catch (err) {
    if (err instanceof OutputTooLarge) throw tooLarge();
    throw err;
  }
  return out.subarray(0, length);
}

function readEntry(bytes: Uint8Array, e: CentralEntry, label: string): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const where = `${label}: entry ${e.name}`;
  if (e.localOffset + 30 > bytes.byteLength || dv.getUint32(e.localOffset, true) !== LOCAL_SIGNATURE) throw new SnapshotError(`${where}: local header missing (corrupt archive)`);
  const dataStart = e.localOffset + 30 + dv.getUint16(e.localOffset + 26, true) + dv.getUint16(e.localOffset + 28, true);
  if (dataStart + e.compressedSize > bytes.byteLength) throw new SnapshotError(`${where}: data runs past the end of the file (truncated)`);
  const raw = bytes.subarray(dataStart, dataStart + e.compressedSize);
  let data: Uint8Array;
  if (e.method === 0) {
    data = raw;
  } else {
    try {
      data = inflateCapped(raw, e.size, () => new SnapshotError(`${where}: inflates to more than its declared ${e.size} bytes (refusing a zip bomb)`));
    } catch (err) {
      if (err instanceof SnapshotError) throw err;
      throw new SnapshotError(`${where}: corrupt compressed data (${(err as Error).message})`);
    }
  }
  if (data.length !== e.size) throw new SnapshotError(`${where}: ${data.length} bytes after inflating, but ${e.size} declared (corrupt)`);
  if (crc32(data) !== e.crc32) throw new SnapshotError(`${where}: CRC-32 mismatch (corrupt)`);
  return data;
}

/** The archive's entries by name, all checked against `limits`, or one SnapshotError naming the problem. */
export function readZip(bytes: Uint8Array, limits: ZipLimits, label: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const e of readCentralDirectory(bytes, limits, label)) out.set(e.name, readEntry(bytes, e, label));
  return out;
}
