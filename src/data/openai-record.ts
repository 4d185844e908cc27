// An Example as an OpenAI-messages record, the form the Hub's tool-calling datasets take and TRL,
// Axolotl and LLaMA-Factory read: `messages` ending in the target assistant turn (its reasoning as
// `reasoning_content`, its calls as `tool_calls`), `tools` in the OpenAI function form. The inverse of
// formats/openai.ts, which reads every record written here back to the same example.
// Columns whose shape differs from record to record go as JSON text (`tools`, each call's
// `arguments`, `possible_answer`), so a dataset of many tools has one table schema for the Hub's
// viewer and `datasets.load_dataset` (Arrow infers one struct per column, and fails on a key whose
// type changes). A whole float is written `5.0`, as the template renders it.
// A Python-syntax example (FunReason, BFCL's prompt mode) writes its calls as the text it trains on,
// `[f(a=1)]`, which the parser reads back as Python syntax.
import type { Call, Example, Message } from './example.ts';
import { formatCallsPython, withPythonCalls } from './python/format.ts';
import { argumentsJson, targetCalls } from './whole-floats.ts';

export interface OpenAiToolCall {
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAiMessage {
  role: Message['role'];
  content: string;
  reasoning_content?: string;
  tool_calls?: OpenAiToolCall[];
  name?: string;
}

export interface OpenAiRecord {
  id: string;
  messages: OpenAiMessage[];
  /** `[{"type": "function", "function": {...}}]` as JSON text. */
  tools: string;
  category?: string;
  /** BFCL's accepted values per call (`[{fname: {arg: [values…]}}]`) as JSON text. */
  possible_answer?: string;
  /** Where the example came from (its source format, `hdr` for HDR's samples). */
  source?: string;
  hdr_round?: number;
}

export function openaiRecord(example: Example): OpenAiRecord {
  const python = example.target.callSyntax === 'python';
  const messages = example.messages.map((m) => (m.role === 'assistant' ? assistant(m.content, m.calls ? targetCalls({ calls: m.calls, wholeFloats: m.wholeFloats }) : [], m.reasoning, python) : plain(m)));
  const calls = targetCalls(example.target);
  const content = example.target.content ?? '';
  // "[]": a Python-syntax answer that calls nothing says so, as its training text does.
  messages.push(python && !calls.length && content === '' ? assistant(formatCallsPython([]), [], example.target.reasoning, false) : assistant(content, calls, example.target.reasoning, python));
  const record: OpenAiRecord = { id: example.id, messages, tools: JSON.stringify(example.tools.map((t) => ({ type: 'function', function: t }))) };
  if (example.category !== undefined) record.category = example.category;
  if (example.possibleAnswer !== undefined) record.possible_answer = JSON.stringify(example.possibleAnswer);
  if (example.source !== undefined) record.source = example.source;
  if (example.hdrRound !== undefined) record.hdr_round = example.hdrRound;
  return record;
}

function assistant(content: string, calls: Call[], reasoning: string | undefined, python: boolean): OpenAiMessage {
  const m: OpenAiMessage = { role: 'assistant', content: python && calls.length ? withPythonCalls(content, calls) : content };
  if (reasoning !== undefined) m.reasoning_content = reasoning;
  if (!python && calls.length) m.tool_calls = calls.map((c) => ({ type: 'function', function: { name: c.name, arguments: argumentsJson(c.arguments) } }));
  return m;
}

function plain(m: Message): OpenAiMessage {
  const out: OpenAiMessage = { role: m.role, content: m.content };
  if (m.name !== undefined) out.name = m.name;
  return out;
}

/** Records as JSON Lines. */
export function openaiJsonl(examples: Iterable<Example>): Uint8Array {
  const lines: string[] = [];
  for (const e of examples) lines.push(JSON.stringify(openaiRecord(e)));
  return new TextEncoder().encode(lines.join('\n') + (lines.length ? '\n' : ''));
}
