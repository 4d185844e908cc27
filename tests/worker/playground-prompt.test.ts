// The playground asks a held-out question as the evaluation asks it, so its "the evaluation would
// count this right/wrong" is about the same prompt: the example's own system turn, its own tool
// schemas in its own order, and for Python-syntax data (FunReason, BFCL prompt mode) the BFCL system
// prompt and `[f(a=1)]` calls, not the chat template's JSON tools. It used to send one user turn with
// the dataset-wide tool list (first definition of each name, sorted): 9 of the demo's 31 held-out
// prompts differed. A question typed on a Python-syntax dataset gets the BFCL prompt too. A cancelled
// answer is not judged: it was never finished.
import { openAsBlob } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Example, FunctionSchema, JsonSchema } from '../../src/data/example.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { renderPrompt } from '../../src/data/render-prompt.ts';
import { DEFAULT_SPLIT, sideOf } from '../../src/data/split.ts';
import { datasetCallSyntax, datasetTools, heldOutSamples } from '../../src/worker/datasetBrowse.ts';
import { playgroundPrompt, playgroundResult } from '../../src/worker/playground.ts';
import { answerTurns, playgroundMessages } from '../../src/state/playgroundStore.ts';
import { qwen3Tokenizer } from '../data/qwen3-tokenizer.ts';

const tokenizer = qwen3Tokenizer();
const ctx = { model: { tokenizer, spec: { maxPositionEmbeddings: 40_960 } } } as unknown as Parameters<typeof playgroundPrompt>[0];
const decode = (ids: number[]) => tokenizer.decode(ids, { skip_special_tokens: false });
const load = async (path: string) => (await importDatasetFiles([{ name: path.split('/').at(-1)!, blob: await openAsBlob(path) }])).examples;
/** What the playground sends for a held-out example on show, with nothing edited. */
const askedAsItStands = (example: Example, datasetWide: FunctionSchema[]) =>
  playgroundPrompt(ctx, { streamId: 's', maxNewTokens: 8, temperature: 0, ...playgroundMessages({ query: '', tools: datasetWide, heldOut: example }) });

describe('a held-out question in the playground', () => {
  it('of FunReason data renders as the evaluation renders it: BFCL system prompt, Python-syntax calls', async () => {
    const examples = await load(fileURLToPath(new URL('../fixtures/data/funreason.jsonl', import.meta.url)));
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      expect(example.target.callSyntax).toBe('python');
      const asked = decode(askedAsItStands(example, datasetTools(examples)));
      expect(asked).toBe(renderPrompt(tokenizer, example).text);
      expect(asked).not.toContain('<tools>'); // the chat template's JSON tool list is not the prompt it was trained on
    }
  });

  it('of the demo dataset renders as the evaluation renders it, every one (its own tools, in its order)', async () => {
    const examples = await load('public/demo/demo-dataset.jsonl');
    const samples = heldOutSamples(examples.map((example) => ({ example, split: sideOf(example, DEFAULT_SPLIT) })));
    expect(samples.length).toBeGreaterThan(20);
    const differ = samples.filter((s) => askedAsItStands(s.example, datasetTools(examples)).join() !== renderPrompt(tokenizer, s.example).ids.join()).map((s) => s.id);
    expect(differ).toEqual([]);
  });

  it('of a conversation (a later calling turn) is offered with its turns and asked as the evaluation asks it', async () => {
    const file = fileURLToPath(new URL('../fixtures/data/openai-tools.jsonl', import.meta.url));
    const examples = (await importDatasetFiles([{ name: 'openai-tools.jsonl', blob: await openAsBlob(file) }], { everyCallTurn: true })).examples;
    const samples = heldOutSamples(examples.map((example) => ({ example, split: 'eval' as const })));
    // Every example has a question: the conversation's later turn (oa-3) and its first (oa-3#call1) too.
    expect(samples.map((s) => s.id)).toEqual(examples.map((e) => e.id));
    const later = samples.find((s) => s.id === 'oa-3')!;
    expect(later.query).toBe('Find me a flight from SFO to JFK on 2024-05-03 and book the first one for 2 people.');
    expect(later.conversation?.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(samples.find((s) => s.id === 'oa-3#call1')!.conversation).toBeUndefined();
    for (const s of samples) expect(askedAsItStands(s.example, datasetTools(examples)).join()).toBe(renderPrompt(tokenizer, s.example).ids.join());
  });

  it('is asked with its own schema where another example defines the same tool differently', () => {
    const search = (props: Record<string, JsonSchema>): FunctionSchema => ({ name: 'search', description: 'Search', parameters: { type: 'object', properties: props, required: Object.keys(props) } });
    const trained: Example = { id: 'a', tools: [search({ q: { type: 'string' }, limit: { type: 'integer' } })], messages: [{ role: 'user', content: 'x' }], target: { calls: [] } };
    const held: Example = { id: 'b', tools: [search({ query: { type: 'string' } })], messages: [{ role: 'user', content: 'Find cats' }], target: { calls: [{ name: 'search', arguments: { query: 'cats' } }] } };
    // The dataset-wide list keeps the first definition: the other example's.
    expect(datasetTools([trained, held])[0]).toEqual(trained.tools[0]);
    expect(playgroundMessages({ query: 'Find cats', tools: datasetTools([trained, held]), heldOut: held }).tools).toEqual(held.tools);
  });
});

describe('a question typed in the playground', () => {
  it('on a Python-syntax dataset is asked under the BFCL system prompt, as the model was trained', async () => {
    const examples = await load(fileURLToPath(new URL('../fixtures/data/funreason.jsonl', import.meta.url)));
    const python = examples.filter((e) => e.target.callSyntax === 'python').length;
    expect(datasetCallSyntax(python, examples.length)).toBe('python');
    const tools = datasetTools(examples).slice(0, 2);
    const question = playgroundMessages({ query: 'What is 2 + 2?', tools, callSyntax: datasetCallSyntax(python, examples.length) });
    expect(question.messages).toEqual([{ role: 'user', content: 'What is 2 + 2?' }]);
    const asked = decode(playgroundPrompt(ctx, { streamId: 's', maxNewTokens: 8, temperature: 0, ...question }));
    expect(asked).toBe(renderPrompt(tokenizer, { id: 'q', tools, messages: question.messages, target: { calls: [], callSyntax: 'python' } }).text);
    expect(asked).not.toContain('<tools>');
    expect(asked).toContain(tools[0].name);
  });

  it('on a JSON dataset keeps the chat template’s tools', () => {
    expect(datasetCallSyntax(1, 3)).toBeUndefined();
    expect(playgroundMessages({ query: 'Hi', tools: [] })).toEqual({ tools: [], messages: [{ role: 'user', content: 'Hi' }] });
  });
});

describe('a playground conversation gone on with the calls’ results', () => {
  it('is asked as the template writes the conversation: the question, the call, its result, then a new assistant turn', () => {
    const tools: FunctionSchema[] = [{ name: 'find_order', description: 'Find an order', parameters: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] } }];
    const followUp = answerTurns({ reasoning: 'Find it first.', calls: [{ name: 'find_order', arguments: { email: 'ann@example.com' } }] }, ['{"order": "A-1"}']);
    const question = playgroundMessages({ query: 'Refund my order, I am ann@example.com', tools, followUp });
    const asked = decode(playgroundPrompt(ctx, { streamId: 's', maxNewTokens: 8, temperature: 0, ...question }));
    // What a dataset's later calling turn is trained on (call-turns.ts) with the same turns.
    expect(asked).toBe(renderPrompt(tokenizer, { id: 'q', tools, messages: question.messages, target: { calls: [] } }).text);
    expect(asked).toContain('<tool_call>\n{"name": "find_order", "arguments": {"email": "ann@example.com"}}\n</tool_call>');
    expect(asked).toContain('<tool_response>\n{"order": "A-1"}\n</tool_response>');
    expect(asked.endsWith('<|im_start|>assistant\n')).toBe(true);
  });

  it('gives the model back a whole float it wrote as it wrote it (5.0, not 5)', () => {
    const tools: FunctionSchema[] = [{ name: 'refund', description: 'Refund an order', parameters: { type: 'object', properties: { order: { type: 'string' }, amount: { type: 'number' } }, required: ['order', 'amount'] } }];
    const answer = playgroundResult('<think>Refund it.</think>\n<tool_call>\n{"name": "refund", "arguments": {"order": "A-1", "amount": 5.0}}\n</tool_call>', 'eos', 30, { millis: 5 }, tools);
    expect(answer.calls).toEqual([{ name: 'refund', arguments: { order: 'A-1', amount: 5 } }]);
    const followUp = answerTurns(answer, ['{"ok": true}']);
    const asked = decode(playgroundPrompt(ctx, { streamId: 's', maxNewTokens: 8, temperature: 0, ...playgroundMessages({ query: 'Refund A-1 by 5 euros', tools, followUp }) }));
    expect(asked).toContain('<tool_call>\n{"name": "refund", "arguments": {"order": "A-1", "amount": 5.0}}\n</tool_call>');
  });
});

describe('a cancelled playground answer', () => {
  const example: Example = { id: 'demo-9', tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }], messages: [{ role: 'user', content: 'Weather in Paris?' }], target: { calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] } };
  const open = '<think>The user wants the weather.</think>\n<tool_call>\n{"name": "get_weather", "arguments": {"ci';

  it('gets no verdict, and its unclosed call says the user cancelled it', () => {
    const result = playgroundResult(open, 'aborted', 12, { millis: 5 }, example.tools, example);
    expect(result.check).toBeUndefined();
    expect(result.parseError).toMatch(/never closed by <\/tool_call> \(you cancelled it\)$/);
    // Finished the same way on its own, it is judged.
    expect(playgroundResult(open, 'eos', 12, { millis: 5 }, example.tools, example).check).toMatchObject({ correct: false, why: expect.stringMatching(/the model ended its answer without closing it/) });
  });
});
