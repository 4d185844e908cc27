// What the Ablation form says an ablation will cost before it starts. It evaluated 8 held-out
// examples unless told more (too few to tell arms apart; a demo with every arm at 8/8), and the
// Training panel's 300 steps read "Every arm: 300 steps" with no word that six arms train them.
import 'fake-indexeddb/auto';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useJobs, DEFAULT_ABLATION_DRAFT } from '../../src/state/jobStore.ts';
import { useRuns } from '../../src/state/runStore.ts';
import { useDatasets } from '../../src/state/datasetStore.ts';
import { useModel } from '../../src/state/modelStore.ts';
import { datasetStamp, useDatasetAnswers } from '../../src/state/exampleRows.ts';
import { AblationForm } from '../../src/ui/ablation/AblationForm.tsx';
import { ABLATION_EVAL_LIMIT, defaultAblationConfig } from '../../src/jobs/ablationConfig.ts';
import { runConfigFromFlags } from '../../src/cli/runFlags.ts';
import { renderNow } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));

const initial = { jobs: useJobs.getState(), runs: useRuns.getState(), datasets: useDatasets.getState(), answers: useDatasetAnswers.getState(), model: useModel.getState() };
afterEach(() => {
  useJobs.setState(initial.jobs);
  useRuns.setState(initial.runs);
  useDatasets.setState(initial.datasets);
  useDatasetAnswers.setState(initial.answers);
  useModel.setState(initial.model);
});

const dataset = { id: 'd', name: 'my calls.jsonl', createdAt: 1, exampleCount: 400, fingerprint: 'sha256:x', split: { seed: 1, evalFraction: 0.1 } };
/** The form with a dataset whose summary counts `heldOut` held-out examples in use (null: not counted yet). */
function form(heldOut: number | null, hdrSamplesHeldOut = 0): string {
  useDatasets.setState({ datasets: [dataset] as never, selectedId: 'd' } as never);
  const key = `summary\u0001${datasetStamp(dataset as never)}`;
  const value = heldOut === null ? null : { included: 360 + heldOut + hdrSamplesHeldOut, trainIncluded: 360, ...(hdrSamplesHeldOut > 0 && { evaluated: heldOut }) };
  useDatasetAnswers.setState({ answers: value === null ? {} : { [key]: { value, asking: false, progress: null } } });
  return renderNow(createElement(AblationForm, { datasetId: 'd', disabled: false })).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
}
const text = (html: string, testId: string) => new RegExp(`data-testid="${testId}">([^<]*)<`).exec(html)?.[1];

describe('the ablation’s held-out examples', () => {
  it('are all of them up to 64 by default, in the studio and the CLI', () => {
    expect(ABLATION_EVAL_LIMIT).toBe(64);
    expect(DEFAULT_ABLATION_DRAFT.evalLimit).toBe(ABLATION_EVAL_LIMIT);
    expect(defaultAblationConfig(runConfigFromFlags({})).evalLimit).toBe(ABLATION_EVAL_LIMIT);
  });
});

describe('the Ablation form’s cost', () => {
  it('says the training steps of all the arms and the answers their evaluations decode', () => {
    useRuns.setState({ draft: { ...initial.runs.draft, steps: 300 } });
    useJobs.setState({ ablationDraft: { ...DEFAULT_ABLATION_DRAFT, hdrRounds: 1, hdrStepsPerRound: 2, hdrMineLimit: 8, maxNewTokens: 512 } });
    expect(text(form(40), 'ablation-work')).toBe('5 arms train 300 steps each: 1,500 training steps; the SSB + HDR arm mines 8 training examples and retrains up to 1 round of 2 steps. Then the base model and each of the 6 arms answer all 40 held-out examples: 280 answers of up to 512 new tokens.');
    // More held out than the limit: that many of them. Not counted yet: up to the limit.
    expect(text(form(500), 'ablation-work')).toContain('Then the base model and each of the 6 arms answer 64 of the 500 held-out examples: 448 answers');
    expect(text(form(null), 'ablation-work')).toContain('Then the base model and each of the 6 arms answer up to 64 held-out examples: up to 448 answers');
    // HDR samples a re-split put on the held-out side are not asked: the evaluated count, not the used one.
    expect(text(form(40, 3), 'ablation-work')).toContain('answer all 40 held-out examples: 280 answers');
    // Without the HDR arm, no word of it.
    useJobs.setState({ ablationDraft: { ...DEFAULT_ABLATION_DRAFT, rules: ['grad'], hdrRule: null } });
    expect(text(form(40), 'ablation-work')).toMatch(/^3 arms train 300 steps each: 900 training steps\. Then the base model and each of the 3 arms answer all 40 held-out examples: 160 answers/);
  });

  // It named neither the dataset nor the model, said "(set in the Training panel)" with no way there,
  // and "LoRA r=4 α=8; α₀ = 0.7": α for LoRA's scale and for the balance weight alike.
  it('names the dataset and model, says the shared settings are the Training panel’s with a way there, and keeps α for the balance weight', () => {
    useRuns.setState({ draft: { ...initial.runs.draft, steps: 20, lora: { ...initial.runs.draft.lora, rank: 4, alpha: 8 }, alpha0: 0.7, alphaMin: 0.05, alphaMax: 0.95 } });
    useModel.setState({ info: { ref: 'Qwen/Qwen3-0.6B' } as never });
    const html = renderNow(createElement(AblationForm, { datasetId: 'd', disabled: false, onOpenTraining: () => undefined })).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
    expect(html).toContain('Dataset: <strong>none</strong>');
    const named = form(40);
    expect(named).toContain('Dataset: <strong>my calls.jsonl</strong> · Model: <strong>Qwen/Qwen3-0.6B</strong>');
    // The embedded model in words, not its reference.
    useModel.setState({ info: { ref: 'embedded:tiny-qwen3' } as never });
    expect(form(40)).toContain('Model: <strong>the embedded tiny Qwen3</strong>');
    useModel.setState({ info: { ref: 'Qwen/Qwen3-0.6B' } as never });
    const shared = /data-testid="ablation-shared">([\s\S]*?)<\/p>/.exec(html)![1];
    expect(shared).toMatch(/^Every arm trains with the Training panel's settings: 20 steps, batch \d+, sequence \d+, learning rate [\d.e-]+, LoRA rank 4, scale 8, seed \d+; α, the weight on the reasoning loss, starts at α₀ = 0.7 and stays within \[0.05, 0.95\]\. <button/);
    expect(shared).toContain('data-testid="ablation-open-training">Change them in the Training panel</button>');
    expect(shared).not.toMatch(/α=|r=/);
  });

  it('says what the examples it will ask can tell apart, not what the limit could', () => {
    useJobs.setState({ ablationDraft: { ...DEFAULT_ABLATION_DRAFT, evalLimit: 64 } });
    expect(text(form(4), 'ablation-held-out-note')).toMatch(/^With 4 held-out examples no difference between arms can be told from chance/);
  });
});
