// JSON.parse that keeps `5.0` a float: a number written with a fraction or an exponent and a whole
// value comes back as an IntegralFloat, as Python's json.loads keeps it a float, so the checker
// can judge it as BFCL does. Everything else is exactly JSON.parse's result, errors included.
// Owns only this reading; never checks what the value means.
import { setOwn } from '../own-keys.ts';
import { floatValue, type IntegralFloat } from './integral-float.ts';

// Past this depth the text is read by JSON.parse alone (floats not kept) rather than risk the stack.
const MAX_DEPTH = 200;
// A number literal, with a fraction or an exponent or neither.
const FLOAT_LITERAL = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
// A number that may be a whole float (`5.0`, `1e3`, `2.5e1`) where JSON puts a value: after `:`, `[`
// or `,` and before `,`, `]` or `}` (or alone). A text without one has nothing to keep and is read by
// JSON.parse alone: every dataset record is read through here, and most hold none ("v2.0" in a
// description only costs a second reading).
const MAY_HOLD_WHOLE_FLOAT = /(?:^|[:[,])\s*-?\d+(?:\.0+|(?:\.\d+)?[eE][+-]?\d+)\s*(?:[,\]}]|$)/;

export function parseJsonKeepingFloats(text: string): unknown {
  const plain = JSON.parse(text);
  if (!MAY_HOLD_WHOLE_FLOAT.test(text)) return plain;
  try {
    return new FloatKeepingReader(text).read();
  } catch (err) {
    if (err instanceof TooDeep) return plain;
    throw err;
  }
}

class TooDeep extends Error {}

/** Reads text JSON.parse has already accepted, so it only needs to find its way, not validate. */
class FloatKeepingReader {
  private at = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  read(): unknown {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{' || c === '[') {
      if (++this.depth > MAX_DEPTH) throw new TooDeep();
      const value = c === '{' ? this.readObject() : this.readArray();
      this.depth--;
      return value;
    }
    if (c === '"') return this.readString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    return this.readNumber();
  }

  private readObject(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.at++;
    this.skipSpace();
    if (this.text[this.at] === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      const key = this.readString();
      this.skipSpace();
      this.at++; // ':'
      // A repeated key keeps its last value, as JSON.parse does; "__proto__" stays an own key.
      setOwn(out, key, this.read());
      this.skipSpace();
      if (this.text[this.at++] === '}') return out;
    }
  }

  private readArray(): unknown[] {
    const out: unknown[] = [];
    this.at++;
    this.skipSpace();
    if (this.text[this.at] === ']') {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.read());
      this.skipSpace();
      if (this.text[this.at++] === ']') return out;
    }
  }

  private readString(): string {
    const start = this.at;
    let i = start + 1;
    while (this.text[i] !== '"') i += this.text[i] === '\\' ? 2 : 1;
    this.at = i + 1;
    return JSON.parse(this.text.slice(start, this.at)) as string;
  }

  private readNumber(): number | IntegralFloat {
    FLOAT_LITERAL.lastIndex = this.at;
    const literal = FLOAT_LITERAL.exec(this.text)![0];
    this.at += literal.length;
    const value = Number(literal);
    return /[.eE]/.test(literal) ? floatValue(value) : value;
  }

  private skipSpace(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at])) this.at++;
  }
}
