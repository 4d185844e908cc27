// Keeps the memory plan in step with the training settings, the Evaluation, HDR and ablation forms'
// decoding and the planned dataset's longest prompt (the generation cache's size) and the prompts
// HDR mines from it (its retraining length), and the loaded
// model, wherever the plan is shown (Model and Training panels), so the verdict is never stale. The
// Training panel plans its form (the next run, on the selected dataset); the Model panel what runs
// now: the run training if there is one, on its own dataset (plannedRunConfig, plannedRunDatasetId:
// the demo's run trains with the demo's settings, not the form's), the demo's settings,
// decoding and dataset while a demo step trains, evaluates or runs HDR, and the dataset of the job
// this tab runs.
import { useEffect } from 'react';
import { trainShapeOf, useModel } from '../../state/modelStore.ts';
import { useRuns } from '../../state/runStore.ts';
import { formsDecodeShape, formsMineLimit, hdrFormRetrainConfig, useJobs } from '../../state/jobStore.ts';
import { useDatasets } from '../../state/datasetStore.ts';
import { useLongestPrompt, useMinedPrompts } from '../../state/datasetViews.ts';
import { plannedDatasetId, plannedMineLimit, plannedSettings, useDemo } from '../../state/demoStore.ts';

type RunsState = ReturnType<typeof useRuns.getState>;

/** `dataset`: the dataset `settings` train on, from the selected one (the Training form's). */
export function usePlanFollowsDraft(settings: (s: RunsState) => RunsState['draft'] = (s) => s.draft, followDemo = false, dataset: (s: RunsState, selectedId: string | null) => string | null = (_s, selectedId) => selectedId): void {
  const demoStep = useDemo((s) => (followDemo ? s.busy : null));
  // Two numbers, not a fresh object per read, so the store's selector stays stable.
  const formsBatch = useJobs((s) => formsDecodeShape(s).batch);
  const formsMaxNewTokens = useJobs((s) => formsDecodeShape(s).maxNewTokens);
  const formsHdrMaxNewTokens = useJobs((s) => formsDecodeShape(s).hdrMaxNewTokens);
  // HDR retrains with the run the HDR form starts from (or the studio's base), not the Training
  // form's batch and rank; while this tab's ablation runs, its HDR arm retrains with the training settings.
  const ablating = useJobs((s) => followDemo && s.running?.kind === 'ablation');
  const hdrDraft = useJobs((s) => s.hdrDraft);
  const runs = useRuns((s) => s.runs);
  const hdrConfig = ablating ? undefined : hdrFormRetrainConfig(hdrDraft, runs);
  const planned = plannedSettings(demoStep, useRuns(settings), { batch: formsBatch, maxNewTokens: formsMaxNewTokens, hdrMaxNewTokens: formsHdrMaxNewTokens }, hdrConfig);
  const draft = planned.config;
  const hdr = planned.hdr && trainShapeOf(planned.hdr);
  const { batch: decodeBatch, maxNewTokens, hdrMaxNewTokens } = planned.decode;
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
  const minedPrompts = useMinedPrompts(datasetId, plannedMineLimit(demoStep, useJobs(formsMineLimit)));
  useEffect(() => {
    void planMemory({ ...trainShapeOf(draft), decode: { batch: decodeBatch, maxNewTokens, hdrMaxNewTokens, promptTokens, minedPrompts }, ...(hdr && { hdr }) });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the fields the shape reads
  }, [info, draft.batchSize, draft.gradAccum, draft.seqLen, draft.lora.rank, draft.lora.targets, draft.lora.dropout, draft.recompute, decodeBatch, maxNewTokens, hdrMaxNewTokens, promptTokens, minedPrompts, hdr?.batch, hdr?.seqLen, hdr?.rank, hdr?.targets, hdr?.recompute, hdr?.loraDropout, planMemory]);
}
