// A generated answer read as the Playground and `studio generate` show it: its reasoning, and its
// calls as the model wrote them, or why they do not parse.
import type { Target } from '../data/example.ts';
import { unboxCalls } from '../data/whole-floats.ts';
import { withEndingHint } from './evaluate.ts';
import { parseGeneratedCalls } from './parse-generated-calls.ts';

/** A generated answer's reasoning and calls as it wrote them (`5.0` kept where it wrote one), and why
 * its calls do not parse, with what ended the answer where that is the likely cause. */
export function readAnswer(text: string, finishReason: string): { reasoning?: string; calls: Target['calls']; wholeFloats?: Target['wholeFloats']; parseError?: string } {
  const parsed = parseGeneratedCalls(text, { keepFloats: true });
  const { calls, wholeFloats } = unboxCalls(parsed.calls);
  return { reasoning: parsed.reasoning, calls, ...(wholeFloats.length && { wholeFloats }), ...(parsed.error && { parseError: withEndingHint(parsed.error.message, finishReason, true) }) };
}
