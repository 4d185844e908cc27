// The ablation form and the memory plan: Start stayed on where the SSB + HDR arm's retraining (or
// every arm's training) does not fit this GPU, so the ablation started and the job refused it, or
// an arm failed on the GPU. Now Start is held with the verdict beside it, as the HDR form's is.
import { readFileSync } from 'node:fs';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseModelConfig } from '../../src/model/config.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { LORA_TARGETS } from '../../src/model/lora.ts';
import { useModel } from '../../src/state/modelStore.ts';
import { useJobs } from '../../src/state/jobStore.ts';
import { AblationForm } from '../../src/ui/ablation/AblationForm.tsx';
import { renderNow } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));

const spec = parseModelConfig(readFileSync('tests/fixtures/models/configs/Qwen2.5-1.5B-Instruct.json', 'utf8'));
// The ablation's arm: the Training panel's settings, no HDR shape of its own.
const shape = { batch: 1, seqLen: 320, rank: 4, targets: [...LORA_TARGETS], recompute: true, decode: { batch: 8, maxNewTokens: 512, hdrMaxNewTokens: 512, promptTokens: 1024 } };
const GiB = 2 ** 30;
const MiB = 2 ** 20;
const initial = { jobs: useJobs.getState(), model: useModel.getState() };
afterEach(() => {
  useJobs.setState(initial.jobs);
  useModel.setState(initial.model);
});

const form = () => renderNow(createElement(AblationForm, { datasetId: 'd', disabled: false })).replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
const reason = (html: string) => /id="ablation-problem">([^<]*)</.exec(html)?.[1];

describe('the ablation form', () => {
  it('holds Start with the SSB + HDR arm’s verdict, names the fields that change it, and starts without that arm', () => {
    // Retraining at 1,024 + 512 → 1,600 rows passes a 32 MiB binding the arms' 320 rows fit.
    const plan = planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 32 * MiB });
    expect(plan.fits).toBe(true);
    expect(plan.hdrProblems.length).toBeGreaterThan(0);
    useModel.setState({ plan, planShape: shape });
    useJobs.setState({ ablationDraft: { ...initial.jobs.ablationDraft, rules: ['grad'], hdrRule: 'grad' } });
    const html = form();
    expect(html).toMatch(/data-testid="start-ablation" aria-disabled="true" aria-describedby="ablation-problem"/);
    expect(reason(html)).toMatch(/^The SSB \+ HDR arm does not fit this GPU: it retrains at sequence 1600 \(the longest prompt it mines plus an answer of up to 512 new tokens\), where layer activation .* over this GPU's 32.0 MiB binding limit\. Lower Max new tokens or Examples to mine in the Ablation panel, or the Training panel's Batch \(examples\), which every arm trains with\.$/);
    // No HDR arm: nothing of HDR's holds it.
    useJobs.setState({ ablationDraft: { ...initial.jobs.ablationDraft, rules: ['grad'], hdrRule: null } });
    expect(form()).not.toMatch(/aria-disabled|ablation-problem/);
  });

  it('holds Start where the arms’ training does not fit, with the plan’s reason', () => {
    const plan = planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 8 * MiB });
    expect(plan.fits).toBe(false);
    useModel.setState({ plan, planShape: shape });
    useJobs.setState({ ablationDraft: { ...initial.jobs.ablationDraft, rules: ['grad'], hdrRule: null } });
    const html = form();
    expect(html).toMatch(/data-testid="start-ablation" aria-disabled="true" aria-describedby="ablation-problem"/);
    expect(reason(html)).toBe(`The arms do not fit this GPU: ${plan.problems[0]}. They train with the Training panel's settings; the Model panel says what would fit.`);
  });

  it('says what its number of held-out examples can tell apart from chance', () => {
    const note = (evalLimit: number) => {
      useJobs.setState({ ablationDraft: { ...initial.jobs.ablationDraft, evalLimit } });
      return /data-testid="ablation-held-out-note">([^<]*)</.exec(form())?.[1].replace(/&lt;/g, "<");
    };
    expect(note(4)).toBe('With 4 held-out examples no difference between arms can be told from chance: even all of them going one way gives p = 0.13. Evaluate at least 6.');
    expect(note(32)).toBe("With 32 held-out examples, an arm's difference from SFT reads as more than chance (p < 0.05) only if at least 6 answers flip its way; the results give each arm's p.");
  });

  it('starts where every arm fits', () => {
    useModel.setState({ plan: planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB }), planShape: shape });
    useJobs.setState({ ablationDraft: { ...initial.jobs.ablationDraft, rules: ['grad'], hdrRule: 'grad' } });
    expect(form()).not.toMatch(/aria-disabled|ablation-problem/);
  });
});
