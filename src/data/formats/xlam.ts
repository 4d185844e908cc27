// xLAM / APIGen format: `{id, query, tools, answers}` where `tools` and `answers` are JSON strings
// (or already lists) and tool parameters are flat `{name: {type: "str, optional", description}}`
// maps, converted to JSON Schema here. An empty `answers` list is a query that needs no call.
// Never carries reasoning: the format has none.
import { callFromObject } from '../assistant-text.ts';
import { parseJsonKeepingFloats } from '../python/json-keeping-floats.ts';
import type { Example, FunctionSchema } from '../example.ts';
import { RecordError } from '../record-error.ts';
import { describe, xlamParametersToSchema } from '../tool-schema.ts';
import { isObject, recordId } from './conversation.ts';
import type { FormatParser } from './format-parser.ts';

/** `keepFloats`: whole floats in the text come back boxed (answers: whole-floats.ts). */
function jsonField(record: Record<string, unknown>, key: string, keepFloats = false): unknown {
  const v = record[key];
  if (typeof v !== 'string') return v;
  try {
    return keepFloats ? parseJsonKeepingFloats(v) : JSON.parse(v);
  } catch (err) {
    throw new RecordError(`"${key}" is a string that is not valid JSON (${(err as Error).message})`);
  }
}

function xlamTools(raw: unknown): FunctionSchema[] {
  if (!Array.isArray(raw)) throw new RecordError(`"tools" is ${describe(raw)}, expected a list of tools`);
  return raw.map((t, i) => {
    const where = `tools[${i}]`;
    if (!isObject(t)) throw new RecordError(`${where} is ${describe(t)}, expected a tool object`);
    if (typeof t.name !== 'string' || t.name === '') throw new RecordError(`${where} has no "name"`);
    const tool: FunctionSchema = { name: t.name, parameters: xlamParametersToSchema(t.parameters, `${where}.parameters`) };
    if (typeof t.description === 'string') tool.description = t.description;
    return tool;
  });
}

export const xlamParser: FormatParser = {
  format: 'xlam',
  label: 'xLAM / APIGen (query, tools, answers)',
  reasoning: 'absent',
  detect(record) {
    return isObject(record) && typeof record.query === 'string' && 'answers' in record && 'tools' in record;
  },
  parse(record, ctx) {
    if (!isObject(record)) throw new RecordError(`record is ${describe(record)}, expected an object`);
    if (typeof record.query !== 'string' || record.query.trim() === '') throw new RecordError('"query" is missing or empty');
    const tools = xlamTools(jsonField(record, 'tools'));
    const answers = jsonField(record, 'answers', true);
    if (!Array.isArray(answers)) throw new RecordError(`"answers" is ${describe(answers)}, expected a list of calls`);
    const calls = answers.map((a, i) => {
      try {
        return callFromObject(a, `answers[${i}]`);
      } catch (err) {
        throw new RecordError((err as Error).message);
      }
    });
    const example: Example = {
      id: recordId(record, ctx.fallbackId),
      tools,
      messages: [{ role: 'user', content: record.query }],
      target: { calls },
      source: 'xlam',
    };
    if (calls.length === 0) example.category = 'irrelevance';
    return example;
  },
};
