// One test per dataset format, on hand-written records shaped like the public format descriptions
// (tests/fixtures/data). Each checks the exact Example the importer produces, so a parser change
// that moves a call, loses reasoning or mistypes a schema fails here.
import { openAsBlob } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { detectDatasetFileFormat, importDatasetFiles, type DatasetFile } from '../../src/data/import-dataset.ts';
import { checkExample } from '../../src/data/quality-check.ts';
import { fileExamples } from '../../src/jobs/data.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url));

async function fileOf(name: string): Promise<DatasetFile> {
  return { name, blob: await openAsBlob(fixture(name)) };
}

function byId(examples: Example[]): Record<string, Example> {
  return Object.fromEntries(examples.map((e) => [e.id, e]));
}

describe('OpenAI messages with tools and tool_calls', () => {
  it('reads reasoning_content, inline <think>, JSON-string and object arguments, content parts, multi-turn', async () => {
    const r = await importDatasetFiles([await fileOf('openai-tools.jsonl')]);
    expect(r.issues).toEqual([]);
    expect(r.files[0]).toMatchObject({ format: 'openai', detected: true, imported: 4, rejected: 0 });
    const ex = byId(r.examples);
    expect(ex['oa-1'].messages).toEqual([
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: "What's the weather like in Boston today?" },
    ]);
    expect(ex['oa-1'].target).toEqual({
      reasoning: 'The user asks for today\'s weather in Boston, so I call get_current_weather with location Boston, MA.',
      calls: [{ name: 'get_current_weather', arguments: { location: 'Boston, MA' } }],
    });
    expect(ex['oa-1'].tools[0].parameters.required).toEqual(['location']);
    expect(ex['oa-2'].messages[0].content).toBe('Weather in Paris and Tokyo, in celsius?');
    expect(ex['oa-2'].target.reasoning).toBe('Two cities, so two parallel calls with unit celsius.');
    expect(ex['oa-2'].target.calls).toEqual([
      { name: 'get_current_weather', arguments: { location: 'Paris', unit: 'celsius' } },
      { name: 'get_current_weather', arguments: { location: 'Tokyo', unit: 'celsius' } },
    ]);
    // The target is the last turn that calls a tool; the tool result and the final plain answer
    // after it are left out, and the example says so (a note: it still passes the check).
    expect(ex['oa-3'].target.calls).toEqual([{ name: 'book_flight', arguments: { flight_id: 'UA100', seats: 2 } }]);
    // Its earlier call (search_flights) is prompt only, and it says so too.
    const earlierNote = '1 earlier turn that calls a tool is in the prompt, not trained: to learn it as an example of its own, import with every calling turn learned';
    expect(checkExample(ex['oa-3']).notes).toEqual([
      { rule: 'later_turns_left_out', detail: '2 turns after the target (tool, assistant) left out: the example trains the last assistant turn that calls a tool' },
      { rule: 'earlier_calls_in_prompt', detail: earlierNote },
    ]);
    expect(['oa-1', 'oa-2', 'oa-4'].map((id) => checkExample(ex[id]).notes)).toEqual([undefined, undefined, undefined]);
    // The command line prints it with the example's name.
    const data = await fileExamples([await fileOf('openai-tools.jsonl')], { split: { seed: 1, evalFraction: 0 } });
    expect(data.problems).toEqual(['example "oa-3": 2 turns after the target (tool, assistant) left out: the example trains the last assistant turn that calls a tool', `example "oa-3": ${earlierNote}`]);
    expect(data.train).toHaveLength(4);
    expect(ex['oa-3'].messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(ex['oa-3'].messages[2]).toEqual({ role: 'tool', content: '[{"flight_id": "UA100", "price": 320}]', name: 'search_flights' }); // named via tool_call_id
    expect(ex['oa-3'].messages[1].calls).toEqual([{ name: 'search_flights', arguments: { origin: 'SFO', destination: 'JFK', date: '2024-05-03' } }]);
    // No call anywhere: the plain answer is the target.
    expect(ex['oa-4'].target).toEqual({
      reasoning: 'No tool fits a joke request.',
      calls: [],
      content: 'Why did the cat sit on the computer? To keep an eye on the mouse.',
    });
    for (const e of r.examples) expect(checkExample(e).failures).toEqual([]);
  });
});

describe('Qwen/Hermes ChatML text', () => {
  it('lifts <tools> (JSON lines and Python list), parses JSON and single-quoted <tool_call> blocks', async () => {
    const r = await importDatasetFiles([await fileOf('hermes-text.jsonl')]);
    expect(r.issues).toEqual([]);
    expect(r.files[0].format).toBe('hermes');
    const ex = byId(r.examples);
    expect(ex['qwen-1'].tools.map((t) => t.name)).toEqual(['get_current_temperature', 'get_temperature_date']);
    // The user's own system text survives; the tool boilerplate does not (the template writes it).
    expect(ex['qwen-1'].messages).toEqual([
      { role: 'system', content: 'You are Qwen, a helpful assistant.' },
      { role: 'user', content: "What's the temperature in San Francisco now? How about tomorrow (2024-09-01)?" },
    ]);
    expect(ex['qwen-1'].target.reasoning).toBe('Now needs get_current_temperature; tomorrow needs get_temperature_date.');
    expect(ex['qwen-1'].target.calls).toEqual([
      { name: 'get_current_temperature', arguments: { location: 'San Francisco, CA, USA' } },
      { name: 'get_temperature_date', arguments: { location: 'San Francisco, CA, USA', date: '2024-09-01' } },
    ]);
    expect(ex['hermes-1'].tools).toEqual([
      {
        name: 'get_stock_fundamentals',
        description: 'Get fundamental data for a given stock symbol.',
        parameters: { type: 'object', properties: { symbol: { type: 'string', description: 'The stock symbol.' } }, required: ['symbol'] },
      },
    ]);
    expect(ex['hermes-1'].messages).toEqual([{ role: 'user', content: 'Fetch the fundamental data for Tesla (TSLA).' }]);
    expect(ex['hermes-1'].target).toEqual({ calls: [{ name: 'get_stock_fundamentals', arguments: { symbol: 'TSLA' } }] });
  });

  it('keeps text written between or after <tool_call> blocks as content before the calls, with a note saying it moved', async () => {
    const system = '<tools>\n{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}\n</tools>';
    const call = (city: string) => `<tool_call>\n{"name": "get_weather", "arguments": {"city": "${city}"}}\n</tool_call>`;
    const answer = `I'll check Zürich first.\n${call('Zürich')}\nThen Beijing:\n${call('北京')}\nI will report back.`;
    const text = `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\nWeather in Zürich and 北京?<|im_end|>\n<|im_start|>assistant\n${answer}<|im_end|>\n`;
    const r = await importDatasetFiles([{ name: 'interleaved.jsonl', blob: new Blob([JSON.stringify({ id: 'h-1', text }) + '\n', JSON.stringify({ id: 'h-2', text: text.replace(answer, `Checking both.\n${call('Zürich')}\n${call('北京')}`) }) + '\n']) }]);
    const [moved, before] = r.examples;
    expect(moved.target).toEqual({
      calls: [
        { name: 'get_weather', arguments: { city: 'Zürich' } },
        { name: 'get_weather', arguments: { city: '北京' } },
      ],
      content: "I'll check Zürich first.\n\nThen Beijing:\n\nI will report back.",
    });
    const report = checkExample(moved);
    expect(report.passed).toBe(true);
    expect(report.notes).toEqual([{ rule: 'text_moved_before_calls', detail: 'text between or after the <tool_call> blocks ("Then Beijing:\\n\\nI will report back.") was moved before the calls' }]);
    // Text only before the calls is where the example keeps it: nothing to say.
    expect(before.target.content).toBe('Checking both.');
    expect(checkExample(before).notes).toBeUndefined();
  });
});

describe('ShareGPT conversations', () => {
  it('reads Hermes-style system tools and the function_call/observation roles with a JSON-string tools field', async () => {
    const r = await importDatasetFiles([await fileOf('sharegpt.json')]);
    expect(r.issues).toEqual([]);
    expect(r.files[0]).toMatchObject({ format: 'sharegpt', imported: 2 });
    const [hermes, factory] = r.examples;
    expect(hermes.id).toBe('85f6c398-69c7-4df2-aed1-29d614a93a26');
    expect(hermes.tools[0].name).toBe('get_stock_price');
    expect(hermes.messages).toEqual([{ role: 'user', content: 'Hi, can you tell me the current stock price of Apple?' }]);
    expect(hermes.target.calls).toEqual([{ name: 'get_stock_price', arguments: { company_symbol: 'AAPL' } }]);
    // No id in the record: a stable id from the file name and index.
    expect(factory.id).toBe('sharegpt-1');
    expect(factory.messages).toEqual([
      { role: 'system', content: 'You are a careful assistant.' },
      { role: 'user', content: 'I want to convert 100 US dollars to euros.' },
    ]);
    expect(factory.target.calls).toEqual([{ name: 'convert_currency', arguments: { amount: 100, from_currency: 'USD', to_currency: 'EUR' } }]);
    expect(factory.tools[0].parameters.required).toEqual(['amount', 'from_currency', 'to_currency']);
  });
});

describe('xLAM / APIGen', () => {
  it('parses JSON-string tools/answers and converts flat types to JSON Schema', async () => {
    const r = await importDatasetFiles([await fileOf('xlam.json')]);
    expect(r.issues).toEqual([]);
    expect(r.files[0].format).toBe('xlam');
    const ex = byId(r.examples);
    expect(ex['6'].messages).toEqual([{ role: 'user', content: 'Where can I find live giveaways for beta access and games?' }]);
    expect(ex['6'].target.calls.map((c) => c.arguments.type)).toEqual(['beta', 'game']);
    expect(ex['6'].tools[0].parameters).toEqual({
      type: 'object',
      properties: { type: { type: 'string', description: 'The type of giveaways to retrieve (e.g., game, loot, beta).', default: 'game' } },
      required: ['type'],
    });
    const [largest, average, search] = ex['17'].tools;
    expect(largest.parameters.properties).toEqual({
      nums: { type: 'array', items: { type: 'integer' }, description: 'The list of numbers.' },
      n: { type: 'integer', description: 'The number of largest numbers to find.' },
    });
    expect(average.parameters.properties!.numbers).toEqual({ type: 'array', items: { type: 'number' }, description: 'The list of numbers.' });
    expect(search.parameters.required).toEqual([]);
    expect(search.parameters.properties!.filters).toEqual({ type: 'object', additionalProperties: {}, description: 'Filters.' });
    expect(search.parameters.properties!.limit.type).toBe('integer');
    // Empty answers: an irrelevant query that needs no call.
    expect(ex['42'].target).toEqual({ calls: [] });
    expect(ex['42'].category).toBe('irrelevance');
    for (const e of r.examples) expect(checkExample(e).failures).toEqual([]);
  });
});

describe('Glaive function calling (glaiveai/glaive-function-calling-v2)', () => {
  it('reads the functions listed in the system prompt and the chat\'s turns, single-quoted call arguments included', async () => {
    const r = await importDatasetFiles([await fileOf('glaive.json')]);
    expect(r.issues).toEqual([]);
    expect(r.files[0]).toMatchObject({ format: 'glaive', detected: true, imported: 5, rejected: 0 });
    const [rate, movie, capital, declined, loan] = r.examples;
    // The system prompt is the functions: they become the tools, and it is no turn of its own.
    expect(rate.tools).toEqual([{ name: 'get_exchange_rate', description: 'Get the exchange rate between two currencies', parameters: { type: 'object', properties: { base_currency: { type: 'string', description: 'The currency to convert from' }, target_currency: { type: 'string', description: 'The currency to convert to' } }, required: ['base_currency', 'target_currency'] } }]);
    expect(rate.messages).toEqual([{ role: 'user', content: 'Hi, I need to know the exchange rate from USD to EUR.' }]);
    expect(rate.target).toEqual({ calls: [{ name: 'get_exchange_rate', arguments: { base_currency: 'USD', target_currency: 'EUR' } }] });
    expect(checkExample(rate).notes).toEqual([{ rule: 'later_turns_left_out', detail: '2 turns after the target (tool, assistant) left out: the example trains the last assistant turn that calls a tool' }]);
    // Two functions; words before <functioncall> are the answer's text; an apostrophe inside the quoted arguments.
    expect(movie.tools.map((t) => t.name)).toEqual(['search_movie', 'get_flight_status']);
    expect(movie.target).toEqual({ content: 'Sure, let me look that up.', calls: [{ name: 'search_movie', arguments: { title: 'The Godfather', note: "the user's favourite" } }] });
    // No functions, and functions the answer declines to use: plain answers, <|endoftext|> left off.
    expect(capital.tools).toEqual([]);
    expect(capital.target).toEqual({ content: 'The capital of France is Paris.', calls: [] });
    expect(declined.target.calls).toEqual([]);
    expect(declined.target.content).toMatch(/^I'm sorry, but I don't have the capability to book flights\. I can only check the status of a flight\.$/);
    // Several turns: the call is the target, a whole float (5.0) kept as written, the function
    // response named after its call in the turns before a later target.
    expect(loan.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(loan.target.calls).toEqual([{ name: 'calculate_loan_payment', arguments: { principal: 50000, interest_rate: 5, loan_term: 10 } }]);
    expect(loan.target.wholeFloats).toEqual([[0, 'interest_rate']]);
    for (const e of r.examples) expect(checkExample(e).failures, e.id).toEqual([]);
  });

  it('names a function response after its call, and refuses a record it cannot read in words', async () => {
    const sys = 'SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n{"name": "f", "description": "d", "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}';
    const call = `ASSISTANT: <functioncall> {"name": "f", "arguments": '{"x": 1}'} <|endoftext|>`;
    const records = [
      { system: sys, chat: `USER: go\n\n\n${call}\n\n\nFUNCTION RESPONSE: {"y": 2}\n\n\nUSER: again\n\n\n${call.replace('"x": 1', '"x": 3')}` },
      { system: sys, chat: 'USER: go\n\n\nASSISTANT: <functioncall> {"name": "f", "arguments": \'{"x": 1}\' <|endoftext|>' },
      { system: sys, chat: 'USER: go\n\n\nFUNCTION RESPONSE: {"y": 2}\n\n\nASSISTANT: ok <|endoftext|>' },
      { system: sys, chat: 'hello\nUSER: go\n\n\nASSISTANT: ok <|endoftext|>' },
      { system: 'SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n{"name": "f", "parameters": {', chat: 'USER: go\n\n\nASSISTANT: ok <|endoftext|>' },
    ];
    const r = await importDatasetFiles([{ name: 'g.json', blob: new Blob([JSON.stringify(records)]) }]);
    expect(r.examples).toHaveLength(1);
    expect(r.examples[0].messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: '', calls: [{ name: 'f', arguments: { x: 1 } }] },
      { role: 'tool', content: '{"y": 2}', name: 'f' },
      { role: 'user', content: 'again' },
    ]);
    expect(r.examples[0].target.calls).toEqual([{ name: 'f', arguments: { x: 3 } }]);
    expect(r.issues.map((i) => i.reason)).toEqual([
      '"chat" turn 2: the call\'s quoted arguments do not end before its closing brace',
      '"chat" turn 2: a function response with no call before it',
      '"chat" starts with text before its first turn: "hello"',
      '"system": the function listed at character 99 does not close',
    ]);
  });
});

describe('FunReason / BalanceSFT', () => {
  it('reads the BFCL prompt-mode system prompt, <think> reasoning and Python-call targets in three record shapes', async () => {
    const r = await importDatasetFiles([await fileOf('funreason.jsonl')]);
    expect(r.issues).toEqual([]);
    expect(r.files[0].format).toBe('funreason');
    const ex = byId(r.examples);
    expect(ex['fr-1'].tools[0]).toMatchObject({ name: 'calculate_triangle_area', parameters: { type: 'object', required: ['base', 'height'] } });
    expect(ex['fr-1'].messages[0].role).toBe('system');
    expect(ex['fr-1'].messages[0].content).toContain('Here is a list of functions in JSON format');
    expect(ex['fr-1'].target).toEqual({
      reasoning:
        "The user gives base 10 and height 5; calculate_triangle_area takes both as integers, and unit is optional, so I pass unit='units'.",
      calls: [{ name: 'calculate_triangle_area', arguments: { base: 10, height: 5, unit: 'units' } }],
      callSyntax: 'python',
    });
    expect(ex['fr-2'].target.calls).toEqual([
      { name: 'spotify.play', arguments: { artist: 'Taylor Swift', duration: 20 } },
      { name: 'spotify.play', arguments: { artist: 'Maroon 5', duration: 15 } },
    ]);
    expect(ex['fr-3'].target).toMatchObject({ calls: [], callSyntax: 'python' });
    expect(ex['fr-3'].target.reasoning).toContain('no call applies');
    for (const e of r.examples) expect(checkExample(e).failures).toEqual([]);
  });
});

describe('BFCL question + possible_answer files', () => {
  it('joins answers by id, takes the first accepted value, keeps irrelevance without an answer and reports a question with none', async () => {
    const questions = { name: 'bfcl/BFCL_v3_simple.json', blob: await openAsBlob(fixture('bfcl/BFCL_v3_simple.json')) };
    const answers = { name: 'bfcl/possible_answer/BFCL_v3_simple.json', blob: await openAsBlob(fixture('bfcl/possible_answer/BFCL_v3_simple.json')) };
    const r = await importDatasetFiles([questions, answers]);
    expect(r.files.map((f) => f.format)).toEqual(['bfcl', 'possible_answer']);
    const ex = byId(r.examples);
    expect(Object.keys(ex).sort()).toEqual(['irrelevance_0', 'parallel_0', 'simple_0']);
    expect(ex.simple_0.target.calls).toEqual([{ name: 'calculate_triangle_area', arguments: { base: 10, height: 5, unit: 'units' } }]);
    expect(ex.simple_0.possibleAnswer).toEqual([{ calculate_triangle_area: { base: [10], height: [5], unit: ['units', ''] } }]);
    expect(ex.simple_0.tools[0].parameters.type).toBe('object'); // BFCL's "dict"
    expect(ex.irrelevance_0.tools[0].parameters.properties!.weight.type).toBe('number'); // BFCL's "float"
    expect(ex.parallel_0.category).toBe('parallel');
    expect(ex.parallel_0.target.calls.map((c) => c.arguments.artist)).toEqual(['Taylor Swift', 'Maroon 5']);
    expect(ex.irrelevance_0.target.calls).toEqual([]);
    expect(r.issues).toEqual([
      { file: 'bfcl/BFCL_v3_simple.json', line: 4, index: 3, id: 'simple_1', reason: 'no possible_answer for BFCL question "simple_1" (import its possible_answer file with it)' },
    ]);
  });

  it('leaves out Java and JavaScript questions (v3 java_, v4 simple_java_) by name, and keeps v4 simple_python as simple', async () => {
    const question = (id: string) => JSON.stringify({ id, question: [[{ role: 'user', content: 'Add 2 and 3.' }]], function: [{ name: 'add', parameters: { type: 'dict', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'] } }] });
    const ids = ['simple_python_0', 'simple_java_0', 'simple_javascript_0', 'java_1', 'javascript_2'];
    const answers = ids.map((id) => JSON.stringify({ id, ground_truth: [{ add: { a: [2], b: [3] } }] }));
    const r = await importDatasetFiles([
      { name: 'BFCL_v4_simple.json', blob: new Blob([ids.map(question).join('\n')]) },
      { name: 'possible_answer/BFCL_v4_simple.json', blob: new Blob([answers.join('\n')]) },
    ]);
    expect(r.examples.map((e) => [e.id, e.category])).toEqual([['simple_python_0', 'simple']]);
    expect(r.issues.map((i) => i.reason)).toEqual([
      'BFCL question "simple_java_0" asks for a Java call; the studio checks Python-style calls only, so it is left out',
      'BFCL question "simple_javascript_0" asks for a JavaScript call; the studio checks Python-style calls only, so it is left out',
      'BFCL question "java_1" asks for a Java call; the studio checks Python-style calls only, so it is left out',
      'BFCL question "javascript_2" asks for a JavaScript call; the studio checks Python-style calls only, so it is left out',
    ]);
  });

  it('leaves out live_relevance questions saying BFCL gives them no answer, not asking for a possible_answer file BFCL does not ship', async () => {
    const question = (id: string) => JSON.stringify({ id, question: [[{ role: 'user', content: 'Add 2 and 3.' }]], function: [{ name: 'add', parameters: { type: 'dict', properties: { a: { type: 'integer' } } } }] });
    const r = await importDatasetFiles([{ name: 'BFCL_v3_live_relevance.json', blob: new Blob([['live_relevance_0-0-0', 'live_irrelevance_0-0-0'].map(question).join('\n')]) }]);
    // The irrelevance question needs no answer (no call is right) and stays.
    expect(r.examples.map((e) => [e.id, e.category])).toEqual([['live_irrelevance_0-0-0', 'live_irrelevance']]);
    expect(r.issues.map((i) => i.reason)).toEqual([
      'BFCL question "live_relevance_0-0-0" is a relevance question: BFCL gives no answer for it (any call counts as right), so it has no target call to train on, and is left out',
    ]);
  });
});

describe('format override', () => {
  it('uses the chosen parser instead of detection, and reports records that do not fit it', async () => {
    const r = await importDatasetFiles([await fileOf('xlam.json')], { format: 'openai' });
    expect(r.examples).toEqual([]);
    expect(r.files[0]).toMatchObject({ format: 'openai', detected: false, rejected: 3 });
    expect(r.issues[0]).toEqual({ file: 'xlam.json', line: 2, index: 0, id: '6', reason: '"messages" is missing, expected a list of messages' });
  });
});

describe('format detection', () => {
  it('names each fixture file\'s format from its first records, before importing', async () => {
    const expected: Record<string, string> = {
      'openai-tools.jsonl': 'openai',
      'hermes-text.jsonl': 'hermes',
      'sharegpt.json': 'sharegpt',
      'xlam.json': 'xlam',
      'glaive.json': 'glaive',
      'funreason.jsonl': 'funreason',
      'bfcl/BFCL_v3_simple.json': 'bfcl',
      'bfcl/possible_answer/BFCL_v3_simple.json': 'possible_answer',
    };
    for (const [name, format] of Object.entries(expected)) expect(await detectDatasetFileFormat(await fileOf(name)), name).toBe(format);
    expect(await detectDatasetFileFormat({ name: 'x.jsonl', blob: new Blob(['{"foo": 1}\n{"bar": 2}\n']) })).toBeUndefined();
  });

  it('reports every record of an unrecognised file instead of guessing', async () => {
    const r = await importDatasetFiles([{ name: 'odd.jsonl', blob: new Blob(['{"foo": 1}\n{"bar": 2}\n']) }]);
    expect(r.examples).toEqual([]);
    expect(r.issues.map((i) => [i.line, i.reason])).toEqual([
      [1, 'format not recognised (choose it: the Format select in the studio, --format for studio commands)'],
      [2, 'format not recognised (choose it: the Format select in the studio, --format for studio commands)'],
    ]);
  });
});
