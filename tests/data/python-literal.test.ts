// Python-literal parsing and printing: the `[f(a=1, b='x')]` targets of FunReason/BFCL and the
// single-quoted dict calls of Hermes. Protects round-tripping, escapes, nested values, and that
// anything that is not a literal (code) is refused with its position.
import { describe, expect, it } from 'vitest';
import { formatPythonCalls, formatPythonValue, parsePythonCalls, parsePythonLiteral, PythonSyntaxError } from '../../src/data/python-literal.ts';
import { parseAssistantText } from '../../src/data/assistant-text.ts';

describe('Python literals', () => {
  it('reads dicts, lists, tuples, True/False/None, numbers and both quote styles with escapes', () => {
    expect(parsePythonLiteral(`{'a': [1, -2.5, 1e3, (3, 4)], "b": None, 'c': True, 'd': 'it\\'s', 'e': "say \\"hi\\"\\n"}`)).toEqual({
      a: [1, -2.5, 1000, [3, 4]],
      b: null,
      c: true,
      d: "it's",
      e: 'say "hi"\n',
    });
    expect(parsePythonLiteral('{"json": true, "still": null}')).toEqual({ json: true, still: null });
  });

  it('refuses code and reports where', () => {
    expect(() => parsePythonLiteral("{'a': os.system('rm')}")).toThrow(PythonSyntaxError);
    expect(() => parsePythonLiteral("{'a': 1} extra")).toThrow('unexpected "extra" after the value at character 9');
    expect(() => parsePythonLiteral("'unterminated")).toThrow('unterminated string');
  });
});

describe('Python call lists', () => {
  it('parses parallel calls with dotted names and nested arguments', () => {
    expect(parsePythonCalls("[math.factorial(number=5), spotify.play(artist='Maroon 5', duration=15, opts={'shuffle': False, 'ids': [1, 2]})]")).toEqual([
      { name: 'math.factorial', arguments: { number: 5 } },
      { name: 'spotify.play', arguments: { artist: 'Maroon 5', duration: 15, opts: { shuffle: false, ids: [1, 2] } } },
    ]);
    expect(parsePythonCalls('[]')).toEqual([]);
    expect(parsePythonCalls('get_time()')).toEqual([{ name: 'get_time', arguments: {} }]);
  });

  it('rejects positional and repeated arguments', () => {
    expect(() => parsePythonCalls('[f(1)]')).toThrow(/expected a name/);
    expect(() => parsePythonCalls('[f(a=1, a=2)]')).toThrow('argument "a" given twice in call to f');
    expect(() => parsePythonCalls('[f(a=1)')).toThrow(/expected "\]"/);
  });

  it('prints calls back in Python syntax that parses to the same calls', () => {
    const calls = [
      { name: 'convert', arguments: { value: 2.5, from: 'km', to: "o'clock", flags: [true, null], nested: { k: 'v\n' } } },
      { name: 'ping', arguments: {} },
    ];
    const text = formatPythonCalls(calls);
    expect(text).toBe(`[convert(value=2.5, from='km', to="o'clock", flags=[True, None], nested={'k': 'v\\n'}), ping()]`);
    expect(parsePythonCalls(text)).toEqual(calls);
    expect(formatPythonValue('both \' and "')).toBe(`'both \\' and "'`);
  });
});

describe('assistant text', () => {
  it('splits <think> reasoning from Hermes <tool_call> blocks in JSON and Python-dict style', () => {
    const t = parseAssistantText(`<think>\nplan\n</think>\n\n<tool_call>\n{"name": "a", "arguments": {"x": 1}}\n</tool_call>\n<tool_call>\n{'arguments': {'y': 'z'}, 'name': 'b'}\n</tool_call>`);
    expect(t).toEqual({ reasoning: 'plan', calls: [{ name: 'a', arguments: { x: 1 } }, { name: 'b', arguments: { y: 'z' } }], callSyntax: 'json', issues: [] });
  });

  it('keeps the turn and records an issue for an unclosed <think> or a call that does not parse', () => {
    const t = parseAssistantText('<think>\nnever closed');
    expect(t.issues).toEqual([{ rule: 'reasoning_format', detail: '<think> is never closed' }]);
    const bad = parseAssistantText('<think>ok</think>\n[f(a=1]');
    expect(bad.calls).toEqual([]);
    expect(bad.issues[0].rule).toBe('target_json_parses');
    expect(bad.content).toBe('[f(a=1]');
  });
});
