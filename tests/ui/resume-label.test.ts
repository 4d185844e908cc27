// The Training panel's resume button said what it does in its own words, apart from the
// dashboard's and the Runs panel's (runStore's resumeLabel / resumeVerb): a run never trained
// (created, cut off before its first step) read "Start “x” again from step 0" there, though it had
// nothing to start again and the dashboard said "Start from step 0". One label, with the run named.
import 'fake-indexeddb/auto';
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => () => undefined }) }));
const { useRuns } = await import('../../src/state/runStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { TrainingPanel } = await import('../../src/ui/training/TrainingPanel.tsx');
const { RunControls } = await import('../../src/ui/dashboard/RunControls.tsx');

const row = (status: string, lastStep?: number) => ({ id: 'r1', name: 'ssb r8', datasetId: 'd', kind: 'train', status, createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep }) as StoredRun;
const label = (html: string, testId: string) => html.match(new RegExp(`<button[^>]*data-testid="${testId}"[^>]*>([^<]*)</button>`))![1].replace(/&quot;/g, '"');

const initial = { runs: useRuns.getState(), datasets: useDatasets.getState(), model: useModel.getState() };
beforeEach(() => {
  useRuns.setState(initial.runs, true);
  useDatasets.setState({ ...initial.datasets, datasets: [{ id: 'd', name: 'train.jsonl', exampleCount: 40 }] as never, selectedId: 'd' }, true);
  useModel.setState({ ...initial.model, info: { ref: 'tiny' } as never }, true);
});

describe('the Training panel’s resume button', () => {
  const panel = (run: StoredRun, checkpointStep?: number) => {
    useRuns.setState({ runs: [run], selectedRunId: run.id, checkpointSteps: new Map(checkpointStep ? [[run.id, checkpointStep]] : []) });
    return { panel: label(renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined })), 'resume-run'), dashboard: label(renderNow(createElement(RunControls, { run })), 'dashboard-resume') };
  };

  it('says what the dashboard’s says, naming the run', () => {
    expect(panel(row('paused', 50), 40)).toEqual({ panel: 'Resume “ssb r8” from step 40 (last checkpoint)', dashboard: 'Resume from step 40 (last checkpoint)' });
    expect(panel(row('interrupted', 3))).toEqual({ panel: 'Start “ssb r8” again from step 0 (its 3 stored steps are replaced)', dashboard: 'Start again from step 0 (its 3 stored steps are replaced)' });
    // Never trained a step: nothing to start again.
    expect(panel(row('failed'))).toEqual({ panel: 'Start “ssb r8” from step 0', dashboard: 'Start from step 0' });
  });
});
