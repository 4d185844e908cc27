// Why an HDR run stopped: the codes run rows and run folders keep, and the words people read.
import { plural } from '../data/plural.ts';
import { answerChangesSentence } from '../eval/pairedTest.ts';
import { cutOffNote } from '../eval/summaryNotes.ts';
import type { HdrRoundReport, RoundPhase } from './rounds.ts';

export type HdrStopReason = 'no_hard_cases' | 'pool_empty' | 'pool_stopped_shrinking' | 'round_limit' | 'aborted';

const STOP_WORDS: Record<HdrStopReason, string> = {
  no_hard_cases: 'the model answered every mined example correctly: no hard case',
  pool_empty: 'every hard case was solved',
  pool_stopped_shrinking: 'the pool stopped shrinking',
  round_limit: 'the round limit was reached',
  aborted: 'cancelled',
};

/** A stop code, as opposed to the error text a failed run's row keeps in the same field. */
export const isHdrStopReason = (reason: string | undefined): reason is HdrStopReason => reason !== undefined && Object.hasOwn(STOP_WORDS, reason);

/** Why HDR stopped, in words: what the studio and the CLI say (run rows and folders keep the code). */
export function hdrStopText(reason: string | undefined): string {
  return reason ? (STOP_WORDS[reason as HdrStopReason] ?? reason) : 'not stopped yet';
}

/** A round a cancel cut short, as a run's result names it. */
export interface CutShortRound {
  round: number;
  phase: RoundPhase;
}

/** How an HDR run ended, in words: "stopped after 2 rounds (the pool stopped shrinking)", or where a
 * cancel cut its last round short, that round, so it does not read as one of the finished ones. */
export function hdrStoppedText(r: { rounds: number; stopReason: string; cutShort?: CutShortRound }): string {
  const why = hdrStopText(r.stopReason);
  if (!r.cutShort) return `stopped after ${plural(r.rounds, 'round')} (${why})`;
  const finished = r.rounds > 1 ? `, after ${plural(r.rounds - 1, 'finished round')}` : '';
  return `stopped in round ${r.cutShort.round}'s ${r.cutShort.phase}${finished} (${why})`;
}

/** An HDR run's status counted in its own rounds (a share link's: the steps it carries are those of
 * the training run HDR continued). `lastRound`: this run's newest, if it finished any; a cancel may
 * have cut it short. `interrupted`: left running by a closed page, said as the HDR panel says it. */
export function hdrStatusText(status: string, r: { rounds: number; maxRounds: number; stopReason?: string; interrupted?: boolean; lastRound?: { round: number; cancelledIn?: RoundPhase } }): string {
  if (r.interrupted) return `interrupted (${interruptedWhy(false)}) ${r.lastRound ? `after round ${r.lastRound.round}` : 'before its first round'}`;
  if (status === 'running') return `running, ${r.rounds} of at most ${plural(r.maxRounds, 'round')} finished`;
  const cutShort = r.lastRound?.cancelledIn ? { round: r.lastRound.round, phase: r.lastRound.cancelledIn } : undefined;
  if (status === 'done' && r.stopReason) return `done: ${hdrStoppedText({ rounds: r.rounds, stopReason: r.stopReason, cutShort })}`;
  return r.rounds === 0 ? `${status} before its first round` : `${status} after ${plural(r.rounds, 'round')}`;
}

/** What a cancel left of a round it cut short, in words, or null for a round that ran to its end:
 * its rounds-table row and CLI line read as a finished round otherwise. */
export function roundCancelledText(r: Pick<HdrRoundReport, 'round' | 'cancelledIn'> & { training?: { steps: number } | null }): string | null {
  if (r.cancelledIn === 'retraining') return `round ${r.round} was cancelled during its retraining, after ${plural(r.training?.steps ?? 0, 'step')}: the adapter holds those, and the held-out accuracy after the round was not measured`;
  if (r.cancelledIn === 're-evaluation') return `round ${r.round} was cancelled during its held-out evaluation after retraining: the accuracy after the round was not measured`;
  return null;
}

/** Why a run row left "running" stopped, as far as the page knows: the worker of this page died
 * while it ran (`workerEnded`), or, for a row an earlier page left, the page was closed or its
 * worker died then (the row cannot tell which). */
export function interruptedWhy(workerEnded: boolean): string {
  return workerEnded ? 'the studio’s GPU worker was ended by the browser: out of memory, or a crash' : 'the page was closed, or its GPU worker was ended, while it ran';
}

/** What the HDR panel's rounds table says for a run with no round recorded, by its status as the
 * page sees it (a row left "running" by a closed page is "interrupted"; `workerEnded`: interruptedWhy's)
 * and what its mining found, once it has (the first round runs from then on). */
export function noRoundsText(status: string, stopReason: string | undefined, mined?: { examples: number; hardCases: number }, workerEnded = false): string {
  if (status === 'running') {
    if (!mined) return 'mining hard cases…';
    const found = `${plural(mined.hardCases, 'hard case')} mined from ${plural(mined.examples, 'example')}`;
    return mined.hardCases > 0 ? `${found}; the first round is under way…` : found;
  }
  if (status === 'interrupted') return `interrupted (${interruptedWhy(workerEnded)}) before its first round`;
  return stopReason ? `no rounds: ${hdrStopText(stopReason)}` : 'no rounds';
}

/** A round's held-out accuracy before its retraining and after it, in `pct`'s words: said
 * `notMeasured` where the run had no held-out example to evaluate (Eval examples 0, or none held
 * out; the caller knows which and says it in its own words), and "not retrained" where no sample
 * was accepted to retrain on (the adapter, so its accuracy, is as before), not as a blank "after".
 * The studio's rounds table and `studio hdr` say the same. */
export function roundAccuracyText(r: Pick<HdrRoundReport, 'evalAccuracyBefore' | 'evalAccuracyAfter' | 'training'> & Partial<Pick<HdrRoundReport, 'evalNotAsked'>>, pct: (x: number | null) => string, notMeasured = 'not measured'): string {
  if (r.evalAccuracyBefore == null && r.evalAccuracyAfter == null) return notMeasured;
  // Where training asks some held-out questions too, the others' count: what the round did to the task.
  const tally = (t: { correct: number; total: number } | null) => (t ? `${t.correct}/${t.total}` : '—');
  const notAsked = (after: boolean) => (r.evalNotAsked ? `; on the questions training does not ask ${tally(r.evalNotAsked.before)}${after ? ` → ${tally(r.evalNotAsked.after)}` : ''}` : '');
  if (r.evalAccuracyAfter == null && !r.training) return `${pct(r.evalAccuracyBefore)} (not retrained: no sample accepted${notAsked(false)})`;
  return `${pct(r.evalAccuracyBefore)} → ${pct(r.evalAccuracyAfter)}${r.evalNotAsked ? ` (${notAsked(true).slice(2)})` : ''}`;
}

/** What a round's retraining left out (too long for the sequence length, or not renderable), in
 * words, or null: its accepted samples still count as accepted and their cases as solved, so
 * without this the rounds table and the CLI claim training on data the model never saw. */
export function roundSkippedText(r: Pick<HdrRoundReport, 'round' | 'training'>): string | null {
  const skipped = r.training?.skipped ?? [];
  if (skipped.length === 0) return null;
  const more = skipped.length > 1 ? ` (and ${plural(skipped.length - 1, 'other')})` : '';
  return `round ${r.round} retrained on ${plural(r.training!.examples, 'example')}, skipping ${skipped.length}: ${skipped[0]}${more}`;
}

/** How many of a round's samples stopped at the token limit, in words, or null (none did, or the
 * round was recorded before that was kept): as an evaluation says its answers did, with `limit` as
 * the reader sets it (cutOffNote). */
export function roundCutOffText(r: Pick<HdrRoundReport, 'round' | 'samples' | 'sampleEndings'>, limit: string): string | null {
  const note = r.sampleEndings && cutOffNote({ finishReasons: r.sampleEndings, total: r.samples }, limit, 'sampled answer');
  return note ? `round ${r.round}: ${note}` : null;
}

/** The samples of a round that passed the answer check (pass@k's) but not the quality gate, in
 * words, with the gate's reasons counted, or null where none did: pass@k counts their cases as
 * answered while the pool keeps those no other sample solved. */
export function roundRightButRejectedText(r: Pick<HdrRoundReport, 'round' | 'rightButRejected'>): string | null {
  const x = r.rightButRejected;
  if (!x || x.samples === 0) return null;
  const rules = Object.entries(x.byRule).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([rule, n]) => `${rule} ${n}`).join(', ');
  const one = x.samples === 1;
  const open = x.casesLeftOpen > 0 ? `, so ${plural(x.casesLeftOpen, 'hard case')} pass@k counts as answered ${x.casesLeftOpen === 1 ? 'stays' : 'stay'} in the pool` : '';
  return `round ${r.round}: ${plural(x.samples, 'sampled answer')} passed the answer check but the quality gate rejected ${one ? 'it' : 'them'} (${rules})${open}`;
}

/** How many of a round's held-out answers (its newest evaluation's) stopped at the token limit, in
 * words, or null: the accuracy it reports counts them as wrong. */
export function roundEvalCutOffText(r: Pick<HdrRoundReport, 'round' | 'evalEndings'>, limit: string): string | null {
  const note = r.evalEndings && cutOffNote(r.evalEndings, limit, 'held-out answer');
  return note ? `round ${r.round}: ${note}` : null;
}

/** What a round says below its numbers, in the order it happened (its samples, its retraining, its
 * held-out evaluation, a cancel), leaving out what does not apply: the lines under `studio hdr`'s
 * round line and the notes under the studio's rounds table. `limit`: the token limit as the reader
 * sets it (roundCutOffText). */
export function roundNotes(r: HdrRoundReport, limit: string): string[] {
  return [roundCutOffText(r, limit), roundRightButRejectedText(r), roundSkippedText(r), roundEvalCutOffText(r, limit), roundCancelledText(r)].filter((t): t is string => t !== null);
}

/** A round's held-out accuracies and answer changes, as a run row or a snapshot (older ones: none) has them. */
type RoundAccuracies = Pick<HdrRoundReport, 'round'> & Partial<Pick<HdrRoundReport, 'evalAccuracyBefore' | 'evalAccuracyAfter' | 'evalChangesSinceStart'>>;

/** The held-out accuracy from before the first round to after the last that measured it, and the
 * answers that turned right and wrong between those two evaluations; null with fewer than two rounds
 * (the one round's own numbers say it) or none re-evaluated. */
export function runAnswerChanges(rounds: RoundAccuracies[]): { before: number; after: number; fromRound: number; toRound: number; fixed: number; broken: number } | null {
  const last = rounds.findLast((r) => r.evalChangesSinceStart && typeof r.evalAccuracyAfter === 'number');
  const before = rounds[0]?.evalAccuracyBefore;
  if (!last?.evalChangesSinceStart || rounds.length < 2 || before === null || before === undefined) return null;
  return { before, after: last.evalAccuracyAfter!, fromRound: rounds[0].round, toRound: last.round, ...last.evalChangesSinceStart };
}

/** Held-out accuracy over the run's rounds, and whether the answers that turned right and wrong
 * could be chance (runAnswerChanges), as the studio and a shared run say it; empty when it has none to say. */
export function runChangesText(rounds: RoundAccuracies[]): string {
  const c = runAnswerChanges(rounds);
  const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
  return c ? `Held-out accuracy ${pct(c.before)} → ${pct(c.after)} over rounds ${c.fromRound}–${c.toRound}. ${answerChangesSentence(c.fixed, c.broken, 'between them')}` : '';
}

/** What an HDR run's totals are read from: its row (or a run folder's hdr.json, which has the same). */
export interface HdrTotalsSource {
  rounds: Array<Pick<HdrRoundReport, 'poolBefore' | 'poolAfter' | 'accepted'>>;
  mined?: unknown;
  poolStart?: number;
  poolEnd?: number;
  added?: number;
}

/** An HDR run's pool from mining to its end and the samples it added to the dataset: the figures
 * written when it ended (`recorded`), or, while it runs and on rows kept before those, its finished
 * rounds' (which leave out the samples of a round whose retraining failed). null before mining. */
export function hdrTotals(r: HdrTotalsSource): { poolStart: number; poolEnd: number; added: number; recorded: boolean } | null {
  if (r.mined === undefined && r.rounds.length === 0) return null;
  if (r.poolStart !== undefined && r.poolEnd !== undefined && r.added !== undefined) return { poolStart: r.poolStart, poolEnd: r.poolEnd, added: r.added, recorded: true };
  if (r.rounds.length === 0) return null;
  return { poolStart: r.rounds[0].poolBefore, poolEnd: r.rounds.at(-1)!.poolAfter, added: r.rounds.reduce((n, x) => n + x.accepted, 0), recorded: false };
}

/** hdrTotals in words, a sentence that closes the HDR rounds table: what the CLI's last line and hdr.json say,
 * or, from the rounds alone, only what those rounds did. */
export function hdrTotalsText(r: HdrTotalsSource): string | null {
  const t = hdrTotals(r);
  if (!t) return null;
  if (t.recorded) return recordedTotalsText(t);
  return `Hard-case pool ${t.poolStart} → ${t.poolEnd} in the finished rounds; ${plural(t.added, 'example')} accepted in them`;
}

/** The totals a run recorded, in words (hdrTotalsText's, and a snapshot's or share link's). */
export function recordedTotalsText(t: { poolStart: number; poolEnd: number; added: number }): string {
  return `Hard-case pool ${t.poolStart} → ${t.poolEnd}; ${plural(t.added, 'example')} added to the dataset`;
}
