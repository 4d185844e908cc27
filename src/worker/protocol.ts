// The typed message protocol between the page and the GPU worker, defined once and imported by
// both sides (WebLLM style): requests carry an id; the worker answers each with `return` or
// `throw`, may send `progress` for it, and sends `event`s (metrics, status) at any time.
// The page does its engine work (training, evaluation, HDR, dataset import, snapshots, zips,
// tokenizing) and every write to IndexedDB through these requests; it reads the tables itself
// (src/state/queries.ts). The types a request or answer mentions are re-exported here, with the
// defaults a request is filled from, so the page needs no engine module.
import type { AdapterSummary, LimitName, OptionalFeature } from '../gpu/context.ts';
import type { MemoryPlan, TrainShape } from '../model/memory-plan.ts';
import type { DecodeShape } from '../model/decoding.ts';
import type { ModelSpec } from '../model/config.ts';
import type { EvalMetrics, StepMetrics } from '../train/trainer.ts';
import type { SplitSettings } from '../data/split.ts';
import type { RunConfig } from '../train/config.ts';
import type { RunStatus } from '../data/db.ts';
import type { Call, Example, FunctionSchema, Message, SourceFormat } from '../data/example.ts';
import type { ImportedFile } from '../data/import-dataset.ts';
import type { DatasetDeletionPlan, SamplesJudgedAgain } from '../data/dataset-store.ts';
import type { AnswerDraft } from '../data/answer-edit.ts';
export type { AnswerDraft };
import type { HubPushResult } from '../export/hubPush.ts';
// The page's words for a push's README are the CLI's.
export { readmeOutcomeText } from '../export/hubReadme.ts';
import type { HubDatasetListing } from '../data/hub-dataset.ts';
export type { HubDatasetListing };
import type { ExampleFit, LengthStats, TruncationReport } from '../data/length-stats.ts';
import type { ExportCheckFailure, ExportCheckReport } from '../export/verifyExport.ts';
import type { BfclBucket, BfclScore, EvalSummary } from '../eval/index.ts';
import type { CutShortRound, HdrSettings } from '../hdr/index.ts';
import type { ImportMode } from '../snapshot/snapshot-db.ts';
import type { ProgressInfo } from '../jobs/context.ts';
import type { TokenLossStrip } from '../jobs/tokenLoss.ts';
import type { NothingToTrainCause, TrainOutcome } from '../jobs/train.ts';
import type { AblationArmResult, AblationBaseResult, AblationPoint, AblationResult } from '../jobs/ablate.ts';
import type { AblationConfig } from '../jobs/ablationConfig.ts';
import type { ModelSource } from './modelSource.ts';
import type { GenerateRequest, GenerateResult } from './playground.ts';

export type { AdapterSummary, BfclBucket, BfclScore, Call, DatasetDeletionPlan, EvalMetrics, EvalSummary, Example, ExportCheckFailure, ExportCheckReport, FunctionSchema, GenerateRequest, GenerateResult, HdrSettings, ImportedFile, ImportMode, Message };
export type { DecodeShape, ExampleFit, LengthStats, TruncationReport, MemoryPlan, ModelSource, ModelSpec, ProgressInfo, RunConfig, RunStatus, SourceFormat, StepMetrics, TokenLossStrip, TrainShape };
export type { AblationArmResult, AblationBaseResult, AblationConfig, AblationPoint, AblationResult, NothingToTrainCause };
/** Defaults a request is filled from, and the LoRA target names (plain data). */
export { balanceSettingsOf, configMessageIn, DEFAULT_RUN_CONFIG, validateRunConfig, validateRunConfigFor } from '../train/config.ts';
export { DEFAULT_SPLIT, EXAMPLE_SPLIT, HELD_OUT_PERCENT, heldOutPercent, heldOutPercentProblem, sameSplit, splitKey, splitText, type SplitSettings } from '../data/split.ts';
export { runInfoProblem } from '../jobs/store/runInfo.ts';
export { RUN_JSON_LIMITS } from '../snapshot/limits.ts';
export { DEFAULT_HDR_SETTINGS } from '../hdr/settings.ts';
export { unseenTokensText, type UnseenTokens } from '../model/unseenTokens.ts';
export { EMBEDDED_MODEL_REF, modelRefWords } from '../model/model-ref.ts';
import type { UnseenTokens } from '../model/unseenTokens.ts';
export { DEFAULT_DECODE, decodeStepsAfterFirst, decodeTokensPerSecond } from '../model/decoding.ts';
export { hdrStopText, hdrStoppedText, hdrTotals, hdrTotalsText, interruptedWhy, noRoundsText, roundAccuracyText, roundCancelledText, roundCutOffText, roundNotes, roundSkippedText } from '../hdr/stopReason.ts';
export { DATASET_FILES_TEXT, datasetFileStem, nonDatasetFiles, notADataset } from '../data/fileKinds.ts';
export { tooLongNote } from '../eval/summaryNotes.ts';
export { examplesDoneText } from '../jobs/progressWords.ts';
export { runLockReleased, runsTrainingNow, unlessModelInUse } from './runLock.ts';
export { plural } from '../data/plural.ts';
/** The GPU layer's out-of-memory advice (the forms' fields to lower), which a page message about a
 * job those fields do not size replaces with its own. */
export { OUT_OF_MEMORY_ADVICE } from '../gpu/errors.ts';
export { failedWhen, rescheduledStep, trainOnProblem } from '../train/runWords.ts';
export { trainingSetChange } from '../train/trainingSetChange.ts';
export { LORA_TARGETS, type LoraSettings, type LoraTarget } from '../model/lora.ts';
export { BALANCE_DEFAULTS, BALANCE_RULES, defaultBalanceLr, type BalanceRule } from '../train/balance.ts';
export { alphaChangeText, alphaPath, alphaSwingShort, alphaSwingText, type AlphaPath } from '../train/alphaPath.ts';
export { trainedOnLoaded } from '../model/model-ref.ts';
export { MAX_SEED, seedProblem } from '../model/random.ts';
export { baseEvalOfSameExamples, isFinishedEval, scoresAdapter, type EvalGguf } from '../hdr/store.ts';
export { predictionLine } from '../eval/predictionLine.ts';
export { ABLATION_EVAL_LIMIT, ablationArms, ablationWorkText, ablationOfArm, ARM_OF, BASE_MODEL, defaultAblationConfig, validateAblationConfig } from '../jobs/ablationConfig.ts';
export { hdrRetrainConfig } from '../jobs/hdrRetrain.ts';
export { ablationVerdict, alphaCell, alphaStartText, ARM_COLORS, BASE_MODEL_NOTE, datasetChangedNote, failureRules, hasAskedInTraining, hasLaterSteps, hdrArmSameAs, hdrArmsNote, hdrArmText, LATER_STEPS_NOTE, laterStepsText, loraText, NOT_IN_TRAINING_NOTE, notAskedNote, notInTrainingText, reportCategories, scoredRows, skippedNote, tallyText, vsSftIds, vsSftText } from '../jobs/ablationReport.ts';
/** What a sequence length does to a dataset's examples (DESIGN.md's length rule), from their fits. */
export { skippedAtLength, truncationReport } from '../data/length-stats.ts';
export { layoutPerToken } from '../train/batching.ts';
export { epochsOfSteps, epochsText, runLengthText, stepsForEpochs } from '../train/epochs.ts';
export type { ScheduleKind } from '../train/schedule.ts';

/** The dataset views' shapes and text helpers (the worker answers with them; the page renders them). */
export type { DatasetPlayground, DatasetSummary, ExampleListRow, ExamplePage, ExamplePageRequest, ExampleSelection, ExampleUse, InclusionChange, PlaygroundSample, PlaygroundSampleSummary } from './datasetBrowse.ts';
import type { DatasetPlayground, DatasetSummary, ExamplePage, ExamplePageRequest, ExampleSelection, InclusionChange } from './datasetBrowse.ts';
export { datasetTools, EXAMPLE_USES, heldOutSamples, lastUserMessage, searchableText } from './datasetBrowse.ts';
export { callText, targetCallTexts } from '../data/call-text.ts';
export { QUALITY_RULES, type QualityRule, type QualitySummary } from '../data/quality-check.ts';

export type { KernelPath } from '../ops/kernelPaths.ts';
import type { SelfTestResult } from '../ops/selfTest.ts';
import type { KernelPath } from '../ops/kernelPaths.ts';
import type { GgufExportType } from '../export/ggufExport.ts';
import type { EngineCheckReport } from '../export/engineCheck.ts';
export type { EngineCheckReport };
export type { GgufImportance } from './ggufExportJob.ts';
export { takesImportance } from '../export/ggufExportTypes.ts';
export { ggufFallbackText, type GgufTypeFallback } from '../export/ggufFallback.ts';
import type { GgufTypeFallback } from '../export/ggufFallback.ts';
export { divergenceWords } from '../export/heldOutDivergence.ts';
import type { GgufImportance } from './ggufExportJob.ts';

/** A Hub dataset's downloaded files kept in the browser (until its examples are stored, or the next
 * Hub import clears them); `inUse`: an import of some tab is reading them now. */
export interface DatasetDownload {
  repo: string;
  bytes: number;
  files: number;
  inUse: boolean;
}

export interface Capabilities {
  adapter: AdapterSummary;
  limits: Record<LimitName, number>;
  features: OptionalFeature[];
  /** Parameter count of the largest model the estimate says fits (bf16 weights + LoRA training). */
  largestModelParams: number;
  /** Small kernels run on this device and checked against the CPU. */
  selfTest: SelfTestResult;
  /** Which kernel each heavy op runs here, and why. */
  kernels: KernelPath[];
}

export interface ModelInfo {
  ref: string;
  architecture: string;
  family: string;
  parameters: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocabSize: number;
  dtype: string;
  tiedEmbeddings: boolean;
  /** The positions it was trained on: the longest sequence a run may use. */
  maxPositionEmbeddings: number;
  /** What its tokenizer and chat template count with (tokenizerFingerprint): the page's token
   * counts are re-read when it changes, even under the same model name. */
  tokenizer: string;
}

export interface AdapterFiles {
  configJson: string;
  /** adapter_model.safetensors bytes */
  weights: Uint8Array;
}

export interface HubPushRequest {
  runId: string;
  /** `gguf`: the GGUF file the page saved (`gguf`), of the run's model with its adapter merged. */
  what: 'adapter' | 'merged' | 'gguf';
  gguf?: { file: Blob; type: GgufExportType };
  /** `owner/name`, or `name` for one of the token's own user. */
  repo: string;
  /** A Hugging Face access token that may write; sent to the Hub only. */
  token: string;
  /** For a repo the push creates. */
  private: boolean;
  /** The Hub's address (tests serve one); huggingface.co when absent. */
  baseUrl?: string;
}

/** What any push that landed says: the repo, its commit, each file (`sent` false: the repo had its
 * bytes), and what became of its README (`kept`: the card beside the owner's own text). */
export type HubPushLanded = HubPushResult;

/** A run's push that landed, and the step the adapter is from (`adapterStep` < `runStep`: the run
 * failed after its newest checkpoint; a run that kept its best step has that step's as its own). */
export interface HubPushOutcome extends HubPushLanded {
  adapterStep: number;
  runStep: number;
}

export interface DatasetHubPushRequest {
  datasetId: string;
  /** `owner/name`, or `name` for one of the token's own user. */
  repo: string;
  /** A Hugging Face access token that may write; sent to the Hub only. */
  token: string;
  private: boolean;
  /** Only the examples training uses (the others are counted in the card, not pushed). */
  onlyIncluded: boolean;
  baseUrl?: string;
}

/** A dataset push that landed: how many examples went and how many stayed (left out of training). */
export interface DatasetHubPushOutcome extends HubPushLanded {
  examples: number;
  leftOut: number;
}

/** Which optional parts an exported snapshot holds (run.json is always there). */
export interface SnapshotHoldings {
  adapter: boolean;
  checkpoint: boolean;
  dataset: boolean;
}

export interface EvaluateRequest {
  datasetId: string;
  /** Answer with this run's adapter; none: the base model. */
  runId?: string;
  /** Examples of the dataset's eval split to answer (the first N). */
  limit: number;
  maxNewTokens: number;
  batchSize: number;
  /** Answer with this GGUF file's weights in place of the model's (its adapter merged in; `runId`:
   * the run it was exported from, whose adapter is then not applied again). */
  gguf?: { file: Blob; fileName: string };
}

export interface HdrRequest {
  datasetId: string;
  /** Start from this run's adapter; none: a fresh LoRA on the base model. */
  runId?: string;
  settings: HdrSettings;
  /** Train-split examples to mine hard cases from (the first N). */
  mineLimit: number;
  /** Eval-split examples for accuracy before/after each round (the first N; 0 skips it). */
  evalLimit: number;
}

export interface DatasetImportResult {
  /** The new dataset, or null when nothing could be imported (nothing was saved). */
  datasetId: string | null;
  files: ImportedFile[];
  /** Records that were not imported, each as one line naming the file, the line and the reason
   * (the first thousand; `issueCount` has them all). */
  issues: string[];
  issueCount: number;
  imported: number;
  /** The files held exactly the examples of this stored dataset (`datasetId`), which is named here;
   * nothing new was stored. */
  alreadyStoredAs?: string;
  /** With `alreadyStoredAs`: how many examples it uses or leaves out otherwise than the files' lines
   * say ("included"); it keeps its own choices. */
  choicesKept?: number;
  /** A stored dataset of the same examples split one by one (before splits went by question), by
   * name: the import is another dataset of them, split by question. */
  storedOneByOneAs?: string;
}

/** Where a Hub import's files came from: the revision (`refs/convert/parquet` for the Hub's Parquet
 * conversion), the files imported and the repo's other dataset files left out: by the user's choice
 * (`chosen`), or as other splits than train. */
export interface HubImportFacts {
  repo: string;
  revision: string;
  files: string[];
  leftOut: string[];
  chosen?: boolean;
  /** The files an earlier download had stored (an import cut short, cancelled or refused): not fetched again. */
  reused?: string[];
}

/** An example as the page shows it: its tokens' text, each with its segment (0 prompt, 1 CoT, 2 call). */
export interface ExampleTokens {
  tokenizer: string;
  pieces: Array<{ text: string; segment: number }>;
  counts: { prompt: number; cot: number; call: number };
}

export type ReasoningShare = Pick<LengthStats, 'meanCotPerExample' | 'meanCallPerExample' | 'callShare'>;

export interface DatasetLengths {
  tokenizer: string;
  stats: LengthStats;
  cot: number[];
  call: number[];
  /** Examples that could not be tokenized. */
  failed: number;
}

/** Request name → [payload, result]. */
export interface RequestMap {
  probe: [Record<string, never>, Capabilities];
  /** Opens (downloads if needed) and validates a model; the worker keeps it as the current model. */
  loadModel: [{ source: ModelSource }, ModelInfo];
  /** The current model's spec (plain data). */
  modelSpec: [Record<string, never>, { ref: string; spec: ModelSpec }];
  /** The memory plan of the current model for a training shape, against this device's limits. */
  planMemory: [TrainShape, MemoryPlan];
  /** Stores a new training run for the dataset on the current model (config validated first). */
  /** `startFrom`: a run whose adapter the new run trains on from (its LoRA settings replace the
   * config's), instead of a new LoRA adapter; it must hold one, of the loaded model. */
  createRun: [{ datasetId: string; config: RunConfig; name?: string; startFrom?: string }, { runId: string }];
  /** Trains run `runId` on the current model; resolves when the run ends (done, paused, stopped or
   * failed) with its final status. Resuming a read-only snapshot makes it trainable. */
  /** `steps`: an ended run trains on from its checkpoint to this many steps in all (trainOnProblem says when it cannot). */
  startRun: [{ runId: string; resume: boolean; steps?: number }, Pick<TrainOutcome, 'status' | 'step' | 'message' | 'nothingToTrain'>];
  pauseRun: [{ runId: string }, void];
  stopRun: [{ runId: string }, void];
  /** Renames a run, or sets its tags and notes (only what is given changes). */
  updateRunInfo: [{ runId: string; name?: string; tags?: string[]; notes?: string }, void];
  /** Removes a run with its metrics and checkpoints. */
  deleteRun: [{ runId: string }, void];
  /** The run's adapter from its newest checkpoint, in PEFT's file format. */
  exportAdapter: [{ runId: string }, AdapterFiles];
  /** The run's adapter merged into the loaded model, as a transformers.js ONNX folder zipped
   * (the file names listed), with the check report (logits vs our engine on onnxruntime-web),
   * also stored on the run row. */
  /** `zip`: the folder zipped, a Blob (sent by reference, not copied; the page saves it as it is).
   * `checkError`: why the check could not run, and on which side (the export is still returned). `adapterStep`: the
   * step of the checkpoint merged; `runStep`: the step the run reached (a failed run's is later).
   * `held`: whether the worker keeps it for the playground (not when its run was deleted meanwhile). */
  exportOnnx: [{ runId: string; dtype: 'fp32' | 'fp16' }, { zip: Blob; files: string[]; report: ExportCheckReport | null; checkError: ExportCheckFailure | null; adapterStep: number; runStep: number; held: boolean }];
  /** The run's adapter merged into the loaded model as one GGUF file (llama.cpp, Ollama, LM
   * Studio), a Blob the page saves as it is; `preTokenizer`: the llama.cpp tokenizer it names. */
  exportGguf: [
    /** `importance`: round a K-quant mix with an importance matrix of the run's training examples
     * (llama-quantize --imatrix; ignored by the other types). */
    { runId: string; type: GgufExportType; importance?: boolean },
    /** `bytesAs`: the file's size had it been written as each type (the studio offers them by size);
     * `fallbackAs`: of the types whose fallbacks store some matrices otherwise, which and why.
     * `importance`: the matrix it was rounded with, as llama-imatrix's file, and what it was collected over. */
    { file: Blob; bytes: number; preTokenizer: string; adapterStep: number; runStep: number; bytesAs: Record<GgufExportType, number>; fallbackAs: Partial<Record<GgufExportType, GgufTypeFallback>>; importance?: GgufImportance },
  ];
  /** A saved GGUF file (sent back by the page) run in this engine against the run's trained model;
   * `adapterStep`: the step of the checkpoint it was compared with. */
  checkGguf: [{ runId: string; file: Blob; fileName: string; type: GgufExportType }, { report: EngineCheckReport; adapterStep: number }];
  /** The run's adapter alone as a GGUF adapter file (llama.cpp's --lora, Ollama's ADAPTER). */
  exportGgufAdapter: [{ runId: string }, { file: Blob; bytes: number; adapterStep: number; runStep: number }];
  /** The run's adapter merged into the loaded model as a Hugging Face folder (safetensors in the
   * model's dtype, its config and tokenizer, a model card), zipped under `folder`; `merged`: the
   * weights the adapter was added to, `weightFiles`: the safetensors files (the model's shards). */
  exportMerged: [{ runId: string }, { zip: Blob; folder: string; files: string[]; dtype: 'bf16' | 'f16' | 'f32'; weightBytes: number; weightFiles: number; merged: number; adapterStep: number; runStep: number }];
  /** The run's PEFT adapter with a model card, or its merged model (the `exportMerged` folder),
   * pushed to a Hugging Face model repo as one commit, created when it is not there. */
  pushToHub: [HubPushRequest, HubPushOutcome];
  /** The runs whose ONNX export the worker holds for the playground (one at most). */
  heldOnnxExports: [Record<string, never>, string[]];
  /** Answers the dataset's eval examples with a run's adapter (or the base model), checks them with
   * the AST checker and stores an eval run with every prediction. Progress: examples done. */
  /** `aborted`: cancelled after `summary.total` of the `requested` examples (the summary covers those). */
  evaluate: [EvaluateRequest, { evalRunId: string; summary: EvalSummary; aborted: boolean; requested: number }];
  /** HDR: mine hard cases, then sample / gate / retrain round by round; rounds are stored as they end. */
  startHdr: [HdrRequest, { hdrRunId: string; stopReason: string; rounds: number; poolStart: number; added: number; cutShort?: CutShortRound }];
  /** The ablation (ablate.ts) of the dataset on the current model: a run row of kind `ablation` that
   * keeps its result after every arm, and each arm's runs. Progress names the arm and its phase.
   * `ending`: how it ended in words (ablationEndText), null when every arm finished. */
  startAblation: [{ datasetId: string; name: string; config: AblationConfig }, { ablationId: string; arms: number; stopped: boolean; ending: string | null }];
  /** An ablation's report as a zip (report.md, results.csv, the charts as PNG, ablation.json). */
  ablationReport: [{ runId: string }, { zip: Uint8Array; fileName: string }];
  /** A training run as a transformers + PEFT recipe zipped in one folder (src/recipe/recipe.ts): its
   * examples tokenized with the loaded model (which must be the run's), config, train.py and the
   * Accelerate configs. `notes`: what the export could not match (e.g. the dataset changed since). */
  exportRecipe: [{ runId: string }, { zip: Uint8Array; fileName: string; trainExamples: number; evalExamples: number; notes: string[] }];
  /** One answer to a playground query, streamed as `generation` events tagged with streamId. */
  generate: [GenerateRequest, GenerateResult];
  /** Aborts the running evaluation, HDR or generation (it ends with what it has). */
  cancelJob: [Record<string, never>, void];
  /** Stops the model load on its way: it fails with a ModelLoadCancelledError, loads nothing (the
   * model loaded before stays) and keeps what it downloaded, which the next load resumes. False
   * where no load was on its way. */
  cancelModelLoad: [Record<string, never>, boolean];
  /** The format each file would be read as (before importing), by file name. */
  detectFormats: [{ files: File[] }, Record<string, string>];
  /** Imports dataset files (quality check, seeded split) as one new dataset. Progress: bytes read,
   * `items` records. */
  importDataset: [{ files: File[]; name: string; format?: SourceFormat; bfclPromptMode?: boolean; everyCallTurn?: boolean }, DatasetImportResult];
  /** A dataset repo of the Hugging Face Hub (data/hub-dataset.ts chooses its files), stored under its id. */
  importHubDataset: [{ repo: string; token?: string; baseUrl?: string; files?: string[]; format?: SourceFormat; bfclPromptMode?: boolean; everyCallTurn?: boolean }, DatasetImportResult & { hub: HubImportFacts }];
  /** A Hub dataset repo's dataset files with their sizes, and those imported unless the user chooses
   * (its train split's); nothing is downloaded. */
  listHubDataset: [{ repo: string; token?: string; baseUrl?: string }, HubDatasetListing];
  /** The Hub dataset files kept in this browser's download cache, per repo. */
  datasetDownloads: [Record<string, never>, DatasetDownload[]];
  /** Deletes them, but those of an import running now in some tab; answers what is left. */
  clearDatasetDownloads: [Record<string, never>, DatasetDownload[]];
  /** Stops the import under way, a Hub dataset's download included: it fails with an
   * ImportCancelledError and saves nothing. False when none runs (or it had just saved its dataset). */
  cancelImport: [Record<string, never>, boolean];
  /** A stored dataset as a JSONL file in the studio's format (a snapshot's dataset.jsonl), with each
   * example's use; progress in examples. */
  exportDataset: [{ datasetId: string }, { name: string; file: Blob; examples: number }];
  /** A stored dataset pushed to a Hugging Face dataset repo as one commit: its examples in OpenAI's
   * messages form (data/train.jsonl) and a dataset card; progress in examples read, then bytes. Needs
   * no GPU, so it runs beside any job. */
  pushDatasetToHub: [DatasetHubPushRequest, DatasetHubPushOutcome];
  /** Stops the dataset push under way before its commit; false when none runs. */
  cancelDatasetPush: [Record<string, never>, boolean];
  /** What deleting a dataset would remove, and the token that confirms it. */
  describeDatasetDeletion: [{ datasetId: string }, DatasetDeletionPlan];
  deleteDataset: [{ datasetId: string; confirmToken: string }, void];
  /** Trains on one example (flagged or not), or leaves it out; refused, naming the job, while a job
   * of any tab works on the dataset. The dataset row counts the change (`inclusionEdits`). */
  setExampleIncluded: [{ datasetId: string; exampleId: string; included: boolean }, void];
  /** The user's edit of an example's expected answer, as the editor's boxes hold it (data/answer-edit.ts),
   * or `'imported'`: the answer it was imported with put back. Read as a model's answer is read and
   * refused with what to change; held and refused as setExampleIncluded is. The example is checked
   * again and used exactly when it passes: `included` says which, `edited` whether an edit stands.
   * Its HDR samples are held to the answer it has now (`samples`: how many that left out or used again). */
  saveExampleAnswer: [{ datasetId: string; exampleId: string; answer: AnswerDraft | 'imported' }, { included: boolean; edited: boolean; samples: SamplesJudgedAgain }];
  /** An evaluation's kept answers judged again against the expected answers as they are now (no GPU:
   * the model is not asked again), saved as an evaluation of its own; `changed`: answers whose
   * verdict changed, `gone`: answers to examples no longer in the dataset, left out. */
  judgeEvaluationAgain: [{ runId: string }, { runId: string; accuracy: number; accuracyBefore: number; total: number; changed: number; gone: number }];
  /** Many examples at once (those flagged by one rule only, or every one a table filter shows), in
   * one transaction with one count on the dataset row; held and refused as setExampleIncluded is.
   * Only the selection's examples not already as asked are chosen. `expect`: how many the page said
   * it would change; refused, with nothing written, when the selection now holds another number (the
   * dataset changed since). Progress: examples written. `changed`: how many were written. */
  setExamplesIncluded: [{ datasetId: string; selection: ExampleSelection; included: boolean; expect: number }, { changed: number }];
  /** Splits a stored dataset again with other settings (the share held out, the seed): every
   * example's side recomputed and stored in one transaction; held and refused as setExampleIncluded
   * is. Runs trained on it keep what they made; one that resumes or trains on is refused, its
   * training examples having changed. `moved`: examples whose side changed; `heldOut`: held out now. */
  resplitDataset: [{ datasetId: string; split: SplitSettings }, { moved: number; heldOut: number; examples: number }];
  /** The training runs of the dataset whose own examples (ownExamples.ts: the ones a resume goes on
   * over) the change would include or leave out one of: those it would stop resuming, and no other.
   * Runs recorded before their last example was kept are named for any change to training examples. */
  runsReached: [{ datasetId: string; change: InclusionChange; included: boolean }, { runIds: string[] }];
  /** A stored run as a snapshot .zip (run.json; the PEFT adapter and checkpoint once the run saved
   * one; optionally the dataset), and which of those it holds, so the page says only what is there. */
  exportSnapshot: [{ runId: string; includeDataset: boolean }, { zip: Uint8Array; holds: SnapshotHoldings }];
  /** Validates a snapshot .zip and stores it as a run (read-only or resumable). `alreadyOpen`: this
   * browser holds the run an earlier import of the same snapshot made (in this mode, untouched
   * since); nothing was stored and `runId` is that run. */
  importSnapshot: [{ bytes: Uint8Array; label: string; mode: ImportMode }, { runId: string; name: string; metricSteps: number; alreadyOpen: boolean }];
  /** A run's summary and curves as a share-link fragment (`#share=…`). */
  shareLink: [{ runId: string }, { fragment: string }];
  /** One example's tokens by segment, with the loaded model's tokenizer (the embedded model's while
   * none is loaded, so no model needs loading). */
  exampleTokens: [{ example: Example }, ExampleTokens];
  /** Each example of a stored dataset as its token count whole and with earlier turns left out
   * (the loaded model's tokenizer, as exampleTokens), the sequence length the data suggests, and the
   * longest prompt of any of its examples (what evaluation and HDR decode). Progress: examples. */
  /** `reasoning`: the reasoning against call tokens of the examples training takes (the included
   * training side), which the Training panel's SSB note weighs. */
  datasetFits: [{ datasetId: string }, { tokenizer: string; fits: ExampleFit[]; suggestedSeqLen: number; longestPrompt: number; minedPrompts: number[]; reasoning: ReasoningShare }];
  /** How many of a stored dataset's tokens the loaded model has no embedding for, counted in some of
   * its included training examples (tokenCoverage.ts); null while no model is loaded, or for one
   * with an embedding for nearly every token (every real model). */
  datasetUnseenTokens: [{ datasetId: string }, UnseenTokens | null];
  /** Per-example CoT and call token counts of a stored dataset. Progress: examples. */
  datasetLengths: [{ datasetId: string; bins: number }, DatasetLengths];
  /** A stored dataset's quality summary and its split and inclusion counts (datasetBrowse.ts).
   * Progress: examples read, the first time a dataset is asked for. */
  datasetSummary: [{ datasetId: string }, DatasetSummary];
  /** A page of a stored dataset's examples (import order) matching a search and a quality rule, with
   * how many match and how many there are. */
  examplePage: [ExamplePageRequest, ExamplePage];
  /** What the playground offers from a stored dataset: its tools and its held-out single questions. */
  datasetPlayground: [{ datasetId: string }, DatasetPlayground];
}

export type RequestKind = keyof RequestMap;

export type WorkerRequest = {
  [K in RequestKind]: { kind: K; id: number; payload: RequestMap[K][0] };
}[RequestKind];

export interface SerializedError {
  name: string;
  message: string;
}

export type WorkerEvent =
  | { type: 'device-lost'; message: string }
  /** A device was acquired (first use, or again after a loss). */
  | { type: 'device-ready' }
  /** The worker's module loaded and it takes requests. */
  /** `lifeLock`: a Web Lock the worker holds for as long as it lives (none where there are no Web
   * Locks): the browser lets a dead worker's locks go, so the page learns when it is gone. */
  | { type: 'worker-ready'; lifeLock?: string }
  /** Raised by the page's client, not the worker: the worker died before it was ready (every
   * request fails at once from then on), or an error escaped it outside any request (it lives on). */
  | { type: 'worker-crashed'; message: string }
  | { type: 'worker-error'; message: string }
  /** A message between the page and the worker could not be read (raised by whichever side
   * received it): the message says which way it went and what may now never answer. */
  | { type: 'message-unreadable'; message: string }
  | { type: 'gpu-error'; message: string }
  /** The loaded model was let go: a job found its files deleted (the message is the job's refusal). */
  | { type: 'model-files-gone'; modelRef: string; message: string }
  | { type: 'run-metric'; runId: string; metric: StepMetrics }
  | { type: 'run-eval'; runId: string; metric: EvalMetrics }
  /** `step` absent: the run keeps the step it had (it failed before its checkpoint was read). */
  | { type: 'run-status'; runId: string; status: RunStatus; step?: number; message?: string }
  | { type: 'generation'; streamId: string; text: string }
  /** The run rows the running job writes (it claimed them), and [] when it ends. */
  | { type: 'job-rows'; runIds: string[] }
  | { type: 'run-token-loss'; runId: string; strip: TokenLossStrip };

export type WorkerResponse =
  | { kind: 'return'; id: number; result: unknown }
  | { kind: 'throw'; id: number; error: SerializedError }
  | { kind: 'progress'; id: number; progress: ProgressInfo }
  | { kind: 'event'; event: WorkerEvent };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
