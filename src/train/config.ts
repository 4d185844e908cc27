// The run configuration: everything that determines a training run, stored with it and in
// snapshots, validated with messages naming the field.
import { LORA_TARGETS, type LoraSettings } from '../model/lora.ts';
import { seedProblem } from '../model/random.ts';
import type { ModelSpec } from '../model/config.ts';
import { BALANCE_DEFAULTS, balanceSettingsProblems, type BalanceRule, type BalanceSettings } from './balance.ts';
import { parseLossMode } from './ssb.ts';
import type { ScheduleKind } from './schedule.ts';

export interface RunConfig {
  /** `ssb`, `sft` or `fixed:<α>` */
  loss: string;
  lora: LoraSettings;
  lr: number;
  /** How SSB learns α (balance.ts); absent in runs made before there were rules: `grad`. */
  balanceRule?: BalanceRule;
  /** The rule's rate: θ's learning rate (grad) or the log-variance step (uncertainty). Absent:
   * the LoRA lr for grad (what older runs trained with), the rule's default otherwise. */
  balanceLr?: number;
  /** dwa: softmax temperature T and the window W in steps (absent: the defaults). */
  balanceTemperature?: number;
  balanceWindow?: number;
  schedule: ScheduleKind;
  warmupSteps: number;
  /** Optimizer steps of the run (the CLI turns --epochs into steps). */
  steps: number;
  /** Examples per micro-batch. */
  batchSize: number;
  gradAccum: number;
  seqLen: number;
  maxGradNorm: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  seed: number;
  recompute: boolean;
  /** Evaluate the held-out loss every N optimizer steps (0: never). */
  evalEvery: number;
  /** Held-out examples used for the eval loss. */
  evalExamples: number;
  /** Save a checkpoint every N optimizer steps (0: only on pause/stop). */
  checkpointEvery: number;
  /** When the run ends, keep the adapter (and checkpoint) of the evaluated step with the lowest
   * held-out loss per token rather than its last step's (absent: the last step's). Needs evalEvery. */
  keepBest?: boolean;
  /** With keepBest: end the run once this many held-out evaluations in a row found no lower loss
   * than the best (absent or 0: never), keeping the best step. A resumed run goes on counting from its checkpoint. */
  patience?: number;
  /** α's start and bounds, for every balance rule (DESIGN.md defaults). */
  alpha0: number;
  alphaMin: number;
  alphaMax: number;
}

export const DEFAULT_RUN_CONFIG: RunConfig = {
  loss: 'ssb',
  lora: { rank: 8, alpha: 16, useRsLora: false, dropout: 0, targets: [...LORA_TARGETS] },
  lr: 2e-4,
  schedule: 'cosine',
  warmupSteps: 5,
  steps: 100,
  batchSize: 4,
  gradAccum: 1,
  seqLen: 256,
  maxGradNorm: 1,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  seed: 42,
  recompute: false,
  evalEvery: 20,
  evalExamples: 16,
  checkpointEvery: 20,
  alpha0: BALANCE_DEFAULTS.alpha0,
  alphaMin: BALANCE_DEFAULTS.alphaMin,
  alphaMax: BALANCE_DEFAULTS.alphaMax,
  balanceRule: 'grad',
  balanceLr: BALANCE_DEFAULTS.gradLr,
  balanceTemperature: BALANCE_DEFAULTS.dwaTemperature,
  balanceWindow: BALANCE_DEFAULTS.dwaWindow,
};

/** The balance rule and its settings a run trains with (defaults filled for older configs). */
export function balanceSettingsOf(c: RunConfig): BalanceSettings {
  const rule = c.balanceRule ?? 'grad';
  return {
    rule,
    alpha0: c.alpha0,
    alphaMin: c.alphaMin,
    alphaMax: c.alphaMax,
    lr: c.balanceLr ?? (rule === 'grad' ? c.lr : BALANCE_DEFAULTS.uncertaintyLr),
    temperature: c.balanceTemperature ?? BALANCE_DEFAULTS.dwaTemperature,
    window: c.balanceWindow ?? BALANCE_DEFAULTS.dwaWindow,
  };
}

/** How a run names its loss: `sft`, `fixed:0.7`, `ssb:grad`, `ssb:uncertainty`, `ssb:dwa`. */
export function lossLabel(c: Pick<RunConfig, 'loss' | 'balanceRule'>): string {
  return c.loss === 'ssb' ? `ssb:${c.balanceRule ?? 'grad'}` : c.loss;
}

/** `stored`: a configuration a run kept (a snapshot, a run to resume), whose seed may predate the
 * 32-bit limit (seedProblem); new runs are held to it. */
export function validateRunConfig(c: RunConfig, options: { stored?: boolean } = {}): void {
  parseLossMode(c.loss);
  if (!(typeof c.lr === 'number' && c.lr > 0 && Number.isFinite(c.lr))) throw new Error(`run config: lr must be a positive number, got ${c.lr}`);
  for (const k of ['steps', 'batchSize', 'gradAccum', 'seqLen'] as const) {
    if (!(Number.isInteger(c[k]) && c[k] >= 1)) throw new Error(`run config: ${k} must be a whole number ≥ 1, got ${c[k]}`);
  }
  for (const k of ['warmupSteps', 'evalEvery', 'evalExamples', 'checkpointEvery'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new Error(`run config: ${k} must be a whole number ≥ 0, got ${c[k]}`);
  }
  if (c.keepBest !== undefined && typeof c.keepBest !== 'boolean') throw new Error(`run config: keepBest must be true or false, got ${JSON.stringify(c.keepBest)}`);
  if (c.keepBest && c.evalEvery === 0) throw new Error('run config: keepBest picks the step with the lowest held-out loss, which evalEvery 0 never measures: set evalEvery above 0');
  if (c.patience !== undefined && !(Number.isInteger(c.patience) && c.patience >= 0)) throw new Error(`run config: patience must be a whole number ≥ 0, got ${c.patience}`);
  if (c.patience && !c.keepBest) throw new Error('run config: patience ends the run once the held-out loss stops falling, and needs keepBest so that the run keeps the step before it did');
  const seed = seedProblem(c.seed, options.stored);
  if (seed) throw new Error(`run config: seed ${seed}`);
  for (const k of ['maxGradNorm', 'weightDecay'] as const) {
    if (!(c[k] >= 0 && Number.isFinite(c[k]))) throw new Error(`run config: ${k} must be a number ≥ 0, got ${c[k]}`);
  }
  if (!(c.beta1 >= 0 && c.beta1 < 1 && c.beta2 >= 0 && c.beta2 < 1)) throw new Error(`run config: beta1 and beta2 must be in [0, 1), got ${c.beta1}, ${c.beta2}`);
  if (!(c.eps > 0 && Number.isFinite(c.eps))) throw new Error(`run config: eps must be a positive number, got ${c.eps}`);
  if (!(c.lora.alpha > 0 && Number.isFinite(c.lora.alpha))) throw new Error(`run config: LoRA alpha must be a positive number, got ${c.lora.alpha}`);
  const balance = balanceSettingsProblems(balanceSettingsOf(c));
  if (balance.length) throw new Error(`run config: ${balance[0]}`);
  if (!(c.lora.dropout >= 0 && c.lora.dropout < 1)) throw new Error(`run config: LoRA dropout must be in [0, 1), got ${c.lora.dropout}`);
  if (!(c.lora.rank >= 1 && Number.isInteger(c.lora.rank))) throw new Error(`run config: LoRA rank must be a whole number ≥ 1, got ${c.lora.rank}`);
  if (c.lora.targets.length === 0) throw new Error('run config: LoRA needs at least one target module');
  // A name outside LORA_TARGETS (a PEFT module name, a draft or run.json from elsewhere) adapts no
  // module: every adapter would be left out without a word.
  const unknown = c.lora.targets.find((t) => !LORA_TARGETS.includes(t));
  if (unknown !== undefined) throw new Error(`run config: unknown LoRA target "${unknown}" (choose from ${LORA_TARGETS.join(', ')})`);
}

/** validateRunConfig, and what the config asks of the model it trains: sequences within the
 * positions it was trained on (past them RoPE rotates by angles it never saw, and examples that
 * should lose turns or be skipped train whole). */
export function validateRunConfigFor(c: RunConfig, model: Pick<ModelSpec, 'maxPositionEmbeddings'>, options: { stored?: boolean } = {}): void {
  validateRunConfig(c, options);
  const context = model.maxPositionEmbeddings;
  if (c.seqLen > context) throw new Error(`run config: seqLen must be at most the model's ${context}-token context (max_position_embeddings), got ${c.seqLen}`);
}

/** A config or settings message with its field names in the words of where it was typed (the
 * CLI's flags, the Training form's labels) and without its "run config: " prefix. */
export function configMessageIn(message: string, names: Record<string, string>): string {
  const keys = Object.keys(names).sort((a, b) => b.length - a.length).map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s'));
  return message.replace(/^(run config|HDR settings): /, '').replace(new RegExp(`(?<![\\w-])(${keys.join('|')})(?![\\w])`, 'g'), (k) => names[k.replace(/\s/g, ' ')] ?? k);
}
