// The Dataset and Playground panels render what the worker answers (its summary, one page of
// examples, the playground's tools and held-out questions), never a whole dataset's rows read on the
// page: that read made opening a 60k-example dataset stall the page for seconds on every visit.
// Rendered with react-dom/server reading the stores' current state; the worker is a request log.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import type { DatasetRow } from '../../src/jobs/store/schema.ts';
import type { DatasetPlayground, DatasetSummary, ExamplePage } from '../../src/worker/protocol.ts';

const requests: Array<{ kind: string; payload: Record<string, unknown> }> = [];
const replies: Record<string, unknown> = {};
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: async (kind: string, payload: Record<string, unknown>) => {
      requests.push({ kind, payload });
      return replies[kind];
    },
    onEvent: () => () => undefined,
  }),
}));

const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useDatasetAnswers, useExampleBrowse, loadDatasetSummary, loadExamplePage, loadDatasetPlayground } = await import('../../src/state/exampleRows.ts');
const queries = await import('../../src/state/queries.ts');
const { DatasetPanel } = await import('../../src/ui/dataset/DatasetPanel.tsx');
const { ExampleBrowser } = await import('../../src/ui/dataset/ExampleBrowser.tsx');
const { DatasetList } = await import('../../src/ui/dataset/DatasetList.tsx');
const { PlaygroundPanel } = await import('../../src/ui/playground/PlaygroundPanel.tsx');

const dataset: DatasetRow = { id: 'd1', name: 'xlam', createdAt: 5, files: [], exampleCount: 120, fingerprint: 'sha256:ab', split: { seed: 1234, evalFraction: 0.1, by: 'question' }, issues: [], issueCount: 0 };
const quality = { tools_valid_schema: 0, call_names_known_tool: 2, required_args_present: 0, arg_types_match: 1, no_unknown_args: 0, reasoning_as_promised: 0, target_json_parses: 0, passed: 117, total: 120, noted: 0 };
const summary: DatasetSummary = { quality, examples: 120, train: 108, heldOut: 12, included: 117, trainIncluded: 106 };
const page: ExamplePage = {
  offset: 0,
  matching: 120,
  used: 117,
  total: 120,
  rows: [
    { id: 'x-1', toolNames: ['get_weather', 'get_time'], query: 'Weather in Oslo?', calls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }], passed: true, included: true, failedRules: [] },
    { id: 'x-2', toolNames: ['get_time'], query: 'Book a flight', calls: [{ name: 'book', arguments: {} }], passed: false, included: false, failedRules: ['call_names_known_tool'] },
  ],
};
const firstPage = { search: '', rule: null, offset: 0, limit: 25 };

beforeEach(() => {
  requests.length = 0;
  useDatasetAnswers.setState({ answers: {} });
  useDatasets.setState({ datasets: [dataset], selectedId: 'd1', error: null, pendingDeletion: null });
  useExampleBrowse.setState({ datasetId: null, search: '', rule: null, page: 0 });
});

describe('the Dataset panel', () => {
  it('says it is reading until the worker’s summary lands, then renders the summary and the page it answered', async () => {
    const waiting = renderNow(createElement(DatasetPanel));
    expect(waiting).toMatch(/role="status">Reading 120 examples…/);
    expect(waiting).not.toContain('data-testid="quality-report"');

    Object.assign(replies, { datasetSummary: summary, examplePage: page });
    await loadDatasetSummary(dataset);
    await loadExamplePage(dataset, firstPage);
    expect(requests).toEqual([
      { kind: 'datasetSummary', payload: { datasetId: 'd1' } },
      { kind: 'examplePage', payload: { datasetId: 'd1', ...firstPage } },
    ]);

    const html = renderNow(createElement(DatasetPanel));
    // The split's sides, then what training and evaluation take of them (the included examples of
    // each side), as the Training panel counts them.
    expect(html).toContain('<strong data-testid="quality-passed">117</strong> of 120 examples pass every rule · split with seed 1234: 108 for training, 12 held out; 106 and 11 of them used (3 left out)');
    expect(html).not.toContain('data-testid="no-eval-split"');
    expect(html).toContain('aria-label="Show the 2 examples failing: calls name a provided tool"');
    expect(html).toContain('aria-label="Show the 1 example failing: argument types match the schema"');
    // The count is a status; the page's rows, with their open buttons.
    expect(html).toMatch(/<span class="muted" role="status" data-testid="example-count">120 of 120<\/span>/);
    expect(html).toContain('aria-label="Open example x-1"');
    expect(html).toContain('<td>get_weather, get_time</td><td class="clip">Weather in Oslo?</td><td class="clip mono">get_weather(city=&quot;Oslo&quot;)</td><td class="ok">ok</td>');
    expect(html).toContain('<td class="error">fails: calls name a provided tool</td>');
    expect(html).toContain('page 1 of 5');
  });

  it('keeps a rule filter with the dataset it was set on: another dataset opens unfiltered', async () => {
    const other: DatasetRow = { ...dataset, id: 'd2', name: 'bfcl', fingerprint: 'sha256:cd' };
    useDatasets.setState({ datasets: [dataset, other] });
    Object.assign(replies, { datasetSummary: summary, examplePage: page });
    await loadDatasetSummary(dataset);
    await loadDatasetSummary(other);
    const chip = 'aria-label="Stop filtering by rule call_names_known_tool"';

    useExampleBrowse.getState().browse({ datasetId: 'd1', search: 'oslo', rule: null, page: 2 });
    useExampleBrowse.getState().showFailing('d1', 'call_names_known_tool');
    expect(useExampleBrowse.getState()).toMatchObject({ search: 'oslo', page: 0 });
    expect(renderNow(createElement(DatasetPanel))).toContain(chip);
    // The chip named d1's rule over d2's table, which listed d2's failures of it.
    useDatasets.setState({ selectedId: 'd2' });
    const second = renderNow(createElement(DatasetPanel));
    expect(second).not.toContain(chip);
    expect(second).toContain('aria-pressed="false"');
    expect(second).not.toContain('aria-pressed="true"');
    useDatasets.setState({ selectedId: 'd1' });
    expect(renderNow(createElement(DatasetPanel))).toContain(chip);
  });

  it('says when nothing is held out, from the summary’s counts', async () => {
    replies.datasetSummary = { ...summary, train: 120, heldOut: 0 };
    await loadDatasetSummary(dataset);
    const html = renderNow(createElement(DatasetPanel));
    expect(html).toContain('data-testid="no-eval-split"');
    expect(html).toContain('with 120 examples none landed there');
    expect(html).not.toContain('data-testid="no-train-split"');
  });

  it('says how many distinct questions the examples ask, where some ask the same', async () => {
    replies.datasetSummary = { ...summary, questions: { total: 99, heldOut: 10 } };
    await loadDatasetSummary(dataset);
    const html = renderNow(createElement(DatasetPanel)).replace(/<!-- -->/g, '');
    expect(html).toContain('; they ask 99 distinct questions, 10 of them held out, each with every example that asks it');
  });

  it('says when nothing is left to train on: a few questions, each held out with all its examples', async () => {
    replies.datasetSummary = { ...summary, train: 0, heldOut: 120 };
    await loadDatasetSummary(dataset);
    const html = renderNow(createElement(DatasetPanel));
    expect(html).toContain('data-testid="no-train-split"');
    expect(html.replace(/<!-- -->/g, '')).toContain('the 120 examples here ask so few questions that all of them landed on the held-out side');
    expect(html).not.toContain('data-testid="no-eval-split"');
  });

  it('keeps the table of a page while the next one loads, and counts a search only once it is answered', async () => {
    Object.assign(replies, { datasetSummary: summary, examplePage: page });
    await loadDatasetSummary(dataset);
    await loadExamplePage(dataset, firstPage);
    replies.examplePage = { ...page, matching: 3, rows: page.rows.slice(1) };
    await loadExamplePage(dataset, { ...firstPage, search: 'book' });
    expect(requests.at(-1)).toEqual({ kind: 'examplePage', payload: { datasetId: 'd1', ...firstPage, search: 'book' } });
    // The panel opens on no search (the answer above is for “book”): its first page, counted.
    expect(renderNow(createElement(DatasetPanel))).toMatch(/data-testid="example-count">120 of 120</);
  });
});

describe('the stored datasets', () => {
  it('tells two datasets of the same name apart by their content, in the list and when deleting', () => {
    // train.jsonl imported, edited, imported again: the same name, the same count, other examples.
    const edited: DatasetRow = { ...dataset, id: 'd2', name: 'xlam', createdAt: 9, fingerprint: 'sha256:cd0123456789' };
    const other: DatasetRow = { ...dataset, id: 'd3', name: 'glaive', fingerprint: 'sha256:ef' };
    useDatasets.setState({ datasets: [{ ...dataset, fingerprint: 'sha256:ab9876543210' }, edited, other] });
    const html = renderNow(createElement(DatasetList));
    expect(html).toContain('/> xlam · ab987654</label>');
    expect(html).toContain('/> xlam · cd012345</label>');
    expect(html).toContain('/> glaive</label>'); // a name of its own stays as it is
    expect(html).toContain('aria-label="Delete dataset xlam · cd012345"');
    useDatasets.setState({ pendingDeletion: { datasetId: 'd2', name: 'xlam', exampleCount: 120, hardCaseCount: 0, runCount: 0, confirmToken: 't' } });
    expect(renderNow(createElement(DatasetList))).toContain('Delete “xlam · cd012345”? This removes 120 examples and 0 hard cases.');
    useDatasets.setState({ pendingDeletion: { datasetId: 'd2', name: 'xlam', exampleCount: 1, hardCaseCount: 1, runCount: 0, confirmToken: 't' } });
    expect(renderNow(createElement(DatasetList))).toContain('This removes 1 example and 1 hard case.');
  });
});

describe('the examples table’s pages', () => {
  const rowsFrom = (from: number) => Array.from({ length: 25 }, (_, i) => ({ ...page.rows[1], id: `x-${from + i}` }));

  it('starts a rule’s failures at their first page, not at the page the whole list was on', async () => {
    const rule = 'call_names_known_tool' as const;
    replies.examplePage = { ...page, offset: 100, rows: rowsFrom(100) };
    await loadExamplePage(dataset, { ...firstPage, offset: 100 });
    replies.examplePage = { ...page, offset: 0, matching: 60, rows: rowsFrom(0) };
    await loadExamplePage(dataset, { ...firstPage, rule, offset: 0 });
    const table = (ruleFilter: typeof rule | null) => renderNow(createElement(ExampleBrowser, { dataset, ruleFilter, onClearRule: () => undefined }));

    // The user pages to the last page of every example…
    useExampleBrowse.getState().browse({ datasetId: 'd1', search: '', rule: null, page: 4 });
    expect(table(null)).toContain('page 5 of 5');
    // …then shows a rule's 60 failures: the first of them, not page 5 of them (or the last page).
    const failing = table(rule);
    expect(failing).toContain('page 1 of 3');
    expect(failing).toContain('aria-label="Open example x-0"');
    // Another dataset's table starts at its first page too.
    expect(useExampleBrowse.getState().page).toBe(4);
    expect(renderNow(createElement(ExampleBrowser, { dataset: { ...dataset, id: 'd2' }, ruleFilter: null, onClearRule: () => undefined }))).toContain('page 1 of 5');
  });
});

describe('the Playground', () => {
  it('offers the tools and held-out questions the worker gathered', async () => {
    const offered: DatasetPlayground = {
      tools: [
        { name: 'get_time', parameters: {} },
        { name: 'get_weather', parameters: {} },
      ],
      samples: [{ id: 'x-9', query: 'Time in Oslo?', toolNames: ['get_time'], expected: { calls: [] } }],
    };
    expect(renderNow(createElement(PlaygroundPanel))).toContain('Reading the dataset’s tools…');
    replies.datasetPlayground = offered;
    await loadDatasetPlayground(dataset);
    expect(requests).toEqual([{ kind: 'datasetPlayground', payload: { datasetId: 'd1' } }]);
    const html = renderNow(createElement(PlaygroundPanel));
    expect(html).toContain('<legend>Tools offered (2)</legend>');
    expect(html).toMatch(/<input type="checkbox" checked=""\/> get_weather/);
    expect(html).toMatch(/<button type="button" data-testid="play-sample">Take a held-out example<\/button>/);
  });

  it('says of a held-out question a training example asks too that its answer is what the adapter learned', async () => {
    const { usePlayground, DEFAULT_PLAYGROUND_DRAFT } = await import('../../src/state/playgroundStore.ts');
    const sample = { id: 'x-9', query: 'Time in Oslo?', toolNames: ['get_time'], expected: { calls: [] } };
    replies.datasetPlayground = { tools: [{ name: 'get_time', parameters: {} }], samples: [{ ...sample, askedInTraining: true }, { ...sample, id: 'x-10', query: 'Time in Rome?' }] } satisfies DatasetPlayground;
    await loadDatasetPlayground(dataset);
    usePlayground.setState({ draft: { ...DEFAULT_PLAYGROUND_DRAFT, sampleId: 'x-9', query: 'Time in Oslo?', pickedTools: ['get_time'] } });
    expect(renderNow(createElement(PlaygroundPanel)).replace(/<!-- -->/g, '')).toContain('data-testid="play-asked-in-training"> · A training example asks this word for word too: an adapter trained on this dataset learned its answer, so this shows what it remembers.</strong>');
    usePlayground.setState({ draft: { ...DEFAULT_PLAYGROUND_DRAFT, sampleId: 'x-10', query: 'Time in Rome?', pickedTools: ['get_time'] } });
    expect(renderNow(createElement(PlaygroundPanel))).not.toContain('play-asked-in-training');
    usePlayground.setState({ draft: DEFAULT_PLAYGROUND_DRAFT });
  });
});

describe('a held-out question whose example cannot be read', () => {
  const offered: DatasetPlayground = { tools: [{ name: 'get_time', parameters: {} }], samples: [{ id: 'x-9', query: 'Time in Oslo?', toolNames: ['get_time'], expected: { calls: [] } }] };
  const rowKey = 'row\u0001d1\u0001x-9';

  it('holds Generate and says why, instead of asking it unchecked as a typed question or “reading” forever', async () => {
    const { useModel } = await import('../../src/state/modelStore.ts');
    const { usePlayground, DEFAULT_PLAYGROUND_DRAFT } = await import('../../src/state/playgroundStore.ts');
    useModel.setState({ info: { ref: 'tiny' } as never });
    usePlayground.setState({ draft: { ...DEFAULT_PLAYGROUND_DRAFT, sampleId: 'x-9', query: 'Time in Oslo?', pickedTools: ['get_time'] } });
    replies.datasetPlayground = offered;
    await loadDatasetPlayground(dataset);
    const generate = /<button[^>]*data-testid="play-generate"[^>]*>/;
    // The read failed.
    useDatasetAnswers.setState(({ answers }) => ({ answers: { ...answers, [rowKey]: { asking: false, progress: null, error: 'Could not read the example: the database connection is closing.' } } }));
    let html = renderNow(createElement(PlaygroundPanel));
    expect(html).toContain('Could not read the example: the database connection is closing. Take another held-out example, or edit the question to ask it as typed.');
    expect(html.match(generate)![0]).toContain('disabled');
    // The example is gone.
    useDatasetAnswers.setState(({ answers }) => ({ answers: { ...answers, [rowKey]: { asking: false, progress: null, value: null } } }));
    html = renderNow(createElement(PlaygroundPanel));
    expect(html).toContain('The held-out example x-9 is no longer in the dataset. Take another held-out example, or edit the question to ask it as typed.');
    expect(html).not.toContain('Reading the held-out example');
    expect(html.match(generate)![0]).toContain('disabled');
    useModel.setState({ info: null });
  });
});

describe('the page never reads a whole dataset', () => {
  const source = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? source(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));

  it('has no all-rows query, and no panel or store asks for one', () => {
    expect('exampleRows' in queries).toBe(false);
    for (const file of [...source('src/ui'), ...source('src/state')]) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/\buseExampleRows\b|\bexampleRows\(|examples\.where\('\[datasetId\+ord\]'\)/);
    }
  });
});

describe('an example row’s quality', () => {
  it('names each failing rule once, as failing, with how often', async () => {
    // It listed the rule's name once per missing argument ("required arguments are present; required
    // arguments are present; …"), which read as praise and made each row ten lines tall.
    const { failedRulesText } = await import('../../src/ui/dataset/ExampleBrowser.tsx');
    expect(failedRulesText(['required_args_present', 'required_args_present', 'arg_types_match', 'required_args_present'])).toBe('fails: required arguments are present ×3; argument types match the schema');
    expect(failedRulesText(['no_unknown_args'])).toBe('fails: no arguments outside the schema');
  });
});
