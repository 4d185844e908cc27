// formatCallsPython writes Python's repr and round-trips with the parser; values with no Python
// literal are refused rather than written in a form that reads back differently.
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/data/example.ts';
import { formatCallsPython, formatPythonValue, pythonStringRepr } from '../../src/data/python/format.ts';
import { parsePythonCalls } from '../../src/data/python/call-syntax.ts';

describe('formatCallsPython', () => {
  it('writes calls the way FunReason targets and BFCL prompt mode do', () => {
    const calls: Call[] = [
      { name: 'get_weather', arguments: { city: 'Paris', days: 3, metric: true, extra: null } },
      { name: 'math.factorial', arguments: { number: 5 } },
      { name: 'noop', arguments: {} },
    ];
    expect(formatCallsPython(calls)).toBe("[get_weather(city='Paris', days=3, metric=True, extra=None), math.factorial(number=5), noop()]");
  });

  it('writes lists and dicts with Python spacing and an empty call list as []', () => {
    expect(formatCallsPython([{ name: 'f', arguments: { xs: [1, 2.5, 'a'], d: { k: [true, false] } } }])).toBe("[f(xs=[1, 2.5, 'a'], d={'k': [True, False]})]");
    expect(formatCallsPython([])).toBe('[]');
  });

  it("uses Python repr's quote choice and escapes", () => {
    expect(pythonStringRepr('plain')).toBe("'plain'");
    expect(pythonStringRepr("it's")).toBe(`"it's"`);
    expect(pythonStringRepr(`both ' and "`)).toBe(`'both \\' and "'`);
    expect(pythonStringRepr('tab\there\nback\\slash\x01')).toBe("'tab\\there\\nback\\\\slash\\x01'");
    expect(pythonStringRepr('café 😀')).toBe("'café 😀'");
  });

  it('refuses values and names Python-call syntax cannot express', () => {
    expect(() => formatPythonValue(Number.NaN, 'x')).toThrow(/x: NaN has no Python literal/);
    expect(() => formatPythonValue(undefined, 'y')).toThrow(/y: a undefined has no Python literal/);
    expect(() => formatCallsPython([{ name: 'f', arguments: { 'first-name': 'a' } }])).toThrow(/call 0 \(f\): argument name "first-name" is not a Python identifier/);
    expect(() => formatCallsPython([{ name: 'bad name', arguments: {} }])).toThrow(/function name "bad name"/);
    expect(() => formatCallsPython([{ name: 'f', arguments: { when: new Date(0) } }])).toThrow(/call 0 \(f\), argument when: a Date/);
  });
});

// A small seeded generator (mulberry32) so the round-trip covers many shapes reproducibly.
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRICKY_CHARS = ['a', 'Z', ' ', "'", '"', '\\', '\n', '\t', '\r', 'é', '😀', '\x00', '\x7f', ',', '(', ')', '[', '=', '#'];

function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 5 : 7));
  switch (pick) {
    case 0:
      return Math.floor((r() - 0.5) * 2_000_000);
    case 1:
      return (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10);
    case 2:
      return Array.from({ length: Math.floor(r() * 8) }, () => TRICKY_CHARS[Math.floor(r() * TRICKY_CHARS.length)]).join('');
    case 3:
      return r() < 0.5;
    case 4:
      return null;
    case 5:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(r() * 4); i++) out[`k${i}${TRICKY_CHARS[Math.floor(r() * TRICKY_CHARS.length)]}`] = randomValue(r, depth + 1);
      return out;
    }
  }
}

describe('formatCallsPython ⇄ parsePythonCalls', () => {
  it('round-trips 300 random calls with tricky strings, floats and nesting', () => {
    const r = rng(1234);
    for (let n = 0; n < 300; n++) {
      const calls: Call[] = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => ({
        name: r() < 0.5 ? `fn_${i}` : `pkg.mod.fn_${i}`,
        arguments: Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, j) => [`arg_${j}`, randomValue(r, 0)])),
      }));
      const text = formatCallsPython(calls);
      expect(parsePythonCalls(text), text).toEqual(calls);
    }
  });
});
