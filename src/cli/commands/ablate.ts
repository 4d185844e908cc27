// `studio ablate`: the paper's ablation on the user's data with the headless engine. Owns flags, the
// output folder and printing; the job is src/jobs/ablate.ts (the studio's too). Writes every arm's
// runs as run folders under <out>/runs/ (the formats of studio train, hdr and eval) and the report
// (report.md, results.csv, loss-call.png, loss-cot.png, alpha.png, ablation.json) to <out>.
import { basename, join } from 'node:path';
import { parseFlags, positiveInt } from '../args.ts';
import { CliError, inCommandWords, type CliCommand } from '../command.ts';
import { openCliModel } from '../engine.ts';
import { nothingToBalanceNote, unseenTokensNote } from '../runSummary.ts';
import { checkRunFolder, dataExamples, importedWords, printNotes, recordedEvalFraction, recordedSplitBy, runFolderFacts, DATA_FLAG_HELP, FORMAT_HELP } from '../localFiles.ts';
import { DEFAULT_SPLIT } from '../../data/split.ts';
import { DEFAULT_RUN_CONFIG } from '../../train/config.ts';
import { endOnCtrlC } from '../interrupt.ts';
import { ProgressLine, stepLossText } from '../progress.ts';
import { ALPHA_HELP, BALANCE_FLAGS, BFCL_PROMPT_HELP, everyCallTurnHelp, checkRunConfigFor, checkSomeExampleFits, INCLUSION_FLAGS, INCLUSION_HELP, HDR_REFUSAL_FLAGS, inclusionFromFlags, noteShortWarmup, runConfigFromFlags, runTarget, seqLenFromData, splitSeedHelp, heldOutHelp, heldOutFrom, splitByHelp, splitByFrom, splitSeedFrom } from '../runFlags.ts';
import { BALANCE_RULES, isBalanceRule, type BalanceRule } from '../../train/balance.ts';
import { DEFAULT_HDR_SETTINGS } from '../../hdr/index.ts';
import { DEFAULT_DECODE } from '../../model/decoding.ts';
import { ablationEndText, hdrArmNothingToMine, type AblationArmResult, type AblationBaseResult, type AblationResult } from '../../jobs/ablate.ts';
import { ABLATION_EVAL_LIMIT, ablationArms, ablationWorkText, BASE_MODEL, defaultAblationConfig, validateAblationConfig, type AblationConfig } from '../../jobs/ablationConfig.ts';
import { ABLATION_FILES, ABLATION_RUNS_FOLDER, ablationVerdict, alphaMove, hdrArmsNote, tallyText } from '../../jobs/ablationReport.ts';
import { RunFolderStore, RunFolderWorkspace } from '../../jobs/store/folder.ts';
import type { StepMetrics } from '../../train/trainer.ts';
import { datasetFingerprint } from '../../data/fingerprint.ts';
import { fingerprintedExamples, heldOutLeftOutText } from '../../jobs/data.ts';
import { OUT_OF_MEMORY_LOWER } from '../../gpu/errors.ts';
import { fewestDecisiveFlips, heldOutChanceNote } from '../../eval/pairedTest.ts';

const usage = `usage: studio ablate --model <dir|repo> --data <file>[,<file>…] --out <dir> [options]
${DATA_FLAG_HELP}

Trains one arm per loss on the same split, seed, steps and LoRA settings — sft, fixed:<α₀>, ssb with
each balance rule, and ssb + HDR — evaluates every adapter, and the base model with none, on the
same held-out examples with the same decoding, and writes the comparison to <out>: report.md (accuracy per BFCL category, BFCL's
aggregate, failures by rule, how α moved), results.csv, loss-call.png, loss-cot.png and alpha.png
(the arms' curves overlaid) and ablation.json. Each arm's runs are ordinary run folders under
<out>/runs/. Ctrl-C ends it after the step in flight with a report of the arms done.

options:
  --rules <list>          SSB rules compared, one arm each (default ${BALANCE_RULES.join(',')})
  --hdr-rule <r>|none     the SSB + HDR arm runs HDR from this rule's arm (default uncertainty, or
                          the first rule listed; none: no HDR arm)
  --grad-lr <x> --uncertainty-lr <x>   the rules' rates (defaults as studio train --balance-lr)
  --eval-limit <n>        held-out examples every arm answers, each category in its share
                          (default ${ABLATION_EVAL_LIMIT}: all of them, up to that many)
  --max-tokens <n>        new tokens per answer (default ${DEFAULT_DECODE.maxNewTokens}); --gen-batch <n> answers at once (default ${DEFAULT_DECODE.batch})
  --hdr-rounds <n> --hdr-samples <k> --hdr-steps <n> --hdr-temperature <t>
                          HDR arm: rounds (default 2), samples per hard case (${DEFAULT_HDR_SETTINGS.samplesPerCase}), retraining steps per
                          round (default: a fifth of --steps), temperature
  --mine-limit <n>        HDR arm: mine the first n training examples (default 32), as studio hdr
  --steps <n> --batch <n> --grad-accum <n> --seq <n> --lr <x> --schedule <s> --warmup <n>
  --rank <n> --alpha <x> --targets <list> --seed <n>   shared by every arm, as in studio train and
                          with its defaults (--steps ${DEFAULT_RUN_CONFIG.steps}, --warmup ${DEFAULT_RUN_CONFIG.warmupSteps} steps, …: studio help train)
${splitSeedHelp(false)}
${heldOutHelp(false)}
${splitByHelp(false)}
${ALPHA_HELP}
  --name <text>           the ablation's name in the report (default: the --out folder's name)
${FORMAT_HELP}
${BFCL_PROMPT_HELP}
${everyCallTurnHelp(false)}
${INCLUSION_HELP}
  --hub-base <url> --cache <dir>   model download
  --quiet                 no progress line`;

const flagsSpec = {
  ...INCLUSION_FLAGS,
  ...BALANCE_FLAGS,
  model: 'string', data: 'strings', out: 'string', rules: 'string', 'hdr-rule': 'string', 'grad-lr': 'number', 'uncertainty-lr': 'number',
  'eval-limit': 'number', 'max-tokens': 'number', 'gen-batch': 'number', 'hdr-rounds': 'number', 'hdr-samples': 'number', 'hdr-steps': 'number',
  'mine-limit': 'number', 'hdr-mine': 'number', 'hdr-temperature': 'number', steps: 'number', batch: 'number', 'grad-accum': 'number', seq: 'number', lr: 'number',
  schedule: 'string', warmup: 'number', rank: 'number', alpha: 'number', targets: 'string', seed: 'number', 'split-seed': 'number', 'held-out': 'number', 'split-by': 'string', name: 'string', format: 'string',
  'bfcl-prompt': 'boolean', 'every-call-turn': 'boolean', 'hub-base': 'string', cache: 'string', quiet: 'boolean',
} as const;

/** --mine-limit, as studio hdr names it, or --hdr-mine, the name it had here first (kept for scripts;
 * parseFlags refuses both). A bad value is told by the name the user typed. */
function mineLimitFlag(f: { 'mine-limit'?: number; 'hdr-mine'?: number }): number {
  if (f['hdr-mine'] === undefined) return positiveInt(f['mine-limit'], 'mine-limit', 32);
  return positiveInt(f['hdr-mine'], 'hdr-mine', 32);
}

function ruleList(text: string | undefined): BalanceRule[] {
  if (text === undefined) return [...BALANCE_RULES];
  const rules = text.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of rules) if (!isBalanceRule(r)) throw new CliError(`--rules: unknown rule "${r}" (use ${BALANCE_RULES.join(', ')})`, 2);
  return rules as BalanceRule[];
}

const ablate: CliCommand = {
  summary: 'the ablation: sft, fixed α, each SSB rule and SSB + HDR on one split, evaluated alike; writes a report',
  usage,
  formFlags: { ...HDR_REFUSAL_FLAGS, [OUT_OF_MEMORY_LOWER]: '--batch or --seq when training, --gen-batch or --max-tokens when generating' },
  async run(argv) {
    const f = parseFlags(argv, flagsSpec, { oldNames: { 'hdr-mine': 'mine-limit' } });
    const { modelArg, dataPaths, out, format, bfclPromptMode, everyCallTurn } = runTarget(f);
    // The arms choose the rules: one rule for all of them would be silently overruled.
    if (f.rule !== undefined) throw new CliError('--rule: the ablation trains one arm per rule; list the rules with --rules', 2);
    if (f['balance-lr'] !== undefined) throw new CliError('--balance-lr: the ablation sets each rule\'s rate with --grad-lr and --uncertainty-lr', 2);
    checkRunFolder(out, {});
    // The arms' held-out loss and checkpoints are the ablation's to set (defaultAblationConfig).
    const base = runConfigFromFlags(f);
    const rules = ruleList(f.rules);
    // A rule's setting with no arm of that rule would do nothing, without a word.
    const noArm = (flag: 'grad-lr' | 'uncertainty-lr' | 'balance-temperature' | 'balance-window', rule: BalanceRule, what: string) => {
      if (f[flag] !== undefined && !rules.includes(rule)) throw new CliError(`--${flag} sets ${what}; ${rule} is not among --rules (${rules.join(', ')})`, 2);
    };
    noArm('grad-lr', 'grad', "the grad arm's rate");
    noArm('uncertainty-lr', 'uncertainty', "the uncertainty arm's rate");
    noArm('balance-temperature', 'dwa', "dwa's temperature");
    noArm('balance-window', 'dwa', "dwa's window");
    const hdrRuleFlag = f['hdr-rule'] ?? (rules.includes('uncertainty') ? 'uncertainty' : rules[0]);
    if (hdrRuleFlag !== 'none' && hdrRuleFlag !== undefined && !isBalanceRule(hdrRuleFlag)) throw new CliError(`--hdr-rule must be one of ${BALANCE_RULES.join(', ')} or none, not ${hdrRuleFlag}`, 2);
    const config: AblationConfig = defaultAblationConfig(base, {
      rules,
      ruleRates: { ...(f['grad-lr'] !== undefined ? { grad: f['grad-lr'] } : {}), ...(f['uncertainty-lr'] !== undefined ? { uncertainty: f['uncertainty-lr'] } : {}) },
      hdrRule: hdrRuleFlag === 'none' || hdrRuleFlag === undefined ? null : hdrRuleFlag,
      hdr: {
        ...DEFAULT_HDR_SETTINGS,
        maxRounds: f['hdr-rounds'] ?? 2,
        samplesPerCase: f['hdr-samples'] ?? DEFAULT_HDR_SETTINGS.samplesPerCase,
        stepsPerRound: f['hdr-steps'] ?? Math.max(1, Math.round(base.steps / 5)),
        temperature: f['hdr-temperature'] ?? DEFAULT_HDR_SETTINGS.temperature,
        maxNewTokens: positiveInt(f['max-tokens'], 'max-tokens', DEFAULT_DECODE.maxNewTokens),
        batchSize: positiveInt(f['gen-batch'], 'gen-batch', DEFAULT_DECODE.batch),
        seed: base.seed,
      },
      hdrMineLimit: mineLimitFlag(f),
      evalLimit: positiveInt(f['eval-limit'], 'eval-limit', ABLATION_EVAL_LIMIT),
      decoding: { maxNewTokens: positiveInt(f['max-tokens'], 'max-tokens', DEFAULT_DECODE.maxNewTokens), batchSize: positiveInt(f['gen-batch'], 'gen-batch', DEFAULT_DECODE.batch), seed: base.seed },
    });
    try {
      validateAblationConfig(config);
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
    const inclusion = inclusionFromFlags(f);
    const progress = new ProgressLine(f.quiet ?? false);
    const splitSeed = splitSeedFrom(f, undefined);
    // The data are read before the model: a split that leaves nothing to train or evaluate on is
    // refused without waiting for a model to load (minutes for a large one).
    const evalFraction = heldOutFrom(f, () => DEFAULT_SPLIT.evalFraction);
    const byQuestion = splitByFrom(f, () => true);
    const data = await dataExamples(dataPaths, { seed: splitSeed, evalFraction, byQuestion, format, bfclPromptMode, everyCallTurn, inclusion });
    if (data.train.length === 0) throw new CliError(`no trainable examples in ${dataPaths.join(', ')} (${importedWords(data.counts)})`);
    // Held out but every one left out: using them again is the remedy, not more data.
    if (data.eval.length === 0 && data.heldOutLeftOut) throw new CliError(`${dataPaths.join(', ')}: the ${heldOutLeftOutText(data.heldOutLeftOut, 'evaluate the arms on')}: use them (--include-flagged, or fewer ids in --leave-out), or change --split-seed`);
    if (data.eval.length === 0) throw new CliError(`no held-out examples in ${dataPaths.join(', ')}: the split put all ${data.train.length} on the train side; add data or change --split-seed`);
    const nothingToMine = hdrArmNothingToMine(config, data.train, 'give --hdr-rule none to run it without that arm');
    if (nothingToMine) throw new CliError(`${dataPaths.join(', ')}: ${nothingToMine}`);
    // The settings are checked against the model's config and tokenizer before its weights are read
    // (or downloaded: gigabytes for a hub model).
    const described = await openCliModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet: f.quiet });
    await seqLenFromData(config, f, described.model, data.train);
    // Before any arm: each would fail on its own.
    checkRunConfigFor({ ...config, loss: 'sft' }, described.model.spec);
    await checkSomeExampleFits(described.model, data.train, config.seqLen);
    noteShortWarmup(config, f.warmup);
    // Every SSB arm is plain SFT then: what the ablation compares is not there.
    const plainSft = nothingToBalanceNote({ loss: 'ssb' }, data.train, 'each SSB arm trains the calls as the sft arm does');
    if (plainSft) console.error(`note: ${plainSft}`);
    const { engine, model: loaded } = await described.engine();
    const unseen = unseenTokensNote(loaded, data.train, modelArg);
    if (unseen) console.error(`note: ${unseen}`);
    const name = f.name ?? basename(out);
    // Each arm's run.json says where its model and data are and how they were split, as studio
    // train's does, so its run can be exported as a recipe or evaluated again from its folder.
    const fingerprint = await datasetFingerprint(fingerprintedExamples(data));
    const facts = { ...runFolderFacts(modelArg, dataPaths, data.counts, { format, bfclPromptMode, ...(everyCallTurn && { everyCallTurn }), includeFailing: false, splitSeed, ...recordedEvalFraction(evalFraction), ...recordedSplitBy(byQuestion), fingerprint, ...(inclusion && { inclusion }) }), errorWords: (m: string) => inCommandWords(m, ablate) };
    const arms = ablationArms(config);
    const heldOut = Math.min(config.evalLimit, data.eval.length);
    if (!f.quiet) console.error(`${arms.length} arms (${arms.map((a) => a.id).join(', ')}). ${ablationWorkText(config, data.eval.length)}`);
    // Too few to tell any two arms apart is worth saying before the arms train, quiet or not.
    if (heldOut < fewestDecisiveFlips()) console.error(`note: ${heldOutChanceNote(heldOut)}`);
    // Ctrl-C ends the ablation after the step in flight; the report keeps the arms done.
    let interrupted = false;
    const end = () => {
      interrupted = true;
      engine.cancel();
    };
    const result = await endOnCtrlC(progress, 'finishing the step in flight and writing the report of the arms done', end, () => engine.ablate(
      {
        store: new RunFolderStore(out, facts),
        workspace: new RunFolderWorkspace(join(out, ABLATION_RUNS_FOLDER), facts),
        name,
        config,
        examples: data,
        dataset: { name: dataPaths.map((p) => basename(p)).join(', '), fingerprint },
        events: {
          onSkipped: printNotes,
          onStep: (armId, m) => progress.update(`${armId}: ${armStepText(m)}`),
          onBaseDone: (b) => {
            progress.done();
            console.log(baseDoneText(b));
          },
          onArmDone: (a) => {
            progress.done();
            console.log(armDoneText(a, config));
          },
        },
      },
      (p) => progress.update(p.total ? `${p.label} ${p.done}/${p.total}` : p.label),
    ));
    progress.done();
    const ending = ablationEnding(result, arms.length);
    for (const line of ending.failures) console.error(inCommandWords(line, ablate));
    if (ending.summary) console.log(ending.summary);
    // What the HDR arm did (or that it is its SSB arm unchanged), before the verdict that compares it.
    const hdrNote = hdrArmsNote(result);
    if (hdrNote) console.log(hdrNote);
    const verdict = ablationVerdict(result);
    if (verdict) console.log(verdict);
    console.log(`report written to ${join(out, ABLATION_FILES.report)} (with ${ABLATION_FILES.csv}, ${ABLATION_FILES.lossCall}, ${ABLATION_FILES.lossCot}, ${ABLATION_FILES.alpha}); the arms' runs are in ${join(out, ABLATION_RUNS_FOLDER)}`);
    return interrupted ? 130 : ending.failures.length ? 1 : 0;
  },
};

/** An arm's line once it is evaluated: its accuracy as the report gives it (none where nothing was asked). */
export function armDoneText(a: AblationArmResult, bounds: { alphaMin: number; alphaMax: number }): string {
  return `${a.id.padEnd(22)} accuracy ${tallyText(a.summary)}  ${alphaMove(a, bounds)}`;
}

/** The base model's line, above the arms' and in their columns: what they are read against. */
export function baseDoneText(b: AblationBaseResult): string {
  return `${BASE_MODEL.padEnd(22)} accuracy ${tallyText(b.summary)}  no adapter`;
}

/** An arm's step for the progress line. */
export function armStepText(m: Pick<StepMetrics, 'step' | 'loss' | 'lossCot' | 'lossCall' | 'alpha' | 'cotTokens' | 'callTokens'>): string {
  return `step ${m.step}  ${stepLossText(m)}`;
}

/** How the ablation ended, in words: each failed arm with its reason (they were only in report.md,
 * and the run said "stopped after 2 of 3 arms" and exited 0 as if it had been interrupted). */
export function ablationEnding(result: Pick<AblationResult, 'arms' | 'failed' | 'stopped'>, armCount: number): { failures: string[]; summary: string | null } {
  const failures = (result.failed ?? []).map((f) => `${f.id} failed: ${f.message.startsWith(`arm ${f.id}: `) ? f.message.slice(`arm ${f.id}: `.length) : f.message}`);
  return { failures, summary: ablationEndText(result, armCount) };
}
export default ablate;
