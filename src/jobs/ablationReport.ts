// An ablation's report, written once for both homes: report.md (the table of accuracy per BFCL
// category and BFCL's aggregate, failures by rule, how α moved, which run is which), results.csv
// (one row per arm), the arms' loss and α curves overlaid as PNG, and ablation.json (the result).
// The CLI's run folder writes these files; the worker zips them for the studio's download.
// Pure: from an AblationResult to bytes; never reads a store.
import { plural } from '../data/plural.ts';
import { bfclScore, type BfclBucket } from '../eval/bfcl-score.ts';
import type { CategoryTally } from '../eval/evaluate.ts';
import { tooLongNote } from '../eval/summaryNotes.ts';
import { CHANCE_LEVEL, mcnemarExactP, pValueText } from '../eval/pairedTest.ts';
import { hdrStopText } from '../hdr/stopReason.ts';
import type { AblationArmResult, AblationResult } from './ablate.ts';
import { BASE_MODEL } from './ablationConfig.ts';
import type { EvalSummary } from '../eval/evaluate.ts';
import { heldOutPercent, sameSplit, type SplitSettings } from '../data/split.ts';
import { lineChartPng, type ChartSeries, type YAxisSpan } from './report/lineChart.ts';
import { ruleText } from '../eval/ruleWords.ts';
import { alphaChangeText, alphaPath, alphaSwingShort, alphaSwingText } from '../train/alphaPath.ts';
import { shortFingerprint } from '../snapshot/trained-on.ts';
import type { RunConfig } from '../train/config.ts';

/** One colour per arm, in arm order (the studio's charts use the same). */
export const ARM_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'] as const;

export const ABLATION_FILES = { report: 'report.md', csv: 'results.csv', lossCall: 'loss-call.png', lossCot: 'loss-cot.png', alpha: 'alpha.png', json: 'ablation.json' } as const;
/** The folder of an ablation's folder that holds its arms' run folders (studio ablate). */
export const ABLATION_RUNS_FOLDER = 'runs';

export interface ReportFile {
  name: string;
  bytes: Uint8Array;
}

const pct = (x: number | undefined | null) => (x === undefined || x === null ? '—' : `${(100 * x).toFixed(1)}%`);
const bucketPct = (b: BfclBucket | null | undefined) => pct(b?.accuracy);
const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '—' : x.toFixed(digits));

/** LoRA's settings in words: its alpha is a scale, named so, because α here is the balance weight. */
export function loraText(lora: Pick<RunConfig['lora'], 'rank' | 'alpha'>): string {
  return `LoRA rank ${lora.rank}, scale ${lora.alpha}`;
}

/** Where the balance weight starts and the bounds it stays in, naming the α₀ the tables show. */
export function alphaStartText(s: Pick<RunConfig, 'alpha0' | 'alphaMin' | 'alphaMax'>): string {
  return `α, the weight on the reasoning loss, starts at α₀ = ${s.alpha0} and stays within [${s.alphaMin}, ${s.alphaMax}]`;
}

/** An accuracy with its counts; no score where nothing was asked (0 of 0 is not 0%). */
export function tallyText(t: CategoryTally): string {
  return `${t.total ? pct(t.accuracy) : '—'} (${t.correct}/${t.total})`;
}

/** A row of the accuracy tables: an arm (`arm`), or the base model the arms are read against. */
export type ScoredRow = { id: string; summary: EvalSummary; arm?: AblationArmResult };

/** The base model's row (where it was evaluated) and then the arms', in the tables' order. */
export function scoredRows(r: Pick<AblationResult, 'arms' | 'base'>): ScoredRow[] {
  return [...(r.base ? [{ id: BASE_MODEL, summary: r.base.summary }] : []), ...r.arms.map((a) => ({ id: a.id, summary: a.summary, arm: a }))];
}

/** What the base model's row is, under the tables that have one. */
export const BASE_MODEL_NOTE = 'Base model: the model with no adapter, answering the same held-out examples with the same decoding: an arm no better than it learned nothing these examples measure.';

/** Held-out examples no arm was asked (prompt and answer limit past the model's context; the same
 * for every arm, which all ask the same examples with the same limit), in words; null when none. */
export function notAskedNote(r: AblationResult): string | null {
  return tooLongNote({ tooLong: Math.max(0, ...scoredRows(r).map((a) => a.summary.tooLong ?? 0)) }, r.shared.decoding.maxNewTokens);
}

/** Every category any arm was evaluated on, BFCL's order first. */
export function reportCategories(r: AblationResult): string[] {
  const order = ['simple', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance', 'live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple', 'live_irrelevance', 'live_relevance'];
  const seen = new Set(scoredRows(r).flatMap((a) => Object.keys(a.summary.byCategory)));
  return [...order.filter((c) => seen.has(c)), ...[...seen].filter((c) => !order.includes(c)).sort()];
}

/** What the later-steps column counts, under the tables that have one. */
export const LATER_STEPS_NOTE = "Later steps: held-out examples that answer after earlier calls of their conversation (a call and the tool's result in the prompt), counted apart from those that start a task.";

/** Whether any arm answered later steps of conversations (EvalSummary.byStep): the tables count them apart. */
export function hasLaterSteps(r: AblationResult): boolean {
  return scoredRows(r).some((a) => a.summary.byStep);
}

/** An arm's answers after earlier calls of their conversation, or — where it was asked none. */
export function laterStepsText(a: Pick<ScoredRow, 'summary'>): string {
  return a.summary.byStep ? tallyText(a.summary.byStep.afterCalls) : '—';
}

/** What the not-asked-in-training column counts, under the tables that have one. */
export const NOT_IN_TRAINING_NOTE = 'Not asked in training: the held-out examples whose conversation and tools no training example has, the accuracy on questions no arm trained on (the others are answers the arms trained on).';

/** Whether some arm's held-out questions are also asked in training (EvalSummary.asked): the tables count the others apart. */
export function hasAskedInTraining(r: AblationResult): boolean {
  return scoredRows(r).some((a) => a.summary.asked);
}

/** An arm's answers to the held-out questions no training example asks, or — where it was not counted. */
export function notInTrainingText(a: Pick<ScoredRow, 'summary'>): string {
  return a.summary.asked ? tallyText(a.summary.asked.notInTraining) : '—';
}

export function failureRules(r: AblationResult): string[] {
  return [...new Set(scoredRows(r).flatMap((a) => Object.keys(a.summary.failureRules)))].sort();
}

const score = (a: ScoredRow) => a.summary.bfcl ?? bfclScore(a.summary.byCategory);
const finalLoss = (a: AblationArmResult) => a.curve.at(-1)?.loss ?? null;

type AlphaBounds = { alphaMin: number; alphaMax: number };
/** How an SSB arm's α travelled (a fixed weight and SFT learn none). */
const armAlphaPath = (a: AblationArmResult, bounds: AlphaBounds) => (a.loss.startsWith('ssb') ? alphaPath(a.curve.map((p) => p.alpha), bounds) : null);

/** α's move from α₀ in words: the point of a learned rule, and what the issue measures (> 0.02).
 * An α that swung between its bounds is said to have: its final value is where the arm stopped. */
export function alphaMove(a: AblationArmResult, bounds: AlphaBounds): string {
  if (a.alpha0 === null || a.finalAlpha === null) return 'α is the token share (no weight to learn)';
  if (!a.loss.startsWith('ssb')) return `α fixed at ${a.alpha0}`;
  const path = armAlphaPath(a, bounds);
  if (path?.swung) return alphaSwingText(path).replace(/\.$/, '');
  return `α ${a.alpha0.toFixed(3)} → ${a.finalAlpha.toFixed(3)} (${alphaChangeText(a.finalAlpha - a.alpha0)})`;
}

/** The tables' "α₀ → final α" cell (the report's and the studio's), with the swing where α swung. */
export function alphaCell(a: AblationArmResult, bounds: AlphaBounds): string {
  if (a.alpha0 === null || a.finalAlpha === null) return '—';
  const path = armAlphaPath(a, bounds);
  return `${num(a.alpha0)} → ${num(a.finalAlpha)}${path?.swung ? `, ${alphaSwingShort(path)}` : ''}`;
}

/** What an HDR arm's rounds did, in words (the report and the studio say the same): its retraining
 * steps come on top of the steps every arm trained, so a reader comparing arms knows it trained more. */
export function hdrArmText(h: NonNullable<AblationArmResult['hdr']>): string {
  const steps = h.steps === undefined ? '' : `, ${plural(h.steps, 'step')} retrained past the arm it starts from`;
  return `HDR: ${plural(h.rounds, 'round')} (${hdrStopText(h.stopReason)}), ${hdrPoolText(h)}${steps}`;
}

const hdrPoolText = (h: NonNullable<AblationArmResult['hdr']>) => `hard cases ${h.poolStart} → ${h.poolEnd}, ${plural(h.added, 'example')} added`;

/** The arm an HDR arm is unchanged from (it retrained no step, so it holds that arm's adapter), or
 * null: its row is that arm's again, which the table and the verdict would otherwise leave unsaid. */
export function hdrArmSameAs(a: AblationArmResult): string | null {
  return a.hdr?.steps === 0 ? a.id.replace(/\+hdr$/, '') : null;
}

/** What an HDR arm's rounds did and why they stopped, in a sentence: where the arm's results are
 * read, not only under "which run is which". */
function hdrArmNote(a: AblationArmResult): string {
  const h = a.hdr!;
  const from = a.id.replace(/\+hdr$/, '');
  const why = `${hdrStopText(h.stopReason)}: ${hdrPoolText(h)}`;
  if (hdrArmSameAs(a)) return `${a.id} is the same as ${from}: HDR retrained no step (${why}), so it kept ${from}'s adapter.`;
  const steps = h.steps === undefined ? 'retrains in its HDR rounds' : `retrains ${plural(h.steps, 'more step')} in ${plural(h.rounds, 'HDR round')}`;
  return `${a.id} starts from the adapter of ${from} and ${steps} (${why}).`;
}

/** The HDR arms' extra training and why their rounds stopped, for the report's opening line; null
 * when there is none. */
export function hdrArmsNote(r: AblationResult): string | null {
  const arms = r.arms.filter((a) => a.hdr);
  return arms.length ? arms.map(hdrArmNote).join(' ') : null;
}

/** Why the arms trained without some examples: too long, or not renderable by the chat template
 * (training skips both; the count alone read as all too long). */
function skippedText(skipped: number, unrendered: number): string {
  const tooLong = skipped - unrendered;
  const were = skipped === 1 ? 'was' : 'were';
  if (!unrendered) return `${plural(skipped, 'training example')} did not fit the sequence length and ${were} skipped in every arm.`;
  if (!tooLong) return `${plural(skipped, 'training example')} the chat template cannot render ${were} skipped in every arm.`;
  return `${plural(skipped, 'training example')} were skipped in every arm: ${tooLong} did not fit the sequence length, ${unrendered} the chat template cannot render.`;
}

/** The training examples every arm went without, in words (the report and the studio say the same); null when none. */
export function skippedNote(r: AblationResult): string | null {
  return r.skipped ? skippedText(r.skipped, r.unrendered ?? 0) : null;
}

/** Why an ablation's numbers are not of its dataset as it is now (`now`: the dataset's row today,
 * undefined when it is gone), in words; null when it is the same data, or the result (made before
 * results named their data) cannot tell. */
export function datasetChangedNote(r: AblationResult, now: { fingerprint: string; inclusionEdits?: number; split?: SplitSettings } | undefined): string | null {
  if (!r.dataset) return null;
  if (!now) return `The dataset “${r.dataset.name}” this ablation ran on is no longer in the studio.`;
  const then = r.dataset.split;
  if (then && now.split && !sameSplit(then, now.split)) {
    return `The dataset “${r.dataset.name}” was split again since this ablation ran (${heldOutPercent(then.evalFraction)}% held out with seed ${then.seed} then, ${heldOutPercent(now.split.evalFraction)}% with seed ${now.split.seed} now): these numbers are of the examples it trained on and held out then.`;
  }
  // Including or leaving out an example changes which ones the arms take, not the fingerprint.
  const included = r.dataset.inclusionEdits !== undefined && (now.inclusionEdits ?? 0) !== r.dataset.inclusionEdits;
  if (now.fingerprint === r.dataset.fingerprint && !included) return null;
  // Its own HDR arm adds samples to the dataset, as an HDR run does: the arms before it had fewer.
  const added = r.arms.reduce((n, a) => n + (a.hdr?.added ?? 0), 0);
  const why =
    now.fingerprint === r.dataset.fingerprint ? 'examples were included or left out since' : added > 0 ? `its HDR arm added ${plural(added, 'sample')}, or expected answers were edited since` : 'HDR added samples, or expected answers were edited since';
  return `The dataset “${r.dataset.name}” holds other examples now than when this ablation ran (${why}): these numbers are of the data it had then.`;
}

export function ablationMarkdown(r: AblationResult): string {
  const cats = reportCategories(r);
  const later = hasLaterSteps(r);
  const unasked = hasAskedInTraining(r);
  const s = r.shared;
  const verdict = ablationVerdict(r);
  const lines = [
    `# Ablation: ${r.name}`,
    '',
    `Every arm trained ${plural(s.steps, 'step')} from the same seed (${s.seed}) on the same split, batch ${s.batchSize}, sequence length ${s.seqLen}, learning rate ${s.lr}, ${loraText(s.lora)} on ${s.lora.targets.join(',')}; ${alphaStartText(s)}.`,
    ...(r.dataset ? [`Data: ${r.dataset.name} (${shortFingerprint(r.dataset.fingerprint)}).`] : []),
    `Each adapter${r.base ? ', and the base model with none,' : ''} answered the same ${r.heldOut} held-out examples with the same decoding (${s.decoding.temperature ? `temperature ${s.decoding.temperature}` : 'greedy'}, at most ${s.decoding.maxNewTokens} new tokens), checked by the BFCL AST checker.`,
    ...(hdrArmsNote(r) ? [hdrArmsNote(r)!] : []),
    ...(notAskedNote(r) ? [`${notAskedNote(r)}.`] : []),
    ...(skippedNote(r) ? [skippedNote(r)!] : []),
    ...(r.stopped ? ['', `**Stopped early**: ${r.arms.length} arm${r.arms.length === 1 ? '' : 's'} finished.`] : []),
    ...(r.failed ?? []).map((f) => `- **${f.id} failed**: ${f.message}`),
    ...(verdict ? ['', `**Verdict**: ${verdict}`] : []),
    '',
    '## Accuracy',
    '',
    `| arm | accuracy | BFCL overall | non-live AST | live AST | hallucination | ${cats.join(' | ')} |${later ? ' later steps |' : ''}${unasked ? ' not asked in training |' : ''} α₀ → final α | answers vs SFT |`,
    `|---|---|---|---|---|---|${cats.map(() => '---|').join('')}${later ? '---|' : ''}${unasked ? '---|' : ''}---|---|`,
    ...scoredRows(r).map((row) => {
      const b = score(row);
      const byCat = cats.map((c) => {
        const t = row.summary.byCategory[c];
        return t ? tallyText(t) : '—';
      });
      const { arm } = row;
      return `| ${row.id} | ${tallyText(row.summary)} | ${bucketPct(b.overall)} | ${bucketPct(b.nonLive)} | ${bucketPct(b.live)} | ${bucketPct(b.hallucination)} | ${byCat.join(' | ')} |${later ? ` ${laterStepsText(row)} |` : ''}${unasked ? ` ${notInTrainingText(row)} |` : ''} ${arm ? alphaCell(arm, s) : '—'} | ${arm ? vsSftText(arm) : '—'} |`;
    }),
    '',
    ...(r.base ? [BASE_MODEL_NOTE, ''] : []),
    ...(later ? [LATER_STEPS_NOTE, ''] : []),
    ...(unasked ? [NOT_IN_TRAINING_NOTE, ''] : []),
    ...(r.arms.some((a) => a.vsSft) ? [VS_SFT_NOTE, ''] : []),
    'BFCL overall: the mean of the non-live AST (unweighted over its categories), live AST (weighted by examples) and hallucination buckets that were evaluated, as the leaderboard combines its single-turn buckets.',
    '',
    '## Failures by rule',
    '',
  ];
  const rules = failureRules(r);
  if (rules.length === 0) lines.push('No failures.');
  else {
    lines.push(`| arm | ${rules.map(ruleText).join(' | ')} |`, `|---|${rules.map(() => '---|').join('')}`);
    for (const a of scoredRows(r)) lines.push(`| ${a.id} | ${rules.map((rule) => a.summary.failureRules[rule] ?? 0).join(' | ')} |`);
  }
  const cut = scoredRows(r).filter((a) => (a.summary.finishReasons?.length ?? 0) > 0);
  if (cut.length) {
    lines.push('', `Answers that stopped at the ${s.decoding.maxNewTokens}-token limit: ${cut.map((a) => `${a.id} ${a.summary.finishReasons.length}`).join(', ')}. Raise the limit if they were cut off mid-answer: a cut-off answer fails.`);
  }
  lines.push('', '## The arms', '');
  if (r.base) lines.push(`- **${BASE_MODEL}**: no adapter. Evaluation \`${r.base.evalRun.id}\`.`);
  for (const a of r.arms) {
    const hdr = a.hdr ? `; ${hdrArmText(a.hdr)}` : '';
    const flips = a.vsSft && a.vsSft.nowRight.length + a.vsSft.nowWrong.length > 0 ? ` Beside SFT: ${vsSftIds(a.vsSft)}.` : '';
    lines.push(`- **${a.id}**: ${a.label}. ${alphaMove(a, s)}; final training loss ${num(finalLoss(a))}${hdr}. Run \`${a.run.name}\` (${a.run.kind}, ${a.run.id}), evaluation \`${a.evalRun.id}\`.${flips}`);
  }
  lines.push(
    '',
    '## Curves',
    '',
    'Per-segment training losses (each arm weighs them differently, so its total loss is not comparable across arms; the segment means are).',
    '',
    `![Call-token loss per arm](${ABLATION_FILES.lossCall})`,
    '',
    `![Reasoning-token loss per arm](${ABLATION_FILES.lossCot})`,
    '',
    `![α per arm](${ABLATION_FILES.alpha})`,
    '',
  );
  return lines.join('\n');
}

/** What an arm's answers changed beside SFT's: "+5 −2 (24 of 31 the same; p = 0.45)". */
export function vsSftText(a: AblationArmResult): string {
  const c = a.vsSft;
  if (!c) return '—';
  const p = c.nowRight.length + c.nowWrong.length > 0 ? `; ${pValueText(vsSftP(c))}` : '';
  return `+${c.nowRight.length} −${c.nowWrong.length} (${c.same} of ${c.shared} the same${p})`;
}

/** The held-out examples every arm answered (the same for every arm), in words. */
const askedText = (n: number) => (n === 1 ? 'the one held-out example' : `all ${n} held-out examples`);

/** Where every arm answered every example right (or every one wrong), the test is at its ceiling
 * (or floor): no ranking or p-value can tell the arms apart there, so that is the verdict, with
 * the base model (`base`, where it was evaluated) beside it. */
function ceilingOrFloor(evaluated: AblationArmResult[], base: EvalSummary | null): string | null {
  const asked = askedText(evaluated[0].summary.total);
  const every = (right: boolean) => (s: EvalSummary) => s.correct === (right ? s.total : 0);
  const withBase = (right: boolean) => (!base ? '' : every(right)(base) ? `, and so did the ${BASE_MODEL} with no adapter` : ` (the ${BASE_MODEL} with no adapter: ${tallyText(base)})`);
  if (evaluated.map((a) => a.summary).every(every(true))) {
    return `Every arm answered ${asked} right${withBase(true)}: the test is at its ceiling and cannot tell the arms apart. Evaluate more held-out examples, or harder ones.`;
  }
  if (evaluated.map((a) => a.summary).every(every(false))) {
    return `Every arm answered ${asked} wrong${withBase(false)}: the test is at its floor and cannot tell the arms apart. Train longer, or see why they fail (the failures by rule).`;
  }
  return null;
}

/** The best arm against the base model, in a sentence: whether any arm does better than no
 * adapter at all (the arms' ranking reads as if something was learned otherwise). */
function baseSentence(base: EvalSummary, top: number): string {
  if (top > base.accuracy) return `The ${BASE_MODEL} with no adapter scores ${tallyText(base)}.`;
  return `No arm does better than the ${BASE_MODEL} with no adapter on these ${plural(base.total, 'held-out example')}: it scores ${tallyText(base)}${top === base.accuracy ? ' too' : ''}.`;
}

/** What the ablation found, in a sentence or two: that the test cannot tell the arms apart (every
 * answer right, or every one wrong), or the arm(s) with the highest accuracy, whether any does
 * better than the base model, and which arms' answers differ from SFT's beyond chance (exact
 * McNemar test), or that none does on these held-out examples; null with fewer than two arms
 * evaluated. */
export function ablationVerdict(r: Pick<AblationResult, 'arms' | 'heldOut' | 'base'>): string | null {
  const evaluated = r.arms.filter((a) => a.summary.total > 0);
  if (evaluated.length < 2) return null;
  const base = r.base && r.base.summary.total > 0 ? r.base.summary : null;
  const bound = ceilingOrFloor(evaluated, base);
  if (bound) return bound;
  const top = Math.max(...evaluated.map((a) => a.summary.accuracy));
  const tied = evaluated.filter((a) => a.summary.accuracy === top);
  const best = `Highest accuracy: ${tied.map((a) => a.id).join(', ')}, ${tallyText(tied[0].summary)}${tied.length > 1 ? ' each' : ''}.${base ? ` ${baseSentence(base, top)}` : ''}`;
  const flipped = evaluated.filter((a) => a.vsSft && a.vsSft.nowRight.length + a.vsSft.nowWrong.length > 0);
  if (!evaluated.some((a) => a.loss === 'sft')) return best;
  if (flipped.length === 0) return `${best} Every arm gives each held-out example the verdict SFT gives it.`;
  const split = (a: AblationArmResult) => `+${a.vsSft!.nowRight.length} −${a.vsSft!.nowWrong.length}, ${pValueText(vsSftP(a.vsSft!))}`;
  const decisive = flipped.filter((a) => vsSftP(a.vsSft!) < CHANCE_LEVEL);
  if (decisive.length === 0) {
    const closest = flipped.reduce((x, y) => (vsSftP(y.vsSft!) < vsSftP(x.vsSft!) ? y : x));
    return `${best} No arm's answers differ from SFT's beyond chance on these ${r.heldOut} held-out examples (the most uneven split: ${closest.id} ${split(closest)}): more held-out examples would tell the arms apart.`;
  }
  const side = (a: AblationArmResult) => (a.vsSft!.nowRight.length > a.vsSft!.nowWrong.length ? 'better' : 'worse');
  return `${best} Beyond chance beside SFT (p < ${CHANCE_LEVEL}): ${decisive.map((a) => `${a.id} ${side(a)} (${split(a)})`).join('; ')}${decisive.length < flipped.length ? '; the other arms\' differences could be chance' : ''}.`;
}

/** The exact McNemar p-value of an arm's split beside SFT (pairedTest.ts). */
export function vsSftP(c: NonNullable<AblationArmResult['vsSft']>): number {
  return mcnemarExactP(c.nowRight.length, c.nowWrong.length);
}

const VS_SFT_NOTE =
  'Answers vs SFT: the held-out examples this arm gets right that SFT gets wrong (+), those it gets wrong that SFT gets right (−), and how many of its answers are word for word SFT\'s. Accuracy is the net of the first two; an arm that fixes and breaks many is not SFT with a small change. p: how often a split of those examples at least this uneven would come by chance, were the arm and SFT equally good (exact McNemar test); above 0.05 the arm\'s difference from SFT could be chance, and more held-out examples would tell.';

/** The examples an arm and SFT disagree on, by id. */
export function vsSftIds(c: NonNullable<AblationArmResult['vsSft']>): string {
  const part = (ids: string[], words: string) => (ids.length ? `${words} (${ids.join(', ')})` : '');
  return [part(c.nowRight, 'right where SFT is wrong'), part(c.nowWrong, 'wrong where SFT is right')].filter(Boolean).join('; ');
}

const csvCell = (v: string | number | null | undefined) => {
  if (v === null || v === undefined) return '';
  const t = String(v);
  return /[",\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
};

export function ablationCsv(r: AblationResult): string {
  const cats = reportCategories(r);
  const rules = failureRules(r);
  const later = hasLaterSteps(r);
  const unasked = hasAskedInTraining(r);
  const header = ['arm', 'loss', 'examples', 'correct', 'accuracy', 'bfcl_overall', 'bfcl_non_live', 'bfcl_live', 'bfcl_hallucination', ...cats.map((c) => `acc_${c}`), ...(later ? ['later_steps', 'later_steps_correct', 'acc_later_steps'] : []), ...(unasked ? ['not_asked_in_training', 'not_asked_in_training_correct', 'acc_not_asked_in_training'] : []), ...rules.map((f) => `fail_${f}`), 'alpha0', 'final_alpha', 'final_loss', 'right_where_sft_wrong', 'wrong_where_sft_right', 'same_answers_as_sft', 'p_vs_sft', 'run', 'eval_run'];
  const f4 = (x: number | null | undefined) => (x === null || x === undefined ? null : Number(x.toFixed(6)));
  /** The columns every row has: its answers' scores, from `examples` to the failures by rule. */
  const scores = (a: ScoredRow) => {
    const b = score(a);
    return [
      a.summary.total, a.summary.correct, a.summary.total ? f4(a.summary.accuracy) : null, f4(b.overall?.accuracy), f4(b.nonLive?.accuracy), f4(b.live?.accuracy), f4(b.hallucination?.accuracy),
      ...cats.map((c) => f4(a.summary.byCategory[c]?.accuracy)),
      ...(later ? [a.summary.byStep?.afterCalls.total ?? 0, a.summary.byStep?.afterCalls.correct ?? 0, a.summary.byStep?.afterCalls.total ? f4(a.summary.byStep.afterCalls.accuracy) : null] : []),
      ...(unasked ? [a.summary.asked?.notInTraining.total ?? null, a.summary.asked?.notInTraining.correct ?? null, a.summary.asked?.notInTraining.total ? f4(a.summary.asked.notInTraining.accuracy) : null] : []),
      ...rules.map((rule) => a.summary.failureRules[rule] ?? 0),
    ];
  };
  // The base model first: no loss, α, run or answers beside SFT's of its own.
  const base = r.base ? [[BASE_MODEL, 'none', ...scores({ id: BASE_MODEL, summary: r.base.summary }), null, null, null, null, null, null, null, null, r.base.evalRun.id]] : [];
  const rows = r.arms.map((a) => [
    a.id, a.loss, ...scores(a),
    a.alpha0, f4(a.finalAlpha), f4(finalLoss(a)), a.vsSft?.nowRight.length, a.vsSft?.nowWrong.length, a.vsSft?.same, a.vsSft ? f4(vsSftP(a.vsSft)) : null, a.run.id, a.evalRun.id,
  ]);
  return [header, ...base, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

/** α's axis: at least 0.1 wide inside [0, 1], as the studio draws it, so a move in the fourth
 * decimal looks like what it is. */
export const ALPHA_AXIS: YAxisSpan = { minSpan: 0.1, bounds: [0, 1] };

/** The overlaid curves as the charts draw them (the studio shows the same lines). */
export function ablationCurves(r: AblationResult): { lossCall: ChartSeries[]; lossCot: ChartSeries[]; alpha: ChartSeries[] } {
  const line = (a: AblationArmResult, i: number, key: 'lossCall' | 'lossCot' | 'alpha'): ChartSeries => ({
    label: a.id,
    color: ARM_COLORS[i % ARM_COLORS.length],
    // A step without tokens of a segment has no value for it (nor α): left out, not drawn as 0.
    points: a.curve.flatMap((p): Array<[number, number]> => (p[key] === null ? [] : [[p.step, p[key]]])),
    dashed: a.hdr !== undefined,
  });
  return {
    lossCall: r.arms.map((a, i) => line(a, i, 'lossCall')),
    lossCot: r.arms.map((a, i) => line(a, i, 'lossCot')),
    // SFT's α is only the share of reasoning tokens, not a weight: left out of the α chart.
    alpha: r.arms.flatMap((a, i) => (a.alpha0 === null ? [] : [line(a, i, 'alpha')])),
  };
}

export function ablationReportFiles(r: AblationResult): ReportFile[] {
  const text = (s: string) => new TextEncoder().encode(s);
  const curves = ablationCurves(r);
  return [
    { name: ABLATION_FILES.report, bytes: text(ablationMarkdown(r)) },
    { name: ABLATION_FILES.csv, bytes: text(ablationCsv(r)) },
    { name: ABLATION_FILES.lossCall, bytes: lineChartPng({ title: `${r.name}: call-token loss`, xLabel: 'step', yLabel: 'loss', series: curves.lossCall }) },
    { name: ABLATION_FILES.lossCot, bytes: lineChartPng({ title: `${r.name}: reasoning-token loss`, xLabel: 'step', yLabel: 'loss', series: curves.lossCot }) },
    { name: ABLATION_FILES.alpha, bytes: lineChartPng({ title: `${r.name}: α (weight on the reasoning loss)`, xLabel: 'step', yLabel: 'α', series: curves.alpha, yAxis: ALPHA_AXIS }) },
    { name: ABLATION_FILES.json, bytes: text(JSON.stringify(r, null, 2) + '\n') },
  ];
}
