// Qwen/Hermes text format: a ChatML transcript (`<|im_start|>role\n…<|im_end|>`) whose system
// turn lists tools inside `<tools>…</tools>` (a JSON list, one JSON object per line as Qwen writes
// it, or a single-quoted Python list as Hermes writes it) and whose assistant turns call them in
// `<tool_call>` blocks. Also owns reading `<tools>` out of any system prompt (ShareGPT uses it).
// Never keeps the tool-instruction boilerplate as a system message: the chat template writes its own.
import type { FunctionSchema, Role } from '../example.ts';
import { parsePythonLiteral } from '../python/call-syntax.ts';
import { ownValue } from '../own-keys.ts';
import { RecordError } from '../record-error.ts';
import { describe, normalizeToolList } from '../tool-schema.ts';
import { exampleFromTurns, isObject, recordId, type RawTurn } from './conversation.ts';
import type { FormatParser } from './format-parser.ts';

function parseToolsBlock(body: string): unknown {
  const text = body.trim();
  if (text === '') return [];
  try {
    return JSON.parse(text);
  } catch {
    /* not one JSON value: try the other spellings */
  }
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length > 1 && lines.every((l) => l.startsWith('{'))) {
    try {
      return lines.map((l) => JSON.parse(l));
    } catch {
      /* fall through to the Python literal reading */
    }
  }
  try {
    return parsePythonLiteral(text);
  } catch (err) {
    throw new RecordError(`<tools> block is neither JSON nor a Python literal: ${(err as Error).message}`);
  }
}

/**
 * Splits a system prompt into the tools it declares and the instructions that are not about tools.
 * Qwen's template puts the user's own system text before "# Tools"; Hermes prompts are tool
 * boilerplate, so only what precedes their opening sentence is kept.
 */
export function toolsFromSystemPrompt(system: string): { tools: FunctionSchema[]; rest: string } | undefined {
  // Instructions mention the tags themselves ("within <tools></tools> XML tags"): skip empty blocks.
  const m = [...system.matchAll(/<tools>([\s\S]*?)<\/tools>/g)].find((b) => b[1].trim() !== '');
  if (!m) return undefined;
  const tools = normalizeToolList(parseToolsBlock(m[1]), '<tools>');
  const qwenHeader = system.indexOf('# Tools');
  // Hermes prompts open with their function-calling boilerplate; a persona written before it is
  // the user's own and stays.
  const hermesOpener = system.search(/You are a function[- ]calling AI model|You are provided with function signatures/);
  const end = qwenHeader >= 0 ? qwenHeader : hermesOpener;
  const rest = end > 0 ? system.slice(0, end).trim() : '';
  return { tools, rest };
}

/** A tool-response wrapper is the template's spelling of a tool turn. */
export function unwrapToolResponse(text: string): string[] | undefined {
  const blocks = [...text.matchAll(/<tool_response>([\s\S]*?)<\/tool_response>/g)].map((b) => b[1].replace(/^\n|\n$/g, ''));
  return blocks.length && text.replace(/<tool_response>[\s\S]*?<\/tool_response>/g, '').trim() === '' ? blocks : undefined;
}

const CHATML_ROLES: Record<string, Role> = { system: 'system', user: 'user', assistant: 'assistant', tool: 'tool' };

export function chatmlTurns(text: string): RawTurn[] {
  const turns: RawTurn[] = [];
  const re = /<\|im_start\|>([a-z_]+)\n([\s\S]*?)(?:<\|im_end\|>|$)/g;
  for (const m of text.matchAll(re)) {
    const role = ownValue(CHATML_ROLES, m[1]);
    if (!role) throw new RecordError(`ChatML turn with unknown role "${m[1]}"`);
    turns.push({ role, content: m[2] });
  }
  if (turns.length === 0) throw new RecordError('text has no <|im_start|> turns');
  return turns;
}

/** Shared by Hermes and ShareGPT: pulls tools out of system turns and splits tool responses. */
export function liftToolsAndResponses(turns: RawTurn[], tools: FunctionSchema[]): { turns: RawTurn[]; tools: FunctionSchema[] } {
  const out: RawTurn[] = [];
  let found = tools;
  for (const t of turns) {
    if (t.role === 'system') {
      const lifted = toolsFromSystemPrompt(t.content);
      if (lifted) {
        if (found.length === 0) found = lifted.tools;
        if (lifted.rest) out.push({ role: 'system', content: lifted.rest });
        continue;
      }
    }
    if (t.role === 'user' || t.role === 'tool') {
      const responses = unwrapToolResponse(t.content);
      if (responses) {
        for (const r of responses) out.push({ role: 'tool', content: r });
        continue;
      }
    }
    out.push(t);
  }
  return { turns: out, tools: found };
}

function transcript(record: Record<string, unknown>): string | undefined {
  if (typeof record.text === 'string') return record.text;
  if (typeof record.prompt === 'string' && typeof record.completion === 'string') return record.prompt + record.completion;
  return undefined;
}

export const hermesParser: FormatParser = {
  format: 'hermes',
  label: 'Qwen/Hermes ChatML text (<tools>, <tool_call>)',
  reasoning: 'optional',
  detect(record) {
    if (!isObject(record)) return false;
    const text = transcript(record);
    return text !== undefined && text.includes('<|im_start|>');
  },
  parse(record, ctx) {
    if (!isObject(record)) throw new RecordError(`record is ${describe(record)}, expected an object`);
    const text = transcript(record);
    if (text === undefined) throw new RecordError('record has no "text" (or "prompt" + "completion") string');
    const { turns, tools } = liftToolsAndResponses(chatmlTurns(text), []);
    return exampleFromTurns(recordId(record, ctx.fallbackId), tools, turns, 'hermes');
  },
};
