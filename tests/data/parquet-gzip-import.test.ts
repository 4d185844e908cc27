// Datasets as the Hugging Face Hub serves them: Parquet (what `datasets` writes and the dataset viewer
// converts every dataset to) and gzipped JSONL. The fixtures were written by pyarrow
// (scripts/parquet-fixtures.py), the library `datasets` writes with, from the JSON fixtures here.
// Protects: the same examples as the JSON they were written from (a struct's nulls read as absent
// fields, dates stored as timestamps written back as dates, int64 ids), every codec `datasets`,
// pandas and polars write, row groups read one by one, and each bad row or file named with the
// reason while the rest imports.
import { openAsBlob, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { nonDatasetFiles } from '../../src/data/fileKinds.ts';
import { detectDatasetFileFormat, importDatasetFiles, type ImportProgress } from '../../src/data/import-dataset.ts';
import { formatIssue } from '../../src/data/record-error.ts';
import { readRecords } from '../../src/data/record-reader.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url));
const demoPath = fileURLToPath(new URL('../../public/demo/demo-dataset.jsonl', import.meta.url));

async function importFile(path: string, name = path.replace(/^.*\//, '')) {
  const progress: ImportProgress[] = [];
  const blob = await openAsBlob(path);
  const result = await importDatasetFiles([{ name, blob }], { onProgress: (p) => progress.push(p) });
  return { ...result, progress, size: blob.size };
}

/** Key order aside: Parquet keeps one field order per column, the first row's order of each struct's
 * fields across the whole file. */
function keysSorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(keysSorted);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, keysSorted((v as Record<string, unknown>)[k])]));
  return v;
}

const sameExamples = (a: Example[], b: Example[]) => expect(keysSorted(b)).toEqual(keysSorted(a));

describe('Parquet datasets', () => {
  it('imports the demo as pyarrow wrote it from the JSONL: the same 320 examples, with nulls for the fields a row lacked', async () => {
    const jsonl = await importFile(demoPath);
    const parquet = await importFile(fixture('parquet/demo.parquet'));
    expect(parquet.issues).toEqual([]);
    expect(parquet.files).toEqual([{ name: 'demo.parquet', format: 'openai', detected: true, records: 320, imported: 320, rejected: 0 }]);
    sameExamples(jsonl.examples, parquet.examples);
    // What the file holds: every tool's properties with every other tool's as null, and dates as
    // timestamps. Read as absent, and as the dates they were.
    const raw = readFileSync(fixture('parquet/demo.parquet'));
    expect(raw.includes('from_unit')).toBe(true);
    const event = parquet.examples.find((e) => e.id === 'demo-0006')!;
    expect(event.target.calls).toEqual([{ name: 'list_events', arguments: { date: '2025-11-13' } }]);
    expect(Object.keys(event.tools[0].parameters.properties as object)).toEqual(['date']);
    expect(parquet.progress.at(-1)).toMatchObject({ bytesDone: parquet.size, bytesTotal: parquet.size, recordsDone: 320 });
    expect(await detectDatasetFileFormat({ name: 'demo.parquet', blob: await openAsBlob(fixture('parquet/demo.parquet')) })).toBe('openai');
  });

  it('reads zstd row groups one at a time, with progress after each', async () => {
    const jsonl = await importFile(demoPath);
    const parquet = await importFile(fixture('parquet/demo-zstd-row-groups.parquet'));
    expect(parquet.issues).toEqual([]);
    sameExamples(jsonl.examples.slice(0, 50), parquet.examples);
    // Row groups of 20, 20 and 10 rows: progress at each, in the file's bytes.
    expect(parquet.progress.map((p) => p.bytesDone)).toEqual([Math.round(parquet.size * 0.4), Math.round(parquet.size * 0.8), parquet.size, parquet.size]);
    expect(parquet.progress.at(-1)?.recordsDone).toBe(50);
  });

  it('imports xLAM columns (an int64 id, JSON text) gzip-compressed, and ShareGPT conversations brotli-compressed, as their JSON does', async () => {
    const xlamJson = await importFile(fixture('xlam.json'));
    const xlam = await importFile(fixture('parquet/xlam-gzip.parquet'), 'xlam.parquet');
    expect(xlam.issues).toEqual([]);
    expect(xlam.files[0].format).toBe('xlam');
    // xLAM writes its calls as JSON text: their whole floats keep their form, key order included.
    expect(xlam.examples).toEqual(xlamJson.examples);
    const sharegptJson = await importFile(fixture('sharegpt.json'));
    const sharegpt = await importFile(fixture('parquet/sharegpt-brotli.parquet'), 'sharegpt.parquet');
    expect(sharegpt.issues).toEqual([]);
    // The second record has no id, no system and tools of its own: null in the file's first row.
    expect(sharegpt.examples).toEqual(sharegptJson.examples);
  });

  it('names each row it refuses by its record number (a row has no line) and imports the others', async () => {
    const r = await importFile(fixture('parquet/edge-rows.parquet'));
    expect(r.examples.map((e) => e.id)).toEqual(['w-1', 'w-4']);
    expect(r.issues.map(formatIssue)).toEqual([
      'edge-rows.parquet, record 2, id "w-1": duplicate id "w-1" (first seen at edge-rows.parquet record 1)',
      expect.stringMatching(/^edge-rows\.parquet, record 3: record is over the 256\.0 KiB per-record limit \(27\d\.\d KiB\); skipped$/),
    ]);
    // int64 ids: numbers, or text past 2^53, where a number would lose digits.
    const ids = await importFile(fixture('parquet/int64-ids.parquet'));
    expect(ids.examples.map((e) => e.id)).toEqual(['7', '1152921504606846977']);
  });

  it('leaves a column of bytes that are not text out of the record, and reads text stored as bytes', async () => {
    const blob = await openAsBlob(fixture('parquet/binary-column.parquet'));
    const records = [];
    for await (const chunk of readRecords(blob, 'binary-column.parquet')) records.push(...chunk.records);
    expect(records).toHaveLength(1);
    expect(Object.keys(records[0].value as object)).toEqual(['id', 'tools', 'messages', 'note']);
    expect((records[0].value as { note: string }).note).toBe('café');
    const r = await importFile(fixture('parquet/binary-column.parquet'));
    expect(r.issues).toEqual([]);
    expect(r.examples.map((e) => e.id)).toEqual(['w-1']);
  });

  it('says a damaged file is not readable Parquet, and a damaged row group which rows it loses', async () => {
    const bytes = readFileSync(fixture('parquet/demo-zstd-row-groups.parquet'));
    const cut = await importDatasetFiles([{ name: 'cut.parquet', blob: new Blob([bytes.subarray(0, 20_000)]) }]);
    expect(cut.examples).toEqual([]);
    expect(cut.issues.map(formatIssue)).toEqual([expect.stringMatching(/^cut\.parquet, record 1: not a readable Parquet file: .+/)]);
    // Zeroes over the middle row group's pages: its 20 rows are lost, the other 30 imported.
    const { parquetMetadata } = await import('hyparquet');
    const groups = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)).row_groups;
    const groupStart = (g: (typeof groups)[number]) => Number(g.columns[0].meta_data!.dictionary_page_offset ?? g.columns[0].meta_data!.data_page_offset);
    const [start, end] = [groupStart(groups[1]), groupStart(groups[2])];
    const damaged = Buffer.from(bytes);
    damaged.fill(0, start, end);
    const r = await importDatasetFiles([{ name: 'damaged.parquet', blob: new Blob([damaged]) }]);
    expect(r.examples.map((e) => e.id)).toEqual([...Array.from({ length: 20 }, (_, i) => `demo-${String(i).padStart(4, '0')}`), ...Array.from({ length: 10 }, (_, i) => `demo-${String(40 + i).padStart(4, '0')}`)]);
    expect(r.issues.map(formatIssue)).toEqual([expect.stringMatching(/^damaged\.parquet, record 21: rows 21–40 \(a row group\) could not be read: .+/)]);
  });
});

describe('gzipped datasets', () => {
  it('imports a .jsonl.gz as its JSONL, lines and all, with progress in the file\'s own bytes', async () => {
    const jsonl = await importFile(demoPath);
    const gz = await importFile(fixture('parquet/demo-50.jsonl.gz'));
    expect(gz.issues).toEqual([]);
    expect(gz.examples).toEqual(jsonl.examples.slice(0, 50));
    expect(gz.progress.at(-1)).toMatchObject({ bytesDone: gz.size, bytesTotal: gz.size });
    // A bad line inside is named by its line, as in the plain file.
    const lines = readFileSync(demoPath, 'utf8').split('\n').slice(0, 3);
    lines[1] = '{"id": "broken",';
    const broken = await importDatasetFiles([{ name: 'broken.jsonl.gz', blob: new Blob([gzipSync(lines.join('\n'))]) }]);
    expect(broken.examples.map((e) => e.id)).toEqual(['demo-0000', 'demo-0002']);
    expect(broken.issues.map(formatIssue)).toEqual([expect.stringMatching(/^broken\.jsonl\.gz, line 2, record 2: (truncated|invalid) JSON/)]);
  });

  it('imports a gzipped Parquet file and a gzipped JSON array', async () => {
    const parquet = await importDatasetFiles([{ name: 'xlam.parquet.gz', blob: new Blob([gzipSync(readFileSync(fixture('parquet/xlam-gzip.parquet')))]) }]);
    const json = await importDatasetFiles([{ name: 'xlam.json.gz', blob: new Blob([gzipSync(readFileSync(fixture('xlam.json')))]) }]);
    const plain = await importFile(fixture('xlam.json'));
    expect(parquet.examples).toEqual(plain.examples);
    expect(json.examples).toEqual(plain.examples);
  });

  it('says what a gzipped file holds when it is no dataset, and when it is not gzip after all', async () => {
    // A .tar.gz: "ustar" at byte 257 of what it unzips to.
    const tar = Buffer.alloc(1024);
    tar.write('train.jsonl', 0);
    tar.write('ustar', 257);
    const r = await importDatasetFiles([{ name: 'data.tar.gz', blob: new Blob([gzipSync(tar)]) }]);
    expect(r.examples).toEqual([]);
    expect(r.issues.map(formatIssue)).toEqual(['data.tar.gz, record 1: it holds a tar archive, not a dataset']);
    const cut = gzipSync(readFileSync(demoPath)).subarray(0, 2000);
    const broken = await importDatasetFiles([{ name: 'cut.jsonl.gz', blob: new Blob([cut]) }]);
    expect(broken.examples).toEqual([]);
    expect(broken.issues.map(formatIssue)).toEqual([expect.stringMatching(/^cut\.jsonl\.gz, record 1: not a readable gzip file \(.+\)$/)]);
  });

  it('takes Parquet and gzip files at the drop, where it still refuses a tar archive', async () => {
    const named = (path: string, name: string) => new File([readFileSync(path)], name);
    const tar = Buffer.alloc(1024);
    tar.write('ustar', 257);
    expect(await nonDatasetFiles([named(fixture('parquet/demo.parquet'), 'train.parquet'), named(fixture('parquet/demo-50.jsonl.gz'), 'train.jsonl.gz'), new File([tar], 'data.tar')])).toEqual(['data.tar is a tar archive']);
  });
});
