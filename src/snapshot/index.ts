// The snapshot layer's public API (DESIGN.md "Snapshots"): run snapshot zips, share links, and
// their storage in Dexie. The UI imports from here only; internals (zip reader, validator) stay private.
export { SnapshotError } from './validate.ts';
export { SHARE_LIMITS, SNAPSHOT_ZIP_LIMITS, type ZipLimits } from './limits.ts';
export {
  RUN_JSON_FILE,
  RUN_SCHEMA,
  specSummary,
  validateRunJson,
  type EvalPoint,
  type EvaluationSummary,
  type HdrRoundSummary,
  type MetricPoint,
  type ModelSpecSummary,
  type RunJson,
} from './run-json.ts';
export { CHECKPOINT_FILE, exportSnapshot, importSnapshot, type AdapterFiles, type ImportedSnapshot, type ImportOptions, type SnapshotInput } from './snapshot-file.ts';
export { DATASET_FILE } from './dataset-jsonl.ts';
export { CURVE_NAMES, decodeShareLink, encodeShareLink, SHARE_PREFIX, SHARE_SCHEMA, shareSummaryFromRun, type CurveName, type ShareSummary } from './share-link.ts';
export { downsampleCurve, type Curve } from './downsample.ts';
export { exportRunSnapshot, openedBefore, saveImportedSnapshot, snapshotFromDb, type ImportMode, type SnapshotFromDbOptions, type SnapshotRunRow } from './snapshot-db.ts';
