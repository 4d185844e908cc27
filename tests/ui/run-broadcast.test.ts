// A run's live events reach the studio's other tabs, and the runs table follows a run while it
// trains: its step and newest losses used to be read only when a run started or ended, so the Runs
// panel said "step 0" all along, and another tab showed the step it had when it last looked.
import 'fake-indexeddb/auto';
import React from 'react';
import { describe, expect, it, vi } from 'vitest';
import { openRunBroadcast, RUN_CHANNEL, type RunEvent } from '../../src/state/runBroadcast.ts';
import { applyRunEvent, installWorkerEvents } from '../../src/state/workerEvents.ts';
import { useRuns } from '../../src/state/runStore.ts';
import { runSeries } from '../../src/state/runSeries.ts';
import { studioDb } from '../../src/state/db.ts';
import { RunActions, RunExports } from '../../src/ui/runs/RunActions.tsx';
// A run's row actions and, unfolded, its exports (whose reasons to be off are the row's).
const actionsAndExports = (run: Parameters<typeof RunActions>[0]['run']) => React.createElement(React.Fragment, null, React.createElement(RunActions, { run, onOpenDashboard: () => undefined }), React.createElement(RunExports, { run }));
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StepMetrics } from '../../src/train/trainer.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import { renderNow } from '../helpers/render.ts';

const worker = vi.hoisted(() => ({ emit: (_e: unknown) => {} }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({ request: async () => undefined, onEvent: (cb: (e: unknown) => void) => (worker.emit = cb) }),
}));

const metric = (step: number, loss: number): StepMetrics => ({ step, epoch: 0, loss, lossCot: loss + 1, lossCall: loss - 1, alpha: 0.71, gradAlpha: 0, lr: 1e-4, gradNorm: 1, tokensPerSecond: 10, cotTokens: 8, callTokens: 4, tokens: 12, millis: 5 });
const trainRow = (id: string, extra: Partial<StoredRun> = {}) => ({ id, datasetId: 'd', kind: 'train', status: 'running', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 0, ...extra }) as StoredRun;

describe('a run’s events shared between tabs', () => {
  it('reach every other tab’s channel, not the tab that sent them, and only run events pass', async () => {
    const heard: { a: RunEvent[]; b: RunEvent[] } = { a: [], b: [] };
    const a = openRunBroadcast((e) => heard.a.push(e), 'test-runs');
    const b = openRunBroadcast((e) => heard.b.push(e), 'test-runs');
    try {
      const e: RunEvent = { type: 'run-metric', runId: 'r', metric: metric(3, 2) };
      a.share(e);
      a.share({ type: 'generation', streamId: 's', text: 'x' } as never);
      await new Promise((r) => setTimeout(r, 50));
      expect(heard.b).toEqual([e]);
      expect(heard.a).toEqual([]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('this tab’s worker events go to the other tabs and are applied here; theirs are applied here', async () => {
    const otherTab: RunEvent[] = [];
    const other = openRunBroadcast((e) => otherTab.push(e), RUN_CHANNEL);
    try {
      useRuns.setState({ runs: [trainRow('mine'), trainRow('theirs')], lastMetrics: new Map() });
      installWorkerEvents();
      worker.emit({ type: 'run-metric', runId: 'mine', metric: metric(4, 2) });
      other.share({ type: 'run-metric', runId: 'theirs', metric: metric(9, 1) });
      for (let i = 0; i < 100 && (otherTab.length === 0 || useRuns.getState().runs[1].lastStep === 0); i++) await new Promise((r) => setTimeout(r, 5));
      expect(otherTab.map((e) => e.runId)).toEqual(['mine']);
      expect(useRuns.getState().runs.map((r) => r.lastStep)).toEqual([4, 9]);
    } finally {
      other.close();
    }
  });
});

describe('the runs table while a run trains', () => {
  it('follows each step’s metric: step, losses and α, in this tab and from another', () => {
    useRuns.setState({ runs: [trainRow('live'), trainRow('other', { lastStep: 7, status: 'paused' })], lastMetrics: new Map([['other', { loss: 9 }]]) });
    applyRunEvent({ type: 'run-metric', runId: 'live', metric: metric(1, 3) }, false);
    applyRunEvent({ type: 'run-metric', runId: 'live', metric: metric(2, 2.5) }, true);
    const { runs, lastMetrics } = useRuns.getState();
    expect(runs.map((r) => [r.id, r.lastStep])).toEqual([['live', 2], ['other', 7]]);
    expect(lastMetrics.get('live')).toMatchObject({ loss: 2.5, lossCot: 3.5, lossCall: 1.5, alpha: 0.71 });
    expect(lastMetrics.get('other')).toEqual({ loss: 9 });
  });

  it('takes a status’s step, and keeps the step it had when the status carries none', () => {
    useRuns.setState({ runs: [trainRow('s', { lastStep: 12 })] });
    applyRunEvent({ type: 'run-status', runId: 's', status: 'failed', message: 'device lost' }, false);
    expect(useRuns.getState().runs[0]).toMatchObject({ status: 'failed', lastStep: 12, message: 'device lost' });
    applyRunEvent({ type: 'run-status', runId: 's', status: 'paused', step: 15 }, false);
    expect(useRuns.getState().runs[0]).toMatchObject({ status: 'paused', lastStep: 15, message: undefined });
  });

  it('another tab’s status reads the runs again: a run started there appears here', async () => {
    useRuns.setState({ runs: [] });
    await studioDb().runs.put(trainRow('started-elsewhere') as never);
    applyRunEvent({ type: 'run-status', runId: 'started-elsewhere', status: 'running', step: 0 }, true);
    for (let i = 0; i < 100 && useRuns.getState().runs.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(useRuns.getState().runs.map((r) => r.id)).toEqual(['started-elsewhere']);
  });

  it('another tab’s steps extend this tab’s chart of the run', async () => {
    await studioDb().metrics.bulkPut([1, 2].map((step) => ({ runId: 'charted', step, values: { loss: 5 - step } })));
    const s = runSeries('charted');
    for (let i = 0; i < 100 && !s.loaded; i++) await new Promise((r) => setTimeout(r, 5));
    applyRunEvent({ type: 'run-metric', runId: 'charted', metric: metric(3, 1.5) }, true);
    expect(s.steps).toEqual([1, 2, 3]);
    expect(s.values.loss).toEqual([4, 3, 1.5]);
  });
});

describe('the actions of a run another tab trains', () => {
  it('are off, with the reason, like those of a run this tab trains', () => {
    const run = trainRow('elsewhere-run', { lastStep: 4 });
    useRuns.setState({ runs: [run], active: null, trainingNow: new Set(['elsewhere-run']) });
    const html = renderNow(actionsAndExports(run));
    for (const label of ['Export elsewhere-run as a snapshot .zip', 'Export elsewhere-run with its dataset', 'Delete elsewhere-run']) {
      // Off by aria-disabled (focusable), described by the visible reason (no hover-only title).
      expect(html).toMatch(new RegExp(`aria-label="${label.replace(/[.+]/g, '\\$&')}"[^>]*aria-disabled="true" aria-describedby="run-why-elsewhere-run"`));
    }
    expect(html).toContain('<span class="small muted" id="run-why-elsewhere-run">It trains in another tab of the studio; wait until it ends there.</span>');
    expect(html).not.toMatch(/title=/);
    expect(html).toMatch(/aria-label="Export elsewhere-run as an ONNX model[^"]*"[^>]*aria-disabled="true"/);
    expect(html).toMatch(/aria-label="Export elsewhere-run as a recipe[^"]*"[^>]*aria-disabled="true"/);
    expect(html).not.toContain('data-testid="runs-resume"');
    // The same run, no longer training anywhere, is interrupted: exports and delete are back.
    useRuns.setState({ trainingNow: new Set() });
    const after = renderNow(actionsAndExports(run));
    expect(after).not.toMatch(/Delete elsewhere-run" aria-disabled/);
    // (Its resume button: with no checkpoint saved it starts the run again.)
    expect(after).toMatch(/data-testid="runs-resume">Start again</);
  });
});
