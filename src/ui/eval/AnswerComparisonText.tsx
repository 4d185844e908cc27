// One evaluation's answers beside another's, answer by answer, in words (eval/compareAnswers.ts):
// the Evaluation panel sets an evaluation beside the one it chooses, the Runs panel's comparison
// two runs' newest evaluations.
import { answerComparisonText, compareAnswers } from '../../eval/compareAnswers.ts';
import { useEvalPredictions } from '../../state/datasetViews.ts';
import type { Prediction } from '../../state/queries.ts';

/** `answers`: this evaluation's (null while they are read, or where `error` says why they could
 * not be); `otherId`: the evaluation set beside it, named `there`. */
export function AnswerComparisonText({ answers, error, otherId, there }: { answers: Prediction[] | null; error?: string | null; otherId: string; there: string }) {
  const theirs = useEvalPredictions(otherId);
  if (!answers || !theirs.value) return <p className="muted">{error ?? theirs.error ?? 'Reading the answers…'}</p>;
  return <p data-testid="eval-compare-answers">{answerComparisonText(compareAnswers(answers, theirs.value), there)}</p>;
}
