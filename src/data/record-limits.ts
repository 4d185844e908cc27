// The limits one dataset record must fit, and the iterative check that enforces the nesting one.
// Every later step (parsers, the quality check, the fingerprint, the chat template, IndexedDB's
// structured clone, JSON.stringify) walks values recursively, so a record that nests 10,000 deep
// would end in a stack overflow there; checked here once, with an explicit stack, nothing after
// it can be driven deep. The size limit is chosen from measured tokenization time: the tokenizer's
// worst case (one 256 KiB word, e.g. a single repeated letter) takes ~4 s on a 2-core CI machine,
// typical text ~0.3 s, so a record at the limit imports and tokenizes in seconds.
// Never throws for a value: it returns the first problem as text, or undefined.
import { IntegralFloat } from './python/integral-float.ts';

export const RECORD_LIMITS = {
  /** Bytes of one record in the file (JSONL line or array element); larger ones are skipped unread. */
  maxRecordBytes: 256 << 10,
  /**
   * Nesting levels of a record or an Example (objects and lists; a value inside the deepest one
   * sits one level further). The Example wraps possible answers 2 levels down, tool parameters 3
   * and call arguments 4, and a run snapshot accepts 32 levels inside each (snapshot/dataset-jsonl.ts):
   * 34 keeps every imported example exportable. Real schemas and arguments nest under 10.
   */
  maxDepth: 34,
} as const;

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Why a record of `bytes` was skipped unread. */
export function overLimit(limit: number, bytes: number): string {
  return `record is over the ${formatBytes(limit)} per-record limit (${formatBytes(bytes)}); skipped`;
}

interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | undefined;
  key: string | number;
}

/** `a.b[0].c`, shortened in the middle when long (a 10,000-deep path is not a useful message). */
function pathOf(v: Visit): string {
  const keys: Array<string | number> = [];
  for (let at: Visit | undefined = v; at?.parent; at = at.parent) keys.push(at.key);
  keys.reverse();
  const shown = keys.length > 12 ? [...keys.slice(0, 8), '…', ...keys.slice(-2)] : keys;
  let out = '';
  for (const k of shown) out += typeof k === 'number' ? `[${k}]` : k === '…' ? '…' : /^[A-Za-z_$][\w$]*$/.test(k) ? (out ? `.${k}` : k) : `[${JSON.stringify(k)}]`;
  return out || '(the record itself)';
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The first reason `value` cannot go further: it nests deeper than `maxDepth`, or (with
 * `jsonOnly`) it holds something that is not JSON data — a function (what an inherited
 * "constructor" lookup puts into an object), a non-finite number (`1e999` parses as Infinity), a
 * symbol, a bigint or a class instance. IndexedDB refuses a function for the whole batch it is in,
 * so this runs per record, before anything is stored.
 */
export function recordShapeProblem(value: unknown, options: { maxDepth?: number; jsonOnly?: boolean } = {}): string | undefined {
  const maxDepth = options.maxDepth ?? RECORD_LIMITS.maxDepth;
  const stack: Visit[] = [{ value, depth: 0, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const x = v.value;
    if (x === null || x === undefined || typeof x === 'string' || typeof x === 'boolean') continue;
    if (typeof x === 'number') {
      if (options.jsonOnly && !Number.isFinite(x)) return `${pathOf(v)} is ${x}, not a finite number`;
      continue;
    }
    // A whole float a parser kept (5.0): a number, made plain before the example is stored.
    if (x instanceof IntegralFloat) continue;
    if (typeof x !== 'object') {
      if (options.jsonOnly) return `${pathOf(v)} is a ${typeof x}, not JSON data`;
      continue;
    }
    if (v.depth >= maxDepth) return `nests deeper than ${maxDepth} levels (at ${pathOf(v)})`;
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push({ value: x[i], depth: v.depth + 1, parent: v, key: i });
    } else {
      if (options.jsonOnly && !isPlainObject(x)) return `${pathOf(v)} is a ${x.constructor?.name ?? 'object'}, not JSON data`;
      const keys = Object.keys(x);
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (x as Record<string, unknown>)[keys[i]], depth: v.depth + 1, parent: v, key: keys[i] });
    }
  }
  return undefined;
}
