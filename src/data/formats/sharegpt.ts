// ShareGPT format: `{conversations: [{from, value}], tools?, system?}` with the roles used by
// LLaMA-Factory and Hermes datasets: system, human/user, gpt/assistant, function_call (a JSON call),
// observation/tool/function_response (a tool result). Tools come from a `tools` field (list or JSON
// string) or from `<tools>` in the system prompt.
// Never guesses an unknown role: it names it in the error.
import type { Call, Role } from '../example.ts';
import { callFromObject } from '../assistant-text.ts';
import { looksLikePythonCalls, parsePythonCalls, parsePythonLiteral } from '../python/call-syntax.ts';
import { parseJsonKeepingFloats } from '../python/json-keeping-floats.ts';
import { ownValue } from '../own-keys.ts';
import { RecordError } from '../record-error.ts';
import { describe, normalizeToolList } from '../tool-schema.ts';
import { exampleFromTurns, isObject, recordId, toolsOrListedInSystem, withRecordSystem, type RawTurn } from './conversation.ts';
import type { FormatParser } from './format-parser.ts';
import { liftToolsAndResponses } from './hermes.ts';

const FROM_ROLES: Record<string, Role | 'function_call'> = {
  system: 'system',
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  chatgpt: 'assistant',
  function_call: 'function_call',
  observation: 'tool',
  tool: 'tool',
  function_response: 'tool',
  function: 'tool',
  ipython: 'tool',
};

function functionCallValue(value: string, where: string): Call[] {
  let parsed: unknown;
  try {
    parsed = parseJsonKeepingFloats(value);
  } catch (err) {
    // Some datasets write the call itself in Python syntax: get_weather(city='Paris').
    if (looksLikePythonCalls(value)) {
      try {
        return parsePythonCalls(value, { keepFloats: true });
      } catch (pyErr) {
        throw new RecordError(`${where} is neither a JSON call nor a Python call: ${(pyErr as Error).message}`);
      }
    }
    try {
      parsed = parsePythonLiteral(value, { keepFloats: true });
    } catch {
      throw new RecordError(`${where} is not a JSON call: ${(err as Error).message}`);
    }
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((c, i) => {
    try {
      return callFromObject(c, `${where}[${i}]`);
    } catch (err) {
      throw new RecordError((err as Error).message);
    }
  });
}

export function sharegptTurns(conversations: unknown, where = 'conversations'): RawTurn[] {
  if (!Array.isArray(conversations)) throw new RecordError(`"${where}" is ${describe(conversations)}, expected a list of turns`);
  return conversations.map((t, i): RawTurn => {
    const at = `${where}[${i}]`;
    if (!isObject(t)) throw new RecordError(`${at} is ${describe(t)}, expected {from, value}`);
    const from = t.from ?? t.role;
    const role = typeof from === 'string' ? ownValue(FROM_ROLES, from) : undefined;
    if (!role) throw new RecordError(`${at} has unknown "from" ${JSON.stringify(from)}`);
    const value = t.value ?? t.content;
    if (typeof value !== 'string') throw new RecordError(`${at}.value is ${describe(value)}, expected text`);
    if (role === 'function_call') return { role: 'assistant', content: '', calls: functionCallValue(value, `${at}.value`) };
    return { role, content: value };
  });
}

export const sharegptParser: FormatParser = {
  format: 'sharegpt',
  label: 'ShareGPT (conversations with from/value)',
  reasoning: 'optional',
  detect(record) {
    if (!isObject(record)) return false;
    const conv = record.conversations ?? record.conversation;
    return Array.isArray(conv) && conv.some((t) => isObject(t) && 'from' in t);
  },
  parse(record, ctx) {
    if (!isObject(record)) throw new RecordError(`record is ${describe(record)}, expected an object`);
    const turns = withRecordSystem(record, sharegptTurns(record.conversations ?? record.conversation));
    const lifted = liftToolsAndResponses(turns, normalizeToolList(record.tools, 'tools'));
    return exampleFromTurns(recordId(record, ctx.fallbackId), toolsOrListedInSystem(lifted.tools, lifted.turns), lifted.turns, 'sharegpt');
  },
};
