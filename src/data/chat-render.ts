// Renders an Example with the model's own chat template (transformers.js `apply_chat_template`
// with `tools`) and finds the character borders DESIGN.md's segment rule needs: the end of the
// final assistant header, the `<think>…</think>` span, and the end-of-turn token.
// Never writes template text of its own: the rendered text is exactly the template's output for
// the messages passed, and borders are found in that text, so a different model's template works
// the same way (or fails with a clear error naming the example).
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { bfclSystemPrompt, functionsFromSystemPrompt } from './bfcl-prompt.ts';
import type { Call, Example, Message } from './example.ts';
import { formatCallsPython, withPythonCalls } from './python/format.ts';
import { targetCalls, templateArguments, templatePrintsArgumentText, WholeFloatMarkers } from './whole-floats.ts';

export const THINK_OPEN = '<think>';
export const THINK_CLOSE = '</think>';

/** A message in the shape chat templates read (OpenAI style, plus Qwen3's `reasoning_content`). */
export interface TemplateMessage {
  role: string;
  content: string;
  tool_calls?: Array<{ type: 'function'; function: { name: string; arguments: Record<string, unknown> | string } }>;
  reasoning_content?: string;
  name?: string;
}

export interface TemplateInput {
  messages: TemplateMessage[];
  /** Tools in the OpenAI wrapper, or null in BFCL prompt mode (the system prompt lists them). */
  tools: Array<{ type: 'function'; function: Example['tools'][number] }> | null;
  /** What the rendered text's whole-float markers stand for (templateArguments). */
  markers: WholeFloatMarkers;
}

/** One assistant turn in the rendered text: [start,cotEnd) cot (empty when no <think>), [cotEnd,callEnd) call. */
interface TurnSpan {
  start: number;
  cotEnd: number;
  callEnd: number;
}

/** Character borders in the rendered text: [0,promptEnd) prompt, [promptEnd,cotEnd) cot, [cotEnd,callEnd) call, rest prompt.
 * Earlier assistant turns are prompt: a calling turn to learn is an example of its own (call-turns.ts). */
export interface RenderedExample {
  text: string;
  promptEnd: number;
  cotEnd: number;
  callEnd: number;
}

export class RenderError extends Error {
  constructor(exampleId: string, reason: string) {
    super(`example "${exampleId}": ${reason}`);
    this.name = 'RenderError';
  }
}

/** The template leaves the tools out of the prompt: a question typed with tools (studio generate)
 * has its own way out, calls asked as text, where a dataset's advice is to import it so. */
export class ToolsNotListedError extends RenderError {
  constructor(exampleId: string, readonly tool: string) {
    super(exampleId, `the model's chat template does not list the tools (${tool} is not in the prompt it renders); train this model on calls written as text: import the data in BFCL prompt mode, or use a model whose template takes tools`);
    this.name = 'ToolsNotListedError';
  }
}

/** How call arguments go to the template: `argumentText` when it prints a string argument as it
 * is, else marked (templateArguments). */
interface ArgumentWriting {
  argumentText: boolean;
  markers: WholeFloatMarkers;
}

function toolCalls(calls: Call[], { argumentText, markers }: ArgumentWriting): TemplateMessage['tool_calls'] {
  return calls.map((c) => ({ type: 'function', function: { name: c.name, arguments: templateArguments(c.arguments, argumentText, markers) } }));
}

/** Whether the template reads `reasoning_content` itself (Qwen3) or reasoning must go inline in `content`. */
export function templateReadsReasoning(tokenizer: PreTrainedTokenizer): boolean {
  const t = tokenizer.chat_template;
  return typeof t === 'string' ? t.includes('reasoning_content') : JSON.stringify(t ?? '').includes('reasoning_content');
}

function assistantMessage(content: string, calls: Call[] | undefined, reasoning: string | undefined, readsReasoning: boolean, writing: ArgumentWriting): TemplateMessage {
  const m: TemplateMessage = { role: 'assistant', content };
  if (calls?.length) m.tool_calls = toolCalls(calls, writing);
  if (reasoning !== undefined) {
    if (readsReasoning) m.reasoning_content = reasoning;
    else m.content = `${THINK_OPEN}\n${reasoning}\n${THINK_CLOSE}\n\n${content}`;
  }
  return m;
}

function promptMessage(m: Message, readsReasoning: boolean, python: boolean, writing: ArgumentWriting): TemplateMessage {
  if (m.role === 'assistant') {
    // In a Python-syntax example, earlier calls as native tool_calls would render as JSON
    // `<tool_call>` blocks in the prompt while the target answers `[f(a=1)]`: one conversation
    // teaching two call syntaxes, and not the one the BFCL prompt asks for.
    // Its whole floats written 5.0, as the dataset wrote them and HF's template renders them.
    const calls = m.calls && targetCalls({ calls: m.calls, wholeFloats: m.wholeFloats });
    if (python && calls?.length) return assistantMessage(withPythonCalls(m.content, calls), undefined, m.reasoning, readsReasoning, writing);
    return assistantMessage(m.content, calls, m.reasoning, readsReasoning, writing);
  }
  const out: TemplateMessage = { role: m.role, content: m.content };
  if (m.name) out.name = m.name;
  return out;
}

/**
 * The template input for an example. Python-syntax targets (FunReason/BalanceSFT, BFCL prompt mode)
 * are rendered as text `[f(a=1)]`, and so are earlier assistant turns' calls, with the functions
 * listed in the system prompt and no native tools;
 * JSON targets become native `tool_calls` with `tools` passed to the template.
 */
/** `argumentText`: the template prints a call's arguments given as a string as they are
 * (templatePrintsArgumentText), so whole floats of the target can be written `5.0` that way;
 * otherwise they go in marked, and `render` writes them. */
export function templateInput(example: Example, readsReasoning: boolean, argumentText = false): TemplateInput {
  const python = example.target.callSyntax === 'python';
  const writing: ArgumentWriting = { argumentText, markers: new WholeFloatMarkers(example) };
  const messages = example.messages.map((m) => promptMessage(m, readsReasoning, python, writing));
  if (python && !(messages[0]?.role === 'system' && functionsFromSystemPrompt(messages[0].content))) {
    const sys = bfclSystemPrompt(example.tools);
    if (messages[0]?.role === 'system') messages[0] = { ...messages[0], content: `${messages[0].content}\n\n${sys}` };
    else messages.unshift({ role: 'system', content: sys });
  }
  const { target } = example;
  const calls = targetCalls(target);
  let content = target.content ?? '';
  if (python && calls.length) content = withPythonCalls(content, calls);
  else if (python && content === '') content = formatCallsPython([]); // "[]": no function applies
  messages.push(assistantMessage(content, python ? undefined : calls, target.reasoning ?? (readsReasoning ? '' : undefined), readsReasoning, writing));
  return { messages, tools: python ? null : example.tools.map((t) => ({ type: 'function', function: t })), markers: writing.markers };
}

/**
 * The date templates that write one (Llama 3.x: "Today Date: …" from `strftime_now`, in the
 * runtime's locale) are given: Llama's own fallback. Today's date would change the tokens between
 * a run and its resumption the next day, between training and a later evaluation, and between a
 * German browser ("Dez.") and the CLI ("Dec").
 */
const TEMPLATE_DATE = '26 Jul 2024';

function render(tokenizer: PreTrainedTokenizer, input: TemplateInput, messages: TemplateMessage[], addGenerationPrompt: boolean): string {
  // Keys beyond its options reach the template as variables (transformers.js passes them on; its
  // option type does not list them, so they go in as a variable, not a literal).
  const options = { tools: input.tools?.length ? input.tools : null, tokenize: false as const, add_generation_prompt: addGenerationPrompt, date_string: TEMPLATE_DATE };
  const text = tokenizer.apply_chat_template(messages, options) as string;
  return input.markers.write(text);
}

export function endOfTurnToken(tokenizer: PreTrainedTokenizer): string {
  const eos = tokenizer.eos_token;
  if (typeof eos !== 'string' || eos === '') throw new Error('tokenizer_config.json has no eos_token, so the end of the assistant turn cannot be found');
  return eos;
}

/**
 * The assistant turn that starts after messages[0..k): its start is where the template's own
 * generation prompt for that prefix ends, its end the next end-of-turn token.
 */
function locateTurn(tokenizer: PreTrainedTokenizer, input: TemplateInput, text: string, k: number, exampleId: string): TurnSpan {
  const prompt = render(tokenizer, input, input.messages.slice(0, k), true);
  if (!text.startsWith(prompt)) {
    throw new RenderError(exampleId, `the chat template renders the conversation differently once assistant turn ${k} is added; its prompt border cannot be found`);
  }
  const start = prompt.length;
  let cotEnd = start;
  if (text.startsWith(THINK_OPEN, start)) {
    const close = text.indexOf(THINK_CLOSE, start);
    if (close < 0) throw new RenderError(exampleId, 'rendered <think> is never closed');
    // An empty block (Qwen3 writes `<think>\n\n</think>` for an answer without reasoning) is the
    // answer's format, not reasoning: as cot its few template tokens would be SSB's whole reasoning
    // loss on data that has none, and α (0.7 at the start) would weigh them against the call.
    if (text.slice(start + THINK_OPEN.length, close).trim() !== '') cotEnd = close + THINK_CLOSE.length;
  }
  const eos = endOfTurnToken(tokenizer);
  const eot = text.indexOf(eos, cotEnd);
  if (eot < 0) throw new RenderError(exampleId, `no end-of-turn token ${eos} after assistant turn ${k}`);
  return { start, cotEnd, callEnd: eot + eos.length };
}

/** Any failure while rendering names the example: a template error alone ("Cannot convert to JSON")
 * does not say which of 400,000 examples caused it. */
function namingExample<T>(example: Example, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof RenderError) throw err;
    throw new RenderError(example.id, `cannot be rendered with the chat template: ${(err as Error).message}`);
  }
}

export function renderExample(tokenizer: PreTrainedTokenizer, example: Example): RenderedExample {
  return namingExample(example, () => renderExampleUnnamed(tokenizer, example));
}

/** The conversation before the target, as the template writes it asking for a reply: the prompt
 * evaluation and HDR sampling give the model, rendered the way training's prompt border is. */
export function renderGenerationPrompt(tokenizer: PreTrainedTokenizer, example: Example): string {
  return namingExample(example, () => {
    const input = templateInput(example, templateReadsReasoning(tokenizer), templatePrintsArgumentText(tokenizer.chat_template));
    // templateInput appends the target assistant turn last; the prompt is everything before it.
    const messages = input.messages.slice(0, -1);
    if (messages.length === 0) throw new RenderError(example.id, 'no messages before the target turn, nothing to prompt with');
    const prompt = render(tokenizer, input, messages, true);
    if (example.target.callSyntax !== 'python') requireToolsListed(example, prompt);
    return prompt;
  });
}

/** A template that ignores `tools` (plain ChatML) asks for calls to functions the model never sees. */
function requireToolsListed(example: Example, prompt: string): void {
  const unseen = example.tools.find((t) => !prompt.includes(t.name));
  if (unseen) throw new ToolsNotListedError(example.id, unseen.name);
}

function renderExampleUnnamed(tokenizer: PreTrainedTokenizer, example: Example): RenderedExample {
  const input = templateInput(example, templateReadsReasoning(tokenizer), templatePrintsArgumentText(tokenizer.chat_template));
  const text = render(tokenizer, input, input.messages, false);
  // The prompt is what the template writes for the same conversation asking for a reply.
  const target = locateTurn(tokenizer, input, text, input.messages.length - 1, example.id);
  // A template that ignores `tools` / `tool_calls` (plain ChatML) renders neither: the example would
  // teach the model to answer with nothing. Python-syntax calls are text, so they always render.
  if (example.target.callSyntax !== 'python') {
    const answer = text.slice(target.start, target.callEnd);
    const lost = example.target.calls.find((c) => !answer.includes(c.name));
    if (lost) throw new RenderError(example.id, `the model's chat template does not write tool calls (the call to ${lost.name} is not in what it renders); train this model on calls written as text: import the data in BFCL prompt mode, or use a model whose template takes tools`);
    requireToolsListed(example, text.slice(0, target.start));
    // Llama 3.x's template writes a turn with tool_calls as the call alone, leaving out its content,
    // where the reasoning goes inline: the example would train the call with no reasoning term.
    if (example.target.reasoning?.trim() && target.cotEnd === target.start) {
      throw new RenderError(example.id, "the model's chat template does not write the reasoning of an answer with tool calls (no <think> block in what it renders); train this model on calls written as text: import the data in BFCL prompt mode, or use a model whose template keeps it");
    }
  }
  return { text, promptEnd: target.start, cotEnd: target.cotEnd, callEnd: target.callEnd };
}
