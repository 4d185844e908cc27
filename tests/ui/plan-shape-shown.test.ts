// The memory plan shown is the plan of the shape asked for last. The store set the shape when a
// plan was asked for and the plan when it came, so between the two (after switching panels, or a
// form's field changed) a verdict read the previous shape's plan beside the new shape ("✓ Fits:
// batch 8 …" from batch 1's plan), and a slow answer for an older shape could replace a newer one.
import { readFileSync } from 'node:fs';
import React from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MemoryPlan, TrainShape } from '../../src/worker/protocol.ts';
import { renderNow } from '../helpers/render.ts';
import { parseModelConfig } from '../../src/model/config.ts';
import { planMemory } from '../../src/model/memory-plan.ts';

// The worker's planMemory answers when the test says, per request.
const answers: Array<{ answer: (plan: MemoryPlan) => void }> = [];
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: (kind: string) => (kind === 'planMemory' ? new Promise((answer) => answers.push({ answer })) : Promise.resolve(undefined)),
  }),
}));
const { useModel } = await import('../../src/state/modelStore.ts');
const { MemoryPlanView } = await import('../../src/ui/model/MemoryPlanView.tsx');

const shapeOf = (batch: number): TrainShape => ({ batch, seqLen: 64, rank: 4, targets: ['q', 'v'], recompute: false });
const spec = parseModelConfig(readFileSync('tests/fixtures/models/configs/Qwen2.5-1.5B-Instruct.json', 'utf8'));
const GiB = 2 ** 30;
// A GPU with 64 GiB of memory, or with 1 byte (nothing fits): a verdict either way.
const planOf = (batch: number, fits: boolean) => planMemory(spec, shapeOf(batch), { maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB, memoryBytes: fits ? 64 * GiB : 1 });
const view = () => renderNow(React.createElement(MemoryPlanView)).replace(/<!-- -->/g, '');
const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  answers.length = 0;
  useModel.setState({ info: { ref: 'tiny' } as never, plan: null, planShape: null, planError: null });
});

describe('the memory plan shown', () => {
  it('shows no verdict for a new shape until its own plan arrives', async () => {
    void useModel.getState().planMemory(shapeOf(1));
    answers[0].answer(planOf(1, true));
    await flush();
    expect(view()).toContain('✓ Fits: batch 1 × 64 tokens');
    // Another panel's shape: its plan is on its way.
    void useModel.getState().planMemory(shapeOf(8));
    expect(useModel.getState().plan).toBeNull();
    expect(view()).not.toContain('memory-verdict');
    expect(view()).toContain('Computing the memory plan…');
    answers[1].answer(planOf(8, false));
    await flush();
    expect(view()).toContain('✗ Does not fit: batch 8 × 64 tokens');
  });

  it('keeps the verdict while the same shape is asked for again (a model loaded, an effect run twice)', async () => {
    void useModel.getState().planMemory(shapeOf(1));
    answers[0].answer(planOf(1, true));
    await flush();
    void useModel.getState().planMemory(shapeOf(1));
    expect(useModel.getState().plan).toEqual(planOf(1, true));
  });

  it('drops a plan that arrives for a shape asked for before the current one', async () => {
    void useModel.getState().planMemory(shapeOf(2));
    void useModel.getState().planMemory(shapeOf(4));
    answers[1].answer(planOf(4, true));
    await flush();
    answers[0].answer(planOf(2, false));
    await flush();
    expect(useModel.getState().plan).toEqual(planOf(4, true));
    expect(useModel.getState().planShape).toEqual(shapeOf(4));
  });
});
