// Starting a training run from the page: a start the worker refuses before training (another job
// holds the GPU, the dataset is gone) leaves no run behind to sit in every adapter picker, while a
// run that did begin is kept whatever became of it.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import { WorkerError } from '../../src/worker/client.ts';
import type { ProgressInfo } from '../../src/worker/protocol.ts';

const requests: string[] = [];
let reply: (kind: string, onProgress?: (p: ProgressInfo) => void) => Promise<unknown> = async () => undefined;
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: (kind: string, _payload: unknown, onProgress?: (p: ProgressInfo) => void) => {
      requests.push(kind);
      return reply(kind, onProgress);
    },
  }),
}));

const { useModel } = await import('../../src/state/modelStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');

const initial = useRuns.getState();
/** The run rows `refreshRuns` finds: the new run, in the state the worker left it. */
let stored: Partial<StoredRun> | null = null;
/** The step of the run's newest checkpoint, as `refreshRuns` reads it (none: undefined). */
let checkpoint: number | undefined;

beforeEach(() => {
  requests.length = 0;
  checkpoint = undefined;
  useModel.setState({ info: { ref: 'tiny' } as never });
  const refreshRuns = async () => useRuns.setState({ runs: stored ? [{ id: 'r', datasetId: 'd', kind: 'train', createdAt: 0, updatedAt: 0, config: {}, ...stored } as StoredRun] : [], checkpointSteps: new Map(stored && checkpoint !== undefined ? [['r', checkpoint]] : []) });
  useRuns.setState({ ...initial, active: null, error: null, refreshRuns }, true);
});

describe('a training run’s phase before its first step', () => {
  // Tokenizing 60,000 examples took minutes with a count and no word of how long.
  it('is timed from its first progress to its newest, for how long it has left; the first step ends it', async () => {
    stored = { status: 'done', lastStep: 1 };
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const seen: unknown[] = [];
    reply = async (kind, onProgress) => {
      if (kind !== 'startRun') return kind === 'createRun' ? { runId: 'r' } : undefined;
      const tokenizing = (done: number) => onProgress?.({ label: 'tokenizing', done, total: 60_000, unit: 'examples' });
      tokenizing(0);
      clock = 4000;
      tokenizing(2000);
      clock = 8000;
      tokenizing(4000);
      seen.push(useRuns.getState().active?.phaseTimes);
      onProgress?.({ label: 'training', done: 1, total: 1 });
      seen.push(useRuns.getState().active?.phaseTimes);
      return { status: 'done', step: 1 };
    };
    try {
      await useRuns.getState().startRun('d');
    } finally {
      now.mockRestore();
    }
    expect(seen[0]).toEqual({ label: 'tokenizing', first: { at: 0, done: 0 }, last: { at: 8000, done: 4000 } });
    expect(seen[1]).toBeUndefined();
    const { phaseEtaSeconds } = await import('../../src/state/progressEta.ts');
    expect(phaseEtaSeconds(seen[0] as never, 60_000)).toBe(112); // 56,000 more at 500 a second
  });
});

describe('starting a training run', () => {
  it('removes the run a refused start made, and says why it did not start', async () => {
    stored = { status: 'created' };
    reply = async (kind) => {
      if (kind === 'createRun') return { runId: 'r' };
      if (kind === 'startRun') throw new Error('an evaluation is running; wait for it or cancel it first');
      if (kind === 'deleteRun') stored = null;
      return undefined;
    };
    await useRuns.getState().startRun('d');
    expect(requests).toEqual(['planMemory', 'createRun', 'startRun', 'deleteRun']);
    expect(useRuns.getState().runs).toEqual([]);
    expect(useRuns.getState().error).toMatch(/could not run: an evaluation is running; wait for it or cancel it first/);
  });

  it('keeps a run that began training, even when the request then failed (the worker died mid-run)', async () => {
    stored = { status: 'running', lastStep: 3 };
    reply = async (kind) => {
      if (kind === 'createRun') return { runId: 'r' };
      if (kind === 'startRun') throw new Error('the GPU worker stopped');
      return undefined;
    };
    await useRuns.getState().startRun('d');
    expect(requests).toEqual(['planMemory', 'createRun', 'startRun']);
    expect(useRuns.getState().runs.map((r) => r.id)).toEqual(['r']);
  });

  it('says a run stopped, not that it could not run, when the browser ended the worker mid-run', async () => {
    stored = { status: 'running', lastStep: 3, name: 'long run' };
    reply = async (kind) => {
      if (kind === 'createRun') return { runId: 'r' };
      if (kind === 'startRun') throw new WorkerError('WorkerCrashed', "the studio's GPU worker was ended by the browser (out of memory, or a crash)");
      return undefined;
    };
    await useRuns.getState().startRun('d');
    expect(useRuns.getState().error).toBe("Training run long run stopped: the studio's GPU worker was ended by the browser (out of memory, or a crash).");
    expect(useRuns.getState().active).toBeNull();
  });
});

describe('a run that fails', () => {
  /** Starts a run the worker answers as failed after `step` steps of 20; the error line it leaves and
   * what the run's controls then say. */
  async function failAfter(step: number, message: string): Promise<{ error: string | null; controls: string; actions: string }> {
    stored = { status: 'failed', lastStep: step, message, config: { steps: 20 } as never };
    reply = async (kind) => {
      if (kind === 'createRun') return { runId: 'r' };
      if (kind === 'startRun') return { status: 'failed', step, message };
      return undefined;
    };
    await useRuns.getState().startRun('d');
    const { RunControls } = await import('../../src/ui/dashboard/RunControls.tsx');
    const { RunActions } = await import('../../src/ui/runs/RunActions.tsx');
    const { renderNow } = await import('../helpers/render.ts');
    const { createElement } = await import('react');
    const run = useRuns.getState().runs[0];
    const render = (el: Parameters<typeof renderNow>[0]) => renderNow(el).replace(/<!-- -->/g, '');
    return { error: useRuns.getState().error, controls: render(createElement(RunControls, { run })), actions: render(createElement(RunActions, { run, onOpenDashboard: () => undefined })) };
  }

  // The run's step is the number of steps it finished; the worker's message names the step that
  // failed: "failed at step 2: training diverged at step 3" said two different steps.
  it('says how many steps it finished, beside the step the message names', async () => {
    checkpoint = 2;
    const { error, controls } = await failAfter(2, 'out of GPU memory at step 3');
    expect(error).toBe('Run “r” failed after 2 steps: out of GPU memory at step 3. Resume it to continue from its last checkpoint (step 2).');
    expect(controls).toContain('Failed after 2 steps of 20: out of GPU memory at step 3.');
    expect(controls).toContain('Resume from step 2 (last checkpoint)');
  });

  // "Resume it to continue from its last checkpoint" was said of a run that had saved none: a resume
  // there starts again from step 0, and the Runs panel's button said "Resume" all the same.
  it('that saved no checkpoint says there is nothing to resume, and offers to start again, not to resume', async () => {
    const { error, controls, actions } = await failAfter(2, 'out of GPU memory at step 3');
    expect(error).toBe('Run “r” failed after 2 steps: out of GPU memory at step 3. It saved no checkpoint, so there is nothing to resume: start it again from step 0.');
    expect(controls).toContain('Start again from step 0 (its 2 stored steps are replaced)');
    expect(controls).not.toContain('Resume');
    expect(actions).toMatch(/aria-label="Start r again from step 0"[^>]*>Start again<\/button>/);
    expect(actions).not.toContain('Resume');
  });

  // "failed after 0 steps" read as if a step had run; studio train's error says the same words.
  it('says a run that failed before its first step failed before it, in the error line and the controls', async () => {
    const { error, controls, actions } = await failAfter(0, 'out of GPU memory');
    expect(error).toBe('Run “r” failed before its first step: out of GPU memory. It saved no checkpoint, so there is nothing to resume: start it again from step 0.');
    expect(controls).toContain('Failed before its first step: out of GPU memory.');
    expect(actions).toMatch(/aria-label="Start r from step 0"[^>]*>Start<\/button>/);
  });
});

describe('a run whose own sequence length fits none of its training examples', () => {
  // The alert said "start it again from step 0" beside a Start again that is off for this very
  // reason (restartHeld): started again with its own length, it fails the same way.
  it('points at a new run with a longer sequence length, not at starting it again', async () => {
    const message = 'no training examples fit the sequence length 16 (3 too long): train with a longer one, or check the dataset';
    stored = { status: 'failed', lastStep: 0, message, config: { steps: 20 } as never };
    reply = async (kind) => {
      if (kind === 'createRun') return { runId: 'r' };
      if (kind === 'startRun') return { status: 'failed', step: 0, message, nothingToTrain: 'too_long' };
      return undefined;
    };
    await useRuns.getState().startRun('d');
    expect(useRuns.getState().error).toBe(`Run “r” failed before its first step: ${message}. A run keeps its own sequence length. Start a new run with a longer one (Training panel).`);
  });
});

describe('a run that had nothing to train for another reason than its sequence length', () => {
  // The alert ended "start it again from step 0" as if a restart alone would help; a restart reads
  // the dataset's examples as they are then (the worker's startRun), so what helps is changing them.
  async function failedWith(cause: 'none_used' | 'unrenderable', message: string): Promise<string | null> {
    stored = { status: 'failed', lastStep: 0, message, config: { steps: 20 } as never };
    reply = async (kind) => {
      if (kind === 'createRun') return { runId: 'r' };
      if (kind === 'startRun') return { status: 'failed', step: 0, message, nothingToTrain: cause };
      return undefined;
    };
    await useRuns.getState().startRun('d');
    return useRuns.getState().error;
  }

  it('with no training example used, says to include some in the Dataset panel, then start it again', async () => {
    const message = 'there are no training examples to train on: the dataset’s training side is empty, or every example on it is left out';
    expect(await failedWith('none_used', message)).toBe(`Run “r” failed before its first step: ${message}. Include training examples in the Dataset panel, then start it again.`);
  });

  it('with examples the chat template cannot render, says to fix or leave them out in the Dataset panel', async () => {
    const message = 'no training example could be used: 3 examples the chat template cannot render (no tools)';
    expect(await failedWith('unrenderable', message)).toBe(`Run “r” failed before its first step: ${message}. Fix the examples the chat template cannot render, or leave them out, in the Dataset panel, then start it again.`);
  });
});

describe('a failed run whose message already says what to do', () => {
  // A divergence says a resume would replay it (start a new run); the generic "Resume it to continue
  // from its last checkpoint" after it contradicted that, and after a lost device's own "Resume the
  // run …" it said the same thing twice.
  it('is not followed by the generic advice to resume', async () => {
    const { TrainingDivergedError } = await import('../../src/train/trainer.ts');
    for (const message of [new TrainingDivergedError(3, 0, 11.9).message, 'the GPU device was lost (unknown). Resume the run to continue from its last checkpoint']) {
      stored = { status: 'failed', lastStep: 2, message, config: { steps: 20 } as never };
      reply = async (kind) => {
        if (kind === 'createRun') return { runId: 'r' };
        if (kind === 'startRun') return { status: 'failed', step: 2, message };
        return undefined;
      };
      await useRuns.getState().startRun('d');
      expect(useRuns.getState().error).toBe(`Run “r” failed after 2 steps: ${message}.`);
    }
  });
});

describe('Pause or Stop the worker refuses', () => {
  // Pressed while the run was still being set up (reading its examples), the worker answered "run r
  // is not training"; the strip stayed "Pausing after this step…" with Pause and Stop off while the
  // run then trained every step.
  it('leaves Pause and Stop working, and says why', async () => {
    reply = async (kind) => {
      if (kind === 'pauseRun' || kind === 'stopRun') throw new Error('run r is not training');
      return undefined;
    };
    useRuns.setState({ active: { runId: 'r', progress: null, stepTimes: [], pausing: false, stopping: false } });
    await useRuns.getState().pauseRun();
    expect(useRuns.getState().active).toMatchObject({ runId: 'r', pausing: false, stopping: false });
    expect(useRuns.getState().error).toBe('Pause failed: run r is not training.');
    await useRuns.getState().stopRun();
    expect(useRuns.getState().active).toMatchObject({ runId: 'r', pausing: false, stopping: false });
    expect(useRuns.getState().error).toBe('Stop failed: run r is not training.');
  });
});

describe('the dashboard’s line for a run a job trains', () => {
  const line = async (run: StoredRun) => {
    const { RunControls } = await import('../../src/ui/dashboard/RunControls.tsx');
    const { renderNow } = await import('../helpers/render.ts');
    const { createElement } = await import('react');
    return renderNow(createElement(RunControls, { run }));
  };

  // An ablation's arm (or a run a job writes) is not this tab's active run: its line fell through to
  // "Not started yet (20 steps planned)" while its curves grew.
  it('says it trains as part of the job, with its step', async () => {
    useJobs.setState({ running: { kind: 'ablation', progress: null }, rows: new Set(['arm']) });
    try {
      const arm = { id: 'arm', name: 'abl · sft', datasetId: 'd', kind: 'train', status: 'running', createdAt: 1000, updatedAt: 2000, config: { steps: 20 }, lastStep: 7 } as StoredRun;
      const html = await line(arm);
      expect(html).toContain('data-status="running"');
      expect(html).toContain('Training as part of the ablation: step 7 of 20. Cancel it in its panel.');
      expect(html).not.toContain('Not started yet');
    } finally {
      useJobs.setState({ running: null, rows: new Set() });
    }
  });

  // A run another tab trains while this tab evaluates: its row, written after the evaluation began,
  // used to count as the evaluation's ("Training as part of the running job… Cancel it in its
  // panel" sent the user to cancel an evaluation that had nothing to do with it).
  it('says it trains in another tab, not as part of this tab’s job', async () => {
    const since = Date.now();
    useJobs.setState({ running: { kind: 'evaluate', progress: null } });
    useRuns.setState({ trainingNow: new Set(['other-tab-run']) });
    try {
      const run = { id: 'other-tab-run', name: 'there', datasetId: 'd', kind: 'train', status: 'running', createdAt: since - 60_000, updatedAt: since + 5_000, config: { steps: 20 }, lastStep: 7 } as StoredRun;
      const html = await line(run);
      expect(html).toContain('data-status="elsewhere"');
      expect(html).toContain('Training in another tab of the studio: step 7 of 20. Pause or stop it there.');
    } finally {
      useJobs.setState({ running: null });
      useRuns.setState({ trainingNow: new Set() });
    }
  });
});
