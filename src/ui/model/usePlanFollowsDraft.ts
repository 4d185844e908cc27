// Keeps the memory plan in step with the training settings, the Evaluation, HDR and ablation forms'
// decoding and the planned dataset's longest prompt (the generation cache's size) and the prompts
// HDR mines from it (its retraining length), and the loaded
// model, wherever the plan is shown (Model and Training panels), so the verdict is never stale. The
// Training panel plans its form (the next run, on the selected dataset); the Model panel what runs
// now: the run training if there is one, on its own dataset (plannedRunConfig, plannedRunDatasetId:
// the demo's run trains with the demo's settings, not the form's), the demo's settings,
// decoding and dataset while a demo step trains, evaluates or runs HDR, and the dataset of the job
// this tab runs. Its HDR verdict is for one HDR job with that job's own settings: the HDR form's
// run, or the ablation's SSB + HDR arm (the Model panel's while this tab's ablation runs). The
// Ablation panel plans the ablation's own start instead (useAblationPlanFollowsForm).
import { useEffect } from 'react';
import { trainShapeOf, useModel } from '../../state/modelStore.ts';
import { draftProblem, useRuns } from '../../state/runStore.ts';
import { ablationDraftProblem, ablationPlannedStart, formsDecodeShape, hdrFormRetrainConfig, modelPanelHdrJob, plannedHdr, useJobs } from '../../state/jobStore.ts';
import { useDatasets } from '../../state/datasetStore.ts';
import { useCountedPrompts, useLongestPrompt, useMinedPrompts } from '../../state/datasetViews.ts';
import { plannedShape } from '../../state/startPlan.ts';
import { plannedDatasetId, plannedMineLimit, plannedSettings, useDemo } from '../../state/demoStore.ts';

type RunsState = ReturnType<typeof useRuns.getState>;

/** `dataset`: the dataset `settings` train on, from the selected one (the Training form's). The HDR
 * the plan judges is the HDR form's run (on the Model panel, the ablation's arm while this tab's
 * ablation runs). */
export function usePlanFollowsDraft(settings: (s: RunsState) => RunsState['draft'] = (s) => s.draft, followDemo = false, dataset: (s: RunsState, selectedId: string | null) => string | null = (_s, selectedId) => selectedId): void {
  const demoStep = useDemo((s) => (followDemo ? s.busy : null));
  // Numbers, not a fresh object per read, so the store's selectors stay stable.
  const formsBatch = useJobs((s) => formsDecodeShape(s).batch);
  const formsMaxNewTokens = useJobs((s) => formsDecodeShape(s).maxNewTokens);
  const job = useJobs((s) => (followDemo ? modelPanelHdrJob(s) : 'hdr-form'));
  // Its answers and mining from that job's own form only, as its retraining: the HDR form's run
  // retrains with the run it starts from (or the studio's base), not the Training form's batch and
  // rank; the ablation's arm with the Training form's settings (no HDR shape of its own).
  const hdrMaxNewTokens = useJobs((s) => plannedHdr(s, job).maxNewTokens);
  const hdrMineLimit = useJobs((s) => plannedHdr(s, job).mineLimit);
  const hdrDraft = useJobs((s) => s.hdrDraft);
  const runs = useRuns((s) => s.runs);
  const hdrConfig = job === 'hdr-form' ? hdrFormRetrainConfig(hdrDraft, runs) : undefined;
  const planned = plannedSettings(demoStep, useRuns(settings), { batch: formsBatch, maxNewTokens: formsMaxNewTokens, hdrMaxNewTokens }, hdrConfig);
  const draft = planned.config;
  const hdr = planned.hdr && trainShapeOf(planned.hdr);
  const { batch: decodeBatch, maxNewTokens, hdrMaxNewTokens: hdrAnswerTokens } = planned.decode;
  const info = useModel((s) => s.info);
  const planMemory = useModel((s) => s.planMemory);
  // Prompts longer than the training sequence (evaluation and HDR do not cut them) take a longer cache.
  // On the Model panel (what runs now), the dataset this tab's evaluation, HDR run or ablation works
  // on, whichever the user has selected since.
  const selectedId = useDatasets((s) => s.selectedId);
  const jobDatasetId = useJobs((s) => (followDemo ? s.running?.datasetId : undefined));
  const datasetId = jobDatasetId ?? plannedDatasetId(demoStep, useRuns((s) => dataset(s, selectedId)));
  const promptTokens = useLongestPrompt(datasetId);
  // HDR retrains at a length that holds the longest prompt it mines, not the held-out side's.
  const minedPrompts = useMinedPrompts(datasetId, plannedMineLimit(demoStep, hdrMineLimit));
  useEffect(() => {
    void planMemory({ ...trainShapeOf(draft), decode: { batch: decodeBatch, maxNewTokens, hdrMaxNewTokens: hdrAnswerTokens, promptTokens, minedPrompts }, ...(hdr && { hdr }) });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the fields the shape reads
  }, [info, draft.batchSize, draft.gradAccum, draft.seqLen, draft.lora.rank, draft.lora.targets, draft.lora.dropout, draft.recompute, decodeBatch, maxNewTokens, hdrAnswerTokens, promptTokens, minedPrompts, hdr?.batch, hdr?.seqLen, hdr?.rank, hdr?.targets, hdr?.recompute, hdr?.loraDropout, planMemory]);
}

/** The Ablation panel's plan: the ablation's own start (ablationPlannedStart, what startAblation asks
 * the plan) on the selected dataset, so the form's Start is held by the verdict the store's start
 * reaches, not by the decoding of whichever form asks the most. Settings with a problem (a field
 * mid-edit) ask nothing: the form holds its Start with that problem. */
export function useAblationPlanFollowsForm(): void {
  const d = useJobs((s) => s.ablationDraft);
  const training = useRuns((s) => s.draft);
  const counted = useCountedPrompts(useDatasets((s) => s.selectedId));
  const info = useModel((s) => s.info);
  const planMemory = useModel((s) => s.planMemory);
  const shape = plannedShape(ablationPlannedStart(d, training, counted));
  const asks = !draftProblem(training, info) && !ablationDraftProblem(d, training);
  const key = JSON.stringify(shape);
  useEffect(() => {
    if (asks) void planMemory(shape);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the shape, by its value
  }, [info, key, asks, planMemory]);
}
