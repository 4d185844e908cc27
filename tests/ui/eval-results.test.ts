// The evaluation results under the Evaluation form: only the selected dataset's evaluations (another
// dataset's failures under this form were misleading), newest first, and 0 of 0 scored shows no
// percentage; a failure shows every reason the checker gave, and its expected calls say "reading"
// until its example is read. Rendered with react-dom/server reading the stores' current state.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow as render } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));
const { useRuns } = await import('../../src/state/runStore.ts');
const { EvalResults, FailureItem } = await import('../../src/ui/eval/EvalResults.tsx');
const { categoryWords } = await import('../../src/ui/format.ts');

const summary = (total: number, correct: number) => ({ total, correct, accuracy: total ? correct / total : 0, byCategory: {}, failureRules: {}, finishReasons: {} });
const evalRun = (id: string, datasetId: string, createdAt: number, total: number, correct: number) => ({
  id, datasetId, kind: 'eval', status: 'done', createdAt, updatedAt: createdAt, name: `eval ${id}`, summary: summary(total, correct),
  config: { adapterRunId: null, limit: total, maxNewTokens: 96, lora: null },
});

describe('evaluation results', () => {
  it('lists the selected dataset’s evaluations only, newest first, and shows — for none scored', () => {
    useRuns.setState({ runs: [evalRun('new', 'd1', 3, 0, 0), evalRun('other', 'd2', 2, 4, 4), evalRun('old', 'd1', 1, 4, 2)] as never });
    const html = render(createElement(EvalResults, { datasetId: 'd1' }));
    expect(html).toContain('eval new');
    expect(html).toContain('eval old');
    expect(html).not.toContain('eval other');
    // The newest is shown: cancelled before its first answer, no 0.0% of nothing.
    expect(html).toMatch(/data-testid="eval-accuracy">—<\/strong> correct \(0 of 0\)/);
    // The answers are read apart from the run row, once the results are on screen.
    expect(html).toContain('Reading the answers…');
    expect(render(createElement(EvalResults, { datasetId: 'd3' }))).toContain('No evaluation of this dataset yet.');
  });

  it('says what the accuracy and the BFCL overall score each count, in the CLI summary’s words', async () => {
    const { ACCURACY_COUNTS, BFCL_OVERALL_COUNTS, bfclScore } = await import('../../src/eval/bfcl-score.ts');
    const run = evalRun('e', 'd1', 1, 12, 9);
    const byCategory = { simple: { total: 10, correct: 9, accuracy: 0.9 }, irrelevance: { total: 2, correct: 0, accuracy: 0 } };
    useRuns.setState({ runs: [{ ...run, summary: { ...run.summary, byCategory, bfcl: bfclScore(byCategory) } }] as never });
    const html = render(createElement(EvalResults, { datasetId: 'd1' }));
    expect(html).toMatch(new RegExp(`data-testid="eval-accuracy">75\\.0%</strong> correct \\(9 of 12; 95% interval 47–91%\\): ${ACCURACY_COUNTS}`));
    expect(html).toContain(`<caption>BFCL-style score: ${BFCL_OVERALL_COUNTS} above</caption>`);
  });

  it('counts the later steps of conversations apart from the first, where the held-out examples have some', () => {
    const run = evalRun('steps', 'd1', 1, 12, 9);
    const byStep = { first: { total: 8, correct: 7, accuracy: 7 / 8 }, afterCalls: { total: 4, correct: 2, accuracy: 0.5 } };
    useRuns.setState({ runs: [{ ...run, summary: { ...run.summary, byStep } }] as never });
    expect(render(createElement(EvalResults, { datasetId: 'd1' }))).toContain('data-testid="eval-by-step">By step: later steps (answers after earlier calls in their conversation) 50.0% (2/4); first steps 87.5% (7/8).</p>');
    useRuns.setState({ runs: [run] as never });
    expect(render(createElement(EvalResults, { datasetId: 'd1' }))).not.toContain('eval-by-step');
  });

  it('counts the questions also asked in training apart from the others, where some are', () => {
    const run = evalRun('asked', 'd1', 1, 12, 9);
    const asked = { inTraining: { total: 3, correct: 3, accuracy: 1 }, notInTraining: { total: 9, correct: 6, accuracy: 6 / 9 } };
    useRuns.setState({ runs: [{ ...run, summary: { ...run.summary, asked } }] as never });
    expect(render(createElement(EvalResults, { datasetId: 'd1' }))).toContain('data-testid="eval-asked">Questions also asked in training (the same conversation and tools, whose answer the model trained on) 100.0% (3/3); questions not asked in training 66.7% (6/9).</p>');
    useRuns.setState({ runs: [run] as never });
    expect(render(createElement(EvalResults, { datasetId: 'd1' }))).not.toContain('eval-asked');
  });

  it('names each base model when the compared evaluations ran on different models, and says they are not like-for-like', () => {
    const on = (id: string, createdAt: number, modelRef: string, adapterRunId: string | null) => ({ ...evalRun(id, 'd1', createdAt, 4, 2), modelRef, config: { adapterRunId, limit: 4, maxNewTokens: 96, lora: null } });
    useRuns.setState({
      runs: [
        on('adapter', 3, 'Qwen/Qwen3-0.6B', 'r1'),
        on('smol', 2, 'HuggingFaceTB/SmolLM2-135M-Instruct', null),
        on('qwen', 1, 'Qwen/Qwen3-0.6B', null),
        { id: 'r1', datasetId: 'd1', kind: 'train', status: 'done', createdAt: 0, updatedAt: 0, name: 'my adapter', modelRef: 'Qwen/Qwen3-0.6B', config: {} },
      ] as never,
    });
    const html = render(createElement(EvalResults, { datasetId: 'd1' })).replace(/<!-- -->/g, '');
    expect(html).toContain('base model HuggingFaceTB/SmolLM2-135M-Instruct (no adapter)');
    expect(html).toContain('base model Qwen/Qwen3-0.6B (no adapter)');
    expect(html).toContain('data-testid="accuracy-compare-mismatch"');
    expect(html).toMatch(/differ in their model, their examples or their Max new tokens,/);
  });

  it('says how many examples were not asked because they pass the model’s context', () => {
    const run = evalRun('long', 'd1', 5, 10, 7);
    useRuns.setState({ runs: [{ ...run, summary: { ...run.summary, tooLong: 3 } }] as never });
    expect(render(createElement(EvalResults, { datasetId: 'd1' })).replace(/<!-- -->/g, '')).toContain(
      "3 examples were not asked: their prompts and the answer&#x27;s 96 tokens pass the model&#x27;s context (not counted in the accuracy).",
    );
  });

  it('shows a failure’s every reason, and reads its example before saying it is gone', () => {
    // A parallel answer fails as "could not find a match"; why each call did not match is in the
    // details, which the list left out.
    const prediction = {
      exampleId: 'parallel_0', category: 'parallel', output: "[spotify.play(artist='Taylor Swift', duration=25)]", valid: false, finishReason: 'stop', generatedTokens: 12,
      errors: [
        { rule: 'parallel_function_checker_no_order:cannot_find_match', where: 'ground_truth[0]', message: 'Could not find a matching function among index [0] of model output for index 0 of possible answers (spotify.play).' },
        { rule: 'value_error:others', where: 'calls[0].duration', message: "Invalid value for parameter 'duration': 25. Expected one of [20]." },
      ],
    };
    const html = render(createElement(FailureItem, { datasetId: 'd1', prediction: prediction as never })).replace(/<!-- -->/g, '');
    expect(html).toContain('Could not find a matching function among index [0]');
    expect(html).toContain('calls[0].duration');
    expect(html).toContain('Invalid value for parameter &#x27;duration&#x27;: 25. Expected one of [20].');
    // While the example is read, it is not "no longer in this browser".
    expect(html).not.toContain('no longer in this browser');
    expect(html).toContain('Reading the example…');
  });

  it('names the parallel categories by what they hold: several calls, not two', () => {
    // A parallel question asks for two or more calls (BFCL's have up to four), and a parallel_multiple
    // one may call the same function of several offered more than once; "two calls of different
    // functions" described neither.
    expect(['parallel', 'parallel_multiple', 'live_parallel'].map(categoryWords)).toEqual([
      'several calls of the one function offered',
      'several calls among several functions',
      'several calls of the one function offered (live)',
    ]);
  });
});
