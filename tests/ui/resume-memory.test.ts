// Resume trains the run's stored settings, not the Training panel's form: the memory check before
// it starts must be the stored run's. A run whose own settings do not fit was resumed on the form's
// "fits" verdict and failed only after the weights were uploaded; one that fits beside a form that
// does not was checked against the form.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import type { TrainShape } from '../../src/worker/protocol.ts';

const requests: Array<{ kind: string; payload: unknown }> = [];
/** The GPU in this test fits a micro-batch of at most 4. */
const planFor = (shape: TrainShape) => ({ fits: shape.batch <= 4, problems: shape.batch <= 4 ? [] : [`layer activation gate needs 2.00 GiB in one buffer, over this GPU's 1.00 GiB binding limit`], suggestions: ['use micro-batch 4 with gradient accumulation ×2'] });
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => undefined,
    request: (kind: string, payload: unknown) => {
      requests.push({ kind, payload });
      if (kind === 'planMemory') return Promise.resolve(planFor(payload as TrainShape));
      if (kind === 'startRun') return Promise.resolve({ status: 'done', step: 10, steps: 10 });
      return Promise.resolve(undefined);
    },
  }),
}));
const rows: StoredRun[] = [
  { id: 'big', datasetId: 'd', kind: 'train', status: 'paused', createdAt: 1, updatedAt: 1, config: { ...DEFAULT_RUN_CONFIG, steps: 10, batchSize: 8 }, lastStep: 4, name: 'big run' } as StoredRun,
  { id: 'small', datasetId: 'd', kind: 'train', status: 'paused', createdAt: 1, updatedAt: 1, config: { ...DEFAULT_RUN_CONFIG, steps: 10, batchSize: 2 }, lastStep: 4, name: 'small run' } as StoredRun,
];
vi.mock('../../src/state/queries.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/queries.ts')>()),
  runsTable: async () => ({ runs: rows, lastMetrics: new Map(), checkpointSteps: new Map(), adapterRuns: new Set() }),
}));

const { useRuns } = await import('../../src/state/runStore.ts');

describe('resuming a run checks the memory of its own settings', () => {
  beforeEach(() => {
    requests.length = 0;
    useRuns.setState({ error: null, active: null });
  });

  it('refuses a run whose stored settings do not fit, saying why, though the form fits', async () => {
    useRuns.getState().updateDraft({ batchSize: 1 });
    await useRuns.getState().resumeRun('big');
    expect(requests.map((r) => r.kind)).not.toContain('startRun');
    expect(requests.find((r) => r.kind === 'planMemory')?.payload).toMatchObject({ batch: 8 });
    expect(useRuns.getState().error).toMatch(/“big run” does not fit this GPU with its own settings \(batch 8 × \d+ tokens, LoRA rank \d+\): layer activation gate needs 2\.00 GiB/);
    expect(useRuns.getState().error).toMatch(/start a new run/);
  });

  it('resumes a run whose settings fit, though the form does not', async () => {
    useRuns.getState().updateDraft({ batchSize: 16 });
    await useRuns.getState().resumeRun('small');
    expect(requests.map((r) => r.kind)).toContain('startRun');
    expect(useRuns.getState().error).toBeNull();
  });
});
