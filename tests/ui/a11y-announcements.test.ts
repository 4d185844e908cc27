// What screen readers hear of long work: milestones only. A live region on a streamed answer, a
// progress bar or a per-step strip used to read every token, chunk or step; the end of a training
// run and an import's result were never said.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));

const { nextRunAnnouncement } = await import('../../src/ui/shell/runAnnouncement.ts');
const { progressMilestone, quarterOf } = await import('../../src/ui/shell/progressMilestone.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { phaseEtaSeconds } = await import('../../src/state/progressEta.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { RunStrip } = await import('../../src/ui/shell/RunStrip.tsx');
const { JobProgress } = await import('../../src/ui/shell/JobProgress.tsx');
const { ModelLoadProgress } = await import('../../src/ui/model/ModelLoadProgress.tsx');
const { DatasetImport } = await import('../../src/ui/dataset/DatasetImport.tsx');
const { PlaygroundAnswer, answerReadyText } = await import('../../src/ui/playground/PlaygroundAnswer.tsx');

const initial = { runs: useRuns.getState(), jobs: useJobs.getState(), model: useModel.getState(), datasets: useDatasets.getState() };
beforeEach(() => {
  useRuns.setState(initial.runs, true);
  useJobs.setState(initial.jobs, true);
  useModel.setState(initial.model, true);
  useDatasets.setState(initial.datasets, true);
});

/** The text of the element with this test id. */
const textOf = (html: string, testId: string) => html.match(new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`))?.[1] ?? null;

describe('the training run’s milestones', () => {
  const train = (step: number, loss?: number) => ({ runId: 'r', name: 'first', phase: 'training' as const, step, total: 100, loss });

  it('says the start, then about every tenth of the steps, not each step', () => {
    let said = nextRunAnnouncement(null, { runId: 'r', name: 'first', phase: 'starting' });
    expect(said?.text).toBe('Training “first” started.');
    const heard = [said!.text];
    for (let step = 1; step <= 100; step++) {
      const next = nextRunAnnouncement(said, train(step, 3 - step / 100));
      if (next) heard.push((said = next).text);
    }
    expect(heard).toHaveLength(10); // started + 10% … 90%: the last step is said as the end
    expect(heard[1]).toBe('Training “first”: 10% done, step 10 of 100, loss 2.900.');
    expect(heard[9]).toMatch(/^Training “first”: 90% done, step 90 of 100/);
  });

  it('says how it ended, with the last loss, once', () => {
    const seen = { runId: 'r', key: 'tenth-5', text: '' };
    const ended = (status: 'paused' | 'done' | 'failed', message?: string) => nextRunAnnouncement(seen, { runId: 'r', name: 'first', phase: 'ended', status, step: 50, message, loss: 1.5 })?.text;
    expect(ended('paused')).toBe('Training “first” paused at step 50; its checkpoint is saved, loss 1.500.');
    expect(ended('done', 'stopped by the user')).toBe('Training “first” stopped at step 50, final loss 1.500.');
    expect(ended('done')).toBe('Training “first” finished: 50 steps, final loss 1.500.');
    // Its step is the steps it finished: the failure was in the next (not "failed at step 50: … diverged at step 51").
    expect(ended('failed', 'training diverged at step 51')).toBe('Training “first” failed after 50 steps: training diverged at step 51, last loss 1.500.');
    // One that failed before its first step trained nothing: not "failed after 0 steps".
    expect(nextRunAnnouncement({ ...seen, key: 'started' }, { runId: 'r', name: 'first', phase: 'ended', status: 'failed', step: 0, message: 'the GPU was lost' })?.text).toBe('Training “first” failed before its first step: the GPU was lost.');
    const end = nextRunAnnouncement(seen, { runId: 'r', name: 'first', phase: 'ended', status: 'done', step: 50 })!;
    expect(nextRunAnnouncement(end, { runId: 'r', name: 'first', phase: 'ended', status: 'done', step: 50 })).toBeNull();
    // A row not yet updated (still running) waits; a run the strip never saw start is not announced.
    expect(nextRunAnnouncement(seen, { runId: 'r', name: 'first', phase: 'ended', status: 'running', step: 50 })).toBeNull();
    expect(nextRunAnnouncement(null, { runId: 'r', name: 'first', phase: 'ended', status: 'done', step: 50 })).toBeNull();
  });

  it('the strip holds a status region, also when no run trains, and says the start', () => {
    expect(renderNow(createElement(RunStrip, { onOpenDashboard: () => undefined }))).toMatch(/<p class="sr-only" role="status" data-testid="run-announcer"><\/p>/);
    const run = { id: 'r1', name: 'first', kind: 'train', status: 'running', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 0, datasetId: 'd' } as StoredRun;
    useRuns.setState({ runs: [run], active: { runId: 'r1', progress: { label: 'training', done: 3, total: 100 }, stepTimes: [], pausing: true, stopping: false } });
    const html = renderNow(createElement(RunStrip, { onOpenDashboard: () => undefined }));
    expect(textOf(html, 'run-announcer')).toBe('Training “first” started.');
    expect(html).not.toMatch(/aria-live/);
    // Pausing: the button stays focusable (aria-disabled), so the focus does not fall to the page.
    expect(html).toMatch(/<button aria-label="Pause training \(saves a checkpoint\)" aria-disabled="true">Pausing after this step…<\/button>/);
  });
});

describe('the run strip before the first step', () => {
  it('counts the examples as a large dataset tokenizes, then the bytes as the model uploads', () => {
    const run = { id: 'r2', name: 'big', kind: 'train', status: 'created', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, lastStep: 0, datasetId: 'd' } as StoredRun;
    useRuns.setState({ runs: [run], active: { runId: 'r2', progress: { label: 'tokenizing', done: 12800, total: 53847, unit: 'examples' }, stepTimes: [], pausing: false, stopping: false } });
    const html = renderNow(createElement(RunStrip, { onOpenDashboard: () => undefined }));
    expect(html).toContain('tokenizing: 12,800 of 53,847 examples…');
    expect(html).toMatch(/<progress[^>]*value="12800"[^>]*max="53847"|<progress[^>]*max="53847"[^>]*value="12800"/);
    // Then the weights go to the GPU: minutes for a 7B model, in bytes.
    // Once it has a pace (3 s of it), how long it has left: 12,800 more in 10 s, 28,247 to go.
    const phaseTimes = { label: 'tokenizing', first: { at: 1000, done: 0 }, last: { at: 11_000, done: 25_600 } };
    useRuns.setState({ active: { runId: 'r2', progress: { label: 'tokenizing', done: 25_600, total: 53_847, unit: 'examples' }, stepTimes: [], phaseTimes, pausing: false, stopping: false } });
    expect(renderNow(createElement(RunStrip, { onOpenDashboard: () => undefined }))).toContain('tokenizing: 25,600 of 53,847 examples, about 11 s left');
    // A run's held-out examples for its held-out loss, counted after its training ones, said apart as the CLI says them.
    useRuns.setState({ active: { runId: 'r2', progress: { label: 'tokenizing', done: 120, total: 303, unit: 'examples', heldOut: 16 }, stepTimes: [], pausing: false, stopping: false } });
    expect(renderNow(createElement(RunStrip, { onOpenDashboard: () => undefined }))).toContain('tokenizing: 120 of 287 training examples + 16 held out…');
    expect(phaseEtaSeconds({ ...phaseTimes, last: { at: 3500, done: 9000 } }, 53_847)).toBeNull();
    expect(phaseEtaSeconds(undefined, 10)).toBeNull();
    useRuns.setState({ active: { runId: 'r2', progress: { label: 'loading the model onto the GPU', done: 1.5 * 2 ** 30, total: 3 * 2 ** 30, unit: 'bytes' }, stepTimes: [], pausing: false, stopping: false } });
    expect(renderNow(createElement(RunStrip, { onOpenDashboard: () => undefined }))).toContain('loading the model onto the GPU: 1.5 GiB of 3.0 GiB…');
  });
});

describe('jobs, model downloads and imports', () => {
  it('quarters, never every chunk', () => {
    expect([0, 1, 24, 25, 49, 50, 99, 100].map((d) => quarterOf(d, 100))).toEqual([0, 0, 0, 1, 1, 2, 3, 3]);
    expect(quarterOf(5, 0)).toBe(0);
    expect(progressMilestone('Evaluation', 60, 100)).toBe('Evaluation: 50% done.');
    expect(progressMilestone('Evaluation', 0, 0)).toBe('Evaluation started.');
  });

  it('a job’s bar is no live region; its status says the quarter, then the result', () => {
    useJobs.setState({ running: { kind: 'evaluate', progress: { label: 'answering', done: 31, total: 40 } } });
    const html = renderNow(createElement(JobProgress, { kinds: ['evaluate'] }));
    expect(html).not.toMatch(/aria-live/);
    expect(html.match(/role="status"/g)).toHaveLength(1);
    expect(textOf(html, 'job-announcer')).toBe('Evaluation: 75% done.');
    expect(html).toContain('answering · 31 / 40');
    // Before the first answer the weights go to the GPU, counted in bytes.
    useJobs.setState({ running: { kind: 'evaluate', progress: { label: 'loading the model onto the GPU', done: 2 ** 30, total: 4 * 2 ** 30, unit: 'bytes' } } });
    const loading = renderNow(createElement(JobProgress, { kinds: ['evaluate'] }));
    expect(loading).toContain('loading the model onto the GPU · 1.0 GiB of 4.0 GiB');
    // The load's quarters are the load's: "Evaluation: 75% done." was said while no example was answered.
    expect(textOf(loading, 'job-announcer')).toBe('Evaluation: loading the model onto the GPU, 25% done.');
  });

  it('a model download is said by quarters, not by network chunk', () => {
    useModel.setState({ loading: { source: 'Qwen/Qwen3-0.6B', progress: { label: 'model.safetensors', done: 600, total: 1000 }, startedAt: 0 } });
    const html = renderNow(createElement(ModelLoadProgress));
    expect(html).not.toMatch(/aria-live/);
    expect(textOf(html, 'model-announcer')).toBe('Loading Qwen/Qwen3-0.6B: 50% done.');
  });

  it('an import says its quarters, then its result, in a status region', () => {
    useDatasets.setState({ progress: { file: 'a.jsonl', recordsDone: 10, bytesDone: 30, bytesTotal: 100 } });
    const during = renderNow(createElement(DatasetImport));
    expect(during).not.toMatch(/aria-live/);
    expect(textOf(during, 'import-announcer')).toBe('Importing a.jsonl: 25% done.');
    useDatasets.setState({ progress: null, lastImport: { imported: 320, issueCount: 2, issues: [], files: [] } as never });
    expect(textOf(renderNow(createElement(DatasetImport)), 'import-announcer')).toBe('320 examples imported, 2 records skipped.');
  });
});

describe('the playground’s answer', () => {
  it('the streamed text is busy, not live; the status says once that the answer is ready', () => {
    useJobs.setState({ running: { kind: 'generate', progress: null }, streamText: '<think>hm' });
    const streaming = renderNow(createElement(PlaygroundAnswer));
    expect(streaming).not.toMatch(/aria-live/);
    expect(streaming).toMatch(/data-testid="playground-text" aria-busy="true"/);
    expect(textOf(streaming, 'playground-announcer')).toBe('');
    useJobs.setState({ running: null, answer: { text: 'x', calls: [{ name: 'f', arguments: {} }], finishReason: 'eos', tokens: 40, millis: 10 } });
    expect(textOf(renderNow(createElement(PlaygroundAnswer)), 'playground-announcer')).toBe('Answer ready: 40 tokens, 1 call.');
    expect(answerReadyText({ tokens: 1, calls: [], check: { exampleId: 'e', correct: false } })).toBe('Answer ready: 1 token, 0 calls; the evaluation would count it wrong.');
  });
});
