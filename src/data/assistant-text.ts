// Reads one assistant turn written as text — `<think>…</think>`, Hermes/Qwen `<tool_call>` blocks
// (JSON or single-quoted Python dicts) or a BFCL Python-call list `[f(a=1)]` — into reasoning,
// calls and plain content. Shared by every chat-shaped parser so they agree on what a turn means.
// Never throws for malformed call text: it records a ParseIssue and keeps the rest of the turn,
// so the example survives to be flagged by the quality check. Whole floats in calls (`5.0`) come
// back boxed (IntegralFloat): the import makes the example storable (whole-floats.ts). Text around the calls becomes one
// content before them; text that was between or after them is noted, not dropped.
import type { Call, CallSyntax, ParseIssue } from './example.ts';
import { parsePythonCalls, parsePythonLiteral } from './python/call-syntax.ts';
import { parseJsonKeepingFloats } from './python/json-keeping-floats.ts';
import { isJsonObject } from './python/integral-float.ts';

export interface AssistantTurn {
  reasoning?: string;
  calls: Call[];
  content?: string;
  callSyntax?: CallSyntax;
  issues: ParseIssue[];
}

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';

/** Strips leading/trailing newlines only (the template does the same), keeping inner spacing. */
export function stripNewlines(s: string): string {
  return s.replace(/^\n+|\n+$/g, '');
}

const isObject = isJsonObject;

/** `{"name": …, "arguments": …}` (arguments may be an object or a JSON string) → Call. */
export function callFromObject(obj: unknown, where: string): Call {
  if (!isObject(obj)) throw new Error(`${where} is not an object`);
  const fn = isObject(obj.function) ? obj.function : obj;
  const name = fn.name;
  if (typeof name !== 'string' || name === '') throw new Error(`${where} has no function name`);
  let args = fn.arguments ?? fn.parameters ?? {};
  if (typeof args === 'string') {
    try {
      args = args.trim() === '' ? {} : (parseJsonKeepingFloats(args) as Record<string, unknown>);
    } catch (err) {
      throw new Error(`${where} (${name}) arguments are not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!isObject(args)) throw new Error(`${where} (${name}) arguments are not an object`);
  return { name, arguments: args };
}

/** Parses the body of one `<tool_call>` block: JSON first, then Python-dict style. */
export function parseToolCallBody(body: string, where: string): Call {
  let obj: unknown;
  try {
    obj = parseJsonKeepingFloats(body);
  } catch (jsonErr) {
    try {
      obj = parsePythonLiteral(body, { keepFloats: true });
    } catch {
      throw new Error(`${where} is neither JSON nor a Python dict: ${(jsonErr as Error).message}`);
    }
  }
  return callFromObject(obj, where);
}

export function parseAssistantText(text: string): AssistantTurn {
  const issues: ParseIssue[] = [];
  let rest = text;
  let reasoning: string | undefined;

  const open = rest.indexOf(THINK_OPEN);
  const close = rest.indexOf(THINK_CLOSE);
  if (close >= 0 && (open < 0 || open < close)) {
    const start = open >= 0 ? open + THINK_OPEN.length : 0;
    if (open > 0 && rest.slice(0, open).trim() !== '') {
      issues.push({ rule: 'reasoning_format', detail: 'text before <think>' });
    }
    reasoning = stripNewlines(rest.slice(start, close)).trim();
    rest = rest.slice(close + THINK_CLOSE.length);
    if (rest.includes(THINK_OPEN) || rest.includes(THINK_CLOSE)) {
      issues.push({ rule: 'reasoning_format', detail: 'more than one <think> block' });
    }
  } else if (open >= 0) {
    issues.push({ rule: 'reasoning_format', detail: '<think> is never closed' });
    reasoning = stripNewlines(rest.slice(open + THINK_OPEN.length)).trim();
    rest = rest.slice(0, open);
  }

  const calls: Call[] = [];
  let callSyntax: CallSyntax | undefined;
  if (rest.includes('<tool_call>')) {
    callSyntax = 'json';
    const before = rest.slice(0, rest.indexOf('<tool_call>'));
    let blockIndex = 0;
    rest = rest.replace(/<tool_call>([\s\S]*?)(<\/tool_call>|$)/g, (_m, body: string, end: string) => {
      const where = `<tool_call> #${++blockIndex}`;
      if (end === '') issues.push({ rule: 'target_json_parses', detail: `${where} is never closed` });
      try {
        calls.push(parseToolCallBody(body.trim(), where));
      } catch (err) {
        issues.push({ rule: 'target_json_parses', detail: (err as Error).message });
      }
      return '';
    });
    // The Example keeps one content and then the calls, so text written between or after the
    // blocks trains ahead of them: kept, since it is the turn's own text, but said.
    const moved = rest.slice(before.length).trim();
    if (moved !== '') {
      const shown = moved.length > 60 ? `${moved.slice(0, 60)}…` : moved;
      issues.push({ rule: 'text_moved_before_calls', detail: `text between or after the <tool_call> blocks (${JSON.stringify(shown)}) was moved before the calls` });
    }
  } else {
    const trimmed = rest.trim();
    if (trimmed === '[]') {
      // An empty Python call list: the BFCL prompt-mode way of saying "no function applies".
      callSyntax = 'python';
      rest = '';
    } else if (/^\[\s*[A-Za-z_][\w.]*\s*\(/.test(trimmed)) {
      callSyntax = 'python';
      try {
        calls.push(...parsePythonCalls(trimmed, { keepFloats: true }));
        rest = '';
      } catch (err) {
        issues.push({ rule: 'target_json_parses', detail: `Python call list does not parse: ${(err as Error).message}` });
      }
    }
  }

  const content = rest.trim();
  const turn: AssistantTurn = { calls, issues };
  if (reasoning !== undefined) turn.reasoning = reasoning;
  if (content !== '') turn.content = content;
  if (callSyntax) turn.callSyntax = callSyntax;
  return turn;
}
