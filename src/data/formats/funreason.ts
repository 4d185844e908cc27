// FunReason / BalanceSFT records: a BFCL prompt-mode system prompt listing the functions as JSON,
// a user query, and an assistant target `<think>…</think>\n\n[func(a=1, b='x')]`. The record may
// be shaped as OpenAI `messages`, ShareGPT `conversations` (either with the system prompt beside
// them in `system`, as LLaMA-Factory keeps it), or flat `{system, query|instruction (+ input),
// output|response}`. The system prompt is kept (it is the prompt the model trains on) and the calls
// keep their Python syntax when rendered.
// Never rewrites the system prompt into native tool declarations.
import type { Example } from '../example.ts';
import { functionsFromSystemPrompt } from '../bfcl-prompt.ts';
import { RecordError } from '../record-error.ts';
import { describe, normalizeToolList } from '../tool-schema.ts';
import { exampleFromTurns, isObject, recordId, withRecordSystem, type RawTurn } from './conversation.ts';
import type { FormatParser } from './format-parser.ts';
import { openaiTurns } from './openai.ts';
import { sharegptTurns } from './sharegpt.ts';

const PYTHON_TARGET = /<\/think>\s*\[\s*[A-Za-z_][\w.]*\s*\(|<\/think>\s*\[\s*\]/;

function turnsOf(record: Record<string, unknown>): RawTurn[] | undefined {
  const listed = Array.isArray(record.messages) ? openaiTurns(record.messages) : Array.isArray(record.conversations) ? sharegptTurns(record.conversations) : undefined;
  // LLaMA-Factory's layout keeps the system prompt (the functions) beside the conversation.
  if (listed) return withRecordSystem(record, listed);
  // Alpaca's layout asks its instruction about its input (LLaMA-Factory joins them with a newline).
  const asked = typeof record.instruction === 'string' && typeof record.input === 'string' && record.input.trim() !== '' ? `${record.instruction}\n${record.input}` : undefined;
  const query = record.query ?? asked ?? record.instruction ?? record.input ?? record.question;
  const output = record.output ?? record.response ?? record.answer;
  if (typeof query !== 'string' || typeof output !== 'string') return undefined;
  const turns: RawTurn[] = [];
  if (typeof record.system === 'string') turns.push({ role: 'system', content: record.system });
  turns.push({ role: 'user', content: query }, { role: 'assistant', content: output });
  return turns;
}

export const funreasonParser: FormatParser = {
  format: 'funreason',
  label: 'FunReason / BalanceSFT (<think> + Python calls)',
  reasoning: 'required',
  detect(record) {
    if (!isObject(record)) return false;
    let turns: RawTurn[] | undefined;
    try {
      turns = turnsOf(record);
    } catch {
      return false;
    }
    const last = turns?.filter((t) => t.role === 'assistant').at(-1);
    return last !== undefined && !last.calls?.length && PYTHON_TARGET.test(last.content);
  },
  parse(record, ctx) {
    if (!isObject(record)) throw new RecordError(`record is ${describe(record)}, expected an object`);
    const turns = turnsOf(record);
    if (!turns) throw new RecordError('record has no messages, conversations or query/output fields');
    const system = turns.find((t) => t.role === 'system');
    let tools = normalizeToolList(record.tools ?? record.functions, 'tools');
    if (tools.length === 0) {
      if (!system) throw new RecordError('record lists no functions: no tools field and no system prompt listing them');
      const listed = functionsFromSystemPrompt(system.content);
      if (!listed) throw new RecordError('system prompt lists no functions (expected a JSON list of {name, parameters})');
      tools = normalizeToolList(listed, 'system prompt functions');
    }
    const example: Example = exampleFromTurns(recordId(record, ctx.fallbackId), tools, turns, 'funreason');
    example.target.callSyntax = 'python';
    if (example.target.calls.length === 0 && example.target.content && /\[\s*[A-Za-z_][\w.]*\s*\(/.test(example.target.content)) {
      // Read as a reply without calls, it would teach the model to wrap its calls.
      (example.parseIssues ??= []).push({ rule: 'target_json_parses', detail: 'the answer after </think> holds a call list with text or a code fence around it; only a bare list like [f(a=1)] is read as calls' });
    }
    return example;
  },
};
