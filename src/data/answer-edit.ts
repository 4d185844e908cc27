// An example's expected answer, edited by hand: datasets of tool calls have wrong labels (a wrong
// argument, a call to the wrong function), and the evaluation then counts a right answer wrong.
// The editor shows the answer as it trains, the calls in the example's own syntax (a JSON list, or
// `[f(a=1)]` for a Python-syntax example) with whole floats written 5.0; what the user writes back
// is read by the parser that reads a model's answers, so an answer that reads as a model's would is
// exactly what is stored. Owns the draft and its reading; never stores (dataset-store.ts does).
import type { Example, Target } from './example.ts';
import { categoryKind } from '../eval/ast-checker.ts';
import { categoryForCalls } from '../eval/ground-truth.ts';
import { canonicalJson } from './fingerprint.ts';
import { parseGeneratedCalls } from '../eval/parse-generated-calls.ts';
import { formatCallsPython } from './python/format.ts';
import { argumentsJson, targetCalls, unboxCalls } from './whole-floats.ts';

/** The answer as the editor's boxes hold it. */
export interface AnswerDraft {
  reasoning: string;
  calls: string;
  content: string;
}

/** A draft that cannot be the example's answer: the message says what to change, in the boxes' words. */
export class AnswerEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnswerEditError';
  }
}

/** The target in the editor's boxes: its calls as the dataset writes them (one JSON object a line
 * in a list, or the Python list), empty for an answer that calls nothing. */
export function answerDraft(target: Target): AnswerDraft {
  const calls = targetCalls(target);
  let text = '';
  // A Python-syntax answer that calls nothing is "[]", as it trains.
  if (target.callSyntax === 'python') text = calls.length || !target.content ? formatCallsPython(calls) : '';
  else if (calls.length) text = `[\n${calls.map((c) => `  {"name": ${JSON.stringify(c.name)}, "arguments": ${argumentsJson(c.arguments)}}`).join(',\n')}\n]`;
  return { reasoning: target.reasoning ?? '', calls: text, content: target.content ?? '' };
}

/** A model's answer as a draft of the expected one (the model was right and the label wrong): its
 * reasoning, its calls written as the example writes calls (whole floats as the model wrote them),
 * and its text; null when its calls do not read (nothing to propose). */
export function answerDraftFromOutput(output: string, callSyntax: Target['callSyntax']): AnswerDraft | null {
  const parsed = parseGeneratedCalls(output, { keepFloats: true });
  if (parsed.error) return null;
  const { calls, wholeFloats } = unboxCalls(parsed.calls);
  const target: Target = { calls, ...(wholeFloats.length && { wholeFloats }), ...(parsed.content && { content: parsed.content }), ...(callSyntax && { callSyntax }) };
  return { ...answerDraft(target), reasoning: parsed.reasoning ?? '' };
}

/** Tags the rendering writes around reasoning and calls: inside a box's text they would end it early. */
const TAGS = ['<think>', '</think>', '<tool_call>', '</tool_call>'];

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
}

/**
 * The target a draft gives: its calls read as a model's answer is read (whole floats kept, BFCL's
 * rules: positional arguments refused rather than dropped), its reasoning and text as typed, the
 * example's call syntax kept. A box left as the draft showed it keeps the stored value exactly.
 * Throws AnswerEditError saying what to change.
 */
export function editedTarget(before: Target, draft: AnswerDraft): Target {
  const shown = answerDraft(before);
  for (const [box, text] of [['reasoning', draft.reasoning], ['answer text', draft.content]] as const) {
    const tag = TAGS.find((t) => text.includes(t));
    if (tag) throw new AnswerEditError(`the ${box} holds ${tag}: the studio writes those tags itself; leave them out`);
  }
  const target: Target = { calls: [] };
  if (draft.calls === shown.calls) {
    target.calls = before.calls;
    if (before.wholeFloats?.length) target.wholeFloats = before.wholeFloats;
  } else if (draft.calls.trim() !== '' && draft.calls.trim() !== '[]') {
    const parsed = parseGeneratedCalls(draft.calls, { keepFloats: true });
    if (parsed.error) throw new AnswerEditError(`the calls could not be read: ${parsed.error.message}`);
    if (parsed.reasoning !== undefined) throw new AnswerEditError('the calls box holds reasoning: put it in the reasoning box, without <think>');
    if (parsed.format === 'text') throw new AnswerEditError(`the calls box holds no call ("${clip(draft.calls)}"): write them as a JSON list, [{"name": "f", "arguments": {"a": 1}}], or as [f(a=1)]; leave it empty for an answer that calls nothing`);
    if (parsed.content) throw new AnswerEditError(`the calls box holds text besides the calls ("${clip(parsed.content)}"): put words for the user in the answer text box`);
    if (parsed.ignored?.length) throw new AnswerEditError(`in the calls box, ${parsed.ignored.join('; ')}: name each argument, f(a=1), not f(1)`);
    const { calls, wholeFloats } = unboxCalls(parsed.calls);
    target.calls = calls;
    if (wholeFloats.length) target.wholeFloats = wholeFloats;
  }
  // Reasoning left empty where the dataset had none stays absent (the template writes no <think>).
  if (draft.reasoning === shown.reasoning) {
    if (before.reasoning !== undefined) target.reasoning = before.reasoning;
  } else if (draft.reasoning !== '' || before.reasoning !== undefined) target.reasoning = draft.reasoning;
  const content = draft.content === shown.content ? before.content : draft.content;
  if (content !== undefined && content.trim() !== '') target.content = content;
  if (before.callSyntax) target.callSyntax = before.callSyntax;
  // A Python-syntax answer of no call trains as "[]" (no function applies); a JSON one would be silence.
  if (!target.calls.length && target.content === undefined && target.callSyntax !== 'python') throw new AnswerEditError('the answer is empty: give its calls, or the text of an answer that calls nothing');
  return target;
}

/**
 * The example with `target` as its answer, judged against it: where its calls changed, BFCL's
 * possible answers (alternatives the dataset listed for the old calls) give way to the new calls,
 * and a category of another kind than the new calls' (one call where there were two) is the new
 * calls' own; a reasoning- or text-only edit keeps both.
 */
export function editedExample(example: Example, target: Target): Example {
  const callsOf = (t: Target) => canonicalJson([t.calls, t.wholeFloats ?? []]);
  if (callsOf(target) === callsOf(example.target)) return { ...example, target };
  const { possibleAnswer: _alternatives, ...rest } = example;
  const out: Example = { ...rest, target };
  if (example.category !== undefined) {
    const now = categoryForCalls(example.tools, target.calls);
    let sameKind = false;
    try {
      sameKind = categoryKind(example.category) === categoryKind(now);
    } catch {
      // A category the AST checker does not judge (java, exec): the new calls' own is one it does.
    }
    if (!sameKind) out.category = now;
  }
  return out;
}
