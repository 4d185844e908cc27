// One start at a time: Resume (or Start) pressed twice before the first request reaches the worker
// sent two, and the second, refused, cleared the first's `active`: the run trained on with no Pause
// or Stop, labelled interrupted and offering Resume.
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

const requests: string[] = [];
let finishTraining: (result: unknown) => void = () => undefined;
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => undefined,
    request: (kind: string) => {
      requests.push(kind);
      if (kind === 'startRun') return new Promise((resolve) => (finishTraining = resolve));
      return Promise.resolve(undefined);
    },
  }),
}));
const row = { id: 'r1', datasetId: 'd', kind: 'train', status: 'paused', createdAt: 1, updatedAt: 1, config: { ...DEFAULT_RUN_CONFIG, steps: 10 }, lastStep: 4, name: 'my run' } as StoredRun;
vi.mock('../../src/state/queries.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/queries.ts')>()),
  runsTable: async () => ({ runs: [row], lastMetrics: new Map(), checkpointSteps: new Map(), adapterRuns: new Set() }),
}));

const { useRuns } = await import('../../src/state/runStore.ts');

describe('starting a run', () => {
  it('sends one start for two clicks, and the running run keeps its Pause', async () => {
    const first = useRuns.getState().resumeRun('r1');
    const second = useRuns.getState().resumeRun('r1');
    await second;
    expect(useRuns.getState().error).toBe('A run is already training or starting; pause or stop it before resuming another.');
    await vi.waitFor(() => expect(requests.filter((r) => r === 'startRun')).toHaveLength(1));
    expect(useRuns.getState().active?.runId).toBe('r1');
    await useRuns.getState().pauseRun();
    expect(requests).toContain('pauseRun');
    finishTraining({ status: 'paused', step: 6, steps: 10 });
    await first;
    expect(useRuns.getState().active).toBeNull();
  });
});
