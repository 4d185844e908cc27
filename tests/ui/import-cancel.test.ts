// The Dataset panel's Cancel of an import on its way: a dropped file of hundreds of MB, or a Hub
// dataset's download and then its import, could not be stopped once its files were here. Pressed, it
// asks the worker to stop (tests/data/import-into-db.test.ts and hub-dataset.test.ts hold the worker
// to saving nothing), stays focusable but off until the worker answers, and the panel then says in a
// notice, not an error, that nothing was saved.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';
import type { ProgressInfo } from '../../src/worker/protocol.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
/** The worker as it imports: detectFormats answers when `detected` is called, the import reports its
 * records and ends (an ImportCancelledError, by name across the message boundary) when cancelImport comes. */
const worker = vi.hoisted(() => ({ sent: [] as string[], detected: null as null | (() => void), endImport: null as null | ((err: Error) => void), importing: '' }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: (kind: string, payload: { name?: string; repo?: string }, onProgress?: (p: ProgressInfo) => void) => {
      worker.sent.push(kind);
      if (kind === 'detectFormats') return new Promise((resolve) => (worker.detected = () => resolve({ 'big.jsonl': 'openai' })));
      if (kind === 'importDataset' || kind === 'importHubDataset') {
        worker.importing = kind === 'importDataset' ? `the import of ${payload.name}` : `the download of ${payload.repo}`;
        if (kind === 'importDataset') onProgress?.({ label: 'big.jsonl', done: 40e6, total: 300e6, items: 5000 });
        else onProgress?.({ label: 'data/train-00000-of-00001.parquet', done: 40e6, total: 300e6, unit: 'bytes' });
        return new Promise((_resolve, reject) => (worker.endImport = reject));
      }
      if (kind === 'cancelImport') {
        const end = worker.endImport;
        queueMicrotask(() => end?.(Object.assign(new Error(`${worker.importing} was cancelled; nothing was saved`), { name: 'ImportCancelledError' })));
        return Promise.resolve(!!end);
      }
      return Promise.resolve(undefined);
    },
  }),
}));

const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { DatasetPanel } = await import('../../src/ui/dataset/DatasetPanel.tsx');

const settle = () => new Promise((r) => setTimeout(r, 0));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/<!-- -->/g, '').replace(/\s+/g, ' ');
const panel = () => renderNow(createElement(DatasetPanel));
const initial = useDatasets.getState();
const bigFile = () => new File(['{"messages": []}\n'], 'big.jsonl');

beforeEach(() => {
  useDatasets.setState(initial, true);
  worker.sent.length = 0;
  worker.detected = worker.endImport = null;
});

describe('the Dataset panel’s Cancel of an import', () => {
  it('shows beside a dropped file’s progress, stops the import, and says in a notice that nothing was saved', async () => {
    const importing = useDatasets.getState().importDataset([bigFile()]);
    await settle();
    worker.detected!();
    await settle();
    expect(worker.sent).toEqual(['detectFormats', 'importDataset']);
    expect(text(panel())).toContain('Importing big.jsonl');

    press('Cancel the import');
    expect(worker.sent).toEqual(['detectFormats', 'importDataset', 'cancelImport']);
    // Until the worker has stopped it: off, but the focus stays on it.
    expect(panel()).toContain('<button type="button" aria-disabled="true">Cancelling…</button>');
    press('Cancelling…');
    expect(worker.sent.filter((k) => k === 'cancelImport')).toHaveLength(1);

    expect(await importing).toBeNull();
    const after = panel();
    expect(after).not.toContain('import-progress');
    expect(after).not.toContain('Cancelling…');
    expect(after).not.toContain('dataset-error');
    expect(useDatasets.getState().error).toBeNull();
    expect(after).toMatch(/class="alert notice" role="status" data-testid="dataset-notice"/);
    expect(useDatasets.getState().notice).toBe('The import of big was cancelled; nothing was saved, and your existing datasets are unchanged.');
    expect(text(after)).toContain(useDatasets.getState().notice!);
  });

  it('pressed while the files’ formats are detected, the import never starts', async () => {
    const importing = useDatasets.getState().importDataset([bigFile()]);
    await settle();
    panel();
    press('Cancel the import');
    await settle();
    worker.detected!();
    expect(await importing).toBeNull();
    expect(worker.sent).toEqual(['detectFormats', 'cancelImport']);
    expect(useDatasets.getState().notice).toBe('The import of big was cancelled; nothing was saved, and your existing datasets are unchanged.');
    // The next import starts afresh, with no notice left over.
    const next = useDatasets.getState().importDataset([bigFile()]);
    await settle();
    expect(useDatasets.getState().notice).toBeNull();
    expect(useDatasets.getState().progress?.cancelling).toBeFalsy();
    worker.detected!();
    await settle();
    void useDatasets.getState().cancelImport();
    await next;
  });

  it('names the download while a Hub dataset’s files come in', async () => {
    const importing = useDatasets.getState().importHubDataset('local/fc-demo');
    await settle();
    expect(text(panel())).toContain('Downloading data/train-00000-of-00001.parquet');
    press('Cancel the download');
    expect(await importing).toBeNull();
    expect(useDatasets.getState().notice).toBe('The download of local/fc-demo was cancelled; nothing was saved, and your existing datasets are unchanged.');
    expect(useDatasets.getState().error).toBeNull();
  });
});
