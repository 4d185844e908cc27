// Glaive function calling (glaiveai/glaive-function-calling-v2): `{system, chat}`, two strings.
// The system prompt lists the functions as JSON objects one after another, after "Use them if
// required -" (or says the assistant has no functions); the chat is one text of turns, each
// starting "USER:", "ASSISTANT:" or "FUNCTION RESPONSE:", an assistant turn ending "<|endoftext|>",
// and a call written `<functioncall> {"name": "f", "arguments": '{"a": 1}'}`: its arguments a JSON
// object in single quotes, which is no JSON. The system prompt is not kept as a turn: it holds
// nothing but the functions, which the chat template lists itself.
// Never guesses: a turn before any role tag, a call whose JSON does not parse, or a function
// response with no call before it is refused by name.
import type { Call, FunctionSchema } from '../example.ts';
import { callFromObject } from '../assistant-text.ts';
import { parseJsonKeepingFloats } from '../python/json-keeping-floats.ts';
import { RecordError } from '../record-error.ts';
import { describe, normalizeToolList } from '../tool-schema.ts';
import { exampleFromTurns, isObject, recordId, type RawTurn } from './conversation.ts';
import type { FormatParser } from './format-parser.ts';

const ROLE_TAG = /(?:^|\n)[ \t]*(USER|ASSISTANT|FUNCTION RESPONSE):[ \t]?/g;
const CALL_TAG = '<functioncall>';
const END = '<|endoftext|>';

/** The end (exclusive) of the JSON object that starts at `start`, by its braces outside JSON strings; -1 if it does not close. */
function jsonObjectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

/** The functions the system prompt lists: every JSON object in it, in order. */
function systemFunctions(system: string): FunctionSchema[] {
  const found: unknown[] = [];
  for (let at = system.indexOf('{'); at >= 0; at = system.indexOf('{', at)) {
    const end = jsonObjectEnd(system, at);
    if (end < 0) throw new RecordError(`"system": the function listed at character ${at} does not close`);
    try {
      found.push(JSON.parse(system.slice(at, end)));
    } catch (err) {
      throw new RecordError(`"system": the function listed at character ${at} is not valid JSON (${(err as Error).message})`);
    }
    at = end;
  }
  return found.length ? normalizeToolList(found, 'system prompt functions') : [];
}

/** `{"name": "f", "arguments": '{…}'}`: the single-quoted arguments (which may hold an apostrophe)
 * end at the last quote before the object's closing brace. Plain JSON is read as it is. */
function glaiveCall(text: string, where: string): Call {
  const body = text.trim();
  const quoted = /"arguments"\s*:\s*'/.exec(body);
  let json = body;
  if (quoted) {
    const from = quoted.index + quoted[0].length;
    const to = body.lastIndexOf("'");
    if (to < from || !/^\s*\}\s*$/.test(body.slice(to + 1))) throw new RecordError(`${where}: the call's quoted arguments do not end before its closing brace`);
    json = `${body.slice(0, from - 1)}${JSON.stringify(body.slice(from, to))}${body.slice(to + 1)}`;
  }
  let obj: unknown;
  try {
    obj = parseJsonKeepingFloats(json);
  } catch (err) {
    throw new RecordError(`${where}: the call is not valid JSON (${(err as Error).message})`);
  }
  try {
    return callFromObject(obj, where);
  } catch (err) {
    throw new RecordError((err as Error).message);
  }
}

/** The chat's turns, each call read out of its assistant turn and each function response named after its call. */
function chatTurns(chat: string): RawTurn[] {
  const tags = [...chat.matchAll(ROLE_TAG)];
  if (tags.length === 0) throw new RecordError('"chat" has no USER:, ASSISTANT: or FUNCTION RESPONSE: turn');
  const before = chat.slice(0, tags[0].index).trim();
  if (before) throw new RecordError(`"chat" starts with text before its first turn: "${before.slice(0, 40)}${before.length > 40 ? '…' : ''}"`);
  const turns: RawTurn[] = [];
  let lastCall: string | undefined;
  tags.forEach((tag, i) => {
    const text = chat.slice(tag.index! + tag[0].length, i + 1 < tags.length ? tags[i + 1].index : chat.length).replaceAll(END, '').trim();
    const where = `"chat" turn ${i + 1}`;
    if (tag[1] === 'USER') turns.push({ role: 'user', content: text });
    else if (tag[1] === 'FUNCTION RESPONSE') {
      if (lastCall === undefined) throw new RecordError(`${where}: a function response with no call before it`);
      turns.push({ role: 'tool', content: text, name: lastCall });
    } else {
      const at = text.indexOf(CALL_TAG);
      if (at < 0) turns.push({ role: 'assistant', content: text });
      else {
        const call = glaiveCall(text.slice(at + CALL_TAG.length), where);
        lastCall = call.name;
        turns.push({ role: 'assistant', content: text.slice(0, at).trim(), calls: [call] });
      }
    }
  });
  return turns;
}

export const glaiveParser: FormatParser = {
  format: 'glaive',
  label: 'Glaive function calling (system, chat)',
  reasoning: 'absent',
  detect(record) {
    return isObject(record) && typeof record.system === 'string' && typeof record.chat === 'string' && /(?:^|\n)\s*USER:/.test(record.chat);
  },
  parse(record, ctx) {
    if (!isObject(record)) throw new RecordError(`record is ${describe(record)}, expected an object`);
    if (typeof record.chat !== 'string') throw new RecordError(`"chat" is ${describe(record.chat)}, expected the conversation as text`);
    const system = typeof record.system === 'string' ? record.system : '';
    return exampleFromTurns(recordId(record, ctx.fallbackId), systemFunctions(system), chatTurns(record.chat), 'glaive');
  },
};
