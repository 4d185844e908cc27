// Turns a normalised list of chat turns into an Example: picks the target assistant turn, reads
// its text (reasoning, calls, content) and keeps the turns before it as the prompt messages; the
// turns after it are left out, with a note on the example saying how many.
// Shared by the OpenAI, ShareGPT, Hermes and FunReason parsers so "which turn is the target" is
// decided once. Never reads files or guesses formats.
import type { Call, Example, FunctionSchema, Message, Role, SourceFormat, Target } from '../example.ts';
import { parseAssistantText } from '../assistant-text.ts';
import { functionsFromSystemPrompt } from '../bfcl-prompt.ts';
import { isJsonObject, numericValue } from '../python/integral-float.ts';
import { RecordError } from '../record-error.ts';
import { describe, normalizeToolList } from '../tool-schema.ts';

export interface RawTurn {
  role: Role;
  content: string;
  /** Structured calls (OpenAI `tool_calls`, ShareGPT `function_call`); text calls are read from content. */
  calls?: Call[];
  reasoning?: string;
  name?: string;
}

/**
 * The target is the last assistant turn that makes calls (the function-calling skill we train);
 * when no turn calls a tool, the last assistant turn (an answer without a call, e.g. irrelevance).
 * Turns after the target (its tool results, the answer written from them, later questions) are not
 * in the example; how many is recorded as a `later_turns_left_out` note, so the loss is seen.
 */
export function exampleFromTurns(id: string, tools: FunctionSchema[], rawTurns: RawTurn[], source: SourceFormat): Example {
  const turns = mergeAssistantRuns(rawTurns);
  const read = turns.map(readTurn);
  let targetIndex = -1;
  for (let i = read.length - 1; i >= 0 && targetIndex < 0; i--) if (read[i].parsed?.calls.length) targetIndex = i;
  for (let i = read.length - 1; i >= 0 && targetIndex < 0; i--) if (read[i].parsed) targetIndex = i;
  if (targetIndex < 0) throw new RecordError('no assistant turn to learn from');
  if (!turns.slice(0, targetIndex).some((t) => t.role === 'user')) throw new RecordError('no user turn before the assistant turn');

  const messages = read.slice(0, targetIndex).map(promptMessage);
  const parsed = read[targetIndex].parsed!;
  const target: Target = { calls: parsed.calls };
  if (parsed.reasoning !== undefined) target.reasoning = parsed.reasoning;
  if (parsed.content !== undefined) target.content = parsed.content;
  if (parsed.callSyntax === 'python') target.callSyntax = 'python';
  const example: Example = { id, tools, messages, target, source };
  const later = turns.slice(targetIndex + 1);
  if (later.length) {
    parsed.issues.push({
      rule: 'later_turns_left_out',
      detail: `${later.length} turn${later.length === 1 ? '' : 's'} after the target (${later.map((t) => t.role).join(', ')}) left out: the example trains the last assistant turn${parsed.calls.length ? ' that calls a tool' : ''}`,
    });
  }
  if (parsed.issues.length) example.parseIssues = parsed.issues;
  return example;
}

type ReadTurn = { turn: RawTurn; parsed: ReturnType<typeof parseAssistantText> | undefined };

/** An assistant turn's reasoning, calls and text read out of it (structured calls and reasoning kept). */
function readTurn(t: RawTurn): ReadTurn {
  if (t.role !== 'assistant') return { turn: t, parsed: undefined };
  const parsed = parseAssistantText(t.content);
  // A call given both structured and in the text is one call.
  if (t.calls?.length) parsed.calls = [...t.calls, ...parsed.calls.filter((c) => !t.calls!.some((s) => sameCall(s, c)))];
  if (t.reasoning !== undefined && t.reasoning.trim() !== '') {
    if (parsed.reasoning !== undefined && parsed.reasoning !== t.reasoning.trim()) {
      parsed.issues.push({ rule: 'reasoning_format', detail: 'the turn has reasoning_content and a different inline <think>; reasoning_content is kept' });
    }
    parsed.reasoning = t.reasoning.trim();
  }
  return { turn: t, parsed };
}

/** A turn before the one answered, as the prompt's message. */
function promptMessage({ turn, parsed }: ReadTurn): Message {
  const m: Message = { role: turn.role, content: turn.content };
  if (turn.name) m.name = turn.name;
  if (parsed) {
    // Earlier assistant turns keep their calls structured so the template renders them natively.
    m.content = parsed.content ?? '';
    if (parsed.calls.length) m.calls = parsed.calls;
    if (parsed.reasoning) m.reasoning = parsed.reasoning;
  }
  return m;
}

/** A whole conversation as the prompt of its next turn (`studio generate --conversation`): the same
 * messages a dataset's example has before its target. */
export function promptMessages(rawTurns: RawTurn[]): Message[] {
  return mergeAssistantRuns(rawTurns).map(readTurn).map(promptMessage);
}

/** The tools a record declares, else the functions its system prompt lists as JSON (BFCL's prompt
 * mode, ToolACE): without them every call would name an unknown tool. */
export function toolsOrListedInSystem(tools: FunctionSchema[], turns: RawTurn[]): FunctionSchema[] {
  if (tools.length) return tools;
  const system = turns.find((t) => t.role === 'system');
  const listed = system ? functionsFromSystemPrompt(system.content) : undefined;
  return listed ? normalizeToolList(listed, 'system prompt functions') : tools;
}

/** A top-level `system` beside the conversation (LLaMA-Factory's layout), as its first turn. */
export function withRecordSystem(record: Record<string, unknown>, turns: RawTurn[]): RawTurn[] {
  if (typeof record.system !== 'string' || record.system.trim() === '') return turns;
  return [{ role: 'system', content: record.system }, ...turns];
}

/** Assistant turns in a row are one reply (ShareGPT writes reasoning or a remark in a `gpt` turn
 * and the call in the `function_call` turn after it): their texts joined, their calls in order. */
function mergeAssistantRuns(turns: RawTurn[]): RawTurn[] {
  const out: RawTurn[] = [];
  for (const t of turns) {
    const prev = out.at(-1);
    if (t.role === 'assistant' && prev?.role === 'assistant') {
      const merged: RawTurn = { ...prev, content: [prev.content, t.content].filter((c) => c.trim() !== '').join('\n') };
      const calls = [...(prev.calls ?? []), ...(t.calls ?? [])];
      if (calls.length) merged.calls = calls;
      const reasoning = [prev.reasoning, t.reasoning].filter((r) => r !== undefined && r.trim() !== '');
      if (reasoning.length) merged.reasoning = reasoning.join('\n');
      out[out.length - 1] = merged;
    } else out.push(t);
  }
  return out;
}

function sameCall(a: Call, b: Call): boolean {
  return a.name === b.name && JSON.stringify(a.arguments) === JSON.stringify(b.arguments);
}

/** A JSON object of the record (a whole float the reader kept is a number, not one). */
export const isObject = isJsonObject;

/** Record ids may be numbers or strings; anything else falls back to the file position. */
export function recordId(record: Record<string, unknown>, fallbackId: string): string {
  const id = numericValue(record.id ?? record.idx ?? record.conversation_id);
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return fallbackId;
}

/** Message content may be a string or OpenAI content parts `[{type:'text', text}]`. */
export function contentText(content: unknown, where: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part, i) => {
        if (typeof part === 'string') return part;
        if (isObject(part) && typeof part.text === 'string') return part.text;
        throw new RecordError(`${where}[${i}] is not a text part`);
      })
      .join('');
  }
  throw new RecordError(`${where} is ${describe(content)}, expected text`);
}
