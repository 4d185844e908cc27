// The dashboard's line for a run that is not this tab's active one says how far its curves go: a
// run's row keeps the step of its newest checkpoint while it trains, and a page closed between two
// checkpoints left "Interrupted at step 40" under a chart and headline at step 47.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));
vi.mock('../../src/state/queries.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/queries.ts')>()),
  runMetrics: async () => Array.from({ length: 47 }, (_, i) => ({ runId: 'r', step: i + 1, values: { loss: 1 } })),
}));

const { useRuns } = await import('../../src/state/runStore.ts');
const { runSeries } = await import('../../src/state/runSeries.ts');
const { RunControls } = await import('../../src/ui/dashboard/RunControls.tsx');
const { renderNow } = await import('../helpers/render.ts');

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
    const text = (r: StoredRun) => renderNow(createElement(RunControls, { run: r })).replace(/<[^>]+>/g, '');
    expect(text(run)).toBe('Finished: 30 of 30 steps. It keeps the adapter of step 20, its lowest held-out loss per token (0.4410, against 0.4523 at its last step 30).');
    const stopped = { ...run, lastStep: 27, message: 'stopped by the user; it keeps the adapter of step 20, its lowest held-out loss per token (0.4410)' } as StoredRun;
    expect(text(stopped)).toContain('Stopped at step 27 of 30 (stopped by the user; it keeps the adapter of step 20, its lowest held-out loss per token (0.4410)).');
    expect(text(stopped)).not.toContain('the adapter of that step is kept');
    // Without keepBest, a stop keeps its last step's adapter, as before.
    expect(text({ ...stopped, config: { steps: 30 }, message: 'stopped by the user' } as StoredRun)).toContain('Stopped at step 27 of 30 (stopped by the user); the adapter of that step is kept.');
  });
});
