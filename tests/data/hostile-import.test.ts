// The generated hostile corpus (hostile-corpus.ts) through the importer and the quality check.
// Protects issue 17's promises: every file imports its good records, every bad record is named by
// line, index, id and reason (never the whole file), a record nesting 10,000 deep never reaches
// recursive code, names such as "__proto__" and "constructor" are kept exactly as given (never
// dropped, never turned into Object.prototype's functions), and a record just under the size
// limit imports and renders in seconds.
import { beforeAll, describe, expect, it } from 'vitest';
import { importDatasetFiles, streamDatasetFiles, type ImportResult } from '../../src/data/import-dataset.ts';
import { tokenizeExample } from '../../src/data/tokenize-example.ts';
import { encodeDatasetJsonl, parseDatasetJsonl } from '../../src/snapshot/dataset-jsonl.ts';
import { deepObjectText, hostileCorpus, rejectedCount, type HostileFile } from './hostile-corpus.ts';
import { expectCorpusKept, expectPrototypeNamesKept } from './hostile-checks.ts';
import { qwen3Tokenizer } from './qwen3-tokenizer.ts';

const corpus = hostileCorpus();
const asFiles = (files: HostileFile[]) => files.map((f) => ({ name: f.name, blob: new Blob([f.text]) }));

describe('hostile corpus through the importer', () => {
  let r: ImportResult;
  beforeAll(async () => {
    r = await importDatasetFiles(asFiles(corpus));
  });

  it('imports every good record and names every bad one by file, line, index, id and reason', () => {
    expectCorpusKept(r, corpus);
  });

  it('keeps __proto__, constructor, toString and hasOwnProperty as the names they are', () => {
    expectPrototypeNamesKept(r.examples);
    // Through JSON and structured clone (what IndexedDB does) the names stay the same.
    for (const e of r.examples) {
      expect(JSON.parse(JSON.stringify(e))).toEqual(e);
      expect(structuredClone(e)).toEqual(e);
    }
  });

  it('streams: the 300,000 tiny records come back over batches with the quality verdict of each example', async () => {
    const tiny = corpus.find((f) => f.name === 'hostile-many-tiny.jsonl')!;
    let batches = 0;
    let issues = 0;
    const got: string[] = [];
    for await (const b of streamDatasetFiles(asFiles([tiny]))) {
      batches++;
      issues += b.issues.length;
      for (const e of b.examples) {
        expect(e.quality.passed).toBe(true);
        expect(e).toMatchObject({ file: tiny.name, line: got.length + 1, index: got.length });
        got.push(e.example.id);
      }
    }
    expect(got).toEqual(tiny.imported);
    expect(issues).toBe(rejectedCount(tiny));
    expect(batches).toBeGreaterThan(1);
  });

  it('renders every imported hostile example with the Qwen3 template (names kept in the text), each in seconds', () => {
    const tok = qwen3Tokenizer();
    for (const e of r.examples) {
      const t0 = performance.now();
      const t = tokenizeExample(tok, e);
      const seconds = (performance.now() - t0) / 1000;
      // The 250 KiB record is the slowest (~1 s here); 20 s leaves room for a loaded CI machine.
      expect(seconds, e.id).toBeLessThan(20);
      expect(t.inputIds.length).toBeGreaterThan(0);
    }
    const text = tok.decode(tokenizeExample(tok, r.examples.find((e) => e.id === 'o-proto-args')!).inputIds);
    expect(text).toContain('"__proto__": {"polluted": true}');
    expect(text).toContain('"constructor": "c"');
  });
});

describe('the per-record limit', () => {
  it('a record of one repeated letter at the limit (the tokenizer\'s worst case) still imports and tokenizes in seconds', async () => {
    const filler = 'x'.repeat((256 << 10) - 400);
    const line = JSON.stringify({ id: 'worst', messages: [{ role: 'user', content: filler }, { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'f', arguments: {} } }] }], tools: [{ type: 'function', function: { name: 'f' } }] });
    expect(line.length).toBeLessThanOrEqual(256 << 10);
    const t0 = performance.now();
    const r = await importDatasetFiles([{ name: 'worst.jsonl', blob: new Blob([line]) }]);
    expect(r.issues).toEqual([]);
    tokenizeExample(qwen3Tokenizer(), r.examples[0]);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`worst-case record at the 256 KiB limit: imported and tokenized in ${seconds.toFixed(1)} s`);
    // ~4 s on an idle 2-core machine; the bound allows for a loaded one.
    expect(seconds).toBeLessThan(30);
  });
});

describe('what imports can be exported', () => {
  it('every imported hostile example goes through a run snapshot\'s dataset.jsonl with its names', async () => {
    const r = await importDatasetFiles(hostileCorpus().map((f) => ({ name: f.name, blob: new Blob([f.text]) })));
    const back = parseDatasetJsonl(encodeDatasetJsonl(r.examples)).examples;
    expect(back).toEqual(r.examples);
    expectPrototypeNamesKept(back);
  });

  it('arguments nested to the import limit still fit a snapshot; one level more is refused at import', async () => {
    const record = (depth: number) =>
      `{"id": "d${depth}", "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "object"}}}}}], "messages": [{"role": "user", "content": "go"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": ${JSON.stringify(`{"a": ${deepObjectText(depth)}}`)}}}]}]}`;
    const r = await importDatasetFiles([{ name: 'depths.jsonl', blob: new Blob([Array.from({ length: 16 }, (_, k) => record(20 + k)).join('\n')]) }]);
    expect(r.examples.length).toBeGreaterThan(5);
    expect(r.issues.length).toBeGreaterThan(0);
    const deepest = r.examples.at(-1)!;
    expect(r.issues[0].id).toBe(`d${Number(deepest.id.slice(1)) + 1}`);
    expect(parseDatasetJsonl(encodeDatasetJsonl([deepest])).examples).toEqual([deepest]);
  });
});
