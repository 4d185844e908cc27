// The dashboard's line for a run that is not this tab's active one says how far its curves go: a
// run's row keeps the step of its newest checkpoint while it trains, and a page closed between two
// checkpoints left "Interrupted at step 40" under a chart and headline at step 47.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));
vi.mock('../../src/state/queries.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/queries.ts')>()),
  runMetrics: async () => Array.from({ length: 47 }, (_, i) => ({ runId: 'r', step: i + 1, values: { loss: 1 } })),
}));

const { useRuns } = await import('../../src/state/runStore.ts');
const { runSeries } = await import('../../src/state/runSeries.ts');
const { RunControls } = await import('../../src/ui/dashboard/RunControls.tsx');
const { renderNow } = await import('../helpers/render.ts');
const { press, recordingJsxRuntime } = await import('../helpers/press.ts');

describe('the dashboard’s line for an interrupted run', () => {
  it('names the step its curves reached, and resumes from its checkpoint', async () => {
    const run = { id: 'r', name: 'r', datasetId: 'd', kind: 'train', status: 'running', createdAt: 0, updatedAt: 0, config: { steps: 100 }, lastStep: 40 } as StoredRun;
    useRuns.setState({ runs: [run], active: null, checkpointSteps: new Map([['r', 40]]) });
    const series = runSeries('r');
    await vi.waitFor(() => expect(series.loaded).toBe(true));
    const html = renderNow(createElement(RunControls, { run }));
    expect(html).toContain('data-status="interrupted"');
    expect(html).toContain('Interrupted at step 47 of 100');
    expect(html).toContain('Resume from step 40 (last checkpoint)');
  });
});

describe('the dashboard’s line for a run that kept its best step', () => {
  // A stopped run said "the adapter of that step is kept" of its last step, which a run that keeps
  // its best step does not keep; a finished one did not say which step's it kept.
  it('says which step’s adapter it kept, finished or stopped', () => {
    const kept = 'it keeps the adapter of step 20, its lowest held-out loss per token (0.4410, against 0.4523 at its last step 30)';
    const run = { id: 'k', name: 'k', datasetId: 'd', kind: 'train', status: 'done', createdAt: 0, updatedAt: 0, config: { steps: 30, keepBest: true }, lastStep: 30, message: kept } as StoredRun;
    useRuns.setState({ runs: [run], active: null, checkpointSteps: new Map([['k', 20]]) });
    // The line itself (an ended run offers to train on below it: see the next describe).
    const text = (r: StoredRun) => /^<div[^>]*><span>(.*?)<\/span>/.exec(renderNow(createElement(RunControls, { run: r })))![1].replace(/<!-- -->/g, '');
    expect(text(run)).toBe('Finished: 30 of 30 steps. It keeps the adapter of step 20, its lowest held-out loss per token (0.4410, against 0.4523 at its last step 30).');
    const stopped = { ...run, lastStep: 27, message: 'stopped by the user; it keeps the adapter of step 20, its lowest held-out loss per token (0.4410)' } as StoredRun;
    expect(text(stopped)).toContain('Stopped at step 27 of 30 (stopped by the user; it keeps the adapter of step 20, its lowest held-out loss per token (0.4410)).');
    expect(text(stopped)).not.toContain('the adapter of that step is kept');
    // Without keepBest, a stop keeps its last step's adapter, as before.
    expect(text({ ...stopped, config: { steps: 30 }, message: 'stopped by the user' } as StoredRun)).toContain('Stopped at step 27 of 30 (stopped by the user); the adapter of that step is kept.');
  });
});

describe('training on an ended run', () => {
  const ended = { id: 'e', name: 'ended', datasetId: 'd', kind: 'train', status: 'done', createdAt: 0, updatedAt: 0, config: { steps: 30, lr: 0.001, schedule: 'cosine', warmupSteps: 2 }, lastStep: 30 } as StoredRun;
  const controls = (r: StoredRun, checkpoint: number | null = 30) => {
    useRuns.setState({ runs: [r], active: null, checkpointSteps: new Map(checkpoint === null ? [] : [[r.id, checkpoint]]) });
    return renderNow(createElement(RunControls, { run: r })).replace(/<!-- -->/g, '');
  };
  const note = (html: string) => /data-testid="train-on-note">([^<]*)</.exec(html)?.[1];

  it('offers another stretch of the run’s length, saying what the stretched schedule does to the rate, and trains on from the checkpoint', async () => {
    const asked: Array<[string, number | undefined]> = [];
    const resumeRun = useRuns.getState().resumeRun;
    useRuns.setState({ resumeRun: async (id, steps) => void asked.push([id, steps]) });
    const html = controls(ended);
    expect(html).toContain('<label for="train-on-steps">Train on to (steps in all)</label>');
    expect(html).toMatch(/id="train-on-steps"[^>]*value="60"/);
    expect(note(html)).toBe('30 more steps from step 30, with the run’s own settings and examples. Its cosine learning-rate schedule is laid over the 60 steps: step 31 trains at 5.27e-4 where the schedule over 30 had 0.00e+0, and the rate decays again from there.');
    press('Train on');
    expect(asked).toEqual([['e', 60]]);
    useRuns.setState({ resumeRun });
    // A constant rate is the same over any length: nothing to say of it.
    expect(note(controls({ ...ended, config: { ...ended.config, schedule: 'constant' } } as StoredRun))).toBe('30 more steps from step 30, with the run’s own settings and examples.');
  });

  it('says a run that kept an earlier step trains the steps after it again', () => {
    const kept = { ...ended, config: { ...ended.config, schedule: 'constant', keepBest: true }, message: 'it keeps the adapter of step 20' } as StoredRun;
    expect(note(controls(kept, 20))).toBe('40 more steps from step 20, with the run’s own settings and examples. Its checkpoint is step 20, the step it kept: steps 21–30 are trained again.');
    // Stopped early by its patience: trained on from its kept step over the same examples, it may stop there again.
    const early = { ...kept, config: { ...kept.config, patience: 2 }, message: 'stopped early: 2 held-out evaluations in a row found no lower loss than step 20’s' } as StoredRun;
    expect(note(controls(early, 20))).toBe(
      '40 more steps from step 20, with the run’s own settings and examples. Its checkpoint is step 20, the step it kept: steps 21–30 are trained again. Its patience (2 held-out evaluations without a lower loss) counts again from step 20: those steps found no lower loss before, on the same examples in the same order, so it may stop early again near step 30.',
    );
  });

  it('goes on to the planned length for a run stopped short of it', () => {
    const stopped = { ...ended, lastStep: 12, message: 'stopped by the user' } as StoredRun;
    const html = controls(stopped, 12);
    expect(html).toMatch(/id="train-on-steps"[^>]*value="30"/);
    expect(note(html)).toMatch(/^18 more steps from step 12, with the run’s own settings and examples\.$/);
  });

  it('is not offered to a run still to finish, one opened read-only, or one without a checkpoint to go on from', () => {
    expect(controls({ ...ended, status: 'paused', lastStep: 12 } as StoredRun, 12)).not.toContain('train-on');
    expect(controls({ ...ended, readOnly: true } as StoredRun)).not.toContain('train-on');
    expect(controls(ended, null)).not.toContain('train-on');
  });
});

