// Ground truth for examples that carry target calls but no BFCL possible_answer (most training
// sets): the accepted-values form the AST checker wants, and the BFCL category the call shape
// implies. Used by evaluation runs and HDR's quality gate. Owns only these two derivations;
// never checks anything itself.
import { canonicalJson } from '../data/fingerprint.ts';
import type { Call, Example, FunctionSchema, PossibleAnswer } from '../data/example.ts';
import { targetCalls } from '../data/whole-floats.ts';

/**
 * `[{name, arguments}]` → `[{name: {arg: [value]}}]`: each given argument is the one accepted
 * value, and an argument the target left out is not expected (the checker then flags it as
 * unexpected if the model adds it). Strings are still compared after BFCL's normalisation.
 */
export function possibleAnswerFromCalls(calls: Call[]): PossibleAnswer {
  return calls.map((call) => ({
    [call.name]: Object.fromEntries(Object.entries(call.arguments).map(([arg, value]) => [arg, [value]])),
  }));
}

/**
 * BFCL's category for a target: no call → irrelevance; one call → simple (one tool offered) or
 * multiple (several); several calls → parallel (all to the only tool) or parallel_multiple.
 */
export function categoryForCalls(tools: FunctionSchema[], calls: Call[]): 'simple' | 'multiple' | 'parallel' | 'parallel_multiple' | 'irrelevance' {
  if (calls.length === 0) return 'irrelevance';
  if (calls.length === 1) return tools.length > 1 ? 'multiple' : 'simple';
  return tools.length === 1 && calls.every((c) => c.name === tools[0].name) ? 'parallel' : 'parallel_multiple';
}

/** The possible answer and category to check an example's generations against. */
export function groundTruthOf(example: Pick<Example, 'tools' | 'target' | 'possibleAnswer' | 'category'>): { possibleAnswer: PossibleAnswer; category: string } {
  return {
    // With its whole floats boxed, a stored target is held to BFCL's rule: [90.0, 80.0] wants floats.
    possibleAnswer: example.possibleAnswer ?? possibleAnswerFromCalls(targetCalls(example.target)),
    category: example.category ?? categoryForCalls(example.tools, example.target.calls),
  };
}

/**
 * A short key of what an answer is judged against (the possible answers and the category, whole
 * floats told from ints): two evaluations of an example whose keys differ judged its answers
 * against different expected answers (its label was edited between them), so a verdict that
 * changed says nothing of the model. Two FNV-1a passes, 16 hex digits: a key, not a secret.
 */
export function groundTruthKey(truth: { possibleAnswer: PossibleAnswer; category: string }): string {
  return shortKey(canonicalJson([truth.category, truth.possibleAnswer]));
}

/** 16 hex digits of `text`: two FNV-1a passes. */
export function shortKey(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
