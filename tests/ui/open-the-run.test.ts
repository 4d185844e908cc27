// Buttons that open another panel on a run show that run there: the run strip's "Open dashboard"
// (under the training run's progress) opened the dashboard on whichever run the user last picked in
// its run picker or the runs table; the demo guide's links showed the dataset and run the user picked
// last, not the demo's. Rendered with react-dom/server; the buttons pressed by their props.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));

const { useRuns } = await import('../../src/state/runStore.ts');
const { RunStrip } = await import('../../src/ui/shell/RunStrip.tsx');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useModel, EMBEDDED_REF } = await import('../../src/state/modelStore.ts');
const { DEMO_DATASET_NAME, DEMO_EVAL, DEMO_RUN_NAME } = await import('../../src/state/demoStore.ts');
const { DemoGuide } = await import('../../src/ui/demo/DemoGuide.tsx');

const trainRow = (id: string, name: string) => ({ id, name, datasetId: 'd', kind: 'train', status: 'running', createdAt: 1, updatedAt: 1, config: { steps: 30 }, lastStep: 3 });
const initial = { runs: useRuns.getState(), datasets: useDatasets.getState(), model: useModel.getState() };
beforeEach(() => {
  useRuns.setState(initial.runs, true);
  useDatasets.setState(initial.datasets, true);
  useModel.setState(initial.model, true);
});

describe('the run strip’s Open dashboard', () => {
  it('shows the run that is training, not the one picked last on the dashboard', () => {
    useRuns.setState({
      runs: [trainRow('training', 'mine'), trainRow('older', 'last week')] as never,
      active: { runId: 'training', progress: { label: 'training', done: 3, total: 30 }, stepTimes: [], pausing: false, stopping: false },
      selectedRunId: 'older',
    });
    const opened: string[] = [];
    renderNow(createElement(RunStrip, { onOpenDashboard: () => opened.push(useRuns.getState().selectedRunId ?? '') }));
    press('Open dashboard');
    expect(opened).toEqual(['training']);
  });
});

describe('the demo guide’s links', () => {
  const summary = { total: 31, correct: 25, accuracy: 25 / 31, byCategory: {}, failureRules: {}, finishReasons: {} };
  const trainedEval = { id: 'e1', kind: 'eval', datasetId: 'demo', status: 'done', createdAt: 2, updatedAt: 2, summary, config: { adapterRunId: 'demo-run', limit: DEMO_EVAL.limit, maxNewTokens: DEMO_EVAL.maxNewTokens, lora: null } };
  it('open the panel on the demo’s dataset and run after the user picked others', () => {
    useModel.setState({ info: { ref: EMBEDDED_REF } as never });
    useDatasets.setState({ datasets: [{ id: 'demo', name: DEMO_DATASET_NAME, exampleCount: 320, split: { seed: 1234, evalFraction: 0.1, by: 'question' } }, { id: 'mine', name: 'my-data', exampleCount: 10 }] as never, selectedId: 'mine' });
    useRuns.setState({ runs: [{ ...trainRow('mine-run', 'my run'), datasetId: 'mine', status: 'done' }, { ...trainRow('demo-run', DEMO_RUN_NAME), datasetId: 'demo', status: 'done', lastStep: 30 }, trainedEval] as never, selectedRunId: 'mine-run' });
    const opened: Array<[string, string | null, string | null]> = [];
    renderNow(createElement(DemoGuide, { onOpen: (panel: string) => opened.push([panel, useDatasets.getState().selectedId, useRuns.getState().selectedRunId]) }));
    press('Look at them');
    press('See every answer');
    expect(opened).toEqual([
      ['dataset', 'demo', 'demo-run'],
      ['eval', 'demo', 'demo-run'],
    ]);
  });
});
