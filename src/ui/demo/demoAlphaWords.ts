// The guide's words on the demo run's α and on what step 4 measures, from the run's own numbers.
// The intro promises that SSB keeps a long reasoning from drowning the short call; on the demo's
// one-sentence reasoning its run moved weight onto the reasoning instead, and step 4's gain is the
// adapter's over the base model, not SSB's over plain SFT. The guide says both, in numbers.
import type { DemoCurve } from '../../state/demoStore.ts';
import { ALPHA_STILL, callGotLess, callWeightText, reasoningTooShort } from '../dashboard/alphaStory.ts';

const pct = (v: number) => `${(v * 100).toFixed(0)}%`;

/** Where α went and what weight the call got beside plain SFT's (step 3, once the run has steps). */
export function demoAlphaText(c: Pick<DemoCurve, 'firstAlpha' | 'lastAlpha' | 'sftCallShare'>): string {
  const moved = c.lastAlpha - c.firstAlpha;
  // The demo's rule (grad) only ever moves α toward the part with the lower loss.
  const where = Math.abs(moved) < ALPHA_STILL ? 'barely moved' : `weight moved onto the ${moved > 0 ? 'reasoning' : 'call'}, which the model already predicts better`;
  const out = `α ${c.firstAlpha.toFixed(2)} → ${c.lastAlpha.toFixed(2)}: ${where}.`;
  const share = c.sftCallShare;
  if (share === null) return out;
  const opposite = callGotLess(c.lastAlpha, share) && reasoningTooShort(c.firstAlpha, share);
  return `${out} ${callWeightText(c.lastAlpha, share)}${opposite ? ': the opposite of the promise above, since each reasoning here is one sentence, not a long one that could drown the call.' : '.'}`;
}

/** The run's own (α-weighted) held-out loss, and how much of its move is α's rather than the
 * model's: the last losses weighted by α₀, as at the start, against the same weighted by the last α. */
export function weightedLossText(c: Pick<DemoCurve, 'firstAlpha' | 'lastAlpha'> & { heldOut: NonNullable<DemoCurve['heldOut']> }): string {
  const { before, last } = c.heldOut;
  const head = `The run’s own held-out loss, weighted by α, went ${before.evalLoss.toFixed(3)} → ${last.evalLoss.toFixed(3)}`;
  const tail = 'The per-token numbers above do not move with α, and step 4’s accuracy says what the training changed.';
  const moved = c.lastAlpha - c.firstAlpha;
  if (Math.abs(moved) < ALPHA_STILL) return `${head}: α barely moved, so that is the model’s doing. ${tail}`;
  if (last.evalLossCot === null) return `${head}: it moves with α as well as with the model. ${tail}`;
  const atStart = c.firstAlpha * last.evalLossCot + (1 - c.firstAlpha) * last.evalLossCall;
  const byAlpha = last.evalLoss - atStart;
  const onto = `α moving weight onto the ${moved > 0 ? 'reasoning' : 'call'}, whose loss is ${byAlpha < 0 ? 'lower' : 'higher'}`;
  const why = byAlpha < 0 ? `${(-byAlpha).toFixed(3)} of that fall is ${onto}, not the model getting better` : `${onto} on these examples, added ${byAlpha.toFixed(3)}: the model did better than this loss says`;
  return `${head}; weighted by α₀ = ${c.firstAlpha.toFixed(2)}, as at the start, its last losses give ${atStart.toFixed(3)}: ${why}. ${tail}`;
}

/** What step 4's comparison measures, and where SSB's own question is answered. `c`: the demo
 * run's curve, for the call's share under plain SFT (null before it is read). */
export function loraGainText(c: Pick<DemoCurve, 'firstAlpha' | 'sftCallShare'> | null): string {
  const short = c?.sftCallShare != null && reasoningTooShort(c.firstAlpha, c.sftCallShare);
  return `This compares the base model with the trained adapter: the gain is LoRA’s. Whether SSB beats plain SFT is the Ablation panel’s question${
    short ? `; on the demo data each reasoning is one sentence (plain SFT already gives the call ${pct(c.sftCallShare!)} of the weight), so SSB’s premise, a long reasoning that drowns the call, does not hold` : ''
  }.`;
}
