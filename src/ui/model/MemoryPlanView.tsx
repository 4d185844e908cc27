// The memory plan for the current training settings: a verdict first (fits / does not fit and
// why, with what to change), then the breakdown, before anything starts.
import { useModel } from '../../state/modelStore.ts';
import { modelPanelHdrJob, useJobs } from '../../state/jobStore.ts';
import { hdrNoFitText } from '../../state/hdrVerdict.ts';
import { formatBytes } from '../format.ts';
import type { MemoryPlan } from '../../worker/protocol.ts';

type Category = keyof MemoryPlan['categories'];

/** The plan's parts in words a user knows. */
const CATEGORY_LABELS: Record<Category, string> = {
  weights: 'Frozen model weights',
  loraParams: 'LoRA adapter',
  loraGrads: 'LoRA gradients',
  optimizer: 'Optimizer state (AdamW moments)',
  activations: 'Activations kept for the backward pass',
  scratch: 'Backward-pass scratch',
  lmHead: 'Output layer and loss',
  inputs: 'Batch inputs',
  kvCache: 'Generation cache (K and V)',
  kernelScratch: 'GPU kernel scratch',
};

/** The parts live during a training step: they add up to the plan's training total. The generation
 * cache is no part of it (a training step holds none), so it is shown with the evaluation and HDR
 * totals instead (HDR holds it beside the model it trains); the peak the verdict names is the
 * largest of the three totals. */
const TRAINING_CATEGORIES: Category[] = ['weights', 'loraParams', 'loraGrads', 'optimizer', 'activations', 'scratch', 'lmHead', 'inputs', 'kernelScratch'];

export function MemoryPlanView() {
  const plan = useModel((s) => s.plan);
  const shape = useModel((s) => s.planShape);
  const planError = useModel((s) => s.planError);
  const info = useModel((s) => s.info);
  // The HDR job the Model panel's plan judges, whose own form's fields its verdict names.
  const hdrJob = useJobs(modelPanelHdrJob);
  if (!info) return null;
  if (planError) return <p className="error">{planError}</p>;
  if (!plan || !shape) return <p className="muted">Computing the memory plan…</p>;
  const hdrNoFit = hdrNoFitText(plan, shape, hdrJob);
  return (
    <div className="stack" data-testid="memory-plan">
      <h3>Memory plan</h3>
      <p className={plan.fits ? 'verdict ok' : 'verdict bad'} data-testid="memory-verdict">
        {plan.fits ? (plan.memoryChecked ? '✓ Fits' : "✓ Fits this GPU's buffer limits") : '✗ Does not fit'}: batch {shape.batch} × {shape.seqLen} tokens, LoRA rank {shape.rank} on {shape.targets.join(', ')}
        {shape.recompute ? ', recompute on' : ''} needs about {formatBytes(plan.peakBytes)} of GPU memory at its peak.
        {plan.fits && !plan.memoryChecked && ' The browser does not say how much memory this GPU has: it needs at least that much free (laptop GPUs often have 4–8 GB, shared with the display).'}
      </p>
      {plan.problems.length > 0 && (
        <ul className="error">
          {plan.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {hdrNoFit && (
        // HDR's own verdict: its retraining is longer than the run's, so it can pass a limit training does not.
        <p className="verdict bad" data-testid="memory-hdr-verdict">
          ✗ {hdrNoFit}
        </p>
      )}
      {plan.suggestions.length > 0 && (
        <>
          <p>What would fit:</p>
          <ul>
            {plan.suggestions.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        </>
      )}
      <table className="limits">
        <caption>Breakdown</caption>
        <tbody>
          {TRAINING_CATEGORIES.map((k) => (
            <tr key={k}>
              <th scope="row">{CATEGORY_LABELS[k]}</th>
              <td>{formatBytes(plan.categories[k])}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Training step in total</th>
            <td>{formatBytes(plan.trainingBytes)}</td>
          </tr>
          <tr>
            <th scope="row">{CATEGORY_LABELS.kvCache}</th>
            <td>{formatBytes(plan.categories.kvCache)}</td>
          </tr>
          <tr>
            <th scope="row">
              Generation (evaluation) in total: weights, adapter, cache and one layer of scratch
              {shape.decode && `, for ${shape.decode.batch} answers at once of up to ${shape.decode.maxNewTokens} new tokens in evaluation and HDR`}
              {shape.decode?.promptTokens !== undefined && shape.decode.promptTokens > shape.seqLen && ` after prompts of up to ${shape.decode.promptTokens} tokens (the dataset's longest, longer than the training sequence)`}
            </th>
            <td>{formatBytes(plan.generationBytes)}</td>
          </tr>
          <tr>
            <th scope="row">HDR in total: the training step's model and adapter state, with the cache and sampler</th>
            <td>{formatBytes(plan.hdrBytes)}</td>
          </tr>
          <tr>
            <th scope="row">largest buffer</th>
            <td>
              {plan.largestBuffer.label}: {formatBytes(plan.largestBuffer.bytes)}
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
