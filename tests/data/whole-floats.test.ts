// Whole floats (`5.0`) of a dataset's target survive import, storage and snapshots, and training
// writes them as the dataset did: `[90.0, 80.0]`, not `[90, 80]`, the form BFCL's checker fails for
// a list of floats. Examples without them render exactly as before.
import { describe, expect, it } from 'vitest';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { renderExample } from '../../src/data/chat-render.ts';
import { argumentsJson, storableExample, targetCalls, templatePrintsArgumentText, unboxCalls } from '../../src/data/whole-floats.ts';
import { IntegralFloat } from '../../src/data/python/integral-float.ts';
import { encodeDatasetJsonl, parseDatasetJsonl } from '../../src/snapshot/dataset-jsonl.ts';
import { normalisedExampleContent } from '../../src/data/fingerprint.ts';
import { openaiRecord } from '../../src/data/openai-record.ts';
import { checkPrediction } from '../../src/eval/evaluate.ts';
import { candidateExample } from '../../src/hdr/gate.ts';
import { checkGeneratedOutput } from '../../src/eval/check-generation.ts';
import { groundTruthOf } from '../../src/eval/ground-truth.ts';
import type { Example } from '../../src/data/example.ts';
import { qwen3Tokenizer } from './qwen3-tokenizer.ts';

const tool = { type: 'function', function: { name: 'weighted_avg', description: 'Weighted average', parameters: { type: 'object', properties: { scores: { type: 'array', items: { type: 'float' } }, n: { type: 'integer' } }, required: ['scores'] } } };
const file = (name: string, lines: unknown[]) => ({ name, blob: new Blob([lines.map((l) => JSON.stringify(l)).join('\n')]) });
const imported = async (name: string, lines: unknown[]) => {
  const r = await importDatasetFiles([file(name, lines)]);
  expect(r.issues).toEqual([]);
  return r.examples;
};
const rendered = (e: Example) => {
  const r = renderExample(qwen3Tokenizer(), e);
  return r.text.slice(r.promptEnd, r.callEnd);
};

describe('whole floats of a target', () => {
  it('a FunReason target trains [90.0, 80.0] as written, stored as plain numbers with their places', async () => {
    const [e] = await imported('fr.jsonl', [
      {
        id: 'fr',
        tools: [tool.function],
        messages: [
          { role: 'user', content: 'Average 90 and 80.' },
          { role: 'assistant', content: "<think>\nTwo scores.\n</think>\n\n[weighted_avg(scores=[90.0, 80.0], n=2)]" },
        ],
      },
    ]);
    expect(e.target.calls).toEqual([{ name: 'weighted_avg', arguments: { scores: [90, 80], n: 2 } }]);
    expect(e.target.wholeFloats).toEqual([[0, 'scores', 0], [0, 'scores', 1]]);
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    expect(rendered(e)).toContain('[weighted_avg(scores=[90.0, 80.0], n=2)]');
  });

  it('JSON arguments (OpenAI strings, Hermes <tool_call> text) keep 90.0 in the training text', async () => {
    const [openai] = await imported('oa.jsonl', [
      { id: 'oa', tools: [tool], messages: [{ role: 'user', content: 'Average 90 and 80.' }, { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'weighted_avg', arguments: '{"scores": [90.0, 80.5], "n": 2}' } }] }] },
    ]);
    expect(openai.target.wholeFloats).toEqual([[0, 'scores', 0]]);
    expect(rendered(openai)).toContain('{"name": "weighted_avg", "arguments": {"scores": [90.0, 80.5], "n": 2}}');
    const [hermes] = await imported('h.jsonl', [
      { id: 'h', tools: [tool], messages: [{ role: 'user', content: 'Average.' }, { role: 'assistant', content: '<tool_call>\n{"name": "weighted_avg", "arguments": {"scores": [1e2, 3.0]}}\n</tool_call>' }] },
    ]);
    expect(hermes.target.calls[0].arguments).toEqual({ scores: [100, 3] });
    expect(rendered(hermes)).toContain('"arguments": {"scores": [100.0, 3.0]}}');
  });

  it('arguments a record gives as JSON objects keep 90.0 too (OpenAI objects, xLAM lists)', async () => {
    // Written as text: JSON.stringify would write 90.0 as 90 before the reader saw it.
    const lines = [
      `{"id": "oa-obj", "tools": ${JSON.stringify([tool])}, "messages": [{"role": "user", "content": "Average."}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "weighted_avg", "arguments": {"scores": [90.0, 80.5], "n": 2}}}]}]}`,
      `{"id": "oa-id", "tools": ${JSON.stringify([tool])}, "messages": [{"role": "user", "content": "Avg of 2.0 and 3.0"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "weighted_avg", "arguments": {"scores": [2.0, 3.0]}}}]}], "weight": 1.0}`,
    ];
    const r = await importDatasetFiles([{ name: 'oa.jsonl', blob: new Blob([lines.join('\n')]) }]);
    expect(r.issues).toEqual([]);
    const [obj, withId] = r.examples;
    expect(obj.target.calls[0].arguments).toEqual({ scores: [90, 80.5], n: 2 });
    expect(obj.target.wholeFloats).toEqual([[0, 'scores', 0]]);
    expect(rendered(obj)).toContain('"arguments": {"scores": [90.0, 80.5], "n": 2}}');
    expect(withId.target.wholeFloats).toEqual([[0, 'scores', 0], [0, 'scores', 1]]);
    // Everything outside the target is plain data, as before.
    expect(structuredClone(withId)).toEqual(withId);
    expect(JSON.stringify(r.examples)).not.toContain('"value"');
    // Arguments that are one number are no arguments, written 5 or 5.0.
    const bad = await importDatasetFiles([{ name: 'bad.jsonl', blob: new Blob([`{"id": "n", "tools": ${JSON.stringify([tool])}, "messages": [{"role": "user", "content": "Avg."}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "weighted_avg", "arguments": 5.0}}]}]}`]) }]);
    expect(bad.issues.map((i) => i.reason)).toEqual(['messages[1].tool_calls[0] (weighted_avg) arguments are not an object']);
    const xlam = '{"id": 5.0, "query": "Avg.", "tools": [{"name": "weighted_avg", "parameters": {"scores": {"type": "List[float]", "default": 1.0}}}], "answers": [{"name": "weighted_avg", "arguments": {"scores": [4.0]}}]}';
    const [xl] = (await importDatasetFiles([{ name: 'xlam.json', blob: new Blob([`[${xlam}]`]) }])).examples;
    expect(xl.id).toBe('5');
    expect(xl.target.wholeFloats).toEqual([[0, 'scores', 0]]);
    expect(structuredClone(xl)).toEqual(xl);
  });

  it('a BFCL question trains the floats its possible_answer writes ([1.0, 2.0], not [1, 2])', async () => {
    const question = { id: 'simple_7', question: [[{ role: 'user', content: 'Average 1 and 2.' }]], function: [{ name: 'weighted_avg', description: 'Average', parameters: { type: 'dict', properties: { scores: { type: 'array', items: { type: 'float' } } }, required: ['scores'] } }] };
    const answer = '{"id": "simple_7", "ground_truth": [{"weighted_avg": {"scores": [[1.0, 2.0]]}}]}';
    const r = await importDatasetFiles(
      [
        { name: 'BFCL_v3_simple.json', blob: new Blob([JSON.stringify(question)]) },
        { name: 'possible_answer/BFCL_v3_simple.json', blob: new Blob([answer]) },
      ],
      { bfclPromptMode: true },
    );
    expect(r.issues).toEqual([]);
    const [e] = r.examples;
    expect(e.target.calls).toEqual([{ name: 'weighted_avg', arguments: { scores: [1, 2] } }]);
    expect(e.target.wholeFloats).toEqual([[0, 'scores', 0], [0, 'scores', 1]]);
    expect(structuredClone(e)).toEqual(e);
    expect(rendered(e)).toContain('[weighted_avg(scores=[1.0, 2.0])]');
  });

  it('a BFCL answer of one whole float, or one inside a dict, trains as that float (not as {"value": 5})', async () => {
    const question = { id: 'simple_8', question: [[{ role: 'user', content: 'Sqrt of 5.' }]], function: [{ name: 'sqrt', description: 'Square root', parameters: { type: 'dict', properties: { x: { type: 'float' }, opts: { type: 'dict', properties: { scale: { type: 'float' } } } }, required: ['x'] } }] };
    const answer = '{"id": "simple_8", "ground_truth": [{"sqrt": {"x": [5.0], "opts": [{"scale": [2.0]}]}}]}';
    const r = await importDatasetFiles([{ name: 'BFCL_v3_simple.json', blob: new Blob([JSON.stringify(question)]) }, { name: 'possible_answer/BFCL_v3_simple.json', blob: new Blob([answer]) }], { bfclPromptMode: true });
    expect(r.issues).toEqual([]);
    const [e] = r.examples;
    expect(e.target.calls[0].arguments).toEqual({ x: 5, opts: { scale: 2 } });
    expect(e.target.wholeFloats).toEqual([[0, 'x'], [0, 'opts', 'scale']]);
    expect(rendered(e)).toContain("[sqrt(x=5.0, opts={'scale': 2.0})]");
  });

  it('a studio line written by hand or by Python with 5.0 imports with the number, its place listed once', async () => {
    const line = '{"id": "a#hdr1.0", "tools": [{"name": "sqrt", "description": "d", "parameters": {"type": "object", "properties": {"x": {"type": "number", "default": 1.0}}}}], "messages": [{"role": "user", "content": "sqrt 5"}], "target": {"calls": [{"name": "sqrt", "arguments": {"x": 5.0, "y": [2.0]}}], "wholeFloats": [[0, "x"]]}, "source": "hdr", "hdrRound": 1}';
    const r = await importDatasetFiles([{ name: 'hdr-examples.jsonl', blob: new Blob([line + '\n']) }], { format: 'studio' });
    expect(r.issues).toEqual([]);
    const [e] = r.examples;
    expect(e.target.calls[0].arguments).toEqual({ x: 5, y: [2] });
    expect(e.target.wholeFloats).toEqual([[0, 'x'], [0, 'y', 0]]);
    expect((e.tools[0].parameters as { properties: { x: { default: unknown } } }).properties.x.default).toBe(1);
    expect(structuredClone(e)).toEqual(e);
  });

  it('a template that writes arguments itself (tojson, as Qwen2.5 and Llama do) writes 90.0 too, never a box', async () => {
    const [e] = await imported('oa.jsonl', [
      { id: 'oa', tools: [tool], messages: [{ role: 'user', content: 'Average WholeFloat0x.' }, { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'weighted_avg', arguments: '{"scores": [90.0, 80.5, 1e16], "n": 2, "w": {"x": [0.0]}}' } }] }] },
    ]);
    const tokenizer = qwen3Tokenizer();
    const template = tokenizer.chat_template as string;
    const always = template.replace(/\{%- if tool_call\.arguments is string %\}[\s\S]*?\{%- else %\}([\s\S]*?)\{%- endif %\}/, '$1');
    expect(always).not.toContain('arguments is string');
    expect(templatePrintsArgumentText(always)).toBe(false);
    // Values printed one by one, bare, as a template might.
    const bare = always.replace('{{- tool_call.arguments | tojson }}', '{%- for k, v in tool_call.arguments.items() %}{{ k }}={{ v }};{%- endfor %}');
    expect(bare).not.toBe(always);
    // The tokenizer is shared between tests: its template is put back.
    const setTemplate = (t: string) => ((tokenizer as unknown as { chat_template: string }).chat_template = t);
    try {
      setTemplate(always);
      const r = renderExample(tokenizer, e);
      // The user's own text holds the first marker prefix: another one is taken, and the text stays.
      expect(r.text).toContain('Average WholeFloat0x.');
      expect(r.text.slice(r.promptEnd, r.callEnd)).toContain('"arguments": {"scores": [90.0, 80.5, 1e+16], "n": 2, "w": {"x": [0.0]}}}');
      expect(r.text).not.toMatch(/WholeFloat1x|value/);
      setTemplate(bare);
      const b = renderExample(tokenizer, e);
      expect(b.text.slice(b.promptEnd, b.callEnd)).toContain('scores=[90.0, 80.5, 1e+16];n=2;');
    } finally {
      setTemplate(template);
    }
  });

  it('arguments written as text are byte for byte what the template writes itself', () => {
    const tokenizer = qwen3Tokenizer();
    expect(templatePrintsArgumentText(tokenizer.chat_template)).toBe(true);
    const args = { q: 'Zürich "centre"\n\\ ✓', n: -3, x: 1.5, big: 1e21, tiny: 1e-7, list: [[], {}, null, true, false, { deep: [1, 'a'] }] };
    const render = (a: unknown) => tokenizer.apply_chat_template([{ role: 'user', content: 'hi' }, { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'f', arguments: a } }] }] as never, { tokenize: false }) as string;
    expect(render(argumentsJson(args))).toBe(render(args));
    expect(argumentsJson({ v: new IntegralFloat(5), w: [new IntegralFloat(1e16), new IntegralFloat(-0)] })).toBe('{"v": 5.0, "w": [1e+16, -0.0]}');
  });

  it('an example without whole floats is stored and rendered as before', async () => {
    const [e] = await imported('oa.jsonl', [
      { id: 'plain', tools: [tool], messages: [{ role: 'user', content: 'Average.' }, { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'weighted_avg', arguments: '{"scores": [90, 80.5]}' } }] }] },
    ]);
    expect(e.target.wholeFloats).toBeUndefined();
    expect(targetCalls(e.target)).toBe(e.target.calls);
    expect(rendered(e)).toContain('"arguments": {"scores": [90, 80.5]}}');
  });

  it('travel in a snapshot and count in the fingerprint; boxes never reach storage', async () => {
    const [e] = await imported('fr.jsonl', [{ id: 'fr', tools: [tool.function], messages: [{ role: 'user', content: 'Avg.' }, { role: 'assistant', content: '[weighted_avg(scores=[2.0])]' }] }]);
    const back = parseDatasetJsonl(encodeDatasetJsonl([e])).examples[0];
    expect(back).toEqual(e);
    // The studio's own example lines (hdr-examples.jsonl, a snapshot's dataset.jsonl) import with them.
    expect((await imported('hdr-examples.jsonl', [e]))[0]).toEqual(e);
    expect(rendered(back)).toContain('[weighted_avg(scores=[2.0])]');
    const { wholeFloats: _w, ...without } = e.target;
    // The fingerprint of data imported before the places were kept: runs made then still resume.
    expect(normalisedExampleContent(e)).toBe(normalisedExampleContent({ ...e, target: without }));
    expect(() => parseDatasetJsonl(new TextEncoder().encode(JSON.stringify({ ...e, target: { ...e.target, wholeFloats: [['x']] } })))).toThrow(/wholeFloats\[0\].*call index/);
    const boxed = storableExample({ ...e, messages: [...e.messages, { role: 'assistant', content: '', calls: [{ name: 'f', arguments: { a: new IntegralFloat(1) } }] }], target: { calls: [{ name: 'f', arguments: { a: [new IntegralFloat(2)] } }] } });
    expect(JSON.stringify(boxed)).not.toContain('value');
    expect(structuredClone(boxed)).toEqual(boxed);
    expect(boxed.target.wholeFloats).toEqual([[0, 'a', 0]]);
    expect(boxed.messages.at(-1)).toEqual({ role: 'assistant', content: '', calls: [{ name: 'f', arguments: { a: 1 } }], wholeFloats: [[0, 'a']] });
  });

  it('the checker sees a stored target with its floats, and an HDR sample keeps the floats it wrote', async () => {
    const [e] = await imported('fr.jsonl', [{ id: 'fr', category: 'simple', tools: [tool.function], messages: [{ role: 'user', content: 'Avg.' }, { role: 'assistant', content: '[weighted_avg(scores=[90.0, 80.0])]' }] }]);
    expect(groundTruthOf(e).possibleAnswer[0].weighted_avg.scores[0]).toEqual([new IntegralFloat(90), new IntegralFloat(80)]);
    expect(checkPrediction(e, '[weighted_avg(scores=[90.0, 80.0])]', 'eos', 9).valid).toBe(true);
    // The import writes BFCL's `float` as JSON Schema's `number`, which takes ints as well.
    expect(checkPrediction(e, '[weighted_avg(scores=[90, 80])]', 'eos', 9).valid).toBe(true);
    const parsed = checkGeneratedOutput({ functions: e.tools, ...groundTruthOf(e), output: '[weighted_avg(scores=[90.0, 80.0])]' }).parsed!;
    expect(parsed.calls[0].arguments).toEqual({ scores: [90, 80] });
    const sample = candidateExample(e, parsed, 1);
    expect(sample.target.wholeFloats).toEqual([[0, 'scores', 0], [0, 'scores', 1]]);
    expect(rendered(sample)).toContain('[weighted_avg(scores=[90.0, 80.0])]');
    expect(unboxCalls(targetCalls(sample.target)).wholeFloats).toEqual(sample.target.wholeFloats);
  });
});

// An earlier turn's calls are prompt: HF's template writes the dataset's 5.0 there too (a Python
// float through `tojson`, or the arguments string as it is). They were stored as 5 and trained as 5.
describe('whole floats of an earlier turn', () => {
  const refund = { type: 'function', function: { name: 'refund', description: 'Refund', parameters: { type: 'object', properties: { order: { type: 'string' }, amount: { type: 'number' } }, required: ['order', 'amount'] } } };
  const conversation = {
    id: 'two-refunds',
    tools: [refund],
    messages: [
      { role: 'user', content: 'Refund A-1 by 5 euros.' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'a', type: 'function', function: { name: 'refund', arguments: '{"order": "A-1", "amount": 5.0}' } }] },
      { role: 'tool', tool_call_id: 'a', content: '{"ok": true}' },
      { role: 'user', content: 'And B-2 by 2.5.' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'b', type: 'function', function: { name: 'refund', arguments: '{"order": "B-2", "amount": 2.5}' } }] },
    ],
  };
  const prompt = (e: Example) => {
    const r = renderExample(qwen3Tokenizer(), e);
    return r.text.slice(0, r.promptEnd);
  };

  it('are stored with their places and written 5.0 in the prompt, as HF renders the dataset', async () => {
    const [e] = await imported('oa.jsonl', [conversation]);
    expect(e.messages[1]).toMatchObject({ calls: [{ name: 'refund', arguments: { order: 'A-1', amount: 5 } }], wholeFloats: [[0, 'amount']] });
    expect(e.target.wholeFloats).toBeUndefined();
    expect(prompt(e)).toContain('<tool_call>\n{"name": "refund", "arguments": {"order": "A-1", "amount": 5.0}}\n</tool_call>');
    // What HF's apply_chat_template writes from the record as a Python client reads it (5.0 a float).
    const hf = qwen3Tokenizer().apply_chat_template(
      [conversation.messages[0], { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'refund', arguments: '{"order": "A-1", "amount": 5.0}' } }] }, { role: 'tool', content: '{"ok": true}' }, conversation.messages[3]] as never,
      { tools: [refund], tokenize: false, add_generation_prompt: true } as never,
    ) as unknown as string;
    expect(prompt(e)).toBe(hf);
    // Storage, snapshots and the studio's own lines keep them; the fingerprint is that of data imported before.
    expect(parseDatasetJsonl(encodeDatasetJsonl([e])).examples[0]).toEqual(e);
    expect((await imported('dataset.jsonl', [e]))[0]).toEqual(e);
    const { wholeFloats: _w, ...before } = e.messages[1];
    expect(normalisedExampleContent(e)).toBe(normalisedExampleContent({ ...e, messages: [e.messages[0], before, ...e.messages.slice(2)] }));
    expect(() => parseDatasetJsonl(new TextEncoder().encode(JSON.stringify({ ...e, messages: [e.messages[0], { ...e.messages[1], wholeFloats: [['amount']] }] })))).toThrow(/messages\[1\]\.wholeFloats\[0\].*call index/);
  });

  it('go out in a pushed dataset as written and come back the same', async () => {
    const [e] = await imported('oa.jsonl', [conversation]);
    const record = openaiRecord(e);
    expect(record.messages[1].tool_calls?.[0].function.arguments).toBe('{"order": "A-1", "amount": 5.0}');
    expect((await imported('pushed.jsonl', [record]))[0]).toEqual(e);
  });

  it('are written 5.0 by a template that writes arguments itself, and in Python-syntax prompts', async () => {
    const [e] = await imported('oa.jsonl', [conversation]);
    const tokenizer = qwen3Tokenizer();
    const template = tokenizer.chat_template as string;
    const always = template.replace(/\{%- if tool_call\.arguments is string %\}[\s\S]*?\{%- else %\}([\s\S]*?)\{%- endif %\}/, '$1');
    expect(templatePrintsArgumentText(always)).toBe(false);
    const setTemplate = (t: string) => ((tokenizer as unknown as { chat_template: string }).chat_template = t);
    try {
      setTemplate(always);
      const r = renderExample(tokenizer, e);
      expect(r.text.slice(0, r.promptEnd)).toContain('"arguments": {"order": "A-1", "amount": 5.0}}');
      expect(r.text).not.toMatch(/WholeFloat\d+x/);
    } finally {
      setTemplate(template);
    }
    const python: Example = { ...e, target: { ...e.target, callSyntax: 'python' } };
    expect(prompt(python)).toContain("[refund(order='A-1', amount=5.0)]");
  });
});

