// The Dashboard's held-out (eval) loss chart. A run that takes no eval steps ("Eval loss every" 0) or
// has no held-out example never gets a point on it: the chart stood empty with no word, while the
// per-token loss strip beside it said why. And its legend called the total "α-weighted under SSB"
// on every run, plain SFT and fixed-weight runs too.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));
vi.mock('../../src/state/queries.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/queries.ts')>()),
  runMetrics: async () => [],
}));

const { RunCharts } = await import('../../src/ui/dashboard/RunCharts.tsx');
const { DashboardPanel } = await import('../../src/ui/dashboard/DashboardPanel.tsx');
const { renderNow } = await import('../helpers/render.ts');
const { useRuns } = await import('../../src/state/runStore.ts');

const run = (id: string, evalEvery: number, heldOut?: number) => ({
  id, name: id, datasetId: 'd', kind: 'train', status: 'running', createdAt: 0, updatedAt: 0, config: { steps: 10, evalEvery, loss: 'ssb' },
  ...(heldOut === undefined ? {} : { setup: { examples: { train: 8, eval: heldOut, tooLong: 0 } } }),
});
/** The eval chart's figure, as rendered: its caption, its note and its canvas with the lines' labels. */
const evalChart = (html: string) => html.replace(/&#x27;/g, "'").match(/<figure class="chart"><figcaption>Eval loss \(held-out\)<\/figcaption>.*?<\/figure>/)![0];

describe('the eval loss chart of a run that gets no held-out loss', () => {
  it('says a run that takes no eval steps has none, in the per-token strip’s words', () => {
    useRuns.setState({ runs: [run('no-eval', 0)] as never });
    const chart = evalChart(renderNow(createElement(RunCharts, { runId: 'no-eval', evalEvery: 0 })));
    expect(chart).toContain('No held-out loss for this run: it takes no eval steps (its “Eval loss every” is 0).');
  });

  it('says a run with no held-out example has none', () => {
    useRuns.setState({ runs: [run('no-held', 5, 0)] as never });
    const chart = evalChart(renderNow(createElement(RunCharts, { runId: 'no-held', evalEvery: 5 })));
    expect(chart).toContain('No held-out loss for this run: it has no held-out example to measure (the dataset’s split holds none out, or none fits the sequence length).');
  });

  it('says nothing of the kind for a run that measures one', () => {
    useRuns.setState({ runs: [run('measured', 5, 4)] as never });
    expect(evalChart(renderNow(createElement(RunCharts, { runId: 'measured', evalEvery: 5 })))).not.toContain('No held-out loss');
  });
});

describe('the eval loss chart’s legend', () => {
  const label = (loss: string) => /aria-label="Eval loss \(held-out\): (eval total \(.*?\)),/.exec(evalChart(renderNow(createElement(RunCharts, { runId: 'measured', loss, evalEvery: 5 }))))?.[1];
  it('words the total by the run’s own loss rule', () => {
    useRuns.setState({ runs: [run('measured', 5, 4)] as never });
    expect(label('ssb')).toBe('eval total (the run’s loss: α-weighted, α learned)');
    expect(label('fixed:0.7')).toBe('eval total (the run’s loss: weighted by the fixed α = 0.7)');
    expect(label('sft')).toBe('eval total (the run’s loss: the plain token mean)');
  });
});

describe('the step a run kept (Keep the best step)', () => {
  const done = (id: string, lastStep: number, keepBest: boolean) => ({ ...run(id, 2, 4), status: 'done', lastStep, config: { steps: lastStep, evalEvery: 2, loss: 'ssb', keepBest, batchSize: 1, gradAccum: 1 } });
  const dashboard = (r: ReturnType<typeof done>, checkpoint: number) => {
    useRuns.setState({ runs: [r] as never, selectedRunId: r.id, checkpointSteps: new Map([[r.id, checkpoint]]) });
    return evalChart(renderNow(createElement(DashboardPanel, { theme: 'light' })));
  };

  it('is ringed on the held-out per-token line of a finished run that kept an earlier step, and said under the chart', () => {
    const chart = dashboard(done('kept', 8, true), 4);
    expect(chart).toContain('The ring marks step 4: its held-out loss per token was the run’s lowest, so the run keeps that step’s adapter, not its last step’s.');
    expect(chart).toMatch(/aria-label="Eval loss \(held-out\): [^"]*eval CoT, eval call, kept adapter \(step 4\) over training steps"/);
  });

  it('is not marked where the run kept its last step, or keeps no best step', () => {
    for (const chart of [dashboard(done('last', 8, true), 8), dashboard(done('plain', 8, false), 8)]) {
      expect(chart).not.toContain('The ring marks');
      expect(chart).not.toContain('kept adapter');
    }
  });
});
