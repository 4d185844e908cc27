// Retraining between HDR rounds on the GPU trainer, "from the current adapter": the model's LoRA
// buffers are the adapter, so each round builds a new Trainer over the round's training set on
// the same ModelState and takes the configured number of steps.
// What carries over between rounds: the LoRA parameters (they live in the model) and the SSB
// balance rule's state (θ with its scalar Adam moments, the log-variances, or DWA's loss history),
// copied from the previous round's trainer, or for the first round from the run HDR starts from,
// so α continues where training left it. What resets: the LoRA AdamW moments and step count, because
// each round is a fresh optimisation over a different data set (its lr schedule restarts with
// its warm-up, and stale moments from a smaller set would bias the first steps).
// Never evaluates and never stores anything; the round loop does.
import type { Example } from '../data/example.ts';
import type { ModelState } from '../model/transformer.ts';
import type { TokenizedExample } from '../train/batching.ts';
import type { RunConfig } from '../train/config.ts';
import { Trainer, type StepMetrics } from '../train/trainer.ts';
import { skipReason } from '../train/prepareData.ts';
import type { BalanceState } from '../train/balance.ts';
import type { RoundTraining } from './rounds.ts';

export interface RetrainOptions {
  /** The run configuration; `steps` is replaced by `stepsPerRound` and `seed` varies by round. */
  config: RunConfig;
  stepsPerRound: number;
  /** Example → token ids with segments (tokenizeExample with the model's tokenizer, in the app). */
  tokenize(example: Example): TokenizedExample;
  onStep?(round: number, metrics: StepMetrics): void;
  /** The balance state the first round continues from (the starting run's); null: α₀. A state of
   * another rule than the config's is ignored (that rule starts at α₀). */
  initialBalance?: BalanceState | null;
}

export interface Retrainer {
  train(examples: Example[], round: number, signal?: AbortSignal): Promise<RoundTraining>;
  /** The balance state after the last round (the initial one before any). */
  readonly balance: BalanceState | null;
}

export function trainerRetraining(model: ModelState, opts: RetrainOptions): Retrainer {
  if (!(Number.isInteger(opts.stepsPerRound) && opts.stepsPerRound >= 1)) throw new Error(`steps per round must be a whole number ≥ 1, got ${opts.stepsPerRound}`);
  let balance: BalanceState | null = opts.initialBalance ?? null;
  return {
    get balance() {
      return balance;
    },
    async train(examples, round, signal) {
      const skipped: string[] = [];
      const tokenized: TokenizedExample[] = [];
      for (const e of examples) {
        try {
          tokenized.push(opts.tokenize(e));
        } catch (err) {
          skipped.push(skipReason(e, err));
        }
      }
      if (tokenized.length === 0) return { steps: 0, examples: 0, lossFirst: NaN, lossLast: NaN, skipped };
      const config: RunConfig = { ...opts.config, steps: opts.stepsPerRound, seed: opts.config.seed + round };
      const trainer = new Trainer(model, tokenized, config);
      try {
        if (balance && balance.rule === trainer.balanceSettings.rule) trainer.useBalance(balance);
        let lossFirst = NaN;
        let lossLast = NaN;
        let steps = 0;
        for (let i = 0; i < config.steps && !signal?.aborted; i++) {
          const m = await trainer.trainStep();
          steps++;
          if (i === 0) lossFirst = m.loss;
          lossLast = m.loss;
          opts.onStep?.(round, m);
        }
        balance = structuredClone(trainer.balance);
        return { steps, examples: tokenized.length, lossFirst, lossLast, skipped };
      } finally {
        trainer.destroy();
      }
    },
  };
}
