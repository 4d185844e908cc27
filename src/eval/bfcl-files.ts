// Readers for BFCL's files as text: question files (`{id, question, function}` per line),
// possible_answer files (`{id, ground_truth}` per line) and prediction files (`{id, result}` per
// line, result = generated text or decoded calls), plus the category a file name or id implies.
// Owns validation of those shapes: a bad line is an Error naming the file and line number.
// Answers and predictions keep whole floats (IntegralFloat), as BFCL's json.loads keeps 5.0 a float.
// Never reads the file system (callers pass the text) and never runs the checker.
import type { Call, FunctionSchema, PossibleAnswer } from '../data/example.ts';
import { parseJsonKeepingFloats } from '../data/python/json-keeping-floats.ts';
import { jsonToCall } from './parse-generated-calls.ts';
import { isPlainObject } from './python-values.ts';

export interface BfclQuestion {
  id: string;
  functions: FunctionSchema[];
  /** 1-based line (or array index + 1) in the question file. */
  line: number;
}

export interface BfclPrediction {
  id: string;
  /** Generated text, or calls already decoded from it. */
  result: string | Call[];
  line: number;
}

const CATEGORY_WORDS = /(parallel_multiple|parallel|multiple|simple|irrelevance|relevance)/;

/** JSONL (BFCL's own, even when named .json) or a JSON array; yields each record with its line. */
export function readJsonRecords(text: string, label: string, { keepFloats = false }: { keepFloats?: boolean } = {}): Array<{ record: unknown; line: number }> {
  const readJson = keepFloats ? parseJsonKeepingFloats : JSON.parse;
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let array: unknown;
    try {
      array = readJson(trimmed);
    } catch (err) {
      throw new Error(`${label}: not valid JSON: ${(err as Error).message}`);
    }
    return (array as unknown[]).map((record, i) => ({ record, line: i + 1 }));
  }
  const records: Array<{ record: unknown; line: number }> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    try {
      records.push({ record: readJson(raw), line: i + 1 });
    } catch (err) {
      throw new Error(`${label}:${i + 1}: not valid JSON: ${(err as Error).message}`);
    }
  });
  return records;
}

function recordId(record: unknown, at: string): string {
  if (!isPlainObject(record)) throw new Error(`${at}: expected a JSON object`);
  if (typeof record.id !== 'string' || record.id === '') throw new Error(`${at}: missing a string "id"`);
  return record.id;
}

function rejectDuplicate(seen: Map<string, number>, id: string, line: number, at: string): void {
  const first = seen.get(id);
  if (first !== undefined) throw new Error(`${at}: id "${id}" already appeared on line ${first}`);
  seen.set(id, line);
}

export function parseBfclQuestions(text: string, label: string): BfclQuestion[] {
  const seen = new Map<string, number>();
  return readJsonRecords(text, label).map(({ record, line }) => {
    const at = `${label}:${line}`;
    const id = recordId(record, at);
    rejectDuplicate(seen, id, line, at);
    const raw = (record as Record<string, unknown>).function;
    // Early BFCL files give a single function as an object rather than a list.
    const list = Array.isArray(raw) ? raw : isPlainObject(raw) ? [raw] : undefined;
    if (!list) throw new Error(`${at} (${id}): missing the "function" list`);
    const functions = list.map((f, i) => {
      if (!isPlainObject(f) || typeof f.name !== 'string' || f.name === '') throw new Error(`${at} (${id}): function ${i} has no string "name"`);
      if (!isPlainObject(f.parameters)) throw new Error(`${at} (${id}): function ${f.name} has no "parameters" object`);
      return f as unknown as FunctionSchema;
    });
    return { id, functions, line };
  });
}

export function parseBfclAnswers(text: string, label: string): Map<string, PossibleAnswer> {
  const answers = new Map<string, PossibleAnswer>();
  const seen = new Map<string, number>();
  for (const { record, line } of readJsonRecords(text, label, { keepFloats: true })) {
    const at = `${label}:${line}`;
    const id = recordId(record, at);
    rejectDuplicate(seen, id, line, at);
    const raw = (record as Record<string, unknown>).ground_truth;
    const list = Array.isArray(raw) ? raw : isPlainObject(raw) ? [raw] : undefined;
    if (!list) throw new Error(`${at} (${id}): missing the "ground_truth" list`);
    list.forEach((entry, i) => {
      const names = isPlainObject(entry) ? Object.keys(entry) : [];
      if (names.length !== 1 || !isPlainObject((entry as Record<string, unknown>)[names[0]])) {
        throw new Error(`${at} (${id}): ground_truth[${i}] must be {"function_name": {"param": [accepted values]}}`);
      }
      for (const [param, values] of Object.entries((entry as Record<string, Record<string, unknown>>)[names[0]])) {
        if (!Array.isArray(values)) throw new Error(`${at} (${id}): ground_truth[${i}].${names[0]}.${param} must be a list of accepted values`);
      }
    });
    answers.set(id, list as PossibleAnswer);
  }
  return answers;
}

export function parsePredictions(text: string, label: string): BfclPrediction[] {
  const seen = new Map<string, number>();
  return readJsonRecords(text, label, { keepFloats: true }).map(({ record, line }) => {
    const at = `${label}:${line}`;
    const id = recordId(record, at);
    rejectDuplicate(seen, id, line, at);
    // `output`: the generated text of a line `studio eval --out` wrote, so its file checks as it is.
    const fields = record as Record<string, unknown>;
    const result = fields.result ?? fields.output;
    if (typeof result === 'string') return { id, result, line };
    if (!Array.isArray(result)) throw new Error(`${at} (${id}): "result" must be the generated text or a list of calls`);
    const calls = decodedCallsFromJson(result);
    if (typeof calls === 'string') throw new Error(`${at} (${id}): ${calls}`);
    return { id, result: calls, line };
  });
}

/** A call's arguments: an object, or the JSON text of one (BFCL's function-calling handlers store
 * the model's arguments string as it came, `{"f": "{\\"a\\": 1}"}`, and decode it when scoring). */
function argumentsOf(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'string') {
    try {
      value = parseJsonKeepingFloats(value);
    } catch {
      return undefined;
    }
  }
  return isPlainObject(value) ? value : undefined;
}

/**
 * Decoded calls as BFCL stores them, `[{"func": {"arg": value}}]` (or `[{"func": "<JSON arguments>"}]`
 * from a function-calling model), or as `[{"name", "arguments"}]`.
 * Returns the calls or a message saying which element is wrong.
 */
export function decodedCallsFromJson(list: unknown[]): Call[] | string {
  const calls: Call[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (isPlainObject(item) && typeof item.name === 'string' && (Object.hasOwn(item, 'arguments') || Object.hasOwn(item, 'parameters'))) {
      const call = jsonToCall(item, parseJsonKeepingFloats);
      if (typeof call === 'string') return `result[${i}]: ${call}`;
      calls.push(call);
      continue;
    }
    const keys = isPlainObject(item) ? Object.keys(item) : [];
    const args = keys.length === 1 ? argumentsOf((item as Record<string, unknown>)[keys[0]]) : undefined;
    if (!args) return `result[${i}] must be {"function_name": {"arg": value}} (the arguments may be a JSON string) or {"name", "arguments"}`;
    calls.push({ name: keys[0], arguments: args });
  }
  return calls;
}

/** `BFCL_v3_parallel_multiple.json` → "parallel_multiple"; undefined when the name says nothing. */
export function categoryFromFileName(path: string): string | undefined {
  const base = path.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.(jsonl?|txt)$/i, '').replace(/^BFCL_v\d+_/i, '');
  if (!CATEGORY_WORDS.test(stem)) return undefined;
  return stem.replace(/_(result|score|possible_answer)$/i, '');
}

/** `parallel_multiple_12` → "parallel_multiple", `live_simple_3-2-0` → "live_simple". */
export function categoryFromId(id: string): string | undefined {
  const stem = id.replace(/_\d+(-\d+)*$/, '');
  return stem !== id && CATEGORY_WORDS.test(stem) ? stem : undefined;
}
