// One checked answer as the JSON line `studio eval --out` writes (and HDR mining, and the studio's
// download of an evaluation's answers): what `studio eval --against`, `studio push --eval` and a
// notebook read back.
import { errorsText } from './ast-checker.ts';
import type { Prediction } from './evaluate.ts';

/** One prediction as a JSON line (the format `studio eval` and HDR mining have always written); its
 * error holds every reason, as `studio ast-check` writes it (a parallel "no match" alone said nothing). */
export function predictionLine(p: Prediction, errorWords: (message: string) => string = (m) => m): string {
  const error = errorsText(p.errors);
  return JSON.stringify({
    id: p.exampleId, category: p.category, valid: p.valid, error_type: p.errors[0]?.rule, error: error === undefined ? undefined : errorWords(error),
    finish_reason: p.finishReason, generated_tokens: p.generatedTokens, output: p.output,
    // A later step of a task (its prompt holds earlier calls): a pushed card counts them apart.
    ...(p.afterCalls && { after_calls: true }),
    // Its question is also a training example's: the studio and the CLI count such answers apart.
    ...(p.askedInTraining && { asked_in_training: true }),
    // What it was judged against: a comparison with another file leaves out examples relabeled between them.
    ...(p.expected !== undefined && { expected: p.expected }),
  });
}

