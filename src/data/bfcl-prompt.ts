// BFCL prompt mode: the system prompt that lists functions as JSON and asks for Python-call
// answers `[f(a=1)]` (used by FunReason/BalanceSFT records), and reading the function list back out.
// Never renders chat templates; it only builds or reads this one piece of text.
import type { FunctionSchema } from './example.ts';
import { parsePythonLiteral } from './python/call-syntax.ts';

export const BFCL_PROMPT_PREAMBLE =
  'You are an expert in composing functions. You are given a question and a set of possible functions. ' +
  'Based on the question, you will need to make one or more function/tool calls to achieve the purpose.\n' +
  'If none of the functions can be used, point it out. If the given question lacks the parameters required by the function, also point it out.\n' +
  'You should only return the function calls in your response.\n\n' +
  'If you decide to invoke any of the function(s), you MUST put it in the format of ' +
  '[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]\n' +
  'You SHOULD NOT include any other text in the response.\n\n' +
  'Here is a list of functions in JSON format that you can invoke.\n';

export function bfclSystemPrompt(tools: FunctionSchema[]): string {
  return BFCL_PROMPT_PREAMBLE + JSON.stringify(tools, null, 4) + '\n';
}

/** End index (exclusive) of the bracketed value starting at `start`, honouring quoted strings. */
export function matchingBracket(text: string, start: number): number {
  let depth = 0;
  let quote = '';
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Candidates tried before giving up: a prompt is not a place to search exhaustively. */
const MAX_CANDIDATES = 32;

/**
 * Finds the function list in a prompt-mode system prompt: the first `[{…}]` (JSON or Python
 * literal) whose elements have a `name`. Returns undefined when there is none.
 * The work stays linear in the prompt's length (text like `[{[{[{…}]}]}]` would otherwise be
 * scanned and parsed once per bracket): after a candidate that parses as neither JSON nor a Python
 * literal the search goes on after its end, and at most MAX_CANDIDATES are tried. A candidate
 * that parses but is not a function list is still searched inside (it may hold one).
 */
export function functionsFromSystemPrompt(system: string): unknown[] | undefined {
  const re = /\[\s*\{/g;
  let tried = 0;
  for (let m = re.exec(system); m && tried < MAX_CANDIDATES; m = re.exec(system), tried++) {
    const end = matchingBracket(system, m.index);
    if (end < 0) return undefined;
    const body = system.slice(m.index, end);
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      try {
        value = parsePythonLiteral(body);
      } catch {
        re.lastIndex = end;
        continue;
      }
    }
    if (Array.isArray(value) && value.every((f) => typeof f === 'object' && f !== null && 'name' in f)) return value;
  }
  return undefined;
}
