// Reads the calls out of a model's generated text. Owns the recognised output formats:
//   - Qwen/Hermes: `<tool_call>{"name": …, "arguments": {…}}</tool_call>` blocks, several = parallel;
//   - bare JSON: one `{name, arguments}` object or an array of them (also inside a ``` fence);
//   - Python-call syntax as BFCL/ToolACE/FunReason write it: `[f(a=1, b="x"), g()]`, read as BFCL
//     reads it (an unclosed list closed, positional arguments dropped);
//   - anything else is a plain-text answer with no calls (a legitimate answer to an irrelevant query).
// `<think>…</think>` is split off as reasoning first. Malformed call syntax gives a structured
// `error` in the result; this module never throws on model output and never evaluates code.
// With `keepFloats`, a whole float (5.0) is an IntegralFloat in the calls, for the checker only.
import type { Call } from '../data/example.ts';
import { looksLikePythonCalls, parsePythonCalls, PySyntaxError } from '../data/python/call-syntax.ts';
import { IntegralFloat } from '../data/python/integral-float.ts';
import { parseJsonKeepingFloats } from '../data/python/json-keeping-floats.ts';
import { isPlainObject } from './python-values.ts';

export type GeneratedCallFormat = 'tool_call' | 'json' | 'python' | 'text';

export type CallParseErrorKind =
  | 'unterminated_think'
  | 'unterminated_tool_call'
  | 'unmatched_tool_call_close'
  | 'invalid_json'
  | 'invalid_call_shape'
  | 'invalid_python';

export interface CallParseError {
  kind: CallParseErrorKind;
  message: string;
  /** Character offset in the text passed to parseGeneratedCalls, when known. */
  offset?: number;
}

export interface ParsedGeneration {
  /** Text inside <think>…</think> (trimmed); absent when there were no think tags. */
  reasoning?: string;
  /** The calls, in the order written. Empty when there are none or when `error` is set. */
  calls: Call[];
  /** Text that is neither reasoning nor call syntax (trimmed). */
  content: string;
  /** Which syntax the calls were found in; 'text' when there were none. */
  format: GeneratedCallFormat;
  error?: CallParseError;
  /** What decoding left out of the calls, as BFCL's decoder does (positional arguments). */
  ignored?: string[];
  /** Where the calls held whole floats (`5.0`), once made plain (whole-floats.ts): an HDR sample
   * trains them as written. */
  wholeFloats?: Array<Array<string | number>>;
}

// Deeper JSON would make the checker's recursive comparisons overflow the stack; no call needs it.
const MAX_JSON_NESTING = 100;
const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';
const TOOL_OPEN = '<tool_call>';
const TOOL_CLOSE = '</tool_call>';

// End-of-turn markers a decoder may leave when special tokens are kept (Qwen, SmolLM, Llama, others).
const END_OF_TURN_MARKERS = ['<|im_end|>', '<|endoftext|>', '<|eot_id|>', '</s>'];

/** Cuts trailing end-of-turn markers (a loop, not a regex, so long whitespace cannot backtrack). */
function withoutTrailingEndOfTurn(text: string): string {
  let out = text.trimEnd();
  for (let marker = END_OF_TURN_MARKERS.find((m) => out.endsWith(m)); marker; marker = END_OF_TURN_MARKERS.find((m) => out.endsWith(m))) {
    out = out.slice(0, -marker.length).trimEnd();
  }
  return out;
}

export function parseGeneratedCalls(generated: string, { keepFloats = false }: { keepFloats?: boolean } = {}): ParsedGeneration {
  const readJson = keepFloats ? parseJsonKeepingFloats : JSON.parse;
  // Only a trailing suffix is cut, so offsets into `text` are offsets into `generated`.
  const text = withoutTrailingEndOfTurn(generated);
  const split = splitReasoning(text);
  if ('error' in split) return { reasoning: split.reasoning, calls: [], content: '', format: 'text', error: split.error };
  const { reasoning, prefix, rest, restOffset } = split;
  const withReasoning = (r: Omit<ParsedGeneration, 'reasoning'>): ParsedGeneration => {
    // Text before <think> is unusual; it stays visible as content, ahead of what followed </think>.
    const content = prefix ? [prefix, r.content].filter(Boolean).join('\n') : r.content;
    return reasoning === undefined ? { ...r, content } : { reasoning, ...r, content };
  };

  if (rest.includes(TOOL_OPEN) || rest.includes(TOOL_CLOSE)) return withReasoning(parseToolCallBlocks(rest, restOffset, readJson));

  const trimmed = rest.trim();
  const leading = restOffset + rest.indexOf(trimmed);
  const fenced = /^```[A-Za-z]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/.exec(trimmed);
  const body = fenced ? fenced[1].trim() : trimmed;
  const bodyOffset = fenced ? leading + trimmed.indexOf(body) : leading;

  if (/^(\{|\[\s*\{)/.test(body)) {
    const parsed = parseJsonCalls(body, bodyOffset, readJson);
    return withReasoning('error' in parsed ? { calls: [], content: trimmed, format: 'json', error: parsed.error } : { calls: parsed.calls, content: '', format: 'json' });
  }
  const python = fenced ? { text: body, offset: bodyOffset } : bfclRepaired(body, bodyOffset);
  if (looksLikePythonCalls(python.text)) {
    try {
      const ignored: string[] = [];
      const calls = parsePythonCalls(python.text, { positional: 'drop', dropped: ignored, keepFloats });
      return withReasoning({ calls, content: '', format: 'python', ...(ignored.length ? { ignored } : {}) });
    } catch (err) {
      if (!(err instanceof PySyntaxError)) throw err;
      const error: CallParseError = { kind: 'invalid_python', message: `Python-call syntax: ${err.message}`, offset: Math.max(bodyOffset, python.offset + err.offset) };
      return withReasoning({ calls: [], content: trimmed, format: 'python', error });
    }
  }
  return withReasoning({ calls: [], content: trimmed, format: 'text' });
}

/**
 * What BFCL's prompt-mode decoder (default_decode_ast_prompting) reads: the text without backticks,
 * newlines and spaces at its ends, its list closed where the model left it open (`[f(a=1)`,
 * ```[f(a=1)]``` on one line). `offset` is where `text[0]` stood, less one for an added "[".
 */
function bfclRepaired(body: string, offset: number): { text: string; offset: number } {
  // Loops, not regexes: an anchored-at-the-end class run backtracks quadratically on long spaces.
  const strip = (c: string) => c === '`' || c === '\n' || c === ' ';
  let start = 0;
  let end = body.length;
  while (start < end && strip(body[start])) start++;
  while (end > start && strip(body[end - 1])) end--;
  let text = body.slice(start, end);
  let at = offset + start;
  if (!looksLikePythonCalls(text.startsWith('[') ? text : `[${text}`)) return { text: body, offset };
  if (text.startsWith('[') && !text.endsWith(']')) text += ']';
  else if (!text.startsWith('[') && text.endsWith(']')) {
    text = `[${text}`;
    at--;
  }
  return { text, offset: at };
}

type ReasoningSplit = { reasoning?: string; prefix: string; rest: string; restOffset: number } | { reasoning: string; error: CallParseError };

function splitReasoning(text: string): ReasoningSplit {
  const open = text.indexOf(THINK_OPEN);
  const close = text.indexOf(THINK_CLOSE, open < 0 ? 0 : open);
  if (open >= 0 && close < 0) {
    return {
      reasoning: text.slice(open + THINK_OPEN.length).trim(),
      error: { kind: 'unterminated_think', message: '<think> is never closed by </think>', offset: open },
    };
  }
  if (close < 0) return { prefix: '', rest: text, restOffset: 0 };
  // Qwen3's template can open <think> in the prompt, so the output may start inside it: a lone
  // </think> closes reasoning that began at the start of the text.
  const start = open >= 0 ? open + THINK_OPEN.length : 0;
  const prefix = open >= 0 ? text.slice(0, open).trim() : '';
  const restOffset = close + THINK_CLOSE.length;
  return { reasoning: text.slice(start, close).trim(), prefix, rest: text.slice(restOffset), restOffset };
}

type JsonReader = (text: string) => unknown;

function parseToolCallBlocks(text: string, baseOffset: number, readJson: JsonReader): Omit<ParsedGeneration, 'reasoning'> {
  const calls: Call[] = [];
  const outside: string[] = [];
  let i = 0;
  const fail = (error: CallParseError) => ({ calls: [], content: text.trim(), format: 'tool_call' as const, error });
  while (i < text.length) {
    const open = text.indexOf(TOOL_OPEN, i);
    const strayClose = text.indexOf(TOOL_CLOSE, i);
    if (strayClose >= 0 && (open < 0 || strayClose < open)) {
      return fail({ kind: 'unmatched_tool_call_close', message: '</tool_call> without a matching <tool_call>', offset: baseOffset + strayClose });
    }
    if (open < 0) {
      outside.push(text.slice(i));
      break;
    }
    outside.push(text.slice(i, open));
    // Messages count the blocks as people do: the first is number 1.
    const where = `<tool_call> number ${calls.length + 1}`;
    const bodyStart = open + TOOL_OPEN.length;
    const close = text.indexOf(TOOL_CLOSE, bodyStart);
    if (close < 0) {
      return fail({ kind: 'unterminated_tool_call', message: `${where} is never closed by </tool_call>`, offset: baseOffset + open });
    }
    const body = text.slice(bodyStart, close);
    const bodyOffset = baseOffset + bodyStart + (body.length - body.trimStart().length);
    const parsed = parseJsonCalls(body.trim(), bodyOffset, readJson, where);
    if ('error' in parsed) return fail(parsed.error);
    if (parsed.calls.length !== 1) {
      return fail({ kind: 'invalid_call_shape', message: `${where} must hold one {"name", "arguments"} object`, offset: bodyOffset });
    }
    calls.push(parsed.calls[0]);
    i = close + TOOL_CLOSE.length;
  }
  return { calls, content: outside.join('').trim(), format: 'tool_call' };
}

/** One `{name, arguments}` object or an array of them. `where` names the block in messages. */
function parseJsonCalls(body: string, offset: number, readJson: JsonReader, where = 'JSON'): { calls: Call[] } | { error: CallParseError } {
  let value: unknown;
  try {
    value = readJson(body);
  } catch (err) {
    return { error: { kind: 'invalid_json', message: `${where}: ${(err as Error).message}`, offset } };
  }
  if (nestingDepth(value) > MAX_JSON_NESTING) {
    return { error: { kind: 'invalid_json', message: `${where}: nesting deeper than ${MAX_JSON_NESTING} levels`, offset } };
  }
  const items = Array.isArray(value) ? value : [value];
  const calls: Call[] = [];
  for (let index = 0; index < items.length; index++) {
    const call = jsonToCall(items[index], readJson);
    if (typeof call === 'string') {
      const at = Array.isArray(value) ? `${where} element ${index}` : where;
      return { error: { kind: 'invalid_call_shape', message: `${at}: ${call}`, offset } };
    }
    calls.push(call);
  }
  return { calls };
}

/** `{name, arguments}` (Hermes/OpenAI; `parameters` is accepted as Llama writes it) → Call, or why not. */
export function jsonToCall(item: unknown, readJson: JsonReader = JSON.parse): Call | string {
  if (!isPlainObject(item)) return `expected an object with "name" and "arguments", got ${describeJson(item)}`;
  if (typeof item.name !== 'string' || item.name === '') return 'missing a non-empty string "name"';
  let args: unknown = Object.hasOwn(item, 'arguments') ? item.arguments : Object.hasOwn(item, 'parameters') ? item.parameters : {};
  // OpenAI's wire format carries arguments as a JSON string; some models copy that.
  if (typeof args === 'string') {
    try {
      args = readJson(args);
    } catch {
      return `"arguments" of ${item.name} is a string that is not valid JSON`;
    }
  }
  if (!isPlainObject(args)) return `"arguments" of ${item.name} must be an object, got ${describeJson(args)}`;
  return { name: item.name, arguments: args };
}

/** Depth of nested arrays/objects, computed without recursion so hostile input cannot overflow it. */
function nestingDepth(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null || value instanceof IntegralFloat) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_JSON_NESTING) return deepest;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}


function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof IntegralFloat) return 'a number';
  return `a ${typeof value}`;
}
