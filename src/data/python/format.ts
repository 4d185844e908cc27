// Writes calls in Python-call syntax, `[f(a=1, b='x'), g()]`, the way FunReason/BalanceSFT targets
// and BFCL's prompt mode expect them; `parsePythonCalls` reads the result back to the same calls.
// Owns Python's `repr` for JSON-like values (strings in single quotes unless that needs escaping,
// True/False/None, lists and dicts with ", " and ": "). Never writes something the parser would
// read back differently: values with no Python literal (NaN, undefined, functions) are errors.
import type { Call } from '../example.ts';
import { IntegralFloat, pythonFloatRepr } from './integral-float.ts';

const DOTTED_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Calls written as Python-call text after any text, the way a Python-syntax target writes them. */
export function withPythonCalls(content: string, calls: Call[]): string {
  return content ? `${content}\n${formatCallsPython(calls)}` : formatCallsPython(calls);
}

/** `[f(a=1), g(b='x')]`; an empty list of calls is `[]`. */
export function formatCallsPython(calls: Call[]): string {
  return `[${calls.map((call, index) => formatCallPython(call, index)).join(', ')}]`;
}

function formatCallPython(call: Call, index: number): string {
  if (!DOTTED_NAME.test(call.name)) {
    throw new Error(`call ${index}: function name ${JSON.stringify(call.name)} cannot be written in Python-call syntax`);
  }
  const args = Object.entries(call.arguments ?? {}).map(([key, value]) => {
    if (!IDENTIFIER.test(key)) {
      throw new Error(`call ${index} (${call.name}): argument name ${JSON.stringify(key)} is not a Python identifier`);
    }
    return `${key}=${formatPythonValue(value, `call ${index} (${call.name}), argument ${key}`)}`;
  });
  return `${call.name}(${args.join(', ')})`;
}

/** Python's `repr` of a JSON-like value. `where` names the value in error messages. */
export function formatPythonValue(value: unknown, where = 'value'): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return pythonStringRepr(value);
  if (typeof value === 'number' || value instanceof IntegralFloat) {
    const number = typeof value === 'number' ? value : value.value;
    if (!Number.isFinite(number)) throw new Error(`${where}: ${number} has no Python literal`);
    // A whole JS number is an int, except -0; a whole float comes boxed (JS has no 5.0 of its own).
    const isInt = typeof value === 'number' && Number.isInteger(number) && !Object.is(number, -0);
    return isInt ? String(number) : pythonFloatRepr(number);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => formatPythonValue(v, `${where}[${i}]`)).join(', ')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    return `{${entries.map(([k, v]) => `${pythonStringRepr(k)}: ${formatPythonValue(v, `${where}.${k}`)}`).join(', ')}}`;
  }
  throw new Error(`${where}: a ${value === undefined ? 'undefined' : typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value} has no Python literal`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Python's repr(str): single quotes unless the text has ' and no ", escapes for the rest. */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (code === 0x2028 || code === 0x2029 || (code >= 0xd800 && code <= 0xdfff)) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + quote;
}
