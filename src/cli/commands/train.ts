// `studio train`: LoRA fine-tuning with the SSB loss (or SFT / fixed weight) on the headless
// engine. Owns flags, the run folder and printing; the training loop is src/jobs/train.ts, the same
// one the studio's worker runs. Writes a PEFT adapter, metrics.jsonl, run.json and a resumable
// checkpoint to --out (src/jobs/store/folder.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseFlags } from '../args.ts';
import { checkInputFile } from '../flagPaths.ts';
import { CliError, type CliCommand } from '../command.ts';
import { openCliModel } from '../engine.ts';
import { adapterEvalFraction, adapterRun, adapterSplitsByQuestion, recordedSplitBy, checkOutputFile, checkRunFolder, dataExamples, importedWords, readBeforeLineChoices, noteAdapterTrainedOn, pausedUntrained, printNotes, readAdapter, recordedEvalFraction, runFolderFacts, startFilesDigest, DATA_FLAG_HELP, FORMAT_HELP } from '../localFiles.ts';
import { endOnCtrlC } from '../interrupt.ts';
import { phaseText, ProgressLine, stepLossText } from '../progress.ts';
import { nothingToBalanceNote, unseenTokensNote, RunTrace, skippedText } from '../runSummary.ts';
import type { ProgressInfo } from '../../jobs/context.ts';
import { BALANCE_FLAGS, BALANCE_HELP, BFCL_PROMPT_HELP, everyCallTurnHelp, checkRunConfigFor, checkSomeExampleFits, INCLUSION_DEFAULT_HELP, INCLUSION_FLAGS, INCLUSION_HELP, inclusionFlagsText, inclusionFromFlags, inclusionOrRecorded, inFlagWords, noteRescheduledResume, noteShortWarmup, refuseOtherRuleFlags, runConfigFromFlags, runTarget, seqLenFromData, splitSeedHelp, heldOutHelp, heldOutFrom, splitByHelp, splitByFrom, splitSeedFrom } from '../runFlags.ts';
import { encodeSafetensors, type TensorToWrite } from '../../model/safetensors.ts';
import { balanceSettingsOf, DEFAULT_RUN_CONFIG, type RunConfig } from '../../train/config.ts';
import { rebaseBalance, type BalanceState } from '../../train/balance.ts';
import { runLengthText } from '../../train/epochs.ts';
import type { DumpedStep } from '../../train/trainer.ts';
import type { SourceFormat } from '../../data/example.ts';
import { dumpStep, isResumeRefusal } from '../../jobs/train.ts';
import { CHECKPOINT_FILE, readBalanceFile, RUN_JSON, RunFolderStore, type RunSource } from '../../jobs/store/folder.ts';
import { datasetFingerprint } from '../../data/fingerprint.ts';
import { fingerprintedExamples } from '../../jobs/data.ts';
import { plural } from '../../data/plural.ts';
import { failedWhen } from '../../train/runWords.ts';
import { DEFAULT_SPLIT, heldOutPercent } from '../../data/split.ts';
import { OUT_OF_MEMORY_LOWER } from '../../gpu/errors.ts';

const usage = `usage: studio train --model <dir|repo> --data <file>[,<file>…] --out <dir> [options]
       studio train --out <dir> --resume [options]   (the run's own model and data)
${DATA_FLAG_HELP}

Fine-tunes a LoRA adapter on the GPU (WebGPU through Dawn; SwiftShader when there is no GPU).
Writes <out>/adapter_config.json + adapter_model.safetensors (PEFT), metrics.jsonl, run.json,
token-loss.json (per-token loss of a held-out example at the last eval step) and
checkpoint.safetensors (resume with --resume). A folder that already holds a run is only
continued (--resume), never trained over. Ctrl-C pauses the run: the step in flight ends and a
checkpoint is written for --resume (a second Ctrl-C quits at once).

options:
  --adapter <dir>         start from an existing PEFT adapter (its rank/alpha/targets win); a run
                          folder's split comes along (without --split-seed), so its held-out examples stay held out
  --balance <file>        start α from a balance state (balance.json of a recipe's train.py output or
                          an HDR run) instead of α₀; its rule must be this run's
  --steps <n>             optimizer steps (default ${DEFAULT_RUN_CONFIG.steps}); or --epochs <n>
  --batch <n>             examples per micro-batch (default ${DEFAULT_RUN_CONFIG.batchSize})
  --grad-accum <n>        micro-batches per optimizer step (default ${DEFAULT_RUN_CONFIG.gradAccum})
  --seq <n>               sequence length in tokens (default: the 95th percentile of the training
                          examples' tokens, rounded up to 64); longer examples lose earlier turns,
                          whole, or are skipped (system prompt, tools and final turn are never cut)
  --lr <x>                learning rate (default ${DEFAULT_RUN_CONFIG.lr})
  --schedule <s>          cosine | linear | constant (default ${DEFAULT_RUN_CONFIG.schedule})
  --warmup <steps>        steps over which the learning rate climbs to --lr (default ${DEFAULT_RUN_CONFIG.warmupSteps})
  --rank <n> --alpha <x>  LoRA rank and alpha (default ${DEFAULT_RUN_CONFIG.lora.rank}, ${DEFAULT_RUN_CONFIG.lora.alpha}); --rslora
  --targets <list>        q,k,v,o,gate,up,down or all (default all)
  --loss <l>              ssb | sft | fixed:<α> (default ${DEFAULT_RUN_CONFIG.loss})
${BALANCE_HELP}
  --max-grad-norm <x>     global-norm clip (default ${DEFAULT_RUN_CONFIG.maxGradNorm}; 0 disables)
  --weight-decay <x>      AdamW decoupled weight decay (default ${DEFAULT_RUN_CONFIG.weightDecay})
  --seed <n>              data order and LoRA init (default ${DEFAULT_RUN_CONFIG.seed}; not the split: --split-seed)
${splitSeedHelp(true)}
${heldOutHelp(true)}
${splitByHelp(true)}
  --recompute             recompute activations per layer in the backward (less memory)
  --eval-every <n>        held-out loss every n steps (default ${DEFAULT_RUN_CONFIG.evalEvery}, 0 = never); --eval-examples <n>
  --checkpoint-every <n>  checkpoint every n steps (default ${DEFAULT_RUN_CONFIG.checkpointEvery}; always at the end)
  --keep-best             when the run ends, keep the adapter and checkpoint of the evaluated step with
                          the lowest held-out loss per token, not the last step's (needs --eval-every)
  --patience <n>          with --keep-best: end the run once n held-out evaluations in a row found no
                          lower loss than the best (default: never)
  --resume                continue from <out>/checkpoint.safetensors with the settings, split and
                          examples the run recorded (run.json): a flag left out takes the run's value;
                          one given must match it, but for --steps (or --epochs), --eval-every,
                          --eval-examples, --checkpoint-every, --recompute, --keep-best and
                          --patience, which may change; --model and --data may be left out too
${FORMAT_HELP}
${BFCL_PROMPT_HELP}
${everyCallTurnHelp(true)}
  --include-failing       train on examples that fail the quality check too (default: as the
                          --adapter run folder did; --include-failing=false leaves them out)
${INCLUSION_HELP}
${INCLUSION_DEFAULT_HELP};
                          run.json records them: --resume uses the same examples
  --dump-step <file>      write the first optimizer step's inputs, per-token NLL, losses, α (with the
                          balance state before and after) and LoRA gradients as safetensors, then stop
  --hub-base <url>        Hugging Face endpoint for repo ids (default https://huggingface.co or $HF_ENDPOINT)
  --cache <dir>           model download cache
  --quiet                 no progress line`;

const flagsSpec = {
  ...BALANCE_FLAGS,
  ...INCLUSION_FLAGS,
  model: 'string', data: 'strings', out: 'string', adapter: 'string', balance: 'string', steps: 'number', epochs: 'number', batch: 'number', 'grad-accum': 'number',
  seq: 'number', lr: 'number', schedule: 'string', warmup: 'number', rank: 'number', alpha: 'number', rslora: 'boolean',
  targets: 'string', loss: 'string', 'max-grad-norm': 'number', 'weight-decay': 'number', seed: 'number', 'split-seed': 'number', 'held-out': 'number', 'split-by': 'string', recompute: 'boolean',
  'eval-every': 'number', 'eval-examples': 'number', 'checkpoint-every': 'number', 'keep-best': 'boolean', patience: 'number', resume: 'boolean', format: 'string', 'bfcl-prompt': 'boolean', 'every-call-turn': 'boolean',
  'include-failing': 'boolean', 'dump-step': 'string', 'hub-base': 'string', cache: 'string', quiet: 'boolean',
} as const;

function i32Tensor(name: string, shape: number[], values: ArrayLike<number>): TensorToWrite {
  const a = Int32Array.from(values);
  return { name, dtype: 'I32', shape, data: new Uint8Array(a.buffer) };
}
function f32Tensor(name: string, shape: number[], values: ArrayLike<number>): TensorToWrite {
  const a = Float32Array.from(values);
  return { name, dtype: 'F32', shape, data: new Uint8Array(a.buffer) };
}

/** DESIGN.md's dump layout: the optimizer batch's examples, a row each (the dump's micro-batches
 * are not packed), padded to its longest micro-batch; the step, the run config and the balance
 * state before and after the step as JSON metadata. */
export function encodeDumpStep(d: DumpedStep): Uint8Array {
  const T = Math.max(...d.batches.map((b) => b.T));
  const rows = d.batches.reduce((n, b) => n + b.B, 0);
  const ids = new Int32Array(rows * T);
  const mask = new Int32Array(rows * T);
  const segs = new Int32Array(rows * T);
  const nll = new Float32Array(rows * T);
  let r = 0;
  for (const [k, b] of d.batches.entries()) {
    for (let i = 0; i < b.B; i++, r++) {
      for (let t = 0; t < b.T; t++) {
        ids[r * T + t] = b.inputIds[i * b.T + t];
        const real = b.attnSegments[i * b.T + t] > 0;
        mask[r * T + t] = real ? 1 : 0;
        segs[r * T + t] = real ? b.segments[i * b.T + t] : 0;
        nll[r * T + t] = d.tokenNll[k][i * b.T + t];
      }
    }
  }
  const tensors: TensorToWrite[] = [
    i32Tensor('input_ids', [rows, T], ids),
    i32Tensor('attention_mask', [rows, T], mask),
    i32Tensor('segments', [rows, T], segs),
    // NLL of predicting token t + 1 at position t (0 where t + 1 is no cot/call token).
    f32Tensor('token_nll', [rows, T], nll),
    f32Tensor('loss', [], [d.loss]),
    f32Tensor('loss_cot', [], [d.lossCot]),
    f32Tensor('loss_call', [], [d.lossCall]),
    f32Tensor('ssb_alpha', [], [d.alpha]),
    f32Tensor('grad.ssb_alpha', [], [d.gradAlpha]),
  ];
  for (const [key, g] of d.grads) tensors.push(f32Tensor(`grad.${key}`, [g.length], g));
  return encodeSafetensors(tensors, {
    format: 'balancesft-dump-step',
    step: String(d.step),
    config: JSON.stringify(d.config),
    balance_before: JSON.stringify(d.balanceBefore),
    balance_after: JSON.stringify(d.balanceAfter),
  });
}

/** --balance: a balance state as studio's balance.json holds it, for this run's rule. */
function balanceFromFlag(path: string, config: RunConfig): BalanceState {
  checkInputFile(path, 'balance', "a balance state file (a run folder's balance.json)");
  let state: BalanceState;
  try {
    state = readBalanceFile(path);
  } catch (err) {
    throw new CliError(`--balance ${(err as Error).message}`);
  }
  if (config.loss !== 'ssb') throw new CliError(`--balance: the loss ${config.loss} learns no α; a balance state is for --loss ssb`, 2);
  if (state.rule !== (config.balanceRule ?? 'grad')) throw new CliError(`--balance ${path} is a state of the ${state.rule} rule, but this run learns α with ${config.balanceRule ?? 'grad'} (--rule)`, 2);
  // A run folder's balance.json (an HDR run's) says which bounds it was learned under: α continues
  // where it was under this run's --alpha-min / --alpha-max (a recipe's output does not say: as is).
  const learnedBy = adapterRun(dirname(path)).config;
  return learnedBy ? rebaseBalance(state, balanceSettingsOf(learnedBy), balanceSettingsOf(config)) : state;
}

/** Settings a resumed run may change: how long it runs, and how often it evaluates and checkpoints.
 * Anything else would silently mix two runs in one curve (another lr from the next step on, another
 * split under the same data cursor). */
const RESUME_MAY_CHANGE = new Set(['steps', 'evalEvery', 'checkpointEvery', 'recompute', 'evalExamples', 'keepBest', 'patience']);

interface StoredRun {
  config?: Record<string, unknown>;
  source?: RunSource;
  lastStep?: number;
}

/** The run.json a --resume continues; undefined when there is none to read (the checkpoint check names what is missing). */
function storedRun(out: string): StoredRun | undefined {
  const path = join(out, RUN_JSON);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StoredRun;
  } catch {
    return undefined;
  }
}

/** The settings a resumed run recorded, the base its flags apply over: a flag not given keeps the
 * run's value, not the default (a run trained with --batch 2 was refused "--batch 2 → 4" for a
 * --batch nobody typed). A record from before a setting existed trained with its default, but for
 * balanceLr, whose absence means the LoRA lr (RunConfig.balanceLr). */
function recordedConfig(stored: StoredRun | undefined): RunConfig | undefined {
  if (!stored?.config) return undefined;
  const { balanceLr: _balanceLr, ...defaults } = DEFAULT_RUN_CONFIG;
  return { ...defaults, ...stored.config } as RunConfig;
}

/** Refuses a resume under other settings before the model and the data load (minutes for a large
 * model); `config` holds the run's recorded settings where no flag was given, so only a given flag
 * can differ. Other data waits for the data (checkResumeFingerprint, still before the model).
 * `stepsFromData`: --epochs, whose steps are known once the data is tokenized (config.steps is not them). */
function checkResumeSettings(out: string, stored: StoredRun, config: RunConfig, splitSeed: number, stepsFromData: boolean, dataFiles: string[]): void {
  if (!existsSync(join(out, CHECKPOINT_FILE))) {
    const why = pausedUntrained(out) ? '; the run was interrupted before its first step, so start it again without --resume' : '';
    throw new CliError(`--resume: ${join(out, CHECKPOINT_FILE)} does not exist${why}`);
  }
  // Fewer steps than the run has trained would end it behind itself, and run.json would claim a
  // shorter run than its adapter had (a recipe exported from it would train that shorter one).
  if (stored.lastStep && !stepsFromData && config.steps < stored.lastStep) {
    throw new CliError(`--resume: ${out} has trained ${stored.lastStep} steps already, more than --steps ${config.steps}; give --steps ${stored.lastStep} (writes the adapter as it is now) or more`, 2);
  }
  // The same files in another order give the same examples (the fingerprint ignores order) in
  // another order, which the checkpoint's data order does not run over: the trainer refused it only
  // once the model was loaded, blaming edits to the data, the template or the tokenizer.
  const had = stored.source?.data ?? [];
  const given = dataFiles.map((p) => resolve(p));
  if (had.join('\n') !== given.join('\n') && [...had].sort().join('\n') === [...given].sort().join('\n')) {
    throw new CliError(`--resume: ${out} was trained on its data files in this order: ${had.join(', ')}; give them in that order (in another one its examples come in another order, which its checkpoint's data order does not run over)`, 2);
  }
  if (!stored.config) return;
  const now = config as unknown as Record<string, unknown>;
  const differ = Object.keys(stored.config).filter(
    (k) => !RESUME_MAY_CHANGE.has(k) && JSON.stringify(stored.config![k]) !== JSON.stringify(now[k]),
  );
  const said = differ.map((k) => settingChange(k, stored.config![k], now[k]));
  const storedSplit = storedSplitSeed(stored);
  if (storedSplit !== undefined && storedSplit !== splitSeed) said.push(`--split-seed ${storedSplit} → ${splitSeed}`);
  if (said.length) throw otherSettings(out, said);
}

/** The split a stored run trained on; runs from before the split seed was recorded split with their seed. */
function storedSplitSeed(stored: StoredRun): number | undefined {
  return stored.source?.splitSeed ?? (stored.config?.seed as number | undefined);
}

/** What a resume can check once the data is read (before the model loads): the same examples. */
function checkResumeFingerprint(out: string, stored: StoredRun, fingerprint: string, lineChoices?: string): void {
  if (stored.source?.fingerprint && stored.source.fingerprint !== fingerprint) {
    // The files are its own; the CLI reads them otherwise since (readBeforeLineChoices).
    if (lineChoices) throw new CliError(`--resume: the data files give other examples than ${out} was trained on: ${lineChoices}`, 2);
    throw new CliError(`--resume: the data files give other examples than ${out} was trained on (another dataset fingerprint); a resumed run continues on its own data: give the files it used (${(stored.source.data ?? []).join(', ')}), unchanged, with the same --format, --bfcl-prompt, --every-call-turn and --include-failing${inclusionFlagsText(stored.source?.inclusion) ? ` (it keeps its own ${inclusionFlagsText(stored.source?.inclusion)})` : ''}`, 2);
  }
}

function settingChange(key: string, was: unknown, now: unknown): string {
  return `${key === 'lora' ? 'LoRA' : inFlagWords(key)} ${JSON.stringify(was)} → ${JSON.stringify(now)}`;
}

function otherSettings(out: string, said: string[]): CliError {
  return new CliError(`--resume: ${out} was trained with other settings (${said.join('; ')}); a resumed run keeps its own (only --steps, the eval/checkpoint cadence, --keep-best and --patience may change): leave out the flags that differ (a flag left out takes the run's value), or start a new run in another folder`, 2);
}

/** The examples the split held out (`heldOut`) and what they served: studio eval, and the held-out
 * loss where the run measured one, on `lossOn` of them (at most --eval-examples, none with
 * --eval-every 0). "for the held-out loss" of all of them claimed a loss on 50 that was on 16. */
export function heldOutWords(heldOut: number, splitSeed: number, lossOn: number): string {
  // "holding out 0 … for studio eval" sent the user to a studio eval with nothing to score.
  if (heldOut === 0) return `holding out none (split seed ${splitSeed}), so studio eval has nothing to score: another --split-seed or a larger --held-out holds some out`;
  const held = `holding out ${heldOut} (split seed ${splitSeed})`;
  if (lossOn === 0) return `${held} for studio eval`;
  if (lossOn === heldOut) return `${held} for the held-out loss and studio eval`;
  return `${held} for studio eval, the held-out loss on ${lossOn} of them`;
}

const train: CliCommand = {
  summary: 'fine-tune a LoRA adapter with the SSB loss; writes a PEFT adapter and metrics',
  usage,
  formFlags: { [OUT_OF_MEMORY_LOWER]: '--batch or --seq' },
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const before = f.resume && f.out !== undefined ? storedRun(f.out) : undefined;
    // A resumed run's model and data are the ones it recorded, where --model and --data are left out.
    const target = runTarget({ ...f, model: f.model ?? before?.source?.model, data: f.data ?? before?.source?.data });
    const { modelArg, dataPaths: dataFiles, out, everyCallTurn: everyCallTurnFlag } = target;
    // A resumed run trains on with the settings it recorded, and reads its files as it read them.
    const resumedConfig = recordedConfig(before);
    const config = runConfigFromFlags(f, resumedConfig, resumedConfig && join(out, RUN_JSON));
    refuseOtherRuleFlags(f, config, resumedConfig && 'the resumed run');
    const format = target.format ?? (before?.source?.format as SourceFormat | undefined);
    const bfclPromptMode = f['bfcl-prompt'] ?? before?.source?.bfclPromptMode ?? false;
    if (f.epochs !== undefined && !(f.epochs > 0 && Number.isFinite(f.epochs))) throw new CliError(`--epochs must be a number above 0, got ${f.epochs}`, 2);
    if (f.epochs !== undefined && f.steps !== undefined) throw new CliError('--steps and --epochs both say how long to train; give one of them', 2);
    if (f['dump-step']) checkOutputFile(f['dump-step'], 'dump-step', dataFiles.map((path) => ({ path, flag: '--data' })));
    else checkRunFolder(out, { resume: f.resume ?? false, adapter: f.adapter });
    // A resumed run started where it started, whether or not --adapter is given again.
    const startAdapter = f.adapter ? resolve(f.adapter) : before?.source?.startAdapter;
    // Continuing a run folder's adapter on another split would train on the examples it held out. A
    // resumed run keeps the split it recorded, whatever became of the folder it started from since
    // (moved, or written before folders recorded their split).
    const splitSeed = splitSeedFrom(f, before ? storedSplitSeed(before) : adapterRun(startAdapter).splitSeed);
    if (f.resume) checkResumeSettings(out, before ?? {}, config, splitSeed, f.epochs !== undefined, dataFiles);
    // A resumed run uses the examples it chose (the page's choice is stored with the dataset); a run
    // from an --adapter run folder those the folder chose, unless the flags choose others, as eval
    // and hdr do (and a snapshot's lines' choice: dataExamples). Both record --include-failing's
    // word: a resume that dropped it, or inherited it, would read other examples than the run's.
    const chosen = f.resume
      ? { inclusion: inclusionFromFlags(f, { out, recorded: before?.source?.inclusion }), inclusionFrom: join(out, RUN_JSON), includeFailing: f['include-failing'] ?? before?.source?.includeFailing }
      : inclusionOrRecorded(f, adapterRun(startAdapter));
    const { inclusion, includeFailing } = chosen;
    // So are a conversation's earlier calling turns: learned as the resumed or --adapter run learned them, unless told.
    const everyCallTurn = everyCallTurnFlag ?? (before ? before.source?.everyCallTurn : adapterRun(startAdapter).everyCallTurn);
    const quiet = f.quiet ?? false;
    const progress = new ProgressLine(quiet);
    // A resumed run holds out what it recorded (the usual share where it recorded none).
    const evalFraction = heldOutFrom(f, () => (before ? (before.source?.evalFraction ?? DEFAULT_SPLIT.evalFraction) : adapterEvalFraction(startAdapter)));
    const own = before?.source?.evalFraction ?? DEFAULT_SPLIT.evalFraction;
    // Another share would hold out examples the run trained on, and train on some it held out.
    if (before && evalFraction !== own) throw new CliError(`--held-out ${f['held-out']}: ${out} holds out ${heldOutPercent(own)}% of its examples, and a resumed run keeps its split; drop --held-out, or start a new run`, 2);
    // A resumed run's choice is the one run.json recorded (inclusionFromFlags): an id it left out
    // that the files no longer hold is noted, not refused as a typo; the fingerprint decides.
    // A resumed run that recorded the lines' choice of the snapshot it started from reads its record:
    // the snapshot may be gone (runs written before the record read the snapshot again).
    const lineChoicesFrom = before?.source?.lineChoices ? { ownRun: out } : { adapter: startAdapter };
    // And split as it split: runs from before splits went by question split one by one.
    const ownByQuestion = before?.source?.splitBy === 'question';
    const byQuestion = splitByFrom(f, () => (before ? ownByQuestion : adapterSplitsByQuestion(startAdapter)));
    if (before && byQuestion !== ownByQuestion) throw new CliError(`--split-by ${f['split-by']}: ${out} split its examples ${ownByQuestion ? 'by question' : 'one by one'}, and a resumed run keeps its split; drop --split-by, or start a new run`, 2);
    const reading = { seed: splitSeed, evalFraction, byQuestion, format, includeFailing, bfclPromptMode, everyCallTurn, inclusion, ...(chosen.inclusionFrom && { inclusionFrom: chosen.inclusionFrom }), ...lineChoicesFrom };
    // The data are read before the model: a resume on other data is refused without waiting for a
    // model to load (minutes for a large one), and so is a dataset with nothing to train on.
    const data = await dataExamples(dataFiles, reading);
    if (!f.resume) noteAdapterTrainedOn(f.adapter, splitSeed, data.eval);
    if (data.train.length === 0) throw new CliError(`no trainable examples in ${dataFiles.join(', ')} (${importedWords(data.counts)})`);
    const fingerprint = await datasetFingerprint(fingerprintedExamples(data));
    const recorded = before?.source?.fingerprint;
    if (before) checkResumeFingerprint(out, before, fingerprint, recorded && recorded !== fingerprint ? await readBeforeLineChoices(dataFiles, reading, recorded) : undefined);
    // The settings are checked against the model's config and tokenizer before its weights are read
    // (or downloaded: gigabytes for a hub model).
    const described = await openCliModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet });
    const { model } = described;
    // A resumed run keeps the length it recorded: the data measured again decide nothing.
    if (!resumedConfig) await seqLenFromData(config, f, model, data.train);
    checkRunConfigFor(config, model.spec, { stored: f.resume });
    await checkSomeExampleFits(model, data.train, config.seqLen);
    if (!f.resume && f.epochs === undefined && !f['dump-step']) noteShortWarmup(config, f.warmup);
    const plainSft = f.resume ? null : nothingToBalanceNote(config, data.train);
    if (plainSft) console.error(`note: ${plainSft}`);
    // What the resumed run was planned for and had trained (run.json), for the schedule's note.
    const resumedFrom = typeof before?.config?.steps === 'number' && before.lastStep !== undefined ? { steps: before.config.steps, lastStep: before.lastStep } : undefined;
    const startBalance = f.balance ? resolve(f.balance) : before?.source?.startBalance;
    const adapter = await readAdapter(model.spec, f.adapter, modelArg);
    const { engine, model: loaded } = await described.engine();
    const unseen = f.resume ? null : unseenTokensNote(loaded, data.train, modelArg);
    if (unseen) console.error(`note: ${unseen}`);
    const start = { config, examples: data, epochs: f.epochs, adapter, balance: f.balance ? balanceFromFlag(f.balance, config) : undefined };
    const startDigest = f.adapter || f.balance ? startFilesDigest(startAdapter, startBalance) : before?.source?.startDigest;

    if (f['dump-step']) {
      writeFileSync(f['dump-step'], encodeDumpStep(await engine.run('a step dump', dumpStep, start)));
      console.log(`wrote ${f['dump-step']}`);
      return 0;
    }

    const store = new RunFolderStore(
      out,
      runFolderFacts(modelArg, dataFiles, data.counts, {
        format, bfclPromptMode, ...(everyCallTurn && { everyCallTurn }), includeFailing: includeFailing ?? false, splitSeed,
        ...(inclusion && { inclusion }),
        ...(data.lineChoices && { lineChoices: data.lineChoices }),
        ...recordedEvalFraction(evalFraction),
        ...recordedSplitBy(byQuestion),
        fingerprint,
        ...(startAdapter ? { startAdapter } : {}),
        ...(startBalance ? { startBalance } : {}),
        ...(startDigest ? { startDigest } : {}),
      }),
    );
    const phase = (p: ProgressInfo) => {
      const text = phaseText(p);
      if (text) progress.update(text, p.done === p.total, p.done === p.total);
    };
    const trace = new RunTrace();
    /** Training examples skipped (too long, or not renderable), for the last line. */
    let skipped = 0;
    // Ctrl-C pauses the run as the studio's Pause does: the step in flight ends and a checkpoint is
    // written, so --resume goes on from there (it lost every step since the last checkpoint).
    const outcome = await endOnCtrlC(progress, 'finishing the step in flight and writing a checkpoint', () => engine.interrupt(store.label, 'pause'), () =>
      engine.train({
        ...start,
        store,
        resume: f.resume ?? false,
        events: {
          onSkipped: (messages, unrendered, heldOut) => {
            printNotes(messages);
            console.error(`note: ${skippedText(messages.length, unrendered, heldOut, config.seqLen)}`);
            skipped = messages.length - heldOut;
          },
          onEval: (m) => trace.eval(m),
          // Steps from --epochs are known once the data is tokenized: their notes wait for them.
          onPlanned: (c, trainExamples) => {
            if (!quiet) console.error(runLengthText(c.steps, trainExamples, c.batchSize, c.gradAccum));
            if (!f.resume && f.epochs !== undefined) noteShortWarmup(c, f.warmup);
            if (resumedFrom) noteRescheduledResume(c, resumedFrom);
          },
          onStep: (m, steps) => {
            trace.step(m);
            progress.update(`step ${m.step}/${steps}  ${stepLossText(m)}  lr ${m.lr.toExponential(2)}  |g| ${m.gradNorm.toFixed(3)}  ${m.tokensPerSecond.toFixed(0)} tok/s`, m.step === steps);
          },
        },
      }, phase),
    ).catch((err: unknown) => {
      // Refused as the checks above refuse a resume: the run folder is as it was.
      throw isResumeRefusal(err) ? new CliError(`--resume: ${(err as Error).message}`, 2) : err;
    });
    progress.done();
    if (outcome.status === 'paused') {
      if (!store.hasCheckpoint()) {
        console.log(`interrupted before the first step: nothing was trained; the same command starts the run again in ${out}`);
      } else {
        const asIs = outcome.step > 0 ? ` (with --steps ${outcome.step} it writes the adapter as it is now)` : '';
        console.log(`paused after step ${outcome.step} of ${outcome.steps}: the checkpoint is in ${out}; continue with the same command and --resume${asIs}`);
      }
      return 130;
    }
    if (outcome.status !== 'done') throw new CliError(`training ${outcome.status} ${failedWhen(outcome.step)}: ${outcome.message ?? 'no reason given'}`);
    // The examples the data held that it did not train on: held out by the split, not lost.
    // A run that keeps its best step says which one it kept (its message).
    const kept = config.keepBest && outcome.message ? `; ${outcome.message}` : '';
    // The step it ended at: its last, or the one where --patience ended it.
    const traced = trace.text(config);
    if (traced) console.log(traced);
    const skippedWords = skipped > 0 ? ` (${skipped.toLocaleString('en-US')} more skipped: the notes above)` : '';
    console.log(`trained ${plural(outcome.step, 'step')} on ${plural(outcome.trainExamples, 'example')}${skippedWords}, ${heldOutWords(data.eval.length, splitSeed, outcome.heldOutLossExamples)}${kept}; adapter written to ${out}`);
    return 0;
  },
};
export default train;
