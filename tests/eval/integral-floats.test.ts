// Whole floats (5.0) kept apart from ints on their way to the checker: Python-call and JSON readers
// asked to keep floats box them, Python's own result types for arithmetic, Python's float repr, and
// the unboxing that makes results safe to store. Without this, `5.0` reads as the int 5.
import { describe, expect, it } from 'vitest';
import { parsePythonCalls, parsePythonLiteral } from '../../src/data/python/call-syntax.ts';
import { formatCallsPython, formatPythonValue } from '../../src/data/python/format.ts';
import { IntegralFloat, plainNumbers, pythonFloatRepr } from '../../src/data/python/integral-float.ts';
import { parseJsonKeepingFloats } from '../../src/data/python/json-keeping-floats.ts';
import { parseGeneratedCalls } from '../../src/eval/parse-generated-calls.ts';

const f = (value: number) => new IntegralFloat(value);
const keeping = (src: string) => parsePythonLiteral(src, { keepFloats: true });

describe('Python literals keep whole floats when asked', () => {
  it('boxes float literals with a whole value and leaves ints and other floats plain', () => {
    expect(keeping('[5.0, 5, 1e3, 1_0.0, 2.5, -3.0, .0, 0x10]')).toEqual([f(5), 5, f(1000), f(10), 2.5, f(-3), f(0), 16]);
    expect(keeping('[5.0]')).not.toEqual([5]);
  });

  it('gives arithmetic Python\'s result type: / and a negative power make floats, // and % of ints do not', () => {
    expect(keeping('[4 / 2, 7 // 2, 7 % 2, 2 ** 3, 2 ** -1, 4 ** -0, 7.0 // 2, 3 * 1.0, -2.0 + 2, 1000*12]')).toEqual([f(2), 3, 1, 8, 0.5, 1, f(3), f(3), f(0), 12000]);
  });

  it('reads plain numbers by default, as training data wants them', () => {
    expect(parsePythonLiteral('[5.0, 4 / 2]')).toEqual([5, 2]);
    expect(parsePythonCalls('f(x=5.0)')).toEqual([{ name: 'f', arguments: { x: 5 } }]);
    expect(parsePythonCalls('f(x=5.0, y=[1.0])', { keepFloats: true })).toEqual([{ name: 'f', arguments: { x: f(5), y: [f(1)] } }]);
  });

  it('writes a nested call and a float dict key as Python does, in both modes', () => {
    for (const keepFloats of [false, true]) {
      expect(parsePythonCalls('f(a=np.array([1.0, 2, 1e-5]), d={1.0: 2})', { keepFloats })[0].arguments.a).toBe('np.array([1.0, 2, 1e-05])');
      expect(Object.keys(parsePythonCalls('f(d={1.0: 2, 3: 4})', { keepFloats })[0].arguments.d as object).sort()).toEqual(['1.0', '3']);
    }
  });
});

describe('JSON that keeps whole floats', () => {
  it('boxes 5.0 and 1e2 anywhere, and leaves ints, fractions, strings and words as JSON.parse does', () => {
    const text = '{"a": 5.0, "b": [1e2, 5, -0.0, 2.5, "7.0", true, null], "c": {"d": 3E0}}';
    expect(parseJsonKeepingFloats(text)).toEqual({ a: f(5), b: [f(100), 5, f(-0), 2.5, '7.0', true, null], c: { d: f(3) } });
  });

  it('returns exactly what JSON.parse returns when there is no whole float', () => {
    for (const text of ['{"a": [1, 2.5, "x\\"y", {}], "b": []}', '"5.0"', '  [ ]  ', '{"5.0": 1}']) expect(parseJsonKeepingFloats(text)).toEqual(JSON.parse(text));
  });

  it('keeps "__proto__" an own key and a repeated key\'s last value, as JSON.parse does', () => {
    const value = parseJsonKeepingFloats('{"__proto__": 1.0, "k": 1.0, "k": 2.0}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'k']);
    expect(value.k).toEqual(f(2));
  });

  it('throws JSON.parse\'s own error on bad JSON', () => {
    for (const text of ['{"a": 5.0,}', '[1.0', '5.', '{"a" 1.0}']) {
      let expected = '';
      try {
        JSON.parse(text);
      } catch (err) {
        expected = (err as Error).message;
      }
      expect(() => parseJsonKeepingFloats(text)).toThrow(expected);
    }
  });

  it('falls back to plain numbers rather than overflow the stack on very deep text', () => {
    const deep = `${'['.repeat(5000)}1.0${']'.repeat(5000)}`;
    let value = parseJsonKeepingFloats(deep);
    for (let i = 0; i < 5000; i++) value = (value as unknown[])[0];
    expect(value).toBe(1);
  });
});

describe('Python repr of floats', () => {
  it('writes Python\'s repr: ".0" on whole values, exponents outside 1e-4 to 1e16', () => {
    const cases: Array<[number, string]> = [
      [5, '5.0'], [-0, '-0.0'], [0, '0.0'], [2.5, '2.5'], [0.0001, '0.0001'], [0.00001, '1e-05'], [1e-7, '1e-07'],
      [1e15, '1000000000000000.0'], [1e16, '1e+16'], [1.5e16, '1.5e+16'], [123456789012345680, '1.2345678901234568e+17'], [1e300, '1e+300'], [-2.5e-10, '-2.5e-10'],
    ];
    for (const [value, repr] of cases) expect(pythonFloatRepr(value)).toBe(repr);
  });

  it('formats a boxed float as a float and a whole number as an int, and reads both back alike', () => {
    const calls = [{ name: 'f', arguments: { a: f(5), b: 5, c: [f(1), 2.5, 0.00001], d: -0 } }];
    const text = formatCallsPython(calls);
    expect(text).toBe('[f(a=5.0, b=5, c=[1.0, 2.5, 1e-05], d=-0.0)]');
    expect(parsePythonCalls(text, { keepFloats: true })).toEqual([{ name: 'f', arguments: { a: f(5), b: 5, c: [f(1), 2.5, 0.00001], d: f(-0) } }]);
    expect(formatPythonValue(f(1e21))).toBe('1e+21');
    expect(() => formatPythonValue(f(Infinity))).toThrow('has no Python literal');
  });

  it('writes a box as its number in JSON, and plainNumbers unboxes deeply without touching the rest', () => {
    expect(JSON.stringify({ a: f(5), b: [f(1), 'x'] })).toBe('{"a":5,"b":[1,"x"]}');
    const parsed = parseGeneratedCalls('<tool_call>{"name": "f", "arguments": {"a": 5.0, "b": [1.0, {"c": 2.0}], "s": "3.0"}}</tool_call>', { keepFloats: true });
    expect(parsed.calls[0].arguments).toEqual({ a: f(5), b: [f(1), { c: f(2) }], s: '3.0' });
    expect(plainNumbers(parsed.calls)).toEqual([{ name: 'f', arguments: { a: 5, b: [1, { c: 2 }], s: '3.0' } }]);
  });
});
