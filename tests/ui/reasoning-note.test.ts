// The Training panel's "little reasoning" note beside SSB: it weighs the share the worker counted
// over the examples training takes (datasetFits' `reasoning`), not the whole dataset's histogram.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press, recordingJsxRuntime } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => recordingJsxRuntime(original));

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));
const views = vi.hoisted(() => ({ reasoning: null as unknown }));
vi.mock('../../src/state/datasetViews.ts', () => ({
  useTrainingReasoning: () => ({ value: views.reasoning, error: null }),
  // The whole dataset (held-out side included) carries plenty: the note must not read this.
  useDatasetLengths: () => ({ value: { stats: { meanCotPerExample: 300, meanCallPerExample: 30, callShare: 0.09 } }, error: null }),
  LENGTH_BINS: 4,
}));

const { ReasoningNote } = await import('../../src/ui/training/ReasoningNote.tsx');
const { useRuns } = await import('../../src/state/runStore.ts');

describe('the reasoning note', () => {
  it('says SSB has nothing to balance when the training examples carry no reasoning', () => {
    views.reasoning = { meanCotPerExample: 0, meanCallPerExample: 31, callShare: 1 };
    const html = renderNow(createElement(ReasoningNote, { datasetId: 'd', loss: 'ssb' }));
    expect(html).toContain('The training examples carry no reasoning (on average 31 answer tokens each');
    expect(renderNow(createElement(ReasoningNote, { datasetId: 'd', loss: 'sft' }))).toBe('');
    // What it advises, one click away: the form's loss becomes SFT.
    expect(useRuns.getState().draft.loss).toBe('ssb');
    renderNow(createElement(ReasoningNote, { datasetId: 'd', loss: 'ssb' }));
    press('Train with plain SFT');
    expect(useRuns.getState().draft.loss).toBe('sft');
  });

  it('says nothing when the training examples carry enough reasoning', () => {
    views.reasoning = { meanCotPerExample: 200, meanCallPerExample: 30, callShare: 30 / 230 };
    expect(renderNow(createElement(ReasoningNote, { datasetId: 'd', loss: 'ssb' }))).toBe('');
  });
});
