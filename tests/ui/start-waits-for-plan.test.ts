// Start training, Start HDR and Run the ablation are held by the memory plan's verdict, and that
// plan is null while the plan for new settings (or a newly loaded model) is on its way. They were
// on meanwhile: pressed, a run started whose settings the plan was about to refuse, and the job
// refused it itself, after making its run. Now they wait for the plan, saying so; a plan that fails
// holds nothing for good (the job checks this GPU's limits itself), and says it failed.
import { readFileSync } from 'node:fs';
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { planMemory } from '../../src/model/memory-plan.ts';
import { LORA_TARGETS } from '../../src/model/lora.ts';
import type { MemoryPlan, TrainShape } from '../../src/worker/protocol.ts';

/** The worker's planMemory answers, one per request, in the order the test settles them. */
const worker = vi.hoisted(() => ({ answers: [] as Array<{ resolve: (p: unknown) => void; reject: (e: Error) => void }> }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: (kind: string) => (kind === 'planMemory' ? new Promise((resolve, reject) => worker.answers.push({ resolve, reject })) : Promise.resolve(undefined)),
    onEvent: () => () => undefined,
  }),
}));
const { useRuns } = await import('../../src/state/runStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { TrainingPanel } = await import('../../src/ui/training/TrainingPanel.tsx');
const { HdrForm } = await import('../../src/ui/eval/HdrForm.tsx');
const { AblationForm } = await import('../../src/ui/ablation/AblationForm.tsx');

const spec = parseModelConfig(readFileSync('tests/fixtures/models/configs/Qwen2.5-0.5B-Instruct.json', 'utf8'));
const shape: TrainShape = { batch: 1, seqLen: 256, rank: 4, targets: [...LORA_TARGETS], recompute: true, decode: { batch: 4, maxNewTokens: 128, promptTokens: 256 } };
const otherShape: TrainShape = { ...shape, seqLen: 512 };
const GiB = 2 ** 30;
// 2 GiB bindings hold every buffer of this shape; 1 MiB holds not even one row of its embedding.
const fitting = planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB });
const notFitting = planMemory(spec, shape, { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 ** 20 });
const WAITING = 'Checking whether these settings fit in GPU memory…';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/<!-- -->/g, '').replace(/\s+/g, ' ');
const button = (html: string, testId: string) => html.match(new RegExp(`<button[^>]*data-testid="${testId}"[^>]*>`))![0];
/** The reason span a Start points to, with its class. */
const reason = (html: string, testId: string) => {
  const id = /aria-describedby="([^"]+)"/.exec(button(html, testId))?.[1];
  if (!id) return null;
  const span = new RegExp(`<span class="([^"]+)" id="${id}"[^>]*>([^<]*)<`).exec(html.replace(/<!-- -->/g, ''))!;
  return { className: span[1], text: span[2].replace(/&#x27;/g, "'") };
};
const trainingPanel = () => renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined }));
const hdrForm = () => renderNow(createElement(HdrForm, { datasetId: 'd', disabled: false }));
const ablationForm = () => renderNow(createElement(AblationForm, { datasetId: 'd', disabled: false }));
const answerPlan = async (plan: MemoryPlan) => {
  worker.answers.shift()!.resolve(plan);
  await new Promise((r) => setTimeout(r, 0));
};
const failPlan = async (message: string) => {
  worker.answers.shift()!.reject(new Error(message));
  await new Promise((r) => setTimeout(r, 0));
};

const initial = { runs: useRuns.getState(), jobs: useJobs.getState(), datasets: useDatasets.getState(), model: useModel.getState() };
beforeEach(() => {
  worker.answers = [];
  useRuns.setState(initial.runs, true);
  useJobs.setState({ ...initial.jobs, ablationDraft: { ...initial.jobs.ablationDraft, rules: ['grad'], hdrRule: null } }, true);
  useDatasets.setState({ ...initial.datasets, datasets: [{ id: 'd', name: 'train.jsonl', exampleCount: 40 }] as never, selectedId: 'd' }, true);
  useModel.setState({ ...initial.model, info: { ref: 'tiny' } as never }, true);
});

describe('Start training while the memory plan is on its way', () => {
  it('is off with a muted reason until the plan arrives, then on where it fits', async () => {
    void useModel.getState().planMemory(shape);
    expect(worker.answers).toHaveLength(1);
    const waiting = trainingPanel();
    expect(button(waiting, 'start-run')).toMatch(/aria-disabled="true"/);
    expect(reason(waiting, 'start-run')).toEqual({ className: 'muted', text: WAITING });
    await answerPlan(fitting);
    const ready = trainingPanel();
    expect(button(ready, 'start-run')).not.toMatch(/aria-disabled/);
    expect(ready).not.toContain(WAITING);
  });

  it('is off with the plan’s reason where the plan says it does not fit', async () => {
    expect(notFitting.fits).toBe(false);
    void useModel.getState().planMemory(shape);
    await answerPlan(notFitting);
    const html = trainingPanel();
    expect(button(html, 'start-run')).toMatch(/aria-disabled="true"/);
    // The form's settings (the studio's defaults) and the plan's first problem, as the store's start says it too.
    expect(reason(html, 'start-run')?.text).toBe(`The memory plan says these settings do not fit this GPU (batch 1 × 320 tokens, LoRA rank 4): ${notFitting.problems[0]}. See the Model panel for what to change.`);
  });

  it('waits again when the settings change, for the new settings’ plan', async () => {
    void useModel.getState().planMemory(shape);
    await answerPlan(fitting);
    void useModel.getState().planMemory(otherShape);
    expect(reason(trainingPanel(), 'start-run')?.text).toBe(WAITING);
  });

  it('is on where the plan failed, saying so (the run checks this GPU’s limits itself)', async () => {
    void useModel.getState().planMemory(shape);
    await failPlan('the GPU adapter was lost');
    const html = trainingPanel();
    expect(button(html, 'start-run')).not.toMatch(/aria-disabled/);
    expect(text(html)).toContain('The memory plan failed: the GPU adapter was lost. Check the training settings. Starting still works: a job that does not fit this GPU stops, saying why.');
  });

  it('waits for the next settings’ plan after one failed, not showing that failure for them', async () => {
    void useModel.getState().planMemory(shape);
    await failPlan('the GPU adapter was lost');
    void useModel.getState().planMemory(otherShape);
    const html = trainingPanel();
    expect(reason(html, 'start-run')?.text).toBe(WAITING);
    expect(html).not.toContain('The memory plan failed');
  });

  it('holds nothing while no model is loaded but that', () => {
    useModel.setState({ info: null });
    expect(reason(trainingPanel(), 'start-run')?.text).toMatch(/^Load a model first/);
  });
});

describe('Start HDR and Run the ablation while the memory plan is on its way', () => {
  it('are off with the same muted reason, then on where the plan fits', async () => {
    void useModel.getState().planMemory(shape);
    for (const [html, testId] of [[hdrForm(), 'start-hdr'], [ablationForm(), 'start-ablation']] as const) {
      expect(button(html, testId)).toMatch(/aria-disabled="true"/);
      expect(reason(html, testId)).toEqual({ className: 'muted', text: WAITING });
    }
    await answerPlan(fitting);
    expect(button(hdrForm(), 'start-hdr')).not.toMatch(/aria-disabled/);
    expect(button(ablationForm(), 'start-ablation')).not.toMatch(/aria-disabled/);
  });

  it('are on where the plan failed, saying so', async () => {
    void useModel.getState().planMemory(shape);
    await failPlan('the GPU adapter was lost');
    for (const [html, testId] of [[hdrForm(), 'start-hdr'], [ablationForm(), 'start-ablation']] as const) {
      expect(button(html, testId)).not.toMatch(/aria-disabled/);
      expect(text(html)).toContain('The memory plan failed: the GPU adapter was lost.');
    }
  });
});
