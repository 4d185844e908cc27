// Python floats whose value is whole (`5.0`, `1e3`, `4 / 2`), kept apart from ints. JS has one
// number type, so JSON.parse and plain parsing turn `5.0` into 5, and BFCL's checker tells them
// apart: `5.0` fails an integer parameter, `[1, 2]` fails where the ground truth lists `[1.0, 2.0]`.
// Readers asked to keep floats box these values as IntegralFloat; non-whole floats (1.5) are plain
// numbers, since JS already knows they are no ints.
// Owns the box, its Python repr and the unboxing; the box never goes into storage or a message to
// another thread (it would arrive as a plain object): take `plainNumbers` first.
import { setOwn } from '../own-keys.ts';

export class IntegralFloat {
  constructor(readonly value: number) {}

  /** JSON has no such distinction; it writes the number. */
  toJSON(): number {
    return this.value;
  }
}

export function isIntegralFloat(value: unknown): value is IntegralFloat {
  return value instanceof IntegralFloat;
}

/** A JSON object of a parsed record or text: not a list, not null, and not a whole float a reader
 * kept (a box is a number). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof IntegralFloat);
}

/** A float's value as a reader keeping floats returns it: boxed when whole. */
export function floatValue(value: number): number | IntegralFloat {
  return Number.isInteger(value) ? new IntegralFloat(value) : value;
}

/** The number a value stands for, boxed or not; anything else as it is. */
export function numericValue(value: unknown): unknown {
  return value instanceof IntegralFloat ? value.value : value;
}

/** A deep copy of lists and objects with every IntegralFloat replaced by `replace(box)`; other values are shared. */
export function replaceWholeFloats(value: unknown, replace: (box: IntegralFloat) => unknown): unknown {
  if (value instanceof IntegralFloat) return replace(value);
  if (Array.isArray(value)) return value.map((item) => replaceWholeFloats(item, replace));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, key, replaceWholeFloats(item, replace));
    return out;
  }
  return value;
}

/** A deep copy with every IntegralFloat replaced by its number; other values are shared. */
export function plainNumbers<T>(value: T): T {
  return replaceWholeFloats(value, (box) => box.value) as T;
}

/**
 * Python's `repr(float)`: the shortest digits that read back (as JS's), written fixed for decimal
 * exponents −4 to 15 with ".0" on whole values, otherwise as `1e-05` / `1.5e+16`.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    // JS writes fixed notation for exponents −6 to 20, so String() is already the fixed form here.
    const fixed = String(value);
    return Number.isInteger(value) ? `${fixed}.0` : fixed;
  }
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}
