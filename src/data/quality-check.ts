// The base quality check, one named rule at a time, so the UI can report "12 examples call an
// unknown tool" rather than a bare pass/fail. Examples that fail are kept and flagged; training
// excludes them unless the user includes them (dataset-store.ts stores that choice).
// Never modifies an example and never throws for one: every finding is a QualityFailure.
// Names from the data are looked up as own keys only (own-keys.ts), so a parameter or argument
// named "constructor" or "__proto__" is judged like any other name. The walks over schemas and
// values stop at RECORD_LIMITS.maxDepth (a backstop; importers refuse deeper records first).
import type { Call, Example, JsonSchema } from './example.ts';
import { hasOwn, ownValue } from './own-keys.ts';
import { RECORD_LIMITS } from './record-limits.ts';

export const QUALITY_RULES = [
  'tools_valid_schema',
  'call_names_known_tool',
  'required_args_present',
  'arg_types_match',
  'no_unknown_args',
  'reasoning_as_promised',
  'target_json_parses',
] as const;
export type QualityRule = (typeof QUALITY_RULES)[number];

export interface QualityFailure {
  rule: QualityRule;
  detail: string;
}

/**
 * What a parser changed or left out of a record it still imported whole, for the user to know
 * rather than to fix (an answer's text moved ahead of its calls, turns after the target left out,
 * earlier calling turns kept as prompt: call-turns.ts).
 * A note never fails the check: the example is well formed, only not all of the source.
 */
export const PARSE_NOTE_RULES = ['text_moved_before_calls', 'later_turns_left_out', 'earlier_calls_in_prompt'] as const;
export type ParseNoteRule = (typeof PARSE_NOTE_RULES)[number];

export interface QualityNote {
  rule: ParseNoteRule;
  detail: string;
}

export interface QualityReport {
  passed: boolean;
  failures: QualityFailure[];
  /** Present only when there is one, so reports of examples without notes stay as they were. */
  notes?: QualityNote[];
}

const isNoteRule = (rule: string): rule is ParseNoteRule => (PARSE_NOTE_RULES as readonly string[]).includes(rule);

export type ReasoningPromise = 'required' | 'absent' | 'optional';

/** What each source format promises about `<think>` reasoning. */
export function reasoningPromiseOf(example: Example): ReasoningPromise {
  switch (example.source) {
    case 'funreason':
    case 'demo':
    case 'hdr': // the HDR gate keeps only samples whose reasoning names the call
      return 'required';
    case 'xlam':
    case 'glaive':
    case 'bfcl':
      return 'absent';
    default:
      return 'optional';
  }
}

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Problems with one (sub)schema, as path-prefixed strings; empty when it is valid. */
export function schemaProblems(schema: unknown, path: string, depth = 0, out: string[] = []): string[] {
  if (!isObject(schema)) {
    out.push(`${path} is not a schema object`);
    return out;
  }
  if (depth > RECORD_LIMITS.maxDepth) {
    out.push(`${path} nests deeper than ${RECORD_LIMITS.maxDepth} levels`);
    return out;
  }
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  for (const t of types) if (typeof t !== 'string' || !JSON_TYPES.has(t)) out.push(`${path}.type ${JSON.stringify(t)} is not a JSON Schema type`);
  if (schema.properties !== undefined) {
    if (!isObject(schema.properties)) out.push(`${path}.properties is not an object`);
    else for (const [k, v] of Object.entries(schema.properties)) schemaProblems(v, `${path}.properties.${k}`, depth + 1, out);
  }
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required) || !schema.required.every((r) => typeof r === 'string')) out.push(`${path}.required is not a list of names`);
    else if (isObject(schema.properties)) {
      for (const r of schema.required) if (!hasOwn(schema.properties, r)) out.push(`${path}.required names "${r}", which is not a property`);
    }
  }
  if (schema.items !== undefined && !Array.isArray(schema.items)) schemaProblems(schema.items, `${path}.items`, depth + 1, out);
  if (schema.enum !== undefined && !Array.isArray(schema.enum)) out.push(`${path}.enum is not a list`);
  return out;
}

function toolProblems(example: Example): string[] {
  const out: string[] = [];
  const names = new Set<string>();
  example.tools.forEach((tool, i) => {
    const where = `tool ${i} (${tool.name})`;
    if (!/^[A-Za-z_][\w.-]*$/.test(tool.name)) out.push(`${where}: name is not a valid function name`);
    if (names.has(tool.name)) out.push(`${where}: defined twice`);
    names.add(tool.name);
    const p = tool.parameters;
    if (!isObject(p)) out.push(`${where}: parameters is not an object schema`);
    else {
      if (p.type !== undefined && p.type !== 'object') out.push(`${where}: parameters.type is ${JSON.stringify(p.type)}, expected "object"`);
      schemaProblems(p, `${where}: parameters`, 0, out);
    }
  });
  return out;
}

/** Whether `value` fits `schema` (integers are allowed where a number is expected). */
export function typeMismatch(value: unknown, schema: JsonSchema | undefined, path: string, depth = 0): string | undefined {
  if (!isObject(schema)) return undefined;
  if (depth > RECORD_LIMITS.maxDepth) return `${path} nests deeper than ${RECORD_LIMITS.maxDepth} levels`;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return `${path} = ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`;
  }
  // Unknown type names are the schema rule's finding; judging values against them would double-count.
  const types = (schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t) => JSON_TYPES.has(t as string));
  if (types.length === 0) return undefined;
  const fits = (t: unknown) =>
    (t === 'string' && typeof value === 'string') ||
    (t === 'integer' && Number.isInteger(value)) ||
    (t === 'number' && typeof value === 'number' && Number.isFinite(value)) ||
    (t === 'boolean' && typeof value === 'boolean') ||
    (t === 'array' && Array.isArray(value)) ||
    (t === 'object' && isObject(value)) ||
    (t === 'null' && value === null);
  if (!types.some(fits)) return `${path} = ${JSON.stringify(value)?.slice(0, 40)} is not ${types.join(' or ')}`;
  if (Array.isArray(value) && isObject(schema.items)) {
    for (let i = 0; i < value.length; i++) {
      const m = typeMismatch(value[i], schema.items as JsonSchema, `${path}[${i}]`, depth + 1);
      if (m) return m;
    }
  }
  if (isObject(value) && isObject(schema.properties)) {
    for (const [k, v] of Object.entries(value)) {
      const m = typeMismatch(v, ownValue(schema.properties as Record<string, JsonSchema>, k), `${path}.${k}`, depth + 1);
      if (m) return m;
    }
  }
  return undefined;
}

function checkCall(call: Call, example: Example, add: (rule: QualityRule, detail: string) => void): void {
  const tool = example.tools.find((t) => t.name === call.name);
  if (!tool) {
    add('call_names_known_tool', `call to "${call.name}", which is not among the tools (${example.tools.map((t) => t.name).join(', ') || 'none'})`);
    return;
  }
  const props = isObject(tool.parameters?.properties) ? (tool.parameters.properties as Record<string, JsonSchema>) : undefined;
  const required = Array.isArray(tool.parameters?.required) ? tool.parameters.required : [];
  for (const r of required) {
    if (hasOwn(call.arguments, String(r))) continue;
    // A required parameter with a default (xLAM's tools give most of them one, and mark a parameter
    // optional only in its type text): said, since the prompt will tell the model it is required
    // while the answer leaves it out, which training on such examples teaches.
    const spec = props && hasOwn(props, String(r)) ? props[String(r)] : undefined;
    const defaulted = isObject(spec) && hasOwn(spec, 'default') ? ` (its schema gives it a default, ${JSON.stringify(spec.default)}, yet lists it as required: the prompt tells the model it is required, and this answer leaves it out)` : '';
    add('required_args_present', `${call.name}: required argument "${r}" is missing${defaulted}`);
  }
  for (const [k, v] of Object.entries(call.arguments)) {
    if (props && !hasOwn(props, k)) {
      if (tool.parameters.additionalProperties !== true) add('no_unknown_args', `${call.name}: unknown argument "${k}"`);
      continue;
    }
    const m = typeMismatch(v, props && ownValue(props, k), `${call.name}.${k}`);
    if (m) add('arg_types_match', m);
  }
}

export function checkExample(example: Example, promise: ReasoningPromise = reasoningPromiseOf(example)): QualityReport {
  const failures: QualityFailure[] = [];
  const add = (rule: QualityRule, detail: string) => failures.push({ rule, detail });
  for (const p of toolProblems(example)) add('tools_valid_schema', p);
  for (const call of example.target.calls) checkCall(call, example, add);

  const reasoning = example.target.reasoning;
  if (promise === 'required' && (reasoning === undefined || reasoning.trim() === '')) add('reasoning_as_promised', 'reasoning is missing but this format always has <think> reasoning');
  if (promise === 'absent' && reasoning !== undefined && reasoning.trim() !== '') add('reasoning_as_promised', 'reasoning is present but this format has none');
  if (reasoning !== undefined && /<\/?think>/.test(reasoning)) add('reasoning_as_promised', 'reasoning contains a stray <think> tag');

  // An answer with neither a call nor a word teaches the model to say nothing. Formats where an empty
  // answer means "no function applies" (BFCL's [], xLAM's empty answers) say so in their own way.
  const t = example.target;
  const unreadable = (example.parseIssues ?? []).some((i) => i.rule === 'target_json_parses'); // said below, better
  if (t.calls.length === 0 && (t.content ?? '').trim() === '' && !unreadable && t.callSyntax !== 'python' && example.source !== 'xlam' && example.source !== 'bfcl') {
    add('target_json_parses', 'the answer is empty: no call and no text');
  }

  const notes: QualityNote[] = [];
  for (const issue of example.parseIssues ?? []) {
    if (isNoteRule(issue.rule)) {
      notes.push({ rule: issue.rule, detail: issue.detail });
      continue;
    }
    const rule: QualityRule = issue.rule === 'reasoning_format' ? 'reasoning_as_promised' : (QUALITY_RULES as readonly string[]).includes(issue.rule) ? (issue.rule as QualityRule) : 'target_json_parses';
    add(rule, issue.detail);
  }
  return notes.length ? { passed: failures.length === 0, failures, notes } : { passed: failures.length === 0, failures };
}

/** Per-rule failing counts, and `noted`: examples imported with a parser's note. */
export type QualitySummary = Record<QualityRule, number> & { passed: number; total: number; noted: number };

/** Per-rule counts of failing examples (an example counts once per rule it breaks). */
export function summarizeQuality(reports: QualityReport[]): QualitySummary {
  const tally = qualityTally();
  for (const r of reports) tally.add(r);
  return tally.summary();
}

/** The same counts kept as reports arrive, for streams that never hold every report. */
export function qualityTally(): { add(report: QualityReport): void; summary(): QualitySummary } {
  const out = Object.fromEntries(QUALITY_RULES.map((r) => [r, 0])) as Record<QualityRule, number>;
  let passed = 0;
  let total = 0;
  let noted = 0;
  return {
    add(r) {
      total++;
      if (r.passed) passed++;
      if (r.notes?.length) noted++;
      for (const rule of new Set(r.failures.map((f) => f.rule))) out[rule]++;
    },
    summary: () => ({ ...out, passed, total, noted }),
  };
}
