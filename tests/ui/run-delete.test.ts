// Deleting a run from the Runs panel: the confirmation says what goes with the run of each kind, and
// a deletion the worker refuses names the run as the table does (its name, not its id).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

let reply: (kind: string) => Promise<unknown> = async () => undefined;
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: (kind: string) => reply(kind) }) }));

const { useRuns } = await import('../../src/state/runStore.ts');
const { reallyDeleteLabel } = await import('../../src/ui/runs/RunActions.tsx');

const run = (kind: StoredRun['kind'], name?: string) => ({ id: `${kind}-1a2b`, name, datasetId: 'd', kind, status: 'done', createdAt: 0, updatedAt: 0, config: {} }) as unknown as StoredRun;

beforeEach(() => useRuns.setState({ error: null, runs: [run('train', 'my run')] }));

describe('deleting a run', () => {
  it('names in the worker’s refusal the run the user pressed Delete on, by its name', async () => {
    reply = async () => {
      throw new Error('“my run” is training in another tab of the studio; stop it there before deleting it');
    };
    await useRuns.getState().deleteRun('train-1a2b');
    expect(useRuns.getState().error).toBe('Deleting “my run” failed: “my run” is training in another tab of the studio; stop it there before deleting it. Nothing was removed.');
  });

  it('confirms with what goes with a run of each kind: an evaluation has no metrics or checkpoints', () => {
    expect(reallyDeleteLabel(run('train', 'my run'))).toBe('Really delete my run, its metrics and checkpoints');
    expect(reallyDeleteLabel(run('eval'))).toBe('Really delete eval-1a2b, its results and answers');
    expect(reallyDeleteLabel(run('hdr'))).toBe('Really delete hdr-1a2b, its rounds and adapter (the samples it added stay in the dataset)');
    expect(reallyDeleteLabel(run('ablation'))).toBe('Really delete ablation-1a2b, its comparison (its arms’ runs stay)');
  });
});
