// The defensive zip reader: reads what writeZip writes (stored and deflated), and refuses zip bombs
// and corrupt archives before or while inflating: too many entries, unknown names, declared sizes
// over the caps, entries that inflate to more than they declare (a lying header), CRC mismatches
// and truncation. Limits here are tiny so the hostile cases cost kilobytes, not gigabytes.
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { ZipLimits } from '../../src/snapshot/limits.ts';
import { SnapshotError } from '../../src/snapshot/validate.ts';
import { crc32, readZip, writeZip, writeZipParts, ZipStream } from '../../src/snapshot/zip.ts';

const limits: ZipLimits = { maxEntries: 3, maxTotalBytes: 300_000, maxEntryBytes: { 'a.txt': 200_000, 'b.bin': 200_000, 'c.json': 1000 } };
const when = new Date(Date.UTC(2025, 5, 1));

function refused(bytes: Uint8Array, l: ZipLimits = limits): string {
  try {
    readZip(bytes, l, 'test.zip');
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError);
    return (err as Error).message;
  }
  throw new Error('the archive was accepted');
}

/** Rewrites the uncompressed size of `name` in the central directory (as a hostile writer would). */
function lieAboutSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice();
  const dv = new DataView(out.buffer);
  for (let at = 0; at + 46 < out.length; at++) {
    if (dv.getUint32(at, true) !== 0x02014b50) continue;
    const nameLength = dv.getUint16(at + 28, true);
    if (new TextDecoder().decode(out.subarray(at + 46, at + 46 + nameLength)) === name) {
      dv.setUint32(at + 24, size, true);
      return out;
    }
  }
  throw new Error(`no central entry ${name}`);
}

describe('zip reader', () => {
  it('reads back stored and deflated entries exactly', () => {
    const text = new TextEncoder().encode('hello snapshot '.repeat(1000));
    const floats = new Uint8Array(new Float32Array([1.5, -2, 3e-8, NaN]).buffer);
    const zip = writeZip(
      [
        { name: 'a.txt', data: text, level: 9 },
        { name: 'b.bin', data: floats, level: 0 },
      ],
      when,
    );
    const entries = readZip(zip, limits, 'test.zip');
    expect(entries.get('a.txt')).toEqual(text);
    expect(entries.get('b.bin')).toEqual(floats);
    expect(zip.length).toBeLessThan(text.length / 10); // it really was deflated
  });

  it('matches the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('refuses more entries than allowed before inflating anything', () => {
    const zip = zipSync({ 'a.txt': new Uint8Array(1), 'b.bin': new Uint8Array(1), 'c.json': new Uint8Array(1), 'd.txt': new Uint8Array(1) });
    expect(refused(zip)).toBe('test.zip: 4 entries; a snapshot has at most 3');
  });

  it('reads a snapshot unzipped and zipped again on a Mac: its folder, __MACOSX/ twins and .DS_Store are passed over', () => {
    // Finder's Compress wrote 8 entries ("run/", "run/a.txt", "__MACOSX/run/._a.txt", …): refused as
    // '8 entries; a snapshot has at most 3', and with fewer, as 'unexpected entry "run/"', with no way out.
    const a = new TextEncoder().encode('hello');
    const c = new TextEncoder().encode('{}');
    const fork = new Uint8Array(4096);
    const folder = zipSync({ 'run/': new Uint8Array(0), 'run/a.txt': a, 'run/c.json': c, 'run/.DS_Store': new Uint8Array(6148), '__MACOSX/': new Uint8Array(0), '__MACOSX/run/': new Uint8Array(0), '__MACOSX/run/._a.txt': fork, '__MACOSX/run/._c.json': fork });
    const entries = readZip(folder, limits, 'test.zip');
    expect([...entries.keys()]).toEqual(['a.txt', 'c.json']);
    expect(entries.get('a.txt')).toEqual(a);
    // The files compressed as they are (no folder) come with __MACOSX/ twins too.
    const loose = readZip(zipSync({ 'a.txt': a, 'c.json': c, '__MACOSX/': new Uint8Array(0), '__MACOSX/._a.txt': fork, '__MACOSX/._c.json': fork }), limits, 'test.zip');
    expect([...loose.keys()]).toEqual(['a.txt', 'c.json']);
    // Only one folder around them all: files in two folders, or deeper, are still no snapshot's.
    expect(refused(zipSync({ 'x/a.txt': a, 'y/c.json': c }))).toMatch(/^test\.zip: unexpected entry "x\/a\.txt"/);
    expect(refused(zipSync({ '../c.json': c }))).toMatch(/^test\.zip: unexpected entry "\.\.\/c\.json"/);
    expect(refused(zipSync({ 'x/y/a.txt': a }))).toMatch(/^test\.zip: unexpected entry "x\/y\/a\.txt"/);
    // What the archiver adds is bounded too: a flood of folders is refused before anything is read.
    const flood = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}/`, new Uint8Array(0)]));
    expect(refused(zipSync({ ...flood, 'a.txt': a }))).toBe('test.zip: 21 entries; a snapshot has at most 3 (and 12 that an archiver adds: folders, __MACOSX/, .DS_Store)');
  });

  it('refuses unknown entry names, including path tricks', () => {
    expect(refused(zipSync({ '../evil.sh': new Uint8Array(1) }))).toMatch(/^test\.zip: unexpected entry "\.\.\/evil\.sh"; a snapshot holds only a\.txt, b\.bin, c\.json$/);
  });

  it('refuses an entry whose declared size is over its cap', () => {
    expect(refused(zipSync({ 'c.json': new Uint8Array(1001) }))).toBe('test.zip: entry c.json declares 1001 bytes uncompressed; the limit is 1000');
  });

  it('refuses archives whose declared sizes add up past the total cap', () => {
    const zip = zipSync({ 'a.txt': new Uint8Array(180_000), 'b.bin': new Uint8Array(180_000) });
    expect(refused(zip)).toBe('test.zip: entries declare more than 300000 bytes uncompressed in total');
  });

  it('stops inflating a zip bomb whose header lies about its size', () => {
    // 190 KB of zeros deflate to a few hundred bytes; the header claims 100 bytes.
    const bomb = lieAboutSize(zipSync({ 'a.txt': new Uint8Array(190_000) }, { level: 9 }), 'a.txt', 100);
    expect(refused(bomb)).toBe('test.zip: entry a.txt: inflates to more than its declared 100 bytes (refusing a zip bomb)');
  });

  it('refuses an entry that inflates to less than declared, and a CRC mismatch', () => {
    const short = lieAboutSize(zipSync({ 'a.txt': new Uint8Array(500).fill(7) }), 'a.txt', 600);
    expect(refused(short)).toBe('test.zip: entry a.txt: 500 bytes after inflating, but 600 declared (corrupt)');
    const zip = zipSync({ 'b.bin': [new Uint8Array(64).fill(1), { level: 0 }] });
    const flipped = zip.slice();
    flipped[30 + 'b.bin'.length + 10] ^= 0xff; // a byte inside the stored data
    expect(refused(flipped)).toBe('test.zip: entry b.bin: CRC-32 mismatch (corrupt)');
  });

  it('refuses truncated archives and garbage', () => {
    const zip = writeZip([{ name: 'a.txt', data: new Uint8Array(5000).map((_, i) => i * 7), level: 6 }], when);
    expect(refused(zip.subarray(0, zip.length - 30))).toMatch(/^test\.zip: /);
    expect(refused(zip.subarray(200))).toMatch(/^test\.zip: /);
    expect(refused(new Uint8Array(100).fill(0x50))).toBe('test.zip: not a zip file (no end-of-central-directory record)');
  });
});

describe('zip parts (the ONNX export download)', () => {
  const concat = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) (out.set(p, at), (at += p.byteLength));
    return out;
  };

  it('writes the same files as writeZip, read back exactly by our reader and by fflate', () => {
    const a = new TextEncoder().encode('hello '.repeat(5000));
    const b = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24);
    const c = new TextEncoder().encode('{"k":1}');
    const entries = [{ name: 'a.txt', data: a, level: 6 as const }, { name: 'b.bin', data: b, level: 0 as const }, { name: 'c.json', data: c, level: 9 as const }];
    const zip = concat(writeZipParts(entries, when));
    const back = readZip(zip, limits, 'parts.zip');
    expect([...back.keys()]).toEqual(['a.txt', 'b.bin', 'c.json']);
    expect(back.get('a.txt')).toEqual(a);
    expect(back.get('b.bin')).toEqual(b);
    expect(back.get('c.json')).toEqual(c);
    const unzipped = unzipSync(zip);
    expect(unzipped['b.bin']).toEqual(b);
    expect(() => writeZipParts([entries[0], entries[0]], when)).toThrow('zip entry a.txt given twice');
  });

  it('takes a file as its chunks in order (an export handed on a tensor at a time): the same file, each chunk stored as given', () => {
    const b = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24);
    const chunks = [b.subarray(0, 8), b.subarray(8, 40_008), b.subarray(40_008)];
    const text = new TextEncoder().encode('{"k":1}'.repeat(300));
    const parts = writeZipParts([{ name: 'w.safetensors', data: chunks, level: 0 }, { name: 'c.json', data: [text.subarray(0, 5), text.subarray(5)], level: 6 }, { name: 'empty', data: [], level: 0 }], when);
    for (const c of chunks) expect(parts.includes(c)).toBe(true);
    const back = unzipSync(concat(parts));
    expect(back['w.safetensors']).toEqual(b);
    expect(back['c.json']).toEqual(text);
    expect(back['empty']).toEqual(new Uint8Array(0));
  });

  it('ZipStream zips entries as they are made, chunk by chunk, the parts handed on as they come; refuses a name twice and a .zip past 4 GiB', () => {
    const parts: Uint8Array[] = [];
    const zip = new ZipStream((p) => parts.push(p), when);
    const w = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
    zip.entry('folder/model.safetensors', 0);
    const head = w.subarray(0, 100);
    zip.push(head);
    // A stored chunk is out, as it was given, before the archive ends: the caller can fold it away meanwhile.
    expect(parts.includes(head)).toBe(true);
    zip.push(w.subarray(100));
    zip.entry('folder/config.json', 6);
    zip.push(new TextEncoder().encode('{"a": 1}'));
    expect(() => zip.entry('folder/config.json', 6)).toThrow('zip entry folder/config.json given twice');
    zip.end();
    const back = unzipSync(concat(parts));
    expect(Object.keys(back)).toEqual(['folder/model.safetensors', 'folder/config.json']);
    expect(back['folder/model.safetensors']).toEqual(w);
    expect(new TextDecoder().decode(back['folder/config.json'])).toBe('{"a": 1}');
    const big = new ZipStream(() => undefined, when);
    big.entry('w', 0);
    // Sizes only are read before the refusal: a stand-in for 5 GiB of weights.
    expect(() => big.push({ byteLength: 5 * 2 ** 30 } as Uint8Array)).toThrow('a .zip holds at most 4 GiB');
  });

  it('zips a large stored file without a second copy of it in memory', () => {
    // 32 MiB of "weights": one Uint8Array of the whole zip (writeZip) holds them a second time,
    // which for a 0.5B model's 2 GB export is what the tab cannot spare. Told by the arrays
    // themselves, not by the process's memory, which a collection of earlier tests' buffers moves
    // (three reads of it once all shrank: a copy read as 26 bytes).
    const weights = new Uint8Array(32 * 2 ** 20).fill(7);
    const entries = [{ name: 'onnx/model.onnx', data: weights, level: 0 as const }, { name: 'config.json', data: new TextEncoder().encode('{}'), level: 6 as const }];
    const whole = writeZip(entries, when);
    expect(whole.byteLength).toBeGreaterThan(weights.byteLength);
    expect(whole.buffer).not.toBe(weights.buffer); // one array of it all: the weights again
    const parts = writeZipParts(entries, when);
    expect(parts.includes(weights)).toBe(true); // the very array, not a copy
    // Every other part is headers, the small file and the directory: nothing of the weights' size.
    expect(parts.filter((p) => p !== weights).reduce((n, p) => n + p.byteLength, 0)).toBeLessThan(2 ** 20);
    // And the parts, joined, are a zip of both files.
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    parts.reduce((at, p) => (joined.set(p, at), at + p.byteLength), 0);
    const files = unzipSync(joined);
    expect(Object.keys(files).sort()).toEqual(['config.json', 'onnx/model.onnx']);
    expect(files['onnx/model.onnx'].byteLength).toBe(weights.byteLength);
  });
});
