// What `studio train` (and `studio ablate`'s arms) say of a run beside its steps: how many training
// examples it skipped and why, what the held-out loss and α did over it, and, before it starts,
// that SSB has nothing to balance on data without reasoning. A user read "trained 4 steps on 141
// examples, holding out 33" of a 320-example file and could not tell where the other 146 went, and
// saw the held-out loss nowhere but metrics.jsonl.
import type { Example } from '../data/example.ts';
import { plural } from '../data/plural.ts';
import type { RunConfig } from '../train/config.ts';
import type { EvalMetrics, StepMetrics } from '../train/trainer.ts';
import { segmentGaps } from '../train/ssb.ts';
import type { LoadedModel } from '../jobs/context.ts';
import { unseenTokens } from '../model/tokenCoverage.ts';
import { UNSEEN_THEN_EVALUATING, unseenTokensText } from '../model/unseenTokens.ts';

/** The skipped examples in one sentence, after the notes that name each (`messages`: the training
 * ones, then `heldOut` held-out ones; `unrendered` of the training ones the template cannot render). */
export function skippedText(messages: number, unrendered: number, heldOut: number, seqLen: number): string {
  const tooLong = messages - unrendered - heldOut;
  const parts = [
    tooLong > 0 && `${plural(tooLong, 'training example')} too long for the sequence length ${seqLen}`,
    unrendered > 0 && `${plural(unrendered, 'training example')} the chat template cannot render`,
  ].filter(Boolean);
  const held = heldOut > 0 ? `${parts.length ? '; ' : ''}${plural(heldOut, 'held-out example')} passed over for the held-out loss (the next ones that fit take their place)` : '';
  return `skipped: ${parts.join(' and ')}${held}`;
}

/** What one command's run saw of the held-out loss and α, from its evaluations and steps. */
export class RunTrace {
  private firstEval: EvalMetrics | null = null;
  private lastEval: EvalMetrics | null = null;
  private firstAlpha: { step: number; alpha: number } | null = null;
  private lastAlpha: { step: number; alpha: number } | null = null;

  eval(m: EvalMetrics): void {
    this.firstEval ??= m;
    this.lastEval = m;
  }

  step(m: StepMetrics): void {
    // A batch without reasoning or call tokens used no α (logged as 0): not a value it had.
    if (segmentGaps(m as unknown as Record<string, number>).includes('alpha')) return;
    this.firstAlpha ??= { step: m.step, alpha: m.alpha };
    this.lastAlpha = { step: m.step, alpha: m.alpha };
  }

  /** "held-out loss per token 0.909 → 0.708 (step 0 → 30; the call tokens 2.118 → 1.665); α 0.700
   * → 0.921 (step 1 → 30)", or null when the run measured neither. */
  text(config: Pick<RunConfig, 'loss'>): string | null {
    const said: string[] = [];
    const a = this.firstEval;
    const b = this.lastEval;
    if (a && b && Number.isFinite(a.evalLossTokens) && Number.isFinite(b.evalLossTokens)) {
      const one = a.step === b.step;
      const call = Number.isFinite(a.evalLossCall) && Number.isFinite(b.evalLossCall) ? `; the call tokens ${fromTo(a.evalLossCall, b.evalLossCall, one, value)}` : '';
      said.push(`held-out loss per token ${fromTo(a.evalLossTokens, b.evalLossTokens, one, value)} (step ${fromTo(a.step, b.step, one, String)}${call})`);
    }
    const f = this.firstAlpha;
    const l = this.lastAlpha;
    if (config.loss === 'ssb' && f && l) said.push(`α ${fromTo(f.alpha, l.alpha, f.step === l.step, value)} (step ${fromTo(f.step, l.step, f.step === l.step, String)})`);
    return said.length ? said.join('; ') : null;
  }
}

const value = (v: number) => v.toFixed(3);

/** "0.909 → 0.708", or the one value where there is one. */
function fromTo(a: number, b: number, one: boolean, f: (v: number) => string): string {
  return one ? f(a) : `${f(a)} → ${f(b)}`;
}

/** Why training --model on this data cannot teach it to answer (`evaluating`: why its answers to
 * these held-out examples say little): the share of the examples' tokens it has no embedding for
 * (the embedded tiny model's), or null. */
export function unseenTokensNote(model: LoadedModel, examples: Example[], modelArg: string, evaluating = false): string | null {
  if (!model.tokensWithEmbedding) return null;
  const words = evaluating ? { side: 'held-out' as const, then: UNSEEN_THEN_EVALUATING } : {};
  const text = unseenTokensText(unseenTokens(model.tokenizer, examples, model.tokensWithEmbedding, model.spec.vocabSize), `--model ${modelArg}`, words);
  return text && `${text} A released model (--model Qwen/Qwen2.5-0.5B-Instruct) has an embedding for every token.`;
}

/** Before an SSB run on training examples none of which has reasoning: its α has nothing to weigh,
 * so it trains as plain SFT; the studio says so beside the loss choice, the CLI said nothing. */
export function nothingToBalanceNote(config: Pick<RunConfig, 'loss'>, train: Example[], then = 'the run trains the calls as plain SFT (--loss sft) would'): string | null {
  if (config.loss !== 'ssb' || train.length === 0 || train.some((e) => e.target.reasoning?.trim())) return null;
  return `none of the training examples has reasoning (<think>…</think>), so SSB has nothing to balance: α weighs no reasoning loss and ${then}`;
}
