// Learning every calling turn of a conversation (src/data/call-turns.ts): each earlier calling turn
// becomes an example of its own with the conversation before it as its prompt, its reasoning kept,
// its whole floats kept, on its conversation's side of the split; without the choice the example
// says how many of its calling turns are prompt only. Checked on records in the OpenAI and Hermes
// text formats and rendered with the real Qwen3 template, which drops an earlier turn's reasoning
// from a later turn's prompt: the reason each turn is its own example.
import { describe, expect, it } from 'vitest';
import { openAsBlob } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Example } from '../../src/data/example.ts';
import { importDatasetFiles, type DatasetFile } from '../../src/data/import-dataset.ts';
import { checkExample } from '../../src/data/quality-check.ts';
import { sideOf } from '../../src/data/split.ts';
import { callTurnId, conversationOf } from '../../src/data/call-turns.ts';
import { tokenizeExample } from '../../src/data/tokenize-example.ts';
import { SEGMENT_COT } from '../../src/data/token-segments.ts';
import { fileExamples } from '../../src/jobs/data.ts';
import { openaiJsonl } from '../../src/data/openai-record.ts';
import { qwen3Tokenizer } from './qwen3-tokenizer.ts';

const file = (name: string, lines: unknown[]): DatasetFile => ({ name, blob: new Blob([lines.map((l) => JSON.stringify(l)).join('\n')]) });
const fixture = async (name: string): Promise<DatasetFile> => ({ name, blob: await openAsBlob(fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url))) });

const tools = [
  { type: 'function', function: { name: 'find_order', description: 'Find an order', parameters: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] } } },
  { type: 'function', function: { name: 'refund', description: 'Refund an order', parameters: { type: 'object', properties: { order: { type: 'string' }, amount: { type: 'number' } }, required: ['order', 'amount'] } } },
  { type: 'function', function: { name: 'notify', description: 'Email the customer', parameters: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] } } },
];
const call = (id: string, name: string, args: string) => ({ id, type: 'function', function: { name, arguments: args } });

/** Three calling turns: look the order up, refund it (5.0, a whole float), then tell the customer. */
const refundConversation = {
  id: 'refund-7',
  tools,
  messages: [
    { role: 'system', content: 'You help with orders.' },
    { role: 'user', content: 'Refund my last order, 5 euros. I am ann@example.com.' },
    { role: 'assistant', content: '', reasoning_content: 'First find the order of ann@example.com.', tool_calls: [call('a', 'find_order', '{"email": "ann@example.com"}')] },
    { role: 'tool', tool_call_id: 'a', content: '{"order": "A-1"}' },
    { role: 'assistant', content: '', reasoning_content: 'The order is A-1; refund 5.0 euros.', tool_calls: [call('b', 'refund', '{"order": "A-1", "amount": 5.0}')] },
    { role: 'tool', tool_call_id: 'b', content: '{"ok": true}' },
    { role: 'user', content: 'Thanks, email me when done.' },
    { role: 'assistant', content: '', reasoning_content: 'Tell ann@example.com by email.', tool_calls: [call('c', 'notify', '{"email": "ann@example.com"}')] },
  ],
};

const byId = (examples: Example[]) => Object.fromEntries(examples.map((e) => [e.id, e]));

describe('learning every calling turn of a conversation', () => {
  it('without the choice, trains the last calling turn and says how many earlier ones are prompt only', async () => {
    const r = await importDatasetFiles([file('orders.jsonl', [refundConversation])]);
    expect(r.examples.map((e) => e.id)).toEqual(['refund-7']);
    expect(r.files[0]).toMatchObject({ records: 1, imported: 1, rejected: 0 });
    expect(r.files[0].earlierCallTurns).toBeUndefined();
    const report = checkExample(r.examples[0]);
    expect(report.passed).toBe(true); // a note, not a failure
    expect(report.notes).toEqual([
      { rule: 'earlier_calls_in_prompt', detail: '2 earlier turns that call a tool are in the prompt, not trained: to learn each as an example of its own, import with every calling turn learned' },
    ]);
  });

  it('with it, makes each earlier calling turn an example with its reasoning, calls and whole floats', async () => {
    const r = await importDatasetFiles([file('orders.jsonl', [refundConversation])], { everyCallTurn: true });
    expect(r.issues).toEqual([]);
    expect(r.examples.map((e) => e.id)).toEqual(['refund-7#call1', 'refund-7#call2', 'refund-7']);
    expect(r.files[0]).toMatchObject({ records: 1, imported: 3, rejected: 0, earlierCallTurns: 2 });
    const ex = byId(r.examples);
    expect(ex['refund-7#call1']).toEqual({
      id: 'refund-7#call1',
      tools: ex['refund-7'].tools,
      messages: [
        { role: 'system', content: 'You help with orders.' },
        { role: 'user', content: 'Refund my last order, 5 euros. I am ann@example.com.' },
      ],
      target: { calls: [{ name: 'find_order', arguments: { email: 'ann@example.com' } }], reasoning: 'First find the order of ann@example.com.' },
      source: 'openai',
    });
    // The refund's 5.0 is written 5.0 again when it trains, as a last turn's would be.
    expect(ex['refund-7#call2'].target).toEqual({ calls: [{ name: 'refund', arguments: { order: 'A-1', amount: 5 } }], reasoning: 'The order is A-1; refund 5.0 euros.', wholeFloats: [[0, 'amount']] });
    expect(ex['refund-7#call2'].messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(ex['refund-7'].target.calls).toEqual([{ name: 'notify', arguments: { email: 'ann@example.com' } }]);
    // Its earlier turns are learned now: the note is gone, and every turn passes the check.
    for (const e of r.examples) expect(checkExample(e)).toEqual({ passed: true, failures: [] });
  });

  it("trains each turn's reasoning, which Qwen3's template drops from the prompt of a later turn", async () => {
    const tok = qwen3Tokenizer();
    const ex = byId((await importDatasetFiles([file('orders.jsonl', [refundConversation])], { everyCallTurn: true })).examples);
    const decodeCot = (e: Example) => {
      const t = tokenizeExample(tok, e);
      return tok.decode(t.inputIds.filter((_, i) => t.segments[i] === SEGMENT_COT));
    };
    expect(decodeCot(ex['refund-7#call1'])).toContain('First find the order of ann@example.com.');
    expect(decodeCot(ex['refund-7#call2'])).toContain('The order is A-1; refund 5.0 euros.');
    expect(decodeCot(ex['refund-7'])).toContain('Tell ann@example.com by email.');
    // In the last turn's prompt, the first turn's reasoning (before the last user message) is gone.
    const last = tokenizeExample(tok, ex['refund-7']);
    expect(tok.decode(last.inputIds)).not.toContain('First find the order');
    // The second turn's call is written with its whole float, as the dataset wrote it.
    const second = tokenizeExample(tok, ex['refund-7#call2']);
    expect(tok.decode(second.inputIds.filter((_, i) => second.segments[i] !== 0))).toContain('"amount": 5.0');
    // And so it is in the prompt of the turns after it, as the dataset wrote it (it read 5 there).
    expect(tok.decode(last.inputIds.filter((_, i) => last.segments[i] === 0))).toContain('{"name": "refund", "arguments": {"order": "A-1", "amount": 5.0}}');
  });

  it('puts the turns of one conversation on one side of a split made one by one, HDR samples of a turn included', () => {
    const settings = { seed: 7, evalFraction: 0.5 };
    const at = (id: string, source?: string) => ({ id, messages: [], tools: [], ...(source && { source }) });
    let apart = 0;
    for (let i = 0; i < 200; i++) {
      const id = `conv-${i}`;
      const side = sideOf(at(id), settings);
      for (const n of [1, 2, 3]) {
        expect(sideOf(at(callTurnId(id, n)), settings)).toBe(side);
        // An HDR sample of a held-out turn goes with it; of a training turn, it trains.
        expect(sideOf(at(`${callTurnId(id, n)}#hdr1.0`, 'hdr'), settings)).toBe(side);
      }
      // Without the conversation, the turn's own id would often land on the other side.
      if (sideOf(at(`${id}#turn1`), settings) !== side) apart++;
    }
    expect(apart).toBeGreaterThan(50);
    expect(conversationOf('refund-7#call12')).toBe('refund-7');
    expect(conversationOf('refund-7#hdr1.0')).toBe('refund-7#hdr1.0');
  });

  it('learns the earlier calling turns of ShareGPT conversations and of the fixtures, as many as each noted', async () => {
    const system = `You are a function calling AI model.\n<tools>\n${JSON.stringify(tools)}\n</tools>`;
    const sharegpt = {
      id: 'sg-1',
      conversations: [
        { from: 'system', value: system },
        { from: 'human', value: 'Refund my order, I am cy@example.com.' },
        { from: 'gpt', value: '<think>\nFind the order first.\n</think>\n\n<tool_call>\n{"name": "find_order", "arguments": {"email": "cy@example.com"}}\n</tool_call>' },
        { from: 'tool', value: '<tool_response>\n{"order": "C-3"}\n</tool_response>' },
        { from: 'gpt', value: '<think>\nRefund C-3.\n</think>\n\n<tool_call>\n{"name": "refund", "arguments": {"order": "C-3", "amount": 9}}\n</tool_call>' },
      ],
    };
    const sg = await importDatasetFiles([file('sg.jsonl', [sharegpt])], { everyCallTurn: true });
    expect(sg.issues).toEqual([]);
    expect(sg.files[0].format).toBe('sharegpt');
    expect(sg.examples.map((e) => [e.id, e.target.reasoning, e.target.calls[0].name])).toEqual([
      ['sg-1#call1', 'Find the order first.', 'find_order'],
      ['sg-1', 'Refund C-3.', 'refund'],
    ]);

    const files = async () => [await fixture('openai-tools.jsonl'), await fixture('openai-template.jsonl'), await fixture('hermes-text.jsonl'), await fixture('sharegpt.json')];
    const every = await importDatasetFiles(await files(), { everyCallTurn: true });
    const plain = await importDatasetFiles(await files());
    expect(every.issues).toEqual(plain.issues);
    const made = every.examples.filter((e) => e.id.includes('#call'));
    expect(made.length).toBe(every.files.reduce((s, f) => s + (f.earlierCallTurns ?? 0), 0));
    expect(every.files.map((f) => f.imported - (f.earlierCallTurns ?? 0))).toEqual(plain.files.map((f) => f.imported));
    // Every example the plain import noted as having earlier calls gave that many turns.
    for (const e of plain.examples) {
      const note = checkExample(e).notes?.find((n) => n.rule === 'earlier_calls_in_prompt');
      const count = note ? Number(note.detail.split(' ')[0]) : 0;
      expect(made.filter((m) => conversationOf(m.id) === e.id)).toHaveLength(count);
    }
    expect(made.map((e) => e.id).sort()).toEqual(['oa-3#call1', 'tpl-4#call1']);
  });

  it('leaves an HDR sample of a conversation and a turn with no question before it alone', async () => {
    const greeting = {
      id: 'greet-1',
      tools,
      messages: [
        { role: 'assistant', content: '', tool_calls: [call('g', 'find_order', '{"email": "bo@example.com"}')] },
        { role: 'tool', tool_call_id: 'g', content: '{"order": "B-2"}' },
        { role: 'user', content: 'Refund it, 3 euros.' },
        { role: 'assistant', content: '', tool_calls: [call('r', 'refund', '{"order": "B-2", "amount": 3}')] },
      ],
    };
    const sample = { ...refundConversation, id: 'refund-7#hdr1.0', hdr_round: 1 };
    const r = await importDatasetFiles([file('mixed.jsonl', [greeting, sample])], { everyCallTurn: true });
    expect(r.issues).toEqual([]);
    expect(r.examples.map((e) => e.id)).toEqual(['greet-1', 'refund-7#hdr1.0']);
    expect(r.examples.map((e) => checkExample(e).notes)).toEqual([undefined, undefined]);
  });

  it('takes a turn given as its own record (a pushed dataset) once, in either order, and rejects a real duplicate', async () => {
    const firstTurn = { ...refundConversation, id: 'refund-7#call1', messages: refundConversation.messages.slice(0, 3) };
    const before = await importDatasetFiles([file('pushed.jsonl', [firstTurn, refundConversation])], { everyCallTurn: true });
    expect(before.issues).toEqual([]);
    expect(before.examples.map((e) => e.id)).toEqual(['refund-7#call1', 'refund-7#call2', 'refund-7']);
    const after = await importDatasetFiles([file('pushed.jsonl', [refundConversation, firstTurn])], { everyCallTurn: true });
    expect(after.examples.map((e) => e.id)).toEqual(['refund-7#call1', 'refund-7#call2', 'refund-7']);
    expect(after.issues.map((i) => [i.line, i.reason])).toEqual([[2, 'duplicate id "refund-7#call1" (first seen at pushed.jsonl line 1)']]);
    const twice = await importDatasetFiles([file('twice.jsonl', [refundConversation, refundConversation])], { everyCallTurn: true });
    expect(twice.examples).toHaveLength(3);
    expect(twice.issues.map((i) => [i.line, i.reason])).toEqual([[2, 'duplicate id "refund-7" (first seen at twice.jsonl line 1)']]);
  });

  it('notes no earlier turn that is already a record of its own, nor one with no question before it', async () => {
    // What "Push to the Hub" writes after an import with every turn learned: each turn a record,
    // before its conversation. Imported again without the choice, every turn is still learned.
    const learned = await importDatasetFiles([file('orders.jsonl', [refundConversation])], { everyCallTurn: true });
    const pushed: DatasetFile = { name: 'pushed.jsonl', blob: new Blob([new Uint8Array(openaiJsonl(learned.examples))]) };
    const again = await importDatasetFiles([pushed]);
    expect(again.examples.map((e) => e.id)).toEqual(['refund-7#call1', 'refund-7#call2', 'refund-7']);
    expect(again.examples.map((e) => checkExample(e).notes)).toEqual([undefined, undefined, undefined]);
    expect(again.files[0].earlierCallsInPrompt).toBeUndefined();
    // With the choice, the turns of a turn's own record are its conversation's: none is made twice.
    const againEvery = await importDatasetFiles([pushed], { everyCallTurn: true });
    expect(againEvery.issues).toEqual([]);
    expect(againEvery.examples.map((e) => e.id)).toEqual(['refund-7#call1', 'refund-7#call2', 'refund-7']);
    // Only the turn missing from the file is noted.
    const withoutSecond = await importDatasetFiles([{ name: 'part.jsonl', blob: new Blob([new Uint8Array(openaiJsonl(learned.examples.filter((e) => e.id !== 'refund-7#call2')))]) }]);
    expect(checkExample(withoutSecond.examples.at(-1)!).notes?.map((n) => n.detail)).toEqual([
      '1 earlier turn that calls a tool is in the prompt, not trained: to learn it as an example of its own, import with every calling turn learned',
    ]);
    expect(withoutSecond.files[0].earlierCallsInPrompt).toBe(1);
    // A greeting that calls a tool has no question to learn it from, with the choice or without.
    const greeting = { id: 'greet-2', tools, messages: [{ role: 'assistant', content: '', tool_calls: [call('g', 'find_order', '{"email": "bo@example.com"}')] }, { role: 'tool', tool_call_id: 'g', content: '{}' }, { role: 'user', content: 'Refund B-2, 3 euros.' }, { role: 'assistant', content: '', tool_calls: [call('r', 'refund', '{"order": "B-2", "amount": 3}')] }] };
    const plain = await importDatasetFiles([file('greet.jsonl', [greeting])]);
    expect(checkExample(plain.examples[0]).notes).toBeUndefined();
  });

  it('keeps the studio\'s own example lines as they are', async () => {
    const [last] = (await importDatasetFiles([file('orders.jsonl', [refundConversation])])).examples;
    const r = await importDatasetFiles([{ name: 'dataset.jsonl', blob: new Blob([JSON.stringify(last) + '\n']) }], { everyCallTurn: true });
    expect(r.files[0].format).toBe('studio');
    expect(r.examples.map((e) => e.id)).toEqual(['refund-7']);
  });

  it('counts the turns in the examples a run reads from files, held out with their conversation', async () => {
    const conversations = Array.from({ length: 40 }, (_, i) => ({ ...refundConversation, id: `order-${i}` }));
    const data = await fileExamples([file('orders.jsonl', conversations)], { split: { seed: 3, evalFraction: 0.3 }, everyCallTurn: true });
    expect(data.train.length + data.eval.length).toBe(120);
    const sideOfConversation = new Map<string, string>();
    for (const [side, list] of [['train', data.train], ['eval', data.eval]] as const) {
      for (const e of list) {
        const conversation = conversationOf(e.id);
        expect(sideOfConversation.get(conversation) ?? side).toBe(side);
        sideOfConversation.set(conversation, side);
      }
    }
    expect(data.eval.length % 3).toBe(0);
    expect(data.eval.length).toBeGreaterThan(0);
  });
});
