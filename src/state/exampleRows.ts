// A stored dataset as the Dataset and Playground panels show it, asked of the worker (which reads the
// rows off the page's thread, src/worker/datasetBrowse.ts): its summary, one page of its examples for
// a search and a quality rule, the playground's tools and held-out questions, and one example by id
// (read here: one row). The page never holds a whole dataset's rows.
// Answers are kept in a small store (the last few dozen, by request), so a panel shown again (a tab
// switch unmounts it) renders at once; it asks again on mount and the answer replaces the kept one.
// Answers are keyed by the dataset's stamp (id, creation, example count, fingerprint, inclusion
// edits): a dataset that changed (HDR's new examples, imported again, an example included or left
// out) is a new key once the dataset list is re-read.
import { useEffect, useRef } from 'react';
import { create } from 'zustand';
import type { DatasetPlayground, DatasetSummary, ExamplePage, ExampleUse, InclusionChange, ProgressInfo, QualityRule } from '../worker/protocol.ts';
import { splitKey } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { exampleRow, type DatasetRow, type ExampleRow } from './queries.ts';

export type { DatasetPlayground, DatasetSummary, ExampleListRow, ExamplePage, ExampleUse, PlaygroundSampleSummary } from '../worker/protocol.ts';

/** What names a dataset's content for the views: a new stamp is a new answer. */
export function datasetStamp(d: Pick<DatasetRow, 'id' | 'createdAt' | 'exampleCount' | 'fingerprint' | 'inclusionEdits' | 'split'>): string {
  // The split too: splitting the dataset again moves examples between training and held out.
  return `${d.id}:${d.createdAt}:${d.exampleCount}:${d.fingerprint}:${d.inclusionEdits ?? 0}:${splitKey(d.split)}`;
}

interface Answer {
  value?: unknown;
  error?: string;
  /** A request for it is under way (`progress`: what the worker said of it so far). */
  asking: boolean;
  progress: ProgressInfo | null;
}

/** Answers kept (each small: a summary, 25 rows, a tool list). */
export const KEPT_ANSWERS = 40;

interface DatasetAnswers {
  /** By request key, oldest first. */
  answers: Record<string, Answer>;
  /** Asks the worker (or IndexedDB, for one row) for `key`'s answer unless a request is under way;
   * a kept answer stays on show until the new one lands. */
  ask(key: string, request: (onProgress: (p: ProgressInfo) => void) => Promise<unknown>, what: string): Promise<void>;
}

export const useDatasetAnswers = create<DatasetAnswers>((set, get) => {
  const put = (key: string, patch: Partial<Answer>) =>
    set(({ answers }) => {
      const { [key]: was, ...rest } = answers;
      const next: Record<string, Answer> = { ...rest, [key]: { ...(was ?? { asking: false, progress: null }), ...patch } };
      const keys = Object.keys(next);
      for (const k of keys.slice(0, Math.max(0, keys.length - KEPT_ANSWERS))) if (!next[k].asking) delete next[k];
      return { answers: next };
    });
  return {
    answers: {},
    async ask(key, request, what) {
      if (get().answers[key]?.asking) return;
      put(key, { asking: true, progress: null, error: undefined });
      try {
        const value = await request((progress) => get().answers[key]?.asking && put(key, { progress }));
        put(key, { value, error: undefined, asking: false, progress: null });
      } catch (err) {
        put(key, { value: undefined, error: `Could not ${what}: ${(err as Error).message}.`, asking: false, progress: null });
      }
    },
  };
});

export interface WorkerAnswer<T> {
  /** The answer for the current key; while it loads, the last answer of the same group (or null). */
  value: T | null;
  /** `value` is the current key's answer. */
  fresh: boolean;
  /** The key `value` answered. */
  valueKey: string | null;
  error: string | null;
  /** While the current key loads for the first time, what the worker reported of it. */
  progress: ProgressInfo | null;
}

/** The answer for `key`, asked for when the key is new and again on mount. While it loads, the last
 * answer of the same `group` stays (a page of the same dataset: the table does not flash empty). */
function useAnswer<T>(key: string | null, group: string | null, request: (onProgress: (p: ProgressInfo) => void) => Promise<T>, what: string): WorkerAnswer<T> {
  const answer = useDatasetAnswers((s) => (key === null ? undefined : s.answers[key]));
  const last = useRef<{ group: string; key: string; value: T } | null>(null);
  useEffect(() => {
    if (key !== null) void useDatasetAnswers.getState().ask(key, request, what);
    // `key` names everything `request` reads.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (key !== null && answer && 'value' in answer && answer.value !== undefined) {
    if (group !== null) last.current = { group, key, value: answer.value as T };
    return { value: answer.value as T, fresh: true, valueKey: key, error: null, progress: null };
  }
  if (answer?.error) return { value: null, fresh: true, valueKey: key, error: answer.error, progress: null };
  const kept = group !== null && last.current?.group === group ? last.current : null;
  return { value: kept?.value ?? null, fresh: false, valueKey: kept?.key ?? null, error: null, progress: answer?.progress ?? null };
}

const summaryKey = (d: DatasetRow) => `summary\u0001${datasetStamp(d)}`;
const summaryRequest = (d: DatasetRow) => (onProgress: (p: ProgressInfo) => void) => engineClient().request('datasetSummary', { datasetId: d.id }, onProgress);

/** Asks for the dataset's summary now (what the Dataset panel shows first). */
export function loadDatasetSummary(dataset: DatasetRow): Promise<void> {
  return useDatasetAnswers.getState().ask(summaryKey(dataset), summaryRequest(dataset), 'read the examples');
}

/** The dataset's quality summary and its split and inclusion counts. While a changed dataset is
 * counted again, its last summary stays on show. */
export function useDatasetSummary(dataset: DatasetRow | null | undefined): WorkerAnswer<DatasetSummary> {
  return useAnswer(dataset ? summaryKey(dataset) : null, dataset?.id ?? null, dataset ? summaryRequest(dataset) : () => Promise.reject(new Error('no dataset')), 'read the examples') as WorkerAnswer<DatasetSummary>;
}

export interface ExamplePageQuery {
  search: string;
  rule: QualityRule | null;
  /** Which examples by their use (absent: every one). */
  use?: ExampleUse;
  offset: number;
  limit: number;
}

/** The filter part of a page's key: pages of one filter share their count. */
const filterKey = (q: ExamplePageQuery) => `${q.rule ?? ''}\u0002${q.use ?? 'all'}\u0002${q.search.trim().toLowerCase()}`;
const pageKey = (d: DatasetRow, q: ExamplePageQuery) => `page\u0001${datasetStamp(d)}\u0001${filterKey(q)}\u0001${q.offset}\u0001${q.limit}`;
const pageRequest = (d: DatasetRow, q: ExamplePageQuery) => () => engineClient().request('examplePage', { datasetId: d.id, search: q.search, rule: q.rule, ...(q.use && q.use !== 'all' && { use: q.use }), offset: q.offset, limit: q.limit });

/** Asks for one page of the dataset's examples now. */
export function loadExamplePage(dataset: DatasetRow, query: ExamplePageQuery): Promise<void> {
  return useDatasetAnswers.getState().ask(pageKey(dataset, query), pageRequest(dataset, query), 'read the examples');
}

/** One page of the dataset's examples matching a search and a rule. `sameFilter`: the value on show
 * (perhaps another page's, while this one loads) counts the current search and rule. */
export function useExamplePage(dataset: DatasetRow, query: ExamplePageQuery): WorkerAnswer<ExamplePage> & { sameFilter: boolean } {
  const key = pageKey(dataset, query);
  const answer = useAnswer(key, `page\u0001${datasetStamp(dataset)}`, pageRequest(dataset, query), 'read the examples');
  const filterPrefix = key.slice(0, key.lastIndexOf('\u0001', key.lastIndexOf('\u0001') - 1) + 1);
  return { ...answer, sameFilter: !!answer.valueKey?.startsWith(filterPrefix) };
}

const playgroundKey = (d: DatasetRow) => `playground\u0001${datasetStamp(d)}`;
const playgroundRequest = (d: DatasetRow) => () => engineClient().request('datasetPlayground', { datasetId: d.id });

/** Asks for what the playground offers from the dataset now. */
export function loadDatasetPlayground(dataset: DatasetRow): Promise<void> {
  return useDatasetAnswers.getState().ask(playgroundKey(dataset), playgroundRequest(dataset), 'read the dataset’s tools');
}

/** What the playground offers from the dataset: its tools and held-out single questions. */
export function useDatasetPlayground(dataset: DatasetRow | null | undefined): WorkerAnswer<DatasetPlayground> {
  return useAnswer(dataset ? playgroundKey(dataset) : null, null, dataset ? playgroundRequest(dataset) : () => Promise.reject(new Error('no dataset')), 'read the dataset’s tools') as WorkerAnswer<DatasetPlayground>;
}

/** A change the Dataset panel is about to make (the worker's runsReached names the runs it reaches). */
export interface AskedChange {
  change: InclusionChange;
  included: boolean;
}

/** Keyed by the dataset's stamp and `runs` (the runs asked about, each with its newest checkpoint
 * step: a run resumed since may own other examples). */
const reachKey = (dataset: DatasetRow, c: AskedChange, runs: string) => `reach\u0001${datasetStamp(dataset)}\u0001${JSON.stringify(c.change)}\u0001${c.included}\u0001${runs}`;
const reachRequest = (dataset: DatasetRow, c: AskedChange) => () => engineClient().request('runsReached', { datasetId: dataset.id, change: c.change, included: c.included }).then((r) => r.runIds);

/** Asks now which training runs of the dataset the change reaches (what the note then names). */
export function loadRunsReached(dataset: DatasetRow, c: AskedChange, runs: string): Promise<void> {
  return useDatasetAnswers.getState().ask(reachKey(dataset, c, runs), reachRequest(dataset, c), 'tell which runs the change would stop resuming');
}

/** The training runs of the dataset whose own examples (the ones a resume goes on over) the change
 * would include or leave out one of, by id; none asked for while `c` or `dataset` is absent. */
export function useRunsReached(dataset: DatasetRow | undefined, c: AskedChange | null, runs: string): WorkerAnswer<string[]> {
  const key = dataset && c ? reachKey(dataset, c, runs) : null;
  return useAnswer(key, null, dataset && c ? reachRequest(dataset, c) : () => Promise.reject(new Error('no change')), 'tell which runs the change would stop resuming');
}

/** One example row by id (the playground's held-out question, checked against its answer); none asked
 * for while `exampleId` is null. */
export function useExampleById(datasetId: string | null, exampleId: string | null): WorkerAnswer<ExampleRow> {
  const key = datasetId !== null && exampleId !== null ? `row\u0001${datasetId}\u0001${exampleId}` : null;
  return useAnswer(key, null, () => exampleRow(datasetId!, exampleId!).then((r) => r ?? null), 'read the example') as WorkerAnswer<ExampleRow>;
}

/** The examples table's search, rule filter and page, with the dataset they page: a page belongs to
 * its filter, so showing a rule's failures (or typing a search) starts at their first page; page 5 of
 * every example, kept, skipped the first hundred failures. Kept here so a tab switch keeps them. */
interface ExampleBrowse {
  datasetId: string | null;
  search: string;
  rule: QualityRule | null;
  /** Which examples by their use (used, left out, flagged); 'all': every one. */
  use: ExampleUse;
  page: number;
  browse(at: { datasetId: string; search: string; rule: QualityRule | null; use?: ExampleUse; page: number }): void;
  /** Filter `datasetId`'s table to a rule's failures (null: every example), keeping its search. */
  showFailing(datasetId: string, rule: QualityRule | null): void;
}

export const useExampleBrowse = create<ExampleBrowse>((set) => ({
  datasetId: null,
  search: '',
  rule: null,
  use: 'all',
  page: 0,
  browse: (at) => set(at),
  showFailing: (datasetId, rule) => set((s) => ({ datasetId, search: s.datasetId === datasetId ? s.search : '', use: s.datasetId === datasetId ? s.use : 'all', rule, page: 0 })),
}));

/** The rule filter on show for this dataset: another dataset's filter does not carry over (its
 * table would list, under the other dataset's chip, failures the user never asked for). */
export function ruleOnShow(s: Pick<ExampleBrowse, 'datasetId' | 'rule'>, datasetId: string): QualityRule | null {
  return s.datasetId === datasetId ? s.rule : null;
}

/** The search, use filter and page on show for this dataset and rule: another dataset's, or another rule's page, starts afresh. */
export function examplesOnShow(s: Pick<ExampleBrowse, 'datasetId' | 'search' | 'rule' | 'page'> & { use?: ExampleUse }, datasetId: string, rule: QualityRule | null): { search: string; use: ExampleUse; page: number } {
  if (s.datasetId !== datasetId) return { search: '', use: 'all', page: 0 };
  return { search: s.search, use: s.use ?? 'all', page: s.rule === rule ? s.page : 0 };
}
