// parseGeneratedCalls: every output format a model writes calls in, reasoning split off, and
// malformed output reported as a structured error — never thrown.
import { describe, expect, it } from 'vitest';
import { parseGeneratedCalls } from '../../src/eval/parse-generated-calls.ts';

describe('reasoning', () => {
  it('splits <think>…</think> off as trimmed reasoning and parses what follows', () => {
    const out = parseGeneratedCalls("<think>\nThe user wants Paris weather.\n</think>\n\n[get_weather(city='Paris')]");
    expect(out).toEqual({
      reasoning: 'The user wants Paris weather.',
      calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
      content: '',
      format: 'python',
    });
  });

  it('treats text before a lone </think> as reasoning (Qwen3 opens <think> in the prompt)', () => {
    const out = parseGeneratedCalls('I should call f.\n</think>\n[f(a=1)]');
    expect(out.reasoning).toBe('I should call f.');
    expect(out.calls).toEqual([{ name: 'f', arguments: { a: 1 } }]);
  });

  it('keeps text before <think> as content and still reads the calls after </think>', () => {
    const out = parseGeneratedCalls('Sure.\n<think>plan</think>\n[f(a=1, 2)]');
    expect(out).toMatchObject({ reasoning: 'plan', content: 'Sure.\n[f(a=1, 2)]', error: { kind: 'invalid_python', offset: 34 } });
    expect(parseGeneratedCalls('Sure. <think>plan</think> [f(a=1)]')).toEqual({ reasoning: 'plan', calls: [{ name: 'f', arguments: { a: 1 } }], content: 'Sure.', format: 'python' });
  });

  it('keeps an empty think block as empty reasoning, distinct from none', () => {
    expect(parseGeneratedCalls('<think>\n\n</think>\n\nHello').reasoning).toBe('');
    expect(parseGeneratedCalls('Hello')).not.toHaveProperty('reasoning');
  });

  it('reports an unterminated <think> (cut-off generation) as an error, keeping the partial reasoning', () => {
    const out = parseGeneratedCalls('<think>Let me think about [f(a=1)]');
    expect(out.error).toMatchObject({ kind: 'unterminated_think', offset: 0 });
    expect(out.reasoning).toBe('Let me think about [f(a=1)]');
    expect(out.calls).toEqual([]);
  });
});

describe('<tool_call> blocks', () => {
  it('reads several blocks as parallel calls, in order', () => {
    const text = [
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Boston"}}\n</tool_call>',
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
    ].join('\n');
    const out = parseGeneratedCalls(text);
    expect(out.format).toBe('tool_call');
    expect(out.calls.map((c) => c.arguments.city)).toEqual(['Boston', 'Paris']);
    expect(out.error).toBeUndefined();
  });

  it('keeps text outside the blocks as content and reasoning from <think>', () => {
    const out = parseGeneratedCalls('<think>plan</think>\nSure, checking.\n<tool_call>{"name": "f", "arguments": {}}</tool_call>');
    expect(out).toMatchObject({ reasoning: 'plan', content: 'Sure, checking.', calls: [{ name: 'f', arguments: {} }] });
  });

  it('decodes arguments given as a JSON string (OpenAI wire format) and "parameters" (Llama)', () => {
    const out = parseGeneratedCalls('<tool_call>{"name": "f", "arguments": "{\\"x\\": 1}"}</tool_call><tool_call>{"name": "g", "parameters": {"y": 2}}</tool_call>');
    expect(out.calls).toEqual([
      { name: 'f', arguments: { x: 1 } },
      { name: 'g', arguments: { y: 2 } },
    ]);
  });

  it('reports an unclosed block, bad JSON and a wrong shape, each with where it happened', () => {
    const cut = parseGeneratedCalls('<tool_call>{"name": "f", "arguments": {}}</tool_call>\n<tool_call>{"name": "g", "argu');
    expect(cut.error).toMatchObject({ kind: 'unterminated_tool_call', offset: 54 });
    // Counted as people count: the second block is number 2 (it said "number 1", and the first "number 0").
    expect(cut.error?.message).toMatch(/<tool_call> number 2 is never closed/);
    expect(cut.calls).toEqual([]);

    const badJson = parseGeneratedCalls('<tool_call>\n{"name": "f", arguments: {}}\n</tool_call>');
    expect(badJson.error).toMatchObject({ kind: 'invalid_json', offset: 12 });
    expect(badJson.error?.message).toMatch(/^<tool_call> number 1:/);

    expect(parseGeneratedCalls('<tool_call>{"arguments": {}}</tool_call>').error).toMatchObject({ kind: 'invalid_call_shape' });
    expect(parseGeneratedCalls('<tool_call>{"name": "f", "arguments": [1]}</tool_call>').error?.message).toMatch(/"arguments" of f must be an object, got an array/);
    expect(parseGeneratedCalls('<tool_call>[{"name": "f"}, {"name": "g"}]</tool_call>').error?.message).toMatch(/^<tool_call> number 1 must hold one/);
    expect(parseGeneratedCalls('{"name": "f"}</tool_call>').error).toMatchObject({ kind: 'unmatched_tool_call_close' });
  });
});

describe('bare JSON', () => {
  it('reads one object or an array of {name, arguments}', () => {
    expect(parseGeneratedCalls('{"name": "f", "arguments": {"a": 1}}')).toEqual({ calls: [{ name: 'f', arguments: { a: 1 } }], content: '', format: 'json' });
    expect(parseGeneratedCalls('[{"name": "f", "arguments": {}}, {"name": "g", "arguments": {"b": [1]}}]').calls.map((c) => c.name)).toEqual(['f', 'g']);
  });

  it('reads JSON inside a ``` fence', () => {
    expect(parseGeneratedCalls('```json\n[{"name": "f", "arguments": {"a": 1}}]\n```').calls).toEqual([{ name: 'f', arguments: { a: 1 } }]);
  });

  it('reports malformed JSON and names the bad element', () => {
    expect(parseGeneratedCalls('[{"name": "f", "arguments": {}}').error).toMatchObject({ kind: 'invalid_json' });
    expect(parseGeneratedCalls('[{"name": "f", "arguments": {}}, {"nome": "g"}]').error?.message).toMatch(/JSON element 1: missing a non-empty string "name"/);
  });
});

describe('Python-call syntax and plain text', () => {
  it('reads a BFCL-style call list, also inside a fence', () => {
    expect(parseGeneratedCalls('[math.hypot(x=4, y=5)]').calls).toEqual([{ name: 'math.hypot', arguments: { x: 4, y: 5 } }]);
    expect(parseGeneratedCalls('```python\n[f(a="x")]\n```').calls).toEqual([{ name: 'f', arguments: { a: 'x' } }]);
  });

  it('reads what BFCL\'s decoder reads: a list left open, backticks around it, positional arguments left out and said so', () => {
    const f = [{ name: 'f', arguments: { a: 1 } }];
    for (const output of ['[f(a=1)', '[f(a=1),', 'f(a=1)]', '```[f(a=1)]```', '`[f(a=1)]`\n']) expect(parseGeneratedCalls(output).calls, output).toEqual(f);
    const positional = parseGeneratedCalls("[get_weather('Paris'), f(1, 2, a=3)]");
    expect(positional.calls).toEqual([{ name: 'get_weather', arguments: {} }, { name: 'f', arguments: { a: 3 } }]);
    expect(positional.ignored).toEqual(["get_weather's positional argument was ignored (only keyword arguments name a parameter)", "f's 2 positional arguments were ignored (only keyword arguments name a parameter)"]);
    expect(parseGeneratedCalls('[f(a=1)]').ignored).toBeUndefined();
    const open = parseGeneratedCalls('[f(a=1, 2');
    expect(open.error).toMatchObject({ kind: 'invalid_python' });
  });

  it('reads [] as an explicit "no call"', () => {
    expect(parseGeneratedCalls('[]')).toEqual({ calls: [], content: '', format: 'python' });
  });

  it('reports malformed call syntax with its offset in the original text', () => {
    const out = parseGeneratedCalls('<think>x</think>\n[f(a=1, 2)]');
    expect(out.error).toMatchObject({ kind: 'invalid_python', offset: 25 });
    expect(out.reasoning).toBe('x');
    expect(out.calls).toEqual([]);
  });

  it('ignores end-of-turn tokens a decoder left at the end', () => {
    expect(parseGeneratedCalls('[f(a=1)]<|im_end|>\n').calls).toEqual([{ name: 'f', arguments: { a: 1 } }]);
    expect(parseGeneratedCalls('<tool_call>{"name": "f", "arguments": {}}</tool_call><|eot_id|></s>').calls).toHaveLength(1);
  });

  it('treats prose as a plain answer with no calls, not an error', () => {
    expect(parseGeneratedCalls('  None of the functions can do that.  ')).toEqual({ calls: [], content: 'None of the functions can do that.', format: 'text' });
  });

  it('never throws on hostile or truncated output', () => {
    for (const text of ['', '[', '{', '<think>', '</think>', '<tool_call>', '[f(', '[f(a=', '{"name":', '```', 'f(a=1', '[f(a=1)] trailing', '\u0000\uffff']) {
      expect(() => parseGeneratedCalls(text), JSON.stringify(text)).not.toThrow();
    }
    expect(parseGeneratedCalls('[f(a=1)] trailing').error).toMatchObject({ kind: 'invalid_python' });
    const started = Date.now();
    parseGeneratedCalls(`[f(a=1)]${' '.repeat(200_000)}x`);
    expect(Date.now() - started).toBeLessThan(2000); // linear scanning; a backtracking regex would take minutes
    const deep = parseGeneratedCalls(`[f(a=${'['.repeat(50_000)}])]`);
    expect(deep.error?.message).toMatch(/nesting deeper than 100 levels/);
    expect(parseGeneratedCalls(`[f(a=${'-'.repeat(50_000)}1)]`).error?.message).toMatch(/nesting deeper/);
    const deepJson = `{"name": "f", "arguments": {"a": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    expect(parseGeneratedCalls(deepJson).error).toMatchObject({ kind: 'invalid_json', message: 'JSON: nesting deeper than 100 levels' });
    expect(parseGeneratedCalls(`[f(a=${'2**'.repeat(50_000)}1)]`).error?.message).toMatch(/nesting deeper/);
  });
});
