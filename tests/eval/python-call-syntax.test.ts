// The Python-call syntax parser: literal values as Python defines them, BFCL's conversions
// (names → strings, nested calls → source text), and clear errors with offsets for everything
// outside the subset — code is rejected, never run.
import { describe, expect, it } from 'vitest';
import { parsePythonCalls, parsePythonLiteral, PySyntaxError, looksLikePythonCalls } from '../../src/data/python/call-syntax.ts';

function errorOf(src: string): PySyntaxError {
  try {
    parsePythonCalls(src);
  } catch (err) {
    if (err instanceof PySyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${src} to be rejected`);
}

describe('parsePythonCalls: call lists', () => {
  it('reads a bracketed list of keyword-only calls in order', () => {
    expect(parsePythonCalls(`[get_weather(city="Paris", unit='celsius'), get_time(zone="CET")]`)).toEqual([
      { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } },
      { name: 'get_time', arguments: { zone: 'CET' } },
    ]);
  });

  it('keeps dotted function names such as math.factorial and deep module paths', () => {
    expect(parsePythonCalls('[math.factorial(number=5), a.b.c_d(x=1)]').map((c) => c.name)).toEqual(['math.factorial', 'a.b.c_d']);
  });

  it('accepts a bare call and a comma-separated sequence without brackets, as BFCL does', () => {
    expect(parsePythonCalls('f(a=1)')).toEqual([{ name: 'f', arguments: { a: 1 } }]);
    expect(parsePythonCalls('f(a=1), g()')).toEqual([{ name: 'f', arguments: { a: 1 } }, { name: 'g', arguments: {} }]);
  });

  it('reads [] as no calls and allows trailing commas and newlines', () => {
    expect(parsePythonCalls('[]')).toEqual([]);
    expect(parsePythonCalls('[\n  f(\n    a=1,\n    b=2,\n  ),\n]')).toEqual([{ name: 'f', arguments: { a: 1, b: 2 } }]);
  });
});

describe('parsePythonLiteral: values', () => {
  it('reads ints, negatives, floats, exponents, underscores and non-decimal bases', () => {
    expect(parsePythonLiteral('[0, 42, -7, +3, 3.14, -0.5, .5, 5., 1e3, 2.5E-3, -1e-07, 1_000_000, 0x1F, 0o17, 0b101]')).toEqual([
      0, 42, -7, 3, 3.14, -0.5, 0.5, 5, 1000, 0.0025, -1e-7, 1000000, 31, 15, 5,
    ]);
  });

  it('reads True, False and None as booleans and null', () => {
    expect(parsePythonLiteral('[True, False, None]')).toEqual([true, false, null]);
  });

  it('reads strings in both quote styles with Python escapes', () => {
    expect(parsePythonLiteral(`'it\\'s'`)).toBe("it's");
    expect(parsePythonLiteral(`"say \\"hi\\""`)).toBe('say "hi"');
    expect(parsePythonLiteral(`"a\\nb\\tc\\\\d"`)).toBe('a\nb\tc\\d');
    expect(parsePythonLiteral(`'\\x41\\u00e9\\U0001F600\\101\\0'`)).toBe('Aé😀A\0');
    expect(parsePythonLiteral(`"mixed 'quotes' inside"`)).toBe("mixed 'quotes' inside");
  });

  it('keeps unknown escapes verbatim and raw strings untouched, as Python does', () => {
    expect(parsePythonLiteral(`"\\d+"`)).toBe('\\d+');
    expect(parsePythonLiteral(`r'C:\\new\\table'`)).toBe('C:\\new\\table');
    expect(parsePythonLiteral(`r"a\\"b"`)).toBe('a\\"b');
  });

  it('reads triple-quoted strings across lines and concatenates adjacent literals', () => {
    expect(parsePythonLiteral(`'''line1\nline2 "q" 'q' '''`)).toBe(`line1\nline2 "q" 'q' `);
    expect(parsePythonLiteral(`"ab" 'cd' "ef"`)).toBe('abcdef');
  });

  it('reads lists, tuples (as lists), dicts and nesting', () => {
    expect(parsePythonLiteral(`{'a': [1, (2, 3)], "b": {"c": None}, 1: 'one', True: 'yes'}`)).toEqual({
      a: [1, [2, 3]],
      b: { c: null },
      '1': 'one',
      True: 'yes',
    });
    expect(parsePythonLiteral('()')).toEqual([]);
    expect(parsePythonLiteral('(1,)')).toEqual([1]);
    expect(parsePythonLiteral('(1)')).toBe(1);
  });

  it('turns a bare name into its string, as BFCL resolves ast.Name', () => {
    expect(parsePythonCalls('[f(unit=celsius, flag=true)]')).toEqual([{ name: 'f', arguments: { unit: 'celsius', flag: 'true' } }]);
  });

  it('keeps a nested call as its canonical source text instead of calling it', () => {
    expect(parsePythonCalls(`[f(x=np.array([1,2]), y=g(a=1,b='z'))]`)).toEqual([
      { name: 'f', arguments: { x: 'np.array([1, 2])', y: "g(a=1, b='z')" } },
    ]);
  });

  it('folds arithmetic on number literals with Python precedence, as BFCL evals it', () => {
    expect(parsePythonLiteral('[1000*12, 7/2, 7//2, -7//2, -1%3, 1%-3, 2**10, 2**-1, -2**2, (1+2)*3, 1+2*3, 2**3**2, 1e3-0.5]')).toEqual([
      12000, 3.5, 3, -4, 2, -2, 1024, 0.5, -4, 9, 7, 512, 999.5,
    ]);
    expect(parsePythonLiteral(`'New ' + "York"`)).toBe('New York');
  });

  it('keeps names like __proto__, constructor and toString as plain data', () => {
    const [parsed] = parsePythonCalls(`[f(__proto__={'polluted': True}, value=toString, d={'__proto__': 1})]`);
    expect(Object.keys(parsed.arguments)).toEqual(['__proto__', 'value', 'd']);
    expect(parsed.arguments.value).toBe('toString');
    expect(Object.hasOwn(parsed.arguments.d as object, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads ... as the string "..."', () => {
    expect(parsePythonLiteral('...')).toBe('...');
  });
});

describe('parsePythonCalls: errors name what and where', () => {
  it('rejects positional arguments in a call (BFCL would silently drop them)', () => {
    const err = errorOf('[get_weather("Paris", unit="c")]');
    expect(err.message).toMatch(/positional argument/);
    expect(err.offset).toBe(13);
    expect(errorOf('[f(a=1, 2)]').message).toMatch(/positional argument follows keyword argument/);
  });

  it('rejects a Python keyword as an argument name, as Python (and so BFCL) does', () => {
    for (const name of ['from', 'class', 'lambda', 'True', 'None']) expect(errorOf(`[f(${name}=1)]`).message).toMatch(new RegExp(`"${name}" is a Python keyword`));
    expect(parsePythonCalls('[f(match=1, type=2, case=3)]')).toEqual([{ name: 'f', arguments: { match: 1, type: 2, case: 3 } }]);
  });

  it('leaves out positional arguments only when asked, saying so', () => {
    const dropped: string[] = [];
    expect(parsePythonCalls('[get_weather("Paris", unit="c")]', { positional: 'drop', dropped })).toEqual([{ name: 'get_weather', arguments: { unit: 'c' } }]);
    expect(dropped).toEqual(["get_weather's positional argument was ignored (only keyword arguments name a parameter)"]);
  });

  it('rejects a repeated keyword argument', () => {
    expect(errorOf('[f(a=1, a=2)]').message).toMatch(/keyword argument "a" repeated/);
  });

  it('rejects arithmetic on anything but literals, and division by zero, at the operator', () => {
    const err = errorOf('[f(a=x+2)]');
    expect(err.message).toMatch(/arithmetic \("\+"\) is only supported between number literals or two strings/);
    expect(err.offset).toBe(6);
    expect(errorOf('[f(a=1/0)]')).toMatchObject({ offset: 6, message: expect.stringMatching(/division by zero/) });
    expect(errorOf("[f(a='ab'*2)]").message).toMatch(/arithmetic \("\*"\)/);
    expect(errorOf('[f(a=1 < 2)]').message).toMatch(/operator "<" is not supported/);
  });

  it('rejects code that would run if evaluated', () => {
    expect(() => parsePythonCalls(`__import__('os').system('rm -rf /')`)).toThrow(PySyntaxError);
    expect(() => parsePythonCalls('[f(a=lambda: 1)]')).toThrow(/lambdas are not supported/);
    expect(() => parsePythonCalls('[f(a=x[0])]')).toThrow(/subscripts are not supported/);
    expect(() => parsePythonCalls(`[f(a=f'{x}')]`)).toThrow(/f-strings/);
    expect(() => parsePythonCalls('[f(**kw)]')).toThrow(/unpacking/);
  });

  it('rejects unterminated strings and unclosed brackets with the offset of the problem', () => {
    expect(errorOf('[f(a="x)]').offset).toBe(5);
    expect(errorOf('[f(a=1)').message).toMatch(/missing "\]"|to close the call list/);
    expect(errorOf('[f(a=[1, 2)]').message).toMatch(/expected "," or "\]" in a list/);
    expect(errorOf("[f(a='x\n')]").message).toMatch(/newline inside quotes/);
  });

  it('rejects a list element that is not a call', () => {
    expect(errorOf('[f(a=1), 42]').message).toMatch(/element 1 of the call list is not a function call/);
  });

  it('rejects sets, complex numbers, bytes and leading-zero integers', () => {
    expect(() => parsePythonLiteral('{1, 2}')).toThrow(/sets are not supported/);
    expect(() => parsePythonLiteral('3j')).toThrow(/complex/);
    expect(() => parsePythonLiteral(`b'x'`)).toThrow(/bytes/);
    expect(() => parsePythonLiteral('007')).toThrow(/leading zeros/);
  });

  it('rejects attribute access used as a value', () => {
    expect(() => parsePythonCalls('[f(a=math.pi)]')).toThrow(/attribute access "math.pi"/);
  });
});

describe('looksLikePythonCalls', () => {
  it('recognises call lists and bare calls but not prose', () => {
    expect(looksLikePythonCalls('[f(a=1)]')).toBe(true);
    expect(looksLikePythonCalls('  math.hypot(x=1)')).toBe(true);
    expect(looksLikePythonCalls('[]')).toBe(true);
    expect(looksLikePythonCalls('I cannot do that (sorry).')).toBe(false);
    expect(looksLikePythonCalls('[1, 2]')).toBe(false);
  });
});
