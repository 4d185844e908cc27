// An adapter's evaluation from the Evaluation panel is set beside the base model's on the same
// examples: the base model answers them after it, unless it has already (the same dataset, model,
// examples asked, answer length and expected answers), and the notice gives both accuracies. A
// newcomer's "80% correct" said nothing of whether training helped.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';

const requests = vi.hoisted(() => [] as Array<{ kind: string; payload: Record<string, unknown> }>);
const answers = vi.hoisted(() => ({ baseAborted: false, asked: undefined as undefined | { inTraining: unknown; notInTraining: unknown } }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: async (kind: string, payload: Record<string, unknown>) => {
      requests.push({ kind, payload });
      const summary = (total: number, correct: number) => ({ total, correct, accuracy: correct / total, byCategory: {}, failureRules: {}, finishReasons: {} });
      if (kind === 'evaluate' && payload.runId) return { evalRunId: 'e-adapter', summary: summary(8, 6), aborted: false, requested: 8 };
      if (kind === 'evaluate') return answers.baseAborted ? { evalRunId: 'e-base', summary: summary(3, 1), aborted: true, requested: 8 } : { evalRunId: 'e-base', summary: { ...summary(8, 5), ...(answers.asked && { asked: answers.asked }) }, aborted: false, requested: 8 };
      return undefined;
    },
  }),
}));

const { useJobs, DEFAULT_EVAL_DRAFT } = await import('../../src/state/jobStore.ts');
const { useRuns, baseEvalOfSameExamples } = await import('../../src/state/runStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { EvalForm } = await import('../../src/ui/eval/EvalForm.tsx');
const { EvalResults } = await import('../../src/ui/eval/EvalResults.tsx');

const trained = { id: 'r1', datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, name: 'run one', modelRef: 'tiny', lastStep: 20, config: {} };
const summary = (total: number, correct: number) => ({ total, correct, accuracy: correct / total, byCategory: {}, failureRules: {}, finishReasons: {} });
const evalRow = (id: string, adapterRunId: string | null, extra: Record<string, unknown> = {}) => ({
  id, datasetId: 'd', kind: 'eval', status: 'done', createdAt: Date.UTC(2026, 11, 1), updatedAt: 1, name: `eval ${id}`, modelRef: 'tiny', summary: summary(8, adapterRunId ? 6 : 4),
  config: { adapterRunId, limit: 8, maxNewTokens: 512, lora: null }, judgedAgainst: 'key-1', ...extra,
});
const evaluates = () => requests.filter((r) => r.kind === 'evaluate').map((r) => r.payload);
const draft = { ...DEFAULT_EVAL_DRAFT, adapterRunId: 'r1', limit: 8, maxNewTokens: 512, batchSize: 4 };

beforeEach(() => {
  requests.length = 0;
  answers.baseAborted = false;
  answers.asked = undefined;
  useJobs.setState({ evalGguf: null, error: null, errorKind: null, notice: null, noticeKind: null, running: null });
  useRuns.setState({ runs: [evalRow('e-adapter', 'r1'), trained] as never, active: null, refreshRuns: async () => undefined });
  useModel.setState({ info: { ref: 'tiny' } as never });
});

describe('an adapter’s evaluation beside the base model’s', () => {
  it('has the base model answer the same examples after it, and says both accuracies', async () => {
    await useJobs.getState().runEvaluation('d', draft);
    expect(evaluates()).toEqual([
      { datasetId: 'd', runId: 'r1', limit: 8, maxNewTokens: 512, batchSize: 4 },
      { datasetId: 'd', limit: 8, maxNewTokens: 512, batchSize: 4 },
    ]);
    expect(useJobs.getState().notice).toBe('Evaluated 8 examples: 75.0% correct. The base model, on the same examples: 62.5% correct (5 of 8).');
  });

  it('shows the adapter’s evaluation in the results, though the base model’s is newer, set beside it', async () => {
    await useJobs.getState().runEvaluation('d', draft);
    // The base model's row, written after the adapter's: newest first.
    useRuns.setState({ runs: [{ ...evalRow('e-base', null), createdAt: Date.UTC(2026, 11, 2) }, evalRow('e-adapter', 'r1'), trained] as never });
    const html = renderNow(createElement(EvalResults, { datasetId: 'd' }));
    expect(html).toMatch(/<option value="e-adapter" selected="">/);
    expect(html).toMatch(/<select id="eval-compare"><option value="">no other evaluation<\/option><option value="e-base" selected="">/);
    // HDR or an ablation writes evaluations of its own: the newest is shown again.
    useJobs.setState({ lastEval: null });
    expect(renderNow(createElement(EvalResults, { datasetId: 'd' }))).toMatch(/<option value="e-base" selected="">/);
  });

  it('sets it beside the base model’s evaluation of the same examples where there is one, asking nothing more', async () => {
    useRuns.setState({ runs: [evalRow('e-adapter', 'r1'), evalRow('e-old-base', null), trained] as never });
    await useJobs.getState().runEvaluation('d', draft);
    expect(evaluates()).toHaveLength(1);
    expect(useJobs.getState().notice).toBe(`Evaluated 8 examples: 75.0% correct. The base model, on the same examples: 50.0% correct (4 of 8; its evaluation of ${new Date(Date.UTC(2026, 11, 1)).toLocaleString()}).`);
  });

  it('takes as the same examples only the same dataset, model, count, answer length and expected answers', () => {
    const row = evalRow('e-adapter', 'r1') as never;
    const base = evalRow('b', null);
    const match = (other: Record<string, unknown>) => baseEvalOfSameExamples(row, [other, trained] as never)?.id ?? null;
    expect(match(base)).toBe('b');
    expect(match({ ...base, judgedAgainst: 'key-2' })).toBeNull();
    expect(match({ ...base, judgedAgainst: undefined })).toBeNull();
    expect(match({ ...base, modelRef: 'other' })).toBeNull();
    expect(match({ ...base, datasetId: 'e' })).toBeNull();
    expect(match({ ...base, config: { ...base.config, maxNewTokens: 96 } })).toBeNull();
    expect(match({ ...base, config: { ...base.config, limit: 16 } })).toBeNull();
    expect(match({ ...base, stopped: true })).toBeNull();
    expect(match({ ...base, config: { ...base.config, gguf: { fileName: 'x.gguf', bytes: 1, fileType: null } } })).toBeNull();
    expect(match({ ...base, config: { ...base.config, adapterRunId: 'r2' } })).toBeNull();
  });

  it('says a cancelled base evaluation was cancelled, counting what it scored', async () => {
    answers.baseAborted = true;
    await useJobs.getState().runEvaluation('d', draft);
    expect(useJobs.getState().notice).toBe('Evaluated 8 examples: 75.0% correct. The base model, on the same examples: evaluation cancelled after 3 of 8 examples: 33.3% correct of those (not the dataset\'s accuracy).');
  });

  // Training asks 2 of the 8 word for word: the others say what training did to the task.
  it('sets the two beside each other on the questions no training example asks too', async () => {
    const tally = (total: number, correct: number) => ({ total, correct, accuracy: correct / total });
    answers.asked = { inTraining: tally(2, 1), notInTraining: tally(6, 4) };
    const adapterRow = evalRow('e-adapter', 'r1', { summary: { ...summary(8, 6), asked: { inTraining: tally(2, 2), notInTraining: tally(6, 4) } } });
    useRuns.setState({ runs: [adapterRow, trained] as never });
    await useJobs.getState().runEvaluation('d', draft);
    expect(useJobs.getState().notice).toBe('Evaluated 8 examples: 75.0% correct. The base model, on the same examples: 62.5% correct (5 of 8). On the 6 questions no training example asks (training asks the other 2 word for word): 4 right with the adapter, 4 with the base model.');
    // The table of each adapter's accuracy gives the column.
    const baseRow = { ...evalRow('e-base', null, { summary: { ...summary(8, 5), asked: answers.asked } }), createdAt: Date.UTC(2026, 11, 2) };
    useRuns.setState({ runs: [baseRow, adapterRow, trained] as never });
    const html = renderNow(createElement(EvalResults, { datasetId: 'd' }));
    expect(html).toMatch(/<th scope="col" title="The held-out questions no training example asks word for word[^"]*">Not asked in training<\/th>/);
    expect([...html.matchAll(/data-testid="accuracy-compare-not-asked">([^<]*)</g)].map((m) => m[1])).toEqual(['4 / 6', '4 / 6']);
    useRuns.setState({ runs: [evalRow('e-base', null), evalRow('e-adapter', 'r1'), trained] as never });
    expect(renderNow(createElement(EvalResults, { datasetId: 'd' }))).not.toContain('Not asked in training');
  });

  it('is left out when unticked, for the base model itself, and for a GGUF file', async () => {
    await useJobs.getState().runEvaluation('d', { ...draft, withBase: false });
    await useJobs.getState().runEvaluation('d', { ...draft, adapterRunId: '' });
    await useJobs.getState().runEvaluation('d', draft, { file: new Blob(['GGUF']), fileName: 'x.gguf', runId: 'r1', runName: 'run one' });
    expect(evaluates().map((p) => p.runId ?? 'base')).toEqual(['r1', 'base', 'r1']);
  });

  it('is a box of the form, ticked by default, shown only for an adapter', () => {
    useJobs.setState({ evalDraft: draft });
    expect(renderNow(createElement(EvalForm, { datasetId: 'd', disabled: false }))).toMatch(/<input type="checkbox" data-testid="eval-with-base" checked=""\/> Set it beside the base model on the same examples/);
    useJobs.setState({ evalDraft: { ...draft, withBase: false } });
    expect(renderNow(createElement(EvalForm, { datasetId: 'd', disabled: false }))).toMatch(/data-testid="eval-with-base"\/>/);
    useJobs.setState({ evalDraft: { ...draft, adapterRunId: '' } });
    expect(renderNow(createElement(EvalForm, { datasetId: 'd', disabled: false }))).not.toContain('eval-with-base');
  });
});
