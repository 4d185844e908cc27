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

/** The sentences after "here the call gets X%", for an SSB run. */
export function alphaStory(f: AlphaFacts): string[] {
  const { first, last, swung } = f.path;
  const moved = last - first;
  const change = alphaChangeText(moved);
  // A move under the last digit shown is no move: "−0.000" read as a signed one.
  const out = [swung ? alphaSwingText(f.path) : Number(change) === 0 ? 'α has not moved by 0.001 since step 1.' : `α has moved ${change} since step 1.`];
  const means = f.meanCot !== null && f.meanCall !== null ? `over this run the reasoning tokens’ loss averaged ${loss(f.meanCot)} and the call tokens’ ${loss(f.meanCall)}` : null;
  const lowerIsCot = means !== null && f.meanCot! < f.meanCall!;
  // A swing has no direction: which segment the rule favoured changed while the run went on.
  const toward = swung ? 'and which segment that was changed as the run went on, so α swung' : Math.abs(moved) < ALPHA_STILL ? null : moved > 0 ? 'so α rose: more weight on the reasoning' : 'so α fell: more weight on the call';
  if (f.rule === 'grad') {
    if (toward === null) {
      out.push('Barely: the grad rule’s gradient on α is the reasoning loss minus the call loss, small at this learning rate.');
    } else {
      out.push(`The grad rule (the paper’s) moves α toward the segment whose loss is lower${means ? `: ${means} (lower: the ${lowerIsCot ? 'reasoning' : 'call'}), ${toward}` : `, ${toward}`}.`);
    }
  } else if (f.rule === 'uncertainty') {
    out.push(`The uncertainty rule weighs each segment by 1 / its loss, so the segment the model already predicts better gets more weight${means ? `: ${means}` : ''}${toward ? `, ${toward}` : ''}.`);
  } else {
    out.push(`DWA gives more weight to the segment whose loss falls more slowly${toward ? `, ${toward}` : ''}.`);
  }
  // SSB starts the call at 1 − α₀; the paper's data gives it under 10% as a token mean.
  if (f.sftCallShare !== null && f.sftCallShare > 1 - first + 0.05) {
    out.push(
      `SSB is meant for long reasoning, where a token mean leaves the call little (the paper: ~350 reasoning tokens before a ~30-token call, under 10%). Here the reasoning is short: plain SFT already gives the call ${pct(f.sftCallShare)}, more than α₀ = ${first.toFixed(2)} does. The Ablation panel compares the rules and plain SFT on this data.`,
    );
  }
  return out;
}

/** An SSB run none of whose batches held reasoning tokens (plain SFT would give the call every
 * token): every α is a gap, and "the call gets …" would wait for ever. */
export function nothingToBalance(sftCallShare: number | null): boolean {
  return sftCallShare === 1;
}

export const NOTHING_TO_BALANCE = 'No batch of this run held reasoning tokens, so SSB had nothing to balance: α was never used and the call got all the weight, as under plain SFT.';
