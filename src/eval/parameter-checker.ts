// The per-parameter half of BFCL's AST checker (ast_checker.py: type_checker, string_checker,
// list_checker, dict_checker, list_dict_checker and the value step of simple_function_checker):
// is one argument value of the right type and among the ground truth's accepted values?
// Owns those rules and their BFCL error types; never looks at function names or call counts
// (ast-checker.ts does) and never throws on model output.
// Ints and floats are told apart as Python does when the values come from a reader that keeps
// floats (IntegralFloat): `5.0` fails an integer parameter, and int items fail a float array whose
// ground truth shows its whole floats (`[1.0, 2.5]` from BFCL's files). A ground truth from stored
// examples has lost them (2.0 became 2), so there an int item of a float array counts as the float
// it may have been. Deviations from BFCL: a tuple passes where a list is wanted (JSON has no
// tuples); JSON-Schema type names ("object", "number") are accepted beside BFCL's Python ones ("dict",
// "float"), with "number" taking ints and floats alike, as JSON Schema means it, also as array items;
// a parameter without a type (BFCL's "any" once imported, enum-only schemas) is checked by its value
// alone, a type list by its first non-null type.
import type { AstCheckError } from './ast-checker.ts';
import type { JsonSchema } from '../data/example.ts';
import { IntegralFloat, isIntegralFloat } from '../data/python/integral-float.ts';
import { isPlainObject, pyIn, pyRepr, pyTypeOf, standardizeString, type PyType } from './python-values.ts';

type Failure = AstCheckError;

// BFCL's PYTHON_TYPE_MAPPING, plus the JSON-Schema names its FC handlers convert to.
const PYTHON_TYPE_MAPPING: Record<string, PyType> = {
  string: 'str',
  integer: 'int',
  float: 'float',
  number: 'float',
  boolean: 'bool',
  array: 'list',
  tuple: 'list',
  dict: 'dict',
  object: 'dict',
  any: 'str',
};
const NESTED_TYPE_CHECK = new Set(['array', 'tuple']);
// Type names an int is converted for: BFCL's "float" (Python's own int → float), and JSON Schema's
// "number", which means any number.
const TAKES_INT_AS_FLOAT = new Set(['float', 'number']);

/** An int where a float is wanted, as the float Python would make of it. */
function asExpectedNumber(value: unknown, typeDescription: string): unknown {
  return TAKES_INT_AS_FLOAT.has(typeDescription) && pyTypeOf(value) === 'int' ? new IntegralFloat(value as number) : value;
}

/** One argument against its schema and accepted values; `at` names it in the failure. */
export function checkParameter(param: string, value: unknown, paramSchema: JsonSchema, accepted: unknown[], at: string): Failure | null {
  const t = paramSchema?.type;
  // A type list (["string", "null"]) is its first non-null type.
  const typeDescription = typeof t === 'string' ? t : Array.isArray(t) ? t.find((x): x is string => typeof x === 'string' && x !== 'null') : undefined;
  if (t === undefined || (Array.isArray(t) && typeDescription === undefined)) {
    // No type at all: BFCL's "any" (which the importer drops, JSON Schema having no such type), or
    // an enum-only / anyOf schema. The value alone is checked, a string as BFCL checks strings.
    if (typeof value === 'string' && accepted.some((a) => typeof a === 'string')) return stringChecker(param, value, accepted, at);
    if (pyIn(value, accepted)) return null;
    return { rule: 'value_error:others', where: at, message: `Invalid value for parameter ${pyRepr(param)}: ${pyRepr(value)}. Expected one of ${pyRepr(accepted)}.` };
  }
  const expected = typeDescription !== undefined ? PYTHON_TYPE_MAPPING[typeDescription] : undefined;
  if (!typeDescription || !expected) {
    return {
      rule: 'checker:bad_schema',
      where: at,
      message: `Parameter ${pyRepr(param)} has schema type ${JSON.stringify(paramSchema?.type)}; expected one of ${Object.keys(PYTHON_TYPE_MAPPING).join(', ')}.`,
    };
  }
  // One level of item types, only for array/tuple; a schema without items.type skips it.
  const itemsType = NESTED_TYPE_CHECK.has(typeDescription) ? paramSchema.items?.type : undefined;
  const nested = typeof itemsType === 'string' && Object.hasOwn(PYTHON_TYPE_MAPPING, itemsType) ? { description: itemsType, type: PYTHON_TYPE_MAPPING[itemsType] } : null;

  // (BFCL converts a tuple to a list here, a no-op on JS values.)
  value = asExpectedNumber(value, typeDescription);
  const typeResult = typeChecker(param, value, accepted, typeDescription, expected, nested, at);
  if ('failure' in typeResult) return typeResult.failure;

  // A "variable" (ground truth of a different type than the schema, e.g. a name as a string) skips
  // the special comparisons and is compared as is.
  if (!typeResult.isVariable) {
    if (expected === 'dict') return dictChecker(param, value, accepted, at);
    if (expected === 'list' && nested?.type === 'dict') return listDictChecker(param, value as unknown[], accepted, at);
    if (expected === 'str') return stringChecker(param, value as string, accepted, at);
    if (expected === 'list') return listChecker(param, value as unknown[], accepted, at);
  }
  if (!pyIn(value, accepted)) {
    return { rule: 'value_error:others', where: at, message: `Invalid value for parameter ${pyRepr(param)}: ${pyRepr(value)}. Expected one of ${pyRepr(accepted)}.` };
  }
  return null;
}

function firstNonOptional(accepted: unknown[]): unknown {
  return accepted.find((a) => a !== '');
}

/** BFCL's type_checker, including its "variable" escape and one-level nested check. */
function typeChecker(
  param: string,
  value: unknown,
  accepted: unknown,
  typeDescription: string,
  expected: PyType,
  nested: { description: string; type: PyType } | null,
  at: string,
): { isVariable: boolean } | { failure: Failure } {
  // A nested check passes a non-list answer item through here; BFCL's loop over it finds no type.
  const acceptedList = Array.isArray(accepted) ? accepted : [];
  const sample = firstNonOptional(acceptedList);
  const hasSample = sample !== undefined;
  const isVariable = hasSample && pyTypeOf(sample) !== expected;
  let nestedFailure: Failure | null = null;

  if (pyTypeOf(value) === expected) {
    if (nested === null) return { isVariable };
    const showsWholeFloats = holdsIntegralFloat(acceptedList);
    for (const answerItem of acceptedList) {
      // Each answer that is a list must type-check element by element; a non-list answer ("") passes.
      let ok = true;
      if (Array.isArray(answerItem)) {
        for (const item of value as unknown[]) {
          // BFCL converts no item; "number" items take ints as JSON Schema means them, and float
          // items do where the ground truth cannot say an int was not a float (see the top).
          const lenient = nested.description === 'number' || (nested.type === 'float' && !showsWholeFloats);
          const checked = lenient ? asExpectedNumber(item, nested.description) : item;
          if ('failure' in typeChecker(param, checked, answerItem, nested.description, nested.type, null, at)) {
            ok = false;
            break;
          }
        }
      }
      if (ok) return { isVariable };
    }
    nestedFailure = {
      rule: 'type_error:nested',
      where: at,
      message: `Nested type checking failed for parameter ${pyRepr(param)}. Expected outer type ${typeDescription} with inner type ${nested.type}. Parameter value: ${pyRepr(value)}.`,
    };
  }
  if (hasSample && pyTypeOf(value) === pyTypeOf(sample)) {
    return nestedFailure ? { failure: nestedFailure } : { isVariable: true };
  }
  return {
    failure: {
      rule: 'type_error:simple',
      where: at,
      message: `Incorrect type for parameter ${pyRepr(param)}. Expected type ${typeDescription}, got ${pyTypeOf(value)}. Parameter value: ${pyRepr(value)}.`,
    },
  };
}

/** Whether a ground truth's values, at any depth, include a whole float a reader kept. */
function holdsIntegralFloat(value: unknown): boolean {
  return isIntegralFloat(value) || (Array.isArray(value) && value.some(holdsIntegralFloat));
}

const standardizeIfString = (v: unknown) => (typeof v === 'string' ? standardizeString(v) : v);

function stringChecker(param: string, value: string, accepted: unknown[], at: string): Failure | null {
  const candidates = accepted.filter((a): a is string => typeof a === 'string').map(standardizeString);
  if (candidates.includes(standardizeString(value))) return null;
  return {
    rule: 'value_error:string',
    where: at,
    message: `Invalid value for parameter ${pyRepr(param)}: ${pyRepr(value)}. Expected one of ${pyRepr(accepted)}. Case insensitive.`,
  };
}

/** Lists match in order, element by element, with top-level strings standardized. */
function listChecker(param: string, value: unknown[], accepted: unknown[], at: string): Failure | null {
  const standardized = value.map(standardizeIfString);
  // BFCL iterates each answer; the optional marker "" iterates as an empty list, so [] matches it.
  const candidates = accepted.map((a) => (Array.isArray(a) ? a.map(standardizeIfString) : a === '' ? [] : null));
  if (candidates.some((c) => c !== null && pyIn(standardized, [c]))) return null;
  return {
    rule: 'value_error:list/tuple',
    where: at,
    message: `Invalid value for parameter ${pyRepr(param)}: ${pyRepr(value)}. Expected one of ${pyRepr(accepted)}.`,
  };
}

/** Dicts match key by key against any one accepted dict; omitted keys need "" among their values. */
function dictChecker(param: string, value: unknown, accepted: unknown[], at: string): Failure | null {
  if (!isPlainObject(value)) {
    return { rule: 'type_error:simple', where: at, message: `Incorrect type for ${pyRepr(param)}. Expected type dict, got ${pyTypeOf(value)}. Parameter value: ${pyRepr(value)}.` };
  }
  let last: Failure = { rule: 'dict_checker:unclear', where: at, message: `No accepted value to compare ${pyRepr(param)} with.` };
  for (const candidate of accepted) {
    if (candidate === '') continue;
    if (!isPlainObject(candidate)) {
      last = { rule: 'value_error:dict_value', where: at, message: `Accepted value ${pyRepr(candidate)} for ${pyRepr(param)} is not a dict.` };
      continue;
    }
    const failure = dictAgainstCandidate(value, candidate, at);
    if (!failure) return null;
    last = failure;
  }
  return last;
}

function dictAgainstCandidate(value: Record<string, unknown>, candidate: Record<string, unknown>, at: string): Failure | null {
  // BFCL runs the missing-key pass even after the value pass failed, and its result wins.
  return missingDictKey(value, candidate, at) ?? dictValueMismatch(value, candidate, at);
}

function dictValueMismatch(value: Record<string, unknown>, candidate: Record<string, unknown>, at: string): Failure | null {
  for (const [key, v] of Object.entries(value)) {
    if (!Object.hasOwn(candidate, key)) return { rule: 'value_error:dict_key', where: `${at}.${key}`, message: `Unexpected dict key parameter: ${pyRepr(key)}.` };
    const acceptedForKey = Array.isArray(candidate[key]) ? (candidate[key] as unknown[]) : [candidate[key]];
    const standardizedAccepted = acceptedForKey.map(standardizeIfString);
    if (!pyIn(standardizeIfString(v), standardizedAccepted)) {
      return {
        rule: 'value_error:dict_value',
        where: `${at}.${key}`,
        message: `Invalid value for parameter ${pyRepr(key)}: ${pyRepr(v)}. Expected one of ${pyRepr(standardizedAccepted)}.`,
      };
    }
  }
  return null;
}

function missingDictKey(value: Record<string, unknown>, candidate: Record<string, unknown>, at: string): Failure | null {
  for (const [key, values] of Object.entries(candidate)) {
    if (!Object.hasOwn(value, key) && !(Array.isArray(values) && values.includes(''))) {
      return { rule: 'value_error:dict_key', where: `${at}.${key}`, message: `Missing dict key parameter: ${pyRepr(key)}.` };
    }
  }
  return null;
}

/** A list of dicts matches an accepted list of the same length, dict by dict, in order. */
function listDictChecker(param: string, value: unknown[], accepted: unknown[], at: string): Failure | null {
  let last: Failure = { rule: 'list_dict_checker:unclear', where: at, message: `No accepted value to compare ${pyRepr(param)} with.` };
  for (const candidate of accepted) {
    // The optional marker "" has length 0 in BFCL, so only an empty list matches it.
    const candidateList = Array.isArray(candidate) ? candidate : candidate === '' ? [] : null;
    if (candidateList === null || candidateList.length !== value.length) {
      last = { rule: 'value_error:list_dict_count', where: at, message: `Wrong number of dictionaries in the list for ${pyRepr(param)}.` };
      continue;
    }
    let failure: Failure | null = null;
    for (let i = 0; i < value.length && !failure; i++) {
      failure = dictChecker(param, value[i], [candidateList[i]], `${at}[${i}]`);
    }
    if (!failure) return null;
    last = failure;
  }
  return last;
}
