// The per-token loss strip before it has a strip to show: a run that takes no eval steps (Eval loss
// every 0) never gets one, and its dashboard said it would appear at the first eval step.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));
vi.mock('../../src/state/queries.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/queries.ts')>()),
  runMetrics: async () => Array.from({ length: 41 }, (_, i) => ({ runId: 'resumed', step: i + 1, values: { loss: 1 } })),
}));

const { TokenLossStrip } = await import('../../src/ui/dashboard/TokenLossStrip.tsx');
const { renderNow } = await import('../helpers/render.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { runSeries } = await import('../../src/state/runSeries.ts');

describe('the per-token loss strip without a strip', () => {
  it('says a run without eval steps will have none, instead of promising one', () => {
    const html = renderNow(createElement(TokenLossStrip, { runId: 'r', evalEvery: 0 }));
    expect(html).not.toContain('appears here at the first eval step');
    expect(html).toContain('takes no eval steps');
  });

  it('still promises it to a training run that has eval steps ahead', () => {
    expect(renderNow(createElement(TokenLossStrip, { runId: 'r', evalEvery: 20 }))).toContain('appears here at the first eval step');
  });
});

describe('the per-token loss strip of a run with no held-out example', () => {
  // The dataset's split held none out (8 examples, all on the training side): the strip promised one
  // at the first eval step while training, and said "it had no eval steps" once done.
  const run = (status: string) => ({ id: 'no-held', name: 'r', datasetId: 'd', kind: 'train', status, createdAt: 0, updatedAt: 0, config: { steps: 3, evalEvery: 3 }, setup: { examples: { train: 8, eval: 0, tooLong: 0 } } });
  const NONE = 'No per-token loss for this run: it has no held-out example to measure (the dataset’s split holds none out, or none fits the sequence length).';
  it('says so while it trains and once it is done', () => {
    useRuns.setState({ runs: [run('running')] as never });
    const running = renderNow(createElement(TokenLossStrip, { runId: 'no-held', evalEvery: 3 }));
    expect(running).not.toContain('appears here at the first eval step');
    expect(running).toContain(NONE);
    useRuns.setState({ runs: [run('done')] as never });
    const done = renderNow(createElement(TokenLossStrip, { runId: 'no-held', evalEvery: 3, finished: true }));
    expect(done).not.toContain('it had no eval steps');
    expect(done).toContain(NONE);
  });
});

describe('the per-token loss strip of a resumed run', () => {
  // Resumed from its step-40 checkpoint, the run trains steps 41… again: the strip of step 45 is of
  // an adapter that is gone, and stood beside a chart back at step 41.
  it('shows no strip of a step past the run’s curves', async () => {
    const strip = { step: 45, exampleId: 'e', tokens: ['a'], nll: [1], segments: [2] };
    useRuns.setState({ runs: [{ id: 'resumed', name: 'r', datasetId: 'd', kind: 'train', status: 'running', createdAt: 0, updatedAt: 0, config: { steps: 100 }, tokenLoss: strip } as never] });
    const series = runSeries('resumed');
    await vi.waitFor(() => expect(series.loaded).toBe(true));
    const html = renderNow(createElement(TokenLossStrip, { runId: 'resumed', evalEvery: 20 }));
    expect(html).not.toContain('step 45');
    expect(html).toContain('appears here at the first eval step');
  });
});

describe('the dashboard’s CSV download', () => {
  // Pressed before the stored steps were read, it saved a file holding the header alone.
  it('waits for the run’s stored steps', async () => {
    const { ChartToolbar } = await import('../../src/ui/dashboard/RunCharts.tsx');
    const series = runSeries('csv-run');
    expect(series.loaded).toBe(false);
    expect(renderNow(createElement(ChartToolbar, { runId: 'csv-run', name: 'r' }))).toMatch(/<button data-testid="download-csv" disabled="">Download CSV \(reading the steps…\)<\/button>/);
    await vi.waitFor(() => expect(series.loaded).toBe(true));
    expect(renderNow(createElement(ChartToolbar, { runId: 'csv-run', name: 'r' }))).toContain('<button data-testid="download-csv">Download CSV</button>');
  });
});
