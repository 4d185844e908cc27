// OpenAI chat format: `{messages: [{role, content, tool_calls?, reasoning_content?}], tools: [...]}`.
// Assistant reasoning may be in `reasoning_content`/`reasoning` or inline as `<think>…</think>`.
// Never accepts roles outside system/user/assistant/tool (function → tool is the one alias).
// Reads the columns the studio writes beside them when it pushes a dataset (openai-record.ts):
// `possible_answer` (BFCL's accepted values) with its `category`, and `hdr_round` (an HDR sample).
import type { Call, PossibleAnswer, Role } from '../example.ts';
import { callFromObject } from '../assistant-text.ts';
import { ownValue } from '../own-keys.ts';
import { RecordError } from '../record-error.ts';
import { describe, normalizeToolList } from '../tool-schema.ts';
import { contentText, exampleFromTurns, isObject, recordId, toolsOrListedInSystem, withRecordSystem, type RawTurn } from './conversation.ts';
import type { FormatParser } from './format-parser.ts';
import { bfclCategory, readPossibleAnswer } from './bfcl.ts';

const ROLES: Record<string, Role> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant', tool: 'tool', function: 'tool' };

export function openaiTurns(messages: unknown, where = 'messages'): RawTurn[] {
  if (!Array.isArray(messages)) throw new RecordError(`"${where}" is ${describe(messages)}, expected a list of messages`);
  const callNames = new Map<string, string>(); // tool_call id → function name, to name tool results
  return messages.map((m, i): RawTurn => {
    const at = `${where}[${i}]`;
    if (!isObject(m)) throw new RecordError(`${at} is ${describe(m)}, expected a message object`);
    const role = typeof m.role === 'string' ? ownValue(ROLES, m.role) : undefined;
    if (!role) throw new RecordError(`${at} has unknown role ${JSON.stringify(m.role)}`);
    // A tool's result may be given as the JSON it returned; the template shows it as text.
    const content = role === 'tool' && typeof m.content === 'object' && m.content !== null && !Array.isArray(m.content) ? JSON.stringify(m.content) : m.content;
    const turn: RawTurn = { role, content: contentText(content, `${at}.content`) };
    if (typeof m.name === 'string') turn.name = m.name;
    else if (role === 'tool' && typeof m.tool_call_id === 'string' && callNames.has(m.tool_call_id)) turn.name = callNames.get(m.tool_call_id);
    const reasoning = m.reasoning_content ?? m.reasoning;
    if (typeof reasoning === 'string') turn.reasoning = reasoning;
    const rawCalls = m.tool_calls ?? (m.function_call ? [m.function_call] : undefined);
    if (rawCalls !== undefined && rawCalls !== null) {
      if (!Array.isArray(rawCalls)) throw new RecordError(`${at}.tool_calls is ${describe(rawCalls)}, expected a list`);
      turn.calls = rawCalls.map((c, j): Call => {
        try {
          const call = callFromObject(c, `${at}.tool_calls[${j}]`);
          if (isObject(c) && typeof c.id === 'string') callNames.set(c.id, call.name);
          return call;
        } catch (err) {
          throw new RecordError((err as Error).message);
        }
      });
    }
    return turn;
  });
}

/** `possible_answer` as BFCL's ground truth (`[{fname: {arg: [values…]}}]`), a list or its JSON text. */
function possibleAnswerColumn(value: unknown, id: string): PossibleAnswer {
  let list = value;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch (err) {
      throw new RecordError(`"possible_answer" is a string that is not valid JSON (${(err as Error).message})`);
    }
  }
  try {
    return readPossibleAnswer({ id, ground_truth: list }).answer;
  } catch (err) {
    throw new RecordError((err as Error).message.replace('ground_truth', 'possible_answer'));
  }
}

export const openaiParser: FormatParser = {
  format: 'openai',
  label: 'OpenAI messages (tools, tool_calls)',
  reasoning: 'optional',
  detect(record) {
    return isObject(record) && Array.isArray(record.messages) && record.messages.some((m) => isObject(m) && 'role' in m);
  },
  parse(record, ctx) {
    if (!isObject(record)) throw new RecordError(`record is ${describe(record)}, expected an object`);
    const turns = withRecordSystem(record, openaiTurns(record.messages));
    const tools = toolsOrListedInSystem(normalizeToolList(record.tools ?? record.functions, 'tools'), turns);
    const id = recordId(record, ctx.fallbackId);
    const example = exampleFromTurns(id, tools, turns, 'openai');
    // The columns a dataset the studio pushed to the Hub carries beside the messages (openai-record.ts).
    // BFCL's accepted values, and the category whose checker they are checked by. A category alone is
    // not read: other datasets label theirs loosely ("simple" with three tools offered, "finance"),
    // and the answer check goes by it; without one it follows from the tools and calls.
    if (record.possible_answer !== undefined && record.possible_answer !== null) {
      example.possibleAnswer = possibleAnswerColumn(record.possible_answer, id);
      if (typeof record.category === 'string' && bfclCategory(record.category) === record.category) example.category = record.category;
    }
    if (record.hdr_round !== undefined && record.hdr_round !== null) {
      // HDR's samples stay on the training side: each is a re-answer of a training example.
      if (!Number.isSafeInteger(record.hdr_round) || (record.hdr_round as number) < 0) throw new RecordError(`"hdr_round" is ${describe(record.hdr_round)}, expected a round number`);
      example.source = 'hdr';
      example.hdrRound = record.hdr_round as number;
    }
    return example;
  },
};
