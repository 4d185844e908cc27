// Why α moved the way it did, in words, from the run's own numbers: which way the run's balance
// rule pushes α, the two segments' losses that pushed it, and, when the reasoning is short, that
// SSB's premise (a long reasoning that drowns the call under a token mean) does not hold for this
// data. Without it a newcomer reads "the call gets 9%" next to "SSB keeps the call from being
// under-trained" and cannot tell which is wrong. An α that swung between its bounds is said to
// have swung: its last value is where the run stopped, not a direction the rule chose.
import { alphaChangeText, alphaSwingText, type AlphaPath } from '../../worker/protocol.ts';

export interface AlphaFacts {
  rule: 'grad' | 'uncertainty' | 'dwa';
  /** α over the run's logged steps: first (α₀), last, and whether it swung. */
  path: AlphaPath;
  /** The call's share of the target tokens on this run's batches (plain SFT's weight on it). */
  sftCallShare: number | null;
  /** Token-weighted mean loss of each segment over the run's steps. */
  meanCot: number | null;
  meanCall: number | null;
}

/** α moves by less than this over a run: "barely". */
export const ALPHA_STILL = 0.005;

const loss = (v: number) => (v >= 0.1 ? v.toFixed(2) : v.toPrecision(2));
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The call's weights under SSB and plain SFT differ by less than this: "about the same". */
const SAME_WEIGHT = 0.005;

/** SSB left the call less weight than plain SFT's token mean would on the same batches: the
 * opposite of what SSB is for, and what a reader must hear first. */
export function callGotLess(alphaLast: number, sftCallShare: number): boolean {
  return 1 - alphaLast < sftCallShare - SAME_WEIGHT;
}

/** The call's weight at α's last value beside plain SFT's (its share of the target tokens), plainly. */
export function callWeightText(alphaLast: number, sftCallShare: number): string {
  const call = 1 - alphaLast;
  const than = callGotLess(alphaLast, sftCallShare) ? 'less weight than' : call > sftCallShare + SAME_WEIGHT ? 'more weight than' : 'about the weight';
  return `SSB gave the call ${than} plain SFT would: ${pct(call)} of the loss, against ${pct(sftCallShare)} under plain SFT`;
}

/** Whether this data's reasoning is too short for SSB's premise: plain SFT already gives the call
 * more than SSB starts it at (1 − α₀); the paper's data gives it under 10%. */
export function reasoningTooShort(alpha0: number, sftCallShare: number): boolean {
  return sftCallShare > 1 - alpha0 + 0.05;
}

export interface AlphaStory {
  /** Said first, where SSB gave the call less weight than plain SFT would; `leadWhy` after it,
   * where the reasoning is short (SSB's premise does not hold). */
  lead: string | null;
  leadWhy?: string;
  /** How α moved (or swung) since step 1. */
  moved: string;
  /** Why, by the run's rule; then SSB's premise, where the lead did not say it. */
  rest: string[];
}

/** The α story of an SSB run, from its own numbers. */
export function alphaStory(f: AlphaFacts): AlphaStory {
  const { first, last, swung } = f.path;
  const moved = last - first;
  const change = alphaChangeText(moved);
  // A move under the last digit shown is no move: "−0.000" read as a signed one.
  const movedText = swung ? alphaSwingText(f.path) : Number(change) === 0 ? 'α has not moved by 0.001 since step 1.' : `α has moved ${change} since step 1.`;
  const rest: string[] = [];
  const means = f.meanCot !== null && f.meanCall !== null ? `over this run the reasoning tokens’ loss averaged ${loss(f.meanCot)} and the call tokens’ ${loss(f.meanCall)}` : null;
  const lowerIsCot = means !== null && f.meanCot! < f.meanCall!;
  // A swing has no direction: which segment the rule favoured changed while the run went on.
  const toward = swung ? 'and which segment that was changed as the run went on, so α swung' : Math.abs(moved) < ALPHA_STILL ? null : moved > 0 ? 'so α rose: more weight on the reasoning' : 'so α fell: more weight on the call';
  if (f.rule === 'grad') {
    if (toward === null) {
      rest.push('Barely: the grad rule’s gradient on α is the reasoning loss minus the call loss, small at this learning rate.');
    } else {
      rest.push(`The grad rule (the paper’s) moves α toward the segment whose loss is lower${means ? `: ${means} (lower: the ${lowerIsCot ? 'reasoning' : 'call'}), ${toward}` : `, ${toward}`}.`);
    }
  } else if (f.rule === 'uncertainty') {
    rest.push(`The uncertainty rule weighs each segment by 1 / its loss, so the segment the model already predicts better gets more weight${means ? `: ${means}` : ''}${toward ? `, ${toward}` : ''}.`);
  } else {
    rest.push(`DWA gives more weight to the segment whose loss falls more slowly${toward ? `, ${toward}` : ''}.`);
  }
  const share = f.sftCallShare;
  const premise =
    share !== null && reasoningTooShort(first, share)
      ? `SSB is meant for long reasoning, where a token mean leaves the call little (the paper: ~350 reasoning tokens before a ~30-token call, under 10%). Here the reasoning is short: plain SFT already gives the call ${pct(share)}, more than SSB starts it at (1 − α₀ = ${pct(1 - first)}). The Ablation panel compares the rules and plain SFT on this data.`
      : null;
  // A swing's last α is where the run stopped: the call's weight is said over the range α covered.
  if (share !== null && swung) rest.push(`As α swung, the call got from ${pct(1 - f.path.high)} to ${pct(1 - f.path.low)} of the loss, against ${pct(share)} under plain SFT.`);
  if (share !== null && !swung && callGotLess(last, share)) return { lead: `${callWeightText(last, share)} (its share of the target tokens on this run’s batches).`, ...(premise && { leadWhy: premise }), moved: movedText, rest };
  return { lead: null, moved: movedText, rest: premise ? [...rest, premise] : rest };
}

/** An SSB run none of whose batches held reasoning tokens (plain SFT would give the call every
 * token): every α is a gap, and "the call gets …" would wait for ever. */
export function nothingToBalance(sftCallShare: number | null): boolean {
  return sftCallShare === 1;
}

export const NOTHING_TO_BALANCE = 'No batch of this run held reasoning tokens, so SSB had nothing to balance: α was never used and the call got all the weight, as under plain SFT.';
