// A dataset pushed to the Hub is written in OpenAI's messages form (openai-record.ts) and read back by
// the OpenAI parser: every example of every format the studio imports comes back the same, but for
// its source (now the OpenAI form; an HDR sample stays one, with its round). Its columns keep one
// type in every record, as the Hub's viewer and datasets.load_dataset need.
import { openAsBlob, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { openaiJsonl, openaiRecord } from '../../src/data/openai-record.ts';

const fixture = (name: string) => `tests/fixtures/data/${name}`;
const file = (name: string, text: string | Uint8Array) => ({ name, blob: new Blob([text as BlobPart]) });

async function everyFormat(): Promise<Example[]> {
  const named = ['funreason.jsonl', 'glaive.json', 'hermes-text.jsonl', 'openai-template.jsonl', 'openai-tools.jsonl', 'sharegpt.json', 'xlam.json', 'bfcl/BFCL_v3_simple.json', 'bfcl/possible_answer/BFCL_v3_simple.json'];
  const files = await Promise.all(named.map(async (n) => ({ name: n, blob: await openAsBlob(fixture(n)) })));
  files.push(file('demo.jsonl', readFileSync('public/demo/demo-dataset.jsonl', 'utf8')));
  const { examples } = await importDatasetFiles(files);
  return examples;
}

/** What the OpenAI parser gives back for an example: the same, with the OpenAI form as its source,
 * without the notes its import made on its source record (turns after the target left out: the
 * pushed record ends at the target), and with its category only beside BFCL's accepted values
 * (xLAM's "irrelevance" without them is what an answer without calls is checked as anyway). */
// Read back, an example keeps only the note that its earlier calling turns are prompt: the others
// were about its source's own text.
const asReadBack = ({ parseIssues, ...rest }: Example): Example => {
  const kept = parseIssues?.filter((p) => p.rule === 'earlier_calls_in_prompt');
  const e: Example = kept?.length ? { ...rest, parseIssues: kept } : rest;
  const { category: _c, ...withoutCategory } = e;
  const read = e.possibleAnswer ? e : withoutCategory;
  return e.source === 'hdr' ? read : { ...read, source: 'openai' };
};

describe('a dataset in OpenAI messages form (what a Hub push writes)', () => {
  it('reads back as the same examples, from every format the studio imports', async () => {
    const examples = await everyFormat();
    const sources = new Set(examples.map((e) => e.source));
    expect([...sources].sort()).toEqual(['bfcl', 'funreason', 'glaive', 'hermes', 'openai', 'sharegpt', 'xlam']);
    // What must survive: Python-syntax targets, whole floats, BFCL's accepted answers and categories.
    expect(examples.some((e) => e.target.callSyntax === 'python')).toBe(true);
    expect(examples.some((e) => e.possibleAnswer && e.category)).toBe(true);
    expect(examples.some((e) => e.target.calls.length === 0)).toBe(true);
    expect(examples.some((e) => e.messages.some((m) => m.role === 'tool'))).toBe(true);

    const back = await importDatasetFiles([file('train.jsonl', openaiJsonl(examples))]);
    expect(back.files.map((f) => [f.format, f.imported, f.rejected])).toEqual([['openai', examples.length, 0]]);
    expect(back.examples).toEqual(examples.map(asReadBack));
  });

  it('keeps whole floats written 5.0 and an HDR sample on the training side with its round', async () => {
    const [base] = (await importDatasetFiles([file('one.jsonl', readFileSync('public/demo/demo-dataset.jsonl', 'utf8').split('\n')[0])])).examples;
    const sample: Example = {
      ...base,
      id: `${base.id}~hdr1-0`,
      source: 'hdr',
      hdrRound: 2,
      target: { reasoning: 'Convert 5 km.', calls: [{ name: 'convert', arguments: { value: 5, to: 'mi', scale: [1, 2.5] } }], wholeFloats: [[0, 'value'], [0, 'scale', 0]] },
    };
    const record = openaiRecord(sample);
    expect(record.messages.at(-1)).toEqual({ role: 'assistant', content: '', reasoning_content: 'Convert 5 km.', tool_calls: [{ type: 'function', function: { name: 'convert', arguments: '{"value": 5.0, "to": "mi", "scale": [1.0, 2.5]}' } }] });
    expect(record).toMatchObject({ source: 'hdr', hdr_round: 2 });
    const back = await importDatasetFiles([file('train.jsonl', openaiJsonl([sample]))]);
    expect(back.examples).toEqual([sample]);
  });

  it('gives every column one type in every record: tools, arguments and accepted answers as JSON text', async () => {
    const examples = await everyFormat();
    const types = new Map<string, Set<string>>();
    const note = (key: string, v: unknown) => {
      if (!types.has(key)) types.set(key, new Set());
      types.get(key)!.add(Array.isArray(v) ? 'list' : typeof v);
    };
    for (const r of examples.map(openaiRecord)) {
      for (const [k, v] of Object.entries(r)) note(k, v);
      for (const m of r.messages) {
        for (const [k, v] of Object.entries(m)) note(`messages.${k}`, v);
        for (const c of m.tool_calls ?? []) note('tool_calls.arguments', c.function.arguments);
      }
    }
    expect(Object.fromEntries([...types].map(([k, s]) => [k, [...s]]))).toEqual({
      id: ['string'], messages: ['list'], tools: ['string'], source: ['string'], category: ['string'], possible_answer: ['string'],
      'messages.role': ['string'], 'messages.content': ['string'], 'messages.reasoning_content': ['string'], 'messages.tool_calls': ['list'], 'messages.name': ['string'],
      'tool_calls.arguments': ['string'],
    });
  });

  it('refuses a possible_answer column that is not BFCL’s accepted values, naming the column, and reads only BFCL’s categories', async () => {
    const [e] = (await importDatasetFiles([file('one.jsonl', readFileSync('public/demo/demo-dataset.jsonl', 'utf8').split('\n')[0])])).examples;
    const bad = [{ ...openaiRecord(e), possible_answer: '{"get_weather": 1}' }, { ...openaiRecord(e), id: 'x2', possible_answer: '[{"f": {"a": 1}}]' }, { ...openaiRecord(e), id: 'x3', hdr_round: -1 }];
    // A category is read only with the accepted values it checks them by, and only BFCL's: other
    // datasets' labels (the demo's "simple" beside three tools) would change what the check asks.
    const theirs = [{ ...openaiRecord(e), id: 'x4', category: 'finance', possible_answer: '[{"f": {"a": [1]}}]' }, { ...openaiRecord(e), id: 'x5', category: 'simple' }];
    const r = await importDatasetFiles([file('bad.jsonl', [...bad, ...theirs].map((b) => JSON.stringify(b)).join('\n'))]);
    expect(r.examples.map((x) => [x.id, x.category])).toEqual([['x4', undefined], ['x5', undefined]]);
    expect(r.issues.map((x) => x.reason)).toEqual([
      '"possible_answer" is an object, expected a list',
      'possible_answer[0].a is a number, expected a list of accepted values',
      '"hdr_round" is a number, expected a round number',
    ]);
  });
});
