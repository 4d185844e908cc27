// Evaluation, HDR, ablation and playground jobs: at most one holds the GPU at a time (the worker
// enforces it too). Starts them, shows their progress, cancels them, and streams the playground's
// answer. Results live in IndexedDB (eval, HDR and ablation runs in the runs table); this store
// keeps only what is in flight, the forms' drafts and the last playground answer.
import { create } from 'zustand';
import { ABLATION_EVAL_LIMIT, ablationArms, ablationOfArm, ablationWorkText, BALANCE_RULES, configMessageIn, DEFAULT_DECODE, DEFAULT_HDR_SETTINGS, defaultAblationConfig, hdrRetrainConfig, hdrStopText, hdrStoppedText, hdrTotalsText, interruptedWhy, validateAblationConfig, noRoundsText, plural, roundAccuracyText, roundCancelledText, roundNotes, roundSkippedText, tooLongNote, type AblationConfig, type BalanceRule, type DecodeShape, type EvalSummary, type FunctionSchema, type GenerateRequest, type GenerateResult, type HdrSettings, type MemoryPlan, type ModelInfo, type ModelSource, type ProgressInfo, type RunConfig, type TrainShape } from '../worker/protocol.ts';
import { downloadBytes } from './download.ts';
import { readPref, writePref } from './localPrefs.ts';

export { ablationVerdict, alphaCell, alphaStartText, ARM_COLORS, BASE_MODEL, BASE_MODEL_NOTE, datasetChangedNote, failureRules, hasAskedInTraining, hasLaterSteps, hdrArmSameAs, hdrArmsNote, hdrArmText, LATER_STEPS_NOTE, laterStepsText, loraText, NOT_IN_TRAINING_NOTE, notAskedNote, notInTrainingText, reportCategories, scoredRows, skippedNote, tallyText, vsSftIds, vsSftText } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { useDatasets } from './datasetStore.ts';
import { loadRunsReached, useRunsReached, type AskedChange } from './exampleRows.ts';
import { describeSource, useModel } from './modelStore.ts';
import { adapterLabel, baseEvalOfSameExamples, canResume, resolveAdapterRun, runNameById, startingRunReason, useRuns, type AdapterChoice } from './runStore.ts';
import { EXPORTING_REASON, useOnnxExport } from './onnxExportStore.ts';
import { useCapabilities } from './capabilityStore.ts';
import type { StoredRun } from './queries.ts';
import { newSampleSeed, playgroundMessages, type PlaygroundQuestion } from './playgroundStore.ts';
import { countedPrompts, countingStart, datasetCounts, loadEndText, loadingStart, loadModelFor, modelDidNotLoadText, modelToLoad, startCancelledText, type CountedPrompts, startPlanWait, startRefusal, type PlannedStart, type StartProgress } from './startPlan.ts';

export type JobKind = 'evaluate' | 'hdr' | 'ablation' | 'generate';

const JOB_WORDS: Record<JobKind, string> = { evaluate: 'An evaluation', hdr: 'An HDR run', ablation: 'An ablation', generate: 'A playground answer' };

/** Why nothing else can start while a job of this kind runs, in the user's words (not its kind's code). */
export function jobBusyText(kind: JobKind): string {
  return `${JOB_WORDS[kind]} is using the GPU; wait for it or cancel it first.`;
}

/** Why a training run cannot start now: another job or an ONNX export holds the GPU (null: nothing
 * does). The worker would refuse the run, after it was made. */
export function useGpuBusyReason(): string | null {
  const job = useJobs((s) => (s.running ? jobBusyText(s.running.kind) : null));
  const exporting = useOnnxExport((s) => s.exporting);
  return job ?? (exporting ? EXPORTING_REASON : null);
}

/** Why a training run cannot start here now: another tab of the studio trains a run (its Web Lock; an
 * HDR run and an ablation's arms hold one too), and that tab's worker holds the GPU, so this tab's
 * worker would refuse the run once made (null: no other tab trains). Loading a model needs no GPU lock. */
export function useTrainingElsewhere(): string | null {
  const ownRows = useJobs((s) => s.rows);
  return useRuns((s) => {
    const there = [...s.trainingNow].find((id) => id !== s.active?.runId && !ownRows.has(id));
    return there === undefined ? null : heldElsewhereText(s.runs, there);
  });
}

/** What holds the GPU in another tab under the run lock of `runId`, and what to do there: a training
 * run pauses or stops; an HDR run or an ablation (whose arm it is) only ends or is cancelled. */
function heldElsewhereText(runs: StoredRun[], runId: string): string {
  const { what, act } = runElsewhere(runs, runId);
  return `${what} in another tab of the studio, which holds the GPU until it ends: ${act} there first.`;
}

/** The run holding the run lock of `runId` in another tab, as a sentence's start ("The HDR run “h”
 * is running"), and what the user can do to it there. */
function runElsewhere(runs: StoredRun[], runId: string): { what: string; act: string } {
  const row = runs.find((r) => r.id === runId);
  if (row?.kind === 'hdr') return { what: `The HDR run “${row.name ?? runId}” is running`, act: 'wait for it or cancel it' };
  const ablation = ablationOfArm(runs, row);
  if (ablation) return { what: `The ablation “${ablation.name}” is running`, act: 'wait for it or cancel it' };
  return { what: `The run “${runNameById(runs, runId)}” is training`, act: 'pause or stop it' };
}

/** Why no run resumes on this page once its GPU worker is gone (the client refuses every request
 * until a reload starts a new worker). */
export const WORKER_GONE_RESUME_HELD = 'The studio’s GPU worker was ended by the browser, so this page cannot train: reload the page to start it again, then resume (runs and their checkpoints are kept).';

/** Why a run cannot be resumed now: this page's GPU worker is gone, a start or an export that loads
 * its run's model is on its way, or this tab's job or ONNX export, or another tab's training, holds
 * the GPU, and the resume would be refused once pressed (null: nothing holds it; this tab's own
 * training run is its own check). */
export function useResumeHeld(): string | null {
  const gone = useCapabilities((s) => s.status === 'crashed');
  // A start or an export on its way (the run strip shows it, with its Cancel) holds the one start.
  const starting = useRuns((s) => startingRunReason(s.startWaiting));
  const busy = useGpuBusyReason();
  const elsewhere = useTrainingElsewhere();
  return gone ? WORKER_GONE_RESUME_HELD : (starting ?? busy ?? elsewhere);
}

/** Why the dataset's examples cannot be changed now (`change`: what the user would do, in the
 * refusal's words: include or leave out examples, edit an answer): a job reads them (this tab's
 * training run, evaluation, HDR run or ablation, or a run another tab trains on it), so a change
 * would reach one part of the job and not another; null: none does (the worker checks again). */
export function useDatasetHeld(datasetId: string, change = 'include or leave out examples'): string | null {
  const job = useJobs((s) => (s.running && s.running.datasetId === datasetId ? JOB_WORDS[s.running.kind] : null));
  // This tab's HDR run and ablation arms hold run locks too: they are its job's, said by the job.
  const ownRows = useJobs((s) => s.rows);
  const mine = `${change} once it ends, or pause, stop or cancel it first.`;
  return useRuns((s) => {
    const on = (id: string) => s.runs.some((r) => r.id === id && r.datasetId === datasetId);
    if (s.active && on(s.active.runId)) return `The run “${runNameById(s.runs, s.active.runId)}” is training on this dataset: ${mine}`;
    if (job) return `${job} is running on this dataset: ${mine}`;
    const there = [...s.trainingNow].find((id) => !ownRows.has(id) && on(id));
    if (there === undefined) return null;
    const { what, act } = runElsewhere(s.runs, there);
    return `${what} in another tab of the studio on this dataset: ${change} once it ends, or ${act} there first.`;
  });
}

/** The runs of the dataset that could resume from a checkpoint, each as its id, its newest
 * checkpoint step (a run resumed since may own other examples) and its name, in one string (a
 * selector's value); '' for none. */
function resumableRunsKey(s: Pick<ReturnType<typeof useRuns.getState>, 'runs' | 'active' | 'checkpointSteps' | 'trainingNow'>, datasetId: string, jobRows: ReadonlySet<string>): string {
  return s.runs
    .filter((r) => r.datasetId === datasetId && r.id !== s.active?.runId && s.checkpointSteps.has(r.id) && canResume(r, null, jobRows, s.trainingNow))
    .map((r) => `${r.id}\u0001${s.checkpointSteps.get(r.id)}\u0001${r.name ?? r.id}`)
    .join('\u0000');
}

/** Asks the worker now which of the dataset's resumable runs the change reaches (what
 * useResumableRunsOn asks once rendered). */
export function loadResumableRunsOn(datasetId: string, asked: AskedChange): Promise<void> {
  const runs = resumableRunsKey(useRuns.getState(), datasetId, useJobs.getState().rows);
  const dataset = useDatasets.getState().datasets.find((d) => d.id === datasetId);
  return runs && dataset ? loadRunsReached(dataset, asked, runs) : Promise.resolve();
}

/** The training runs of the dataset that could resume from a checkpoint (paused, interrupted,
 * failed), by name, that the change (`asked`) stops resuming until it is changed back: those whose
 * own examples it includes or leaves out one of, as the worker finds by the resume's own rule
 * (train/ownExamples.ts); a change after a run's own examples (one included later, HDR's samples),
 * or to a held-out one, leaves it going on. Until the worker answers (or where it cannot), every
 * one that could resume: a warning too many costs less than one too few (null: no change asked, none
 * asked of the worker). */
export function useResumableRunsOn(datasetId: string, asked: AskedChange | null): string[] {
  const jobRows = useJobs((s) => s.rows);
  const runs = useRuns((s) => resumableRunsKey(s, datasetId, jobRows));
  const dataset = useDatasets((s) => s.datasets.find((d) => d.id === datasetId));
  const reached = useRunsReached(dataset, runs ? asked : null, runs).value;
  if (!runs) return [];
  return runs
    .split('\u0000')
    .map((r) => r.split('\u0001'))
    .filter(([id]) => !reached || reached.includes(id))
    .map(([, , name]) => `“${name}”`);
}

/** Why another model cannot be loaded now: a run trains with the loaded one (named: the worker's
 * refusal cannot name it), or a job or an ONNX export holds the GPU (null: nothing does). */
export function useModelChangeHeld(): string | null {
  const training = useRuns((s) => (s.active ? runNameById(s.runs, s.active.runId) : null));
  const gpuBusy = useGpuBusyReason();
  return training !== null ? `The run “${training}” is training with the loaded model: pause or stop it first, then load another model.` : gpuBusy;
}

export interface EvalDraft {
  /** null: the latest trained run; '': the base model. */
  adapterRunId: AdapterChoice;
  limit: number;
  maxNewTokens: number;
  batchSize: number;
  /** An adapter's evaluation is set beside the base model's on the same examples: answered after it
   * where the base model has not answered them yet (absent: yes). */
  withBase?: boolean;
}

/** A GGUF file an evaluation answers with in place of the model's weights: a saved export's
 * (`runId`: the run it was exported from, whose model it needs) or one the user chose. Held in page
 * memory only: a file is not kept across a reload. */
export interface EvalGgufChoice {
  file: Blob;
  fileName: string;
  runId: string | null;
  runName: string | null;
}

export interface HdrDraft {
  adapterRunId: AdapterChoice;
  mineLimit: number;
  evalLimit: number;
  settings: HdrSettings;
}

/** What the ablation form sets; the rest (steps, LoRA, learning rate, seed, α₀, bounds, rates) is
 * the Training panel's configuration, shared by every arm (but for its held-out loss steps and
 * checkpoints, which the ablation sets as the CLI's: defaultAblationConfig). */
export interface AblationDraft {
  name: string;
  rules: BalanceRule[];
  /** The SSB + HDR arm starts from this rule's arm; null: no HDR arm. */
  hdrRule: BalanceRule | null;
  evalLimit: number;
  maxNewTokens: number;
  batchSize: number;
  hdrRounds: number;
  hdrSamples: number;
  hdrStepsPerRound: number;
  hdrMineLimit: number;
}

/** Every held-out example up to the ablation's cap (the CLI's too: a few could not tell the arms
 * apart, and the form says what they cost), room for reasoning (512 tokens), and HDR rounds small
 * enough for a software GPU (raise them on real hardware). */
export const DEFAULT_ABLATION_DRAFT: AblationDraft = {
  name: 'ablation',
  rules: [...BALANCE_RULES],
  hdrRule: 'uncertainty',
  evalLimit: ABLATION_EVAL_LIMIT,
  maxNewTokens: DEFAULT_DECODE.maxNewTokens,
  batchSize: 4,
  hdrRounds: 1,
  hdrSamples: 2,
  hdrStepsPerRound: 2,
  hdrMineLimit: 8,
};

/** The ablation's configuration: the training form's run config for every arm, and the draft's. */
export function ablationConfigOf(d: AblationDraft, training: RunConfig): AblationConfig {
  const base = defaultAblationConfig(training);
  return {
    ...base,
    rules: d.rules,
    // The training form's rate belongs to its rule; the other rules keep their defaults.
    ruleRates: training.loss === 'ssb' && training.balanceRule && training.balanceLr !== undefined && training.balanceRule !== 'dwa' ? { [training.balanceRule]: training.balanceLr } : {},
    hdrRule: d.hdrRule,
    hdr: { ...base.hdr, maxRounds: d.hdrRounds, samplesPerCase: d.hdrSamples, stepsPerRound: d.hdrStepsPerRound, maxNewTokens: d.maxNewTokens, batchSize: d.batchSize },
    hdrMineLimit: d.hdrMineLimit,
    evalLimit: d.evalLimit,
    decoding: { ...base.decoding, maxNewTokens: d.maxNewTokens, batchSize: d.batchSize },
  };
}

/** The ablation form's labels for the fields its checks name. */
const ABLATION_LABELS: Record<string, string> = {
  evalLimit: 'Held-out examples', maxNewTokens: 'Max new tokens', 'the decoding batch': 'Answers at once', hdrMineLimit: 'Examples to mine',
  maxRounds: 'HDR rounds', samplesPerCase: 'Samples per hard case', stepsPerRound: 'Retraining steps per round', batchSize: 'Answers at once',
};

/** How the Evaluation, HDR and ablation forms decode, as one envelope (the most answers at once
 * and the most new tokens any of them asks for): the memory plan sizes the generation cache by it,
 * so its verdict holds for whichever of those jobs starts. HDR's retraining length is no part of
 * it: that is the HDR job's own (plannedHdr). A field being edited (not yet a whole number ≥ 1) is
 * left out; with none left, the plan's default. */
export function formsDecodeShape(s: { evalDraft: EvalDraft; hdrDraft: HdrDraft; ablationDraft: AblationDraft }): Required<Pick<DecodeShape, 'batch' | 'maxNewTokens'>> {
  const forms = [s.evalDraft, s.hdrDraft.settings, s.ablationDraft];
  return {
    batch: most(forms.map((f) => f.batchSize), DEFAULT_DECODE.batch),
    maxNewTokens: most(forms.map((f) => f.maxNewTokens), DEFAULT_DECODE.maxNewTokens),
  };
}

/** The HDR job a memory plan's HDR verdict is for: the HDR form's run, or the ablation's SSB + HDR
 * arm (which retrains with the Training panel's settings). */
export type PlannedHdrJob = 'hdr-form' | 'ablation-arm';

/** The new tokens per answer and the examples mined of the HDR job a plan judges, both from that
 * job's own form: they set its retraining length (the longest prompt it mines plus an answer).
 * Taken as the more of the HDR and ablation forms', the HDR form's run was judged at the ablation's
 * answers and mining, an HDR neither form runs. A field being edited is left out: the default. */
export function plannedHdr(s: { hdrDraft: HdrDraft; ablationDraft: AblationDraft }, job: PlannedHdrJob): { maxNewTokens: number; mineLimit: number } {
  const own = (d: { hdrDraft: HdrDraft; ablationDraft: AblationDraft }) => (job === 'hdr-form' ? { maxNewTokens: d.hdrDraft.settings.maxNewTokens, mineLimit: d.hdrDraft.mineLimit } : { maxNewTokens: d.ablationDraft.maxNewTokens, mineLimit: d.ablationDraft.hdrMineLimit });
  const [given, defaults] = [own(s), own({ hdrDraft: DEFAULT_HDR_DRAFT, ablationDraft: DEFAULT_ABLATION_DRAFT })];
  return { maxNewTokens: most([given.maxNewTokens], defaults.maxNewTokens), mineLimit: most([given.mineLimit], defaults.mineLimit) };
}

/** The HDR job the Model panel's plan judges (what runs now): the ablation's arm while this tab's
 * ablation runs, else the HDR form's run. */
export function modelPanelHdrJob(s: { running: { kind: JobKind } | null }): PlannedHdrJob {
  return s.running?.kind === 'ablation' ? 'ablation-arm' : 'hdr-form';
}

/** How the HDR form's run would retrain (hdrRetrainConfig, as the job takes it): with the run it
 * starts from (the latest trained where it picks none), or the studio's base; the memory plan's HDR
 * verdict is for it, not for the Training form's settings. */
export function hdrFormRetrainConfig(hdrDraft: HdrDraft, runs: StoredRun[]): RunConfig {
  const runId = resolveAdapterRun(hdrDraft.adapterRunId, runs);
  return hdrRetrainConfig(runs.find((r) => r.id === runId), hdrDraft.settings);
}

/** An HDR start as the memory plan judges it: retraining as the job does (hdrFormRetrainConfig: the
 * run it starts from, or the studio's base), sampling with its settings, on `prompts` (countedPrompts). */
function hdrStart(d: HdrDraft, runs: StoredRun[], prompts: Pick<DecodeShape, 'promptTokens' | 'minedPrompts'>): PlannedStart {
  const from = runs.find((r) => r.id === resolveAdapterRun(d.adapterRunId, runs));
  const decode = { batch: d.settings.batchSize, maxNewTokens: d.settings.maxNewTokens, sampled: true, ...prompts };
  return { job: 'hdr', config: hdrFormRetrainConfig(d, runs), decode, name: from ? (from.name ?? from.id) : undefined };
}

/** The ablation the form would start, as the memory plan judges it, on the dataset's prompts
 * (`counted`, datasetFits' answer: countedPrompts): what startAblation asks and what the Ablation
 * panel's plan is asked for, so the form's Start and the store's start agree. */
export function ablationPlannedStart(d: AblationDraft, training: RunConfig, counted: CountedPrompts): PlannedStart {
  const config = ablationConfigOf(d, training);
  return ablationStart(config, ablationName(d), countedPrompts(counted, config.hdrRule === null ? null : config.hdrMineLimit));
}

const ablationName = (d: AblationDraft) => d.name.trim() || 'ablation';

/** An ablation's start as the memory plan judges it: every arm trains with the shared settings, the
 * held-out examples are answered (and the SSB + HDR arm samples and retrains) with its decoding. */
function ablationStart(c: AblationConfig, name: string, prompts: Pick<DecodeShape, 'promptTokens' | 'minedPrompts'>): PlannedStart {
  const withHdr = c.hdrRule !== null;
  return { job: 'ablation', config: c, decode: { batch: c.decoding.batchSize, maxNewTokens: c.decoding.maxNewTokens, ...(withHdr && { sampled: true }), ...prompts }, withHdr, name };
}

/** The largest of the whole numbers ≥ 1 (a field mid-edit is none), or `fallback`. */
const most = (xs: number[], fallback: number) => Math.max(0, ...xs.filter((x) => Number.isInteger(x) && x >= 1)) || fallback;

/** What keeps the ablation form's draft from starting (null: nothing), checked as the job will
 * check it, in the form's words. The shared training configuration is the Training panel's to say
 * (draftProblem): this is only what the ablation adds, such as no SSB rule to compare. */
export function ablationDraftProblem(d: AblationDraft, training: RunConfig): string | null {
  try {
    validateAblationConfig(ablationConfigOf(d, training));
    return null;
  } catch (err) {
    const message = (err as Error).message.replace(/^ablation: /, '');
    return configMessageIn(message, ABLATION_LABELS);
  }
}

/** What an ablation with this draft would cost, in words (ablationWorkText), on `heldOut` examples (null: not counted yet). */
export function ablationDraftWork(d: AblationDraft, training: RunConfig, heldOut: number | null): string {
  return ablationWorkText(ablationConfigOf(d, training), heldOut);
}

/** The arms an ablation with this draft would run, by id (`sft`, `fixed:0.7`, `ssb:grad`, …). */
export function ablationArmIds(d: AblationDraft, training: RunConfig): string[] {
  return ablationArms(ablationConfigOf(d, training)).map((a) => a.id);
}

/** Few examples, so a software GPU finishes in minutes (raise them on real hardware); room for the
 * reasoning before the call (max new tokens ≥ 512: a cut-off <think> scores as a decode failure). */
export const DEFAULT_EVAL_DRAFT: EvalDraft = { adapterRunId: null, limit: 8, maxNewTokens: DEFAULT_DECODE.maxNewTokens, batchSize: 4 };
export const DEFAULT_HDR_DRAFT: HdrDraft = { adapterRunId: null, mineLimit: 8, evalLimit: 4, settings: { ...DEFAULT_HDR_SETTINGS, maxRounds: 2, stepsPerRound: 2, batchSize: 4 } };

/** A form's draft as the user left it (kept across reloads, as the Training form's is), over today's
 * defaults; its adapter choice is not kept (the run may be gone), nor an unreadable draft. */
export function savedJobDraft<T extends object>(key: string, defaults: T): T {
  try {
    const saved = JSON.parse(readPref(key) ?? 'null') as Partial<T> | null;
    if (!saved || typeof saved !== 'object') return defaults;
    const merged = { ...defaults, ...saved } as T & { settings?: object };
    const nested = (defaults as { settings?: object }).settings;
    if (nested) merged.settings = { ...nested, ...(saved as { settings?: object }).settings };
    return 'adapterRunId' in defaults ? { ...merged, adapterRunId: (defaults as { adapterRunId: AdapterChoice }).adapterRunId } : merged;
  } catch {
    return defaults;
  }
}

const DRAFT_KEYS = { eval: 'studio.evalDraft', hdr: 'studio.hdrDraft', ablation: 'studio.ablationDraft' } as const;

interface JobState {
  /** `datasetId`: the dataset the job works on (none for a playground answer): its examples stay as they are meanwhile.
   * `starting`: the phase of its start in words (StartProgress), while it waits for its memory plan. */
  running: { kind: JobKind; progress: ProgressInfo | null; datasetId?: string; starting?: string } | null;
  /** The run rows this tab's job writes (an HDR run, an ablation and its arms), as its worker claims
   * them: they show as running here, and a row another tab's worker writes as that tab's. */
  rows: ReadonlySet<string>;
  /** The rows this tab's worker wrote when it died (its job's, and the training run it trained):
   * they stopped there, not with a closed page. */
  crashedRows: ReadonlySet<string>;
  error: string | null;
  /** The job the error is about (null: any panel with jobs shows it). */
  errorKind: JobKind | null;
  notice: string | null;
  /** The job the notice is about: each panel shows the notices of its own jobs. */
  noticeKind: JobKind | null;
  evalDraft: EvalDraft;
  /** The Evaluation panel's GGUF file, in place of its adapter (null: the adapter answers). */
  evalGguf: EvalGgufChoice | null;
  hdrDraft: HdrDraft;
  ablationDraft: AblationDraft;
  /** `aborted`: cancelled part-way (its summary counts only what was answered). */
  lastEval: { evalRunId: string; summary: EvalSummary; aborted: boolean } | null;
  /** The playground's answer: streamed text while generating, then the parsed result. */
  streamId: string | null;
  streamText: string;
  answer: GenerateResult | null;
  /** Who writes the streamed text and `answer`: the model and the adapter asked (the picker may have moved on since). */
  answerFrom: string | null;
  /** The base model's answer to the question `answer` answers, asked after it when the playground
   * sets the two side by side (null: not asked, or not yet): its stream, then its parsed result. */
  baseStreamId: string | null;
  baseStreamText: string;
  baseAnswer: GenerateResult | null;
  setEvalDraft(p: Partial<EvalDraft>): void;
  /** Chooses the GGUF file the Evaluation panel's next evaluation answers with (null: its adapter),
   * and, for a file exported from a run, selects that run's dataset (whose held-out examples the
   * run's adapter was scored on); a file that is no GGUF is refused at once, in words, and the
   * choice stays as it was. */
  chooseEvalGguf(choice: EvalGgufChoice | null): Promise<void>;
  setHdrDraft(p: Partial<HdrDraft>): void;
  setAblationDraft(p: Partial<AblationDraft>): void;
  /** Runs the ablation of the dataset with the draft and the training form's configuration. */
  startAblation(datasetId: string): Promise<void>;
  /** Saves an ablation's report (report.md, results.csv, charts, ablation.json) as a .zip. */
  downloadAblationReport(runId: string): Promise<void>;
  /** Evaluates with the draft's settings (or these); `adapterRunId` '' is the base model. With
   * `gguf`, that file's weights answer in place of the model's (and of the draft's adapter). */
  runEvaluation(datasetId: string, draft?: EvalDraft, gguf?: EvalGgufChoice | null): Promise<void>;
  startHdr(datasetId: string, draft?: HdrDraft): Promise<void>;
  /** `seed`: the sampler's (temperature > 0); by default a fresh one, so each answer is a new sample.
   * `heldOut`: the held-out example asked as it stands, sent instead of `query` and `tools` so the
   * prompt is the evaluation's own; `callSyntax`: how a typed query's answer is to write its calls.
   * `besideBase`: the base model answers the same question after an adapter's first answer, with
   * the same settings and seed (our engine only; a later turn of a conversation follows the
   * adapter's calls, which the base model did not make). */
  generateAnswer(input: PlaygroundQuestion & { adapterRunId: string; maxNewTokens: number; temperature: number; backend?: 'engine' | 'onnx'; expectation?: GenerateRequest['expectation']; seed?: number; besideBase?: boolean }): Promise<void>;
  cancelJob(): Promise<void>;
  /** From the worker-event adapter. */
  noteGeneration(streamId: string, text: string): void;
  /** From the worker-event adapter: the rows the job writes now ([] once it ended). */
  noteJobRows(runIds: string[]): void;
  /** From the worker-event adapter: the worker died, and the rows its job wrote stopped with it, as
   * did the training run it trained (`trainingRunId`, the runs store's active run), if any. */
  noteWorkerEnded(trainingRunId: string | null): void;
  dismiss(): void;
  /** Takes the playground's answer off show (its conversation was started over: it answered a turn
   * no longer asked). Not while one is generated. */
  clearAnswer(): void;
}

export { hdrStopText, hdrTotalsText, interruptedWhy, noRoundsText, plural, roundAccuracyText, roundCancelledText, roundNotes, roundSkippedText };

/** What an evaluation's end says: a cancelled one counts what it scored, never a 0.0% of nothing;
 * examples too long for the model's context were not asked, and it says so (an evaluation where
 * every one was too long read "Evaluated 0 examples: 0.0% correct."). */
export function evaluationNotice(r: { summary: EvalSummary; aborted: boolean; requested: number }, maxNewTokens?: number): string {
  const pct = `${(r.summary.accuracy * 100).toFixed(1)}% correct`;
  const note = tooLongNote(r.summary, maxNewTokens);
  const skipped = note ? ` ${note[0].toUpperCase()}${note.slice(1)}.` : '';
  if (!r.aborted && r.summary.total === 0) return `No example was scored.${skipped}`;
  if (!r.aborted) return `Evaluated ${r.summary.total === r.requested ? '' : `${r.summary.total} of `}${plural(r.requested, 'example')}: ${pct}.${skipped}`;
  if (r.summary.total === 0) return `Evaluation cancelled before the first of ${plural(r.requested, 'example')} was scored.`;
  return `Evaluation cancelled after ${r.summary.total} of ${plural(r.requested, 'example')}: ${pct} of those (not the dataset's accuracy).`;
}

/** The error for a panel that runs `kinds` of jobs (one about no job in particular shows everywhere). */
export function errorFor(s: { error: string | null; errorKind: JobKind | null }, kinds: JobKind[]): string | null {
  return s.error !== null && (s.errorKind === null || kinds.includes(s.errorKind)) ? s.error : null;
}

/** A progress callback that also re-reads the runs every few seconds, for jobs that write their
 * rows as they go (HDR rounds, ablation arms). */
function refreshingRuns(onProgress: (p: ProgressInfo) => void, everyMs = 2000): (p: ProgressInfo) => void {
  let last = 0;
  return (p) => {
    onProgress(p);
    if (Date.now() - last > everyMs) {
      last = Date.now();
      void useRuns.getState().refreshRuns();
    }
  };
}

/** "Qwen/Qwen3-0.6B with the adapter of sft (step 40)": what a playground request is answered by. */
function answerSource(adapterRunId: string, backend: 'engine' | 'onnx'): string {
  const model = useModel.getState().info?.ref ?? 'the model';
  if (!adapterRunId) return `${model}, base model (no adapter)`;
  const { runs, checkpointSteps } = useRuns.getState();
  const run = runs.find((r) => r.id === adapterRunId);
  return `${model} with the adapter of ${run ? adapterLabel(run, checkpointSteps) : adapterRunId}${backend === 'onnx' ? ', as its ONNX export (transformers.js)' : ''}`;
}

const NO_ROWS: ReadonlySet<string> = new Set();

/** Whether a file begins as every GGUF file does (its magic, "GGUF"). */
async function isGguf(file: Blob): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return new TextDecoder().decode(head) === 'GGUF';
}

/** What a job on the adapter of `runId` ('' : the base model) needs of the model before it starts:
 * nothing (null), a model to load first (`load`, the run's: a job then loads it as a resume does), or
 * what the user must do (`missing`, no full stop): where no model is loaded and none can be told
 * from the run, or the run's is one the studio cannot reopen by itself. One rule for the forms'
 * buttons and the store's start, so a button is on exactly when its start can work. */
export type JobModelNeed = { load: ModelSource; ref: string } | { missing: string } | null;
export function jobModelNeed(runId: string, runs: StoredRun[], loaded: Pick<ModelInfo, 'ref'> | null): JobModelNeed {
  const run = runId ? runs.find((r) => r.id === runId) : undefined;
  const needs = modelToLoad(run, loaded?.ref);
  if (needs?.source) return { load: needs.source, ref: needs.ref };
  if (needs) return { missing: `“${run!.name ?? run!.id}” was trained on ${needs.ref}: drop that model’s folder in the Model panel first` };
  return loaded ? null : { missing: 'Load a model first (Model panel)' };
}

/** Why a form's start on `choice` cannot work for want of a model, with a full stop; null where it can. */
export function useJobModelMissing(choice: AdapterChoice): string | null {
  const runs = useRuns((s) => s.runs);
  const loaded = useModel((s) => s.info);
  const need = jobModelNeed(resolveAdapterRun(choice, runs), runs, loaded);
  return need && 'missing' in need ? `${need.missing}.` : null;
}

/** Where training asks some of the held-out questions word for word, the adapter beside the base
 * model on the others: what training did to the task, not to what it can recall (empty: none asked). */
export function notAskedBesideText(adapter: Pick<EvalSummary, 'asked'>, base: Pick<EvalSummary, 'asked'>): string {
  const [a, b] = [adapter.asked?.notInTraining, base.asked?.notInTraining];
  if (!a || !b || a.total === 0 || a.total !== b.total) return '';
  return ` On the ${plural(a.total, 'question')} no training example asks (training asks the other ${adapter.asked!.inTraining.total} word for word): ${a.correct} right with the adapter, ${b.correct} with the base model.`;
}

/** A job's start whose model did not load: its message is the whole error. */
class ModelDidNotLoadError extends Error {}

export const useJobs = create<JobState>((set, get) => {
  /** The job's start while it waits for its memory plan (Cancel ends it there: nothing reached the worker). */
  const planWait = startPlanWait();

  /** The base model's accuracy on the examples an adapter's evaluation answered: from its
   * evaluation of them where it has one, else answered now (the comparison an adapter's accuracy
   * means nothing without). */
  async function besideBase(evalRunId: string, d: EvalDraft, datasetId: string, onProgress: (p: ProgressInfo) => void): Promise<string> {
    await useRuns.getState().refreshRuns();
    const runs = useRuns.getState().runs;
    const row = runs.find((r): r is Extract<StoredRun, { kind: 'eval' }> => r.id === evalRunId && r.kind === 'eval');
    const earlier = row && baseEvalOfSameExamples(row, runs);
    const pct = (s: EvalSummary, when = '') => `${(s.accuracy * 100).toFixed(1)}% correct (${s.correct} of ${s.total}${when})`;
    if (earlier?.summary) return `The base model, on the same examples: ${pct(earlier.summary, `; its evaluation of ${new Date(earlier.createdAt).toLocaleString()}`)}.${row?.summary ? notAskedBesideText(row.summary, earlier.summary) : ''}`;
    const base = await engineClient().request('evaluate', { datasetId, limit: d.limit, maxNewTokens: d.maxNewTokens, batchSize: d.batchSize }, onProgress);
    const said = evaluationNotice(base, d.maxNewTokens);
    return `The base model, on the same examples: ${base.aborted ? `${said[0].toLowerCase()}${said.slice(1)}` : `${pct(base.summary)}.${row?.summary ? notAskedBesideText(row.summary, base.summary) : ''}`}`;
  }

  /** Common guard and bookkeeping for a job; the work returns a notice for the user. `planned`: the
   * start as the memory plan judges it (HDR, the ablation), whose refusal ends it before `work`.
   * `adapterRunId`: the run whose adapter the job uses ('' : the base model), whose model it loads
   * first where another (or none) is loaded, as a resume does (jobModelNeed). */
  async function job(kind: JobKind, what: string, work: (onProgress: (p: ProgressInfo) => void) => Promise<string>, datasetId?: string, planned?: (counting: (p: ProgressInfo) => void) => Promise<PlannedStart>, adapterRunId = ''): Promise<void> {
    if (get().running) return set({ error: jobBusyText(get().running!.kind), errorKind: kind });
    if (useRuns.getState().active) return set({ error: `A training run is using the GPU; pause it before ${what}.`, errorKind: kind });
    const need = jobModelNeed(adapterRunId, useRuns.getState().runs, useModel.getState().info);
    if (need && 'missing' in need) return set({ error: `${need.missing}, then try ${what} again.`, errorKind: kind });
    const load = need?.load ?? null;
    const on = datasetId === undefined ? {} : { datasetId };
    const What = `${what[0].toUpperCase()}${what.slice(1)}`;
    // A job on a run whose model is not loaded begins by loading it; a planned job (HDR, the
    // ablation) then counts its dataset's prompts. Its place is held from here, in that phase, so its
    // live region never says it started before its plan lets it.
    const first = load ? loadingStart(describeSource(load)) : planned && countingStart();
    const holding = (start: StartProgress | undefined, progress: ProgressInfo | null = start?.progress ?? null) => ({ kind, progress, ...(start && { starting: start.words }), ...on });
    // HDR and the ablation write evaluations of their own: the Evaluation panel shows the newest again.
    set({ running: holding(first), error: null, errorKind: null, notice: null, noticeKind: null, ...((kind === 'hdr' || kind === 'ablation') && { lastEval: null }) });
    const onProgress = (progress: ProgressInfo) => set({ running: holding(undefined, progress) });
    /** Loads the run's model (its bytes on the job's bar); 'cancelled' by the job's Cancel or the Model panel's. */
    const loadFirst = async (report: (p: StartProgress) => void, cancel: AbortSignal): Promise<'loaded' | 'cancelled'> => {
      if (!load) return 'loaded';
      const loaded = await loadModelFor(load, report, cancel);
      if (loaded === 'loaded' || loaded === 'cancelled') return loaded;
      throw new ModelDidNotLoadError(modelDidNotLoadText(What, need!.ref, loaded.failed));
    };
    const cancelled = () => set({ notice: `${startCancelledText(What)}${loadEndText(load)}`, noticeKind: kind });
    try {
      // The memory plan for the settings this job runs, waited for while the job holds its place (one
      // start at a time): the forms' Start waits for the panels' plan, which is the forms' settings,
      // not those of a start made elsewhere (the guided demo's HDR step).
      if (planned) {
        const ended = await planWait.wait(async (report, cancel) => {
          if ((await loadFirst(report, cancel)) === 'cancelled' || cancel.aborted) return 'cancelled';
          return planned((p) => report(countingStart(p)));
        }, (start) => set({ running: holding(start) }), first || countingStart());
        if (ended === 'cancelled') return cancelled();
        if (ended) return set({ error: startRefusal(ended.refused, ended.start), errorKind: kind });
        // Started: the job's own progress follows, from its first report.
        set({ running: holding(undefined) });
      } else if (first) {
        // Only a model to load: one Cancel for it, as a resume's.
        if ((await planWait.waitFor((report, _over, cancel) => loadFirst(report, cancel), (start) => set({ running: holding(start) }), first)) === 'cancelled') return cancelled();
        set({ running: holding(undefined) });
      }
      const notice = await work(onProgress);
      set({ notice, noticeKind: kind });
    } catch (err) {
      set({ error: err instanceof ModelDidNotLoadError ? err.message : `${What} failed: ${(err as Error).message}.`, errorKind: kind });
    } finally {
      set({ running: null });
      await useRuns.getState().refreshRuns();
      // HDR (alone or as an ablation arm) adds the samples it accepted to the dataset.
      if (kind === 'hdr' || kind === 'ablation') await useDatasets.getState().refreshDatasets();
    }
  }

  return {
    running: null,
    rows: NO_ROWS,
    crashedRows: NO_ROWS,
    error: null,
    errorKind: null,
    notice: null,
    noticeKind: null,
    evalDraft: savedJobDraft(DRAFT_KEYS.eval, DEFAULT_EVAL_DRAFT),
    evalGguf: null,
    hdrDraft: savedJobDraft(DRAFT_KEYS.hdr, DEFAULT_HDR_DRAFT),
    ablationDraft: savedJobDraft(DRAFT_KEYS.ablation, DEFAULT_ABLATION_DRAFT),
    lastEval: null,
    streamId: null,
    streamText: '',
    answer: null,
    answerFrom: null,
    baseStreamId: null,
    baseStreamText: '',
    baseAnswer: null,

    setEvalDraft(p) {
      set({ evalDraft: { ...get().evalDraft, ...p } });
      writePref(DRAFT_KEYS.eval, JSON.stringify(get().evalDraft));
    },
    setHdrDraft(p) {
      set({ hdrDraft: { ...get().hdrDraft, ...p } });
      writePref(DRAFT_KEYS.hdr, JSON.stringify(get().hdrDraft));
    },
    setAblationDraft(p) {
      set({ ablationDraft: { ...get().ablationDraft, ...p } });
      writePref(DRAFT_KEYS.ablation, JSON.stringify(get().ablationDraft));
    },

    startAblation(datasetId) {
      const d = get().ablationDraft;
      const training = useRuns.getState().draft;
      const config = ablationConfigOf(d, training);
      const name = ablationName(d);
      return job('ablation', 'the ablation', async (onProgress) => {
        // Each arm's result is written to the ablation's row as it ends: the table fills in as it goes.
        const progress = refreshingRuns(onProgress);
        const r = await engineClient().request('startAblation', { datasetId, name, config }, progress);
        // Arms that failed while the others ran are no stop: the ending counts them.
        return r.ending ? `The ablation ended: ${r.ending}; the results are below.` : `The ablation finished: ${plural(r.arms, 'arm')} trained and evaluated on the same held-out examples.`;
      }, datasetId, async (counting) => ablationPlannedStart(d, training, await datasetCounts(datasetId, counting)));
    },

    async downloadAblationReport(runId) {
      try {
        const { zip, fileName } = await engineClient().request('ablationReport', { runId });
        downloadBytes(zip, fileName);
      } catch (err) {
        set({ error: `The report could not be made: ${(err as Error).message}.`, errorKind: 'ablation' });
      }
    },

    async chooseEvalGguf(choice) {
      if (choice && !(await isGguf(choice.file))) return set({ error: `${choice.fileName} is not a GGUF file (it does not begin with “GGUF”): choose a .gguf file, such as the Runs panel’s GGUF export saves.`, errorKind: 'evaluate' });
      set({ evalGguf: choice, ...(get().errorKind === 'evaluate' && { error: null, errorKind: null }) });
      const datasetId = choice?.runId ? useRuns.getState().runs.find((r) => r.id === choice.runId)?.datasetId : undefined;
      if (datasetId) useDatasets.getState().selectDataset(datasetId);
    },

    runEvaluation(datasetId, d = get().evalDraft, gguf = null) {
      // A file exported from a run needs that run's model (its job loads it); one the user chose, the loaded one.
      const runId = gguf ? (gguf.runId ?? '') : resolveAdapterRun(d.adapterRunId, useRuns.getState().runs);
      return job('evaluate', gguf ? `the evaluation of ${gguf.fileName}` : 'the evaluation', async (onProgress) => {
        const result = await engineClient().request('evaluate', { datasetId, runId: runId || undefined, limit: d.limit, maxNewTokens: d.maxNewTokens, batchSize: d.batchSize, ...(gguf && { gguf: { file: gguf.file, fileName: gguf.fileName } }) }, onProgress);
        set({ lastEval: result });
        const notice = evaluationNotice(result, d.maxNewTokens);
        if (gguf) return `With the weights of ${gguf.fileName}: ${notice[0].toLowerCase()}${notice.slice(1)}`;
        if (!runId || d.withBase === false || result.aborted || result.summary.total === 0) return notice;
        return `${notice} ${await besideBase(result.evalRunId, d, datasetId, onProgress)}`;
      }, datasetId, undefined, runId);
    },

    startHdr(datasetId, d = get().hdrDraft) {
      const runs = useRuns.getState().runs;
      const runId = resolveAdapterRun(d.adapterRunId, runs);
      return job('hdr', 'the HDR run', async (onProgress) => {
        // Rounds are written to the run row as they end: the rounds table fills in while HDR runs.
        const progress = refreshingRuns(onProgress);
        const r = await engineClient().request('startHdr', { datasetId, runId: runId || undefined, settings: d.settings, mineLimit: d.mineLimit, evalLimit: d.evalLimit }, progress);
        return `HDR ${hdrStoppedText(r)}: ${plural(r.poolStart, 'hard case')} mined, ${plural(r.added, 'example')} added to the dataset.`;
      }, datasetId, async (counting) => hdrStart(d, runs, countedPrompts(await datasetCounts(datasetId, counting), d.mineLimit)), runId);
    },

    async generateAnswer({ adapterRunId, tools, query, callSyntax, heldOut, followUp, maxNewTokens, temperature, backend = 'engine', expectation = heldOut, seed = temperature > 0 ? newSampleSeed() : undefined, besideBase = false }) {
      // Refused before the stream is touched: a request that cannot run leaves the answer on show.
      // (An ONNX export holds the GPU too, and has no Cancel: say to wait for it.)
      if (useOnnxExport.getState().exporting) return set({ error: EXPORTING_REASON, errorKind: 'generate' });
      // Named now: the pickers may change while the answer is generated.
      const answerFrom = answerSource(adapterRunId, backend);
      // Our engine loads the adapter's run's model first, as an evaluation does. The ONNX backend
      // loads none: it answers from the export the worker holds, which a model load drops, with the
      // tokenizer of the model loaded (the one that exported it).
      return job('generate', 'the playground answer', async (onProgress) => {
        const streamId = `gen-${Date.now()}`;
        // Put back if this request writes nothing (cancelled while the model loads, or failed).
        const previous = { answer: get().answer, answerFrom: get().answerFrom, streamText: get().streamText, baseStreamId: get().baseStreamId, baseStreamText: get().baseStreamText, baseAnswer: get().baseAnswer };
        // The base model's answer on show answered the previous question: it goes with it.
        set({ streamId, streamText: '', answer: null, answerFrom, baseStreamId: null, baseStreamText: '', baseAnswer: null });
        let answer: GenerateResult;
        // A later turn of the conversation is not the example's own answer: nothing to check it against.
        const checkAgainst = followUp?.length ? undefined : expectation;
        const question = { ...playgroundMessages({ tools, query, callSyntax, heldOut, followUp }), maxNewTokens, temperature, seed, expectation: checkAgainst };
        try {
          answer = await engineClient().request('generate', { streamId, runId: adapterRunId || undefined, ...question, backend }, onProgress);
        } catch (err) {
          if (!get().streamText) set(previous);
          throw err;
        }
        if (answer.finishReason === 'aborted' && answer.tokens === 0) {
          set(previous);
          return 'Cancelled before the first token: the previous answer is still shown.';
        }
        set({ answer, streamText: answer.text });
        if (answer.finishReason === 'aborted') return `Cancelled after ${plural(answer.tokens, 'token')}.`;
        const said = `${answer.tokens} tokens (${answer.finishReason})${backend === 'onnx' ? ' from the exported ONNX model via transformers.js' : ''}.`;
        if (!besideBase || !adapterRunId || backend !== 'engine' || followUp?.length) return said;
        // The same question, settings and seed without the adapter: what training changed in this answer.
        const baseStreamId = `${streamId}-base`;
        set({ baseStreamId });
        const base = await engineClient()
          .request('generate', { streamId: baseStreamId, ...question, backend }, onProgress)
          .catch((err: unknown) => {
            throw new Error(`the adapter's answer came, but the base model's did not: ${err instanceof Error ? err.message : String(err)}`);
          });
        set({ baseAnswer: base, baseStreamText: base.text });
        if (base.finishReason === 'aborted') return `${said} The base model's answer was cancelled after ${plural(base.tokens, 'token')}.`;
        return `${said} The base model: ${base.tokens} tokens (${base.finishReason}).`;
      }, undefined, undefined, backend === 'engine' ? adapterRunId : '');
    },

    async cancelJob() {
      if (planWait.cancel()) return;
      await engineClient().request('cancelJob', {}).catch((err) => set({ error: `Cancel failed: ${(err as Error).message}.` }));
    },

    noteGeneration(streamId, text) {
      if (streamId === get().streamId) set({ streamText: text });
      else if (streamId === get().baseStreamId) set({ baseStreamText: text });
    },

    noteJobRows(runIds) {
      set({ rows: runIds.length ? new Set(runIds) : NO_ROWS });
    },

    noteWorkerEnded(trainingRunId) {
      set({ crashedRows: new Set([...get().crashedRows, ...get().rows, ...(trainingRunId ? [trainingRunId] : [])]) });
    },

    dismiss() {
      set({ error: null, errorKind: null, notice: null, noticeKind: null });
    },

    clearAnswer() {
      if (get().running?.kind !== 'generate') set({ answer: null, streamText: '', answerFrom: null, baseStreamId: null, baseStreamText: '', baseAnswer: null });
    },
  };
});
