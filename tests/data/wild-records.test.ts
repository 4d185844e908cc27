// Records as public datasets write them, beyond the format descriptions: LLaMA-Factory's system
// prompt beside the conversation, ToolACE's BFCL-style prompt with Python calls and no <tools>,
// ShareGPT replies split over a `gpt` and a `function_call` turn, a call given twice, Python calls
// in a function_call turn, a tool result given as JSON, an empty answer, a FunReason call list in
// a code fence. Each was once read wrongly without a word (tools lost, reasoning put in the prompt,
// a call doubled, nothing to learn) or refused for a reason that did not say why.
import { describe, expect, it } from 'vitest';
import { tokenizeExample } from '../../src/data/tokenize-example.ts';
import { SEGMENT_CALL, SEGMENT_COT } from '../../src/data/token-segments.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { checkExample } from '../../src/data/quality-check.ts';
import { qwen3Tokenizer } from './qwen3-tokenizer.ts';

async function importRecords(records: unknown[], name = 'wild.jsonl') {
  return importDatasetFiles([{ name, blob: new Blob([records.map((r) => JSON.stringify(r)).join('\n') + '\n']) }]);
}

const TRIANGLE = [{ name: 'calculate_triangle_area', description: 'Area of a triangle.', parameters: { type: 'dict', properties: { base: { type: 'integer' }, height: { type: 'integer' } }, required: ['base', 'height'] } }];
const BFCL_SYSTEM = `You are an expert in composing functions.\nHere is a list of functions in JSON format that you can invoke.\n${JSON.stringify(TRIANGLE, null, 4)}\n`;
const WEATHER_TOOL = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

describe('records found in public datasets', () => {
  it('FunReason in LLaMA-Factory’s layout keeps the system prompt beside the conversation, and the functions it lists', async () => {
    const r = await importRecords([
      { id: 'fr', system: BFCL_SYSTEM, conversations: [{ from: 'human', value: 'Area for base 10, height 5?' }, { from: 'gpt', value: '<think>\nBase 10, height 5.\n</think>\n\n[calculate_triangle_area(base=10, height=5)]' }] },
      { id: 'fr-none', conversations: [{ from: 'human', value: 'Area?' }, { from: 'gpt', value: '<think>\nok\n</think>\n\n[calculate_triangle_area(base=1, height=2)]' }] },
    ]);
    expect(r.files[0].format).toBe('funreason');
    const [ex] = r.examples;
    expect(ex.tools.map((t) => t.name)).toEqual(['calculate_triangle_area']);
    expect(ex.messages[0]).toEqual({ role: 'system', content: BFCL_SYSTEM });
    expect(checkExample(ex).failures).toEqual([]);
    // Without a system prompt or tools there is nothing to call: refused, by name.
    expect(r.issues.map((i) => [i.index, i.reason])).toEqual([[1, 'record lists no functions: no tools field and no system prompt listing them']]);
  });

  it('ToolACE-style ShareGPT reads its functions from the BFCL-style system prompt', async () => {
    const r = await importRecords([
      { id: 'ta', system: BFCL_SYSTEM, conversations: [{ from: 'user', value: 'Area for base 3, height 4?' }, { from: 'assistant', value: '[calculate_triangle_area(base=3, height=4)]' }, { from: 'tool', value: '[{"area": 6}]' }, { from: 'assistant', value: 'The area is 6.' }] },
    ]);
    expect(r.files[0].format).toBe('sharegpt');
    const [ex] = r.examples;
    expect(ex.tools.map((t) => t.name)).toEqual(['calculate_triangle_area']);
    expect(ex.target).toMatchObject({ calls: [{ name: 'calculate_triangle_area', arguments: { base: 3, height: 4 } }], callSyntax: 'python' });
    expect(checkExample(ex).failures).toEqual([]);
  });

  it('a reply split over a gpt turn and a function_call turn is one target: its reasoning is reasoning, its remark content', async () => {
    const r = await importRecords([
      { id: 'split-think', tools: [WEATHER_TOOL], conversations: [{ from: 'human', value: 'Weather in Paris?' }, { from: 'gpt', value: '<think>One city.</think>' }, { from: 'function_call', value: '{"name": "get_weather", "arguments": {"city": "Paris"}}' }] },
      { id: 'split-text', tools: [WEATHER_TOOL], conversations: [{ from: 'human', value: 'Weather in Oslo?' }, { from: 'gpt', value: 'Let me look that up.' }, { from: 'function_call', value: "get_weather(city='Oslo')" }] },
    ]);
    expect(r.issues).toEqual([]);
    const [think, text] = r.examples;
    expect(think.messages).toEqual([{ role: 'user', content: 'Weather in Paris?' }]);
    expect(think.target).toEqual({ reasoning: 'One city.', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    // The function_call turn in Python syntax is read as the call it is.
    expect(text.target).toEqual({ content: 'Let me look that up.', calls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] });
    // Both render and segment: the reasoning is trained as reasoning, the call as call.
    const tok = qwen3Tokenizer();
    const t = tokenizeExample(tok, think);
    const cot = t.inputIds.filter((_, i) => t.segments[i] === SEGMENT_COT).length;
    expect(cot).toBeGreaterThan(2);
    expect(tok.decode(Array.from(t.inputIds.filter((_, i) => t.segments[i] === SEGMENT_CALL)))).toContain('"city": "Paris"');
    expect(() => tokenizeExample(tok, text)).not.toThrow();
    for (const e of r.examples) expect(checkExample(e).failures).toEqual([]);
  });

  it('one call given both as tool_calls and in the content is one call; a tool result given as JSON is its text', async () => {
    const call = { type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } };
    const r = await importRecords([
      { id: 'twice', tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Paris?' }, { role: 'assistant', content: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>', tool_calls: [call] }] },
      {
        id: 'json-result',
        tools: [WEATHER_TOOL],
        messages: [{ role: 'user', content: 'Paris, then Oslo?' }, { role: 'assistant', content: '', tool_calls: [call] }, { role: 'tool', content: { temp: 21 } }, { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city: 'Oslo' } } }] }],
      },
      { id: 'user-object', messages: [{ role: 'user', content: { text: 'hi' } }, { role: 'assistant', content: 'Hello!' }] },
    ]);
    const [twice, result] = r.examples;
    expect(twice.target.calls).toEqual([{ name: 'get_weather', arguments: { city: 'Paris' } }]);
    expect(result.messages[2]).toEqual({ role: 'tool', content: '{"temp":21}' });
    expect(r.issues.map((i) => i.reason)).toEqual(['messages[0].content is an object, expected text']);
  });

  it('flags an answer with no call and no text, but not the formats’ own “no function applies”', async () => {
    const r = await importRecords([
      { id: 'null', tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: null }] },
      { id: 'think-only', tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: '<think>Nothing to do.</think>' }] },
      { id: 'reply', tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello! Ask me about the weather.' }] },
    ]);
    const findings = r.examples.map((e) => checkExample(e).failures);
    expect(findings[0]).toEqual([{ rule: 'target_json_parses', detail: 'the answer is empty: no call and no text' }]);
    expect(findings[1]).toEqual([{ rule: 'target_json_parses', detail: 'the answer is empty: no call and no text' }]);
    expect(findings[2]).toEqual([]);
    const none = await importRecords([{ id: 'fr-none', system: BFCL_SYSTEM, query: 'Tell me a joke.', output: '<think>\nNo function fits.\n</think>\n\n[]' }]);
    expect(checkExample(none.examples[0]).failures).toEqual([]);
  });

  it('keeps a persona written before Hermes boilerplate, and says when two reasonings disagree', async () => {
    const tools = '<tools>\n{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}\n</tools>';
    const hermes = `You are Bob, a weather bot for Oslo.\nYou are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. Here are the available tools: ${tools}`;
    const r = await importRecords([
      { id: 'bob', conversations: [{ from: 'system', value: hermes }, { from: 'human', value: 'Oslo?' }, { from: 'gpt', value: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>' }] },
      { id: 'plain', conversations: [{ from: 'system', value: `You are a function calling AI model. ${tools}` }, { from: 'human', value: 'Oslo?' }, { from: 'gpt', value: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>' }] },
    ]);
    const [bob, plain] = r.examples;
    const openai = await importRecords([
      { id: 'two', tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Paris?' }, { role: 'assistant', reasoning_content: 'One city.', content: '<think>Two cities?</think>', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] }] },
    ]);
    const [two] = openai.examples;
    expect(bob.messages[0]).toEqual({ role: 'system', content: 'You are Bob, a weather bot for Oslo.' });
    expect(bob.tools.map((t) => t.name)).toEqual(['get_weather']);
    expect(plain.messages.map((m) => m.role)).toEqual(['user']);
    expect(two.target.reasoning).toBe('One city.');
    expect(checkExample(two).failures).toEqual([{ rule: 'reasoning_as_promised', detail: 'the turn has reasoning_content and a different inline <think>; reasoning_content is kept' }]);
  });

  it('keeps every word of the user\'s own system text around a tool list, and drops only the tool boilerplate', async () => {
    const tools = '<tools>\n[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]\n</tools>';
    const hermes2Pro = `You are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. You may call one or more functions to assist with the user query. Don't make assumptions about what values to plug into functions. Here are the available tools: ${tools} Use the following pydantic model json schema for each tool call you will make: {"properties": {"arguments": {"title": "Arguments", "type": "object"}, "name": {"title": "Name", "type": "string"}}, "required": ["arguments", "name"], "title": "FunctionCall", "type": "object"} For each function call return a json object with function name and arguments within <tool_call></tool_call> XML tags as follows:\n<tool_call>\n{"arguments": <args-dict>, "name": <function-name>}\n</tool_call>`;
    const systems: Record<string, string> = {
      before: `You are WeatherBot, made by Acme. Always answer in French.\n\nYou have access to these tools:\n${tools}`,
      after: `You are a function calling AI model. ${tools}\nAlways answer in French.`,
      inside: `You are a helpful assistant. You are provided with function signatures within <tools></tools> XML tags. Never guess a city.\n${tools}`,
      hermes2Pro,
      hermes2ProAndAfter: `${hermes2Pro}\nReply in French after the tool answers.`,
      // The sentence ending in a full stop (a user's own Hermes file): nothing of it stays, not its ".".
      callsInTagsDot: `You are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. You may call one or more functions to assist with the user query. For each function call return a json object with function name and arguments within <tool_call></tool_call> XML tags.\n${tools}`,
      // A phrasing no pattern knows, cut around its last word, leaves punctuation only: no system turn.
      punctuationLeft: `You are a function calling AI model. ${tools} .`,
      // The tags named in the user's own sentences are words of theirs, not the template's example block.
      tagsInProse: `You are a helpful assistant with access to tools. Always answer in French.\n${tools}\nWhen you call a tool, write it inside <tool_call></tool_call> tags, never in <tools></tools>. Use metric units.`,
    };
    const call = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>';
    const r = await importRecords(Object.entries(systems).map(([id, system]) => ({ id, conversations: [{ from: 'system', value: system }, { from: 'human', value: 'Oslo?' }, { from: 'gpt', value: call }] })));
    const kept = Object.fromEntries(r.examples.map((e) => [e.id, e.messages.filter((m) => m.role === 'system').map((m) => m.content)]));
    expect(kept).toEqual({
      before: ['You are WeatherBot, made by Acme. Always answer in French.'],
      after: ['Always answer in French.'],
      inside: ['You are a helpful assistant. Never guess a city.'],
      hermes2Pro: [],
      hermes2ProAndAfter: ['Reply in French after the tool answers.'],
      callsInTagsDot: [],
      punctuationLeft: [],
      tagsInProse: ['You are a helpful assistant with access to tools. Always answer in French.\n\nWhen you call a tool, write it inside <tool_call></tool_call> tags, never in <tools></tools>. Use metric units.'],
    });
    for (const e of r.examples) expect(e.tools.map((t) => t.name)).toEqual(['get_weather']);
  });

  it('asks the instruction and its input together in the flat instruction/input/output layout', async () => {
    const r = await importRecords([
      { id: 'alpaca', system: BFCL_SYSTEM, instruction: 'Answer the question using the functions.', input: 'Area for base 3, height 4?', output: '<think>\nBase 3, height 4.\n</think>\n\n[calculate_triangle_area(base=3, height=4)]' },
      { id: 'no-input', system: BFCL_SYSTEM, instruction: 'Area for base 1, height 2?', input: '', output: '<think>\nok\n</think>\n\n[calculate_triangle_area(base=1, height=2)]' },
    ]);
    expect(r.files[0].format).toBe('funreason');
    expect(r.examples.map((e) => e.messages.filter((m) => m.role === 'user').map((m) => m.content))).toEqual([
      ['Answer the question using the functions.\nArea for base 3, height 4?'],
      ['Area for base 1, height 2?'],
    ]);
  });

  it('flags a FunReason call list wrapped in a code fence or words instead of reading it as a reply', async () => {
    const r = await importRecords([
      { id: 'bare', system: BFCL_SYSTEM, query: 'Area for 1 and 2?', output: '<think>\nok\n</think>\n\n[calculate_triangle_area(base=1, height=2)]' },
      { id: 'fenced', system: BFCL_SYSTEM, query: 'Area for 2 and 3?', output: '<think>\nok\n</think>\n\n```python\n[calculate_triangle_area(base=2, height=3)]\n```' },
    ]);
    expect(r.files[0].format).toBe('funreason');
    expect(checkExample(r.examples[0]).failures).toEqual([]);
    expect(checkExample(r.examples[1]).failures).toEqual([
      { rule: 'target_json_parses', detail: 'the answer after </think> holds a call list with text or a code fence around it; only a bare list like [f(a=1)] is read as calls' },
    ]);
  });
});
