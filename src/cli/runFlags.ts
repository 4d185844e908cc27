// What every run command (train, eval, hdr) reads the same way: --model, --data and --out with
// --format, and the training flags that make a RunConfig (a flag a command does not offer keeps
// its default). Errors are one-line usage errors naming the flag.
import { requireFlag } from './args.ts';
import { CliError } from './command.ts';
import type { SourceFormat } from '../data/example.ts';
import { parseLoraTargets } from '../model/lora.ts';
import { seedProblem } from '../model/random.ts';
import { configMessageIn, DEFAULT_RUN_CONFIG, validateRunConfig, validateRunConfigFor, type RunConfig } from '../train/config.ts';
import type { ModelSpec } from '../model/config.ts';
import type { ScheduleKind } from '../train/schedule.ts';
import { rescheduledStep } from '../train/runWords.ts';
import { BALANCE_DEFAULTS, BALANCE_RULES, defaultBalanceLr, isBalanceRule } from '../train/balance.ts';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Example } from '../data/example.ts';
import { defaultSeqLen } from '../jobs/data.ts';
import { nothingToTrain } from '../jobs/train.ts';
import { formatFlag, printNotes } from './localFiles.ts';
import { DEFAULT_SPLIT, heldOutPercentProblem, HELD_OUT_PERCENT } from '../data/split.ts';
import { plural } from '../data/plural.ts';
import { parseRuleList, sameInclusion, type InclusionChoice } from '../data/inclusion.ts';
import { QUALITY_RULES } from '../data/quality-check.ts';
import { HDR_FILES, RUN_JSON } from '../jobs/store/folder.ts';
import { DATASET_FILE } from '../snapshot/dataset-jsonl.ts';

export interface RunTarget {
  modelArg: string;
  dataPaths: string[];
  out: string;
  format?: SourceFormat;
  /** --bfcl-prompt: BFCL question files in BFCL's prompt mode. */
  bfclPromptMode: boolean;
  /** --every-call-turn: every calling turn of a conversation an example of its own; undefined when
   * not given (an --adapter run's own choice applies: eval, hdr). */
  everyCallTurn?: boolean;
}

/** The option every run command offers for BFCL files, with its help line. */
export const BFCL_PROMPT_HELP = `  --bfcl-prompt           BFCL question files in BFCL's prompt mode (functions listed in its system prompt,
                          answers as Python calls), as the leaderboard prompts models without native tools`;

/** Where an option's description starts in every command's help, and how long its lines run. */
const HELP_COLUMN = 26;
const HELP_WIDTH = 102;

/** One option's help, its words wrapped in the description column: for a text whose words change
 * with the command (`fromAdapter` below), which no hand-wrapped text fits both ways. */
function optionHelp(option: string, words: string): string {
  const lines: string[] = [];
  let line = `  ${option}`.padEnd(HELP_COLUMN);
  let empty = true;
  // A value's name (<run folder>) stays on one line.
  for (const word of words.split(/ (?![^<]*>)/)) {
    if (!empty && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = ' '.repeat(HELP_COLUMN);
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  return [...lines, line].join('\n');
}

/** A default an --adapter run folder gives, for the help of a command that takes --adapter
 * (`fromAdapter`); ablate, which takes none, has only `otherwise`. */
const orAdapterRun = (fromAdapter: boolean, whose: string, otherwise: string): string => (fromAdapter ? `${whose}, if any, else ${otherwise}` : otherwise);

/** The option every command that reads conversations offers for their earlier calling turns. */
export function everyCallTurnHelp(fromAdapter: boolean): string {
  const chosen = fromAdapter ? '; with --adapter <run folder>, and train --resume: as that run chose' : '';
  return optionHelp('--every-call-turn', `learn every turn of a conversation that calls a tool, each an example of its own (default: only its last, the earlier ones prompt${chosen}); a conversation's turns are held out together`);
}

export function runTarget(f: { model?: string; data?: string[]; out?: string; format?: string; 'bfcl-prompt'?: boolean; 'every-call-turn'?: boolean }): RunTarget {
  const target = { modelArg: requireFlag(f.model, 'model'), dataPaths: requireFlag(f.data, 'data'), out: requireFlag(f.out, 'out') };
  return { ...target, format: formatFlag(f.format), bfclPromptMode: f['bfcl-prompt'] ?? false, everyCallTurn: f['every-call-turn'] };
}

/** How SSB learns α, for every command that trains (train, hdr, ablate). */
export const BALANCE_FLAGS = {
  rule: 'string', 'alpha0': 'number', 'alpha-min': 'number', 'alpha-max': 'number', 'balance-lr': 'number', 'balance-temperature': 'number', 'balance-window': 'number',
} as const;

/** α's start and bounds and dwa's shape: what every SSB run takes, the ablation's arms included. */
export const ALPHA_HELP = `  --alpha0 <x>            α's start (default ${BALANCE_DEFAULTS.alpha0}); --alpha-min, --alpha-max its bounds (${BALANCE_DEFAULTS.alphaMin}, ${BALANCE_DEFAULTS.alphaMax})
  --balance-temperature <T> --balance-window <W>   dwa's temperature (default ${BALANCE_DEFAULTS.dwaTemperature}) and window in steps (${BALANCE_DEFAULTS.dwaWindow})`;

export const BALANCE_HELP = `  --rule <r>              how SSB learns α: grad | uncertainty | dwa (default grad; also --loss ssb:<r>)
                            grad: descent on α itself, the paper's literal rule: α only moves toward
                                  the segment whose loss is already lower, or barely moves
                            uncertainty: learned per-segment log-variances (Kendall et al. 2018)
                            dwa: weights from how fast each segment's loss falls (Liu et al. 2019)
  --balance-lr <x>        the rule's rate: θ's learning rate for grad (default ${BALANCE_DEFAULTS.gradLr}), the
                          log-variance step for uncertainty (default ${BALANCE_DEFAULTS.uncertaintyLr})
${ALPHA_HELP}`;

/** The training flags, as parsed (`--rank 4` → rank: 4). */
export interface RunConfigFlags {
  loss?: string;
  rule?: string;
  alpha0?: number;
  'alpha-min'?: number;
  'alpha-max'?: number;
  'balance-temperature'?: number;
  'balance-window'?: number;
  rank?: number;
  alpha?: number;
  rslora?: boolean;
  targets?: string;
  lr?: number;
  'balance-lr'?: number;
  schedule?: string;
  warmup?: number;
  batch?: number;
  'grad-accum'?: number;
  seq?: number;
  'max-grad-norm'?: number;
  'weight-decay'?: number;
  seed?: number;
  recompute?: boolean;
  'eval-every'?: number;
  'eval-examples'?: number;
  'checkpoint-every'?: number;
  /** studio train only: keep the best step's adapter (RunConfig.keepBest). */
  'keep-best'?: boolean;
  /** studio train only: RunConfig.patience. */
  patience?: number;
  steps?: number;
  /** `studio train --resume`: the run's stored settings are the base (its seed may predate the 32-bit limit). */
  resume?: boolean;
}

/** The run config the flags give; a flag not given keeps `base`'s value (the defaults, or the
 * settings of the run an HDR run continues, as the studio retrains with them). `baseFile`: the file
 * `base` was read from, named in a refusal of a value no flag gave. */
export function runConfigFromFlags(f: RunConfigFlags, base: RunConfig = DEFAULT_RUN_CONFIG, baseFile?: string): RunConfig {
  const d = base;
  if (f.schedule !== undefined && !['cosine', 'linear', 'constant'].includes(f.schedule)) throw new CliError(`--schedule must be cosine, linear or constant, not ${f.schedule}`, 2);
  let targets = d.lora.targets;
  try {
    if (f.targets) targets = parseLoraTargets(f.targets);
  } catch (err) {
    throw new CliError(`--targets: ${(err as Error).message}`, 2);
  }
  // `ssb:<rule>` is shorthand for --loss ssb --rule <rule>.
  const lossFlag = f.loss ?? d.loss;
  const ruleInLoss = lossFlag.startsWith('ssb:') ? lossFlag.slice(4) : undefined;
  const loss = ruleInLoss === undefined ? lossFlag : 'ssb';
  if (ruleInLoss !== undefined && f.rule !== undefined && f.rule !== ruleInLoss) throw new CliError(`--loss ${lossFlag} and --rule ${f.rule} name two balance rules; give one of them`, 2);
  const ruleName = f.rule ?? ruleInLoss ?? (loss === d.loss ? d.balanceRule : undefined) ?? 'grad';
  // A flag of α's rule does nothing with another loss: refused, so it never seems to have been used.
  const ssbOnly = (Object.keys(BALANCE_FLAGS) as Array<keyof typeof BALANCE_FLAGS>).find((k) => f[k] !== undefined);
  // Without --loss the loss is the base's: an HDR run's --adapter run's, or a resumed run's, which
  // keeps it (the defaults' is ssb).
  const lossWords = f.loss !== undefined ? `--loss ${loss}` : f.resume ? `the ${loss} loss of the resumed run` : `the ${loss} loss of the --adapter run (--loss ssb to learn α)`;
  if (loss !== 'ssb' && ssbOnly) throw new CliError(`--${ssbOnly} sets how SSB learns α; it does nothing with ${lossWords}`, 2);
  if (!isBalanceRule(ruleName)) throw new CliError(`--rule must be one of ${BALANCE_RULES.join(', ')}, not ${ruleName}`, 2);
  const config: RunConfig = {
    ...d,
    loss,
    balanceRule: ruleName,
    alpha0: f.alpha0 ?? d.alpha0,
    alphaMin: f['alpha-min'] ?? d.alphaMin,
    alphaMax: f['alpha-max'] ?? d.alphaMax,
    balanceTemperature: f['balance-temperature'] ?? d.balanceTemperature,
    balanceWindow: f['balance-window'] ?? d.balanceWindow,
    lora: { ...d.lora, rank: f.rank ?? d.lora.rank, alpha: f.alpha ?? d.lora.alpha, useRsLora: f.rslora ?? d.lora.useRsLora, targets },
    lr: f.lr ?? d.lr,
    // The base's rate is its rule's (absent in older runs: balanceSettingsOf's); another rule starts at its own default.
    balanceLr: f['balance-lr'] ?? (ruleName === (d.balanceRule ?? 'grad') ? d.balanceLr : defaultBalanceLr(ruleName)),
    schedule: (f.schedule as ScheduleKind | undefined) ?? d.schedule,
    warmupSteps: f.warmup ?? d.warmupSteps,
    batchSize: f.batch ?? d.batchSize,
    gradAccum: f['grad-accum'] ?? d.gradAccum,
    seqLen: f.seq ?? d.seqLen,
    maxGradNorm: f['max-grad-norm'] ?? d.maxGradNorm,
    weightDecay: f['weight-decay'] ?? d.weightDecay,
    // A resumed run gives its own seed again, which may predate the 32-bit limit (seedProblem).
    seed: seedFlag(f.seed, 'seed', f.resume) ?? d.seed,
    recompute: f.recompute ?? d.recompute,
    evalEvery: f['eval-every'] ?? d.evalEvery,
    evalExamples: f['eval-examples'] ?? d.evalExamples,
    checkpointEvery: f['checkpoint-every'] ?? d.checkpointEvery,
    steps: f.steps ?? d.steps,
    ...(f['keep-best'] !== undefined ? { keepBest: f['keep-best'] } : {}),
    ...(f.patience !== undefined ? { patience: f.patience } : {}),
  };
  // A stored base may keep a seed from before the 32-bit limit (seedProblem).
  refuseInFlagWords(() => validateRunConfig(config, { stored: f.resume || base !== DEFAULT_RUN_CONFIG }), baseFile === undefined ? undefined : { flags: f, file: baseFile });
  return config;
}

/** Settings a stored run gave where its flags did not (`studio hdr --adapter <run folder>`). */
export interface SettingsFrom {
  flags: RunConfigFlags;
  /** The file they were read from (the run folder's run.json). */
  file: string;
}

/** Refuses a config the loaded model cannot train (a --seq past its context), by its flags, or by
 * the file (`options.from`) that gave a value no flag did. */
export function checkRunConfigFor(config: RunConfig, spec: Pick<ModelSpec, 'maxPositionEmbeddings'>, options: { stored?: boolean; from?: SettingsFrom } = {}): void {
  refuseInFlagWords(() => validateRunConfigFor(config, spec, options), options.from);
}

function refuseInFlagWords(check: () => void, from?: SettingsFrom): void {
  try {
    check();
  } catch (err) {
    throw new CliError(from ? inSettingsWords((err as Error).message, from) : inFlagWords((err as Error).message), 2);
  }
}

/** A run-config message where some settings came from a file, not a flag: those keep their names,
 * and the file is named with the flag that overrides them. ("--seq must be …" read as a flag the
 * user never gave.) */
function inSettingsWords(message: string, { flags, file }: SettingsFrom): string {
  const given = (key: string) => (flags as Record<string, unknown>)[RUN_FLAGS[key].slice(2)] !== undefined;
  const named = (key: string) => new RegExp(`(?<![\\w-])${key.replace(/ /g, '\\s')}(?![\\w])`).test(message);
  const stored = Object.keys(RUN_FLAGS).filter((k) => !given(k) && named(k));
  const text = configMessageIn(message, Object.fromEntries(Object.entries(RUN_FLAGS).filter(([k]) => given(k))));
  if (stored.length === 0) return text;
  return `${text} (${stored.join(', ')} from ${file}, not from a flag: give ${stored.map((k) => RUN_FLAGS[k]).join(', ')} to override)`;
}

/** Said as a run starts (not on a resume, nor before a refusal): a warmup longer than the run keeps
 * the learning rate below --lr throughout. A default the user never typed is named with the flag
 * that sets it; a --warmup they gave may be meant, so that note says how high the rate gets instead. */
export function noteShortWarmup(config: RunConfig, warmupFlag: number | undefined): void {
  if (config.warmupSteps <= config.steps) return;
  const longer = `is longer than the run's ${plural(config.steps, 'step')}`;
  if (warmupFlag === undefined) {
    console.error(`note: the default warmup of ${config.warmupSteps} steps ${longer}; the learning rate never reaches --lr ${config.lr} (set --warmup to change that)`);
    return;
  }
  // The last step's rate: warmup climbs by lr/warmup a step (train/schedule.ts).
  const peak = (config.lr * config.steps) / config.warmupSteps;
  console.error(`note: --warmup ${config.warmupSteps} ${longer}: the learning rate climbs to ${peak.toExponential(2)} at its last step, never reaching --lr ${config.lr}`);
}

/** A resumed run given another --steps (or --epochs) than it was planned with: its schedule is laid
 * over the new length, so from some step on the learning rate is not the one the run was heading for
 * (a finished cosine run extended climbs back up). Said with both rates at the first step that
 * differs: a resume otherwise goes on exactly, and the curve alone does not say why the loss moved. */
export function noteRescheduledResume(config: RunConfig, stored: { steps: number; lastStep: number }): void {
  const { steps, lastStep } = stored;
  if (config.steps === steps) return;
  const differs = rescheduledStep(config, steps, config.steps, lastStep);
  if (!differs) return;
  const asPlanned = lastStep < steps ? `; to go on as planned, resume with --steps ${steps}` : '';
  console.error(`note: the run was planned for ${plural(steps, 'step')} and now runs ${config.steps}: its ${config.schedule} learning-rate schedule is laid over ${config.steps} steps, so step ${differs.step} trains at lr ${differs.rate.toExponential(2)} where the schedule over ${steps} has ${differs.plannedRate.toExponential(2)} (the ${plural(lastStep, 'step')} trained keep theirs)${asPlanned}`);
}

/** Flags that set one balance rule, refused with another (train and hdr learn α with one rule; the
 * ablation shares them among its arms): --rule dwa --balance-lr did nothing, as a flag of α's rule
 * does with a loss that learns no α. `recordedBy`: the run whose rule applies where --rule is not
 * given ("the --adapter run", "the resumed run"); undefined, the default rule. */
export function refuseOtherRuleFlags(f: RunConfigFlags, config: RunConfig, recordedBy: string | undefined): void {
  if (config.loss !== 'ssb') return;
  const rule = config.balanceRule ?? 'grad';
  const given = f.rule !== undefined ? `--rule ${rule}` : f.loss?.startsWith('ssb:') ? `--loss ${f.loss}` : undefined;
  const words = (otherRule: string) => given ?? (recordedBy ? `the ${rule} rule of ${recordedBy}` : `the default rule, ${rule} (--rule ${otherRule} to use it)`);
  if (rule === 'dwa' && f['balance-lr'] !== undefined) {
    throw new CliError(`--balance-lr sets the rate of the grad and uncertainty rules; it does nothing with ${given ?? (recordedBy ? `the dwa rule of ${recordedBy}` : 'dwa')} (--balance-temperature and --balance-window set dwa)`, 2);
  }
  for (const [flag, what] of [['balance-temperature', 'temperature'], ['balance-window', 'window']] as const) {
    if (rule !== 'dwa' && f[flag] !== undefined) throw new CliError(`--${flag} sets dwa's ${what}; it does nothing with ${words('dwa')}`, 2);
  }
}

/** The config's field names as the flags that set them. */
const RUN_FLAGS: Record<string, string> = {
  lr: '--lr', steps: '--steps', batchSize: '--batch', gradAccum: '--grad-accum', seqLen: '--seq', warmupSteps: '--warmup', evalEvery: '--eval-every',
  evalExamples: '--eval-examples', checkpointEvery: '--checkpoint-every', seed: '--seed', maxGradNorm: '--max-grad-norm', weightDecay: '--weight-decay',
  alphaMin: '--alpha-min', alpha0: '--alpha0', alphaMax: '--alpha-max', balanceLr: '--balance-lr', balanceTemperature: '--balance-temperature',
  balanceWindow: '--balance-window', balanceRule: '--rule', keepBest: '--keep-best', patience: '--patience', 'LoRA rank': '--rank', 'LoRA alpha': '--alpha',
};

/** A run-config or settings message in the words of the command line. */
export function inFlagWords(message: string, flagOf: Record<string, string> = RUN_FLAGS): string {
  return configMessageIn(message, flagOf);
}

/** What HDR's refusal on this GPU (jobs/hdr.ts fitSamplesOnGpu) tells the user to lower, named as the
 * studio's forms label it, in the flags of studio hdr and studio ablate (their formFlags; the HDR arm
 * retrains with --batch, as studio hdr does). */
export const HDR_REFUSAL_FLAGS: Record<string, string> = { 'Max new tokens': '--max-tokens', 'the retraining batch': '--batch', 'Examples to mine': '--mine-limit' };

/** --seed: a whole number from 0 to MAX_SEED, or a larger one a resumed run kept (undefined when not given). */
export function seedFlag(value: number | undefined, flag: string, stored = false): number | undefined {
  const problem = value === undefined ? null : seedProblem(value, stored);
  if (problem) throw new CliError(`--${flag} ${problem}`, 2);
  return value;
}

/** --temperature and --top-p of a command that decodes greedily unless told to sample (eval,
 * generate). Greedy decoding has no distribution to cut: --top-p alone would be ignored without a word. */
export function samplingFlags(f: { temperature?: number; 'top-p'?: number }): { temperature: number; topP: number | undefined } {
  const temperature = f.temperature ?? 0;
  const topP = f['top-p'];
  if (!(temperature >= 0)) throw new CliError(`--temperature must be ≥ 0 (0: greedy), got ${temperature}`, 2);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new CliError(`--top-p must be in (0, 1], got ${topP}`, 2);
  if (topP !== undefined && !(temperature > 0)) throw new CliError('--top-p needs a --temperature above 0: greedy decoding (the default, and --temperature 0) ignores it', 2);
  return { temperature, topP };
}

/** Without --seq, the sequence length comes from the training examples (the 95th percentile of
 * their tokens, rounded up to 64, at most the model's context); one line on stderr says so and what
 * it does to them. */
export async function seqLenFromData(config: RunConfig, f: { seq?: number; quiet?: boolean }, model: { tokenizer: PreTrainedTokenizer; spec: Pick<ModelSpec, 'maxPositionEmbeddings'> }, train: Example[]): Promise<void> {
  if (f.seq !== undefined || train.length === 0) return;
  const context = model.spec.maxPositionEmbeddings;
  const { seqLen, report } = await defaultSeqLen(model.tokenizer, train, context);
  config.seqLen = seqLen;
  if (!f.quiet) {
    const n = (v: number) => v.toLocaleString('en-US');
    const rest = [report.shortened && `${n(report.shortened)} lose earlier turns`, report.skipped && `${n(report.skipped)} do not fit and are skipped`].filter(Boolean).join(', ');
    const cap = seqLen === context ? `, at most the model's ${context}-token context` : '';
    console.error(`sequence length ${seqLen} (95th percentile of the training examples' tokens, rounded up to 64${cap}; --seq to choose): ${n(report.whole)} of ${n(report.examples)} fit whole${rest ? `, ${rest}` : ''}`);
  }
}

/** Refuses, before the model's weights are read, a sequence length no training example fits (or
 * data none of whose examples can be used), in the training job's words, after a note per example. */
export async function checkSomeExampleFits(model: { tokenizer: PreTrainedTokenizer }, train: Example[], seqLen: number): Promise<void> {
  const none = await nothingToTrain(model.tokenizer, train, seqLen);
  if (!none) return;
  printNotes(none.skipped);
  throw new CliError(none.message);
}

/** --split-seed, offered by every command that splits data files into train and held-out sides. */
export function splitSeedHelp(fromAdapter: boolean): string {
  const oneByOne = fromAdapter ? ' (an --adapter run folder written before splits went by question keeps its split one by one, and says so)' : '';
  return optionHelp(
    '--split-seed <n>',
    `the held-out split's seed (default: ${orAdapterRun(fromAdapter, 'that of the --adapter run folder', `${DEFAULT_SPLIT.seed}, the seed the studio splits the datasets it imports with`)}: the same examples held out here and there, whatever --seed); the examples asking one question share a side${oneByOne}`,
  );
}

/** --held-out, offered with --split-seed. */
export function heldOutHelp(fromAdapter: boolean): string {
  return optionHelp(
    '--held-out <percent>',
    `the share of examples held out, ${HELD_OUT_PERCENT.min} to ${HELD_OUT_PERCENT.max} (default: ${orAdapterRun(fromAdapter, "the --adapter run folder's", String(DEFAULT_SPLIT.evalFraction * 100))}); a dataset the studio split again holds out what --split-seed and --held-out with its seed and share hold out`,
  );
}

/** --split-by, offered with --held-out. */
export function splitByHelp(fromAdapter: boolean): string {
  return optionHelp(
    '--split-by <kind>',
    `question: the examples asking one question share a side, so no held-out question is one training answers; example: each by its id alone, as run folders and datasets from before split (default: ${orAdapterRun(fromAdapter, "the --adapter run folder's", 'question')})`,
  );
}

/** Whether to split by question: --split-by, else `otherwise()` (an --adapter run folder's kind, or
 * by question). */
export function splitByFrom(f: { 'split-by'?: string }, otherwise: () => boolean): boolean {
  const by = f['split-by'];
  if (by === undefined) return otherwise();
  if (by !== 'question' && by !== 'example') throw new CliError(`--split-by must be question or example, got ${by}`, 2);
  return by === 'question';
}

/** The share held out: --held-out (percent), else `otherwise()` (an --adapter run folder's share, or
 * the usual one), as a fraction. */
export function heldOutFrom(f: { 'held-out'?: number }, otherwise: () => number): number {
  const percent = f['held-out'];
  if (percent === undefined) return otherwise();
  const problem = heldOutPercentProblem(percent);
  if (problem) throw new CliError(`--held-out ${problem}`, 2);
  return percent / 100;
}

/** The split seed: --split-seed, else `recorded` (the run folder's own, resumed or started from),
 * else the studio's (DEFAULT_SPLIT). Never --seed: runs with other seeds held out other examples,
 * so a sweep over seeds compared scores on different questions, and none of them the studio's. */
export function splitSeedFrom(f: { 'split-seed'?: number; resume?: boolean }, recorded: number | undefined): number {
  const s = f['split-seed'];
  if (s === undefined) return recorded ?? DEFAULT_SPLIT.seed;
  seedFlag(s, 'split-seed', f.resume);
  return s;
}

/** Which examples a run uses beyond the quality check's say: the Dataset panel's "Train on the N
 * examples flagged only by this rule" and its leave-out, by the same rule names (data/inclusion.ts). */
export const INCLUSION_FLAGS = { 'include-flagged': 'strings', 'leave-out': 'strings' } as const;

export const INCLUSION_HELP = `  --include-flagged <r>   use the examples flagged by the quality rules r (comma-separated) and by no
                          other, as the studio's "Train on the N examples flagged only by this rule";
                          the rules: ${QUALITY_RULES.slice(0, 3).join(', ')},
                          ${QUALITY_RULES.slice(3).join(', ')}
  --leave-out <ids>       leave these examples out (by id, comma-separated), whatever the quality check says`;

/** Where --include-flagged and --leave-out default from where an --adapter folder can give them
 * (train, eval, hdr; each says what else follows in its own help): the folder's recorded choice,
 * else the studio's per-line "included", read from an unzipped snapshot's dataset.jsonl or from the
 * lineChoices a run folder started from a snapshot records (localFiles.ts snapshotChoices). */
export const INCLUSION_DEFAULT_HELP = `                          (default: the --adapter run folder's, if it chose any, over the studio's
                          per-line choices of the snapshot it is or started from: its ${DATASET_FILE},
                          or the lineChoices its ${RUN_JSON} or ${HDR_FILES.summary} records)`;

/** The choice as flags, as run.json records it and an error names it; '' for none. */
export function inclusionFlagsText(c: InclusionChoice | undefined): string {
  return [c?.includeFlagged?.length && `--include-flagged ${c.includeFlagged.join(',')}`, c?.leaveOut?.length && `--leave-out ${c.leaveOut.join(',')}`].filter(Boolean).join(' ');
}

/** The examples train, eval and hdr use beyond the quality check: the flags' choice, else the one an
 * --adapter run folder recorded over its own dataset (`from.inclusion`), named by its file for
 * dataExamples: an id it left out that these files do not hold is a note, not an error (a run scored
 * on a BFCL file). Likewise the flagged examples (`includeFailing`): --include-failing's word, else
 * the folder's, but where --include-flagged chooses some of them (all of them would undo that). */
export function inclusionOrRecorded(f: Parameters<typeof inclusionFromFlags>[0], from: { inclusion?: InclusionChoice; includeFailing?: true; file?: string }): { inclusion?: InclusionChoice; inclusionFrom?: string; includeFailing?: boolean } {
  const given = inclusionFromFlags(f);
  const includeFailing = f['include-failing'] ?? (given?.includeFlagged ? undefined : from.includeFailing);
  const failing = includeFailing === undefined ? {} : { includeFailing };
  if (given) return { inclusion: given, ...failing };
  return { ...(from.inclusion && { inclusion: from.inclusion, inclusionFrom: from.file ?? 'the --adapter run' }), ...failing };
}

/** --include-flagged and --leave-out as a choice; undefined when neither is given. A resumed run
 * (`resumed`) uses the one it recorded: given again, it must be that one (a run continued on other
 * examples mixes two runs in one curve). */
export function inclusionFromFlags(f: { 'include-flagged'?: string[]; 'leave-out'?: string[]; 'include-failing'?: boolean }, resumed?: { out: string; recorded?: InclusionChoice }): InclusionChoice | undefined {
  let given: InclusionChoice | undefined;
  if (f['include-flagged'] || f['leave-out']) {
    if (f['include-flagged'] && f['include-failing']) throw new CliError('--include-failing uses every flagged example already; --include-flagged chooses those of some rules: give one of them', 2);
    let rules: InclusionChoice['includeFlagged'];
    try {
      rules = f['include-flagged'] && parseRuleList(f['include-flagged'], '--include-flagged');
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
    given = { ...(rules && { includeFlagged: rules }), ...(f['leave-out'] && { leaveOut: [...new Set(f['leave-out'])] }) };
  }
  if (!resumed) return given;
  if (given === undefined) return resumed.recorded;
  if (!sameInclusion(given, resumed.recorded)) {
    throw new CliError(`--resume: ${resumed.out} was trained with ${inclusionFlagsText(resumed.recorded) || 'no --include-flagged or --leave-out'}, not ${inclusionFlagsText(given)}; a resumed run continues on its own examples: give the same, or neither (it keeps its own)`, 2);
  }
  // Given in another order, the same choice: run.json keeps the one it recorded.
  return resumed.recorded;
}
