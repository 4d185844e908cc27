// The memory plan every start waits for: a training run's start and resume (runStore), an HDR run's
// and an ablation's (jobStore), each asked for the settings its job really runs, and the refusal in
// words naming those settings and the limit. The panels' plan is the forms' (on its way, or for
// another job: the guided demo's steps and a resumed run run their own settings), so no start relies
// on it. Never decides what fits: the worker's plan does; one it cannot make holds nothing (the job
// checks this GPU's limits itself).
import type { DecodeShape, MemoryPlan, ModelSource, ProgressInfo, RunConfig, TrainShape } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { trainedOnLoaded } from '../worker/protocol.ts';
import { describeSource, downloadKeptText, loadCancelled, otherLoadOnItsWay, sourceForRef, trainShapeOf, useModel } from './modelStore.ts';

/** What a job's progress says while its start waits for the plan. */
export const PLAN_CHECK_LABEL = 'checking whether it fits in GPU memory';

/** A start's progress while it waits for its plan: the check, and the worker counting the dataset's
 * tokens for it (`counting`, datasetFits' progress: on a dataset no panel counted yet, the whole
 * dataset is tokenized first, which takes a while on a large one). */
function planCheckProgress(counting?: ProgressInfo): ProgressInfo {
  return counting ? { label: `${PLAN_CHECK_LABEL}: ${counting.label}`, done: counting.done, total: counting.total, unit: 'examples' } : { label: PLAN_CHECK_LABEL, done: 0, total: 0 };
}

/** Where a start on its way to its job is, for its bar (`progress`, which moves) and its live region
 * (`words`, the phase alone: a status that changed with every count would be read out each time, and
 * one phase must be said once). In order: loading the model it needs (a resume of a run trained on
 * another), the worker counting the dataset's tokens (HDR and the ablation, whose plan needs their
 * prompt lengths), the plan's check. */
export interface StartProgress {
  phase: 'loading' | 'counting' | 'checking';
  words: string;
  progress: ProgressInfo;
}

export const checkingStart = (): StartProgress => ({ phase: 'checking', words: PLAN_CHECK_LABEL, progress: planCheckProgress() });

/** Counting starts where the worker reads the counts; on a dataset counted already it ends at once. */
export const countingStart = (counting?: ProgressInfo): StartProgress => ({ phase: 'counting', words: 'counting the dataset’s tokens for its memory check', progress: planCheckProgress(counting) });

/** `model` as the Model panel names it; `loading`: the worker's progress (a file, in bytes). */
export const loadingStart = (model: string, loading?: ProgressInfo | null): StartProgress => ({
  phase: 'loading',
  words: `loading ${model}`,
  progress: { label: `loading ${model}${loading ? ` (${loading.label})` : ''}`, done: loading?.done ?? 0, total: loading?.total ?? 0, unit: 'bytes' },
});

/** A start as the plan is asked about it and its refusal names it: what the job trains with (a
 * training run's config, HDR's retraining, the ablation's arms) and, for HDR and the ablation, how it
 * decodes and whether it retrains as HDR does (its retraining at its own, longer length is then part
 * of the verdict: the plan's hdrProblems, apart from `fits` so that training alone is not refused for
 * them). `name`: the run started (training), the run HDR starts from, the ablation's. */
export type PlannedStart =
  | { job: 'training'; config: RunConfig; name?: string }
  | { job: 'hdr'; config: RunConfig; decode: DecodeShape; name?: string }
  | { job: 'ablation'; config: RunConfig; decode: DecodeShape; withHdr: boolean; name: string };

const judgesHdr = (start: PlannedStart) => start.job === 'hdr' || (start.job === 'ablation' && start.withHdr);

/** The shape the worker plans for `start` (a form whose Start must agree with the store's asks this too). */
export function plannedShape(start: PlannedStart): TrainShape {
  return { ...trainShapeOf(start.config), ...(start.job !== 'training' && { decode: start.decode }) };
}

/** The worker's plan for `start` where it refuses it; null where it fits, or where the worker could
 * not make one. Every start asks here and waits for the answer. */
export async function refusingPlan(start: PlannedStart): Promise<MemoryPlan | null> {
  const plan = await engineClient().request('planMemory', plannedShape(start)).catch(() => undefined);
  if (!plan) return null;
  return plan.fits === false || (judgesHdr(start) && (plan.hdrProblems?.length ?? 0) > 0) ? plan : null;
}

/** How a start's wait for its plan ended where it does not go on: the plan refused it, or the user
 * cancelled it while it waited. */
export type PlanWaitEnd = { refused: MemoryPlan; start: PlannedStart } | 'cancelled';

/** The one start of a store (runStore's training start and resume, jobStore's HDR and ablation) on
 * its way to its job, and its Cancel: nothing has reached the job while it waits, so the worker has
 * nothing to cancel; a Cancel ends the wait there and then, and what was on its way (a model loading,
 * a count, the plan), when it ends, sends and starts nothing. runStore's exports of a run on another
 * model wait here too, for the load alone (`waitFor`): one Cancel, one strip line. */
export function startPlanWait() {
  let cancelWaiting: (() => void) | null = null;
  /** Waits for `work`, telling `onProgress` where it is (from `first`) until it ends or is cancelled;
   * `over()`: the wait ended, so `work` must ask nothing further. `cancel`: aborted by the Cancel,
   * for what `work` began that stops with it (a model load). */
  async function waitFor<T>(work: (report: (p: StartProgress) => void, over: () => boolean, cancel: AbortSignal) => Promise<T>, onProgress: (p: StartProgress) => void, first: StartProgress): Promise<T | 'cancelled'> {
    const cancel = new AbortController();
    const cancelled = new Promise<'cancelled'>((resolve) => (cancelWaiting = () => (cancel.abort(), resolve('cancelled'))));
    // Once the wait is over (cancelled), what is still on its way reports to no one and asks nothing.
    let over = false;
    const report = (p: StartProgress) => over || onProgress(p);
    report(first);
    try {
      return await Promise.race([cancelled, work(report, () => over, cancel.signal)]);
    } finally {
      over = true;
      cancelWaiting = null;
    }
  }
  return {
    waitFor,
    /** Waits for what `planned` does before the plan (loading a model, counting: it says where it is
     * through its `report`), then asks the plan for the start it gives, telling `onProgress` each
     * step; `first`: where the start begins. Null to go on, or what ended the start. */
    wait(planned: (report: (p: StartProgress) => void, cancel: AbortSignal) => Promise<PlannedStart | 'cancelled'>, onProgress: (p: StartProgress) => void = () => undefined, first: StartProgress = checkingStart()): Promise<PlanWaitEnd | null> {
      return waitFor(async (report, over, cancel) => {
        const start = await planned(report, cancel);
        // 'cancelled': what it waited on was cancelled elsewhere (its model's load, in the Model panel).
        if (start === 'cancelled') return start;
        if (over()) return null;
        report(checkingStart());
        const refused = await refusingPlan(start);
        return refused && { refused, start };
      }, onProgress, first);
    },
    /** Cancels the start on its way; false where none is (the job, if any, is the worker's to cancel). */
    cancel(): boolean {
      if (!cancelWaiting) return false;
      cancelWaiting();
      return true;
    },
  };
}

/** How a start's or action's load of its model ended: `failed`, why, in the Model panel's words;
 * 'cancelled' by the user (the action's Cancel, or the Model panel's). */
export type LoadEnd = 'loaded' | 'cancelled' | { failed: string };

/** Loads `source` as the first phase of a start or an action on its way (a resume, an export of a run
 * trained on another model), saying its bytes through `report`; `cancel`, the action's Cancel, stops
 * the load where the action began it (not one it joined: the Model panel's, say). */
export async function loadModelFor(source: ModelSource, report: (p: StartProgress) => void, cancel: AbortSignal): Promise<LoadEnd> {
  const model = describeSource(source);
  // Said in the action's words, not as the Model panel's error: the user asked the action, not the panel.
  const other = otherLoadOnItsWay(source);
  if (other) return { failed: `${other} is loading now, and the studio holds one model at a time: try again once it has loaded, or cancel its load in the Model panel.` };
  if (await useModel.getState().loadModel(source, (p) => report(loadingStart(model, p)), cancel)) return 'loaded';
  if (loadCancelled(source)) return 'cancelled';
  return { failed: useModel.getState().error ?? `${model} did not load.` };
}

/** The model a start or action on `run` (a resume, an export, an evaluation or HDR run on its adapter)
 * must load first: null where it names none or was trained on the loaded one; `source` null where
 * the studio cannot reopen it by itself (a dropped folder: the user drops it again). */
export function modelToLoad(run: { modelRef?: string } | undefined, loadedRef: string | null | undefined): { ref: string; source: ModelSource | null } | null {
  const ref = run?.modelRef;
  if (!ref || trainedOnLoaded(ref, loadedRef)) return null;
  return { ref, source: sourceForRef(ref) };
}

/** A start whose model (`ref`) did not load: `doing` names it ("Resuming “r”", "The evaluation"). */
export const modelDidNotLoadText = (doing: string, ref: string, failed: string) => `${doing} needs ${ref}, which did not load. ${failed}`;

/** What a Cancel of a start or action that was loading `source` adds: the load it began stops with
 * it (its Cancel is the load's), one it joined goes on. */
export function loadEndText(source: ModelSource | null | undefined): string {
  if (!source) return '';
  const model = describeSource(source);
  if (loadCancelled(source)) {
    const kept = downloadKeptText(source);
    return ` Loading ${model} stopped too${kept ? `: ${kept}` : ''}.`;
  }
  return useModel.getState().loading ? ` ${model} goes on loading (the Model panel shows it).` : '';
}

/** What a start cancelled while it waited for its plan says: `what` names it ("The HDR run"). */
export const startCancelledText = (what: string) => `${what} was cancelled before it started.`;

/** A dataset's prompt lengths as the worker counts them (datasetFits), for the HDR and ablation
 * starts' plans; undefined where it cannot count them. `counting`: its progress where it tokenizes
 * the dataset (one no panel counted yet). */
export type CountedPrompts = { longestPrompt: number; minedPrompts: number[] } | undefined;
export function datasetCounts(datasetId: string, counting?: (p: ProgressInfo) => void): Promise<CountedPrompts> {
  return engineClient().request('datasetFits', { datasetId }, counting).catch(() => undefined);
}

/** How the HDR and ablation starts decode a dataset's prompts (`counted`), as the jobs take them:
 * the longest prompt they decode sizes the cache, the prompts HDR mines (the first `mineLimit` of the
 * training side) its retraining length. Unknown where the worker could not count them: the plan then
 * assumes prompts up to the training length. */
export function countedPrompts(counted: CountedPrompts, mineLimit: number | null): Pick<DecodeShape, 'promptTokens' | 'minedPrompts'> {
  if (!counted) return {};
  return { promptTokens: counted.longestPrompt, ...(mineLimit !== null && { minedPrompts: counted.minedPrompts.slice(0, mineLimit) }) };
}

/** Settings as the memory plan's refusals name them: what sizes the step. */
export function memorySettingsWords(c: RunConfig): string {
  return `batch ${c.batchSize} × ${c.seqLen} tokens, LoRA rank ${c.lora.rank}${c.recompute ? ', recompute on' : ''}`;
}

/** HDR's retraining length, where the plan's verdict takes it longer than the run's. */
const hdrLengthWords = (plan: { hdrSeqLen?: number }, c: RunConfig) => (plan.hdrSeqLen !== undefined && plan.hdrSeqLen > c.seqLen ? `at sequence ${plan.hdrSeqLen} to hold its longest mined prompt and an answer` : null);

const decodeWords = (d: DecodeShape) => `${d.batch} answers at once, up to ${d.maxNewTokens} new tokens each`;

/** The memory plan's refusal of `start`, for Start training's reason and for the stores' starts (one
 * message, whichever way a job was started): the job, its settings as the plan was asked, the plan's
 * first problem (which names the limit), and what happened. A training run without a name is the
 * Training form's, whose settings the user can change there. */
export function startRefusal(plan: Pick<MemoryPlan, 'problems'> & Partial<Pick<MemoryPlan, 'hdrProblems' | 'hdrSeqLen'>>, start: PlannedStart): string {
  const problem = [...plan.problems, ...(judgesHdr(start) ? (plan.hdrProblems ?? []) : [])][0] ?? 'see the Model panel';
  const c = start.config;
  const says = (who: string, settings: Array<string | null>, then: string) => `The memory plan says ${who} fit this GPU (${settings.filter((s) => s).join('; ')}): ${problem}. ${then}`;
  switch (start.job) {
    case 'training':
      return start.name ? says(`the settings of “${start.name}” do not`, [memorySettingsWords(c)], 'No run was started.') : says('these settings do not', [memorySettingsWords(c)], 'See the Model panel for what to change.');
    case 'hdr': {
      const length = hdrLengthWords(plan, c);
      return says(`HDR from ${start.name ? `“${start.name}”` : 'the base model'} does not`, [`retraining with ${memorySettingsWords(c)}${length ? `, ${length}` : ''}`, `sampling ${decodeWords(start.decode)}`], 'No HDR run was started.');
    }
    case 'ablation': {
      const length = start.withHdr && hdrLengthWords(plan, c);
      return says(`the ablation “${start.name}” does not`, [`every arm trains with ${memorySettingsWords(c)}`, length ? `the SSB + HDR arm retrains ${length}` : null, `evaluating ${decodeWords(start.decode)}`], 'The ablation was not started.');
    }
  }
}
