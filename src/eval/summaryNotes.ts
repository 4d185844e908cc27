// What an evaluation's summary adds in words about the answers it did not score whole: the examples
// not asked, and the answers the token limit cut off; and how its answers after earlier calls fared.
// The page, the CLI and the reports say them alike.
import type { CategoryTally, EvalSummary } from './evaluate.ts';

/** Why some examples were not asked, in words, or null when every one was. */
export function tooLongNote(s: Pick<EvalSummary, 'tooLong'>, maxNewTokens?: number, maxPositions?: number): string | null {
  const n = s.tooLong ?? 0;
  if (n === 0) return null;
  const context = maxPositions ? `the model's ${maxPositions.toLocaleString('en-US')}-token context` : "the model's context";
  return `${n} example${n === 1 ? ' was' : 's were'} not asked: ${n === 1 ? 'its prompt' : 'their prompts'} and the answer's ${maxNewTokens ?? 'max new'} tokens pass ${context} (not counted in the accuracy)`;
}

/** How many answers stopped at the token limit, in words, or null when none did. `limit`: the
 * limit as the reader sets it: the forms' "Max new tokens" field, or the CLI's --max-tokens flag.
 * `noun`: what the answers are to the reader (HDR's samples are "sampled answers"). */
export function cutOffNote(s: Pick<EvalSummary, 'finishReasons' | 'total'>, limit = 'Max new tokens', noun = 'answer'): string | null {
  const n = s.finishReasons.length ?? 0;
  if (n === 0) return null;
  return `${n} of ${s.total} ${noun}${s.total === 1 ? '' : 's'} stopped at the ${limit} limit; raise it if ${n === 1 ? `that ${noun} was` : 'they were'} cut off mid-answer`;
}

/** The answers after earlier calls beside the others, in words (the CLI's summary and the studio's). */
export function byStepText(s: NonNullable<EvalSummary['byStep']>): string {
  const pct = (t: CategoryTally) => (t.total === 0 ? 'none asked' : `${(100 * t.accuracy).toFixed(1)}% (${t.correct}/${t.total})`);
  return `by step: later steps (answers after earlier calls in their conversation) ${pct(s.afterCalls)}; first steps ${pct(s.first)}`;
}

/** The answers to questions also asked in training beside the others, in words (the CLI's summary
 * and the studio's): the second is the accuracy on questions the model never trained on. */
export function askedText(s: NonNullable<EvalSummary['asked']>): string {
  const pct = (t: CategoryTally) => (t.total === 0 ? 'none asked' : `${(100 * t.accuracy).toFixed(1)}% (${t.correct}/${t.total})`);
  const trained = `questions also asked in training (the same conversation and tools, whose answer the model trained on) ${pct(s.inTraining)}`;
  // "questions not asked in training none asked" said nothing a reader could use.
  if (s.notInTraining.total === 0) return `${trained}: every question evaluated is one a training example asks, so none measures the task apart from what the model remembers`;
  return `${trained}; questions not asked in training ${pct(s.notInTraining)}`;
}

