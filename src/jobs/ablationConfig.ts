// What an ablation compares and how, as configuration: its defaults, its checks, its arms and the
// names of its runs. One rule for the job (./ablate.ts), the CLI and the page's Ablation form, which
// imports it: no engine code here.
import { plural } from '../data/plural.ts';
import { DEFAULT_HDR_SETTINGS, validateHdrSettings, type HdrSettings } from '../hdr/settings.ts';
import { BALANCE_RULES, defaultBalanceLr, type BalanceRule } from '../train/balance.ts';
import { validateRunConfig, validateRunConfigFor, type RunConfig } from '../train/config.ts';
import type { ModelSpec } from '../model/config.ts';
import { DEFAULT_DECODE } from '../model/decoding.ts';
import type { Decoding } from './evaluate.ts';
import { retrainConfig } from './hdrRetrain.ts';
import { uniqueRunName } from './store/runNames.ts';

/** What an ablation compares and how: the run configuration every arm shares (its `loss` and
 * `balanceRule` are each arm's own), the rules, the HDR arm, and the evaluation. */
export interface AblationConfig extends RunConfig {
  /** The SSB rules compared, one arm each, in this order. */
  rules: BalanceRule[];
  /** Each rule's rate (grad: θ's learning rate, uncertainty: the log-variance step); absent: the
   * rule's default. DWA takes balanceTemperature and balanceWindow. */
  ruleRates: Partial<Record<BalanceRule, number>>;
  /** The SSB + HDR arm starts from the arm of this rule; null: no HDR arm. */
  hdrRule: BalanceRule | null;
  hdr: HdrSettings;
  /** Training examples HDR mines hard cases from (the first N). */
  hdrMineLimit: number;
  /** Held-out examples every arm is evaluated on (the first N of the eval split). */
  evalLimit: number;
  decoding: Decoding;
}

export interface AblationArm {
  /** `sft`, `fixed:0.7`, `ssb:grad`, `ssb:uncertainty+hdr`, … */
  id: string;
  /** What the arm changes, in words. */
  label: string;
  config: RunConfig;
  /** The HDR arm: the id of the arm whose adapter and balance state it starts from. */
  hdrFrom?: string;
}

/** Held-out examples every arm answers unless told fewer: all of a small split, and of a large one
 * enough for a difference of a few answers to read as more than chance, without answering
 * thousands of examples once per arm and again for the base model. */
export const ABLATION_EVAL_LIMIT = 64;

/** An ablation of `base` (the training form's or the flags' configuration) with every rule, HDR
 * from the uncertainty arm, and room for reasoning when answering (512 new tokens). The arms take
 * no held-out loss steps (so no best step to keep) and checkpoint only at the end, in the studio and the CLI alike: they are
 * compared by their evaluation, and neither changes what an arm learns (the data order and dropout
 * follow the seed and the step), only how long it takes. */
export function defaultAblationConfig(base: RunConfig, over: Partial<AblationConfig> = {}): AblationConfig {
  return {
    ...base,
    evalEvery: 0,
    checkpointEvery: 0,
    keepBest: false,
    patience: 0,
    rules: [...BALANCE_RULES],
    ruleRates: {},
    hdrRule: 'uncertainty',
    hdr: { ...DEFAULT_HDR_SETTINGS, maxRounds: 2, stepsPerRound: Math.max(1, Math.round(base.steps / 5)), seed: base.seed },
    hdrMineLimit: 32,
    evalLimit: ABLATION_EVAL_LIMIT,
    decoding: { maxNewTokens: DEFAULT_DECODE.maxNewTokens, batchSize: DEFAULT_DECODE.batch, seed: base.seed },
    ...over,
  };
}

/** An arm's runs are named after the ablation: “<ablation> · ssb:grad”, “<ablation> · eval ssb:grad”. */
export const ARM_OF = ' · ';

/** The model with no adapter, as the ablation's results name it (its evaluation: “<ablation> · eval base model”). */
export const BASE_MODEL = 'base model';

/** The ablation a training run is an arm of, among `runs` (the longest such name, should one
 * ablation's name start another's); undefined for a run of its own. */
export function ablationOfArm<R extends { kind: string; name?: string }>(runs: readonly R[], row: R | undefined): R | undefined {
  const name = row?.kind === 'train' ? row.name : undefined;
  if (!name) return undefined;
  return runs.filter((r) => r.kind === 'ablation' && r.name && name.startsWith(`${r.name}${ARM_OF}`)).sort((a, b) => b.name!.length - a.name!.length)[0];
}

/** The name a new ablation gets among the runs already named: told apart ("ablation (2)") from
 * another ablation's and from the runs one left ("ablation · sft"), since its arms are named by it
 * and the runs table could not tell two ablations' arms apart. */
export function uniqueAblationName(wanted: string, taken: Iterable<string | undefined>): string {
  // An arm's id has no separator; the ablation's name (the part before the last one) may.
  return uniqueRunName(wanted, [...taken].flatMap((name) => (name?.includes(ARM_OF) ? [name, name.slice(0, name.lastIndexOf(ARM_OF))] : [name])));
}

/** With `model`, also what every arm asks of it (validateRunConfigFor): checked before any arm, each
 * would fail on its own and the report would hold nothing. */
export function validateAblationConfig(c: AblationConfig, model?: Pick<ModelSpec, 'maxPositionEmbeddings'>): void {
  if (model) validateRunConfigFor({ ...c, loss: 'sft' }, model);
  else validateRunConfig({ ...c, loss: 'sft' });
  if (c.rules.length === 0 && c.hdrRule === null) throw new Error('ablation: choose at least one SSB rule');
  for (const r of c.rules) if (!(BALANCE_RULES as readonly string[]).includes(r)) throw new Error(`ablation: unknown rule "${r}" (use ${BALANCE_RULES.join(', ')})`);
  if (new Set(c.rules).size !== c.rules.length) throw new Error('ablation: a rule is listed twice');
  if (c.hdrRule !== null && !c.rules.includes(c.hdrRule)) throw new Error(`ablation: the HDR arm starts from the ssb:${c.hdrRule} arm, which is not among the rules (${c.rules.join(', ')})`);
  for (const [rule, rate] of Object.entries(c.ruleRates)) if (!(rate !== undefined && rate > 0 && Number.isFinite(rate))) throw new Error(`ablation: the rate of ${rule} must be a positive number, got ${rate}`);
  if (c.hdrRule !== null) {
    validateHdrSettings(c.hdr);
    if (!(Number.isInteger(c.hdrMineLimit) && c.hdrMineLimit >= 1)) throw new Error(`ablation: hdrMineLimit must be a whole number ≥ 1, got ${c.hdrMineLimit}`);
  }
  if (!(Number.isInteger(c.evalLimit) && c.evalLimit >= 1)) throw new Error(`ablation: evalLimit must be a whole number ≥ 1, got ${c.evalLimit}`);
  if (!(Number.isInteger(c.decoding.maxNewTokens) && c.decoding.maxNewTokens >= 1)) throw new Error(`ablation: maxNewTokens must be a whole number ≥ 1, got ${c.decoding.maxNewTokens}`);
  if (!(Number.isInteger(c.decoding.batchSize) && c.decoding.batchSize >= 1)) throw new Error(`ablation: the decoding batch must be a whole number ≥ 1, got ${c.decoding.batchSize}`);
}

/** The arms, in the order they run (an HDR arm after the arm it starts from). */
export function ablationArms(c: AblationConfig): AblationArm[] {
  const shared: RunConfig = { ...c };
  for (const k of ['rules', 'ruleRates', 'hdrRule', 'hdr', 'hdrMineLimit', 'evalLimit', 'decoding'] as const) delete (shared as Partial<AblationConfig>)[k];
  const ssb = (rule: BalanceRule): RunConfig => ({ ...shared, loss: 'ssb', balanceRule: rule, balanceLr: c.ruleRates[rule] ?? defaultBalanceLr(rule) });
  const arms: AblationArm[] = [
    { id: 'sft', label: 'SFT: every target token weighs the same', config: { ...shared, loss: 'sft' } },
    { id: `fixed:${c.alpha0}`, label: `fixed α = ${c.alpha0} on the reasoning loss`, config: { ...shared, loss: `fixed:${c.alpha0}` } },
    ...c.rules.map((rule) => ({ id: `ssb:${rule}`, label: `SSB, α learned by the ${rule} rule`, config: ssb(rule) })),
  ];
  if (c.hdrRule !== null) {
    arms.push({ id: `ssb:${c.hdrRule}+hdr`, label: `SSB (${c.hdrRule}) then HDR rounds`, config: retrainConfig(ssb(c.hdrRule), c.hdr), hdrFrom: `ssb:${c.hdrRule}` });
  }
  return arms;
}

/** What an ablation will cost, in words, before it starts (the Ablation form and `studio ablate`
 * say the same): its arms' training steps in all and the answers its evaluations (the arms' and
 * the base model's) decode, so six 300-step runs do not read as one. `heldOut`: the held-out examples the data has (null: not
 * counted yet). */
export function ablationWorkText(c: AblationConfig, heldOut: number | null): string {
  const arms = ablationArms(c);
  const trained = arms.filter((a) => !a.hdrFrom).length;
  const training = `${plural(trained, 'arm')} train ${plural(c.steps, 'step')} each: ${plural(trained * c.steps, 'training step')}`;
  const hdr = c.hdrRule === null ? '' : `; the SSB + HDR arm mines ${plural(c.hdrMineLimit, 'training example')} and retrains up to ${plural(c.hdr.maxRounds, 'round')} of ${plural(c.hdr.stepsPerRound, 'step')}`;
  const asked = heldOut === null ? c.evalLimit : Math.min(c.evalLimit, heldOut);
  const which = heldOut === null ? `up to ${c.evalLimit}` : heldOut <= c.evalLimit ? `all ${heldOut}` : `${c.evalLimit} of the ${heldOut}`;
  // The base model answers them too, once: the reference every arm is read against.
  const answers = `${heldOut === null ? 'up to ' : ''}${plural((arms.length + 1) * asked, 'answer')}`;
  return `${training}${hdr}. Then the ${BASE_MODEL} and each of the ${plural(arms.length, 'arm')} answer ${which} held-out examples: ${answers} of up to ${plural(c.decoding.maxNewTokens, 'new token')}.`;
}
