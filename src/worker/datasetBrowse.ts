// The Dataset and Playground panels' reads of a stored dataset, answered in the worker so the page
// never holds a whole dataset's rows: a dataset's summary (quality, split and inclusion counts), a
// page of its examples for a search and a quality rule, and what the playground offers from it (its
// tools and its held-out single questions). Rows are read with Dexie a chunk at a time by the
// [datasetId+ord] index (the worker answers other requests in between); what a request needs again
// (each example's id, search text and failing rules; the summary; the playground's lists) is kept for
// the last two datasets read, never the rows themselves.
// The cache is dropped for a dataset when its stored row changes (created again, example count,
// fingerprint) and whenever Dexie reports a write to the examples or datasets table that may touch it
// (HDR's new examples, an example included or left out, a deletion, an import), from this worker or
// another tab. Never writes to the database.
// Also the pure text helpers the page shares (re-exported by protocol.ts): no Dexie work runs at import.
import Dexie, { RangeSet, rangesOverlap, type ObservabilitySet } from 'dexie';
import type { Call, CallSyntax, Example, FunctionSchema, Message, Target } from '../data/example.ts';
import type { DatasetRow, ExampleRow, StudioDb } from '../data/db.ts';
import { targetCallTexts } from '../data/call-text.ts';
import { questionOf, splitKey } from '../data/split.ts';
import { QUALITY_RULES, qualityTally, type QualityRule, type QualitySummary } from '../data/quality-check.ts';
import type { ProgressInfo } from '../jobs/context.ts';
import { failingBits, flaggedOnlyBy, ruleBit } from '../data/inclusion.ts';
import type { Handler } from './engine.ts';
import { sharedWork } from './sharedWork.ts';
import { followsCalls } from '../data/call-turns.ts';
import { promptKey } from '../data/prompt-key.ts';

// ---- Plain-text views of an example (the table, the search box, the playground). Text only. ----

export function lastUserMessage(e: Example): string {
  for (let i = e.messages.length - 1; i >= 0; i--) if (e.messages[i].role === 'user') return e.messages[i].content;
  return '';
}


/** Everything a search should match: id, query, tools, calls, reasoning. Lower-cased. */
export function searchableText(e: Example): string {
  return [e.id, ...e.messages.map((m) => m.content), ...e.tools.map((t) => t.name), ...targetCallTexts(e.target), e.target.reasoning ?? '', e.target.content ?? '', e.category ?? ''].join('\n').toLowerCase();
}

/** Every distinct tool of the dataset (by name, first definition wins), sorted by name: what a
 * question typed in the playground may be offered. A held-out question is asked with its own tools
 * instead (the same name may have another schema in another example). */
export function datasetTools(examples: Array<{ tools: FunctionSchema[] }>): FunctionSchema[] {
  const byName = new Map<string, FunctionSchema>();
  for (const e of examples) for (const t of e.tools) if (!byName.has(t.name)) byName.set(t.name, t);
  return sortedTools(byName);
}

const sortedTools = (byName: Map<string, FunctionSchema>) => [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));

/** A held-out question the playground can ask as it stands, with its tools: its last user turn,
 * and the rest of its conversation when it has more (a later calling turn of one). */
export interface PlaygroundSample {
  id: string;
  /** Its last user message. */
  query: string;
  /** Its turns but the system's, in order, when there are more than the question: asked with it. */
  conversation?: Message[];
  toolNames: string[];
  /** The calls the dataset expects (none: it expects a plain answer), with their whole floats' places. */
  expected: Pick<Target, 'calls' | 'wholeFloats'>;
  /** The example itself, which the answer is checked against. */
  example: Example;
  /** A used training example asks it word for word too (the same conversation and tools): the
   * answer shows what the adapter was trained on, not how it does on a question it never saw. */
  askedInTraining?: true;
}

/** The held-out question of one example, or null when it is none (trained on, or no user text). */
function heldOutSample({ example, split }: Pick<ExampleRow, 'example' | 'split'>): PlaygroundSample | null {
  if (split !== 'eval') return null;
  const query = lastUserMessage(example);
  if (!query.trim()) return null;
  const turns = example.messages.filter((m) => m.role !== 'system');
  const sample: PlaygroundSample = { id: example.id, query, toolNames: example.tools.map((t) => t.name), expected: { calls: example.target.calls, ...(example.target.wholeFloats && { wholeFloats: example.target.wholeFloats }) }, example };
  if (turns.length > 1) sample.conversation = turns;
  return sample;
}

/** The held-out examples the playground can ask as they stand (a question, or a conversation), in order. */
export function heldOutSamples(rows: Array<Pick<ExampleRow, 'example' | 'split'>>): PlaygroundSample[] {
  return rows.map(heldOutSample).filter((s): s is PlaygroundSample => s !== null);
}

// ---- Request and answer shapes (protocol.ts names them in its RequestMap). ----

/** A dataset's counts as the quality report shows them. */
export interface DatasetSummary {
  quality: QualitySummary;
  examples: number;
  /** On the training side of the split. */
  train: number;
  /** On the held-out side. */
  heldOut: number;
  /** Used (passed the check, or included by the user): trained on, or evaluated when held out. */
  included: number;
  /** On the training side and included: what training takes (the rest of `train` is left out). */
  trainIncluded: number;
  /** Held out, included and no HDR sample: what an evaluation asks (jobs/data.ts byEvalRole leaves
   * out the samples a re-split put on the held-out side). Absent in summaries made before. */
  evaluated?: number;
  /** Later steps of a task (the prompt holds earlier calls: call-turns.ts followsCalls), and of
   * them those held out and used, which the evaluation counts apart; absent when there are none. */
  laterSteps?: { examples: number; heldOutUsed: number };
  /** Per rule, the examples flagged by it and by no other rule (data/inclusion.ts flaggedOnlyBy),
   * and how many of them are used: what the report's "Train on the N flagged only by this rule"
   * and "Leave them out again" act on. */
  flaggedOnly?: Partial<Record<QualityRule, { examples: number; used: number }>>;
  /** Examples whose expected answer the user edited (absent: none). */
  edited?: number;
  /** Held-out examples that ask what a used training example asks (the same conversation and
   * tools: data/prompt-key.ts), and of them those used (evaluated); absent: none. */
  repeated?: { heldOut: number; used: number };
  /** Split by question: the distinct questions the examples ask (data/split.ts questionOf) and of
   * them those held out; absent for a split one by one. */
  questions?: { total: number; heldOut: number };
}

/** Examples chosen at once (setExamplesIncluded): those flagged by one rule and no other, or those
 * a filter of the examples table shows (every page of it); of them, those the change flips. */
export type ExampleSelection = { flaggedOnlyBy: QualityRule } | { shown: Pick<ExamplePageRequest, 'search' | 'rule' | 'use'> };

/** Which examples the table lists by their use: every one, those used (trained on, or evaluated
 * when held out), those left out, those the quality check flagged (used or not), those whose
 * expected answer the user edited, or the held-out ones that ask what a training example asks. */
export const EXAMPLE_USES = ['all', 'used', 'left-out', 'flagged', 'edited', 'repeated'] as const;
export type ExampleUse = (typeof EXAMPLE_USES)[number];

export interface ExamplePageRequest {
  datasetId: string;
  /** Matched case-insensitively, trimmed, against `searchableText`; '' matches every example. */
  search: string;
  /** Only examples failing this rule; null: every example. */
  rule: QualityRule | null;
  /** Only examples of this use; absent: 'all'. */
  use?: ExampleUse;
  offset: number;
  limit: number;
}

/** One row of the examples table: what it shows, not the stored example. */
export interface ExampleListRow {
  id: string;
  toolNames: string[];
  /** The last user message. */
  query: string;
  calls: Call[];
  /** Where `calls` hold whole floats (Target.wholeFloats). */
  wholeFloats?: Target['wholeFloats'];
  passed: boolean;
  /** Trained on (or evaluated, held out): it passed the check, or the user included it. */
  included: boolean;
  /** The rule of each failure, in the report's order (a rule may fail more than once). */
  failedRules: string[];
  /** Its expected answer was edited by the user. */
  edited?: true;
}

export interface ExamplePage {
  rows: ExampleListRow[];
  /** Where this page starts among the matching examples: the requested offset, or the last page's
   * start when the request asked past the end. */
  offset: number;
  /** Examples matching the search and rule. */
  matching: number;
  /** Of those, the ones used: what leaving out all that match changes (the rest is what including
   * them changes), so a count of a change at once is of examples it changes. */
  used: number;
  /** Examples in the dataset. */
  total: number;
}

/** A held-out question for the playground, without its example (read by id when it is used). */
export type PlaygroundSampleSummary = Omit<PlaygroundSample, 'example'>;

export interface DatasetPlayground {
  tools: FunctionSchema[];
  samples: PlaygroundSampleSummary[];
  /** How most of the dataset's answers write their calls ('python': `[f(a=1)]` under the BFCL
   * system prompt): a question typed in the playground is asked the way the model was trained. */
  callSyntax?: CallSyntax;
}

/** The call syntax of most examples, when it is Python's; absent: JSON (the chat template's own). */
export function datasetCallSyntax(pythonExamples: number, examples: number): CallSyntax | undefined {
  return pythonExamples * 2 > examples ? 'python' : undefined;
}

export type DatasetBrowseRequest = 'datasetSummary' | 'examplePage' | 'datasetPlayground';

// ---- The worker side. ----

/** Rows read per IndexedDB request while a dataset is scanned. */
export const READ_CHUNK = 1000;
/** Datasets whose search texts and summary are kept (a 60k-example dataset's texts are tens of MB). */
export const CACHED_DATASETS = 2;

const USED_BIT = 1;
const FLAGGED_BIT = 2;
/** On the training side of the split. */
const TRAIN_BIT = 4;
/** Its expected answer edited by the user (the imported one kept to restore). */
const EDITED_BIT = 8;
/** Held out, asking what a used training example asks. */
const REPEATED_BIT = 16;
const USE_TEST: Record<ExampleUse, (bits: number) => boolean> = {
  all: () => true,
  used: (bits) => (bits & USED_BIT) !== 0,
  'left-out': (bits) => (bits & USED_BIT) === 0,
  flagged: (bits) => (bits & FLAGGED_BIT) !== 0,
  edited: (bits) => (bits & EDITED_BIT) !== 0,
  repeated: (bits) => (bits & REPEATED_BIT) !== 0,
};

/** What is kept of one dataset: per example (in import order) its id and what the filters read. */
interface BrowseIndex {
  /** `createdAt:exampleCount:fingerprint:inclusionEdits:split` of the dataset row it was read for. */
  signature: string;
  ids: string[];
  texts: string[];
  /** Bit i: fails QUALITY_RULES[i] (data/inclusion.ts failingBits). */
  failing: Uint8Array;
  /** USED_BIT: included; FLAGGED_BIT: failed the check; TRAIN_BIT: on the training side. Kept apart
   * from `failing` (seven rules fill its byte). */
  uses: Uint8Array;
  summary: DatasetSummary;
  playground: DatasetPlayground;
  /** Each id's place in import order, made when first asked (the runs a change reaches). */
  places?: Map<string, number>;
  /** The last filter asked for and its matches (paging through one search reads it once). */
  lastFilter: { key: string; matches: Int32Array | null } | null;
}

const signatureOf = (d: DatasetRow) => `${d.createdAt}:${d.exampleCount}:${d.fingerprint}:${d.inclusionEdits ?? 0}:${splitKey(d.split)}`;

/** Scans a dataset a chunk at a time (import order) into its browse index. */
async function readIndex(db: StudioDb, dataset: DatasetRow, onProgress: (p: ProgressInfo) => void): Promise<BrowseIndex> {
  const ids: string[] = [];
  const texts: string[] = [];
  const failing: number[] = [];
  const uses: number[] = [];
  const tally = qualityTally();
  const flaggedOnly = Object.fromEntries(QUALITY_RULES.map((r) => [r, { examples: 0, used: 0 }])) as Record<QualityRule, { examples: number; used: number }>;
  let train = 0;
  let included = 0;
  let trainIncluded = 0;
  let evaluated = 0;
  let python = 0;
  let edited = 0;
  const laterSteps = { examples: 0, heldOutUsed: 0 };
  // What each held-out example asks (by index), and what the used training examples ask.
  const heldOutAsks = new Map<number, string>();
  const trainedAsks = new Set<string>();
  // Split by question, a question's examples share a side: none held out is asked in training, and
  // what to count is how many questions the examples ask.
  const byQuestion = dataset.split.by === 'question';
  const questions = new Set<string>();
  const heldOutQuestions = new Set<string>();
  const tools = new Map<string, FunctionSchema>();
  const samples: PlaygroundSampleSummary[] = [];
  let after = -Infinity;
  for (;;) {
    const rows = await db.examples
      .where('[datasetId+ord]')
      .between([dataset.id, after], [dataset.id, Infinity], false, true)
      .limit(READ_CHUNK)
      .toArray();
    for (const r of rows) {
      ids.push(r.id);
      texts.push(searchableText(r.example));
      const bits = failingBits(r.quality);
      failing.push(bits);
      for (const rule of QUALITY_RULES) {
        if (!flaggedOnlyBy(bits, ruleBit(rule))) continue;
        flaggedOnly[rule].examples++;
        if (r.included === 1) flaggedOnly[rule].used++;
      }
      uses.push((r.included === 1 ? USED_BIT : 0) | (r.quality.passed ? 0 : FLAGGED_BIT) | (r.split === 'train' ? TRAIN_BIT : 0) | (r.original ? EDITED_BIT : 0));
      if (r.original) edited++;
      if (byQuestion) {
        const question = questionOf(r.example);
        questions.add(question);
        if (r.split === 'eval') heldOutQuestions.add(question);
      } else if (r.split === 'eval') heldOutAsks.set(ids.length - 1, promptKey(r.example));
      else if (r.included === 1) trainedAsks.add(promptKey(r.example));
      tally.add(r.quality);
      if (r.split === 'train') train++;
      if (r.included === 1) included++;
      if (r.included === 1 && r.split === 'train') trainIncluded++;
      if (r.included === 1 && r.split === 'eval' && r.example.source !== 'hdr') evaluated++;
      if (r.example.target.callSyntax === 'python') python++;
      if (followsCalls(r.example.messages)) {
        laterSteps.examples++;
        if (r.split === 'eval' && r.included === 1) laterSteps.heldOutUsed++;
      }
      for (const t of r.example.tools) if (!tools.has(t.name)) tools.set(t.name, t);
      const sample = heldOutSample(r);
      if (sample) {
        const { example: _example, ...summary } = sample;
        samples.push(summary);
      }
    }
    onProgress({ label: 'reading examples', done: ids.length, total: Math.max(ids.length, dataset.exampleCount) });
    if (rows.length < READ_CHUNK) break;
    // A turn of the event loop between chunks: requests that arrived meanwhile (their messages are
    // tasks) are answered now, even where IndexedDB resolves reads as microtasks.
    await new Promise((resolve) => setTimeout(resolve, 0));
    after = rows[rows.length - 1].ord;
  }
  const repeated = { heldOut: 0, used: 0 };
  const repeatedIds = new Set<string>();
  for (const [i, asks] of heldOutAsks) {
    if (!trainedAsks.has(asks)) continue;
    uses[i] |= REPEATED_BIT;
    repeated.heldOut++;
    repeatedIds.add(ids[i]);
    if (uses[i] & USED_BIT) repeated.used++;
  }
  for (const sample of samples) if (repeatedIds.has(sample.id)) sample.askedInTraining = true;
  const callSyntax = datasetCallSyntax(python, ids.length);
  return {
    signature: signatureOf(dataset),
    ids,
    texts,
    failing: Uint8Array.from(failing),
    uses: Uint8Array.from(uses),
    summary: { quality: tally.summary(), examples: ids.length, train, heldOut: ids.length - train, included, trainIncluded, evaluated, flaggedOnly, ...(laterSteps.examples > 0 && { laterSteps }), ...(edited > 0 && { edited }), ...(repeated.heldOut > 0 && { repeated }), ...(byQuestion && { questions: { total: questions.size, heldOut: heldOutQuestions.size } }) },
    playground: { tools: sortedTools(tools), samples, ...(callSyntax && { callSyntax }) },
    lastFilter: null,
  };
}

/** The positions (import order) of the examples matching a search, a rule and a use; null: all of them. */
function matchesOf(index: BrowseIndex, search: string, rule: QualityRule | null, use: ExampleUse): Int32Array | null {
  const q = search.trim().toLowerCase();
  if (!q && !rule && use === 'all') return null;
  const key = `${rule ?? ''}\u0000${use}\u0000${q}`;
  if (index.lastFilter?.key === key) return index.lastFilter.matches;
  const bit = rule ? ruleBit(rule) : 0;
  const usedAs = USE_TEST[use];
  const out: number[] = [];
  for (let i = 0; i < index.ids.length; i++) {
    if (rule && !(index.failing[i] & bit)) continue;
    if (!usedAs(index.uses[i])) continue;
    if (q && !index.texts[i].includes(q)) continue;
    out.push(i);
  }
  const matches = Int32Array.from(out);
  index.lastFilter = { key, matches };
  return matches;
}

function listRow(r: ExampleRow): ExampleListRow {
  return {
    id: r.id,
    toolNames: r.example.tools.map((t) => t.name),
    query: lastUserMessage(r.example),
    calls: r.example.target.calls,
    ...(r.example.target.wholeFloats && { wholeFloats: r.example.target.wholeFloats }),
    passed: r.quality.passed,
    included: r.included === 1,
    failedRules: r.quality.failures.map((f) => f.rule),
    ...(r.original && { edited: true }),
  };
}

export interface DatasetBrowseContext {
  db(): StudioDb;
}

/** The examples a selection names, in import order, read from the browse index (the same one the
 * table and the report count with, so the N the page showed is the N chosen); `signature`: the
 * dataset row the index was read for (a write keyed by it must find it unchanged). */
export interface SelectedExamples {
  ids: string[];
  signature: string;
  /** Where those of them on the training side are in import order (the training set's order). */
  trainPlaces: number[];
  /** Where an example is in import order (undefined: the dataset has none of that id). */
  placeOf(exampleId: string): number | undefined;
}

/** One example or many whose use a change flips (ExampleSelection; `exampleId`: that one). */
export type InclusionChange = { exampleId: string } | { selection: ExampleSelection };

/** The browse requests, with their cache (one per worker engine), and the selection of many
 * examples at once that the inclusion request writes. */
export function datasetBrowse(ctx: DatasetBrowseContext): {
  handlers: { [K in DatasetBrowseRequest]: Handler<K> };
  select(datasetId: string, change: InclusionChange, included: boolean, progress?: (p: ProgressInfo) => void): Promise<SelectedExamples>;
} {
  /** Most recently used last. */
  const cached = new Map<string, BrowseIndex>();
  const building = sharedWork<BrowseIndex>();
  /** Bumped for a dataset whenever a write may have touched it: a scan under way when it moved is stale. */
  const changes = new Map<string, number>();
  let watching: string | null = null;

  const forget = (datasetId: string) => {
    cached.delete(datasetId);
    if (building.has(datasetId)) changes.set(datasetId, (changes.get(datasetId) ?? 0) + 1);
  };

  /** Dexie's report of committed writes (this worker's, or another tab's by BroadcastChannel): a write
   * to the examples or datasets table drops what it may have touched. Dexie names the keys written
   * when it can; when it names none (a Collection.modify, a large bulkAdd), every dataset is dropped. */
  const onMutated = (parts: ObservabilitySet) => {
    const prefix = `idb://${watching}/`;
    const full = new RangeSet(Dexie.minKey, Dexie.maxKey);
    const touched = (table: 'examples' | 'datasets', datasetId: string) => {
      const written = parts[`${prefix}${table}/`];
      if (!written) return false;
      if (!rangesOverlap(written, full)) return true; // no keys named: anything may have changed
      const mine = table === 'examples' ? new RangeSet([datasetId, Dexie.minKey], [datasetId, Dexie.maxKey]) : new RangeSet(datasetId, datasetId);
      return rangesOverlap(written, mine);
    };
    for (const datasetId of new Set([...cached.keys(), ...building.keys()])) {
      if (touched('examples', datasetId) || touched('datasets', datasetId)) forget(datasetId);
    }
  };

  const watch = (db: StudioDb) => {
    if (watching === db.name) return;
    if (watching === null) Dexie.on('storagemutated', onMutated);
    watching = db.name;
    cached.clear();
  };

  /** The dataset's browse index, read now or kept from before; progress while it is read. */
  async function indexOf(datasetId: string, onProgress?: (p: ProgressInfo) => void): Promise<BrowseIndex> {
    const db = ctx.db();
    watch(db);
    for (let attempt = 0; ; attempt++) {
      const dataset = await db.datasets.get(datasetId);
      if (!dataset) {
        cached.delete(datasetId);
        throw new Error(`no dataset "${datasetId}" (it may have been deleted)`);
      }
      const kept = cached.get(datasetId);
      if (kept && kept.signature === signatureOf(dataset)) {
        cached.delete(datasetId);
        cached.set(datasetId, kept);
        return kept;
      }
      cached.delete(datasetId);
      const index = await building.run(
        datasetId,
        async (report) => {
          const started = changes.get(datasetId) ?? 0;
          const read = await readIndex(db, dataset, report);
          // Kept only if nothing wrote to the dataset while it was read.
          if ((changes.get(datasetId) ?? 0) === started) {
            cached.set(datasetId, read);
            while (cached.size > CACHED_DATASETS) cached.delete(cached.keys().next().value!);
          }
          return read;
        },
        onProgress,
      );
      // Read again when a write landed during the scan; after a few tries, answer with what was read.
      if (cached.get(datasetId) === index || attempt >= 2) return index;
    }
  }

  const handlers: { [K in DatasetBrowseRequest]: Handler<K> } = {
    datasetSummary: async ({ datasetId }, progress) => (await indexOf(datasetId, progress)).summary,

    examplePage: async ({ datasetId, search, rule, use = 'all', offset, limit }) => {
      const db = ctx.db();
      const index = await indexOf(datasetId);
      if (!USE_TEST[use]) throw new Error(`no example filter "${use}" (one of ${EXAMPLE_USES.join(', ')})`);
      const matches = matchesOf(index, search, rule, use);
      const matching = matches ? matches.length : index.ids.length;
      const size = Math.max(1, Math.min(500, Math.floor(limit)));
      const lastStart = Math.max(0, Math.floor((matching - 1) / size) * size);
      const start = Math.min(Math.max(0, Math.floor(offset)), lastStart);
      const positions = [];
      for (let i = start; i < Math.min(matching, start + size); i++) positions.push(matches ? matches[i] : i);
      const rows = await db.examples.bulkGet(positions.map((p) => [datasetId, index.ids[p]] as [string, string]));
      const used = matches ? matches.reduce((n, p) => n + (index.uses[p] & USED_BIT), 0) : index.summary.included;
      return { rows: rows.filter((r): r is ExampleRow => !!r).map(listRow), offset: start, matching, used, total: index.ids.length };
    },

    datasetPlayground: async ({ datasetId }) => (await indexOf(datasetId)).playground,
  };

  /** `included`: the use the change asks for; only the examples not already so are chosen (the
   * count the page confirmed is of those, and a change names no example it leaves as it was). */
  async function select(datasetId: string, change: InclusionChange, included: boolean, progress?: (p: ProgressInfo) => void): Promise<SelectedExamples> {
    const index = await indexOf(datasetId, progress);
    index.places ??= new Map(index.ids.map((id, p) => [id, p]));
    const places = index.places;
    let positions: ArrayLike<number> | null;
    if ('exampleId' in change) {
      const at = places.get(change.exampleId);
      positions = at === undefined ? [] : [at];
    } else if ('flaggedOnlyBy' in change.selection) {
      const selection = change.selection;
      const bit = ruleBit(selection.flaggedOnlyBy);
      if (!bit) throw new Error(`no quality rule "${selection.flaggedOnlyBy}" (one of ${QUALITY_RULES.join(', ')})`);
      const chosen: number[] = [];
      index.failing.forEach((bits, i) => flaggedOnlyBy(bits, bit) && chosen.push(i));
      positions = chosen;
    } else {
      const { search, rule, use = 'all' } = change.selection.shown;
      if (!USE_TEST[use]) throw new Error(`no example filter "${use}" (one of ${EXAMPLE_USES.join(', ')})`);
      positions = matchesOf(index, search, rule, use);
    }
    const changes = (p: number) => ((index.uses[p] & USED_BIT) !== 0) !== included;
    const chosen = positions ? Array.from(positions).filter(changes) : index.ids.map((_, p) => p).filter(changes);
    return { ids: chosen.map((p) => index.ids[p]), signature: index.signature, trainPlaces: chosen.filter((p) => index.uses[p] & TRAIN_BIT), placeOf: (id) => places.get(id) };
  }

  return { handlers, select };
}

/** Whether the dataset row is the one a browse index was read for (SelectedExamples.signature). */
export const sameDatasetRow = (d: DatasetRow, signature: string) => signatureOf(d) === signature;
