// The Training panel says how long the run trains in epochs, beside the steps it asks for, and puts
// whole passes one click away: the form asked for steps only, and a newcomer's 20 steps over 290
// examples saw 20 of them without a word.
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
// The worker's count of the training examples that fit (no worker in Node).
const trained = vi.hoisted(() => ({ value: null as number | null, seqLen: 0 }));
vi.mock('../../src/state/datasetViews.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/datasetViews.ts')>()),
  useTrainedExamples: (_datasetId: string, seqLen: number) => {
    trained.seqLen = seqLen;
    return trained.value;
  },
}));

const { useRuns, STUDIO_DEFAULT_CONFIG, runEpochBasis } = await import('../../src/state/runStore.ts');
const { RunLengthNote } = await import('../../src/ui/training/RunLengthNote.tsx');

const initial = useRuns.getState();
afterEach(() => {
  useRuns.setState(initial, true);
  trained.value = null;
});

const note = (draft: Partial<typeof STUDIO_DEFAULT_CONFIG>) => {
  useRuns.setState({ draft: { ...STUDIO_DEFAULT_CONFIG, ...draft } });
  return renderNow(createElement(RunLengthNote, { datasetId: 'd', disabled: false })).replace(/<[^>]+>/g, '');
};

describe('the run’s length in epochs', () => {
  it('says the passes the steps make over the examples that fit, and what a run under one pass leaves unseen', () => {
    trained.value = 290;
    expect(note({ steps: 20, batchSize: 1, gradAccum: 1, seqLen: 320 })).toBe('20 steps of 1 example: 0.069 epochs over 290 training examples: it sees 20 of them once, and the other 270 not at all. Whole passes: 1 epoch (290 steps) · 2 epochs (580 steps) · 3 epochs (870 steps)');
    // Counted at the form's own sequence length.
    expect(trained.seqLen).toBe(320);
    trained.value = 11;
    expect(note({ steps: 20, batchSize: 1, gradAccum: 1 })).toBe('20 steps of 1 example: 1.8 epochs over 11 training examples. Whole passes: 1 epoch (11 steps) · 2 epochs (22 steps) · 3 epochs (33 steps)');
    // Many passes (here after a shorter sequence length left 11 of 290) are said to risk learning by heart.
    expect(note({ steps: 290, batchSize: 1, gradAccum: 1 })).toBe('290 steps of 1 example: 26 epochs over 11 training examples. That many passes can teach the adapter these examples by heart rather than the task: the held-out loss (Dashboard) rises when that starts; Keep the best step keeps the adapter from before it did. Whole passes: 1 epoch (11 steps) · 2 epochs (22 steps) · 3 epochs (33 steps)');
    expect(note({ steps: 290, batchSize: 1, gradAccum: 1, keepBest: true })).toContain('rises when that starts, and the run keeps the step before it did. Whole passes');
    expect(note({ steps: 109, batchSize: 1, gradAccum: 1 })).not.toContain('by heart');
    // Batches and accumulation take more examples a step; a step count already offered is not offered again.
    trained.value = 12;
    expect(note({ steps: 3, batchSize: 2, gradAccum: 2 })).toBe('3 steps of 4 examples (2 × 2 accumulated): 1 epoch over 12 training examples. Whole passes: 2 epochs (6 steps) · 3 epochs (9 steps)');
  });

  it('sets the steps of a whole pass in one click', () => {
    trained.value = 290;
    note({ steps: 30, batchSize: 2, gradAccum: 1 });
    press('1 epoch (145 steps)');
    expect(useRuns.getState().draft.steps).toBe(145);
    expect(renderNow(createElement(RunLengthNote, { datasetId: 'd', disabled: false })).replace(/<[^>]+>/g, '')).toContain('145 steps of 2 examples: 1 epoch over 290 training examples.');
  });

  it('says nothing until the examples are counted, or when none fit (the truncation note says why)', () => {
    trained.value = null;
    expect(note({})).toBe('');
    trained.value = 0;
    expect(note({})).toBe('');
  });

  it('gives the dashboard what turns a run’s steps into epochs once its data was counted', () => {
    const config = { ...STUDIO_DEFAULT_CONFIG, batchSize: 2, gradAccum: 3 };
    const run = { id: 'r', kind: 'train', config, status: 'running' } as never;
    expect(runEpochBasis(run)).toBeNull();
    expect(runEpochBasis({ ...(run as object), setup: { examples: { train: 290, eval: 31, tooLong: 0 } } } as never)).toEqual({ examples: 290, batchSize: 2, gradAccum: 3 });
    expect(runEpochBasis({ id: 'e', kind: 'eval', config: {} } as never)).toBeNull();
  });
});
