// Qwen/Hermes text format: a ChatML transcript (`<|im_start|>role\n…<|im_end|>`) whose system
// turn lists tools inside `<tools>…</tools>` (a JSON list, one JSON object per line as Qwen writes
// it, or a single-quoted Python list as Hermes writes it) and whose assistant turns call them in
// `<tool_call>` blocks. Also owns reading `<tools>` out of any system prompt (ShareGPT uses it).
// Never keeps the tool-instruction boilerplate as a system message (the chat template writes its
// own), and never drops the user's own system text.
import { matchingBracket } from '../bfcl-prompt.ts';
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

// The sentences Qwen's template and Hermes prompts wrap a tool list in. The chat template writes its
// own, so they go; every other word of a system prompt is the user's (a persona, "answer in
// French") and stays, wherever it stands.
const TOOL_BOILERPLATE: RegExp[] = [
  /^#\s*Tools[ \t]*$/gm,
  /You are a function[- ]calling AI model\.?/gi,
  /You are provided with function signatures within <tools>\s*<\/tools>(?: XML)? tags\s*[.:]?/gi,
  /You may call one or more functions to assist with the user query\.?/gi,
  /Don['’]?t make assumptions about what values to plug into functions\.?/gi,
  /(?:Here are the available tools|You have access to (?:the following|these) (?:tools|functions))\s*:?/gi,
  /For each function call,? return a json object with function name and arguments within <tool_call>\s*<\/tool_call>(?: XML)? tags(?: with the following schema| as follows)?\s*[.:]?/gi,
  // The call format's example block (its body has the template's placeholders, `<function-name>`),
  // and the tool list itself (not empty). A `<tool_call></tool_call>` or `<tools></tools>` the
  // user's own text mentions ("write it inside <tool_call></tool_call> tags") is theirs.
  /<tool_call>(?:(?!<\/tool_call>)[\s\S])*?<(?:function-name|args-[\w-]+)>[\s\S]*?<\/tool_call>/g,
  /<tools>\s*(?:(?!<\/tools>)\S)[\s\S]*?<\/tools>/g,
];
/** Hermes 2 Pro follows this sentence with the call's pydantic JSON schema. */
const PYDANTIC_SENTENCE = /Use the following pydantic model json schema for each tool call you will make\s*:?\s*/i;
const CUT = '\u0000';

/** Cuts each pydantic sentence together with the schema after it. */
function withoutPydanticSchemas(text: string): string {
  let kept = '';
  let rest = text;
  for (let m = PYDANTIC_SENTENCE.exec(rest); m; m = PYDANTIC_SENTENCE.exec(rest)) {
    kept += rest.slice(0, m.index) + CUT;
    const after = m.index + m[0].length;
    const end = rest[after] === '{' ? matchingBracket(rest, after) : -1;
    rest = rest.slice(end > 0 ? end : after);
  }
  return kept + rest;
}

/** A system prompt without its tool list and tool boilerplate: the user's own instructions. */
function instructionsBesideTools(system: string): string {
  let text = withoutPydanticSchemas(system);
  for (const re of TOOL_BOILERPLATE) text = text.replace(re, CUT);
  // A cut inside a line leaves one space between the words around it, and none at a line's end.
  const kept = text
    .replace(/[ \t]*\u0000[ \t]*/g, CUT)
    .replace(/\u0000+/g, CUT)
    .replace(/(\S)\u0000(?=\S)/g, '$1 ')
    .replaceAll(CUT, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  // What a sentence's cut left of its ending ("." after a phrasing the patterns did not foresee) is
  // no instruction: a system turn of "." would be trained on every example.
  return /^[\s.,:;!?]*$/.test(kept) ? '' : kept;
}

/**
 * Splits a system prompt into the tools it declares and the instructions that are not about tools:
 * what is left once the tool list and the Qwen/Hermes sentences around it are taken out.
 */
export function toolsFromSystemPrompt(system: string): { tools: FunctionSchema[]; rest: string } | undefined {
  // Instructions mention the tags themselves ("within <tools></tools> XML tags"): skip empty blocks.
  const m = [...system.matchAll(/<tools>([\s\S]*?)<\/tools>/g)].find((b) => b[1].trim() !== '');
  if (!m) return undefined;
  const tools = normalizeToolList(parseToolsBlock(m[1]), '<tools>');
  return { tools, rest: instructionsBesideTools(system) };
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
