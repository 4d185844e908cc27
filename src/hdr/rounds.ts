// HDR rounds (DESIGN.md, "HDR"): mine hard cases (examples the current model answers wrongly),
// then per round sample k answers per open hard case at the configured temperature / top-p, pass
// each through the quality gate, de-duplicate, add the accepted samples as training examples
// (source 'hdr', round r), retrain from the current adapter on everything accepted so far plus a
// replay share of qualified data, and re-evaluate. A hard case with an accepted sample is solved
// and leaves the pool; the others keep their failed outputs. Rounds stop when the pool is empty,
// when a round does not shrink it, or at the round limit.
// Model access (generation, training) and persistence come in as an engine and hooks, so this
// file is the procedure only: it never touches the GPU or the database directly.
import type { Example } from '../data/example.ts';
import { checkExample } from '../data/quality-check.ts';
import { plural } from '../data/plural.ts';
import { hardCaseRootId } from '../data/split.ts';
import { promptKey } from '../data/prompt-key.ts';
import { cutOffNote, evaluateExamples, tooLongNote, type EvalReport, type FinishReason, type ModelAccess, type Prediction } from '../eval/index.ts';
import { compareAnswers } from '../eval/compareAnswers.ts';
import { epochOrder } from '../train/batching.ts';
import { hashString } from '../model/random.ts';
import { SampleDeduper, sampleKey } from './dedupe.ts';
import { qualityGate, type GateFailure, type GateRule, type SampleEnding } from './gate.ts';
import { replayCount, validateHdrSettings, type HdrSettings } from './settings.ts';
import type { HdrStopReason } from './stopReason.ts';

export interface HardCase {
  example: Example;
  /** The model's failed outputs, newest last. */
  failedOutputs: string[];
  /** Round in which it last failed (0: the mining evaluation). */
  round: number;
  status: 'open' | 'solved';
}

export interface RoundTraining {
  steps: number;
  examples: number;
  lossFirst: number;
  lossLast: number;
  /** Examples that could not be tokenized (e.g. too long), with the reason. */
  skipped: string[];
}

export interface HdrEngine extends ModelAccess {
  /** Retrains the current adapter on `examples` (the caller chose them) for the configured steps,
   * stopping early (with the steps taken so far) once `signal` aborts. */
  train(examples: Example[], round: number, signal?: AbortSignal): Promise<RoundTraining>;
}

export interface HdrSample {
  hardCaseId: string;
  output: string;
  accepted: boolean;
  answerCorrect: boolean;
  failures: GateFailure[];
  /** Accepted and new: became a training example (its id). */
  addedAs?: string;
}

export interface HdrRoundReport {
  round: number;
  poolBefore: number;
  poolAfter: number;
  samples: number;
  /** How the samples ended (the generator's finish reasons): those that stopped at the token limit
   * were likely cut off, which the gate rejects. Absent in rounds recorded before it was kept. */
  sampleEndings?: Partial<Record<FinishReason, number>>;
  /** How the round's newest held-out evaluation ended (its answers' finish reasons, of `total`): a
   * limit that cuts them off lowers the accuracy the round reports. Absent where the round evaluated
   * nothing, and in rounds recorded before it was kept. */
  evalEndings?: { finishReasons: Partial<Record<FinishReason, number>>; total: number };
  /** Share of the round's hard cases with at least one sample passing the answer check. */
  passAtK: number;
  /** Samples that passed the gate, before de-duplication. */
  gatePassed: number;
  /** New training examples this round (gate passed, not a duplicate). */
  accepted: number;
  duplicates: number;
  /** Samples rejected by the gate, per rule (a sample counts once per rule it broke). */
  rejectedByRule: Partial<Record<GateRule, number>>;
  /** Samples that passed the answer check, which is all pass@k asks (so it agrees with the eval
   * score), and that the gate rejected all the same (their reasoning, format or base quality): how
   * many, per gate rule as rejectedByRule counts them, and the hard cases pass@k counts as answered
   * that stay in the pool for it (no other sample of theirs accepted). Without it, "pass@k 100%"
   * beside a pool that kept a case read as a contradiction. Absent where no sample was, and in
   * rounds recorded before it was kept. */
  rightButRejected?: { samples: number; byRule: Partial<Record<GateRule, number>>; casesLeftOpen: number };
  solved: string[];
  evalAccuracyBefore: number | null;
  /** Measured after the round's retraining; null when the round did not retrain (nothing changed
   * to measure: the before value repeated would read as a measured, unchanged accuracy). */
  evalAccuracyAfter: number | null;
  /** The held-out answers behind those two accuracies: how many turned right and how many wrong
   * over the round (the same examples both times), which says whether the change could be chance
   * (eval/pairedTest.ts). Absent where the round has no accuracy after, or the run recorded none. */
  evalChanges?: AnswerChanges;
  /** The same from the run's first held-out evaluation (before its first round) to after this round. */
  evalChangesSinceStart?: AnswerChanges;
  /** Where some held-out question is asked word for word by a training example too: the held-out
   * answers right on the other questions, before and after the round (null: not measured then), so
   * a change on questions the model trained on is not read as one on the task. */
  evalNotAsked?: { before: AskedTally | null; after: AskedTally | null };
  training: RoundTraining | null;
  replayed: number;
  millis: number;
  /** Where the run was cancelled inside this round, if it was: its retraining, cut short after
   * `training.steps` (the adapter holds those), or the held-out evaluation after it. */
  cancelledIn?: RoundPhase;
}

/** Right answers of how many asked. */
export interface AskedTally {
  correct: number;
  total: number;
}

/** Held-out examples right after and wrong before (`fixed`), and the other way round (`broken`). */
export interface AnswerChanges {
  fixed: number;
  broken: number;
}

function answerChanges(before: Prediction[], after: Prediction[]): AnswerChanges {
  const c = compareAnswers(after, before);
  return { fixed: c.nowRight.length, broken: c.nowWrong.length };
}

/** The parts of a round a cancel can cut short. */
export type RoundPhase = 'retraining' | 're-evaluation';

export interface HdrResult {
  rounds: HdrRoundReport[];
  pool: HardCase[];
  /** Every example HDR added, in order. */
  added: Example[];
  stopReason: HdrStopReason;
}

/** Persistence and progress; every hook may be async and is awaited, so a store stays in step. */
export interface HdrHooks {
  onHardCases?(round: number, cases: HardCase[]): void | Promise<void>;
  onSamples?(round: number, samples: HdrSample[]): void | Promise<void>;
  onAccepted?(round: number, examples: Example[]): void | Promise<void>;
  onSolved?(round: number, exampleIds: string[]): void | Promise<void>;
  onRound?(report: HdrRoundReport): void | Promise<void>;
  onEval?(round: number, phase: 'before' | 'after', report: EvalReport): void | Promise<void>;
  onProgress?(text: string): void;
  /** How far the phase under way is (sampling, evaluating), for a progress bar. */
  onCount?(label: string, done: number, total: number): void;
}

/** The engine as evaluation sees it, context length included: without it, mining and the held-out
 * accuracy asked examples an evaluation run leaves out, and scored the same model differently. */
function evalAccess(engine: HdrEngine): ModelAccess {
  return { generate: engine.generate, encodePrompt: engine.encodePrompt, decode: engine.decode, stopTokenIds: engine.stopTokenIds, maxPositions: engine.maxPositions };
}

/**
 * Greedy answers for `examples`; the ones that fail the answer check become hard cases. Examples
 * that fail the base quality check are not eligible (the paper discards them instead), and samples
 * earlier HDR runs added are not mined at all (minableExamples). `notes` says, in words, which of
 * the examples given were left out and why: mined from fewer than they chose, users were not told.
 */
export async function mineHardCases(
  examples: Example[],
  engine: HdrEngine,
  settings: HdrSettings,
  signal?: AbortSignal,
  onCount?: HdrHooks['onCount'],
): Promise<{ pool: HardCase[]; report: EvalReport; ineligible: string[]; notes: string[] }> {
  const ineligible: string[] = [];
  let firstFailure = '';
  const eligible = minableExamples(examples).filter((e) => {
    const { passed, failures } = checkExample(e);
    if (!passed) ineligible.push(e.id);
    if (!passed && !firstFailure) firstFailure = `example "${e.id}": ${failures[0]?.rule}: ${failures[0]?.detail}`;
    return passed;
  });
  // Nothing asked is no hard case found: the run would end "every mined example answered correctly".
  if (eligible.length === 0 && ineligible.length > 0) throw new Error(`none of the ${plural(ineligible.length, 'example')} to mine passes the quality check HDR requires (${firstFailure})`);
  const label = `mining hard cases from ${eligible.length} examples`;
  const report = await evaluateExamples(eligible, evalAccess(engine), {
    maxNewTokens: settings.maxNewTokens, batchSize: settings.batchSize, signal,
    onProgress: (p) => onCount?.(label, p.done, p.total),
  });
  // As above: none asked is not "every example answered correctly".
  const tooLong = tooLongNote(report, settings.maxNewTokens, engine.maxPositions);
  if (report.total === 0 && tooLong && !report.aborted) throw new Error(`no hard case could be mined: ${tooLong}`);
  // As an evaluation says it: a limit that cuts answers off fills the pool with cases the model may answer.
  const cutOff = cutOffNote(report, `Max new tokens ${settings.maxNewTokens}`);
  const byId = new Map(eligible.map((e) => [e.id, e]));
  const pool = report.predictions.filter((p) => !p.valid).map((p): HardCase => ({ example: byId.get(p.exampleId)!, failedOutputs: [p.output], round: 0, status: 'open' }));
  const notes = [
    ineligible.length > 0 && `${plural(ineligible.length, 'example')} not mined: ${ineligible.length === 1 ? 'it fails' : 'they fail'} the quality check HDR requires (${firstFailure})`,
    tooLong,
    cutOff && `${cutOff} (an answer cut off before it was whole fails, and is mined as a hard case)`,
  ].filter((n): n is string => !!n);
  return { pool, report, ineligible, notes };
}

export interface HdrRunInput {
  pool: HardCase[];
  /** Held-out examples for accuracy before/after each round (may be empty). */
  evalSet: Example[];
  /** Qualified training data to replay beside the HDR examples. */
  replayPool: Example[];
  /** HDR samples of held-out questions (JobExamples.heldOutSamples): never replayed, but known as
   * earlier samples are, for the round numbers and the answers already accepted. */
  heldOutSamples?: Example[];
  /** HDR samples the user excluded (or that fail the quality check, JobExamples.excludedSamples):
   * the same answer sampled again is neither added again nor trained on, nor solves its case. */
  excludedSamples?: Example[];
  engine: HdrEngine;
  settings: HdrSettings;
  hooks?: HdrHooks;
  signal?: AbortSignal;
  /** Accuracy on evalSet before the first round, when the caller already measured it. */
  initialEvalAccuracy?: number;
  /** Number of the first round (default 1); a resumed pool continues after its last round so
   * example ids (`<id>#hdr<round>.<n>`) stay unique. Raised past the round of any HDR sample in
   * `replayPool`. `maxRounds` counts from here. */
  firstRound?: number;
}

/** What HDR mines hard cases from: the dataset's own examples, not samples earlier HDR runs added
 * (mined again, they were copied again with every run, as extra hard cases of the same question). */
export function minableExamples(examples: Example[]): Example[] {
  return examples.filter((e) => e.source !== 'hdr');
}

/** The first `limit` examples HDR can mine (a mining limit counts the dataset's own examples only). */
export function firstMinable(examples: Example[], limit: number): Example[] {
  return minableExamples(examples).slice(0, limit);
}

export async function runHdrRounds(input: HdrRunInput): Promise<HdrResult> {
  const { engine, settings, hooks = {}, signal } = input;
  validateHdrSettings(settings);
  const pool = input.pool.map((c) => ({ ...c, failedOutputs: [...c.failedOutputs] }));
  const added: Example[] = [];
  const rounds: HdrRoundReport[] = [];
  // Earlier HDR runs' examples are in the data (`<case>#hdr<round>.<n>`): a sample equal to one of
  // them is a duplicate, not a new example, yet this run trains on it (its model may never have:
  // a run from another adapter). Replay draws from the qualified data only.
  const earlier = [...input.replayPool, ...(input.heldOutSamples ?? [])].filter((e) => e.source === 'hdr');
  const earlierByKey = new Map(earlier.map((e) => [sampleKey(hardCaseRootId(e.id), e), e]));
  // An answer the user took out of the data came back as a new, included example with the next run
  // (unless the data also keeps a copy of it in use: that one is trained on as above).
  const excluded = (input.excludedSamples ?? []).filter((e) => e.source === 'hdr');
  const excludedKeys = new Set(excluded.map((e) => sampleKey(hardCaseRootId(e.id), e)).filter((k) => !earlierByKey.has(k)));
  const deduper = new SampleDeduper(earlierByKey.keys());
  /** Earlier runs' samples this run accepted again, trained on beside `added`. */
  const reused: Example[] = [];
  const qualified = input.replayPool.filter((e) => e.source !== 'hdr');
  // The answers of the newest held-out evaluation and of the run's first, to pair with the next.
  let latestAnswers: Prediction[] | null = null;
  let firstAnswers: Prediction[] | null = null;
  // The questions training asks (its examples', whose prompts the hard cases' samples share): a
  // held-out question among them is answered from memory, and counted apart.
  const trainedAsks = new Set([...input.replayPool, ...input.pool.map((c) => c.example)].map(promptKey));
  /** The newest evaluation's tally on the held-out questions training does not ask (null: none, or
   * every held-out question is one training asks too: nothing to set apart). */
  // (Cast: set inside `evaluate`, which the checker does not follow from the loop.)
  let latestNotAsked = null as AskedTally | null;
  let askedApart = false as boolean;
  /** How each round's newest held-out evaluation ended, by round. */
  const evalEndings = new Map<number, NonNullable<HdrRoundReport['evalEndings']>>();
  const evaluate = async (round: number, phase: 'before' | 'after'): Promise<number | null> => {
    if (input.evalSet.length === 0) return null;
    const label = `round ${round}: held-out accuracy ${phase} the round`;
    const report = await evaluateExamples(input.evalSet, evalAccess(engine), {
      maxNewTokens: settings.maxNewTokens, batchSize: settings.batchSize, signal, trainedAsks,
      onProgress: (p) => hooks.onCount?.(label, p.done, p.total),
    });
    // A partial evaluation is not an accuracy; the loop notices the abort at the next check.
    if (report.aborted) return null;
    askedApart ||= report.asked !== undefined;
    latestNotAsked = report.asked ? { correct: report.asked.notInTraining.correct, total: report.asked.notInTraining.total } : null;
    latestAnswers = report.predictions;
    firstAnswers ??= report.predictions;
    evalEndings.set(round, { finishReasons: report.finishReasons, total: report.total });
    await hooks.onEval?.(round, phase, report);
    return report.accuracy;
  };
  let accuracy: number | null = input.initialEvalAccuracy ?? null;
  const requestedRound = input.firstRound ?? 1;
  if (!(Number.isInteger(requestedRound) && requestedRound >= 1)) throw new Error(`HDR: firstRound must be a whole number ≥ 1, got ${requestedRound}`);
  // After the rounds of the earlier samples in the data too (a run folder knows of none): a round
  // they used would give new samples their ids.
  const firstRound = [...earlier, ...excluded].reduce((r, e) => Math.max(r, (e.hdrRound ?? 0) + 1), requestedRound);
  await hooks.onHardCases?.(firstRound - 1, pool.filter((c) => c.status === 'open'));

  for (let round = firstRound; round < firstRound + settings.maxRounds; round++) {
    const open = pool.filter((c) => c.status === 'open');
    // Aborted first: a pool mined by a cancelled evaluation is empty because mining stopped, not
    // because every case was solved.
    if (signal?.aborted) return { rounds, pool, added, stopReason: 'aborted' };
    // Nothing mined is no hard case solved: say which.
    if (open.length === 0) return { rounds, pool, added, stopReason: rounds.length === 0 && pool.length === 0 ? 'no_hard_cases' : 'pool_empty' };
    const t0 = performance.now();
    if (accuracy === null && input.evalSet.length > 0) accuracy = await evaluate(round, 'before');
    const evalAccuracyBefore = accuracy;
    const answersBefore = latestAnswers;
    const notAskedBefore = accuracy === null ? null : latestNotAsked;

    hooks.onProgress?.(`round ${round}: sampling ${settings.samplesPerCase} answers for ${open.length} hard cases`);
    const outputs = await sampleAnswers(open, engine, settings, round, signal, (done, total) => hooks.onCount?.(`round ${round}: sampling answers for ${open.length} hard cases`, done, total));
    if (signal?.aborted) return { rounds, pool, added, stopReason: 'aborted' };

    const samples: HdrSample[] = [];
    const roundExamples: Example[] = [];
    let roundReused = 0;
    const rejectedByRule: HdrRoundReport['rejectedByRule'] = {};
    const rightButRejected: NonNullable<HdrRoundReport['rightButRejected']> = { samples: 0, byRule: {}, casesLeftOpen: 0 };
    const solved: string[] = [];
    let answeredCases = 0;
    let gatePassed = 0;
    let duplicates = 0;
    const sampleEndings: HdrRoundReport['sampleEndings'] = {};
    for (const { finishReason } of outputs.flat()) sampleEndings[finishReason] = (sampleEndings[finishReason] ?? 0) + 1;
    open.forEach((hardCase, c) => {
      let anyCorrect = false;
      let anyAccepted = false;
      let anyRightRejected = false;
      const failed: string[] = [];
      for (const { output, ...ending } of outputs[c]) {
        const verdict = qualityGate(hardCase.example, output, round, ending);
        const sample: HdrSample = { hardCaseId: hardCase.example.id, output, accepted: verdict.accepted, answerCorrect: verdict.answerCorrect, failures: verdict.failures };
        anyCorrect ||= verdict.answerCorrect;
        const key = verdict.candidate ? sampleKey(hardCase.example.id, verdict.candidate) : '';
        if (verdict.accepted && excludedKeys.has(key)) {
          // Passed the gate, but the user excluded this answer: a duplicate that solves nothing.
          gatePassed++;
          duplicates++;
          failed.push(output);
        } else if (verdict.accepted && verdict.candidate) {
          gatePassed++;
          anyAccepted = true;
          if (deduper.add(hardCase.example.id, verdict.candidate)) {
            const example = { ...verdict.candidate, id: `${verdict.candidate.id}.${roundExamples.length}` };
            roundExamples.push(example);
            sample.addedAs = example.id;
          } else {
            duplicates++;
            const again = earlierByKey.get(key);
            if (again) {
              earlierByKey.delete(key);
              reused.push(again);
              roundReused++;
            }
          }
        } else {
          failed.push(output);
          const rules = new Set(verdict.failures.map((f) => f.rule));
          for (const rule of rules) rejectedByRule[rule] = (rejectedByRule[rule] ?? 0) + 1;
          if (verdict.answerCorrect) {
            anyRightRejected = true;
            rightButRejected.samples++;
            for (const rule of rules) rightButRejected.byRule[rule] = (rightButRejected.byRule[rule] ?? 0) + 1;
          }
        }
        samples.push(sample);
      }
      if (anyCorrect) answeredCases++;
      if (anyRightRejected && !anyAccepted) rightButRejected.casesLeftOpen++;
      if (anyAccepted) {
        hardCase.status = 'solved';
        solved.push(hardCase.example.id);
      } else {
        hardCase.failedOutputs = [...hardCase.failedOutputs, ...failed].slice(-settings.maxFailedOutputs);
        hardCase.round = round;
      }
    });
    await hooks.onSamples?.(round, samples);
    added.push(...roundExamples);
    if (roundExamples.length) await hooks.onAccepted?.(round, roundExamples);
    if (solved.length) await hooks.onSolved?.(round, solved);
    await hooks.onHardCases?.(round, pool.filter((c) => c.status === 'open'));

    let training: RoundTraining | null = null;
    let evalAccuracyAfter: number | null = null;
    let changes: Pick<HdrRoundReport, 'evalChanges' | 'evalChangesSinceStart'> = {};
    let replayed = 0;
    let cancelledIn: RoundPhase | undefined;
    if (roundExamples.length + roundReused > 0) {
      // Everything HDR accepted so far, so earlier rounds' answers are not forgotten, plus replay.
      const accepted = [...added, ...reused];
      replayed = replayCount(accepted.length, settings.replayShare, qualified.length);
      const order = epochOrder(qualified.length, settings.seed, round);
      const replay = Array.from(order.subarray(0, replayed), (i) => qualified[i]);
      hooks.onProgress?.(`round ${round}: training ${settings.stepsPerRound} steps on ${accepted.length} HDR + ${replayed} replayed examples`);
      training = await engine.train([...accepted, ...replay], round, signal);
      if (signal?.aborted) cancelledIn = 'retraining';
      accuracy = await evaluate(round, 'after');
      evalAccuracyAfter = accuracy;
      if (accuracy !== null && answersBefore && firstAnswers && latestAnswers) {
        changes = { evalChanges: answerChanges(answersBefore, latestAnswers), evalChangesSinceStart: answerChanges(firstAnswers, latestAnswers) };
      }
      if (signal?.aborted) cancelledIn ??= 're-evaluation';
    }
    const poolAfter = pool.filter((c) => c.status === 'open').length;
    const report: HdrRoundReport = {
      round,
      poolBefore: open.length,
      poolAfter,
      samples: samples.length,
      sampleEndings,
      ...(evalEndings.has(round) ? { evalEndings: evalEndings.get(round) } : {}),
      passAtK: answeredCases / open.length,
      gatePassed,
      accepted: roundExamples.length,
      duplicates,
      rejectedByRule,
      ...(rightButRejected.samples > 0 ? { rightButRejected } : {}),
      solved,
      evalAccuracyBefore,
      evalAccuracyAfter,
      ...changes,
      ...(askedApart ? { evalNotAsked: { before: notAskedBefore, after: evalAccuracyAfter === null ? null : latestNotAsked } } : {}),
      training,
      replayed,
      millis: performance.now() - t0,
      ...(cancelledIn ? { cancelledIn } : {}),
    };
    rounds.push(report);
    await hooks.onRound?.(report);
    // Cancelled while the round retrained or re-evaluated: its training was cut short, so the run
    // was cancelled whatever the pool says (an empty pool or the last round are not why it ended).
    if (signal?.aborted) return { rounds, pool, added, stopReason: 'aborted' };
    if (poolAfter === 0) return { rounds, pool, added, stopReason: 'pool_empty' };
    if (poolAfter >= open.length) return { rounds, pool, added, stopReason: 'pool_stopped_shrinking' };
  }
  return { rounds, pool, added, stopReason: 'round_limit' };
}

/**
 * The seed of sample s of a hard case in a round: fixed by (HDR seed, round, case id, s), so the
 * sample is the same whichever batch, batch slot or pool order it is generated in.
 */
export function hdrSampleSeed(seed: number, round: number, caseId: string, s: number): number {
  return hashString(`${seed}:${round}:${caseId}:${s}`);
}

/**
 * k decoded answers per open case, `batchSize` sequences decoded at a time (a row whose answer ends
 * takes the next), the k samples of a case side by side (case-major order), each sequence with its
 * own seed (hdrSampleSeed), so the batch size changes how long it takes, never the answers.
 * Each answer comes with how it ended, which the quality gate needs as evaluation does.
 */
async function sampleAnswers(
  open: HardCase[],
  engine: HdrEngine,
  settings: HdrSettings,
  round: number,
  signal: AbortSignal | undefined,
  onCount: (done: number, total: number) => void,
): Promise<Array<Array<SampleEnding & { output: string }>>> {
  const prompts = open.map((c) => engine.encodePrompt(c.example));
  const jobs = open.flatMap((c, i) => Array.from({ length: settings.samplesPerCase }, (_, s) => ({ i, seed: hdrSampleSeed(settings.seed, round, c.example.id, s) })));
  let done = 0;
  const outs = await engine.generate(
    jobs.map((j) => prompts[j.i]),
    {
      maxNewTokens: settings.maxNewTokens,
      temperature: settings.temperature,
      topP: settings.topP,
      seeds: jobs.map((j) => j.seed),
      stopTokenIds: engine.stopTokenIds,
      signal,
      batchSize: settings.batchSize,
      onFinish: () => onCount(++done, jobs.length),
    },
  );
  if (done < jobs.length && !signal?.aborted) onCount(jobs.length, jobs.length);
  const outputs: Array<Array<SampleEnding & { output: string }>> = open.map(() => []);
  outs.forEach((o, j) => outputs[jobs[j].i].push({ output: engine.decode(o.tokens), finishReason: o.finishReason, generatedTokens: o.tokens.length }));
  return outputs;
}
