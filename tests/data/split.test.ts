// The split by question: examples asking the same question (conversation and tools, whatever the
// answer) share a side, so no held-out question is one training answers; the turns of a conversation
// go with its first request; datasets and run folders from before keep their split one by one.
import { openAsBlob } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { promptKey } from '../../src/data/prompt-key.ts';
import { DEFAULT_SPLIT, EXAMPLE_SPLIT, questionOf, sameSplit, sideOf, splitKey, splitOf, splitSettings, splitText } from '../../src/data/split.ts';
import { conversationOf } from '../../src/data/call-turns.ts';

const tools: Example['tools'] = [{ name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
const ask = (id: string, question: string, city: string, extra: Partial<Example> = {}): Example => ({
  id,
  tools,
  messages: [{ role: 'user', content: question }],
  target: { content: '', calls: [{ name: 'get_weather', arguments: { city } }] },
  ...extra,
});

describe('the split by question', () => {
  it('is what new datasets and CLI runs split with; the one-by-one split keeps its place', () => {
    expect(DEFAULT_SPLIT).toEqual({ seed: 1234, evalFraction: 0.1, by: 'question' });
    expect(EXAMPLE_SPLIT).toEqual({ seed: 1234, evalFraction: 0.1 });
    expect(sameSplit(DEFAULT_SPLIT, EXAMPLE_SPLIT)).toBe(false);
    expect(sameSplit(DEFAULT_SPLIT, splitSettings(1234, 0.1, true))).toBe(true);
    expect(splitSettings(7, 0.2, false)).toEqual({ seed: 7, evalFraction: 0.2 });
    expect(splitKey(DEFAULT_SPLIT)).not.toBe(splitKey(EXAMPLE_SPLIT));
    expect(splitText(DEFAULT_SPLIT)).toBe('10% held out (seed 1234)');
    expect(splitText(EXAMPLE_SPLIT)).toBe('10% held out example by example (seed 1234)');
  });

  it('puts every answer to one question on its side, and holds out about the share of questions', () => {
    const settings = splitSettings(7, 0.3, true);
    let questionsHeld = 0;
    let apartOneByOne = 0;
    for (let q = 0; q < 300; q++) {
      const question = `What is the weather like in town number ${q}?`;
      // Three answers to one question, one of them another record of another file (other id).
      const answers = [ask(`w-${q}`, question, `T${q}`), ask(`w-${q}-again`, question, `Town ${q}`), ask(`other.jsonl:${q}`, question, `T${q}`, { source: 'hdr' })];
      const sides = answers.map((e) => sideOf(e, settings));
      expect(new Set(sides).size).toBe(1);
      if (sides[0] === 'eval') questionsHeld++;
      // Split one by one, the same answers often landed on both sides: the held-out one then asked
      // what a training one answered.
      if (new Set(answers.map((e) => sideOf(e, { seed: 7, evalFraction: 0.3 }))).size > 1) apartOneByOne++;
    }
    expect(questionsHeld / 300).toBeGreaterThan(0.22);
    expect(questionsHeld / 300).toBeLessThan(0.38);
    expect(apartOneByOne).toBeGreaterThan(100);
  });

  it('goes by what is asked, not the id: another question or other tools may take the other side', () => {
    const settings = splitSettings(11, 0.5, true);
    let otherSide = 0;
    for (let q = 0; q < 100; q++) {
      const e = ask(`x-${q}`, `Weather in place ${q}?`, 'P');
      const otherTools = { ...e, tools: [{ ...tools[0], description: 'Current weather' }] };
      if (sideOf(otherTools, settings) !== sideOf(e, settings)) otherSide++;
      // A single request's question is its whole prompt, as the asked-in-training count keys it.
      expect(questionOf(e)).toBe(promptKey(e));
    }
    expect(otherSide).toBeGreaterThan(20);
    // A pure function of the seed and what is asked: the same on every call, another seed moves some.
    const e = ask('fixed', 'Weather in Oslo?', 'Oslo');
    expect(sideOf(e, settings)).toBe(splitOf(questionOf(e), settings));
  });

  it('keeps every calling turn of a conversation with its first request, and its HDR samples with them', async () => {
    const call = (id: string, name: string, args: string) => ({ id, type: 'function', function: { name, arguments: args } });
    const conversation = (n: number) => ({
      id: `refund-${n}`,
      tools: [
        { type: 'function', function: { name: 'find_order', description: 'Find an order', parameters: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] } } },
        { type: 'function', function: { name: 'refund', description: 'Refund an order', parameters: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] } } },
      ],
      messages: [
        { role: 'user', content: `Refund order number ${n}. I am ann${n}@example.com.` },
        { role: 'assistant', content: '', tool_calls: [call('a', 'find_order', `{"email": "ann${n}@example.com"}`)] },
        { role: 'tool', tool_call_id: 'a', content: `{"order": "A-${n}"}` },
        { role: 'assistant', content: '', tool_calls: [call('b', 'refund', `{"order": "A-${n}"}`)] },
        { role: 'user', content: 'Thanks.' },
        { role: 'assistant', content: 'Done: it is refunded.' },
      ],
    });
    const lines = Array.from({ length: 60 }, (_, n) => JSON.stringify(conversation(n))).join('\n');
    const { examples } = await importDatasetFiles([{ name: 'orders.jsonl', blob: new Blob([lines]) }], { everyCallTurn: true });
    const settings = splitSettings(3, 0.5, true);
    const sides = new Map<string, Set<string>>();
    for (const e of examples) {
      const conv = conversationOf(e.id);
      const hdrSample = { ...e, id: `${e.id}#hdr1.0`, source: 'hdr' };
      sides.set(conv, new Set([...(sides.get(conv) ?? []), sideOf(e, settings), sideOf(hdrSample, settings)]));
    }
    expect(examples.filter((e) => e.id.includes('#call')).length).toBeGreaterThanOrEqual(60);
    expect([...sides.values()].every((s) => s.size === 1)).toBe(true);
    const held = [...sides.values()].filter((s) => s.has('eval')).length;
    expect(held).toBeGreaterThan(15);
    expect(held).toBeLessThan(45);
  });

  it('holds out none of the demo dataset’s repeated questions on one side and their twins on the other', async () => {
    const path = fileURLToPath(new URL('../../public/demo/demo-dataset.jsonl', import.meta.url));
    const { examples } = await importDatasetFiles([{ name: 'demo-dataset.jsonl', blob: await openAsBlob(path) }]);
    const trainedAsks = (split: typeof DEFAULT_SPLIT) => new Set(examples.filter((e) => sideOf(e, split) === 'train').map(promptKey));
    const heldAskedInTraining = (split: typeof DEFAULT_SPLIT) => examples.filter((e) => sideOf(e, split) === 'eval' && trainedAsks(split).has(promptKey(e))).length;
    // Split one by one, the demo's held-out side asked questions training answers word for word.
    expect(heldAskedInTraining(EXAMPLE_SPLIT)).toBeGreaterThan(0);
    expect(heldAskedInTraining(DEFAULT_SPLIT)).toBe(0);
    expect(examples.filter((e) => sideOf(e, DEFAULT_SPLIT) === 'eval').length).toBeGreaterThan(15);
  });
});
