// The words the Runs panel's compare table names a run's settings by: RunConfig's keys (LoRA's
// flattened as `lora.rank`) and the balance settings training fills in. `batchSize` or `alpha0`
// says nothing to someone who set it in the Training form. Typed over RunConfig and LoraSettings:
// a setting added without words does not compile (and tests/ui/first-hour.test.ts finds one that
// reaches the table at run time).
import type { LoraSettings, RunConfig } from '../worker/protocol.ts';

export type SettingKey = Exclude<keyof RunConfig, 'lora'> | `lora.${keyof LoraSettings}`;

export const SETTING_WORDS: Record<SettingKey, string> = {
  loss: 'loss',
  lr: 'learning rate',
  schedule: 'learning-rate schedule',
  warmupSteps: 'warm-up steps',
  steps: 'steps',
  batchSize: 'examples per batch',
  gradAccum: 'batches per step (gradient accumulation)',
  seqLen: 'sequence length (tokens)',
  maxGradNorm: 'gradient clipped to norm',
  weightDecay: 'weight decay',
  beta1: 'Adam β₁',
  beta2: 'Adam β₂',
  eps: 'Adam ε',
  seed: 'seed',
  recompute: 'recompute activations (less memory, slower steps)',
  evalEvery: 'held-out loss every N steps (0: never)',
  evalExamples: 'held-out examples for that loss',
  checkpointEvery: 'checkpoint every N steps (0: only on pause or stop)',
  keepBest: 'keep the step with the lowest held-out loss',
  patience: 'stop after N evaluations without a lower loss (0: never)',
  balanceRule: 'how α is learned',
  balanceLr: 'α’s learning rate (its log-variance step under uncertainty)',
  balanceTemperature: 'α’s temperature T (DWA)',
  balanceWindow: 'α’s window W in steps (DWA)',
  alpha0: 'α’s start',
  alphaMin: 'α’s lowest',
  alphaMax: 'α’s highest',
  'lora.rank': 'LoRA rank',
  'lora.alpha': 'LoRA alpha (scale)',
  'lora.useRsLora': 'rank-stabilized LoRA scaling',
  'lora.dropout': 'LoRA dropout',
  'lora.targets': 'LoRA target modules',
  'lora.layers': 'layers with LoRA',
};

/** A flattened setting in words; a key the table adds itself ('model', 'started from') is one already. */
export function settingWords(key: string): string {
  return (SETTING_WORDS as Record<string, string>)[key] ?? key;
}
