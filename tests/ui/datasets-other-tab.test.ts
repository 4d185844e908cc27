// A change another tab made to the datasets (an example included or left out, HDR's samples, an
// import or a deletion) reached this tab's list only when this tab imported or ran a job itself:
// its quality counts, the Training panel's notes and an open example kept saying what was, and
// the toggle offered to leave out an example the other tab had already left out. The list is read
// again when the tab is shown, as the runs are.
import { describe, expect, it, vi } from 'vitest';
import type { DatasetRow } from '../../src/state/queries.ts';

const listeners = vi.hoisted(() => {
  const on: Array<() => void> = [];
  const doc = { visibilityState: 'hidden', addEventListener: (type: string, fn: () => void) => type === 'visibilitychange' && on.push(fn) };
  (globalThis as { document?: unknown }).document = doc;
  return { on, doc };
});
const stored = vi.hoisted(() => ({ datasets: [] as unknown[] }));
vi.mock('../../src/state/queries.ts', async (importOriginal) => ({ ...(await importOriginal<object>()), listDatasets: async () => stored.datasets }));
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => () => undefined }) }));
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { datasetStamp } = await import('../../src/state/exampleRows.ts');

const dataset = { id: 'd', name: 'tools.jsonl', createdAt: 5, files: [], exampleCount: 3, fingerprint: 'sha256:ab', split: { seed: 1, evalFraction: 0.1 }, issues: [], issueCount: 0 } as DatasetRow;

describe('the dataset list', () => {
  it('is read again when the tab is shown, so a change another tab made is seen', async () => {
    stored.datasets = [dataset];
    await useDatasets.getState().refreshDatasets();
    const before = datasetStamp(useDatasets.getState().datasets[0]);
    // Another tab leaves an example out.
    stored.datasets = [{ ...dataset, inclusionEdits: 1 }];
    listeners.doc.visibilityState = 'visible';
    for (const fn of listeners.on) fn();
    await vi.waitFor(() => expect(datasetStamp(useDatasets.getState().datasets[0])).not.toBe(before));
  });
});
