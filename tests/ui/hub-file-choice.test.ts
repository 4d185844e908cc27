// A Hugging Face dataset's files, listed before anything is downloaded (tests/data/hub-dataset.test.ts
// holds the listing and the chosen download to the Hub's answers; tests/browser/parquet-import.browser.ts
// runs them through the real worker). Here: the panel lists them with their sizes, the train split's
// ticked; ticking changes what the import asks the worker for; a failed lookup says what to do.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';
import type { HubDatasetListing } from '../../src/worker/protocol.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const LISTING: HubDatasetListing = {
  repo: 'NousResearch/hermes-function-calling-v1',
  revision: 'main',
  files: [
    { path: 'func-calling-singleturn.json', size: 4 * 2 ** 20 },
    { path: 'func-calling.json', size: 9 * 2 ** 20 },
    { path: 'json-mode-agentic.json', size: 12 * 2 ** 20 },
  ],
  chosen: ['func-calling-singleturn.json', 'func-calling.json', 'json-mode-agentic.json'],
  maxBytes: 20 * 2 ** 20,
};
const worker = vi.hoisted(() => ({ sent: [] as Array<{ kind: string; payload: Record<string, unknown> }>, lookup: null as null | Error }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: (kind: string, payload: Record<string, unknown>) => {
      worker.sent.push({ kind, payload });
      if (kind === 'listHubDataset') return worker.lookup ? Promise.reject(worker.lookup) : Promise.resolve(LISTING);
      if (kind === 'importHubDataset') return Promise.resolve({ datasetId: 'd1', files: [], issues: [], issueCount: 0, imported: 40, hub: { repo: LISTING.repo, revision: 'main', files: payload.files, leftOut: ['json-mode-agentic.json'], chosen: true } });
      if (kind === 'listDatasets') return Promise.resolve([]);
      return Promise.resolve(undefined);
    },
  }),
}));
vi.mock('../../src/state/queries.ts', async (original) => ({ ...(await original<object>()), listDatasets: () => Promise.resolve([]) }));

const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { DatasetImport, hubSourceText } = await import('../../src/ui/dataset/DatasetImport.tsx');

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/<!-- -->/g, '').replace(/\s+/g, ' ');
const panel = () => renderNow(createElement(DatasetImport));
const initial = useDatasets.getState();

beforeEach(() => {
  useDatasets.setState(initial, true);
  worker.sent.length = 0;
  worker.lookup = null;
});

describe('choosing a Hugging Face dataset’s files before the import', () => {
  it('lists them with sizes, the default ticked; the import downloads the ticked ones only', async () => {
    await useDatasets.getState().listHubDataset(' NousResearch/hermes-function-calling-v1 ');
    expect(worker.sent).toEqual([{ kind: 'listHubDataset', payload: { repo: 'NousResearch/hermes-function-calling-v1', token: undefined, baseUrl: undefined } }]);
    let html = text(panel());
    expect(html).toContain('Files of NousResearch/hermes-function-calling-v1');
    expect(html).toContain('func-calling.json · 9.0 MiB');
    // Over what one import takes: said, and no import offered.
    expect(html).toContain('3 dataset files listed; 3 files ticked, 25.0 MiB to download: more than the 20.0 MiB one import takes; untick some, and import them next.');
    expect(panel()).toContain('<button type="button" aria-disabled="true">Import 3 files</button>');
    press('Import 3 files');
    expect(worker.sent.map((r) => r.kind)).toEqual(['listHubDataset']);

    // JSON mode is not function calling: untick it.
    useDatasets.getState().pickHubFiles(['json-mode-agentic.json'], false);
    html = text(panel());
    expect(html).toContain('3 dataset files listed; 2 files ticked, 13.0 MiB to download.');
    press('Import 2 files');
    await vi.waitFor(() => expect(useDatasets.getState().hubChoice).toBeNull());
    expect(worker.sent.find((r) => r.kind === 'importHubDataset')?.payload).toMatchObject({ repo: 'NousResearch/hermes-function-calling-v1', files: ['func-calling-singleturn.json', 'func-calling.json'] });
    expect(hubSourceText(useDatasets.getState().lastImport!.hub!)).toBe('From NousResearch/hermes-function-calling-v1: 2 files. The files you chose; left out: json-mode-agentic.json.');
    // An earlier download of them (an import cut short or refused) is read, not fetched again.
    const hub = { repo: 'a/b', revision: 'main', files: ['x.jsonl', 'y.jsonl'], leftOut: [] };
    expect(hubSourceText({ ...hub, reused: ['x.jsonl', 'y.jsonl'] })).toBe('From a/b: 2 files (downloaded earlier: nothing was fetched again).');
    expect(hubSourceText({ ...hub, reused: ['y.jsonl'] })).toBe('From a/b: 2 files (1 of them downloaded earlier, not fetched again).');
  });

  it('with the ticks as listed, imports the default choice (the dataset is then named by the repo alone)', async () => {
    await useDatasets.getState().listHubDataset('NousResearch/hermes-function-calling-v1');
    useDatasets.setState({ hubChoice: { ...useDatasets.getState().hubChoice!, maxBytes: 2 ** 31 } });
    useDatasets.getState().pickHubFiles(['json-mode-agentic.json'], false);
    useDatasets.getState().pickHubFiles(['json-mode-agentic.json'], true);
    panel();
    press('Import 3 files');
    await vi.waitFor(() => expect(worker.sent.map((r) => r.kind)).toContain('importHubDataset'));
    expect(worker.sent.find((r) => r.kind === 'importHubDataset')?.payload).not.toHaveProperty('files');
  });

  it('keeps the listing’s order whatever order files are ticked in, and offers no import with none ticked', async () => {
    await useDatasets.getState().listHubDataset('NousResearch/hermes-function-calling-v1');
    useDatasets.getState().pickHubFiles(LISTING.files.map((f) => f.path), false);
    expect(text(panel())).toContain('3 dataset files listed; no file ticked.');
    expect(panel()).toContain('<button type="button" aria-disabled="true">Import</button>');
    press('Import');
    expect(worker.sent.map((r) => r.kind)).toEqual(['listHubDataset']);
    useDatasets.getState().pickHubFiles(['json-mode-agentic.json'], true);
    useDatasets.getState().pickHubFiles(['func-calling-singleturn.json'], true);
    expect(useDatasets.getState().hubChoice?.picked).toEqual(['func-calling-singleturn.json', 'json-mode-agentic.json']);
    press('Close');
    expect(useDatasets.getState().hubChoice).toBeNull();
    expect(panel()).not.toContain('hub-file-choice');
  });

  it('a failed lookup says why and what to do, and lists nothing', async () => {
    worker.lookup = Object.assign(new Error('could not download the file list of local/gated: HTTP 401 (the dataset is gated or private: it needs a Hugging Face access token that may read it)'), { name: 'HubAccessError' });
    await useDatasets.getState().listHubDataset('local/gated');
    expect(useDatasets.getState().error).toBe('Looking up local/gated on the Hugging Face Hub failed: could not download the file list of local/gated: HTTP 401 (the dataset is gated or private: it needs a Hugging Face access token that may read it). Paste an access token (huggingface.co/settings/tokens) under “Access token” in the Model panel and look it up again.');
    expect(useDatasets.getState().hubChoice).toBeNull();
    expect(useDatasets.getState().hubListing).toBeNull();
  });
});
