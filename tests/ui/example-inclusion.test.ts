// The example detail's toggle: it says whether training uses the example and why the check flagged
// it, is held with the reason while a job reads the dataset, warns before a change that a paused run
// could no longer resume, and after a change reads the dataset list again (every view stamped by it
// asks again); a refusal is shown with the example it was for. The example table marks left-out
// examples in words and asks the worker for the use filter chosen.
// Rendered with react-dom/server reading the stores' current state; the worker is a request log.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import type { DatasetRow, ExampleRow } from '../../src/state/queries.ts';
import type { ExamplePage } from '../../src/worker/protocol.ts';

const requests: Array<{ kind: string; payload: unknown }> = [];
let reply: (kind: string) => Promise<unknown> = async () => undefined;
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: (kind: string, payload: unknown) => (requests.push({ kind, payload }), reply(kind)),
    onEvent: () => () => undefined,
  }),
}));
const stored = vi.hoisted(() => ({ datasets: [] as unknown[], listError: null as Error | null }));
vi.mock('../../src/state/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  listDatasets: async () => {
    if (stored.listError) throw stored.listError;
    return stored.datasets;
  },
}));
vi.mock('../../src/state/datasetViews.ts', async (importOriginal) => ({ ...(await importOriginal<object>()), useExampleTokens: () => ({ value: null, error: null }) }));
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useJobs, loadResumableRunsOn } = await import('../../src/state/jobStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useDatasetAnswers, useExampleBrowse, loadExamplePage, datasetStamp } = await import('../../src/state/exampleRows.ts');
const { ExampleDetail } = await import('../../src/ui/dataset/ExampleDetail.tsx');
const { ExampleBrowser, shownInclusionAsks } = await import('../../src/ui/dataset/ExampleBrowser.tsx');
const { QualityReportView, flaggedOnlyAsks } = await import('../../src/ui/dataset/QualityReportView.tsx');
const { useAnswerEdit } = await import('../../src/state/answerEditStore.ts');
const { answerDraft } = await import('../../src/data/answer-edit.ts');

const dataset = { id: 'd', name: 'tools.jsonl', createdAt: 5, files: [], exampleCount: 3, fingerprint: 'sha256:ab', split: { seed: 1, evalFraction: 0.1 }, issues: [], issueCount: 0 } as DatasetRow;
const flagged = {
  datasetId: 'd',
  id: 'bad',
  ord: 2,
  split: 'train',
  included: 0,
  example: { id: 'bad', tools: [], messages: [{ role: 'user', content: 'Book it' }], target: { calls: [{ name: 'book', arguments: {} }] } },
  quality: { passed: false, failures: [{ rule: 'call_names_known_tool', detail: 'call 1 names "book", which is not among the tools' }] },
} as ExampleRow;
const run = (id: string, name: string, status: string, datasetId = 'd') => ({ id, name, datasetId, kind: 'train', status, createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG }) as StoredRun;
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const toggle = (html: string) => html.match(/<button[^>]*data-testid="toggle-inclusion"[^>]*>[^<]*<\/button>/)![0];
const detail = (row: ExampleRow = flagged) => renderNow(createElement(ExampleDetail, { row, onClose: () => undefined }));

const initial = { runs: useRuns.getState(), jobs: useJobs.getState(), datasets: useDatasets.getState() };
beforeEach(() => {
  requests.length = 0;
  reply = async () => undefined;
  stored.datasets = [dataset];
  stored.listError = null;
  useRuns.setState(initial.runs, true);
  useJobs.setState(initial.jobs, true);
  useDatasets.setState({ ...initial.datasets, datasets: [dataset], selectedId: 'd' }, true);
  useDatasetAnswers.setState({ answers: {} });
  useExampleBrowse.setState({ datasetId: null, search: '', rule: null, use: 'all', page: 0 });
});

describe('the example detail’s inclusion toggle', () => {
  it('says a flagged example is left out and why, and offers to train on it', () => {
    const html = detail();
    expect(text(html)).toContain('Left out by the quality check: not trained on.');
    expect(text(html)).toContain('Fails “calls name a provided tool”: call 1 names &quot;book&quot;, which is not among the tools');
    expect(toggle(html)).toContain('>Train on this example<');
    expect(toggle(html)).toContain('aria-disabled="false"');
    // A flagged example the user included, and a passing one they left out.
    expect(text(detail({ ...flagged, included: 1 }))).toContain('Used: trained on, though the quality check flagged it.');
    const left = detail({ ...flagged, included: 0, split: 'eval', quality: { passed: true, failures: [] } } as ExampleRow);
    expect(text(left)).toContain('Left out by you, though it passed the quality check: not evaluated (held out).');
    expect(toggle(left)).toContain('>Evaluate on this example<');
  });

  it('is held, with the reason, while a job of this tab or a run works on the dataset', () => {
    useJobs.setState({ running: { kind: 'evaluate', progress: null, datasetId: 'd' } });
    let html = detail();
    expect(toggle(html)).toContain('aria-disabled="true"');
    expect(text(html)).toContain('An evaluation is running on this dataset: include or leave out examples once it ends, or pause, stop or cancel it first.');
    // Another dataset's job holds nothing here.
    useJobs.setState({ running: { kind: 'hdr', progress: null, datasetId: 'other' } });
    expect(toggle(detail())).toContain('aria-disabled="false"');
    useJobs.setState({ running: null });
    useRuns.setState({ runs: [run('r1', 'ssb r8', 'running'), run('r2', 'there', 'running')], active: { runId: 'r1', progress: null, stepTimes: [], pausing: false, stopping: false } });
    html = detail();
    expect(toggle(html)).toContain('aria-disabled="true"');
    expect(text(html)).toContain('The run “ssb r8” is training on this dataset');
    useRuns.setState({ active: null, trainingNow: new Set(['r2']) });
    expect(text(detail())).toContain('The run “there” is training in another tab of the studio on this dataset');
  });

  it('names this tab’s HDR run or ablation as this tab’s, and another tab’s by what it is and what ends it', () => {
    // This tab's HDR run holds its run's lock as a training run does: the toggle said it was
    // "training in another tab of the studio", while the HDR panel here showed it running.
    const hdr = { id: 'h1', name: 'hdr-1', datasetId: 'd', kind: 'hdr', status: 'running', createdAt: 1, updatedAt: 1, config: {} } as unknown as StoredRun;
    useRuns.setState({ runs: [hdr], trainingNow: new Set(['h1']) });
    useJobs.setState({ running: { kind: 'hdr', progress: null, datasetId: 'd' }, rows: new Set(['h1']) });
    let html = text(detail());
    expect(html).toContain('An HDR run is running on this dataset: include or leave out examples once it ends, or pause, stop or cancel it first.');
    expect(html).not.toContain('another tab');
    // Another tab's: an HDR run is waited for or cancelled there, not paused.
    useJobs.setState({ running: null, rows: new Set() });
    html = text(detail());
    expect(html).toContain('The HDR run “hdr-1” is running in another tab of the studio on this dataset: include or leave out examples once it ends, or wait for it or cancel it there first.');
    // An ablation's arm is named by its ablation.
    const ablation = { id: 'a1', name: 'abl', datasetId: 'd', kind: 'ablation', status: 'running', createdAt: 1, updatedAt: 1, config: {} } as unknown as StoredRun;
    useRuns.setState({ runs: [ablation, run('arm1', 'abl · sft', 'running')], trainingNow: new Set(['arm1']) });
    expect(text(detail())).toContain('The ablation “abl” is running in another tab of the studio on this dataset: include or leave out examples once it ends, or wait for it or cancel it there first.');
    useJobs.setState({ running: { kind: 'ablation', progress: null, datasetId: 'd' }, rows: new Set(['a1', 'arm1']) });
    expect(text(detail())).toContain('An ablation is running on this dataset');
  });

  it('warns, before a change to a training example, that a run of the dataset that could resume no longer would', () => {
    useRuns.setState({ runs: [run('r1', 'ssb r8', 'paused'), run('r3', 'elsewhere', 'paused', 'other'), run('r4', 'no checkpoint', 'paused')], checkpointSteps: new Map([['r1', 2], ['r3', 2]]) });
    expect(text(detail())).toContain('The run “ssb r8” resumes over this dataset’s training examples as they are now: after this change it cannot resume until you change it back.');
    // A failed run resumes from its checkpoint too.
    useRuns.setState({ runs: [run('r1', 'ssb r8', 'paused'), run('r2', 'broke', 'failed')], checkpointSteps: new Map([['r1', 2], ['r2', 1]]) });
    expect(text(detail())).toContain('The runs “ssb r8”, “broke” resume over this dataset’s training examples as they are now: after this change they cannot resume until you change it back.');
    // A held-out example is no part of their training set.
    expect(detail({ ...flagged, split: 'eval' } as ExampleRow)).not.toContain('inclusion-paused-note');
  });

  it('names only the runs whose own examples the change reaches, as the worker finds them', async () => {
    // It named every run of the dataset that could resume, though a change after a run's own
    // examples (one included later, HDR's samples) leaves its resume going on.
    useRuns.setState({ runs: [run('r1', 'ssb r8', 'paused'), run('r2', 'after', 'paused')], checkpointSteps: new Map([['r1', 2], ['r2', 2]]) });
    const change = { change: { exampleId: 'bad' }, included: true };
    reply = async (kind) => (kind === 'runsReached' ? { runIds: ['r2'] } : undefined);
    await loadResumableRunsOn('d', change);
    expect(requests).toEqual([{ kind: 'runsReached', payload: { datasetId: 'd', ...change } }]);
    let html = text(detail());
    expect(html).toContain('The run “after” resumes over this dataset’s training examples as they are now');
    expect(html).not.toContain('ssb r8');
    // None reached: no note.
    useDatasetAnswers.setState({ answers: {} });
    reply = async () => ({ runIds: [] });
    await loadResumableRunsOn('d', change);
    expect(detail()).not.toContain('inclusion-paused-note');
    // The question for many at once asks of its own change.
    requests.length = 0;
    reply = async () => ({ runIds: ['r1'] });
    const shown = { selection: { shown: { search: 'book', rule: null, use: 'all' as const } }, included: false };
    await loadResumableRunsOn('d', { change: { selection: shown.selection }, included: false });
    expect(requests).toEqual([{ kind: 'runsReached', payload: { datasetId: 'd', change: { selection: shown.selection }, included: false } }]);
    // The table shows what the question was asked for (a question about another filter is not shown).
    useExampleBrowse.setState({ datasetId: 'd', use: 'all', search: 'book' });
    useDatasets.getState().askToSetManyIncluded({ datasetId: 'd', from: 'table', selection: shown.selection, included: false, count: 40, what: 'the 40 examples shown' });
    // On show under the filter it was asked for (a question about the examples shown is that filter's).
    useExampleBrowse.setState({ datasetId: 'd', search: 'book', use: 'all' });
    html = text(renderNow(createElement(ExampleBrowser, { dataset, ruleFilter: null, onClearRule: () => undefined })));
    expect(html).toContain('The run “ssb r8” resumes over');
    expect(html).not.toContain('“after”');
  });

  it('asks the worker, then reads the dataset list again so every view stamped by it asks again', async () => {
    stored.datasets = [{ ...dataset, inclusionEdits: 1 }];
    await useDatasets.getState().setExampleIncluded('d', 'bad', true);
    expect(requests).toEqual([{ kind: 'setExampleIncluded', payload: { datasetId: 'd', exampleId: 'bad', included: true } }]);
    const now = useDatasets.getState().datasets[0];
    expect(datasetStamp(now)).not.toBe(datasetStamp(dataset));
    expect(useDatasets.getState().inclusion).toBeNull();
  });

  it('says a change that was saved was saved, when the dataset list cannot be read again after it', async () => {
    stored.listError = new Error('the database connection is closing');
    await useDatasets.getState().setExampleIncluded('d', 'bad', true);
    expect(useDatasets.getState().inclusion).toBeNull();
    expect(text(detail())).not.toContain('Could not include');
    expect(useDatasets.getState().error).toBe('Included example bad (saved), but the dataset list could not be read again: the database connection is closing. The counts shown may be out of date; reload the page to see them.');
    // Many at once: the same words, and the promise the page does not wait on resolves.
    useDatasets.setState({ error: null });
    useDatasets.getState().askToSetManyIncluded({ datasetId: 'd', from: 'table', selection: { shown: { search: 'book', rule: null, use: 'used' } }, included: false, count: 40, what: 'the 40 examples shown' });
    await expect(useDatasets.getState().confirmSetManyIncluded()).resolves.toBeUndefined();
    expect(useDatasets.getState().manyInclusion).toBeNull();
    expect(useDatasets.getState().error).toBe('Left out the 40 examples shown (saved), but the dataset list could not be read again: the database connection is closing. The counts shown may be out of date; reload the page to see them.');
  });

  it('shows the worker’s refusal with the example it was for, and the example as it still is', async () => {
    reply = async () => {
      throw new Error('the training run “sft” in another tab of the studio is working on this dataset; include or leave out examples once it ends there, or pause, stop or cancel it there first');
    };
    await useDatasets.getState().setExampleIncluded('d', 'bad', true);
    const html = detail();
    expect(text(html)).toContain('Could not include example bad: the training run “sft” in another tab of the studio is working on this dataset; include or leave out examples once it ends there, or pause, stop or cancel it there first. It is still left out.');
    // Another example's detail does not show it, nor the example of the same id in another
    // dataset (the same file imported twice, a snapshot's copy).
    expect(text(detail({ ...flagged, id: 'other' }))).not.toContain('Could not include');
    expect(text(detail({ ...flagged, datasetId: 'copy' }))).not.toContain('Could not include');
  });

  it('says, in words, that the dataset was deleted in another tab, not what the example still is', async () => {
    stored.datasets = [];
    reply = async () => {
      throw new Error('no dataset "d" (it may have been deleted)');
    };
    await useDatasets.getState().setExampleIncluded('d', 'bad', true);
    expect(useDatasets.getState().error).toBe('Could not include example bad: the dataset “tools.jsonl” is not in the studio any more (deleted, perhaps in another tab).');
    expect(text(detail())).not.toContain('It is still');
    // The list follows: the dataset is not offered any more.
    expect(useDatasets.getState().selectedId).toBeNull();
    // Many at once, the same.
    useDatasets.setState({ datasets: [dataset], selectedId: 'd', error: null });
    useDatasets.getState().askToSetManyIncluded({ datasetId: 'd', from: 'table', selection: { shown: { search: 'book', rule: null, use: 'used' } }, included: false, count: 40, what: 'the 40 examples shown' });
    await useDatasets.getState().confirmSetManyIncluded();
    expect(useDatasets.getState().error).toBe('Could not leave out the 40 examples shown: the dataset “tools.jsonl” is not in the studio any more (deleted, perhaps in another tab).');
    expect(useDatasets.getState().manyInclusion).toBeNull();
  });

  it('says a held-out example whose change was refused is still evaluated, not trained on', async () => {
    reply = async () => {
      throw new Error('a job in another tab of the studio (training, evaluating or HDR) is working on this dataset');
    };
    const heldOut = { ...flagged, split: 'eval', included: 1, quality: { passed: true, failures: [] } } as ExampleRow;
    await useDatasets.getState().setExampleIncluded('d', 'bad', false);
    const html = text(detail(heldOut));
    expect(html).toContain('Could not leave out example bad: a job in another tab of the studio (training, evaluating or HDR) is working on this dataset. It is still evaluated (held out).');
    expect(html).not.toContain('still trained on');
    // While one saves, only its own toggle says so.
    reply = () => new Promise(() => undefined);
    void useDatasets.getState().setExampleIncluded('d', 'bad', true);
    expect(toggle(detail())).toContain('Saving…');
    expect(toggle(detail({ ...flagged, datasetId: 'copy' }))).not.toContain('Saving…');
  });

  it('holds another example’s toggle, saying why, while one saves (a click there did nothing)', async () => {
    reply = () => new Promise(() => undefined);
    void useDatasets.getState().setExampleIncluded('d', 'bad', true);
    const other = detail({ ...flagged, id: 'other' });
    expect(toggle(other)).toContain('aria-disabled="true"');
    expect(text(other)).toContain('Example bad is being saved: change this one once it is.');
    expect(toggle(detail())).toContain('Saving…');
  });
});

describe('the example table', () => {
  const page: ExamplePage = {
    offset: 0,
    matching: 2,
    used: 1,
    total: 3,
    rows: [
      { id: 'bad', toolNames: [], query: 'Book it', calls: [{ name: 'book', arguments: {} }], passed: false, included: false, failedRules: ['call_names_known_tool'] },
      { id: 'ok', toolNames: ['book'], query: 'Book it', calls: [{ name: 'book', arguments: {} }], passed: false, included: true, failedRules: ['call_names_known_tool'] },
    ],
  };

  it('marks left-out examples in words, and asks the worker for the use chosen', async () => {
    useExampleBrowse.setState({ datasetId: 'd', use: 'flagged' });
    reply = async () => page;
    await loadExamplePage(dataset, { search: '', rule: null, use: 'flagged', offset: 0, limit: 25 });
    expect(requests).toEqual([{ kind: 'examplePage', payload: { datasetId: 'd', search: '', rule: null, use: 'flagged', offset: 0, limit: 25 } }]);
    const html = renderNow(createElement(ExampleBrowser, { dataset, ruleFilter: null, onClearRule: () => undefined }));
    expect(html).toContain('<option value="flagged" selected="">flagged</option>');
    expect(html).toContain('<tr class="left-out">');
    expect(html).toContain('<td data-testid="example-used" class="muted">left out</td>');
    expect(html).toContain('<td data-testid="example-used" class="">yes (included)</td>');
    expect(html).toMatch(/data-testid="example-count">2 of 3</);
  });

  it('is pointed to from the quality report when the check flagged any example', () => {
    const quality = { tools_valid_schema: 0, call_names_known_tool: 1, required_args_present: 0, arg_types_match: 0, no_unknown_args: 0, reasoning_as_promised: 0, target_json_parses: 0, passed: 2, total: 3, noted: 0 };
    const counts = { quality, examples: 3, train: 3, heldOut: 0, included: 2, trainIncluded: 2 };
    const report = (passed: number) => renderNow(createElement(QualityReportView, { counts: { ...counts, quality: { ...quality, passed } }, dataset, onShowFailing: () => undefined, activeRule: null }));
    expect(text(report(2))).toContain('Open one in the examples table to train on it anyway (or leave out one that passes); its Show filter lists the examples left out.');
    expect(report(3)).not.toContain('quality-inclusion');
  });
});

describe('many examples at once', () => {
  const quality = { tools_valid_schema: 0, call_names_known_tool: 0, required_args_present: 1, arg_types_match: 0, no_unknown_args: 0, reasoning_as_promised: 301, target_json_parses: 0, passed: 10, total: 311, noted: 0 };
  const counts = { quality, examples: 311, train: 300, heldOut: 11, included: 10, trainIncluded: 9, flaggedOnly: { reasoning_as_promised: { examples: 300, used: 0 }, required_args_present: { examples: 0, used: 0 } } };
  const report = (c = counts) => renderNow(createElement(QualityReportView, { counts: c, dataset, onShowFailing: () => undefined, activeRule: null }));
  const button = (html: string, testId: string) => html.match(new RegExp(`<button[^>]*data-testid="${testId}"[^>]*>[^<]*</button>`))?.[0];
  const ask = { datasetId: 'd', from: 'report' as const, selection: { flaggedOnlyBy: 'reasoning_as_promised' as const }, included: true, count: 300, what: 'the 300 examples flagged only by “reasoning present as the format promises”' };

  it('offers, per rule, to train on the examples that rule alone flagged, and to leave them out again once any is used', () => {
    let html = report();
    expect(button(html, 'include-flagged-reasoning_as_promised')).toContain('>Train on the 300 examples flagged only by this rule<');
    expect(button(html, 'include-flagged-reasoning_as_promised')).not.toContain('aria-disabled');
    expect(button(html, 'leave-out-flagged-reasoning_as_promised')).toContain('aria-disabled="true"');
    // A rule that flags no example alone (the one it flags breaks another rule too) offers nothing.
    expect(html).not.toContain('include-flagged-required_args_present');
    html = report({ ...counts, flaggedOnly: { ...counts.flaggedOnly, reasoning_as_promised: { examples: 300, used: 300 } } });
    expect(button(html, 'include-flagged-reasoning_as_promised')).toContain('aria-disabled="true"');
    expect(button(html, 'leave-out-flagged-reasoning_as_promised')).toContain('>Leave them out again<');
    expect(button(html, 'leave-out-flagged-reasoning_as_promised')).not.toContain('aria-disabled');
    expect(text(html)).toContain('all used');
  });

  it('keeps a rule’s button that asked, off with its reason, once the change leaves it nothing to change: the keyboard focus returned to it', () => {
    // 100 of the 300 used, "Leave them out again", confirmed: none is used now.
    const html = report({ ...counts, flaggedOnly: { ...counts.flaggedOnly, reasoning_as_promised: { examples: 300, used: 0 } } });
    const leaveOut = button(html, 'leave-out-flagged-reasoning_as_promised');
    expect(leaveOut).toContain('id="many-inclusion-report-reasoning_as_promised-leave-out"');
    expect(leaveOut).toContain('aria-disabled="true"');
    expect(leaveOut).toContain('title="All 300 examples flagged only by “reasoning present as the format promises” are left out already."');
    // And the other way: all used after "Train on the 200 of them left out".
    const include = button(report({ ...counts, flaggedOnly: { ...counts.flaggedOnly, reasoning_as_promised: { examples: 300, used: 300 } } }), 'include-flagged-reasoning_as_promised');
    expect(include).toContain('id="many-inclusion-report-reasoning_as_promised-include"');
    expect(include).toContain('title="All 300 examples flagged only by “reasoning present as the format promises” are used already."');
  });

  it('asks first, saying how many and naming the paused runs whose resume the change would refuse', () => {
    useRuns.setState({ runs: [run('r1', 'ssb r8', 'paused')], checkpointSteps: new Map([['r1', 2]]) });
    useDatasets.getState().askToSetManyIncluded(ask);
    const html = report();
    expect(text(html)).toContain('Use the 300 examples flagged only by “reasoning present as the format promises”? Each is trained on, or evaluated where the split holds it out, whatever the quality check said.');
    expect(text(html)).toContain('The run “ssb r8” resumes over this dataset’s training examples as they are now: after this change it cannot resume until you change it back.');
    expect(text(html)).toContain('Use 300');
    expect(requests).toEqual([]);
    // The table's question is not the report's.
    const table = renderNow(createElement(ExampleBrowser, { dataset, ruleFilter: null, onClearRule: () => undefined }));
    expect(table).not.toContain('many-inclusion-question');
  });

  it('is held, with the reason, while a job works on the dataset', () => {
    useJobs.setState({ running: { kind: 'evaluate', progress: null, datasetId: 'd' } });
    expect(button(report(), 'include-flagged-reasoning_as_promised')).toContain('aria-disabled="true"');
    useDatasets.getState().askToSetManyIncluded(ask);
    expect(text(report())).toContain('An evaluation is running on this dataset: include or leave out examples once it ends, or pause, stop or cancel it first.');
  });

  // The worker writes either under the dataset's lock: a second change meanwhile is refused there as
  // if "a job in another tab of the studio (training, evaluating or HDR)" worked on the dataset.
  it('holds the example toggles of the dataset, saying why, while many of its examples are saved', async () => {
    reply = () => new Promise(() => undefined);
    useDatasets.getState().askToSetManyIncluded(ask);
    void useDatasets.getState().confirmSetManyIncluded();
    const html = detail();
    expect(toggle(html)).toContain('aria-disabled="true"');
    expect(text(html)).toContain('Including the 300 examples flagged only by “reasoning present as the format promises”: change this one once that is saved.');
    // Another dataset's examples are not held by it.
    expect(toggle(detail({ ...flagged, datasetId: 'copy' }))).toContain('aria-disabled="false"');
    await useDatasets.getState().setExampleIncluded('d', 'bad', true);
    expect(requests.map((r) => r.kind)).toEqual(['setExamplesIncluded']);
  });

  it('holds the many-examples buttons and the question’s confirmation, saying why, while one example of the dataset is saved', async () => {
    reply = () => new Promise(() => undefined);
    void useDatasets.getState().setExampleIncluded('d', 'bad', true);
    expect(button(report(), 'include-flagged-reasoning_as_promised')).toContain('aria-disabled="true"');
    useDatasets.getState().askToSetManyIncluded(ask);
    const html = report();
    expect(html).toMatch(/<button[^>]*aria-disabled="true"[^>]*>Use 300<\/button>/);
    expect(text(html)).toContain('Example bad is being saved: change these once it is.');
    await useDatasets.getState().confirmSetManyIncluded();
    expect(requests.map((r) => r.kind)).toEqual(['setExampleIncluded']);
    expect(useDatasets.getState().manyInclusion?.stage).toBe('asking');
  });

  it('sends one request with the count confirmed, shows its progress, then reads the dataset list again', async () => {
    stored.datasets = [{ ...dataset, inclusionEdits: 1 }];
    let progress!: (p: { label: string; done: number; total: number }) => void;
    let answer!: () => void;
    const engine = await import('../../src/state/engine.ts');
    vi.spyOn(engine, 'engineClient').mockReturnValue({
      request: (kind: string, payload: unknown, onProgress?: (p: { label: string; done: number; total: number }) => void) => {
        requests.push({ kind, payload });
        progress = onProgress!;
        return kind === 'setExamplesIncluded' ? new Promise((r) => (answer = () => r({ changed: 300 }))) : Promise.resolve(undefined);
      },
      onEvent: () => () => undefined,
    } as unknown as ReturnType<typeof engine.engineClient>);
    useDatasets.getState().askToSetManyIncluded(ask);
    const saving = useDatasets.getState().confirmSetManyIncluded();
    expect(requests).toEqual([{ kind: 'setExamplesIncluded', payload: { datasetId: 'd', selection: { flaggedOnlyBy: 'reasoning_as_promised' }, included: true, expect: 300 } }]);
    // Reading the dataset's examples, then writing: the bar says which (both filled it as "Including").
    progress({ label: 'reading examples', done: 2000, total: 6000 });
    expect(text(report())).toContain('Including the 300 examples flagged only by “reasoning present as the format promises”: reading examples');
    progress({ label: 'saving 300 examples', done: 100, total: 300 });
    expect(text(report())).toContain('Including the 300 examples flagged only by “reasoning present as the format promises”: saving 300 examples');
    expect(button(report(), 'include-flagged-reasoning_as_promised')).toContain('aria-disabled="true"');
    answer();
    await saving;
    expect(useDatasets.getState().manyInclusion).toBeNull();
    expect(datasetStamp(useDatasets.getState().datasets[0])).not.toBe(datasetStamp(dataset));
    vi.restoreAllMocks();
  });

  it('shows the worker’s refusal, saying nothing changed', async () => {
    reply = async () => {
      throw new Error('the examples chosen changed since they were counted (300 then, 299 now): look at the new count and try again');
    };
    useDatasets.getState().askToSetManyIncluded(ask);
    await useDatasets.getState().confirmSetManyIncluded();
    expect(text(report())).toContain('Could not include the 300 examples flagged only by “reasoning present as the format promises”: the examples chosen changed since they were counted (300 then, 299 now): look at the new count and try again. Nothing was changed.');
  });

  it('offers, with a filter on, to leave out or include every example it shows, every page of it', async () => {
    useExampleBrowse.setState({ datasetId: 'd', use: 'used', search: 'book' });
    const page: ExamplePage = { offset: 0, matching: 40, used: 40, total: 311, rows: [{ id: 'ok', toolNames: ['book'], query: 'Book it', calls: [], passed: true, included: true, failedRules: [] }] };
    reply = async () => page;
    await loadExamplePage(dataset, { search: 'book', rule: null, use: 'used', offset: 0, limit: 25 });
    let html = renderNow(createElement(ExampleBrowser, { dataset, ruleFilter: null, onClearRule: () => undefined }));
    expect(button(html, 'leave-out-shown')).toContain('>Leave out the 40 shown<');
    // Every example shown is used: including them would do nothing.
    expect(html).not.toContain('include-shown');
    useDatasets.getState().askToSetManyIncluded({ datasetId: 'd', from: 'table', selection: { shown: { search: 'book', rule: null, use: 'used' } }, included: false, count: 40, what: 'the 40 examples shown' });
    html = renderNow(createElement(ExampleBrowser, { dataset, ruleFilter: null, onClearRule: () => undefined }));
    expect(text(html)).toContain('Leave out the 40 examples shown? None of them is trained on or evaluated until you include it again.');
    // No filter: nothing to act on at once.
    useExampleBrowse.setState({ datasetId: 'd', use: 'all', search: '' });
    expect(renderNow(createElement(ExampleBrowser, { dataset, ruleFilter: null, onClearRule: () => undefined }))).not.toContain('leave-out-shown');
  });

  it('counts, of the examples a filter shows, those the change would change, and asks the worker for those', async () => {
    // "book" shows 40 examples, 30 of them used: including them includes 10, leaving them out leaves out 30.
    useExampleBrowse.setState({ datasetId: 'd', use: 'all', search: 'book' });
    const page = (used: number): ExamplePage => ({ offset: 0, matching: 40, used, total: 311, rows: [] });
    reply = async () => page(30);
    await loadExamplePage(dataset, { search: 'book', rule: null, use: 'all', offset: 0, limit: 25 });
    const table = () => renderNow(createElement(ExampleBrowser, { dataset, ruleFilter: null, onClearRule: () => undefined }));
    let html = table();
    expect(button(html, 'include-shown')).toContain('>Include the 10 left out of the 40 shown<');
    expect(button(html, 'leave-out-shown')).toContain('>Leave out the 30 used of the 40 shown<');
    // What each button asks for (the count the worker must find, the examples in words).
    const asks = shownInclusionAsks('d', { search: 'book', rule: null, use: 'all' }, { matching: 40, used: 30 });
    const pressed = (included: boolean) => {
      useDatasets.getState().askToSetManyIncluded(included ? asks.include : asks.leaveOut);
      return useDatasets.getState().manyInclusion!;
    };
    expect(pressed(true)).toMatchObject({ included: true, count: 10, what: 'the 10 examples left out of the 40 shown' });
    html = table();
    expect(text(html)).toContain('Use the 10 examples left out of the 40 shown?');
    expect(text(html)).toContain('Use 10');
    expect(pressed(false)).toMatchObject({ included: false, count: 30, what: 'the 30 examples used of the 40 shown' });
    // Every one shown is used: including them would change none, and the button is off.
    useDatasets.setState({ manyInclusion: null });
    useDatasetAnswers.setState({ answers: {} });
    reply = async () => page(40);
    await loadExamplePage(dataset, { search: 'book', rule: null, use: 'all', offset: 0, limit: 25 });
    html = table();
    expect(button(html, 'include-shown')).toContain('aria-disabled="true"');
    expect(button(html, 'include-shown')).toContain('title="All 40 examples shown are used already."');
    expect(button(html, 'include-shown')).toContain('>Include the 0 left out of the 40 shown<');
    expect(button(html, 'leave-out-shown')).toContain('>Leave out the 40 shown<');
    expect(button(html, 'leave-out-shown')).not.toContain('aria-disabled');
  });

  it('counts, of a rule’s examples, those the change would change', () => {
    const html = report({ ...counts, flaggedOnly: { ...counts.flaggedOnly, reasoning_as_promised: { examples: 300, used: 100 } } });
    expect(button(html, 'include-flagged-reasoning_as_promised')).toContain('>Train on the 200 of them left out<');
    const asks = flaggedOnlyAsks('d', 'reasoning_as_promised', { examples: 300, used: 100 });
    expect(asks.include).toMatchObject({ included: true, count: 200, what: 'the 200 examples left out of the 300 flagged only by “reasoning present as the format promises”' });
    expect(asks.leaveOut).toMatchObject({ included: false, count: 100, what: 'the 100 examples used of the 300 flagged only by “reasoning present as the format promises”' });
  });

  it('keeps the button that asked, off, once the change leaves its filter showing none: the keyboard focus returned to it', async () => {
    // "Show: left out", "Include the 12 shown", confirmed: the filter now shows none.
    useExampleBrowse.setState({ datasetId: 'd', use: 'left-out', search: '' });
    reply = async () => ({ offset: 0, matching: 0, used: 0, total: 311, rows: [] }) satisfies ExamplePage;
    await loadExamplePage(dataset, { search: '', rule: null, use: 'left-out', offset: 0, limit: 25 });
    const html = renderNow(createElement(ExampleBrowser, { dataset, ruleFilter: null, onClearRule: () => undefined }));
    const include = button(html, 'include-shown');
    expect(include).toContain('id="many-inclusion-table-shown-include"');
    expect(include).toContain('aria-disabled="true"');
    expect(include).toContain('title="No example is shown."');
  });

  it('does not ask about "the examples shown" under another filter than the one they were counted for', async () => {
    useExampleBrowse.setState({ datasetId: 'd', use: 'used', search: 'book' });
    reply = async () => ({ offset: 0, matching: 40, used: 40, total: 311, rows: [] }) satisfies ExamplePage;
    await loadExamplePage(dataset, { search: 'book', rule: null, use: 'used', offset: 0, limit: 25 });
    const table = () => renderNow(createElement(ExampleBrowser, { dataset, ruleFilter: null, onClearRule: () => undefined }));
    useDatasets.getState().askToSetManyIncluded({ datasetId: 'd', from: 'table', selection: { shown: { search: 'book', rule: null, use: 'used' } }, included: false, count: 40, what: 'the 40 examples shown' });
    expect(table()).toContain('many-inclusion-question');
    // The user searched for something else (a click, past the question): its "Leave out 40" would
    // leave out the 40 "book" examples while the table shows others.
    useExampleBrowse.setState({ search: 'flight' });
    expect(text(table())).not.toContain('Leave out the 40 examples shown?');
    useExampleBrowse.setState({ search: 'book', use: 'all' });
    expect(table()).not.toContain('many-inclusion-question');
    // Back on the filter it was asked for, it is that filter's question again.
    useExampleBrowse.setState({ search: 'book', use: 'used' });
    expect(table()).toContain('many-inclusion-question');
  });
});

// A wrong label fixed by hand: the detail's editor shows the answer as it trains, sends what the
// boxes hold to the worker, keeps the draft with the refusal's words, and offers the imported answer
// back; it is held as the toggle is, and one example's typing is never dropped for another's.
describe('the example detail’s answer editor', () => {
  const editButton = (html: string) => html.match(/<button[^>]*data-testid="edit-answer"[^>]*>/)![0];
  const key = { datasetId: 'd', exampleId: 'bad' };
  beforeEach(() => useAnswerEdit.setState({ edit: null, done: null, restoring: null }));

  it('shows the answer in the boxes, saves what they hold, and says what the check made of it', async () => {
    let html = detail();
    expect(editButton(html)).toContain('aria-disabled="false"');
    expect(html).not.toContain('answer-form');
    useAnswerEdit.getState().start(key, answerDraft(flagged.example.target));
    html = detail();
    expect(html).toContain('data-testid="answer-form"');
    expect(html).toContain('[\n  {&quot;name&quot;: &quot;book&quot;, &quot;arguments&quot;: {}}\n]</textarea>');
    expect(text(html)).toContain('As the model writes them: a JSON list');
    useAnswerEdit.getState().change({ calls: '[{"name": "book_table", "arguments": {}}]' });
    stored.datasets = [{ ...dataset, fingerprint: 'sha256:cd' }];
    reply = async (kind) => (kind === 'saveExampleAnswer' ? { included: true, edited: true, samples: { leftOut: 2, usedAgain: 0 } } : undefined);
    await useAnswerEdit.getState().save();
    expect(requests).toEqual([{ kind: 'saveExampleAnswer', payload: { datasetId: 'd', exampleId: 'bad', answer: { reasoning: '', calls: '[{"name": "book_table", "arguments": {}}]', content: '' } } }]);
    // The list read again: the example on show is read again with it.
    expect(useDatasets.getState().datasets[0].fingerprint).toBe('sha256:cd');
    html = text(detail());
    expect(html).toContain('Saved: it passes the quality check and is used. 2 HDR samples of it answer otherwise: left out.');
    expect(html).not.toContain('Save the answer');
  });

  it('keeps the draft with the worker’s words when the answer is refused', async () => {
    useAnswerEdit.getState().start(key, answerDraft(flagged.example.target));
    useAnswerEdit.getState().change({ calls: 'book it' });
    reply = async () => {
      throw new Error('the calls box holds no call ("book it"): write them as a JSON list');
    };
    await useAnswerEdit.getState().save();
    const html = detail();
    expect(text(html)).toContain('Not saved: the calls box holds no call (&quot;book it&quot;): write them as a JSON list.');
    expect(html).toContain('>book it</textarea>');
  });

  it('says an edited answer is the user’s, with the dataset’s own, and puts that back', async () => {
    const edited = { ...flagged, included: 1, example: { ...flagged.example, target: { calls: [{ name: 'book_table', arguments: { seats: 2 } }] } }, original: flagged.example, editedAt: 9 } as ExampleRow;
    expect(text(detail(edited))).toContain('You edited this answer. The dataset’s own: book().');
    // What else the edit changed is said too.
    const { importedAnswerText } = await import('../../src/ui/dataset/ExampleAnswerEditor.tsx');
    expect(importedAnswerText({ calls: [], content: 'No.', reasoning: 'r' }, { calls: [{ name: 'f', arguments: {} }], reasoning: 'r' })).toBe('no call, with the text “No.”');
    expect(importedAnswerText({ calls: [{ name: 'f', arguments: { x: 5 } }], wholeFloats: [[0, 'x']] }, { calls: [], content: 'Hi', reasoning: 'new' })).toBe('f(x=5.0), with no text, no reasoning');
    reply = async () => ({ included: false, edited: false, samples: { leftOut: 0, usedAgain: 1 } });
    await useAnswerEdit.getState().restore(key);
    expect(requests[0]).toEqual({ kind: 'saveExampleAnswer', payload: { datasetId: 'd', exampleId: 'bad', answer: 'imported' } });
    expect(text(detail())).toContain('The imported answer is back: the quality check flags it (why, above), so it is left out until that is fixed. 1 HDR sample of it answers as it does now: used again.');
  });

  it('is held while a job works on the dataset, and while another example’s answer is being edited', () => {
    useJobs.setState({ running: { kind: 'evaluate', progress: null, datasetId: 'd' } });
    let html = detail();
    expect(editButton(html)).toContain('aria-disabled="true"');
    expect(text(html)).toContain('An evaluation is running on this dataset: edit its examples once it ends, or pause, stop or cancel it first.');
    useJobs.setState({ running: null });
    // Another example's edit with typing in it holds this one's; one opened and left as it was does not.
    useAnswerEdit.getState().start({ datasetId: 'd', exampleId: 'other' }, { reasoning: '', calls: '[]', content: '' });
    expect(editButton(detail())).toContain('aria-disabled="false"');
    useAnswerEdit.getState().change({ reasoning: 'typed' });
    html = detail();
    expect(editButton(html)).toContain('aria-disabled="true"');
    expect(text(html)).toContain('The answer of example other is being edited: save or cancel that edit first.');
    useAnswerEdit.getState().start(key, answerDraft(flagged.example.target));
    expect(useAnswerEdit.getState().edit?.exampleId).toBe('other');
  });

  it('warns that a paused run owning the example could not resume after the edit', () => {
    useRuns.setState({ runs: [run('r1', 'ssb r8', 'paused')], checkpointSteps: new Map([['r1', 2]]) });
    expect(detail()).not.toContain('answer-paused-note');
    useAnswerEdit.getState().start(key, answerDraft(flagged.example.target));
    expect(text(detail())).toContain('The run “ssb r8” resumes over this dataset’s training examples as they are now: after this edit it cannot resume until you restore the imported answer.');
  });
});
