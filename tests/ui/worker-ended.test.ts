// A GPU worker the browser ends while a job runs (out of memory, a crash) sends no word: the page's
// job stayed "running" and every Start, Resume or Evaluate was held ("…is using the GPU") until a
// reload. Through the real worker client (a stand-in worker, Web Locks as the browser keeps them):
// the job ends with the reason, the page holds nothing (nor the rows the job wrote: they read as
// interrupted), and the crash banner's store is told.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineClient } from '../../src/worker/client.ts';

const worker = { onmessage: null as ((ev: MessageEvent) => void) | null, onerror: null, onmessageerror: null, postMessage: () => undefined, terminate: () => undefined };
let release!: () => void;
const gone = new Promise<void>((r) => (release = r));
vi.stubGlobal('navigator', { locks: { request: async (_name: string, cb: () => Promise<unknown>) => (await gone, cb()) } });
const client = new EngineClient(worker as unknown as Worker);
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => client }));
afterEach(() => vi.unstubAllGlobals());

const { useJobs } = await import('../../src/state/jobStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useCapabilities } = await import('../../src/state/capabilityStore.ts');
const { installWorkerEvents } = await import('../../src/state/workerEvents.ts');

describe('a worker ended by the browser while an evaluation runs', () => {
  it('ends the job with the reason and holds nothing', async () => {
    installWorkerEvents();
    useModel.setState({ info: { name: 'tiny' } as never });
    useRuns.setState({ refreshRuns: async () => undefined });
    worker.onmessage!({ data: { kind: 'event', event: { type: 'worker-ready', lifeLock: 'balancesft-worker:1' } } } as MessageEvent);
    const evaluating = useJobs.getState().runEvaluation('d1');
    // Say it wrote a row (as HDR and an ablation do): with the worker gone, nothing says it ended.
    worker.onmessage!({ data: { kind: 'event', event: { type: 'job-rows', runIds: ['hdr-1'] } } } as MessageEvent);
    expect(useJobs.getState().running?.kind).toBe('evaluate');
    release();
    await evaluating;
    expect(useJobs.getState().running).toBeNull();
    expect(useJobs.getState().error).toMatch(/^The evaluation failed: the studio's GPU worker was ended by the browser \(out of memory, or a crash\)/);
    // A run that saved no checkpoint has none to resume from: the words promise only what is so.
    expect(useJobs.getState().error).toContain('after the reload, Resume continues a training run from its last checkpoint if it saved one, or from its start if it saved none');
    expect(useCapabilities.getState()).toMatchObject({ status: 'crashed' });
    // Its row, left `running`, is no longer this tab's job's: it reads as interrupted.
    expect(useJobs.getState().rows.size).toBe(0);
  });
});

describe('a resume pressed once the worker is gone', () => {
  // Runs after the test above: the worker is gone by now.
  it('says the run could not run and to reload, not that it stopped', async () => {
    const run = { id: 'r1', datasetId: 'd', kind: 'train', status: 'running', createdAt: 0, updatedAt: 0, config: { steps: 10, batchSize: 1, seqLen: 64, lora: { rank: 2, targets: [] } }, name: 'long run', lastStep: 3 };
    useRuns.setState({ runs: [run as never], refreshRuns: async () => undefined, error: null, active: null });
    await useRuns.getState().resumeRun('r1');
    expect(useRuns.getState().error).toBe(
      "Training run long run could not run: the studio's GPU worker was ended by the browser earlier (out of memory, or a crash), so this page can start nothing more; reload the page to start the worker again (runs and datasets are kept; after the reload, Resume continues a training run from its last checkpoint if it saved one, or from its start if it saved none).",
    );
    expect(useCapabilities.getState()).toMatchObject({ status: 'crashed' });
  });
});
