// The HDR form and the memory plan's HDR verdict: Start stayed on where the plan said HDR's
// retraining does not fit this GPU, and the job refused it only once pressed. Now Start is held
// with the verdict beside it, as the Training form's is with training's.
import { readFileSync } from 'node:fs';
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { parseModelConfig } from '../../src/model/config.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { LORA_TARGETS } from '../../src/model/lora.ts';
import { useModel } from '../../src/state/modelStore.ts';
import { HdrForm } from '../../src/ui/eval/HdrForm.tsx';
import { DEFAULT_HDR_DRAFT, useJobs } from '../../src/state/jobStore.ts';
import { renderNow } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));

const spec = parseModelConfig(readFileSync('tests/fixtures/models/configs/Qwen2.5-1.5B-Instruct.json', 'utf8'));
const shape = { batch: 1, seqLen: 320, rank: 4, targets: [...LORA_TARGETS], recompute: true, decode: { batch: 8, maxNewTokens: 512, promptTokens: 1024 } };
const GiB = 2 ** 30;

describe('the HDR form', () => {
  it('holds Start with the plan’s HDR verdict, and starts where HDR fits', () => {
    // Retraining at 1,024 + 512 → 1,600 rows passes a 32 MiB binding the run's 320 rows fit.
    const plan = planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 32 * 2 ** 20 });
    expect(plan.hdrProblems.length).toBeGreaterThan(0);
    useModel.setState({ plan, planShape: shape });
    const html = renderNow(createElement(HdrForm, { datasetId: 'd', disabled: false })).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
    expect(html).toMatch(/data-testid="start-hdr" aria-disabled="true" aria-describedby="hdr-problem"/);
    expect(/id="hdr-problem">([^<]*)</.exec(html)?.[1]).toMatch(/^HDR does not fit this GPU: it retrains at sequence 1600 \(the longest prompt it mines plus an answer\), where layer activation .* over this GPU's 32.0 MiB binding limit\. Lower Max new tokens or start from a run with a smaller batch\.$/);
    useModel.setState({ plan: planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB }) });
    expect(renderNow(createElement(HdrForm, { datasetId: 'd', disabled: false }))).not.toMatch(/aria-disabled|hdr-problem/);
  });
});

describe('the HDR form, where the plan judged a longer HDR than its own', () => {
  // The plan's HDR verdict is for the longest HDR any form asks (the ablation's HDR arm answering
  // longer, or mining more). Start was held with it though this form's run fits, saying to lower
  // Max new tokens: lowered, Start stayed held, the ablation form's answers unchanged.
  // 48 MiB: a retraining at 1,600 rows passes it, one at 1,152 (or 640) does not.
  const tight = { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 48 * 2 ** 20 };
  const hdrForm = (maxNewTokens: number, mineLimit = DEFAULT_HDR_DRAFT.mineLimit) => useJobs.setState({ hdrDraft: { ...DEFAULT_HDR_DRAFT, mineLimit, settings: { ...DEFAULT_HDR_DRAFT.settings, maxNewTokens } } });
  const form = () => renderNow(createElement(HdrForm, { datasetId: 'd', disabled: false }));

  it('holds Start only with a verdict on its own answers', () => {
    const ablationAnswers = { ...shape, decode: { ...shape.decode, hdrMaxNewTokens: 512 } };
    const plan = planMemory(spec, ablationAnswers, tight);
    expect(plan.hdrProblems.length).toBeGreaterThan(0);
    // This form's own run fits.
    expect(planMemory(spec, { ...shape, decode: { ...shape.decode, hdrMaxNewTokens: 64 } }, tight).hdrProblems).toEqual([]);
    useModel.setState({ plan, planShape: ablationAnswers });
    hdrForm(64);
    expect(form()).not.toMatch(/aria-disabled|hdr-problem/);
    hdrForm(512);
    expect(form()).toMatch(/data-testid="start-hdr" aria-disabled="true" aria-describedby="hdr-problem"/);
  });

  it('holds Start only with a verdict on the examples it mines', () => {
    // The ablation mines 12, the longest prompt the 12th; this form mines the first 8.
    const minedByAblation = { ...shape, decode: { ...shape.decode, hdrMaxNewTokens: 512, minedPrompts: [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 1024] } };
    const plan = planMemory(spec, minedByAblation, tight);
    expect(plan.hdrProblems.length).toBeGreaterThan(0);
    expect(planMemory(spec, { ...minedByAblation, decode: { ...minedByAblation.decode, minedPrompts: minedByAblation.decode.minedPrompts.slice(0, 8) } }, tight).hdrProblems).toEqual([]);
    useModel.setState({ plan, planShape: minedByAblation });
    hdrForm(512, 8);
    expect(form()).not.toMatch(/aria-disabled|hdr-problem/);
    hdrForm(512, 12);
    expect(form()).toMatch(/data-testid="start-hdr" aria-disabled="true" aria-describedby="hdr-problem"/);
  });
});
