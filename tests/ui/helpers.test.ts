// Small pure helpers of the UI: example text for the table and search, generated output that is
// only whitespace, the playground's tool list and held-out questions, snapshot file names and share-link
// detection.
import { describe, expect, it } from 'vitest';
import { callText, lastUserMessage, searchableText, targetCallTexts, visibleOutput } from '../../src/ui/dataset/exampleText.ts';
import { playgroundResult } from '../../src/worker/playground.ts';
import { datasetTools, heldOutSamples } from '../../src/ui/playground/datasetTools.ts';
import { savedSnapshotNotice, snapshotFileName } from '../../src/state/snapshotStore.ts';
import { shareFragmentOf } from '../../src/ui/snapshot/shareFragment.ts';
import { importResultText } from '../../src/ui/dataset/DatasetImport.tsx';
import type { Example } from '../../src/data/example.ts';

const example: Example = {
  id: 'ex-1',
  tools: [{ name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'Weather in Paris?' },
  ],
  target: { reasoning: 'The user wants the weather.', calls: [{ name: 'get_weather', arguments: { city: 'Paris', days: 2 } }] },
};

describe('example text', () => {
  it('writes calls as name(arg=json) and finds the last user message', () => {
    expect(callText(example.target.calls[0])).toBe('get_weather(city="Paris", days=2)');
    expect(lastUserMessage(example)).toBe('Weather in Paris?');
  });

  it('searches ids, messages, tools, calls and reasoning, case-insensitively', () => {
    const text = searchableText(example);
    for (const needle of ['ex-1', 'paris', 'get_weather', 'days=2', 'wants the weather']) expect(text).toContain(needle);
  });

  it('shows whole floats as the dataset wrote and training writes them (90.0, not 90), in search too', () => {
    const target = { calls: [{ name: 'avg', arguments: { scores: [90, 80.5], n: 2, w: { x: 1 } } }], wholeFloats: [[0, 'scores', 0], [0, 'w', 'x']] };
    expect(targetCallTexts(target)).toEqual(['avg(scores=[90.0, 80.5], n=2, w={"x": 1.0})']);
    expect(targetCallTexts({ calls: target.calls })).toEqual(['avg(scores=[90, 80.5], n=2, w={"x": 1})']);
    expect(searchableText({ ...example, target })).toContain('scores=[90.0, 80.5]');
    // The playground's answer: what the model wrote, carried to the page as plain data with its places.
    const answer = playgroundResult('<tool_call>\n{"name": "avg", "arguments": {"scores": [90.0, 80.5]}}\n</tool_call>', 'eos', 20, { millis: 1 }, []);
    expect(structuredClone(answer)).toEqual(answer);
    expect(targetCallTexts(answer)).toEqual(['avg(scores=[90.0, 80.5])']);
  });

  it('says when generated output is only whitespace instead of showing an empty box', () => {
    expect(visibleOutput('')).toBe('(empty)');
    expect(visibleOutput('\n\n ')).toBe('(only whitespace: 3 characters, 2 line breaks)');
    expect(visibleOutput('[f(a=1)]')).toBe('[f(a=1)]');
  });
});

describe('datasetTools', () => {
  it('keeps one tool per name, first definition wins, sorted', () => {
    const other = { ...example, tools: [{ name: 'get_weather', parameters: {} }, { name: 'calc', parameters: {} }] };
    const tools = datasetTools([example, other]);
    expect(tools.map((t) => t.name)).toEqual(['calc', 'get_weather']);
    expect(tools[1].description).toBe('Weather now');
  });

  it('offers the held-out questions with their tools and expected calls, a conversation with its turns, nothing from training', () => {
    const chat: Example = { ...example, id: 'chat', messages: [...example.messages, { role: 'assistant', content: 'Which units?' }, { role: 'user', content: 'Celsius' }] };
    const smallTalk: Example = { ...example, id: 'hi', messages: [{ role: 'user', content: 'Tell me a joke.' }], target: { calls: [] } };
    const samples = heldOutSamples([
      { example, split: 'train' },
      { example: { ...example, id: 'ex-2' }, split: 'eval' },
      { example: chat, split: 'eval' },
      { example: smallTalk, split: 'eval' },
    ]);
    expect(samples.map(({ example: e, ...rest }) => ({ ...rest, from: e.id }))).toEqual([
      { id: 'ex-2', query: 'Weather in Paris?', toolNames: ['get_weather'], expected: { calls: [{ name: 'get_weather', arguments: { city: 'Paris', days: 2 } }] }, from: 'ex-2' },
      // A chat asks its last question, with the turns before it.
      { id: 'chat', query: 'Celsius', conversation: chat.messages.filter((m) => m.role !== 'system'), toolNames: ['get_weather'], expected: { calls: [{ name: 'get_weather', arguments: { city: 'Paris', days: 2 } }] }, from: 'chat' },
      { id: 'hi', query: 'Tell me a joke.', toolNames: ['get_weather'], expected: { calls: [] }, from: 'hi' },
    ]);
  });
});

describe('snapshot names and links', () => {
  it('makes a safe file name from the run name and step', () => {
    expect(snapshotFileName({ id: 'r', name: 'ssb r4 lr 0.001', lastStep: 24 })).toBe('ssb-r4-lr-0.001-step24.zip');
    expect(snapshotFileName({ id: 'run-1', name: '../../etc/passwd' })).toBe('..-..-etc-passwd-step0.zip');
    expect(snapshotFileName({ id: 'r', name: '///' })).toBe('run-step0.zip');
    // An HDR run's last step is its round: HDR after 30 steps, at round 2, is no "step2" run.
    expect(snapshotFileName({ id: 'h', name: 'HDR on r', lastStep: 2, kind: 'hdr' })).toBe('HDR-on-r-round2.zip');
  });

  it('says only what the exported snapshot holds', () => {
    expect(savedSnapshotNotice('a.zip', 2_500_000, { adapter: true, checkpoint: true, dataset: true })).toBe('Saved a.zip (2.4 MiB): run.json with config and metrics, the PEFT adapter, the trainer checkpoint (to resume it), and the dataset.');
    expect(savedSnapshotNotice('a.zip', 2_500_000, { adapter: true, checkpoint: false, dataset: false })).toBe('Saved a.zip (2.4 MiB): run.json with config and metrics, and the PEFT adapter.');
    expect(savedSnapshotNotice('b.zip', 12_000, { adapter: false, checkpoint: false, dataset: false })).toBe('Saved b.zip (11.7 KiB): run.json with config and metrics only; no adapter, as the run has saved no checkpoint yet.');
  });

  it('recognises only a non-empty #share= fragment', () => {
    expect(shareFragmentOf('#share=abc')).toBe('#share=abc');
    expect(shareFragmentOf('#share=')).toBe('#share=');
    expect(shareFragmentOf('#other')).toBeNull();
    expect(shareFragmentOf('')).toBeNull();
  });
});

describe('the import result line', () => {
  it('counts what was imported, or names the stored dataset the file already is', () => {
    expect(importResultText({ imported: 120, issueCount: 3 })).toBe('120 examples imported, 3 records skipped.');
    expect(importResultText({ imported: 320, issueCount: 0, alreadyStoredAs: 'demo-dataset' })).toBe('These 320 examples are already stored as “demo-dataset”, split alike: nothing new was saved, and “demo-dataset” is selected.');
    expect(importResultText({ imported: 320, issueCount: 0, storedOneByOneAs: 'demo-dataset' })).toBe(
      '320 examples imported. “demo-dataset” holds the same examples, split one by one (stored before splits went by question): this copy holds out each question with every example that asks it. Train and evaluate on this one; delete the other once its runs no longer matter.',
    );
    // A snapshot's lines that use or leave out some otherwise: the stored dataset's choices are kept, and said.
    expect(importResultText({ imported: 320, issueCount: 0, alreadyStoredAs: 'demo-dataset', choicesKept: 2 })).toBe(
      'These 320 examples are already stored as “demo-dataset”, split alike: nothing new was saved, and “demo-dataset” is selected. It uses or leaves out 2 examples otherwise than the file’s lines say ("included"): it keeps its own choices; change them in its examples table.',
    );
  });
});
