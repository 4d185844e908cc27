// A run with no checkpoint starts again from step 0 with its own settings. Where its sequence length
// fits none of its dataset's training examples (it failed before its first step for that), the
// Dashboard and the runs table offered "Start from step 0", which failed the same way again; and
// their text told the user to start it again. Now the button is off, saying to start a new run.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import type { TruncationReport } from '../../src/worker/protocol.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: () => new Promise(() => undefined), onEvent: () => () => undefined }) }));
// The worker's token counts of the run's dataset at its length, fixed (a server render runs no effect).
const counted = vi.hoisted(() => ({ report: null as TruncationReport | null, asked: [] as Array<[string | null, number]> }));
vi.mock('../../src/state/datasetViews.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/datasetViews.ts')>()),
  useTruncation: (datasetId: string | null, seqLen: number) => {
    counted.asked.push([datasetId, seqLen]);
    return { value: datasetId && counted.report && { report: counted.report, suggestedSeqLen: 320, tokenizer: 'test tokenizer' }, error: null };
  },
}));
const { useRuns } = await import('../../src/state/runStore.ts');
const { RunControls } = await import('../../src/ui/dashboard/RunControls.tsx');
const { RunActions } = await import('../../src/ui/runs/RunActions.tsx');
const { TrainingPanel } = await import('../../src/ui/training/TrainingPanel.tsx');

const failed = { id: 'r', name: 'short', datasetId: 'd', kind: 'train', status: 'failed', createdAt: 0, updatedAt: 0, lastStep: 0, message: 'no training examples fit the sequence length 128 (16 too long): train with a longer one, or check the dataset', config: { steps: 20, seqLen: 128 } } as unknown as StoredRun;
const HELD = 'Its sequence length fits nothing: none of the 16 training examples fits in 128 tokens, even without earlier turns. Start a new run with a longer one (Training panel).';
const clean = (html: string) => html.replace(/<!-- -->/g, '').replace(/&#x27;/g, "'");
const button = (html: string, testId: string) => html.match(new RegExp(`<button[^>]*data-testid="${testId}"[^>]*>`))![0];

beforeEach(() => {
  counted.report = { examples: 16, whole: 0, shortened: 0, skipped: 16 };
  counted.asked = [];
  useRuns.setState({ runs: [failed], active: null, checkpointSteps: new Map() });
});

describe('starting again from step 0 a run whose own sequence length fits no training example', () => {
  it('is off on the Dashboard, saying to start a new run', () => {
    const html = clean(renderNow(createElement(RunControls, { run: failed })));
    expect(button(html, 'dashboard-resume')).toMatch(/aria-disabled="true"/);
    expect(html).toContain(HELD);
    expect(counted.asked).toContainEqual(['d', 128]);
  });

  it('is off in the runs table too', () => {
    const html = clean(renderNow(createElement(RunActions, { run: failed, onOpenDashboard: () => undefined })));
    expect(button(html, 'runs-resume')).toMatch(/aria-disabled="true"/);
    expect(html).toContain(HELD);
  });

  it('is off in the Training panel too (the run keeps its own length, not the form’s)', () => {
    useRuns.setState({ selectedRunId: 'r', draft: { ...useRuns.getState().draft, seqLen: 512 } });
    counted.report = { examples: 16, whole: 0, shortened: 0, skipped: 16 };
    const html = clean(renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined })));
    expect(button(html, 'resume-run')).toMatch(/aria-disabled="true"/);
    expect(html).toContain(HELD);
    expect(counted.asked).toContainEqual(['d', 128]);
  });

  it('is on where an example fits again (the dataset changed), and a resume from a checkpoint is not counted', () => {
    counted.report = { examples: 16, whole: 2, shortened: 0, skipped: 14 };
    expect(button(clean(renderNow(createElement(RunControls, { run: failed }))), 'dashboard-resume')).not.toMatch(/aria-disabled/);
    counted.asked = [];
    const paused = { ...failed, status: 'paused', lastStep: 10, message: undefined } as unknown as StoredRun;
    useRuns.setState({ runs: [paused], checkpointSteps: new Map([['r', 10]]) });
    expect(button(clean(renderNow(createElement(RunControls, { run: paused }))), 'dashboard-resume')).not.toMatch(/aria-disabled/);
    expect(counted.asked.every(([datasetId]) => datasetId === null)).toBe(true);
  });
});
