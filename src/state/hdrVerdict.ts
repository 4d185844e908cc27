// The memory plan's HDR verdict in words, for the HDR job the plan judges (the HDR form's run, or
// the ablation's SSB + HDR arm): one sentence for the form whose Start it holds and for the Model
// panel, naming the fields of that job's own form that change it. Computes nothing of the plan.
import type { MemoryPlan, TrainShape } from '../worker/protocol.ts';
import type { PlannedHdrJob } from './jobStore.ts';

/** The job, as the sentence's subject. */
const JOB_NAMES: Record<PlannedHdrJob, string> = { 'hdr-form': 'HDR', 'ablation-arm': 'The SSB + HDR arm' };

/** What the user can change for each job: its retraining is the longest prompt it mines plus an
 * answer, at the batch of the run it retrains with (the HDR form's Adapter run, or the Training
 * panel's settings for every arm of the ablation). */
const JOB_REMEDIES: Record<PlannedHdrJob, string> = {
  'hdr-form': 'Lower Max new tokens or Examples to mine in the HDR form, or pick as its Adapter a run trained with a smaller batch.',
  'ablation-arm': "Lower Max new tokens or Examples to mine in the Ablation panel, or the Training panel's Batch (examples), which every arm trains with.",
};

/** Why `job` does not fit this GPU and what to change (null: the plan finds no HDR problem).
 * `shape`: what the plan was asked for, whose answers' length it names. */
export function hdrNoFitText(plan: Pick<MemoryPlan, 'hdrProblems' | 'hdrSeqLen'>, shape: TrainShape | null, job: PlannedHdrJob): string | null {
  const problem = plan.hdrProblems[0];
  if (problem === undefined) return null;
  const answerTokens = shape?.decode && (shape.decode.hdrMaxNewTokens ?? shape.decode.maxNewTokens);
  const answer = answerTokens ? `an answer of up to ${answerTokens} new tokens` : 'an answer';
  return `${JOB_NAMES[job]} does not fit this GPU: it retrains at sequence ${plan.hdrSeqLen} (the longest prompt it mines plus ${answer}), where ${problem}. ${JOB_REMEDIES[job]}`;
}
