// Public API of src/eval/: reading calls out of generated text, writing calls in Python-call
// syntax, and checking calls against BFCL ground truth. Evaluation runs (with the model engine)
// and HDR's quality gate import from here, never from the files behind it.
export { readAnswer } from './read-answer.ts';
export { besideBaseText, type BesideAnswer } from './besideBase.ts';
export { parseGeneratedCalls, type ParsedGeneration, type CallParseError, type CallParseErrorKind, type GeneratedCallFormat } from './parse-generated-calls.ts';
export { parsePythonCalls, parsePythonLiteral, looksLikePythonCalls, PySyntaxError } from '../data/python/call-syntax.ts';
export { formatCallsPython, formatPythonValue, pythonStringRepr } from '../data/python/format.ts';
export { astCheck, categoryKind, errorsText, type AstCheckInput, type AstCheckResult, type AstCheckError, type AstCategoryKind } from './ast-checker.ts';
export { checkGeneratedOutput, type GenerationCheckInput, type GenerationCheckResult } from './check-generation.ts';
export { standardizeString } from './python-values.ts';
export {
  parseBfclQuestions,
  parseBfclAnswers,
  parsePredictions,
  decodedCallsFromJson,
  categoryFromFileName,
  categoryFromId,
  type BfclQuestion,
  type BfclPrediction,
} from './bfcl-files.ts';
export { possibleAnswerFromCalls, categoryForCalls, groundTruthOf } from './ground-truth.ts';
export { bindGenerator, type FinishReason, type GeneratedSequence, type GenerateFn, type ModelGenerate, type SamplingSettings } from './generator.ts';
export {
  checkAnswer,
  checkPrediction,
  withEndingHint,
  evaluateExamples,
  formatEvalSummary,
  summarizePredictions,
  withEarlierPredictions,
  type CategoryTally,
  type EvalOptions,
  type EvalReport,
  type EvalSummary,
  type ModelAccess,
  type Prediction,
} from './evaluate.ts';
export { cutOffNote, tooLongNote } from './summaryNotes.ts';
export { stableText, tokenizerModelAccess } from './model-access.ts';
export { bfclScore, formatBfclScore, BFCL_HALLUCINATION, BFCL_LIVE, BFCL_NON_LIVE, type BfclBucket, type BfclScore } from './bfcl-score.ts';
export { answerComparisonText, compareAnswers, type AnswerComparison } from './compareAnswers.ts';
