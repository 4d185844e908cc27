// HDR and evaluation runs in the Dexie database, on the existing tables (no schema change):
//   hardCases — one row per (dataset, example): status, last failing round, failed outputs;
//   examples  — accepted HDR samples as new train-side rows (source 'hdr', hdrRound r);
//   runs      — an eval run's row carries its summary and every prediction; an HDR run's row its
//               settings and round reports (unindexed properties of RunRow subtypes);
//   metrics   — one row per HDR round (step = round) with the round's numbers, for charts.
// Writes that belong together share one transaction. Never deletes examples or hard cases.
import type { ExampleRow, HardCaseRow, RunRow, StudioDb } from '../data/db.ts';
import type { Example } from '../data/example.ts';
import { checkExample } from '../data/quality-check.ts';
import { sideOf } from '../data/split.ts';
import { updateFingerprint } from '../data/fingerprint.ts';
import type { EvalReport, EvalSummary } from '../eval/index.ts';
import { judgedAgainstKey } from '../eval/evaluate.ts';
import type { LoraSettings } from '../model/lora.ts';
import type { RunConfig } from '../train/config.ts';
import type { HardCase, HdrHooks, HdrRoundReport } from './rounds.ts';
import type { HdrSettings } from './settings.ts';

export function hardCaseId(datasetId: string, exampleId: string): string {
  return `${datasetId}:${exampleId}`;
}

/** Adds or refreshes open hard cases: their round and newest failed outputs (at most `keep`). */
export async function saveHardCases(db: StudioDb, datasetId: string, round: number, cases: HardCase[], keep = 4): Promise<void> {
  await db.transaction('rw', db.datasets, db.hardCases, async () => {
    // Deleted meanwhile (in another tab): its hard cases would outlive it, listed nowhere.
    if (!(await db.datasets.get(datasetId))) throw new Error(`the dataset “${datasetId}” was deleted while HDR worked on it; its hard cases are not kept`);
    for (const c of cases) {
      const id = hardCaseId(datasetId, c.example.id);
      const old = await db.hardCases.get(id);
      const outputs = [...(old?.failedOutputs ?? []), ...c.failedOutputs.filter((o) => !old?.failedOutputs.includes(o))].slice(-keep);
      const row: HardCaseRow = { id, datasetId, exampleId: c.example.id, round, failedOutputs: outputs, status: 'open', createdAt: old?.createdAt ?? Date.now() };
      await db.hardCases.put(row);
    }
  });
}

export async function markHardCasesSolved(db: StudioDb, datasetId: string, exampleIds: string[], round: number): Promise<void> {
  await db.transaction('rw', db.hardCases, async () => {
    for (const exampleId of exampleIds) {
      const n = await db.hardCases.update(hardCaseId(datasetId, exampleId), { status: 'solved', round });
      if (n === 0) throw new Error(`dataset "${datasetId}" has no hard case for example "${exampleId}"`);
    }
  });
}

/** Open hard cases a mining evaluation answered correctly are no hard cases of that model: solved
 * (their round stays the one they last failed in). Examples without an open hard case are left alone. */
export async function markAnsweredHardCasesSolved(db: StudioDb, datasetId: string, exampleIds: string[]): Promise<void> {
  const answered = new Set(exampleIds);
  await db.hardCases.where('[datasetId+status]').equals([datasetId, 'open']).filter((r) => answered.has(r.exampleId)).modify({ status: 'solved' });
}

export function openHardCases(db: StudioDb, datasetId: string): Promise<HardCaseRow[]> {
  return db.hardCases.where('[datasetId+status]').equals([datasetId, 'open']).toArray();
}

/** The round a new HDR run on this dataset starts at: one after the last round any run recorded. */
export async function nextHdrRound(db: StudioDb, datasetId: string): Promise<number> {
  const last = await db.hardCases.where('[datasetId+round]').between([datasetId, -Infinity], [datasetId, Infinity]).last();
  return (last?.round ?? 0) + 1;
}

/** The open pool as the round loop wants it: each row joined with its example. A case whose
 * question the dataset holds out now (split again since it was mined) waits: its samples would be
 * trained on, and its question evaluated. */
export async function loadHardCasePool(db: StudioDb, datasetId: string): Promise<HardCase[]> {
  const rows = await openHardCases(db, datasetId);
  const out: HardCase[] = [];
  for (const r of rows) {
    const ex = await db.examples.get([datasetId, r.exampleId]);
    if (!ex) throw new Error(`hard case ${r.id} points at example "${r.exampleId}", which dataset "${datasetId}" no longer has`);
    if (ex.split === 'eval') continue;
    out.push({ example: ex.example, failedOutputs: r.failedOutputs, round: r.round, status: 'open' });
  }
  return out;
}

/** Accepted samples become included example rows after the dataset's last one, on their question's
 * side (split.ts sideOf: the training side, as HDR mines only training questions), as an import or
 * a snapshot of the dataset would place them. */
export async function addHdrExamples(db: StudioDb, datasetId: string, examples: Example[]): Promise<void> {
  await db.transaction('rw', db.datasets, db.examples, db.datasetDigests, async () => {
    const dataset = await db.datasets.get(datasetId);
    if (!dataset) throw new Error(`no dataset "${datasetId}"`);
    const last = await db.examples.where('[datasetId+ord]').between([datasetId, -Infinity], [datasetId, Infinity]).last();
    let ord = (last?.ord ?? -1) + 1;
    const rows: ExampleRow[] = examples.map((example) => {
      if (example.source !== 'hdr' || example.hdrRound === undefined) throw new Error(`example "${example.id}" is not an HDR sample (source 'hdr' with a round)`);
      const quality = checkExample(example, 'required');
      return { datasetId, id: example.id, ord: ord++, example, quality, split: sideOf(example, dataset.split), included: quality.passed ? 1 : 0 };
    });
    const clash = (await db.examples.bulkGet(rows.map((r) => [datasetId, r.id] as [string, string]))).find((r) => r !== undefined);
    if (clash) throw new Error(`dataset "${datasetId}" already has an example "${clash.id}"; start HDR at nextHdrRound() so new samples get new ids`);
    await db.examples.bulkAdd(rows);
    await db.datasets.update(datasetId, { exampleCount: dataset.exampleCount + rows.length });
    // The fingerprint names the dataset's content (runs and snapshots compare it): it changed.
    await updateFingerprint(db, datasetId, { removed: [], added: examples });
  });
}

/** What an evaluation run answered with: the adapter's run (null: the base model) and the decoding. */
export interface EvalRunConfig {
  adapterRunId: string | null;
  limit: number;
  maxNewTokens: number;
  lora: LoraSettings | null;
  /** Answered with a GGUF file's weights in place of the model's: the run's adapter merged into them
   * (`adapterRunId`: the run it was exported from, null for a file the user gave), at the file's
   * rounding. Its accuracy is the file's, not the adapter's. */
  gguf?: EvalGguf;
  /** Not answered here: the answers of this evaluation, judged again against the expected answers
   * as they were then (jobs/judgeAgain.ts). */
  judgedFrom?: string;
}

/** A GGUF file an evaluation answered with: its name, size and llama.cpp file type (Q4_K_M). */
export interface EvalGguf {
  fileName: string;
  bytes: number;
  fileType: string | null;
}

/** Whether an evaluation scored the adapter itself (or the base model), not a GGUF file of it. */
export function scoresAdapter(config: EvalRunConfig): boolean {
  return config.gguf === undefined;
}

/** The predictions are in their own table (`predictions`, by run): the runs table reads its rows whole. */
export interface EvalRunRow extends RunRow<'eval', EvalRunConfig> {
  summary: EvalSummary;
  /** Stopped by the user before every example was answered: status `done` (a stop is not a
   * failure), but the summary covers only the examples answered, so it is no finished evaluation.
   * Rows kept before this field say so with status `failed`. */
  stopped?: true;
  /** What its answers were judged against (judgedAgainstKey): evaluations of the same examples set
   * side by side with other keys judged some against other expected answers. Absent on older rows. */
  judgedAgainst?: string;
}

/** An HDR run: `config` is the retraining configuration, `settings` the rounds'. */
export interface HdrRunRow extends RunRow<'hdr', RunConfig> {
  settings: HdrSettings;
  rounds: HdrRoundReport[];
  stopReason?: string;
  /** The mining evaluation: examples answered, answered correctly, hard cases it left, and notes
   * (absent when none): the open hard cases of earlier runs it asked again or could not, and the
   * examples it left out and why. */
  mined?: { examples: number; correct: number; hardCases: number; notes?: string[] };
  /** The run whose adapter HDR started from (none: the base model, or a row written before this was kept). */
  fromRunId?: string;
  /** As hdr.json has them (absent on rows kept before, and before mining): the hard cases it mined,
   * those left open, and the samples it added to the dataset. Kept up to date from mining on (the
   * pool hooks), so a run cut off by a closed tab or a dead worker still says what it added. They can
   * differ from its rounds' figures: a round whose retraining failed added its samples but finished no round. */
  poolStart?: number;
  poolEnd?: number;
  added?: number;
}

/** What an HDR run left (HdrRunRow's figures, hdr.json's too). */
export type HdrTotals = Required<Pick<HdrRunRow, 'poolStart' | 'poolEnd' | 'added'>>;

/** One evaluation run: its summary on its run row, and every prediction beside it, in one transaction. */
export async function saveEvalRun(db: StudioDb, run: { id: string; datasetId: string; modelRef?: string; name?: string; config: EvalRunConfig; report: EvalReport }): Promise<EvalRunRow> {
  const { predictions, aborted, failure, ...summary } = run.report;
  const now = Date.now();
  const message = failure ? `failed after ${predictions.length} answers: ${failure}` : aborted ? 'stopped before every example was evaluated' : undefined;
  const row: EvalRunRow = {
    id: run.id, datasetId: run.datasetId, status: failure ? 'failed' : 'done', createdAt: now, updatedAt: now, config: run.config, modelRef: run.modelRef, name: run.name,
    message, kind: 'eval', summary, ...(aborted && !failure ? { stopped: true as const } : {}),
  };
  const judgedAgainst = judgedAgainstKey(predictions);
  if (judgedAgainst !== undefined && predictions.length) row.judgedAgainst = judgedAgainst;
  await db.transaction('rw', db.runs, db.predictions, async () => {
    await db.runs.put(row);
    await db.predictions.put({ runId: run.id, predictions });
  });
  return row;
}

/** The kind tells the row's shape (every writer sets it; the v3 upgrade filled older rows). */
export const isEvalRun = (row: RunRow): row is EvalRunRow => row.kind === 'eval';
export const isHdrRun = (row: RunRow): row is HdrRunRow => row.kind === 'hdr';
/** An evaluation that answered every example it was asked: one stopped part-way is `done` too, but
 * scored only the examples it reached, so it is no score of its adapter. */
export const isFinishedEval = (row: EvalRunRow): boolean => row.status === 'done' && !row.stopped;

/** The base model's finished evaluation of the very examples `row` answered (newest first in
 * `runs`): the same dataset, model, examples asked and answer length, judged against the same
 * expected answers (greedy answers are the same however many are asked at once). null where there is
 * none, or where either predates the key of what it was judged against. */
export function baseEvalOfSameExamples(row: EvalRunRow, runs: readonly RunRow[]): EvalRunRow | null {
  if (row.judgedAgainst === undefined || !row.summary) return null;
  for (const r of runs) {
    if (!isEvalRun(r) || r.id === row.id || !scoresAdapter(r.config) || r.config.adapterRunId !== null || !isFinishedEval(r) || !r.summary) continue;
    if (r.datasetId === row.datasetId && r.modelRef === row.modelRef && r.config.limit === row.config.limit && r.config.maxNewTokens === row.config.maxNewTokens && r.summary.total === row.summary.total && r.judgedAgainst === row.judgedAgainst) return r;
  }
  return null;
}

export async function loadEvalRun(db: StudioDb, runId: string): Promise<EvalRunRow> {
  const row = await db.runs.get(runId);
  if (!row || !isEvalRun(row)) throw new Error(`no evaluation run "${runId}"`);
  return row;
}

export async function createHdrRun(db: StudioDb, run: { id: string; datasetId: string; modelRef?: string; name?: string; settings: HdrSettings; config: RunConfig; fromRunId?: string }): Promise<HdrRunRow> {
  const now = Date.now();
  const row: HdrRunRow = {
    id: run.id, datasetId: run.datasetId, status: 'running', createdAt: now, updatedAt: now, config: run.config, modelRef: run.modelRef, name: run.name,
    kind: 'hdr', settings: run.settings, rounds: [], ...(run.fromRunId ? { fromRunId: run.fromRunId } : {}),
  };
  await db.runs.add(row);
  return row;
}

/** The round's numbers as a metrics row (NaN-free: a missing accuracy is left out). */
export function roundMetricValues(r: HdrRoundReport): Record<string, number> {
  const v: Record<string, number> = {
    poolBefore: r.poolBefore, poolAfter: r.poolAfter, samples: r.samples, passAtK: r.passAtK, gatePassed: r.gatePassed,
    accepted: r.accepted, duplicates: r.duplicates, replayed: r.replayed, millis: r.millis,
  };
  if (r.evalAccuracyBefore !== null) v.evalAccuracyBefore = r.evalAccuracyBefore;
  if (r.evalAccuracyAfter !== null) v.evalAccuracyAfter = r.evalAccuracyAfter;
  if (r.training && Number.isFinite(r.training.lossLast)) v.trainLoss = r.training.lossLast;
  return v;
}

export async function recordHdrRound(db: StudioDb, runId: string, report: HdrRoundReport): Promise<void> {
  await db.transaction('rw', db.runs, db.metrics, async () => {
    const row = await db.runs.get(runId);
    if (!row || !isHdrRun(row)) throw new Error(`no HDR run "${runId}"`);
    const updated: HdrRunRow = { ...row, rounds: [...row.rounds.filter((r) => r.round !== report.round), report], updatedAt: Date.now(), lastStep: report.round };
    await db.runs.put(updated);
    await db.metrics.put({ runId, step: report.round, values: roundMetricValues(report) });
  });
}

export async function finishHdrRun(db: StudioDb, runId: string, stopReason: string, failed = false, totals?: HdrTotals): Promise<void> {
  const n = await db.runs.update(runId, { status: failed ? 'failed' : 'done', updatedAt: Date.now(), message: stopReason, stopReason, ...totals } as Partial<HdrRunRow>);
  if (n === 0) throw new Error(`no HDR run "${runId}"`);
}

async function updateHdrRun(db: StudioDb, runId: string, patch: (row: HdrRunRow) => Partial<HdrRunRow>): Promise<void> {
  const n = await db.runs.update(runId, (row) => void Object.assign(row, patch(row as HdrRunRow)));
  if (n === 0) throw new Error(`no HDR run "${runId}"`);
}

/** Hooks that keep the database in step with a running HDR loop. */
export function dexieHdrHooks(db: StudioDb, datasetId: string, runId: string, keepOutputs = 4): HdrHooks {
  return {
    // The run's totals follow the pool and the dataset as they change, not only when the run
    // finishes: a run nothing finishes (the tab closed, the worker died) kept none.
    onHardCases: async (round, cases) => {
      await saveHardCases(db, datasetId, round, cases, keepOutputs);
      await updateHdrRun(db, runId, () => ({ poolEnd: cases.length }));
    },
    onAccepted: async (_round, examples) => {
      await addHdrExamples(db, datasetId, examples);
      await updateHdrRun(db, runId, (row) => ({ added: (row.added ?? 0) + examples.length }));
    },
    onSolved: (round, ids) => markHardCasesSolved(db, datasetId, ids, round),
    onRound: (report) => recordHdrRound(db, runId, report),
  };
}
