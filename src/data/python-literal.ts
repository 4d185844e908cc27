// Python-literal values and Python-call lists, as datasets write them: `[f(a=1, b='x')]` targets
// (FunReason/BalanceSFT, BFCL prompt mode) and single-quoted dict calls (Hermes `<tool_call>`).
// Owns parsing those texts into JSON values and printing calls back in Python syntax.
// Never evaluates code: only literals (numbers, strings, True/False/None, lists, tuples, dicts)
// are accepted; anything else is a PythonSyntaxError with the character position.
import type { Call } from './example.ts';

export class PythonSyntaxError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at character ${position}`);
    this.name = 'PythonSyntaxError';
  }
}

class LiteralScanner {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new PythonSyntaxError(message, this.pos);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  peek(): string {
    this.skipSpace();
    return this.text[this.pos] ?? '';
  }

  expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected "${ch}" but found ${this.describeHere()}`);
    this.pos++;
  }

  describeHere(): string {
    return this.pos >= this.text.length ? 'end of text' : `"${this.text.slice(this.pos, this.pos + 12)}"`;
  }

  identifier(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(this.text.slice(this.pos, this.pos + 256));
    if (!m) this.fail(`expected a name but found ${this.describeHere()}`);
    this.pos += m[0].length;
    return m[0];
  }

  value(): unknown {
    const ch = this.peek();
    if (ch === '[' || ch === '(') return this.sequence(ch === '[' ? ']' : ')');
    if (ch === '{') return this.dict();
    if (ch === '"' || ch === "'") return this.string();
    if (ch === '-' || ch === '+' || ch === '.' || (ch >= '0' && ch <= '9')) return this.number();
    const word = /^[A-Za-z_]+/.exec(this.text.slice(this.pos, this.pos + 16))?.[0];
    const constants: Record<string, unknown> = { True: true, False: false, None: null, true: true, false: false, null: null };
    if (word !== undefined && word in constants) {
      this.pos += word.length;
      return constants[word];
    }
    return this.fail(`expected a literal value but found ${this.describeHere()}`);
  }

  sequence(close: string): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    while (this.peek() !== close) {
      out.push(this.value());
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) this.fail(`expected "," or "${close}" but found ${this.describeHere()}`);
    }
    this.pos++;
    return out;
  }

  dict(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    while (this.peek() !== '}') {
      const key = this.value();
      if (typeof key !== 'string' && typeof key !== 'number') this.fail('dict keys must be strings or numbers');
      this.expect(':');
      out[String(key)] = this.value();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.fail(`expected "," or "}" but found ${this.describeHere()}`);
    }
    this.pos++;
    return out;
  }

  string(): string {
    const quote = this.text[this.pos];
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const close = triple ? quote.repeat(3) : quote;
    this.pos += close.length;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string');
      if (this.text.startsWith(close, this.pos)) {
        this.pos += close.length;
        return out;
      }
      const c = this.text[this.pos++];
      if (c !== '\\') {
        if (c === '\n' && !triple) this.fail('newline inside a string');
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0', '\\': '\\', "'": "'", '"': '"', '/': '/', '\n': '' };
      if (e in simple) out += simple[e];
      else if (e === 'u' || e === 'x') {
        const len = e === 'u' ? 4 : 2;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail(`bad \\${e} escape`);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += len;
      } else out += '\\' + e; // Python keeps unknown escapes verbatim
    }
  }

  number(): number {
    const m = /^[+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 64));
    if (!m) this.fail(`bad number ${this.describeHere()}`);
    this.pos += m[0].length;
    return Number(m[0].replace(/_/g, ''));
  }
}

/** Parses one Python (or JSON) literal: `{'a': [1, 2.5], 'b': None}`. The whole text must be consumed. */
export function parsePythonLiteral(text: string): unknown {
  const s = new LiteralScanner(text);
  const v = s.value();
  if (s.peek() !== '') s.fail(`unexpected ${s.describeHere()} after the value`);
  return v;
}

/** Parses `[f(a=1), g.h(b='x')]` (brackets optional) into calls. Positional arguments are rejected. */
export function parsePythonCalls(text: string): Call[] {
  const s = new LiteralScanner(text.trim());
  const bracketed = s.peek() === '[';
  if (bracketed) s.pos++;
  const calls: Call[] = [];
  while (s.peek() !== '' && s.peek() !== ']') {
    const name = s.identifier();
    s.expect('(');
    const args: Record<string, unknown> = {};
    while (s.peek() !== ')') {
      const key = s.identifier();
      if (s.peek() !== '=') s.fail(`positional argument in call to ${name}; expected "${key}=value"`);
      s.pos++;
      if (key in args) s.fail(`argument "${key}" given twice in call to ${name}`);
      args[key] = s.value();
      if (s.peek() === ',') s.pos++;
      else if (s.peek() !== ')') s.fail(`expected "," or ")" in call to ${name} but found ${s.describeHere()}`);
    }
    s.pos++;
    calls.push({ name, arguments: args });
    if (s.peek() === ',') s.pos++;
  }
  if (bracketed) s.expect(']');
  if (s.peek() !== '') s.fail(`unexpected ${s.describeHere()} after the calls`);
  return calls;
}

/** Python `repr` of a JSON value: single-quoted strings unless the text holds a single quote. */
export function formatPythonValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? "float('inf')" : v < 0 ? "float('-inf')" : "float('nan')";
  if (typeof v === 'string') {
    const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
    const body = v
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t')
      .replaceAll(quote, '\\' + quote);
    return quote + body + quote;
  }
  if (Array.isArray(v)) return '[' + v.map(formatPythonValue).join(', ') + ']';
  if (typeof v === 'object') {
    return '{' + Object.entries(v as Record<string, unknown>).map(([k, x]) => `${formatPythonValue(k)}: ${formatPythonValue(x)}`).join(', ') + '}';
  }
  return formatPythonValue(String(v));
}

/** `[f(a=1, b='x'), g()]`: the BFCL prompt-mode answer syntax. */
export function formatPythonCalls(calls: Call[]): string {
  const one = (c: Call) => `${c.name}(${Object.entries(c.arguments).map(([k, v]) => `${k}=${formatPythonValue(v)}`).join(', ')})`;
  return '[' + calls.map(one).join(', ') + ']';
}
