// A small strict JSON validator for untrusted snapshot and share-link content: each check takes a
// parsed value and its field path and returns a freshly built typed value, or throws a FieldError
// naming the path (`metrics[12].loss`). Objects are rebuilt from known keys only, so unknown keys
// (including `__proto__`) are refused rather than carried along.
// Owns the checks and SnapshotError; never renders, escapes or interprets strings: text stays text.
import { setOwn } from '../data/own-keys.ts';

/** The one error every snapshot/share-link import throws: names the entry (file) and the problem. */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

/** A problem at a field path inside one entry; wrapped into a SnapshotError naming the entry. */
export class FieldError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || '(top level)'} ${problem}`);
    this.name = 'FieldError';
  }
}

export type Check<T> = (value: unknown, path: string) => T;

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a ${v.length}-character string` : `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  return typeof v === 'object' ? 'an object' : typeof v;
};

export function str(opts: { max: number; min?: number; pattern?: RegExp; oneOf?: readonly string[] }): Check<string> {
  return (v, path) => {
    if (typeof v !== 'string') throw new FieldError(path, `must be a string, got ${describe(v)}`);
    if (v.length > opts.max) throw new FieldError(path, `is ${v.length} characters long; the limit is ${opts.max}`);
    if (v.length < (opts.min ?? 0)) throw new FieldError(path, `must have at least ${opts.min} characters`);
    if (opts.oneOf && !opts.oneOf.includes(v)) throw new FieldError(path, `must be one of ${opts.oneOf.map((s) => JSON.stringify(s)).join(', ')}, got ${describe(v)}`);
    if (opts.pattern && !opts.pattern.test(v)) throw new FieldError(path, `has an unexpected form (${describe(v)})`);
    return v;
  };
}

export function literal<T extends string>(value: T): Check<T> {
  return (v, path) => {
    if (v !== value) throw new FieldError(path, `must be ${JSON.stringify(value)}, got ${describe(v)}`);
    return value;
  };
}

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return str({ max: 64, oneOf: values }) as Check<T>;
}

/** A finite number (JSON cannot carry NaN/Infinity; a huge exponent can still parse to Infinity). */
export function num(opts: { min?: number; max?: number; integer?: boolean } = {}): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new FieldError(path, `must be a finite number, got ${describe(v)}`);
    if (opts.integer && !Number.isSafeInteger(v)) throw new FieldError(path, `must be a whole number, got ${v}`);
    if (opts.min !== undefined && v < opts.min) throw new FieldError(path, `must be ≥ ${opts.min}, got ${v}`);
    if (opts.max !== undefined && v > opts.max) throw new FieldError(path, `must be ≤ ${opts.max}, got ${v}`);
    return v;
  };
}

export const int = (opts: { min?: number; max?: number } = {}): Check<number> => num({ ...opts, integer: true });

export const bool: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new FieldError(path, `must be true or false, got ${describe(v)}`);
  return v;
};

/** A finite number or null; null stands for a value that was not finite (a diverged loss). */
export function numOrNull(opts: { min?: number; max?: number } = {}): Check<number | null> {
  const n = num(opts);
  return (v, path) => (v === null ? null : n(v, path));
}

export function arr<T>(item: Check<T>, opts: { max: number; min?: number }): Check<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw new FieldError(path, `must be an array, got ${describe(v)}`);
    if (v.length > opts.max) throw new FieldError(path, `has ${v.length} items; the limit is ${opts.max}`);
    if (v.length < (opts.min ?? 0)) throw new FieldError(path, `must have at least ${opts.min} items`);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

const OPTIONAL = Symbol('optional');
export type OptionalCheck<T> = Check<T | undefined> & { [OPTIONAL]: true };

/** A key that may be absent (or null, which JSON writers use for "not set"). */
export function opt<T>(check: Check<T>): OptionalCheck<T> {
  const c = ((v: unknown, path: string) => (v === undefined || v === null ? undefined : check(v, path))) as OptionalCheck<T>;
  c[OPTIONAL] = true;
  return c;
}

type Shape = Record<string, Check<unknown>>;
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalCheck<unknown> ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>;
export type Infer<S extends Shape> = { [K in RequiredKeys<S>]: S[K] extends Check<infer T> ? T : never } & {
  [K in OptionalKeys<S>]?: S[K] extends Check<infer T> ? Exclude<T, undefined> : never;
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** An object with exactly these keys (optional ones may be missing); anything else is refused. */
export function obj<S extends Shape>(shape: S): Check<Infer<S>> {
  return (v, path) => {
    if (!isPlainObject(v)) throw new FieldError(path, `must be an object, got ${describe(v)}`);
    for (const key of Object.keys(v)) {
      if (!Object.prototype.hasOwnProperty.call(shape, key)) throw new FieldError(join(path, key), 'is not a known field');
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const isOptional = (check as Partial<OptionalCheck<unknown>>)[OPTIONAL] === true;
      const present = Object.prototype.hasOwnProperty.call(v, key);
      if (!present && !isOptional) throw new FieldError(join(path, key), 'is missing');
      const value = check(present ? v[key] : undefined, join(path, key));
      if (value !== undefined) out[key] = value;
    }
    return out as Infer<S>;
  };
}

/** A map with names of a fixed form (`/^[A-Za-z][A-Za-z0-9_]*$/` style) and checked values. */
export function record<T>(value: Check<T>, opts: { maxKeys: number; key: RegExp }): Check<Record<string, T>> {
  return (v, path) => {
    if (!isPlainObject(v)) throw new FieldError(path, `must be an object, got ${describe(v)}`);
    const keys = Object.keys(v);
    if (keys.length > opts.maxKeys) throw new FieldError(path, `has ${keys.length} keys; the limit is ${opts.maxKeys}`);
    const out: Record<string, T> = {};
    for (const key of keys) {
      // `__proto__` would set the prototype of `out` instead of adding a key.
      if (!opts.key.test(key) || key === '__proto__') throw new FieldError(join(path, JSON.stringify(key)), 'is not an allowed name');
      out[key] = value(v[key], join(path, key));
    }
    return out;
  };
}

/** Parses JSON text and runs `check`, turning any problem into one SnapshotError naming `entry`. */
export function parseEntryJson<T>(entry: string, text: string, check: Check<T>): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError(`${entry}: not valid JSON (${(err as Error).message})`);
  }
  return checkEntry(entry, parsed, check);
}

export function checkEntry<T>(entry: string, value: unknown, check: Check<T>): T {
  try {
    return check(value, '');
  } catch (err) {
    if (err instanceof FieldError) throw new SnapshotError(`${entry}: ${err.message}`);
    throw err;
  }
}

/** Any JSON value (tool schemas, call arguments), bounded in depth, size and string length and
 * rebuilt key by key. A key named `__proto__` is data here (a legal parameter name): it is kept
 * as an own property, never assigned (which would set the rebuilt object's prototype). */
export function jsonValue(opts: { maxDepth: number; maxString: number; maxItems: number }): Check<unknown> {
  const walk = (v: unknown, path: string, depth: number): unknown => {
    if (depth > opts.maxDepth) throw new FieldError(path, `nests deeper than ${opts.maxDepth} levels`);
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') return num()(v, path);
    if (typeof v === 'string') return str({ max: opts.maxString })(v, path);
    if (Array.isArray(v)) {
      if (v.length > opts.maxItems) throw new FieldError(path, `has ${v.length} items; the limit is ${opts.maxItems}`);
      return v.map((x, i) => walk(x, `${path}[${i}]`, depth + 1));
    }
    if (isPlainObject(v)) {
      const keys = Object.keys(v);
      if (keys.length > opts.maxItems) throw new FieldError(path, `has ${keys.length} keys; the limit is ${opts.maxItems}`);
      const out: Record<string, unknown> = {};
      for (const k of keys) setOwn(out, k, walk(v[k], join(path, k), depth + 1));
      return out;
    }
    throw new FieldError(path, `is not a JSON value (${describe(v)})`);
  };
  return (v, path) => walk(v, path, 0);
}
