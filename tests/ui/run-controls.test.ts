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
