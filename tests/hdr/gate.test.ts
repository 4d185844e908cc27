// The HDR quality gate on hand-written model outputs. Protects each acceptance condition: a
// sample is accepted only when it parses, passes the AST check, uses the example's call syntax,
// has one non-empty <think> block naming every function it calls, and the example it becomes
// passes the base quality check; each failure is reported under its rule. Also the
// de-duplication key (argument order and whitespace do not make a new sample).
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { qualityGate, SampleDeduper, sampleKey, canonicalJson } from '../../src/hdr/index.ts';

const weather: Example = {
  id: 'w1',
  tools: [
    { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] } },
    { name: 'get_time', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  ],
  messages: [{ role: 'user', content: 'Weather in Paris in celsius?' }],
  target: { reasoning: 'get_weather with unit c.', calls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'c' } }] },
  source: 'openai',
};

const call = (name: string, args: Record<string, unknown>) => `<tool_call>${JSON.stringify({ name, arguments: args })}</tool_call>`;
const good = `<think>The user wants weather, so get_weather for Paris in c.</think>\n${call('get_weather', { city: 'Paris', unit: 'c' })}`;
const rules = (output: string, ex: Example = weather) => qualityGate(ex, output, 2).failures.map((f) => f.rule);

describe('quality gate', () => {
  it('accepts a correct call with reasoning that names it, as an hdr example of the round', () => {
    const v = qualityGate(weather, good, 2);
    expect(v.failures).toEqual([]);
    expect(v.accepted).toBe(true);
    expect(v.answerCorrect).toBe(true);
    expect(v.candidate).toMatchObject({
      id: 'w1#hdr2',
      source: 'hdr',
      hdrRound: 2,
      tools: weather.tools,
      messages: weather.messages,
      target: { reasoning: 'The user wants weather, so get_weather for Paris in c.', calls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'c' } }] },
    });
  });

  it('rejects a correct call whose reasoning is empty or missing', () => {
    const empty = qualityGate(weather, `<think>  </think>${call('get_weather', { city: 'Paris', unit: 'c' })}`, 1);
    expect(empty.answerCorrect).toBe(true);
    expect(empty.accepted).toBe(false);
    expect(empty.failures.map((f) => f.rule)).toEqual(['reasoning_missing']);
    expect(rules(call('get_weather', { city: 'Paris', unit: 'c' }))).toEqual(['reasoning_missing']);
  });

  it('rejects reasoning that never names the function it calls, as a word', () => {
    expect(rules(`<think>Look it up for Paris.</think>${call('get_weather', { city: 'Paris', unit: 'c' })}`)).toEqual(['reasoning_no_function']);
    expect(rules(`<think>get_weathering for Paris.</think>${call('get_weather', { city: 'Paris', unit: 'c' })}`)).toEqual(['reasoning_no_function']);
    expect(rules(`<think>Call get_weather.</think>${call('get_weather', { city: 'Paris', unit: 'c' })}`)).toEqual([]);
  });

  it('rejects text after the calls (the template would train it in front of them), not the end-of-turn token', () => {
    const chatter = `${good}\nLet me know if you need anything else!`;
    expect(qualityGate(weather, chatter, 1).failures).toEqual([{ rule: 'format', detail: 'text after the calls ("Let me know if you need anything else!")' }]);
    expect(rules(`${good}<|im_end|>`)).toEqual([]);
  });

  it('in a dataset that says "no function applies" as [], rejects a no-call answer in words', () => {
    const none: Example = { ...weather, id: 'n1', category: 'irrelevance', messages: [{ role: 'user', content: 'Tell me a joke.' }], target: { reasoning: 'No function fits.', calls: [], callSyntax: 'python' } };
    expect(rules('<think>No function tells jokes.</think>\n[]', none)).toEqual([]);
    expect(qualityGate(none, '<think>No function tells jokes.</think>\nSorry, I cannot.', 1).failures).toContainEqual({ rule: 'format', detail: 'answered in words; this dataset answers a question no function fits with []' });
  });

  it('rejects a wrong function or wrong value under the answer rule', () => {
    const wrongFn = qualityGate(weather, `<think>get_time for Paris.</think>${call('get_time', { city: 'Paris' })}`, 1);
    expect(wrongFn.answerCorrect).toBe(false);
    expect(wrongFn.failures[0].rule).toBe('answer');
    expect(wrongFn.failures[0].detail).toContain('wrong_func_name');
    expect(rules(`<think>get_weather, Oslo.</think>${call('get_weather', { city: 'Oslo', unit: 'c' })}`)).toEqual(['answer']);
  });

  it('rejects output that does not parse, without a candidate', () => {
    const v = qualityGate(weather, `<think>get_weather</think><tool_call>{"name": "get_weather", "arguments": {"city": "Par`, 1);
    expect(v.failures.map((f) => f.rule)).toEqual(['parse']);
    expect(v.candidate).toBeUndefined();
    expect(rules('<think>get_weather never closed')).toEqual(['parse']);
  });

  it('rejects malformed reasoning: two blocks, text before it, or a tool call inside it', () => {
    expect(rules(`<think>get_weather</think><think>again</think>${call('get_weather', { city: 'Paris', unit: 'c' })}`)).toContain('reasoning_malformed');
    expect(rules(`Sure! <think>get_weather for Paris</think>${call('get_weather', { city: 'Paris', unit: 'c' })}`)).toContain('reasoning_malformed');
    expect(rules(`<think>get_weather <tool_call> maybe</think>${call('get_weather', { city: 'Paris', unit: 'c' })}`)).toContain('reasoning_malformed');
  });

  it('requires the example\'s call syntax', () => {
    const py: Example = { ...weather, id: 'p1', target: { ...weather.target, callSyntax: 'python' } };
    expect(rules(good, py)).toEqual(['format']);
    expect(rules(`<think>get_weather for Paris</think>\n[get_weather(city='Paris', unit='c')]`, py)).toEqual([]);
    expect(rules(`<think>get_weather for Paris</think>\n[get_weather(city='Paris', unit='c')]`)).toEqual(['format']);
  });

  it('applies the base quality check to the example the sample would become', () => {
    // The AST checker matches the name as given, but the tool's name is not a valid function name.
    const bad: Example = {
      ...weather,
      id: 'b1',
      tools: [{ name: 'get weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
      target: { reasoning: 'x', calls: [{ name: 'get weather', arguments: { city: 'Paris' } }] },
    };
    const v = qualityGate(bad, `<think>call get weather</think>${call('get weather', { city: 'Paris' })}`, 1);
    expect(v.answerCorrect).toBe(true);
    expect(v.failures.map((f) => f.rule)).toEqual(['base_quality']);
    expect(v.failures[0].detail).toContain('tools_valid_schema');
  });

  it('accepts a reasoned refusal for an irrelevant query and rejects a call there', () => {
    const irrelevant: Example = { ...weather, id: 'i1', messages: [{ role: 'user', content: 'Tell me a joke' }], target: { reasoning: 'none', calls: [] } };
    expect(rules('<think>No tool tells jokes.</think>I cannot help with that using these tools.', irrelevant)).toEqual([]);
    expect(rules(`<think>get_weather anyway</think>${call('get_weather', { city: 'Paris' })}`, irrelevant)).toEqual(['answer']);
  });
});

describe('sample de-duplication', () => {
  it('treats argument order and whitespace as the same sample, per hard case', () => {
    const a = { target: { reasoning: 'use  get_weather\n', calls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'c' } }] } };
    const b = { target: { reasoning: 'use get_weather', calls: [{ name: 'get_weather', arguments: { unit: 'c', city: 'Paris' } }] } };
    const c = { target: { reasoning: 'use get_weather', calls: [{ name: 'get_weather', arguments: { unit: 'f', city: 'Paris' } }] } };
    expect(sampleKey('w1', a)).toBe(sampleKey('w1', b));
    const d = new SampleDeduper();
    expect(d.add('w1', a)).toBe(true);
    expect(d.add('w1', b)).toBe(false);
    expect(d.add('w1', c)).toBe(true);
    expect(d.add('w2', a)).toBe(true);
    expect(d.size).toBe(3);
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});
