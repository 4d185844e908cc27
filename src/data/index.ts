// The data layer's public surface, for train/, eval/, worker/, ui/ and snapshot/: dataset import
// (formats, detection, progress), the quality check, the Dexie database and dataset store,
// rendering and tokenization with segments, and length statistics.
// Never re-exports internals (record scanning, per-format helpers) that callers should not depend on.
export type { Call, CallSyntax, Example, FunctionSchema, JsonSchema, Message, ParseIssue, PossibleAnswer, Role, SourceFormat, Target } from './example.ts';
export { detectDatasetFileFormat, importDatasetFiles, yieldToEventLoop, type DatasetFile, type ImportedFile, type ImportOptions, type ImportProgress, type ImportResult } from './import-dataset.ts';
export { FORMAT_PARSERS, isSourceFormat, parserFor } from './formats/registry.ts';
export { formatIssue, RecordError, type ImportIssue } from './record-error.ts';
export { checkExample, QUALITY_RULES, reasoningPromiseOf, summarizeQuality, type QualityFailure, type QualityReport, type QualityRule, type ReasoningPromise } from './quality-check.ts';
export { DB_NAME, LATEST_DB_VERSION, StudioDb, type CheckpointRow, type DatasetRow, type ExampleRow, type HardCaseRow, type MetricRow, type RunRow } from './db.ts';
export {
  deleteDataset,
  describeDatasetDeletion,
  evalExamples,
  listDatasets,
  loadExampleRows,
  resplitDataset,
  saveDataset,
  setExampleIncluded,
  setExamplesIncluded,
  trainingExamples,
  type DatasetDeletionPlan,
  type SaveDatasetInput,
} from './dataset-store.ts';
export { applyInclusionChoice, failingBits, flaggedOnlyBy, parseRuleList, ruleBit, rulesBits, type InclusionChoice } from './inclusion.ts';
export { DEFAULT_SPLIT, splitOf, type SplitName, type SplitSettings } from './split.ts';
export { datasetFingerprint, exampleHash } from './fingerprint.ts';
export { loadTokenizer } from './tokenizer-load.ts';
export { renderExample, templateInput, type RenderedExample } from './chat-render.ts';
export { SEGMENT_CALL, SEGMENT_COT, SEGMENT_PROMPT, type SegmentId } from './token-segments.ts';
export { ExampleTooLongError, tokenizeDataset, tokenizeExample, type TokenizedExample, type TokenizeOptions } from './tokenize-example.ts';
export { histogram, lengthStats, type ExampleLength, type Histogram, type LengthStats } from './length-stats.ts';
export { formatCallsPython, formatCallsPython as formatPythonCalls } from './python/format.ts';
export { parsePythonCalls, parsePythonLiteral, PySyntaxError } from './python/call-syntax.ts';
