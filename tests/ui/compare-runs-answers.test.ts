// The Runs panel's comparison of two training runs sets their newest evaluations' answers side by
// side: each run's newest finished evaluation of its own adapter (not a GGUF file's, nor one
// stopped part-way), only where both answered the same dataset's questions; otherwise it says what
// to do. Rendered with react-dom/server from the stores' state (the answers themselves are read from
// the database afterwards, so the text says they are being read).
import 'fake-indexeddb/auto';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { newestAdapterEval, useRuns } from '../../src/state/runStore.ts';
import { CompareRuns } from '../../src/ui/runs/CompareRuns.tsx';

const train = (id: string) => ({ id, datasetId: 'd1', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, name: `run ${id}`, config: { loss: 'ssb' }, lastStep: 10 });
const summary = (total: number, correct: number) => ({ total, correct, accuracy: correct / total, byCategory: {}, failureRules: {}, finishReasons: {} });
const evalOf = (id: string, adapterRunId: string, createdAt: number, extra: Record<string, unknown> = {}) => ({
  id, datasetId: 'd1', kind: 'eval', status: 'done', createdAt, updatedAt: createdAt, name: `eval ${id}`, summary: summary(10, 7),
  config: { adapterRunId, limit: 10, maxNewTokens: 96, lora: null }, ...extra,
});

describe('two runs compared, answer by answer', () => {
  it('takes each run’s newest finished evaluation of its own adapter', () => {
    const runs = [
      evalOf('gguf', 'a', 9, { config: { adapterRunId: 'a', limit: 10, maxNewTokens: 96, lora: null, gguf: { fileName: 'a.gguf', bytes: 1, fileType: 'Q4_K_M' } } }),
      evalOf('stopped', 'a', 8, { stopped: true }),
      evalOf('a-new', 'a', 7),
      evalOf('a-old', 'a', 5),
      evalOf('failed', 'b', 6, { status: 'failed' }),
      train('a'),
      train('b'),
    ] as never;
    expect(newestAdapterEval(runs, 'a')?.id).toBe('a-new');
    expect(newestAdapterEval(runs, 'b')).toBeNull();
  });

  it('says what to do where a run has no evaluation, or the two answered different datasets', () => {
    useRuns.setState({ runs: [evalOf('ea', 'a', 3), train('a'), train('b')] as never });
    const none = renderNow(createElement(CompareRuns, { runIds: ['a', 'b'] }));
    expect(none).toContain('Evaluate both runs’ adapters (Evaluation panel) to set their answers side by side.');
    useRuns.setState({ runs: [evalOf('ea', 'a', 3), evalOf('eb', 'b', 2, { datasetId: 'd2' }), train('a'), train('b')] as never });
    expect(renderNow(createElement(CompareRuns, { runIds: ['a', 'b'] }))).toContain('Their newest evaluations are of different datasets, so their answers are not to the same questions.');
    useRuns.setState({ runs: [evalOf('ea', 'a', 3), evalOf('eb', 'b', 2, { summary: summary(10, 5) }), train('a'), train('b')] as never });
    const both = renderNow(createElement(CompareRuns, { runIds: ['a', 'b'] })).replace(/<!-- -->/g, '');
    expect(both).toContain('Answers of their newest evaluations: run a 7 of 10 correct, run b 5 of 10 correct; “here” is run a.');
    expect(both).toContain('Reading the answers…');
  });
});
