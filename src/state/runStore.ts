// Runs as the page sees them: the stored runs (training, evaluation and HDR rows, typed by kind)
// with each one's newest metrics, the draft configuration, the selected run, and the one active run
// with its progress and ETA. Creating, training, pausing, stopping and deleting are requests to the
// worker, which writes the run; this store reads the runs table back (one query, queries.ts).
// Never computes metrics: they come from the worker (events and Dexie), see runSeries.ts.
import { nextPhaseTimes, type PhaseTimes } from './progressEta.ts';
import { useOnnxExport } from './onnxExportStore.ts';
import { create } from 'zustand';
import { configMessageIn, DEFAULT_RUN_CONFIG, failedWhen, runLockReleased, runsTrainingNow, validateRunConfig, validateRunConfigFor, type MemoryPlan, type ModelInfo, type ModelSource, type NothingToTrainCause, type ProgressInfo, type RunConfig, type RunStatus, type StepMetrics, type EvalGguf, isFinishedEval, scoresAdapter } from '../worker/protocol.ts';
export { baseEvalOfSameExamples } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { newestValues, runsTable, type RunKind, type StoredRun } from './queries.ts';
import { catchUpRunSeries } from './runSeries.ts';

export { LORA_TARGETS, type LoraTarget, type ScheduleKind } from '../worker/protocol.ts';
export { BALANCE_DEFAULTS, BALANCE_RULES, defaultBalanceLr, type BalanceRule } from '../worker/protocol.ts';
import { readPref, writePref } from './localPrefs.ts';
import { describeSource, useModel } from './modelStore.ts';
import { loadEndText, loadingStart, loadModelFor, memorySettingsWords, modelDidNotLoadText, modelToLoad, startCancelledText, startPlanWait, startRefusal, type PlanWaitEnd, type StartProgress } from './startPlan.ts';
import { askToNotify, notifyRunEnded } from './notify.ts';
import { downloadBytes } from './download.ts';
import { formatBytesShort } from './formatBytesShort.ts';
import { LONGER_IN_A_NEW_RUN } from './datasetViews.ts';

/** Defaults for the embedded model on a software GPU: short sequences of the demo fit in 320
 * tokens, batch 1 keeps a step to seconds. */
export const STUDIO_DEFAULT_CONFIG: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  steps: 20,
  batchSize: 1,
  seqLen: 320,
  warmupSteps: 2,
  evalEvery: 5,
  evalExamples: 4,
  checkpointEvery: 5,
  lr: 1e-3,
  lora: { ...DEFAULT_RUN_CONFIG.lora, rank: 4, alpha: 8 },
};

export interface ActiveRun {
  runId: string;
  progress: ProgressInfo | null;
  /** Training-step timestamps (ms) for the ETA: the recent pace, not the tokenizing phase. */
  stepTimes: Array<{ step: number; at: number }>;
  /** The phase before the first step that counts (tokenizing a large dataset, for minutes): its
   * first and newest progress, timed (ms), for how long it has left. */
  phaseTimes?: PhaseTimes;
  pausing: boolean;
  stopping: boolean;
}

/** What the run strip's line of a training start or resume says it is doing (startWaiting.doing). */
export const DOING_TRAINING = 'Training';

/** Why a start waits while an export on its way loads its run's model (`waiting`: startWaiting). */
function loadingForActionReason(waiting: { doing: string; name: string }): string {
  return `${waiting.doing} ${waiting.name} is loading its model (the run strip's Cancel stops it): start once it has loaded.`;
}

/** The Training form's labels for the config's fields, for its messages. */
const FORM_LABELS: Record<string, string> = {
  lr: 'Learning rate', steps: 'Steps', batchSize: 'Batch', gradAccum: 'Gradient accumulation', seqLen: 'Sequence length', warmupSteps: 'Warm-up steps',
  evalEvery: 'Eval loss every', evalExamples: 'Eval examples', checkpointEvery: 'Checkpoint every', keepBest: 'Keep the best step', patience: 'Stop after', seed: 'Seed', alphaMin: 'α min', alpha0: 'α₀', alphaMax: 'α max',
  balanceLr: 'the rule’s rate', balanceTemperature: 'Temperature T', balanceWindow: 'Window W', 'LoRA rank': 'LoRA rank', 'LoRA alpha': 'LoRA alpha',
};

/** What keeps the Training form's configuration from starting a run, in the form's words (null:
 * nothing), checked as the run itself will check it, before the panel sends the user away; with
 * the loaded model, against it too (a draft kept from another model may ask for more positions). */
export function draftProblem(draft: RunConfig, model?: Pick<ModelInfo, 'maxPositionEmbeddings'> | null): string | null {
  try {
    if (model) validateRunConfigFor(draft, model);
    else validateRunConfig(draft);
    return null;
  } catch (err) {
    return configMessageIn((err as Error).message, FORM_LABELS);
  }
}

/** What helps a run that had nothing to train (`nothingToTrain`, the job's code): a restart keeps the
 * run's sequence length but reads the dataset's examples as they are then (the worker's startRun), so
 * the Dataset panel's changes reach it and a longer length needs a new run. */
function nothingToTrainAdvice(cause: NothingToTrainCause): string {
  switch (cause) {
    case 'too_long':
      return `A run keeps its own sequence length. ${LONGER_IN_A_NEW_RUN}`;
    case 'none_used':
      return 'Include training examples in the Dataset panel, then start it again.';
    case 'unrenderable':
      return 'Fix the examples the chat template cannot render, or leave them out, in the Dataset panel, then start it again.';
  }
}

/** A failed run's error line, with what a resume would do: go on from its newest checkpoint
 * (`checkpointStep`), or, with none saved, start again from step 0. A message that already speaks of
 * resuming (a lost device: resume; a divergence: a resume would replay it, start a new run) gets no
 * such hint, which would repeat or contradict it; a run that had nothing to train says what helps
 * instead (nothingToTrainAdvice). */
function failedRunText(name: string, step: number, message: string | undefined, checkpointStep: number | undefined, nothingToTrain?: NothingToTrainCause): string {
  const text = `Run “${name}” failed ${failedWhen(step)}: ${message ?? 'no reason given'}.`;
  if (nothingToTrain) return `${text} ${nothingToTrainAdvice(nothingToTrain)}`;
  if (message && /\bresum/i.test(message)) return text;
  return checkpointStep ? `${text} Resume it to continue from its last checkpoint (step ${checkpointStep}).` : `${text} It saved no checkpoint, so there is nothing to resume: start it again from step 0.`;
}

/** The memory plan's refusal of a resume: the run keeps its own settings, not the form's. */
function resumeRefusal(plan: Pick<MemoryPlan, 'problems'>, config: RunConfig, runName: string): string {
  return `“${runName}” does not fit this GPU with its own settings (${memorySettingsWords(config)}): ${plan.problems[0] ?? 'see the Model panel'}. A resumed run keeps its settings: start a new run with smaller ones (the Model panel says what would fit).`;
}

/** Why Start training and Resume are off while a start (the Training form's, the guided demo's, a
 * resume) is on its way (`waiting`: startWaiting), saying what it is doing; null when none is. */
export function startingRunReason(waiting: { doing: string; name: string; phase: StartProgress } | null): string | null {
  if (!waiting) return null;
  if (waiting.doing !== DOING_TRAINING) return loadingForActionReason(waiting);
  const doing = waiting.phase.phase === 'checking' ? 'its memory plan is being checked' : waiting.phase.words;
  return `A run is starting: ${doing} (the run strip's Cancel stops it).`;
}

export function etaSeconds(stepTimes: ActiveRun['stepTimes'], totalSteps: number): number | null {
  const recent = stepTimes.slice(-10);
  if (recent.length < 2) return null;
  const first = recent[0];
  const last = recent.at(-1)!;
  const perStep = (last.at - first.at) / Math.max(1, last.step - first.step);
  return Math.max(0, ((totalSteps - last.step) * perStep) / 1000);
}

/** The draft as the user left it (kept across reloads), over today's defaults so a field added
 * since is filled in; an unreadable saved draft is ignored. */
const DRAFT_KEY = 'studio.runDraft';
function savedDraft(): RunConfig {
  try {
    const saved = JSON.parse(readPref(DRAFT_KEY) ?? 'null') as Partial<RunConfig> | null;
    if (!saved || typeof saved !== 'object') return STUDIO_DEFAULT_CONFIG;
    return { ...STUDIO_DEFAULT_CONFIG, ...saved, lora: { ...STUDIO_DEFAULT_CONFIG.lora, ...saved.lora } };
  } catch {
    return STUDIO_DEFAULT_CONFIG;
  }
}

/** 'off' once the user typed a sequence length: the form keeps it. Otherwise the length follows the
 * chosen dataset's suggestion (95% of its examples whole), as `studio train` takes it by default. */
const SEQ_LEN_FOLLOWS_KEY = 'studio.seqLenFollowsData';
function seqLenFollowsSaved(): boolean {
  const saved = readPref(SEQ_LEN_FOLLOWS_KEY);
  if (saved !== null) return saved !== 'off';
  // A draft kept from before this choice existed holds another length only where the user typed it.
  return savedDraft().seqLen === STUDIO_DEFAULT_CONFIG.seqLen;
}

/** The newest training run that has trained (newest first in `runs`): what evaluation, HDR and the
 * playground use unless the user picks another adapter or the base model. */
export function latestTrainedRun(runs: StoredRun[]): StoredRun | null {
  return runs.find((r) => r.kind === 'train' && (r.lastStep ?? 0) > 0) ?? null;
}

/** Runs whose adapter a job can use: training runs, and ended HDR runs that kept one (`adapterRuns`,
 * RunsTable's: its last finished round's, e.g. an ablation's SSB + HDR arm). One that failed in a
 * later round, or was cut off by a closed page (`status`, effectiveStatus's), keeps the rounds
 * before's, for evaluation and HDR too, not only export; one cancelled before its first round keeps
 * none, and one still running replaces its adapter round by round. */
export function hasAdapter(run: StoredRun, adapterRuns: ReadonlySet<string>, status: ReturnType<typeof effectiveStatus> = run.status): boolean {
  return run.kind === 'train' || (run.kind === 'hdr' && (status === 'done' || status === 'failed' || status === 'interrupted') && adapterRuns.has(run.id));
}

/** A run's adapter as the pickers name it: its name, with the step (or HDR round) of the adapter a
 * job reads, its newest checkpoint's (`checkpointSteps`, RunsTable's). The run's own step may be
 * later: a training run that failed after its last checkpoint, or an HDR run that could not keep its
 * last round's adapter, is named by where it stopped, and a job answers with the earlier adapter. */
export function adapterLabel(run: StoredRun, checkpointSteps?: ReadonlyMap<string, number>): string {
  const step = checkpointSteps?.get(run.id) ?? run.lastStep ?? 0;
  // Step 0 of an HDR run: it ended before any round (no hard case) and kept the adapter it started from
  // (or, from the base model, an untrained one).
  const hdr = step === 0 ? 'HDR, no round' : `HDR, round ${step}`;
  return `${run.name ?? run.id} (${run.kind === 'hdr' ? hdr : `step ${step}`})`;
}

/** An adapter choice: a run id, '' for the base model, or null for the latest trained run. */
export type AdapterChoice = string | null;

/** The notice a run's end with words leaves (stopped, stopped early, the step it kept), naming the run. */
export function runEndNotice(name: string, message: string): string {
  return `Training run “${name}”: ${message}.`;
}

/** The run id an adapter choice stands for now ('' = the base model). */
export function resolveAdapterRun(choice: AdapterChoice, runs: StoredRun[]): string {
  if (choice !== null) return choice;
  return latestTrainedRun(runs)?.id ?? '';
}

/** The newest finished evaluation of each adapter (null: the base model, one per model: another
 * model's base is not this adapter's base) and of each GGUF file among `evals` (newest first), base
 * models first, each file after the adapter it was exported from: the rows of a base-vs-adapter
 * comparison. One stopped part-way scored only some examples, so it is not a row. */
export function latestEvalPerAdapter<R extends { config: { adapterRunId: string | null; gguf?: EvalGguf }; summary?: unknown; status?: string; stopped?: boolean; modelRef?: string }>(evals: R[]): R[] {
  const seen = new Set<string>();
  const file = (r: R) => (r.config.gguf ? `${r.config.gguf.fileName} ${r.config.gguf.bytes}` : '');
  const key = (r: R) => `${r.config.adapterRunId ?? `base model ${r.modelRef ?? ''}`}\u0000${file(r)}`;
  const out = evals.filter((r) => r.summary && r.status !== 'failed' && !r.stopped && !seen.has(key(r)) && (seen.add(key(r)), true));
  const runIds = [...new Set(out.map((r) => r.config.adapterRunId).filter((id) => id !== null))];
  const ofRun = (id: string | null, gguf: boolean) => out.filter((r) => r.config.adapterRunId === id && !!r.config.gguf === gguf);
  return [...ofRun(null, false), ...runIds.flatMap((id) => [...ofRun(id, false), ...ofRun(id, true)]), ...ofRun(null, true)];
}

/** A run's newest finished evaluation of its own adapter (not of a GGUF file of it) that scored
 * something; `runs` newest first, as the store lists them. */
export function newestAdapterEval(runs: StoredRun[], runId: string): Extract<StoredRun, { kind: 'eval' }> | null {
  for (const r of runs) if (r.kind === 'eval' && r.config.adapterRunId === runId && scoresAdapter(r.config) && isFinishedEval(r) && r.summary.total > 0) return r;
  return null;
}

/** A GGUF file an evaluation answered with, in words; `fromRun`: the name of the run it was
 * exported from (null: a file the user gave). */
export function ggufEvalText(g: EvalGguf, fromRun: string | null): string {
  return `${fromRun === null ? '' : `${fromRun} as `}${g.fileName} (${g.fileType ?? 'GGUF'} weights, ${formatBytesShort(g.bytes)})`;
}

/** Evaluation and HDR runs share the runs table; every row says its kind. */
export function runKind(run: StoredRun): RunKind {
  return run.kind;
}

export function isTrainingRun(run: StoredRun): run is Extract<StoredRun, { kind: 'train' }> {
  return run.kind === 'train';
}

/** The step a finished run that keeps its best step (keepBest) kept, its newest checkpoint's, where
 * that is not its last step; null otherwise. */
export function keptBestStep(run: StoredRun, checkpointSteps: ReadonlyMap<string, number>): number | null {
  if (!isTrainingRun(run) || !run.config.keepBest || run.status !== 'done') return null;
  const kept = checkpointSteps.get(run.id);
  return kept !== undefined && kept < (run.lastStep ?? 0) ? kept : null;
}

/** What turns a training run's steps into epochs (epochsOfSteps): the examples it trains on and
 * per step; null before it started (its examples are counted when its data is tokenized). */
export function runEpochBasis(run: StoredRun): { examples: number; batchSize: number; gradAccum: number } | null {
  if (!isTrainingRun(run) || !run.setup?.examples.train) return null;
  return { examples: run.setup.examples.train, batchSize: run.config.batchSize, gradAccum: run.config.gradAccum };
}

/** A run as the Runs panel names it: its name, else its id (also for a run no longer listed). */
export function runNameById(runs: StoredRun[], runId: string): string {
  return runs.find((r) => r.id === runId)?.name ?? runId;
}

/** The training run this tab trains now, if it is listed. */
function trainingNowIn(s: { active: { runId: string } | null; runs: StoredRun[] }): Extract<StoredRun, { kind: 'train' }> | undefined {
  const run = s.active ? s.runs.find((r) => r.id === s.active!.runId) : undefined;
  return run && isTrainingRun(run) ? run : undefined;
}

/** The settings the memory plan is for: the run training in this tab's, with its own settings (the
 * guided demo's run trains with the demo's, not the form's), else the Training form's draft. */
export function plannedRunConfig(s: { draft: RunConfig; active: { runId: string } | null; runs: StoredRun[] }): RunConfig {
  return trainingNowIn(s)?.config ?? s.draft;
}

/** The dataset of what plannedRunConfig plans (its longest prompt sizes the generation cache): the
 * training run's, else `selectedId`, which the Training form trains on. */
export function plannedRunDatasetId(s: { active: { runId: string } | null; runs: StoredRun[] }, selectedId: string | null): string | null {
  return trainingNowIn(s)?.datasetId ?? selectedId;
}

/** A run row left as `running` by a closed page is not training: it can be resumed. A row this
 * tab's job writes (`jobRows`: HDR, an ablation and its arms) is being written now; one whose lock
 * another tab holds (`trainingNow`) trains there. */
export function effectiveStatus(run: StoredRun, activeRunId: string | null, jobRows: ReadonlySet<string> = NONE, trainingNow: ReadonlySet<string> = NONE): RunStatus | 'interrupted' | 'elsewhere' {
  if (run.id === activeRunId) return run.status;
  // A run whose lock a worker holds is being trained whatever its row says yet (an ablation's arm
  // stays `created` while it tokenizes): by this tab's job when it is one of its rows, else elsewhere.
  if (run.status !== 'running') return trainingNow.has(run.id) ? (jobRows.has(run.id) ? 'running' : 'elsewhere') : run.status;
  if (jobRows.has(run.id)) return 'running';
  return trainingNow.has(run.id) ? 'elsewhere' : 'interrupted';
}
const NONE: ReadonlySet<string> = new Set();

/** A run's status as the run lists word it (`status`: effectiveStatus's): an interruption this
 * page saw its GPU worker cause (`workerEnded`: the run is in jobStore's crashedRows) says so,
 * where a row an earlier page left cannot tell. */
export function runStatusText(status: ReturnType<typeof effectiveStatus>, workerEnded: boolean): string {
  return status === 'interrupted' && workerEnded ? 'interrupted (its GPU worker was ended)' : status;
}

/** Whether resuming would train anything: a run that is not training and has steps left, or one
 * this studio trained that failed (at its last step too: its newest checkpoint, where resuming
 * continues, may be earlier; an imported read-only run may have none to continue from). */
export function canResume(run: StoredRun, activeRunId: string | null, jobRows: ReadonlySet<string> = NONE, trainingNow: ReadonlySet<string> = NONE): boolean {
  if (!isTrainingRun(run) || activeRunId !== null) return false;
  const status = effectiveStatus(run, activeRunId, jobRows, trainingNow);
  const steps = run.config.steps;
  const left = (run.lastStep ?? 0) < steps || (status === 'failed' && !run.readOnly);
  return left && (status === 'paused' || status === 'interrupted' || status === 'failed' || status === 'created' || (status === 'done' && !!run.readOnly));
}

/** What a resume button does to `run`: go on from its newest checkpoint (`checkpointStep`, not the
 * last step it reached: the steps after that checkpoint are trained again), or start again from step 0
 * when it has none. `named`: with the run's name after the verb, for a button away from the run. */
export function resumeLabel(run: StoredRun, checkpointStep: number | null | undefined, { named = false } = {}): string {
  const verb = resumeVerb(run, checkpointStep);
  const who = named ? ` “${run.name ?? run.id}”` : '';
  if (verb === 'Resume') return `Resume${who} from step ${checkpointStep} (last checkpoint)`;
  return verb === 'Start again' ? `Start${who} again from step 0 (its ${run.lastStep} stored steps are replaced)` : `Start${who} from step 0`;
}

/** resumeLabel's verb, for a button with no room for the rest: only a run with a checkpoint resumes;
 * one without starts again (it has steps stored, which go) or starts. */
export function resumeVerb(run: Pick<StoredRun, 'lastStep'>, checkpointStep: number | null | undefined): 'Resume' | 'Start again' | 'Start' {
  return checkpointStep ? 'Resume' : run.lastStep ? 'Start again' : 'Start';
}

interface RunState {
  runs: StoredRun[];
  /** Each run's newest metric values, for the runs table. */
  lastMetrics: Map<string, Record<string, number>>;
  /** Each run's newest checkpoint step: where resuming continues. */
  checkpointSteps: Map<string, number>;
  /** The runs with an adapter to export (RunsTable.adapterRuns). */
  adapterRuns: ReadonlySet<string>;
  /** The runs a tab of the studio (this one or another) is training, by their Web Lock: a `running`
   * row another tab trains is "elsewhere", not interrupted. */
  trainingNow: ReadonlySet<string>;
  selectedRunId: string | null;
  draft: RunConfig;
  active: ActiveRun | null;
  /** A start or resume on its way to training (`name`: the run as the run strip shows it; `phase`:
   * where it is, StartProgress's: a resume loading its run's model, then the memory plan's check),
   * which cancelStart ends: it holds the GPU for nothing yet, and `active` is not set until it trains. */
  startWaiting: { name: string; doing: string; phase: StartProgress } | null;
  error: string | null;
  notice: string | null;
  refreshRuns(): Promise<void>;
  selectRun(id: string | null): void;
  updateDraft(patch: Partial<RunConfig>): void;
  /** The run whose adapter the form's next run starts from (null: a new LoRA adapter); not kept
   * across reloads, as the pickers' adapter choices are not. */
  startFrom: string | null;
  /** Chooses it, and takes its LoRA settings into the draft: the new run's are the adapter's. */
  setStartFrom(runId: string | null): void;
  /** Whether the form's sequence length follows the chosen dataset (its suggestion) or is the user's. */
  seqLenFollowsData: boolean;
  /** A length the user typed: the form keeps it, whatever the dataset. */
  chooseSeqLen(seqLen: number): void;
  /** The data's suggested length, followed from now on (another dataset chosen, its own). */
  followDataSeqLen(seqLen: number): void;
  /** `config`: train with these settings instead of the draft, leaving the user's draft as it is
   * (the guided demo's run). */
  startRun(datasetId: string, name?: string, config?: RunConfig): Promise<void>;
  /** `steps`: an ended run trains on from its checkpoint to this many steps in all. */
  resumeRun(runId: string, steps?: number): Promise<void>;
  /** Ends the start or resume on its way (startWaiting), before it trains: what is on its way then (a
   * model loading, the plan) starts nothing when it ends. Ends an export's load the same way. */
  cancelStart(): void;
  /** Loads `source` before an action on a run trained on it (`doing` `name`: "Exporting a snapshot
   * of", the run), shown on the run strip as a start's load is, with its Cancel: 'cancelled' where the
   * user cancelled it (that Cancel, or the Model panel's of its load: the action then sends nothing);
   * throws why it did not load. */
  loadModelForAction(name: string, doing: string, source: ModelSource): Promise<'loaded' | 'cancelled'>;
  pauseRun(): Promise<void>;
  stopRun(): Promise<void>;
  deleteRun(runId: string): Promise<void>;
  /** Renames a run or sets its tags and notes; true when saved. */
  updateRunInfo(runId: string, info: { name?: string; tags?: string[]; notes?: string }): Promise<boolean>;
  /** The run whose recipe is being exported, if any, and what the last export saved. */
  recipeBusy: string | null;
  recipeNotice: string | null;
  /** Downloads a training run as a transformers + PEFT recipe (.zip) for one or many GPUs; the
   * run's model must be the loaded one (its tokenizer writes the recipe's token ids). */
  exportRecipe(runId: string): Promise<void>;
  /** Called by the event adapter on `run-status` (this tab's worker or another tab's). */
  noteStatus(runId: string, status: RunStatus, message?: string, step?: number): void;
  /** Called by the event adapter on `run-metric`: the runs table's step and newest values follow
   * the run as it trains (they were read only when a run started or ended). */
  noteMetric(runId: string, metric: StepMetrics): void;
  /** Runs this tab trained (its run, or its job's rows) have ended: their locks, if last read held,
   * were this tab's, so until the locks are read again they must not pass for runs another tab
   * trains (shown "elsewhere", and holding the GPU there). */
  noteEndedHere(runIds: readonly string[]): void;
  dismissError(): void;
}

const SELECTED_RUN_KEY = 'studio.selectedRun';

function withoutRuns(runIds: ReadonlySet<string>, ended: readonly string[]): ReadonlySet<string> {
  if (!ended.some((id) => runIds.has(id))) return runIds;
  const rest = new Set(runIds);
  for (const id of ended) rest.delete(id);
  return rest;
}

/** The active run after the worker refused its pause or stop: no longer ending that way. */
function endingRefused(active: ActiveRun | null, runId: string, how: 'pausing' | 'stopping'): ActiveRun | null {
  return active && active.runId === runId ? { ...active, [how]: false } : active;
}

export const useRuns = create<RunState>((set, get) => {
  // A start or resume on its way to training (reading runs, loading the model) before `active` is
  // set: a second click meanwhile would start a second request and, refused, clear the first's.
  let starting = false;
  /** The runs whose lock release the page waits for (watchTrainingNow). */
  const watching = new Set<string>();
  /** refreshRuns calls started, and the newest one's reading: one that finishes after a later one
   * began read older rows and locks. */
  let refreshes = 0;
  let newestRefresh: Promise<void> = Promise.resolve();

  /** Reads the runs again once each run training now lets its lock go: a run another tab trains
   * must not hold this tab's GPU buttons after it ends, though an HDR run or a tab closed mid-run
   * tells this tab nothing when it does (only training runs share their events). This tab's own
   * run ends here (train), and is not waited on: its Resume may be pressed as soon as it pauses. */
  function watchTrainingNow(trainingNow: ReadonlySet<string>): void {
    for (const runId of trainingNow) {
      if (watching.has(runId) || runId === get().active?.runId) continue;
      watching.add(runId);
      void runLockReleased(runId)
        .finally(() => watching.delete(runId))
        .then(() => get().refreshRuns())
        .catch(() => undefined);
    }
  }

  /** Trains a run in the worker until it ends, keeping `active` up to date. */
  /** Trains the run (resumed or from the start); false when the worker refused to start it. */
  async function train(runId: string, resume: boolean, steps?: number): Promise<boolean> {
    askToNotify();
    set({ active: { runId, progress: null, stepTimes: [], pausing: false, stopping: false }, error: null, notice: null, selectedRunId: runId });
    writePref(SELECTED_RUN_KEY, runId);
    try {
      const result = await engineClient().request('startRun', { runId, resume, ...(steps !== undefined && { steps }) }, (progress) => {
        const a = get().active;
        if (!a || a.runId !== runId) return;
        const now = performance.now();
        const stepTimes = progress.label === 'training' ? [...a.stepTimes.slice(-20), { step: progress.done, at: now }] : a.stepTimes;
        const phaseTimes = progress.label === 'training' ? undefined : nextPhaseTimes(a.phaseTimes, progress.label, progress.done, now);
        set({ active: { ...a, progress, stepTimes, phaseTimes } });
      });
      const run = get().runs.find((r) => r.id === runId);
      const name = run?.name ?? runId;
      // Trained on, the run's length is the new total (the row read before says the old one).
      notifyRunEnded(name, result.status, result.step, run && isTrainingRun(run) ? (steps ?? run.config.steps) : undefined);
      if (result.status === 'failed') {
        // Whether it saved a checkpoint to resume from is the runs table's: read it again first.
        await get().refreshRuns();
        set({ error: failedRunText(name, result.step, result.message, get().checkpointSteps.get(runId), result.nothingToTrain) });
      }
      // A run that ends with words (stopped, stopped early, the step it kept) says them as a sentence, naming the run.
      else if (result.message) set({ notice: runEndNotice(name, result.message) });
      return true;
    } catch (err) {
      // A worker the browser ended (client.ts) stopped a run that may have trained for hours: it did run.
      const how = (err as Error).name === 'WorkerCrashed' ? 'stopped' : 'could not run';
      set({ error: `Training run ${runNameById(get().runs, runId)} ${how}: ${(err as Error).message}.` });
      return false;
    } finally {
      if (get().active?.runId === runId) {
        set({ active: null });
        get().noteEndedHere([runId]);
      }
      await get().refreshRuns();
    }
  }

  const planWait = startPlanWait();

  /** Waits for what a training start or resume does before it trains (`planned`, from `first`: a
   * resume loads its run's model) and for its memory plan, shown in the run strip as `name` with its
   * Cancel (cancelStart); what ended it, or null to go on. */
  async function waitForPlan(name: string, planned: Parameters<typeof planWait.wait>[0], first?: StartProgress): Promise<PlanWaitEnd | null> {
    try {
      return await planWait.wait(planned, (phase) => set({ startWaiting: { name, doing: DOING_TRAINING, phase } }), first);
    } finally {
      set({ startWaiting: null });
    }
  }

  /** Runs `begin` unless a run trains or is being started: one start at a time. */
  async function startOnce(begin: () => Promise<void>, busy: string): Promise<void> {
    const waiting = get().startWaiting;
    if (get().active || starting) return set({ error: waiting && waiting.doing !== DOING_TRAINING ? loadingForActionReason(waiting) : busy });
    starting = true;
    try {
      await begin();
    } finally {
      starting = false;
    }
  }

  return {
    runs: [],
    lastMetrics: new Map(),
    checkpointSteps: new Map(),
    adapterRuns: NONE,
    trainingNow: NONE,
    selectedRunId: readPref(SELECTED_RUN_KEY),
    draft: savedDraft(),
    startFrom: null,
    seqLenFollowsData: seqLenFollowsSaved(),
    active: null,
    startWaiting: null,
    error: null,
    notice: null,
    recipeBusy: null,
    recipeNotice: null,

    refreshRuns() {
      const refresh = ++refreshes;
      const reading = (async (): Promise<void> => {
        const { runs, lastMetrics, checkpointSteps, adapterRuns } = await runsTable();
        const trainingNow = await runsTrainingNow().catch(() => NONE);
        // Overtaken: set last, its rows and locks (read while a run still held its lock) undid the
        // newer ones, and a run that had just finished here read "training in another tab". Its
        // caller waits for the newest reading instead.
        if (refresh !== refreshes) return newestRefresh;
        // The dashboard shows training runs: with none chosen (or the chosen one gone), the newest of
        // them, not the newest row (an evaluation, HDR run or ablation has no training curves).
        const sel = get().selectedRunId;
        const selectedRunId = runs.some((r) => r.id === sel && isTrainingRun(r)) ? sel : (runs.find(isTrainingRun)?.id ?? null);
        set({ runs, lastMetrics, checkpointSteps, adapterRuns, trainingNow, selectedRunId });
        watchTrainingNow(trainingNow);
        // Charts of runs a job trains (no live steps) follow the rows it wrote since they were read.
        await catchUpRunSeries(get().active?.runId ?? null).catch((err) => console.error('could not read new metric rows:', err));
      })();
      newestRefresh = reading;
      return reading;
    },

    selectRun(id) {
      writePref(SELECTED_RUN_KEY, id);
      set({ selectedRunId: id });
    },

    updateDraft(patch) {
      const draft = { ...get().draft, ...patch };
      writePref(DRAFT_KEY, JSON.stringify(draft));
      set({ draft });
    },

    setStartFrom(runId) {
      const from = runId === null ? undefined : get().runs.find((r) => r.id === runId);
      set({ startFrom: from ? runId : null });
      const lora = (from?.config as Partial<RunConfig> | undefined)?.lora;
      if (lora) get().updateDraft({ lora: { ...lora } });
    },

    chooseSeqLen(seqLen) {
      writePref(SEQ_LEN_FOLLOWS_KEY, 'off');
      set({ seqLenFollowsData: false });
      get().updateDraft({ seqLen });
    },

    followDataSeqLen(seqLen) {
      writePref(SEQ_LEN_FOLLOWS_KEY, 'on');
      set({ seqLenFollowsData: true });
      get().updateDraft({ seqLen });
    },

    startRun: (datasetId, name, asked) => startOnce(async () => {
      const model = useModel.getState().info;
      if (!model) return set({ error: 'No model is loaded. Choose one in the Model panel (the embedded model works offline), then start again.' });
      // The form's run starts from the adapter it names; another start (the guided demo's) from a new one.
      const config = asked ?? get().draft;
      const startFrom = asked ? null : get().startFrom;
      if (startFrom && !get().runs.some((r) => r.id === startFrom)) {
        set({ startFrom: null });
        return set({ error: 'The run whose adapter the new run was to start from is gone (deleted, perhaps in another tab). Choose where to start from again in the Training panel.' });
      }
      // Asked here, and waited for, for every start: the panels' plan is the form's, on its way or
      // another's (the guided demo's run trains its own settings).
      const ended = await waitForPlan(name ?? 'a new run', async () => ({ job: 'training', config, name }));
      if (ended === 'cancelled') return set({ notice: startCancelledText(name ? `The training run “${name}”` : 'The training run') });
      if (ended) return set({ error: startRefusal(ended.refused, ended.start) });
      let runId: string;
      try {
        ({ runId } = await engineClient().request('createRun', { datasetId, config, name, ...(startFrom && { startFrom }) }));
      } catch (err) {
        return set({ error: `The configuration is not valid: ${(err as Error).message}. Fix it in the Training panel.` });
      }
      await get().refreshRuns();
      // Refused before it began (another job holds the GPU, the dataset is gone): a run that never
      // trained would sit in every adapter picker.
      if (!(await train(runId, false))) {
        const row = get().runs.find((r) => r.id === runId);
        if (row?.status !== 'created' || row.lastStep) return;
        await engineClient().request('deleteRun', { runId }).catch(() => undefined);
        await get().refreshRuns();
      }
    }, 'A run is already training or starting; pause or stop it before starting another.'),

    resumeRun: (runId, steps) => startOnce(async () => {
      await get().refreshRuns();
      const run = get().runs.find((r) => r.id === runId);
      if (!run) return set({ error: `Run ${runId} no longer exists. Pick another run in the Runs panel.` });
      if (!isTrainingRun(run)) return set({ error: `“${run.name ?? runId}” is not a training run: only a training run resumes.` });
      const name = run.name ?? run.id;
      // A run trained on another model than the loaded one loads its own first (a hub model may take
      // minutes), as part of the start: the strip shows it, and its Cancel ends the resume there.
      const needs = modelToLoad(run, useModel.getState().info?.ref);
      const source = needs?.source;
      if (needs && !source) return set({ error: `Run ${runId} was trained on ${needs.ref}. Drop that model's folder in the Model panel, then resume.` });
      const loading = source ? loadingStart(describeSource(source)) : undefined;
      let ended: PlanWaitEnd | null;
      try {
        ended = await waitForPlan(name, async (report, cancel) => {
          const loaded = source ? await loadModelFor(source, report, cancel) : 'loaded';
          if (loaded === 'cancelled') return loaded;
          if (loaded !== 'loaded') throw new Error(modelDidNotLoadText(`Resuming “${name}”`, needs!.ref, loaded.failed));
          return { job: 'training', config: run.config };
        }, loading);
      } catch (err) {
        return set({ error: (err as Error).message });
      }
      if (ended === 'cancelled') {
        return set({ notice: `${startCancelledText(`Resuming “${name}”`)}${loadEndText(source || null)}` });
      }
      if (ended) return set({ error: resumeRefusal(ended.refused, run.config, name) });
      await train(runId, true, steps);
    }, 'A run is already training or starting; pause or stop it before resuming another.'),

    cancelStart() {
      planWait.cancel();
    },

    async loadModelForAction(name, doing, source) {
      // One wait on the strip at a time: its Cancel ends the one it shows.
      const waiting = get().startWaiting;
      if (waiting || starting) throw new Error(waiting ? `${waiting.doing.toLowerCase()} ${waiting.name} is on its way (the run strip shows it); try again once it has started or been cancelled` : 'a run is starting; try again once it has started');
      starting = true;
      try {
        const loaded = await planWait.waitFor((report, _over, cancel) => loadModelFor(source, report, cancel), (phase) => set({ startWaiting: { name, doing, phase } }), loadingStart(describeSource(source)));
        if (loaded === 'loaded' || loaded === 'cancelled') return loaded;
        // Its words end with a full stop; the action's message adds its own.
        throw new Error(`its model did not load. ${loaded.failed.replace(/\.$/, '')}`);
      } finally {
        starting = false;
        set({ startWaiting: null });
      }
    },

    async pauseRun() {
      const a = get().active;
      if (!a) return;
      set({ active: { ...a, pausing: true } });
      // Refused (the run was still being set up: "not training"), the run goes on: Pause and Stop
      // must work again, not stay "Pausing after this step…" until it ends.
      await engineClient().request('pauseRun', { runId: a.runId }).catch((err) => set({ error: `Pause failed: ${(err as Error).message}.`, active: endingRefused(get().active, a.runId, 'pausing') }));
    },

    async stopRun() {
      const a = get().active;
      if (!a) return;
      set({ active: { ...a, stopping: true } });
      await engineClient().request('stopRun', { runId: a.runId }).catch((err) => set({ error: `Stop failed: ${(err as Error).message}.`, active: endingRefused(get().active, a.runId, 'stopping') }));
    },

    async deleteRun(runId) {
      if (get().active?.runId === runId) return set({ error: 'This run is training; stop it before deleting it.' });
      try {
        await engineClient().request('deleteRun', { runId });
      } catch (err) {
        return set({ error: `Deleting “${runNameById(get().runs, runId)}” failed: ${(err as Error).message}. Nothing was removed.` });
      }
      if (get().selectedRunId === runId) get().selectRun(null);
      // The worker let its ONNX export go with it.
      useOnnxExport.setState((o) => ({ exportedRunIds: o.exportedRunIds.filter((id) => id !== runId) }));
      await get().refreshRuns();
    },

    async updateRunInfo(runId, info) {
      try {
        await engineClient().request('updateRunInfo', { runId, ...info });
      } catch (err) {
        set({ error: `Saving the run's details failed: ${(err as Error).message}.` });
        return false;
      }
      await get().refreshRuns();
      return true;
    },

    async exportRecipe(runId) {
      if (get().recipeBusy) return;
      const run = get().runs.find((r) => r.id === runId);
      const name = run?.name ?? runId;
      set({ recipeBusy: runId, error: null, recipeNotice: null });
      try {
        const needs = modelToLoad(run, useModel.getState().info?.ref);
        if (needs) {
          const source = needs.source;
          if (!source) throw new Error(`it was trained on ${needs.ref}; drop that model's folder in the Model panel first`);
          if ((await get().loadModelForAction(name, 'Exporting a recipe of', source)) === 'cancelled') return set({ recipeNotice: `The recipe of “${name}” was not exported: cancelled while its model loaded.${loadEndText(source)}` });
        }
        const r = await engineClient().request('exportRecipe', { runId });
        downloadBytes(r.zip, r.fileName);
        const notes = r.notes.length ? ` Note: ${r.notes.join('; ')}.` : '';
        set({ recipeNotice: `Saved ${r.fileName}: ${r.trainExamples} training and ${r.evalExamples} held-out examples tokenized as this run saw them, its settings, and train.py for transformers + PEFT on one GPU or several (see its README.md).${notes}` });
      } catch (err) {
        set({ error: `Could not export “${name}” as a recipe: ${(err as Error).message}.` });
      } finally {
        set({ recipeBusy: null });
      }
    },

    noteStatus(runId, status, message, step) {
      set({ runs: get().runs.map((r) => (r.id === runId ? { ...r, status, message, updatedAt: Date.now(), ...(step !== undefined ? { lastStep: step } : {}) } : r)) });
    },

    noteMetric(runId, metric) {
      const { runs, lastMetrics } = get();
      const i = runs.findIndex((r) => r.id === runId);
      const values = newestValues(lastMetrics.get(runId), metric as unknown as Record<string, number>);
      set({
        lastMetrics: new Map(lastMetrics).set(runId, values),
        ...(i >= 0 && runs[i].lastStep !== metric.step ? { runs: runs.map((r, j) => (j === i ? { ...r, lastStep: metric.step } : r)) } : {}),
      });
    },

    noteEndedHere(runIds) {
      set({ trainingNow: withoutRuns(get().trainingNow, runIds) });
    },

    dismissError() {
      set({ error: null, notice: null, recipeNotice: null });
    },
  };
});

// Another tab may have started, finished or deleted runs while this one was in the background:
// look again when it is shown.
if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void useRuns.getState().refreshRuns().catch(() => undefined);
  });
}
