// Python value semantics the BFCL checker relies on, for JSON-like JS values: `type(x)`, `==`,
// `x in list`, `repr`, and BFCL's `standardize_string`. Owns only these pure helpers; never
// parses or checks calls.
//
// One gap JS cannot close: JSON.parse turns `5.0` into 5, so an integral float is indistinguishable
// from an int. We call integral numbers `int` (pyTypeOf) but let them pass wherever a float is
// expected (isPyType); BFCL would reject `5.0` for an integer parameter, we accept it.
import { formatPythonValue } from '../data/python/format.ts';

export type PyType = 'NoneType' | 'bool' | 'int' | 'float' | 'str' | 'list' | 'dict';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python's `type(x).__name__` for a JSON-like value (tuples have become lists). */
export function pyTypeOf(value: unknown): PyType | 'unknown' {
  if (value === null) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  if (isPlainObject(value)) return 'dict';
  return 'unknown';
}

/** `type(value) == t`, except that any number counts as a float (see the note at the top). */
export function isPyType(value: unknown, t: PyType): boolean {
  if (t === 'float') return typeof value === 'number';
  return pyTypeOf(value) === t;
}

/** Python `a == b`: bool is an int (True == 1), int == float by value, containers deeply. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const numA = typeof a === 'boolean' ? Number(a) : a;
  const numB = typeof b === 'boolean' ? Number(b) : b;
  if (typeof numA === 'number' && typeof numB === 'number') return numA === numB;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => pyEquals(item, b[i]));
  }
  const keysA = Object.keys(a);
  const objB = b as Record<string, unknown>;
  if (keysA.length !== Object.keys(objB).length) return false;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(objB, key) && pyEquals((a as Record<string, unknown>)[key], objB[key]));
}

/** Python `value in list`. */
export function pyIn(value: unknown, list: readonly unknown[]): boolean {
  return list.some((item) => pyEquals(value, item));
}

/** Python `repr`, for error messages; never throws. */
export function pyRepr(value: unknown): string {
  try {
    return formatPythonValue(value);
  } catch {
    return String(value);
  }
}

/**
 * BFCL's `standardize_string`: drop spaces and `,./-_*^`, lower-case, `'` → `"`, so that
 * "April 1, 2024" and "april 1 2024" compare equal.
 */
export function standardizeString(text: string): string {
  return text.replace(/[ ,./\-_*^]/g, '').toLowerCase().replace(/'/g, '"');
}
