// "Judge these answers again" under an evaluation's results: after expected answers were fixed, it
// asks the worker to judge the kept answers again (no GPU), says what changed, and an evaluation so
// made says whose answers it judged. Rendered with react-dom/server; the worker is a request log.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const requests: Array<{ kind: string; payload: unknown }> = [];
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: async (kind: string, payload: unknown) => {
      requests.push({ kind, payload });
      if (kind === 'judgeEvaluationAgain') return { runId: 'eval-2', accuracy: 1, accuracyBefore: 2 / 3, total: 3, changed: 1, gone: 0 };
      return undefined;
    },
    onEvent: () => () => undefined,
  }),
}));
const { useRuns } = await import('../../src/state/runStore.ts');
const { useAnswerEdit } = await import('../../src/state/answerEditStore.ts');
const { EvalResults } = await import('../../src/ui/eval/EvalResults.tsx');
const { press } = await import('../helpers/press.ts');

const summary = (total: number, correct: number) => ({ total, correct, accuracy: total ? correct / total : 0, byCategory: {}, failureRules: {}, finishReasons: {} });
const evalRun = (id: string, createdAt: number, correct: number, judgedFrom?: string) => ({
  id, datasetId: 'd1', kind: 'eval', status: 'done', createdAt, updatedAt: createdAt, name: judgedFrom ? 'eval of sft (judged again)' : 'eval of sft', summary: summary(3, correct),
  config: { adapterRunId: null, limit: 3, maxNewTokens: 96, lora: null, ...(judgedFrom && { judgedFrom }) },
});
const text = (html: string) => html.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('judging an evaluation’s answers again', () => {
  it('asks the worker, says what changed, and the new evaluation says whose answers it judged', async () => {
    const refreshed = vi.fn(async () => useRuns.setState({ runs: [evalRun('eval-2', 20, 3, 'eval-1'), evalRun('eval-1', 10, 2)] as never }));
    useRuns.setState({ runs: [evalRun('eval-1', 10, 2)] as never, refreshRuns: refreshed });
    let html = renderNow(createElement(EvalResults, { datasetId: 'd1' }));
    expect(html).toContain('data-testid="judge-again"');
    expect(html).not.toContain('eval-judged-from');
    press('Judge these answers again');
    await vi.waitFor(() => expect(useAnswerEdit.getState().judging).toBeNull());
    expect(requests).toEqual([{ kind: 'judgeEvaluationAgain', payload: { runId: 'eval-1' } }]);
    expect(refreshed).toHaveBeenCalled();
    html = text(renderNow(createElement(EvalResults, { datasetId: 'd1' })));
    expect(html).toContain('Judged its 3 answers again against the expected answers as they are now: 66.7% → 100.0% (1 verdict changed).');
    expect(html).toMatch(/Not answered again: the answers of “eval of sft” \(.+\), judged against the expected answers as they were on .+\./);
    // The one it judged deleted since: said so.
    useRuns.setState({ runs: [evalRun('eval-2', 20, 3, 'eval-1')] as never });
    expect(text(renderNow(createElement(EvalResults, { datasetId: 'd1' })))).toContain('Not answered again: the answers of an evaluation deleted since');
  });

  it('says when the evaluations set side by side judged against different expected answers', () => {
    const base = (judgedAgainst?: string) => ({ ...evalRun('eval-b', 5, 2), config: { adapterRunId: null, limit: 3, maxNewTokens: 96, lora: null }, ...(judgedAgainst && { judgedAgainst }) });
    const adapter = (judgedAgainst?: string) => ({ ...evalRun('eval-a', 10, 3), config: { adapterRunId: 'run-a', limit: 3, maxNewTokens: 96, lora: null }, ...(judgedAgainst && { judgedAgainst }) });
    useRuns.setState({ runs: [adapter('k2'), base('k1'), { id: 'run-a', name: 'sft', datasetId: 'd1', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: {} }] as never });
    expect(renderNow(createElement(EvalResults, { datasetId: 'd1' }))).toContain('data-testid="accuracy-compare-relabeled"');
    useRuns.setState({ runs: [adapter('k1'), base('k1')] as never });
    expect(renderNow(createElement(EvalResults, { datasetId: 'd1' }))).not.toContain('accuracy-compare-relabeled');
    // Rows kept before the key: nothing said.
    useRuns.setState({ runs: [adapter('k2'), base()] as never });
    expect(renderNow(createElement(EvalResults, { datasetId: 'd1' }))).not.toContain('accuracy-compare-relabeled');
  });
});
