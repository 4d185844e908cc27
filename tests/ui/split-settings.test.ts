// Splitting a stored dataset again from the quality report: the share held out and the seed, asked
// of the worker at once for a dataset no run trained on, and after a question naming the runs that
// could no longer resume or train on for one that has; held while a job reads the dataset; a
// refusal says the split is as it was; done, the dataset list is read again and every view stamped
// by it (counts, fits, pages) asks again, the split being part of the stamp.
// Rendered with react-dom/server reading the stores' current state; the worker is a request log.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import type { DatasetRow } from '../../src/state/queries.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const requests: Array<{ kind: string; payload: unknown }> = [];
let reply: (kind: string) => Promise<unknown> = async () => undefined;
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: (kind: string, payload: unknown) => (requests.push({ kind, payload }), reply(kind)),
    onEvent: () => () => undefined,
  }),
}));
const stored = vi.hoisted(() => ({ datasets: [] as unknown[] }));
vi.mock('../../src/state/queries.ts', async (importOriginal) => ({ ...(await importOriginal<object>()), listDatasets: async () => stored.datasets }));
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useResplit, splitProblem } = await import('../../src/state/resplitStore.ts');
const { datasetStamp } = await import('../../src/state/exampleRows.ts');
const { QualityReportView } = await import('../../src/ui/dataset/QualityReportView.tsx');

const dataset = { id: 'd', name: 'tools.jsonl', createdAt: 5, files: [], exampleCount: 150, fingerprint: 'sha256:ab', split: { seed: 1234, evalFraction: 0.1, by: 'question' }, issues: [], issueCount: 0 } as DatasetRow;
const quality = { tools_valid_schema: 0, call_names_known_tool: 0, required_args_present: 0, arg_types_match: 0, no_unknown_args: 0, reasoning_as_promised: 0, target_json_parses: 0, passed: 150, total: 150, noted: 0 };
const counts = { quality, examples: 150, train: 136, heldOut: 14, included: 150, trainIncluded: 136, flaggedOnly: {} };
const run = (id: string, name: string) => ({ id, name, datasetId: 'd', kind: 'train', status: 'paused', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG }) as StoredRun;
const text = (html: string) => html.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ');
const report = (d = dataset) => renderNow(createElement(QualityReportView, { counts, dataset: d, onShowFailing: () => undefined, activeRule: null }));
const settle = () => new Promise((r) => setTimeout(r, 0));

const initial = { runs: useRuns.getState(), jobs: useJobs.getState(), datasets: useDatasets.getState(), resplit: useResplit.getState() };
beforeEach(() => {
  requests.length = 0;
  reply = async () => undefined;
  stored.datasets = [dataset];
  useRuns.setState(initial.runs, true);
  useJobs.setState(initial.jobs, true);
  useResplit.setState(initial.resplit, true);
  useDatasets.setState({ ...initial.datasets, datasets: [dataset], selectedId: 'd' }, true);
});

describe('splitting a dataset again', () => {
  it('is offered under the split line, with the settings the dataset has, and off until one changes', () => {
    const html = report();
    expect(text(html)).toContain('Split it again: now 10% held out (seed 1234)');
    expect(html).toMatch(/id="split-percent"[^>]*value="10"/);
    expect(html).toMatch(/id="split-seed"[^>]*value="1234"/);
    expect(html).toMatch(/<button[^>]*data-testid="split-again"[^>]*aria-disabled="true"/);
    expect(text(html)).toContain('These are the settings it is split with now.');
  });

  it('offers a dataset split example by example, as before splits went by question, to split by question with its share and seed', async () => {
    reply = async (kind) => (kind === 'resplitDataset' ? { moved: 4, heldOut: 15, examples: 150 } : undefined);
    expect(text(report())).not.toContain('This dataset was split example by example');
    const before = { ...dataset, split: { seed: 1234, evalFraction: 0.1 } };
    const html = report(before);
    expect(text(html)).toContain('Split it again: now 10% held out example by example (seed 1234)');
    expect(text(html)).toContain('This dataset was split example by example, before splits kept the examples asking the same question together');
    expect(html).toMatch(/<button[^>]*data-testid="split-again"(?![^>]*aria-disabled="true")[^>]*>/);
    press('Split again');
    await settle();
    expect(requests).toEqual([{ kind: 'resplitDataset', payload: { datasetId: 'd', split: { seed: 1234, evalFraction: 0.1, by: 'question' } } }]);
  });

  it('asks the worker at once for a dataset no run trained on, reads the list again, and says what moved', async () => {
    reply = async (kind) => (kind === 'resplitDataset' ? { moved: 19, heldOut: 31, examples: 150 } : undefined);
    const resplit = { ...dataset, split: { seed: 7, evalFraction: 0.2, by: 'question' as const } };
    stored.datasets = [resplit];
    await useResplit.getState().askToResplit('d', { seed: 7, evalFraction: 0.2, by: 'question' as const });
    expect(requests).toEqual([{ kind: 'resplitDataset', payload: { datasetId: 'd', split: { seed: 7, evalFraction: 0.2, by: 'question' as const } } }]);
    // The list read again holds the new split: every view stamped by the dataset asks again.
    expect(useDatasets.getState().datasets[0].split).toEqual({ seed: 7, evalFraction: 0.2, by: 'question' as const });
    expect(datasetStamp(resplit)).not.toBe(datasetStamp(dataset));
    const html = report(resplit);
    expect(text(html)).toContain('Split again: 20% held out (seed 7), 31 of 150 examples held out now; 19 examples changed side.');
    expect(text(html)).toContain('Split it again: now 20% held out (seed 7)');
    expect(html).toMatch(/<details[^>]*data-testid="split-settings"[^>]*open=""/);
  });

  it('asks first for a dataset runs were trained on, naming them, and splits nothing when kept', async () => {
    useRuns.setState({ runs: [run('r1', 'first'), run('r2', 'second'), { ...run('r3', 'other data'), datasetId: 'e' }] });
    await useResplit.getState().askToResplit('d', { seed: 1234, evalFraction: 0.25, by: 'question' as const });
    expect(requests).toEqual([]);
    const html = report();
    expect(text(html)).toContain(
      'Split it again, 25% held out (seed 1234)? 2 runs (“first”, “second”) were trained on its split as it is: they keep their adapter, curves and evaluations, but cannot resume or train on any more (their training examples change), and evaluations from now on ask other held-out examples than earlier ones did.',
    );
    expect(html).toMatch(/<button[^>]*data-testid="split-again"[^>]*aria-disabled="true"/);
    press('Keep the split');
    expect(useResplit.getState().asked).toBeNull();
    expect(requests).toEqual([]);
    // Confirmed, it is asked of the worker.
    reply = async (kind) => (kind === 'resplitDataset' ? { moved: 25, heldOut: 37, examples: 150 } : undefined);
    await useResplit.getState().askToResplit('d', { seed: 1234, evalFraction: 0.25, by: 'question' as const });
    renderNow(createElement(QualityReportView, { counts, dataset, onShowFailing: () => undefined, activeRule: null }));
    press('Split again'); // the question's, rendered after the form's
    await settle();
    await settle();
    expect(requests.map((r) => r.kind)).toContain('resplitDataset');
  });

  it('says a refusal, with the split as it was', async () => {
    reply = async (kind) => {
      if (kind === 'resplitDataset') throw new Error('the HDR run “h” is working on this dataset; split it again once it ends, or pause, stop or cancel it first');
      return undefined;
    };
    await useResplit.getState().askToResplit('d', { seed: 9, evalFraction: 0.1 });
    expect(text(report())).toContain('Could not split “tools.jsonl” again: the HDR run “h” is working on this dataset; split it again once it ends, or pause, stop or cancel it first. Its split is as it was.');
  });

  it('is held while a job reads the dataset, and takes only a share from 1% to 50% and a 32-bit seed', () => {
    useJobs.setState({ running: { kind: 'evaluate', datasetId: 'd', progress: null } as never });
    expect(text(report())).toMatch(/is running on this dataset: split it again once it ends, or pause, stop or cancel it first\./);
    expect(splitProblem(0.5, 1)).toBe('the share held out must be from 1% to 50%, got 0.5%');
    expect(splitProblem(60, 1)).toBe('the share held out must be from 1% to 50%, got 60%');
    expect(splitProblem(20, -1)).toMatch(/^the split's seed must be a whole number from 0 to 4,294,967,295, got -1$/);
    expect(splitProblem(2.5, 4294967295)).toBeNull();
  });
});
