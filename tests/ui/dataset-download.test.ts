// The Dataset panel's Download of a stored dataset (tests/snapshot/dataset-export.test.ts holds the
// file to the stored rows; tests/browser/dataset-export.browser.ts runs it through the real worker).
// Here: each stored dataset has its button, named for screen readers; pressed, the worker's file is
// saved under its name, the button says so meanwhile and takes no second press; a failure says why.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const worker = vi.hoisted(() => ({ sent: [] as string[], end: null as null | ((v: unknown) => void), fail: null as null | ((e: Error) => void), saved: [] as Array<[string, string]> }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: (kind: string) => {
      worker.sent.push(kind);
      if (kind === 'exportDataset') return new Promise((resolve, reject) => ((worker.end = resolve), (worker.fail = reject)));
      return Promise.resolve(undefined);
    },
  }),
}));
vi.mock('../../src/state/download.ts', () => ({ downloadBytes: (file: Blob, name: string, type: string) => void worker.saved.push([name, `${type} ${file.size}`]) }));

const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { DatasetList } = await import('../../src/ui/dataset/DatasetList.tsx');

const row = (id: string, name: string) => ({ id, name, createdAt: 1, files: [{ name: `${name}.jsonl`, format: 'xlam' as const, imported: 3, rejected: 0 }], exampleCount: 3, fingerprint: `${id}ffff`, split: { seed: 1234, evalFraction: 0.1 }, issues: [], issueCount: 0 });
const initial = useDatasets.getState();

beforeEach(() => {
  useDatasets.setState({ ...initial, datasets: [row('d1', 'tools'), row('d2', 'more tools')], selectedId: 'd1' }, true);
  worker.sent.length = 0;
  worker.saved.length = 0;
});

describe('downloading a stored dataset', () => {
  it('saves the worker’s file under its name, and takes no second press meanwhile', async () => {
    const html = renderNow(createElement(DatasetList));
    expect(html).toContain('aria-label="Download dataset more tools as JSONL"');
    press('Download');
    expect(renderNow(createElement(DatasetList))).toMatch(/aria-disabled="true">Saving…<\/button>/);
    press('Download');
    expect(worker.sent).toEqual(['exportDataset']);
    worker.end!({ name: 'more tools.jsonl', file: new Blob(['{}\n']), examples: 3 });
    await vi.waitFor(() => expect(useDatasets.getState().exporting).toBeNull());
    expect(worker.saved).toEqual([['more tools.jsonl', 'application/jsonl 3']]);
  });

  it('says why a download failed, and that the dataset is unchanged', async () => {
    const done = useDatasets.getState().downloadDataset('d1');
    worker.fail!(new Error('this dataset is no longer stored (deleted in another tab?)'));
    await done;
    expect(useDatasets.getState().error).toBe('Could not download “tools”: this dataset is no longer stored (deleted in another tab?). The stored dataset is unchanged.');
    expect(worker.saved).toEqual([]);
  });
});
