// Python value semantics the BFCL checker relies on, for JSON-like JS values: `type(x)`, `==`,
// `x in list`, `repr`, and BFCL's `standardize_string`. Owns only these pure helpers; never
// parses or checks calls.
//
// A whole float (5.0) is an IntegralFloat here, as the readers that keep floats return it; a whole
// JS number is an int. Where a reader could not keep them (the calls of a stored dataset), 5.0 has
// become 5 and is judged as the int it now is, as BFCL would judge the same value.
import { formatPythonValue } from '../data/python/format.ts';
import { IntegralFloat, numericValue } from '../data/python/integral-float.ts';

export type PyType = 'NoneType' | 'bool' | 'int' | 'float' | 'str' | 'list' | 'dict';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof IntegralFloat);
}

/** Python's `type(x).__name__` for a JSON-like value (tuples have become lists). */
export function pyTypeOf(value: unknown): PyType | 'unknown' {
  if (value === null) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (value instanceof IntegralFloat) return 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  if (isPlainObject(value)) return 'dict';
  return 'unknown';
}

/** Python `a == b`: bool is an int (True == 1), int == float by value, containers deeply. */
export function pyEquals(a: unknown, b: unknown): boolean {
  a = numericValue(a);
  b = numericValue(b);
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
