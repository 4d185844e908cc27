// OpenAI chat format: `{messages: [{role, content, tool_calls?, reasoning_content?}], tools: [...]}`.
// Assistant reasoning may be in `reasoning_content`/`reasoning` or inline as `<think>…</think>`.
// Never accepts roles outside system/user/assistant/tool (function → tool is the one alias).
import type { Call, Role } from '../example.ts';
import { callFromObject } from '../assistant-text.ts';
import { ownValue } from '../own-keys.ts';
import { RecordError } from '../record-error.ts';
import { describe, normalizeToolList } from '../tool-schema.ts';
import { contentText, exampleFromTurns, isObject, recordId, toolsOrListedInSystem, withRecordSystem, type RawTurn } from './conversation.ts';
import type { FormatParser } from './format-parser.ts';

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
    return exampleFromTurns(recordId(record, ctx.fallbackId), tools, turns, 'openai');
  },
};
