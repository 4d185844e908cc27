// The malformed-input corpus: truncated JSON, wrong types, missing fields, a tool list that is not
// a list, duplicate ids, bad roles, non-UTF-8 bytes, a 10 MB single line, broken JSON arrays.
// Protects: no crash, every bad record reported with its line/index and reason, and the good
// records around it still imported.
import { openAsBlob } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { checkExample } from '../../src/data/quality-check.ts';
import { formatIssue } from '../../src/data/record-error.ts';
import { readRecords } from '../../src/data/record-reader.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url));

function goodRecord(id: string): string {
  return JSON.stringify({
    id,
    tools: [{ type: 'function', function: { name: 'ping', parameters: { type: 'object', properties: { host: { type: 'string' } }, required: ['host'] } } }],
    messages: [
      { role: 'user', content: `ping ${id}` },
      { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'ping', arguments: { host: id } } }] },
    ],
  });
}

describe('malformed JSONL corpus', () => {
  it('reports each bad record by line, index and reason and keeps the good ones', async () => {
    const r = await importDatasetFiles([{ name: 'malformed.jsonl', blob: await openAsBlob(fixture('malformed.jsonl')) }]);
    expect(r.examples.map((e) => e.id)).toEqual(['m-1', 'm-11', 'm-12']);
    expect(r.issues.map((i) => [i.line, i.index])).toEqual([
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 4],
      [6, 5],
      [7, 6],
      [9, 7],
      [10, 8],
    ]);
    const reasons = r.issues.map((i) => i.reason);
    expect(reasons[0]).toMatch(/^truncated JSON: /);
    expect(reasons[1]).toBe('"messages" is the string "hello", expected a list of messages');
    expect(reasons[2]).toBe('no assistant turn to learn from');
    expect(reasons[3]).toBe('tools is a number, expected a list of tools');
    expect(reasons[4]).toBe('duplicate id "m-1" (first seen at malformed.jsonl line 1)');
    expect(reasons[5]).toBe('messages[0] has unknown role "robot"');
    expect(reasons[6]).toBe('record is null, expected an object');
    expect(reasons[7]).toBe('record is a list, expected an object');
    expect(formatIssue(r.issues[0])).toMatch(/^malformed\.jsonl, line 2, record 2: truncated JSON/);
    expect(r.files[0]).toMatchObject({ records: 11, imported: 3, rejected: 8 });

    // Recoverable problems are kept and flagged by the rule they break, not dropped.
    const [good, badJson, unknownArg] = r.examples.map((e) => checkExample(e));
    expect(good.passed).toBe(true);
    expect(badJson.failures.map((f) => f.rule)).toEqual(['target_json_parses']);
    expect(unknownArg.failures).toEqual([{ rule: 'no_unknown_args', detail: 'get_time: unknown argument "format"' }]);
  });

  it('reports non-UTF-8 bytes on their line and goes on', async () => {
    const blob = new Blob([goodRecord('a') + '\n', new Uint8Array([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]), goodRecord('b') + '\n']);
    const r = await importDatasetFiles([{ name: 'latin1.jsonl', blob }]);
    expect(r.examples.map((e) => e.id)).toEqual(['a', 'b']);
    expect(r.issues).toEqual([{ file: 'latin1.jsonl', line: 2, index: 1, reason: 'not valid UTF-8 (bad byte 0xff at byte 7 of the record)' }]);
  });

  it('skips a 10 MB single line over the per-record limit without holding it, and reads the lines around it', async () => {
    const huge = '{"id": "huge", "text": "' + 'x'.repeat(10 * 1024 * 1024) + '"}';
    const blob = new Blob([goodRecord('before') + '\n', huge + '\n', goodRecord('after') + '\n']);
    const r = await importDatasetFiles([{ name: 'huge.jsonl', blob }], { maxRecordBytes: 8 << 20, chunkBytes: 1 << 20 });
    expect(r.examples.map((e) => e.id)).toEqual(['before', 'after']);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ line: 2, index: 1 });
    expect(r.issues[0].reason).toBe('record is over the 8.0 MiB per-record limit (10.0 MiB); skipped');
  });

  it('reads a 10 MB single line that is under a raised limit, across many chunks', async () => {
    const big = JSON.parse(goodRecord('big'));
    big.messages[0].content = 'y'.repeat(10 * 1024 * 1024);
    const blob = new Blob([JSON.stringify(big)]); // no trailing newline: the last line still counts
    const r = await importDatasetFiles([{ name: 'big.jsonl', blob }], { maxRecordBytes: 16 << 20, chunkBytes: 1 << 20 });
    expect(r.issues).toEqual([]);
    expect(r.examples[0].messages[0].content.length).toBe(10 * 1024 * 1024);
  });
});

describe('malformed JSON arrays', () => {
  it('splits elements without parsing the whole file, reports a broken element by its line, and a truncated end', async () => {
    const text = ['[', '  ' + goodRecord('a') + ',', '  {"id": "broken", "messages": [}' + ',', '  ' + goodRecord('b') + ',', '  {"id": "cut", "messages": ['].join('\n');
    const r = await importDatasetFiles([{ name: 'array.json', blob: new Blob([text]) }], { chunkBytes: 64 });
    expect(r.examples.map((e) => e.id)).toEqual(['a', 'b']);
    expect(r.issues.map((i) => [i.line, i.index])).toEqual([
      [3, 1],
      [5, 3],
    ]);
    expect(r.issues[0].reason).toMatch(/^invalid JSON/);
    expect(r.issues[1].reason).toBe('truncated JSON: the file ends inside this record (missing "]" or "}")');
  });

  it('reads a pretty-printed array whose elements span lines, with strings holding brackets and escaped quotes', async () => {
    const records = [
      JSON.parse(goodRecord('x')),
      { ...JSON.parse(goodRecord('y')), note: 'has ] and } and \\" and , inside' },
    ];
    const text = JSON.stringify(records, null, 2);
    const chunks = [];
    for await (const c of readRecords(new Blob([text]), 'pretty.json', { chunkBytes: 7 })) chunks.push(...c.records);
    expect(chunks.map((c) => c.value)).toEqual(records);
    expect(chunks.map((c) => c.line)).toEqual([2, text.split('\n').findIndex((l, i) => i > 1 && l === '  {') + 1]);
  });

  it('streams the list of a {"version": …, "data": [...]} wrapper element by element, with element lines', async () => {
    const text = JSON.stringify({ version: 'é 1', data: [JSON.parse(goodRecord('s1')), JSON.parse(goodRecord('s2'))] }, null, 2);
    const chunks = [];
    for await (const c of readRecords(new Blob([new Uint8Array([0xef, 0xbb, 0xbf]), text]), 'wrapped.json', { chunkBytes: 100 })) chunks.push(c);
    const records = chunks.flatMap((c) => c.records);
    expect(chunks.length).toBeGreaterThan(5);
    expect(records.map((r) => (r.value as { id: string }).id)).toEqual(['s1', 's2']);
    const lines = text.split('\n');
    expect(records.map((r) => r.line)).toEqual([lines.indexOf('    {') + 1, lines.lastIndexOf('    {') + 1]);
    // A wrapper whose list follows a nested object is read whole, and still yields the records.
    const nested = JSON.stringify({ meta: { n: 2 }, data: [JSON.parse(goodRecord('n1')), JSON.parse(goodRecord('n2'))] });
    const all = [];
    for await (const c of readRecords(new Blob([nested]), 'nested.json')) all.push(...c.records);
    expect(all.map((r) => (r.value as { id: string }).id)).toEqual(['n1', 'n2']);
  });

  it('reads an object wrapping the list, and reports a file that is not JSON at all', async () => {
    const wrapped = new Blob([JSON.stringify({ version: 1, data: [JSON.parse(goodRecord('w1')), JSON.parse(goodRecord('w2'))] }, null, 2)]);
    const r = await importDatasetFiles([
      { name: 'wrapped.json', blob: wrapped },
      { name: 'garbage.json', blob: new Blob(['{ this is not json']) },
    ]);
    expect(r.examples.map((e) => e.id)).toEqual(['w1', 'w2']);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ file: 'garbage.json', line: 1, index: 0 });
    expect(r.issues[0].reason).toMatch(/JSON/);
  });
});

describe('file edge cases', () => {
  it('accepts a byte-order mark, CRLF line ends and blank lines, and counts lines correctly', async () => {
    const rec = (id: string) => JSON.stringify({ id, query: `q ${id}`, tools: '[]', answers: '[]' });
    const blob = new Blob([new Uint8Array([0xef, 0xbb, 0xbf]), rec('a') + '\r\n\r\n', rec('b') + '\r\n', '{"id": "c", \r\n']);
    const r = await importDatasetFiles([{ name: 'crlf.jsonl', blob }]);
    expect(r.examples.map((e) => e.id)).toEqual(['a', 'b']);
    expect(r.issues).toMatchObject([{ line: 4, index: 2 }]);
    expect(r.issues[0].reason).toMatch(/^truncated JSON/);
  });

  it('reads JSONL saved as .json (HF to_json, BFCL files) line by line even when its first line is broken or longer than the sniffed head', async () => {
    const broken = '{"id": "b0", "messages": [{"role": "user", "content": "hi"}';
    const long = JSON.stringify({ ...JSON.parse(goodRecord('l0')), note: 'x'.repeat(70_000) }); // past the 64 KiB sniffed at first
    const r = await importDatasetFiles([
      { name: 'broken-first.json', blob: new Blob([[broken, goodRecord('b1'), goodRecord('b2')].join('\n') + '\n']) },
      { name: 'long-first.json', blob: new Blob([[long, goodRecord('l1')].join('\r\n') + '\r\n']) },
    ]);
    expect(r.examples.map((e) => e.id)).toEqual(['b1', 'b2', 'l0', 'l1']);
    expect(r.issues).toMatchObject([{ file: 'broken-first.json', line: 1, index: 0 }]);
    expect(r.issues[0].reason).toMatch(/^truncated JSON/);
    expect(r.files.map((f) => [f.records, f.imported, f.rejected])).toEqual([[3, 2, 1], [2, 2, 0]]);

    // An object whose lines start with '{' but that parses whole is still one object.
    const spanning = '{"id": "s", "messages": [\n{"role": "user", "content": "hi"},\n{"role": "assistant", "content": "hello"}\n]}\n';
    const all = [];
    for await (const c of readRecords(new Blob([spanning]), 'spanning.json')) all.push(...c.records);
    expect(all).toEqual([{ line: 1, index: 0, value: JSON.parse(spanning) }]);
  });

  it('names records without an id apart in two files of one name from two folders, where the second file was rejected as duplicates', async () => {
    const noId = (id: string) => JSON.stringify({ ...JSON.parse(goodRecord(id)), id: undefined });
    const file = (name: string, ids: string[]) => ({ name, blob: new Blob([ids.map(noId).join('\n')]) });
    const r = await importDatasetFiles([file('a/train.jsonl', ['a0', 'a1']), file('b/train.jsonl', ['b0', 'b1']), file('c/train.jsonl', ['c0'])]);
    expect(r.issues).toEqual([]);
    expect(r.examples.map((e) => e.id)).toEqual(['train-0', 'train-1', 'train.2-0', 'train.2-1', 'train.3-0']);
  });

  it('imports nothing and reports nothing for an empty file', async () => {
    const r = await importDatasetFiles([{ name: 'empty.jsonl', blob: new Blob([]) }]);
    expect(r).toMatchObject({ examples: [], issues: [] });
    expect(r.files[0]).toMatchObject({ records: 0, imported: 0 });
  });
});
