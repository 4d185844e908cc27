// Tokenizer for the Python literal/call subset that BFCL and ToolACE write calls in:
// `[f(a=1, b="x"), mod.g(c=[1, 2.5e-3], d={'k': None})]`.
// Owns turning text into tokens with their source offsets; never evaluates anything and never
// builds values (that is call-syntax.ts's job).

export type PyTokenKind = 'name' | 'int' | 'float' | 'string' | 'op' | 'end';

export interface PyToken {
  kind: PyTokenKind;
  /** Source text of the token (for strings: the decoded value, see `value`). */
  text: string;
  /** Decoded value for `string`, `int` and `float` tokens. */
  value?: string | number;
  /** Offset of the token's first character in the input. */
  offset: number;
}

/** A syntax error with the character offset it was found at, so callers can point at it. */
export class PySyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at offset ${offset})`);
    this.name = 'PySyntaxError';
  }
}

// Longest first so `**` and `//` and `...` win over their one-character prefixes.
const OPERATORS = ['...', '**', '//', '(', ')', '[', ']', '{', '}', ',', ':', '=', '.', '-', '+', '*', '/', '%', '@', '~', '<', '>', '!', '&', '|', '^'];

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0',
};

const isIdentStart = (c: string) => /[A-Za-z_\u00C0-\uFFFF]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_\u00C0-\uFFFF]/.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';

export function tokenizePython(src: string): PyToken[] {
  const tokens: PyToken[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '\\' && (src[i + 1] === '\n' || src[i + 1] === '\r')) {
      i += 2; // explicit line continuation
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const stringPrefix = /^([rRuUbBfF]{0,2})(['"])/.exec(src.slice(i, i + 3));
    if (stringPrefix && (stringPrefix[1] === '' || isIdentStart(c))) {
      const { token, end } = readString(src, i, stringPrefix[1].toLowerCase());
      tokens.push(token);
      i = end;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < src.length && isIdentPart(src[j])) j++;
      tokens.push({ kind: 'name', text: src.slice(i, j), offset: i });
      i = j;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      const { token, end } = readNumber(src, i);
      tokens.push(token);
      i = end;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new PySyntaxError(`unexpected character ${JSON.stringify(c)}`, i);
    tokens.push({ kind: 'op', text: op, offset: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', offset: src.length });
  return tokens;
}

function readNumber(src: string, start: number): { token: PyToken; end: number } {
  const radix = /^0([xXoObB])/.exec(src.slice(start, start + 2));
  if (radix) {
    const digits = { x: /[0-9a-fA-F_]/, o: /[0-7_]/, b: /[01_]/ }[radix[1].toLowerCase() as 'x' | 'o' | 'b'];
    let j = start + 2;
    while (j < src.length && digits.test(src[j])) j++;
    const body = src.slice(start + 2, j).replace(/_/g, '');
    if (!body) throw new PySyntaxError(`invalid number literal ${JSON.stringify(src.slice(start, j + 1))}`, start);
    const base = { x: 16, o: 8, b: 2 }[radix[1].toLowerCase() as 'x' | 'o' | 'b'];
    const text = src.slice(start, j);
    return { token: { kind: 'int', text, value: parseInt(body, base), offset: start }, end: j };
  }
  // Python's decimal literal grammar: digits[.digits][e[+-]digits], underscores between digits.
  const m = /^(?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][+-]?\d(?:_?\d)*)?/.exec(src.slice(start));
  const text = m ? m[0] : '';
  if (!text || text === '.') throw new PySyntaxError('invalid number literal', start);
  const end = start + text.length;
  if (src[end] === 'j' || src[end] === 'J') throw new PySyntaxError('complex numbers are not supported', start);
  if (isIdentPart(src[end] ?? '')) throw new PySyntaxError(`invalid number literal ${JSON.stringify(src.slice(start, end + 1))}`, start);
  const clean = text.replace(/_/g, '');
  const isFloat = /[.eE]/.test(clean);
  if (!isFloat && clean.length > 1 && clean.startsWith('0') && /[1-9]/.test(clean)) {
    throw new PySyntaxError(`leading zeros in decimal integer literal ${JSON.stringify(text)}`, start);
  }
  return { token: { kind: isFloat ? 'float' : 'int', text, value: Number(clean), offset: start }, end };
}

function readString(src: string, start: number, prefix: string): { token: PyToken; end: number } {
  if (prefix.includes('b')) throw new PySyntaxError('bytes literals are not supported', start);
  if (prefix.includes('f')) throw new PySyntaxError('f-strings are not supported (they need evaluation)', start);
  const raw = prefix.includes('r');
  let i = start + prefix.length;
  const quoteChar = src[i];
  const triple = src.startsWith(quoteChar.repeat(3), i);
  const quote = triple ? quoteChar.repeat(3) : quoteChar;
  i += quote.length;
  let out = '';
  while (true) {
    if (i >= src.length) throw new PySyntaxError('unterminated string literal', start);
    if (src.startsWith(quote, i)) {
      i += quote.length;
      break;
    }
    const c = src[i];
    if (!triple && (c === '\n' || c === '\r')) throw new PySyntaxError('unterminated string literal (newline inside quotes)', start);
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const next = src[i + 1];
    if (next === undefined) throw new PySyntaxError('unterminated string literal', start);
    if (raw) {
      // Raw strings keep the backslash; it still stops the next quote from closing the string.
      out += c + next;
      i += 2;
      continue;
    }
    if (next === '\n') {
      i += 2;
      continue;
    }
    if (Object.hasOwn(SIMPLE_ESCAPES, next) && !(next === '0' && /[0-7]/.test(src[i + 2] ?? ''))) {
      out += SIMPLE_ESCAPES[next];
      i += 2;
      continue;
    }
    const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (hexLength) {
      const hex = src.slice(i + 2, i + 2 + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) throw new PySyntaxError(`truncated \\${next} escape`, i);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw new PySyntaxError(`\\${next}${hex} is not a valid code point`, i);
      out += String.fromCodePoint(code);
      i += 2 + hexLength;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(src.slice(i + 1, i + 4));
    if (octal) {
      out += String.fromCharCode(parseInt(octal[0], 8));
      i += 1 + octal[0].length;
      continue;
    }
    if (next === 'N') throw new PySyntaxError('\\N{name} escapes are not supported', i);
    // Python keeps unknown escapes verbatim (with a warning), e.g. "\d" stays backslash-d.
    out += c + next;
    i += 2;
  }
  return { token: { kind: 'string', text: src.slice(start, i), value: out, offset: start }, end: i };
}
