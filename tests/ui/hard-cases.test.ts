// The hard cases under the HDR results: an open one says when it last failed. A case mined and not yet
// re-sampled (an HDR run interrupted before its first round) read "open · round 0".
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import type { HardCaseRow } from '../../src/state/queries.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => () => undefined }) }));
// The stored hard cases, fixed (a server render runs no effect, so the hook's read never lands).
const stored = vi.hoisted(() => ({ cases: [] as unknown[], stamps: [] as string[] }));
vi.mock('../../src/state/datasetViews.ts', async (original) => ({
  ...(await original<typeof import('../../src/state/datasetViews.ts')>()),
  useHardCases: (_datasetId: string, stamp: string) => (stored.stamps.push(stamp), stored.cases),
}));
const { HdrResults } = await import('../../src/ui/eval/HdrResults.tsx');
const { useDatasets } = await import('../../src/state/datasetStore.ts');

const hardCase = (exampleId: string, round: number, status: HardCaseRow['status'], failed: number): HardCaseRow => ({ id: `h-${exampleId}`, datasetId: 'd', exampleId, round, status, failedOutputs: Array.from({ length: failed }, () => 'x'), createdAt: 0 });

describe('hard cases', () => {
  it('say when an open one last failed, and never "round 0"', () => {
    stored.cases = [hardCase('x0', 0, 'open', 1), hardCase('x1', 2, 'open', 3), hardCase('x2', 0, 'solved', 1), hardCase('x3', 1, 'solved', 2)];
    const text = renderNow(createElement(HdrResults, { datasetId: 'd' })).replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Hard cases (2 open of 4)');
    expect(text).toContain('x0 open · failed when mined · 1 failed output');
    expect(text).toContain('x1 open · last failed in round 2 · 3 failed outputs');
    // A solved case's round is the one that solved it (or, solved by a later mining, the last it
    // failed in): it is named as a round, never as a failure.
    expect(text).toContain('x2 solved · before any round · 1 failed output');
    expect(text).toContain('x3 solved · round 1 · 2 failed outputs');
    expect(text).not.toContain('round 0');
  });

  // The list is the dataset's, from every run, beside the rounds of the one run chosen: an open case
  // below a run that found none ("Hard-case pool 0 → 0") read as a contradiction, with no word on
  // whose it is or whether HDR would ever ask it again.
  it('say they are the dataset’s, from every HDR run, and that the next run asks the open ones again', () => {
    stored.cases = [hardCase('x0', 1, 'open', 1)];
    const text = renderNow(createElement(HdrResults, { datasetId: 'd' })).replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Hard cases (1 open of 1) The dataset’s hard cases, from every HDR run on it: the next HDR run asks the open ones again, beside the examples it mines.');
  });

  // Split again, the dataset may hold out a case's question: HDR leaves it (its samples would train a
  // held-out question), and the list says so instead of counting it open.
  it('say which open ones the dataset holds out now, and leave them out of the open count', () => {
    stored.cases = [hardCase('x0', 0, 'open', 1), { ...hardCase('x1', 2, 'open', 3), heldOut: true }, { ...hardCase('x2', 1, 'solved', 1), heldOut: true }];
    const text = renderNow(createElement(HdrResults, { datasetId: 'd' })).replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Hard cases (1 open of 3; 1 more held out now, which HDR leaves)');
    expect(text).toContain('x1 open · last failed in round 2 · 3 failed outputs · held out now (the dataset was split again): HDR leaves it, as its samples would train a held-out question');
    expect(text).toContain('x0 open · failed when mined · 1 failed output ');
    expect(text).toMatch(/x2 solved · round 1 · 1 failed output(?! · held out)/);
  });

  // An edited expected answer can solve an open case (its newest failed answer is right against the
  // new label): the list is read again when the dataset changes, not only when a job writes.
  it('are read again when the dataset’s examples change, as after an edited answer', () => {
    const dataset = { id: 'd', name: 'd', createdAt: 1, exampleCount: 3, fingerprint: 'sha256:aa', inclusionEdits: 0 };
    const stampAfter = (fingerprint: string) => {
      useDatasets.setState({ datasets: [{ ...dataset, fingerprint }] as never });
      stored.stamps = [];
      renderNow(createElement(HdrResults, { datasetId: 'd' }));
      return stored.stamps.at(-1);
    };
    const before = stampAfter('sha256:aa');
    expect(stampAfter('sha256:aa')).toBe(before);
    expect(stampAfter('sha256:bb')).not.toBe(before);
    useDatasets.setState({ datasets: [] });
  });
});
