// Start training is off, saying why, where the sequence length fits no training example (each is
// too long even without its earlier turns) or no training example is used. It was on while the
// note beside it said "0 of 16 training examples fit whole": pressed, it made a run that failed
// before its first step, and the Dashboard then offered to start that run again, to fail again.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import type { TruncationReport } from '../../src/worker/protocol.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: () => new Promise(() => undefined), onEvent: () => () => undefined }) }));
// The worker's token counts of the dataset, fixed (no worker in Node; a server render runs no effect).
const counted = vi.hoisted(() => ({ report: null as TruncationReport | null }));
vi.mock('../../src/state/datasetViews.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/datasetViews.ts')>()),
  useTruncation: () => ({ value: counted.report && { report: counted.report, suggestedSeqLen: 320, tokenizer: 'test tokenizer' }, error: null }),
}));
const { useRuns } = await import('../../src/state/runStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { TrainingPanel } = await import('../../src/ui/training/TrainingPanel.tsx');
const { AblationForm } = await import('../../src/ui/ablation/AblationForm.tsx');

const initial = { runs: useRuns.getState(), datasets: useDatasets.getState(), model: useModel.getState() };
beforeEach(() => {
  counted.report = null;
  useRuns.setState({ ...initial.runs, draft: { ...initial.runs.draft, seqLen: 128 } }, true);
  useDatasets.setState({ ...initial.datasets, datasets: [{ id: 'd', name: 'mine.jsonl', exampleCount: 18 }] as never, selectedId: 'd' }, true);
  // A plan that fits: nothing else holds Start.
  useModel.setState({ ...initial.model, info: { ref: 'tiny' } as never, plan: { fits: true, peakBytes: 2 ** 20, problems: [], hdrProblems: [], suggestions: [] } as never, planFor: null }, true);
});

const panel = () => renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined })).replace(/<!-- -->/g, '');
const startButton = (html: string, testId = 'start-run') => html.match(new RegExp(`<button[^>]*data-testid="${testId}"[^>]*>`))![0];
/** The words the button points to (aria-describedby). */
const startReason = (html: string, testId = 'start-run') => {
  const id = /aria-describedby="([^"]+)"/.exec(startButton(html, testId))?.[1];
  return id ? new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)![1].replace(/&#x27;/g, "'") : null;
};
const ablationForm = () => renderNow(createElement(AblationForm, { datasetId: 'd', disabled: false })).replace(/<!-- -->/g, '');

describe('Start training and the training examples the sequence length fits', () => {
  it('is off, naming the length, where every training example is too long even without earlier turns', () => {
    counted.report = { examples: 16, whole: 0, shortened: 0, skipped: 16 };
    const html = panel();
    expect(startButton(html)).toMatch(/aria-disabled="true"/);
    expect(startReason(html)).toBe('Raise Sequence length first: none of the 16 training examples fits in 128 tokens, even without earlier turns.');
  });

  // With one example the reason read "the one training example fits in 128 tokens": the opposite of why.
  it('says of a single training example that it does not fit', () => {
    counted.report = { examples: 1, whole: 0, shortened: 0, skipped: 1 };
    expect(startReason(panel())).toBe('Raise Sequence length first: the one training example does not fit in 128 tokens, even without earlier turns.');
  });

  it('is off where no training example is used', () => {
    counted.report = { examples: 0, whole: 0, shortened: 0, skipped: 0 };
    const html = panel();
    expect(startButton(html)).toMatch(/aria-disabled="true"/);
    expect(startReason(html)).toBe('Include some training examples first: none on the training side is used (Dataset panel).');
  });

  it('is on where one example fits, even shortened, and while the tokens are being counted', () => {
    counted.report = { examples: 16, whole: 0, shortened: 1, skipped: 15 };
    expect(startButton(panel())).not.toMatch(/aria-disabled/);
    expect(startReason(panel())).toBeNull();
    counted.report = null;
    expect(startButton(panel())).not.toMatch(/aria-disabled/);
  });
});

describe('Run the ablation, whose arms train with the Training panel’s sequence length', () => {
  it('is off, naming that length, where it fits no training example', () => {
    counted.report = { examples: 16, whole: 0, shortened: 0, skipped: 16 };
    const html = ablationForm();
    expect(startButton(html, 'start-ablation')).toMatch(/aria-disabled="true"/);
    expect(startReason(html, 'start-ablation')).toBe('Raise the Training panel’s Sequence length first: none of the 16 training examples fits in 128 tokens, even without earlier turns.');
    counted.report = { examples: 16, whole: 3, shortened: 0, skipped: 13 };
    expect(startReason(ablationForm(), 'start-ablation')).toBeNull();
  });
});
