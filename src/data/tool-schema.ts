// Tool definitions from every source format → the one `FunctionSchema` (OpenAI / JSON Schema) form.
// Owns the type-name conversions: BFCL's Python-flavoured types (`dict`, `float`, `tuple`, `any`)
// and xLAM's flat parameter maps with type strings like `str, optional` or `List[int]`.
// Never rejects a schema for being odd: structure it cannot read raises a RecordError, but
// questionable content is kept as written so the quality check can report it per rule. Names from
// the data (parameter names, type names) are own keys only (own-keys.ts): "__proto__" stays a
// parameter and "constructor" stays an unknown type name, never Object.prototype's function.
import type { FunctionSchema, JsonSchema } from './example.ts';
import { hasOwn, ownValue, setOwn } from './own-keys.ts';
import { RecordError } from './record-error.ts';
import { RECORD_LIMITS } from './record-limits.ts';
import { IntegralFloat, isJsonObject } from './python/integral-float.ts';

/** The names BFCL documents besides JSON Schema's own; anything else (e.g. `str`) is left for the check to flag. */
const BFCL_TYPE_NAMES: Record<string, string | undefined> = {
  dict: 'object',
  float: 'number',
  tuple: 'array',
  any: undefined,
};

const isObject = isJsonObject;

/**
 * Maps BFCL type names to JSON Schema names, recursively; leaves everything else untouched.
 * The depth cap is a backstop: importers check a record's nesting before parsing it.
 */
export function normalizeJsonSchema(schema: unknown, depth = 0): JsonSchema {
  if (!isObject(schema)) return schema as JsonSchema;
  if (depth > RECORD_LIMITS.maxDepth) throw new RecordError(`a tool schema nests deeper than ${RECORD_LIMITS.maxDepth} levels`);
  // Spread and fromEntries define own properties, so a property named "__proto__" survives the copy.
  const out: JsonSchema = { ...schema };
  if (typeof out.type === 'string' && hasOwn(BFCL_TYPE_NAMES, out.type)) {
    const mapped = BFCL_TYPE_NAMES[out.type];
    if (mapped === undefined) delete out.type;
    else out.type = mapped;
  }
  if (isObject(out.properties)) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, normalizeJsonSchema(v, depth + 1)]));
  }
  if (isObject(out.items)) out.items = normalizeJsonSchema(out.items, depth + 1);
  if (isObject(out.additionalProperties)) out.additionalProperties = normalizeJsonSchema(out.additionalProperties, depth + 1);
  return out;
}

/**
 * One tool, wrapped (`{type:'function', function:{…}}`) or bare (`{name, parameters}`). Its keys
 * keep the input's order (and keys beyond name/description/parameters are kept): a chat template
 * prints the tool as JSON in the order it is given, as transformers' `apply_chat_template` does
 * when the model is served, so training text must see the same order.
 */
export function normalizeTool(raw: unknown, where: string): FunctionSchema {
  if (!isObject(raw)) throw new RecordError(`${where} is ${describe(raw)}, expected a tool object`);
  const fn = isObject(raw.function) ? raw.function : raw;
  if (typeof fn.name !== 'string' || fn.name === '') throw new RecordError(`${where} has no "name"`);
  const tool = {} as FunctionSchema;
  for (const [key, value] of Object.entries(fn)) {
    if (key === 'parameters') {
      if (value !== undefined) tool.parameters = normalizeJsonSchema(value);
    } else if (key === 'description') {
      if (typeof value === 'string') tool.description = value;
    } else setOwn(tool as unknown as Record<string, unknown>, key, value);
  }
  tool.parameters ??= { type: 'object', properties: {} };
  return tool;
}

/** A tool list that may arrive as a JSON string (LLaMA-Factory ShareGPT, xLAM). */
export function normalizeToolList(raw: unknown, where: string): FunctionSchema[] {
  let list = raw;
  if (typeof list === 'string') {
    if (list.trim() === '') return [];
    try {
      list = JSON.parse(list);
    } catch (err) {
      throw new RecordError(`${where} is a string that is not valid JSON (${(err as Error).message})`);
    }
  }
  if (list === undefined || list === null) return [];
  if (isObject(list)) list = [list];
  if (!Array.isArray(list)) throw new RecordError(`${where} is ${describe(list)}, expected a list of tools`);
  return list.map((t, i) => normalizeTool(t, `${where}[${i}]`));
}

export function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return v.length > 30 ? `the string "${v.slice(0, 30)}…"` : `the string "${v}"`;
  if (v instanceof IntegralFloat) return 'a number';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

// ---- xLAM / APIGen flat types -------------------------------------------------------------

const XLAM_SCALARS: Record<string, JsonSchema> = {
  str: { type: 'string' },
  string: { type: 'string' },
  int: { type: 'integer' },
  integer: { type: 'integer' },
  float: { type: 'number' },
  number: { type: 'number' },
  bool: { type: 'boolean' },
  boolean: { type: 'boolean' },
  list: { type: 'array' },
  tuple: { type: 'array' },
  set: { type: 'array' },
  dict: { type: 'object' },
  object: { type: 'object' },
  any: {},
  callable: {},
  none: { type: 'null' },
};

/** Splits `A, B[C, D]` at top-level commas only. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== '');
}

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** Generic type arguments deeper than this are refused: each level re-scans the text, so a
 * hostile `List[List[…` would cost quadratic time and then overflow the stack. */
const MAX_TYPE_NESTING = 16;

/** `List[int]` → `{type:'array', items:{type:'integer'}}`; unknown names throw. */
export function xlamTypeToSchema(typeText: string, depth = 0): JsonSchema {
  const t = typeText.trim();
  if (depth > MAX_TYPE_NESTING) throw new Error(`type nests deeper than ${MAX_TYPE_NESTING} levels`);
  const generic = /^([A-Za-z_.]+)\s*\[(.*)\]$/s.exec(t);
  if (!generic) {
    const scalar = ownValue(XLAM_SCALARS, t.toLowerCase().replace(/^typing\./, ''));
    if (!scalar) throw new Error(`unknown type "${clip(t)}"`);
    return { ...scalar };
  }
  const head = generic[1].toLowerCase().replace(/^typing\./, '');
  const args = splitTopLevel(generic[2]);
  if (head === 'list' || head === 'set' || head === 'sequence' || head === 'iterable') {
    return args.length ? { type: 'array', items: xlamTypeToSchema(args[0], depth + 1) } : { type: 'array' };
  }
  if (head === 'tuple') return { type: 'array' };
  if (head === 'dict' || head === 'mapping') {
    return args.length === 2 ? { type: 'object', additionalProperties: xlamTypeToSchema(args[1], depth + 1) } : { type: 'object' };
  }
  if (head === 'optional') return xlamTypeToSchema(args[0] ?? 'any', depth + 1);
  if (head === 'union') {
    const types = args.map((a) => xlamTypeToSchema(a, depth + 1).type).filter((x): x is string => typeof x === 'string' && x !== 'null');
    return types.length ? { type: [...new Set(types)] } : {};
  }
  if (head === 'literal') return { enum: args.map((a) => a.replace(/^['"]|['"]$/g, '')) };
  // A function has no JSON Schema type; like plain `callable`, its signature does not narrow that.
  if (head === 'callable') return {};
  throw new Error(`unknown generic type "${clip(t)}"`);
}

/** Parses `str, optional`, `int, default=5` or `List[str]` into a schema and whether it is optional. */
export function parseXlamParameterType(typeText: string): { schema: JsonSchema; optional: boolean } {
  const parts = splitTopLevel(typeText);
  let optional = false;
  const typeParts: string[] = [];
  for (const p of parts) {
    if (/^optional$/i.test(p) || /^default\s*[=:]/i.test(p)) optional = true;
    else typeParts.push(p);
  }
  if (typeParts.length === 0) throw new Error(`no type in "${typeText}"`);
  const inner = /^Optional\[(.*)\]$/s.exec(typeParts[0]);
  if (inner) optional = true;
  const schema = typeParts.length > 1 ? { type: typeParts.map((p) => xlamTypeToSchema(p).type).filter((x): x is string => typeof x === 'string') } : xlamTypeToSchema(typeParts[0]);
  return { schema, optional };
}

/** xLAM's flat `{param: {type, description, default}}` → a JSON Schema object. */
export function xlamParametersToSchema(params: unknown, where: string): JsonSchema {
  if (params === undefined || params === null) return { type: 'object', properties: {} };
  if (!isObject(params)) throw new RecordError(`${where} is ${describe(params)}, expected an object of parameters`);
  // Some APIGen exports already use JSON Schema; keep those.
  if (params.type === 'object' && (isObject(params.properties) || params.properties === undefined)) return normalizeJsonSchema(params);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(params)) {
    if (!isObject(spec)) throw new RecordError(`${where}.${name} is ${describe(spec)}, expected {type, description}`);
    if (typeof spec.type !== 'string') throw new RecordError(`${where}.${name} has no type string`);
    let parsed: { schema: JsonSchema; optional: boolean };
    try {
      parsed = parseXlamParameterType(spec.type);
    } catch (err) {
      throw new RecordError(`${where}.${name}: ${(err as Error).message}`);
    }
    const prop: JsonSchema = { ...parsed.schema };
    if (typeof spec.description === 'string') prop.description = spec.description;
    if (hasOwn(spec, 'default') && spec.default !== '' && spec.default !== undefined) prop.default = spec.default;
    setOwn(properties, name, prop);
    if (!parsed.optional) required.push(name);
  }
  return { type: 'object', properties, required };
}
