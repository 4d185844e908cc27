// Could a difference between two evaluations of the same examples be chance? Only the examples
// whose verdicts differ say which is better: one right where the other is wrong. Were both equally
// good, each such example would favour either side like a coin toss; the exact McNemar test (a
// two-sided sign test on those examples) gives how often a split at least this uneven comes up
// then. With the few dozen held-out examples a browser run evaluates, a gain of a few answers often
// does: the words say so, so that an ablation's ranking is not read as a finding.

/** Two-sided exact McNemar p-value for `right` examples favouring one side and `wrong` the other:
 * 2 · P(X ≤ min) for X ~ Binomial(right + wrong, ½), at most 1 (1 when none differ). */
export function mcnemarExactP(right: number, wrong: number): number {
  for (const [name, v] of [['right', right], ['wrong', wrong]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`mcnemarExactP: ${name} must be a whole number ≥ 0, got ${v}`);
  }
  const n = right + wrong;
  const k = Math.min(right, wrong);
  if (n === 0 || right === wrong) return 1;
  // Σ_{i ≤ k} C(n, i) / 2ⁿ in log space (n can be thousands): log C(n, i) built term by term.
  let logC = 0;
  let logSum = -Infinity;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    const hi = Math.max(logSum, logC);
    logSum = hi + Math.log(Math.exp(logSum - hi) + Math.exp(logC - hi));
  }
  return Math.min(1, 2 * Math.exp(logSum - n * Math.LN2));
}

/** A p-value as a reader takes it: two significant digits, "< 0.001" below that. */
export function pValueText(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p >= 0.1 ? p.toFixed(2) : p.toPrecision(2)}`;
}

/** The conventional line: below it, chance rarely gives such a split. */
export const CHANCE_LEVEL = 0.05;

/** The split in words, after "that split": "could be chance (p = 0.22, exact McNemar test on the 6 examples whose verdicts differ); …" or "is unlikely to be chance (…)". */
export function chanceText(right: number, wrong: number): string {
  const n = right + wrong;
  if (n === 0) return 'no example changed its verdict';
  const p = mcnemarExactP(right, wrong);
  const test = `${pValueText(p)}, exact McNemar test on the ${n === 1 ? 'one example whose verdict differs' : `${n} examples whose verdicts differ`}`;
  return p < CHANCE_LEVEL ? `is unlikely to be chance (${test})` : `could be chance (${test}); more held-out examples would tell`;
}

/** The fewest examples that must all flip one way for a split to read as more than chance: 6 at
 * 0.05 (p = 2/2⁶ ≈ 0.031). Fewer held-out examples than that cannot tell two models apart. */
export function fewestDecisiveFlips(level = CHANCE_LEVEL): number {
  let n = 1;
  while (mcnemarExactP(n, 0) >= level) n++;
  return n;
}

/** What `heldOut` examples per arm can tell, for a form that sets how many are evaluated. */
export function heldOutChanceNote(heldOut: number): string {
  const k = fewestDecisiveFlips();
  if (heldOut < k) return `With ${heldOut} held-out example${heldOut === 1 ? '' : 's'} no difference between arms can be told from chance: even all of them going one way gives ${pValueText(mcnemarExactP(heldOut, 0))}. Evaluate at least ${k}.`;
  return `With ${heldOut} held-out examples, an arm's difference from SFT reads as more than chance (p < ${CHANCE_LEVEL}) only if at least ${k} answers flip its way; the results give each arm's p.`;
}

/** A change between two evaluations of the same examples, for a table cell or a log line:
 * "3 fixed, 1 broken, p = 0.63: could be chance". */
export function answerChangesText(fixed: number, broken: number): string {
  if (fixed + broken === 0) return 'no answer changed its verdict';
  const p = mcnemarExactP(fixed, broken);
  return `${fixed} fixed, ${broken} broken, ${pValueText(p)}: ${p < CHANCE_LEVEL ? 'unlikely to be chance' : 'could be chance'}`;
}

/** The same as a sentence, `over` saying between which evaluations ("over the run's 3 rounds"). */
export function answerChangesSentence(fixed: number, broken: number, over: string): string {
  const turned = `${fixed} held-out ${fixed === 1 ? 'answer' : 'answers'} turned right and ${broken} wrong`;
  return fixed + broken === 0 ? `No held-out answer changed its verdict ${over}.` : `${turned[0].toUpperCase()}${turned.slice(1)} ${over}: that split ${chanceText(fixed, broken)}.`;
}
