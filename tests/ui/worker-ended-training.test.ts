// A GPU worker the browser ends (out of memory, a crash) while this tab trains a run sends no word
// and leaves the run's row `running`: the dashboard read it as any row a closed page left, "the page
// was closed while it trained", on the very page that stayed open. Through the real worker client
// (a stand-in worker, Web Locks as the browser keeps them): the run is marked as the crash's, the
// dashboard says the worker was ended, and its Resume is held with what to do (reload, then resume):
// this page's worker is gone, so a resume here could only fail. A row an earlier page left still says
// it cannot tell which happened. The Runs table and the dashboard's run picker say the same.
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { EngineClient } from '../../src/worker/client.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/worker/protocol.ts';

// Answers the memory plan a resume asks for first (it fits); the run it then starts never answers.
const worker = {
  onmessage: null as ((ev: MessageEvent) => void) | null,
  onerror: null,
  onmessageerror: null,
  postMessage: (msg: { kind: string; id: number }) => {
    if (msg.kind === 'planMemory') queueMicrotask(() => worker.onmessage!({ data: { kind: 'return', id: msg.id, result: { fits: true, problems: [] } } } as MessageEvent));
  },
  terminate: () => undefined,
};
let release!: () => void;
const gone = new Promise<void>((r) => (release = r));
vi.stubGlobal('navigator', { locks: { request: async (_name: string, cb: () => Promise<unknown>) => (await gone, cb()) } });
const client = new EngineClient(worker as unknown as Worker);
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => client }));
vi.mock('../../src/state/queries.ts', async (original) => ({ ...(await original<typeof import('../../src/state/queries.ts')>()), runMetrics: async () => [] }));

const { useRuns } = await import('../../src/state/runStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { installWorkerEvents } = await import('../../src/state/workerEvents.ts');
const { RunControls } = await import('../../src/ui/dashboard/RunControls.tsx');
const { RunsTable } = await import('../../src/ui/runs/RunsTable.tsx');
const { RunPicker } = await import('../../src/ui/dashboard/RunPicker.tsx');
const { renderNow } = await import('../helpers/render.ts');

const row = (id: string): StoredRun => ({ id, name: id, datasetId: 'd', kind: 'train', status: 'running', createdAt: 0, updatedAt: 0, config: { ...DEFAULT_RUN_CONFIG, steps: 100 }, lastStep: 40 }) as StoredRun;

describe('a worker ended by the browser while this tab trains a run', () => {
  it('marks the run as stopped by the crash, and the dashboard says so and what to do', async () => {
    installWorkerEvents();
    const run = row('long run');
    // An earlier page's row, left `running` too: nothing here knows why it stopped.
    const earlier = row('earlier run');
    useRuns.setState({ runs: [run, earlier], refreshRuns: async () => undefined, active: null, checkpointSteps: new Map([['long run', 40], ['earlier run', 40]]) });
    worker.onmessage!({ data: { kind: 'event', event: { type: 'worker-ready', lifeLock: 'balancesft-worker:1' } } } as MessageEvent);
    const training = useRuns.getState().resumeRun('long run');
    await vi.waitFor(() => expect(useRuns.getState().active?.runId).toBe('long run'));
    release();
    await training;
    expect(useRuns.getState().active).toBeNull();
    expect(useJobs.getState().crashedRows.has('long run')).toBe(true);

    const html = renderNow(createElement(RunControls, { run })).replace(/<!-- -->/g, '');
    expect(html).toContain('data-status="interrupted"');
    expect(html).not.toContain('the page was closed');
    expect(html).toContain('Interrupted at step 40 of 100 (the studio’s GPU worker was ended by the browser: out of memory, or a crash).');
    const held = 'The studio’s GPU worker was ended by the browser, so this page cannot train: reload the page to start it again, then resume (runs and their checkpoints are kept).';
    expect(html).toMatch(/<button[^>]*data-testid="dashboard-resume"[^>]*aria-disabled="true"[^>]*>Resume from step 40 \(last checkpoint\)<\/button>/);
    expect(html).toContain(`id="dashboard-resume-held">${held}</span>`);

    const before = renderNow(createElement(RunControls, { run: earlier })).replace(/<!-- -->/g, '');
    expect(before).toContain('Interrupted at step 40 of 100 (the page was closed, or its GPU worker was ended, while it ran).');
    expect(before).toContain(held);

    // The Runs panel's status column tells the two apart too.
    const table = renderNow(createElement(RunsTable, { compare: [], onToggleCompare: () => undefined, onOpenDashboard: () => undefined })).replace(/<!-- -->/g, '');
    const statuses = [...table.matchAll(/<td class="status-([a-z]+)"[^>]*>([^<]*)<\/td>/g)].map((m) => [m[1], m[2]]);
    expect(statuses).toEqual([['interrupted', 'interrupted (its GPU worker was ended)'], ['interrupted', 'interrupted']]);
    // And the dashboard's run picker, in the same words.
    const picker = renderNow(createElement(RunPicker)).replace(/<!-- -->/g, '');
    const options = [...picker.matchAll(/<option[^>]*>([^<]*)<\/option>/g)].map((m) => m[1]);
    expect(options).toEqual(['long run · interrupted (its GPU worker was ended)', 'earlier run · interrupted']);
  });
});
