// Evaluation runs: generate an answer for every example (greedy by default), decode the calls,
// check them against the example's ground truth with the BFCL AST checker, and report accuracy
// overall, per category and per failure rule, keeping every prediction so it can be stored with
// the run. Model access comes in as functions (generate, prompt encoder, decoder), so the same
// code runs on the GPU engine, in the worker and in pure-logic tests.
// Never touches storage and never changes the model: it only reads generations.
import type { Call, Example } from '../data/example.ts';
import { followsCalls } from '../data/call-turns.ts';
import { DEFAULT_DECODE } from '../model/decoding.ts';
import { categoryKind, type AstCheckError } from './ast-checker.ts';
import { checkGeneratedOutput, DECODER_FAILED, RELEVANCE_DECODER_FAILED, type GenerationCheckResult } from './check-generation.ts';
import type { FinishReason, GeneratedSequence, GenerateFn } from './generator.ts';
import { groundTruthKey, groundTruthOf, shortKey } from './ground-truth.ts';
import { ACCURACY_COUNTS, bfclScore, formatBfclScore, type BfclScore } from './bfcl-score.ts';
import { accuracyIntervalText } from './accuracyInterval.ts';
import { askedText, byStepText, cutOffNote, tooLongNote } from './summaryNotes.ts';
import { promptKey } from '../data/prompt-key.ts';
import { ruleWords } from './ruleWords.ts';

export interface Prediction {
  exampleId: string;
  category: string;
  /** The decoded generation, exactly as checked. */
  output: string;
  valid: boolean;
  /** The checker's errors (empty when valid); the first one is the failure's rule. */
  errors: AstCheckError[];
  /** Calls and reasoning read out of the output, when it decoded. */
  calls?: Call[];
  reasoning?: string;
  finishReason: FinishReason;
  generatedTokens: number;
  /** The example answers a conversation that has had calls already (its prompt holds a call or a
   * tool's result): a later step of a task, counted apart in the summary (`afterCalls`). */
  afterCalls?: true;
  /** Its question (conversation and tools) is also a training example's (data/prompt-key.ts): the
   * model trained on that answer, so its verdict measures what it remembers. Counted apart
   * (`asked`). */
  askedInTraining?: true;
  /** What it was judged against (groundTruthKey); absent in answers stored before it was kept. */
  expected?: string;
}

export interface CategoryTally {
  total: number;
  correct: number;
  accuracy: number;
}

export interface EvalSummary extends CategoryTally {
  byCategory: Record<string, CategoryTally>;
  /** Failing predictions per rule (each failure counts once, under its first error's rule). */
  failureRules: Record<string, number>;
  finishReasons: Partial<Record<FinishReason, number>>;
  /** BFCL's aggregate of the categories (bfcl-score.ts). Evaluations stored before it have none. */
  bfcl?: BfclScore;
  /** Examples left out because their prompt and the answer's token limit pass the model's context
   * (counted nowhere else: not in `total`, so not against the accuracy). Absent in older reports. */
  tooLong?: number;
  /** The answers given after earlier calls of their conversation (Prediction.afterCalls), and the
   * others: whether the model carries a task on from the tools' results as well as it starts one.
   * Present only where some are. */
  byStep?: { first: CategoryTally; afterCalls: CategoryTally };
  /** The answers to questions also asked in training (Prediction.askedInTraining), and the others:
   * the accuracy on questions the model never trained on. Present only where some are. */
  asked?: { inTraining: CategoryTally; notInTraining: CategoryTally };
}

export interface EvalReport extends EvalSummary {
  predictions: Prediction[];
  /** The examples left out for the model's context, each with its prompt's tokens. */
  tooLongExamples?: Array<{ exampleId: string; promptTokens: number }>;
  /** True when the signal stopped the run early; the report covers the examples done so far. */
  aborted: boolean;
  /** Why it ended early when it failed (a lost GPU, a refused allocation), with what it had checked. */
  failure?: string;
}

/** How to reach the model: the generator and the tokenizer's two directions. */
export interface ModelAccess {
  generate: GenerateFn;
  /** The example's conversation as a generation prompt (src/data/render-prompt.ts). */
  encodePrompt(example: Example): number[];
  decode(ids: number[]): string;
  /** End-of-turn / EOS ids that end a generation. */
  stopTokenIds?: number[];
  /** The model's context (max_position_embeddings): a prompt and its answer past it are not asked,
   * the model would read nonsense there. */
  maxPositions?: number;
}

export interface EvalOptions {
  maxNewTokens: number;
  /** Answers generated at once (bounded by the model's planned batch); as one ends the next
   * example takes its place. Default DEFAULT_DECODE.batch. */
  batchSize?: number;
  /** Default greedy (undefined). */
  temperature?: number;
  topP?: number;
  /** Sampling seed: example k of those asked draws from its own stream (k), whatever the batch size. */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; correct: number }) => void;
  /** What the training examples ask (data/prompt-key.ts promptKey): an answer to the same question is
   * marked askedInTraining. */
  trainedAsks?: ReadonlySet<string>;
  /** When the generator fails part-way (a lost GPU, a refused allocation), the report of what was
   * checked before, as a run keeps it (hours of answers were lost with the report that was only
   * returned at the end); the error is thrown after. */
  onFailure?: (partial: EvalReport) => void;
}

/** An unclosed <think> or <tool_call> said with why the answer ended there: cut off by the token
 * limit, cancelled by the user, or ended by the model itself (the parser cannot know which). Any
 * other failure to decode the calls (`decodeFailure`) of an answer the limit cut off says so too: a
 * call cut mid-argument reads as bad Python or JSON syntax. */
export function withEndingHint(message: string, finishReason: FinishReason | string, decodeFailure = false): string {
  if (!/is never closed by </.test(message) && !(decodeFailure && finishReason === 'length')) return message;
  const why = finishReason === 'length' ? 'the answer reached the Max new tokens limit first' : finishReason === 'aborted' ? 'you cancelled it' : 'the model ended its answer without closing it';
  return `${message} (${why})`;
}

/** The rule of a failed answer the token limit cut off before it was whole: an irrelevance answer
 * that had not declined yet, or calls not yet readable (checkAnswer). */
const CUT_OFF = 'length:cut_off';

/**
 * Why a passing answer does not count after all, from how it ended, or null: BFCL counts "no call"
 * as right when no call is wanted; an answer the token limit cut off has not said that yet (it may
 * have been about to call), so it does not pass.
 */
function cutOffBeforeDeclining(category: string, finishReason: FinishReason, generatedTokens: number): AstCheckError | null {
  if (finishReason !== 'length' || categoryKind(category) !== 'irrelevance') return null;
  return { rule: CUT_OFF, where: 'output', message: `the answer reached the Max new tokens limit (${generatedTokens} tokens) before it ended, so it did not yet decline to call; raise the limit` };
}

/**
 * One answer judged as evaluation judges it, for evaluation runs and HDR's quality gate alike: the
 * checker's verdict (BFCL's), except that an irrelevance answer the token limit cut off has not
 * declined yet (cutOffBeforeDeclining). Its errors say why an answer ended unfinished
 * (withEndingHint), and a failure to decode an answer the limit cut off is counted under CUT_OFF:
 * a call cut mid-argument reads to the decoder as bad syntax, or as no call at all, and the
 * failures by rule blamed the model's syntax for what the limit did. The verdict is the checker's;
 * only the rule it is counted under changes.
 */
export function checkAnswer(example: Pick<Example, 'tools' | 'target' | 'possibleAnswer' | 'category'>, output: string, finishReason: FinishReason, generatedTokens: number): GenerationCheckResult {
  return judged(example.tools, groundTruthOf(example), output, finishReason, generatedTokens);
}

function judged(functions: Example['tools'], { possibleAnswer, category }: ReturnType<typeof groundTruthOf>, output: string, finishReason: FinishReason, generatedTokens: number): GenerationCheckResult {
  const result = checkGeneratedOutput({ functions, possibleAnswer, category, output });
  const declined = result.valid ? cutOffBeforeDeclining(category, finishReason, generatedTokens) : null;
  if (declined) return { ...result, valid: false, errors: [declined] };
  const errors = result.errors.map((e) => {
    const decodeFailure = e.rule === DECODER_FAILED || e.rule === RELEVANCE_DECODER_FAILED;
    const message = withEndingHint(e.message, finishReason, decodeFailure);
    return decodeFailure && finishReason === 'length' ? { ...e, rule: CUT_OFF, message } : { ...e, message };
  });
  return { ...result, errors };
}

/** Checks one generated output against an example's ground truth. */
export function checkPrediction(example: Pick<Example, 'id' | 'tools' | 'target' | 'possibleAnswer' | 'category'> & Partial<Pick<Example, 'messages'>>, output: string, finishReason: FinishReason, generatedTokens: number): Prediction {
  const truth = groundTruthOf(example);
  const { valid, errors, parsed } = judged(example.tools, truth, output, finishReason, generatedTokens);
  const p: Prediction = { exampleId: example.id, category: truth.category, output, valid, errors, finishReason, generatedTokens };
  if (parsed && !parsed.error) p.calls = parsed.calls;
  if (parsed?.reasoning !== undefined) p.reasoning = parsed.reasoning;
  if (example.messages && followsCalls(example.messages)) p.afterCalls = true;
  p.expected = groundTruthKey(truth);
  return p;
}


/** What an evaluation's answers were judged against, example by example: two evaluations of the same
 * examples with other keys judged some against other expected answers (edited between them).
 * Undefined where an answer has no key (stored before it was kept). */
export function judgedAgainstKey(predictions: Array<Pick<Prediction, 'exampleId' | 'expected'>>): string | undefined {
  if (predictions.some((p) => p.expected === undefined)) return undefined;
  return shortKey(predictions.map((p) => `${p.exampleId}\t${p.expected}`).sort().join('\n'));
}

const tally = (total: number, correct: number): CategoryTally => ({ total, correct, accuracy: total === 0 ? 0 : correct / total });

export function summarizePredictions(predictions: Prediction[]): EvalSummary {
  const perCategory = new Map<string, { total: number; correct: number }>();
  const failureRules: Record<string, number> = {};
  const finishReasons: EvalSummary['finishReasons'] = {};
  let correct = 0;
  const steps = { first: { total: 0, correct: 0 }, afterCalls: { total: 0, correct: 0 } };
  const asked = { inTraining: { total: 0, correct: 0 }, notInTraining: { total: 0, correct: 0 } };
  for (const p of predictions) {
    const step = steps[p.afterCalls ? 'afterCalls' : 'first'];
    step.total++;
    if (p.valid) step.correct++;
    const where = asked[p.askedInTraining ? 'inTraining' : 'notInTraining'];
    where.total++;
    if (p.valid) where.correct++;
    const c = perCategory.get(p.category) ?? { total: 0, correct: 0 };
    c.total++;
    if (p.valid) {
      c.correct++;
      correct++;
    } else {
      const rule = p.errors[0]?.rule ?? 'unknown';
      failureRules[rule] = (failureRules[rule] ?? 0) + 1;
    }
    perCategory.set(p.category, c);
    finishReasons[p.finishReason] = (finishReasons[p.finishReason] ?? 0) + 1;
  }
  const byCategory = Object.fromEntries([...perCategory].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, tally(v.total, v.correct)]));
  const byStep = steps.afterCalls.total > 0 ? { byStep: { first: tally(steps.first.total, steps.first.correct), afterCalls: tally(steps.afterCalls.total, steps.afterCalls.correct) } } : {};
  const askedApart = asked.inTraining.total > 0 ? { asked: { inTraining: tally(asked.inTraining.total, asked.inTraining.correct), notInTraining: tally(asked.notInTraining.total, asked.notInTraining.correct) } } : {};
  return { ...tally(predictions.length, correct), byCategory, failureRules, finishReasons, bfcl: bfclScore(byCategory), ...byStep, ...askedApart };
}

/** A resumed evaluation's report: the answers kept from before and this run's, in `order` (the
 * examples' ids), summarized together; how this run ended (aborted, failed, too long) is its own. */
export function withEarlierPredictions(earlier: Prediction[], report: EvalReport, order: string[]): EvalReport {
  if (earlier.length === 0) return report;
  const at = new Map(order.map((id, i) => [id, i]));
  const predictions = [...earlier, ...report.predictions].sort((a, b) => (at.get(a.exampleId) ?? 0) - (at.get(b.exampleId) ?? 0));
  return { ...report, ...summarizePredictions(predictions), predictions };
}

/** Generates for every example, `batchSize` answers at a time, and checks each answer as it ends. */
export async function evaluateExamples(examples: Example[], model: ModelAccess, opts: EvalOptions): Promise<EvalReport> {
  const batchSize = opts.batchSize ?? DEFAULT_DECODE.batch;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`evaluation batch size must be a whole number ≥ 1, got ${batchSize}`);
  const asked: Example[] = [];
  const prompts: number[][] = [];
  const tooLongExamples: EvalReport['tooLongExamples'] = [];
  for (const e of examples) {
    const ids = model.encodePrompt(e);
    if (model.maxPositions !== undefined && ids.length + opts.maxNewTokens > model.maxPositions) tooLongExamples.push({ exampleId: e.id, promptTokens: ids.length });
    else {
      asked.push(e);
      prompts.push(ids);
    }
  }
  // Checked in the order the answers end; reported in the examples' order.
  const checked: Array<Prediction | undefined> = new Array(asked.length);
  let done = 0;
  let correct = 0;
  const progress = () => opts.onProgress?.({ done: done + tooLongExamples.length, total: examples.length, correct });
  const take = (k: number, out: GeneratedSequence) => {
    if (checked[k] || out.finishReason === 'aborted') return;
    const p = checkPrediction(asked[k], model.decode(out.tokens), out.finishReason, out.tokens.length);
    if (opts.trainedAsks?.has(promptKey(asked[k]))) p.askedInTraining = true;
    checked[k] = p;
    done++;
    if (p.valid) correct++;
    progress();
  };
  /** The answers checked so far in the examples' order, with the examples left out for length. */
  const report = (aborted: boolean): EvalReport => {
    const predictions = checked.filter((p): p is Prediction => p !== undefined);
    return { ...summarizePredictions(predictions), ...(tooLongExamples.length ? { tooLong: tooLongExamples.length } : {}), predictions, tooLongExamples, aborted };
  };
  if (tooLongExamples.length) progress();
  let aborted = !!opts.signal?.aborted;
  if (asked.length > 0 && !aborted) {
    let outs: GeneratedSequence[];
    try {
      outs = await model.generate(prompts, {
        maxNewTokens: opts.maxNewTokens,
        temperature: opts.temperature,
        topP: opts.topP,
        seed: opts.seed,
        stopTokenIds: model.stopTokenIds,
        signal: opts.signal,
        batchSize,
        onFinish: take,
      });
    } catch (err) {
      opts.onFailure?.({ ...report(true), failure: err instanceof Error ? err.message : String(err) });
      throw err;
    }
    if (outs.length !== asked.length) throw new Error(`the generator returned ${outs.length} sequences for ${asked.length} prompts`);
    // A generator that reports nothing as it goes is taken at the end.
    outs.forEach((out, k) => take(k, out));
    aborted = outs.some((o) => o.finishReason === 'aborted');
  }
  return report(aborted);
}

/** A few lines for a terminal or a log: overall, per category, BFCL's aggregate, per failure rule. */
export function formatEvalSummary(s: EvalSummary, limit?: string): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  // Nothing scored (cancelled at once, every example too long) has no accuracy, as the studio shows none.
  const lines = [s.total === 0 ? 'accuracy n/a (0/0: no example scored)' : `accuracy ${pct(s.accuracy)} (${s.correct}/${s.total}; ${accuracyIntervalText(s.correct, s.total)}): ${ACCURACY_COUNTS}`];
  for (const [cat, t] of Object.entries(s.byCategory)) lines.push(`  ${cat.padEnd(20)} ${pct(t.accuracy).padStart(6)} (${t.correct}/${t.total})`);
  if (s.byStep) lines.push(byStepText(s.byStep));
  if (s.asked) lines.push(askedText(s.asked));
  lines.push(formatBfclScore(s.bfcl ?? bfclScore(s.byCategory)));
  const cut = cutOffNote(s, limit);
  if (cut) lines.push(cut);
  const skipped = tooLongNote(s);
  if (skipped) lines.push(skipped);
  const rules = Object.entries(s.failureRules).sort((a, b) => b[1] - a[1]);
  if (rules.length) {
    lines.push('failures by rule:');
    for (const [rule, n] of rules) lines.push(`  ${rule.padEnd(44)} ${String(n).padStart(4)}  ${ruleWords(rule) === rule ? '' : ruleWords(rule)}`.trimEnd());
  }
  return lines.join('\n');
}
