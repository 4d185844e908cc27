// A training run the page was closed or reloaded under, said above every panel (only the Dashboard
// said it, and a reload may open another panel), with the way to resume it; and the panel a tab
// shows kept per tab, so a reload comes back to it rather than to the panel another tab showed last.
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press, recordingJsxRuntime } from '../helpers/press.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';

vi.mock('react/jsx-dev-runtime', async (original) => recordingJsxRuntime(original));
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));

const { useRuns } = await import('../../src/state/runStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { RunStrip } = await import('../../src/ui/shell/RunStrip.tsx');
const { runSeries } = await import('../../src/state/runSeries.ts');
const { readTabPref, writeTabPref } = await import('../../src/state/localPrefs.ts');

const run = (id: string, over: Record<string, unknown> = {}) => ({ id, kind: 'train', name: `run ${id}`, datasetId: 'd', status: 'running', lastStep: 100, config: { ...DEFAULT_RUN_CONFIG, steps: 300 }, createdAt: 1, updatedAt: 1, ...over });
const strip = (onOpenDashboard: () => void = () => undefined) => renderNow(createElement(RunStrip, { onOpenDashboard })).replace(/<[^>]+>/g, '');

const initial = { runs: useRuns.getState(), jobs: useJobs.getState() };
beforeEach(() => {
  useRuns.setState(initial.runs, true);
  useJobs.setState(initial.jobs, true);
});

describe('a training run the page was closed under', () => {
  it('is said above every panel, the newest first, with the others counted, and opens on the Dashboard', () => {
    useRuns.setState({ runs: [run('a', { updatedAt: 5 }), run('b', { updatedAt: 9, lastStep: 100 }), run('c', { status: 'paused' })] as never, active: null, trainingNow: new Set(), checkpointSteps: new Map([['b', 100]]) });
    // Its row keeps the step of its last checkpoint; its curves reached step 113 before the page closed.
    runSeries('b').setRows(Array.from({ length: 113 }, (_, i) => ({ step: i + 1, values: { loss: 1 } })));
    expect(strip()).toContain('The run “run b” was interrupted at step 113 of 300 (the page was closed, or its GPU worker was ended, while it ran). 1 other run was too. It resumes from step 100, its last checkpoint.');
    let opened = 0;
    strip(() => opened++);
    press('Open it to resume');
    expect(useRuns.getState().selectedRunId).toBe('b');
    expect(opened).toBe(1);
  });

  it('says a run that saved no checkpoint would start again from step 0', () => {
    useRuns.setState({ runs: [run('n', { lastStep: 0 })] as never, active: null, trainingNow: new Set(), checkpointSteps: new Map() });
    runSeries('n').setRows(Array.from({ length: 15 }, (_, i) => ({ step: i + 1, values: { loss: 1 } })));
    const said = strip();
    expect(said).toContain('was interrupted at step 15 of 300');
    expect(said).toContain('It saved no checkpoint: it would start again from step 0.');
    expect(said).toContain('Open it');
    expect(said).not.toContain('resume');
  });

  it('is not said of a run training here or in another tab, nor of a paused one', () => {
    useRuns.setState({ runs: [run('a'), run('p', { status: 'paused' })] as never, active: null, trainingNow: new Set(['a']) });
    expect(strip()).not.toContain('interrupted');
    useJobs.setState({ rows: new Set(['a']) });
    useRuns.setState({ trainingNow: new Set() });
    expect(strip()).not.toContain('interrupted');
  });
});

describe('the panel a tab shows', () => {
  const stores = { localStorage: new Map<string, string>(), sessionStorage: new Map<string, string>() };
  const storage = (m: Map<string, string>) => ({ getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) });
  beforeEach(() => {
    vi.stubGlobal('localStorage', storage(stores.localStorage));
    vi.stubGlobal('sessionStorage', storage(stores.sessionStorage));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('comes back after a reload though another tab showed another since; a new tab opens the last any tab showed', () => {
    writeTabPref('studio.panel', 'dashboard');
    // Another tab (its own sessionStorage, the same localStorage) shows the Model panel.
    stores.localStorage.set('studio.panel', 'model');
    expect(readTabPref('studio.panel')).toBe('dashboard');
    stores.sessionStorage.clear();
    expect(readTabPref('studio.panel')).toBe('model');
  });
});
