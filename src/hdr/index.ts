// Public API of src/hdr/: the quality gate, sample de-duplication, the round loop, GPU
// retraining between rounds and the Dexie helpers. The jobs layer (src/jobs/hdr.ts and its Dexie
// store) imports from here; the worker and the CLI reach HDR through the jobs layer.
export { GATE_RULES, candidateExample, qualityGate, type GateFailure, type GateRule, type GateVerdict, type SampleEnding } from './gate.ts';
export { SampleDeduper, canonicalJson, sampleKey } from './dedupe.ts';
export { DEFAULT_HDR_SETTINGS, replayCount, validateHdrSettings, type HdrSettings } from './settings.ts';
export { hardCaseRootId } from '../data/split.ts';
export {
  hdrSampleSeed,
  firstMinable,
  minableExamples,
  mineHardCases,
  runHdrRounds,
  type HardCase,
  type HdrEngine,
  type HdrHooks,
  type HdrResult,
  type HdrRoundReport,
  type HdrRunInput,
  type HdrSample,
  type RoundPhase,
  type RoundTraining,
} from './rounds.ts';
export { hdrStopText, hdrStoppedText, hdrTotals, hdrTotalsText, interruptedWhy, roundAccuracyText, roundCancelledText, roundCutOffText, roundNotes, roundSkippedText, runAnswerChanges, type CutShortRound, type HdrStopReason } from './stopReason.ts';
export { examplesToMine, openCasesNotes, withEarlierOutputs, type ExamplesToMine, type OpenHardCase } from './openCases.ts';
export { trainerRetraining, type RetrainOptions, type Retrainer } from './retrain.ts';
export {
  addHdrExamples,
  createHdrRun,
  dexieHdrHooks,
  finishHdrRun,
  hardCaseId,
  loadEvalRun,
  loadHardCasePool,
  markAnsweredHardCasesSolved,
  markHardCasesSolved,
  nextHdrRound,
  openHardCases,
  recordHdrRound,
  roundMetricValues,
  saveEvalRun,
  saveHardCases,
  isEvalRun,
  isHdrRun,
  type EvalRunConfig,
  type EvalRunRow,
  type HdrRunRow,
  type HdrTotals,
} from './store.ts';
