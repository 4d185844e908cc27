// `studio hdr`: Hard Data Re-sampling on the headless engine. Mines hard cases (training examples
// the model answers wrongly), then runs rounds of sampling, the quality gate, retraining from the
// current adapter and re-evaluation until the pool is empty, stops shrinking, or the round limit.
// Writes the adapter (PEFT), rounds.jsonl (one line per round), hdr-examples.jsonl (accepted
// samples in the Example shape), hard-cases.jsonl (the open pool) and hdr.json to --out. Started
// from an earlier run's folder, it asks that run's open hard cases again beside the examples it mines.
// Owns only flags, the run folder and printing; the job is src/jobs/hdr.ts (the studio's too) and
// the procedure src/hdr/rounds.ts.
import { basename } from 'node:path';
import { parseFlags, positiveInt, wholeNumber } from '../args.ts';
import { CliError, inCommandWords, type CliCommand } from '../command.ts';
import { openCliModel } from '../engine.ts';
import { adapterBalanceNote, adapterEvalFraction, adapterRun, adapterSplitsByQuestion, recordedSplitBy, checkRunFolder, dataExamples, importedWords, noteAdapterTrainedOn, readAdapter, recordedEvalFraction, DATA_FLAG_HELP, FORMAT_HELP } from '../localFiles.ts';
import { evaluationSample, leftOutText, type FileExamples } from '../../jobs/data.ts';
import type { SplitSettings } from '../../data/split.ts';
import { endOnCtrlC } from '../interrupt.ts';
import { ProgressLine } from '../progress.ts';
import { BALANCE_FLAGS, BALANCE_HELP, BFCL_PROMPT_HELP, everyCallTurnHelp, checkRunConfigFor, INCLUSION_DEFAULT_HELP, INCLUSION_FLAGS, INCLUSION_HELP, inclusionOrRecorded, HDR_REFUSAL_FLAGS, inFlagWords, refuseOtherRuleFlags, runConfigFromFlags, runTarget, seedFlag, seqLenFromData, splitSeedHelp, heldOutHelp, heldOutFrom, splitByHelp, splitByFrom, splitSeedFrom } from '../runFlags.ts';
import { balanceSettingsOf, DEFAULT_RUN_CONFIG, lossLabel, validateRunConfig } from '../../train/config.ts';
import { rebaseBalance } from '../../train/balance.ts';
import { plural } from '../../data/plural.ts';
import { DEFAULT_HDR_SETTINGS, hdrStoppedText, minableExamples, roundAccuracyText, roundNotes, runAnswerChanges, validateHdrSettings, type HdrRoundReport, type HdrSettings } from '../../hdr/index.ts';
import { fitSamples, jobExamplesToMine } from '../../jobs/hdr.ts';
import { answerChangesText } from '../../eval/pairedTest.ts';
import { retrainConfig } from '../../jobs/hdrRetrain.ts';
import { whyNoneToMine } from '../../jobs/noneToMine.ts';
import { readOpenHardCases, RunFolderStore } from '../../jobs/store/folder.ts';
import { OUT_OF_MEMORY_LOWER } from '../../gpu/errors.ts';
import { unseenTokensNote } from '../runSummary.ts';

const d = DEFAULT_HDR_SETTINGS;
const usage = `usage: studio hdr --model <dir|repo> --data <file>[,<file>…] --out <dir> [options]
${DATA_FLAG_HELP}

Hard Data Re-sampling: finds the training examples the model (+ adapter) answers wrongly, then per
round samples answers for them, keeps those that pass the quality gate (parse, AST check against
the ground truth, calls in the example's syntax, non-empty reasoning naming the called function,
base quality check), de-duplicates them, retrains the adapter on them plus replayed data, and
re-evaluates on the held-out split. Stops when the pool is empty, stops shrinking, or at --rounds.
Ctrl-C ends it at the phase in flight with the rounds done (a second Ctrl-C quits at once).

options:
  --adapter <dir>         start from this PEFT adapter (else a fresh LoRA: --rank, --alpha, --targets);
                          a run folder's balance state comes along, so α continues where it was, and
                          its training settings (lr, schedule, batch, sequence length, loss), as the
                          studio retrains a run it starts from; the flags below given override them;
                          an earlier studio hdr folder's open hard cases (hard-cases.jsonl) are asked
                          again beside the examples mined, as the studio's next HDR run asks the dataset's
  --rounds <n>            round limit (default ${d.maxRounds})
  --samples <k>           answers sampled per hard case and round (default ${d.samplesPerCase})
  --temperature <t>       sampling temperature (default ${d.temperature}); --top-p <p> (default ${d.topP})
  --steps-per-round <n>   optimizer steps after each round that accepted samples (default ${d.stepsPerRound})
  --replay <f>            share of each round's training set from qualified data, in [0, 1) (default ${d.replayShare})
  --max-tokens <n>        new tokens per answer (default ${d.maxNewTokens})
  --gen-batch <n>         answers generated at once, a case's samples side by side (default ${d.batchSize})
  --mine train|eval       where hard cases come from (default train; eval leaks into the eval score)
  --mine-limit <n>        mine the first n examples; --eval-limit <n> evaluate on at most n, each
                          category in its share (0: no evaluation before and after the rounds)
  --batch <n> --seq <n>   training micro-batch (default ${DEFAULT_RUN_CONFIG.batchSize}) and sequence length (default: from the
                          data, as studio train)
  --lr <x> --loss <l>     learning rate (default ${DEFAULT_RUN_CONFIG.lr}), ssb | sft | fixed:<α> (default ssb)
${BALANCE_HELP}
  --rank <n> --alpha <x> --targets <list>   LoRA settings for a fresh adapter
  --seed <n>              sampling and data-order seed (default ${DEFAULT_RUN_CONFIG.seed}, as studio train)
${splitSeedHelp(true)}
${heldOutHelp(true)}
${splitByHelp(true)}
${FORMAT_HELP}
${BFCL_PROMPT_HELP}
${everyCallTurnHelp(true)}
${INCLUSION_HELP}
${INCLUSION_DEFAULT_HELP}
  --hub-base <url> --cache <dir>   model download
  --quiet                 no progress line`;

const flagsSpec = {
  ...INCLUSION_FLAGS,
  ...BALANCE_FLAGS,
  model: 'string', data: 'strings', out: 'string', adapter: 'string', rounds: 'number', samples: 'number', temperature: 'number', 'top-p': 'number',
  'steps-per-round': 'number', replay: 'number', 'max-tokens': 'number', 'gen-batch': 'number', mine: 'string', 'mine-limit': 'number', 'eval-limit': 'number',
  batch: 'number', seq: 'number', lr: 'number', loss: 'string', rank: 'number', alpha: 'number', targets: 'string', seed: 'number', 'split-seed': 'number', 'held-out': 'number', 'split-by': 'string', format: 'string', 'bfcl-prompt': 'boolean', 'every-call-turn': 'boolean',
  'hub-base': 'string', cache: 'string', quiet: 'boolean',
} as const;

/** HDR's settings as the flags that set them, for its messages. */
const HDR_FLAGS: Record<string, string> = {
  maxRounds: '--rounds', samplesPerCase: '--samples', replayShare: '--replay', stepsPerRound: '--steps-per-round', batchSize: '--gen-batch', temperature: '--temperature', topP: '--top-p', maxNewTokens: '--max-tokens',
};

/** HDR's settings as its flags give them, the rest HDR's defaults (the studio's too). */
export function hdrSettingsFromFlags(
  f: { samples?: number; temperature?: number; 'top-p'?: number; rounds?: number; 'steps-per-round'?: number; replay?: number; 'max-tokens'?: number; 'gen-batch'?: number },
  seed: number,
): HdrSettings {
  return {
    ...d,
    samplesPerCase: f.samples ?? d.samplesPerCase,
    temperature: f.temperature ?? d.temperature,
    topP: f['top-p'] ?? d.topP,
    maxRounds: f.rounds ?? d.maxRounds,
    stepsPerRound: f['steps-per-round'] ?? d.stepsPerRound,
    replayShare: f.replay ?? d.replayShare,
    maxNewTokens: f['max-tokens'] ?? d.maxNewTokens,
    batchSize: f['gen-batch'] ?? d.batchSize,
    seed,
  };
}

/** A round as the CLI prints it: its numbers, then what else it says (roundNotes: samples cut off by
 * the token limit, right answers the gate rejected, what its retraining skipped, what a cancel cut
 * short). `limit`: the --max-tokens it ran with, as the note on cut-off samples names it;
 * `notMeasured`: why there is no held-out accuracy, where the run evaluates none. */
export function roundLine(r: HdrRoundReport, words: { limit?: string; notMeasured?: string } = {}): string {
  const acc = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
  const changes = r.evalChanges ? ` (${answerChangesText(r.evalChanges.fixed, r.evalChanges.broken)})` : '';
  const line = `round ${r.round}: pool ${r.poolBefore} → ${r.poolAfter}  pass@k ${(100 * r.passAtK).toFixed(1)}%  accepted ${r.accepted} (${r.duplicates} duplicates)  held-out accuracy ${roundAccuracyText(r, acc, words.notMeasured)}${changes}`;
  return [line, ...roundNotes(r, words.limit ?? '--max-tokens').map((t) => `  ${t}`)].join('\n');
}

/** The held-out accuracy over the run's rounds, with the answers that turned right and wrong (runAnswerChanges). */
export function runChangesLine(rounds: HdrRoundReport[]): string | null {
  const c = runAnswerChanges(rounds);
  const acc = (x: number) => `${(100 * x).toFixed(1)}%`;
  return c && `held-out accuracy ${acc(c.before)} → ${acc(c.after)} over rounds ${c.fromRound}–${c.toRound} (${answerChangesText(c.fixed, c.broken)})`;
}

/** Why `--mine` finds nothing to mine on its side (jobs/noneToMine.ts, as the studio's HDR finds
 * it), in flags, and what to do: for a side the split put none on, the eval side's may be an
 * --adapter run's held-out share of 0, which no --split-seed changes. The other side is offered
 * where it has examples to mine. */
function noneToMineInFlags(mine: 'train' | 'eval', data: Pick<FileExamples, 'heldOutLeftOut' | 'trainLeftOut' | 'counts' | 'train' | 'eval'>, split: SplitSettings, adapter: string | undefined): string {
  const other = mine === 'eval' ? 'train' : 'eval';
  const mineOther = minableExamples(data[other]).length ? `mine the ${other === 'train' ? 'training' : 'held-out'} side with --mine ${other}` : null;
  const orOther = mineOther ? `${mineOther}, or ` : '';
  const why = whyNoneToMine(mine === 'eval' ? { used: data.eval, leftOut: data.heldOutLeftOut } : { used: data.train, leftOut: data.trainLeftOut });
  const share = `${+(100 * split.evalFraction).toFixed(1)}%`;
  if (why?.reason === 'left-out') return `the ${leftOutText(why.count, mine, 'mine hard cases from')}: use ${why.count === 1 ? 'it' : 'them'} (--include-flagged, or fewer ids in --leave-out), ${mineOther ? `${mineOther}, ` : ''}or change --split-seed`;
  if (why?.reason === 'only-samples') return `the ${plural(why.count, 'example')} on its ${mine === 'train' ? 'training' : 'held-out'} side ${why.count === 1 ? 'is a sample' : 'are all samples'} an earlier HDR run added, which are not mined again; ${orOther}give the dataset they were sampled from`;
  if (mine === 'train') return `the split (split seed ${split.seed}, holding out ${share}) held out all of the ${plural(data.counts.imported, 'imported example')}; ${orOther}choose a --split-seed that keeps some for training`;
  if (split.evalFraction === 0) return `the --adapter run ${adapter} held none of its examples out (its held-out share is 0%), and this run holds out the same share${mineOther ? `; ${mineOther}` : ''}`;
  return `the split (split seed ${split.seed}, holding out ${share}) held none of the ${plural(data.counts.imported, 'imported example')} out; ${orOther}choose a --split-seed that holds some out`;
}

const hdr: CliCommand = {
  summary: 'hard data re-sampling: sample, gate and retrain on the examples the model fails',
  usage,
  formFlags: { ...HDR_REFUSAL_FLAGS, [OUT_OF_MEMORY_LOWER]: '--batch or --seq when retraining, --gen-batch or --max-tokens when generating' },
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const { modelArg, dataPaths, out, format, bfclPromptMode, everyCallTurn } = runTarget(f);
    const mine = f.mine ?? 'train';
    if (mine !== 'train' && mine !== 'eval') throw new CliError(`--mine must be train or eval, not ${mine}`, 2);
    const seed = seedFlag(f.seed, 'seed') ?? DEFAULT_RUN_CONFIG.seed;
    const settings = hdrSettingsFromFlags(f, seed);
    // 0 skips the held-out evaluation, as the studio's "Eval examples (0 = skip)" does.
    const evalLimit = wholeNumber(f['eval-limit'], 'eval-limit');
    const mineLimit = f['mine-limit'] === undefined ? undefined : positiveInt(f['mine-limit'], 'mine-limit', 1);
    // A run folder retrains with its own settings, as the studio's HDR does with the run it picks.
    const from = adapterRun(f.adapter);
    const config = retrainConfig(runConfigFromFlags(f, from.config, from.file), settings);
    refuseOtherRuleFlags(f, config, from.config && 'the --adapter run');
    try {
      validateHdrSettings(settings);
    } catch (err) {
      throw new CliError(inFlagWords((err as Error).message, HDR_FLAGS), 2);
    }
    try {
      validateRunConfig(config);
    } catch (err) {
      throw new CliError(inFlagWords((err as Error).message), 2);
    }
    checkRunFolder(out, { adapter: f.adapter });
    // The examples a run folder chose, unless the flags choose others.
    const { inclusion, inclusionFrom, includeFailing } = inclusionOrRecorded(f, from);
    const progress = new ProgressLine(f.quiet ?? false);

    // A run folder's own split, so its held-out examples are neither replayed nor mined from the train side.
    const splitSeed = splitSeedFrom(f, from.splitSeed);
    const evalFraction = heldOutFrom(f, () => adapterEvalFraction(f.adapter));
    // A run trained with --include-failing trained on the flagged examples: they are its replay pool
    // and mined as its own, and its held-out side holds the flagged ones it held out.
    const byQuestion = splitByFrom(f, () => adapterSplitsByQuestion(f.adapter));
    const data = await dataExamples(dataPaths, { seed: splitSeed, evalFraction, byQuestion, format, bfclPromptMode, everyCallTurn: everyCallTurn ?? adapterRun(f.adapter).everyCallTurn, inclusion, inclusionFrom, includeFailing, adapter: f.adapter });
    noteAdapterTrainedOn(f.adapter, splitSeed, data.eval);
    const mineSet = minableExamples(mine === 'train' ? data.train : data.eval).slice(0, mineLimit);
    // An earlier HDR run's open pool, asked again (a training run's folder has none).
    const openCases = f.adapter ? readOpenHardCases(f.adapter) : [];
    // Looked up on the side it mines: an earlier --mine eval run's open cases are held-out examples.
    const mineFrom = mine === 'train' ? undefined : data.eval;
    const taken = jobExamplesToMine({ mineSet, replayPool: data.train, openCases, mineFrom });
    const toMine = taken.examples;
    const evalSet = evalLimit === undefined ? data.eval : evaluationSample(data.eval, evalLimit);
    // A round line's held-out accuracy where there is none, and why ("eval not evaluated" said neither).
    const notMeasured = evalSet.length > 0 ? undefined : evalLimit === 0 ? 'not measured (--eval-limit 0)' : 'not measured (no held-out example to evaluate)';
    if (mineSet.length === 0) {
      const none = `no ${mine} examples to mine hard cases from in ${dataPaths.join(', ')}`;
      // Nothing imported is no split's doing: said as studio train says it (the notes above name the records).
      if (data.counts.imported === 0) throw new CliError(`${none} (${importedWords(data.counts)})`);
      throw new CliError(`${none}: ${noneToMineInFlags(mine, data, { seed: splitSeed, evalFraction }, f.adapter)}`);
    }
    // The data are read before the model: what they alone refuse (an unknown --leave-out id, nothing
    // to mine) is said without waiting for a model to load (minutes for a large one); what the
    // model's config and tokenizer refuse, before its weights are read (or downloaded).
    const described = await openCliModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet: f.quiet });
    const { model } = described;

    if (!from.config) await seqLenFromData(config, f, model, [...mineSet, ...data.train]);
    checkRunConfigFor(config, model.spec, { from: from.file === undefined ? undefined : { flags: f, file: from.file } });
    // The job retrains at a length that holds the longest sample it can accept; said, not silent.
    const fitted = fitSamples(config, settings, model.tokenizer, toMine, model.spec.maxPositionEmbeddings).seqLen;
    if (fitted > config.seqLen && !f.quiet) console.error(`note: retraining at sequence length ${fitted}, not ${config.seqLen}: an accepted sample is a mined prompt plus up to --max-tokens ${settings.maxNewTokens} of answer, and a shorter length would skip it as too long`);
    const adapter = (await readAdapter(model.spec, f.adapter, modelArg)) ?? null;
    if (adapter) config.lora = adapter.settings;
    const { engine, model: loaded } = await described.engine();
    // Its rounds retrain on these examples: a model that cannot read them learns nothing from them.
    const unseen = unseenTokensNote(loaded, data.train, modelArg);
    if (unseen) console.error(`note: ${unseen}`);
    // A run folder (studio train, or an earlier studio hdr) keeps its balance state: α continues,
    // also under other --alpha-min / --alpha-max than the folder's run learned it with.
    const kept = f.adapter ? await new RunFolderStore(f.adapter, { model: modelArg, data: [] }).readBalance() : null;
    // Of the adapter files' step (readBalance): said where the folder has trained past them.
    const balanceNote = f.adapter ? adapterBalanceNote(f.adapter, kept !== null) : undefined;
    if (balanceNote) console.error(`note: ${balanceNote}`);
    const balance = kept && from.config ? rebaseBalance(kept, balanceSettingsOf(from.config), balanceSettingsOf(config)) : kept;
    if (balance && (balance.rule !== (config.balanceRule ?? 'grad') || config.loss !== 'ssb')) {
      console.error(`note: ${f.adapter} learned α with the ${balance.rule} rule; this run (${lossLabel(config)}) starts its own at α₀`);
    }
    const store = new RunFolderStore(out, { model: modelArg, adapter: f.adapter ?? null, data: dataPaths.map((p) => basename(p)), summary: { mine, splitSeed, ...recordedEvalFraction(evalFraction), ...recordedSplitBy(byQuestion), ...(inclusion && { inclusion }), ...(includeFailing && { includeFailing: true }), ...(data.lineChoices && { lineChoices: data.lineChoices }) }, errorWords: (m) => inCommandWords(m, hdr) });
    // Ctrl-C ends the run at the phase in flight with the rounds done (stop reason 'aborted').
    const rounds: HdrRoundReport[] = [];
    const result = await endOnCtrlC(progress, 'finishing the phase in flight and writing the rounds done', () => engine.cancel(), () => {
      progress.update(`mining: answering ${mineSet.length} ${mine} examples${taken.retried.length ? ` and ${plural(taken.retried.length, 'open hard case')}` : ''}`, true);
      return engine.hdr({
        store,
        settings,
        config,
        mineSet,
        openCases,
        mineFrom,
        evalSet,
        replayPool: data.train,
        heldOutSamples: data.heldOutSamples,
        excludedSamples: data.excludedSamples,
        adapter,
        balance,
        events: {
          onMined: (report, pool, notes) => {
            console.log(
              report.aborted
                ? `mining cancelled after ${report.total} of ${plural(toMine.length, `${mine} example`)}`
                : `mined ${plural(pool.length, 'hard case')} from ${plural(report.total, `${mine} example`)} (accuracy ${(100 * report.accuracy).toFixed(1)}%)`,
            );
            for (const n of notes) console.error(`note: ${inCommandWords(n, hdr)}`);
          },
          onStep: (round, m) => progress.update(`round ${round}: step ${m.step}/${settings.stepsPerRound}  loss ${m.loss.toFixed(4)}  α ${m.alpha.toFixed(3)}`),
          onRound: (r) => {
            progress.done();
            console.log(roundLine(r, { limit: `--max-tokens ${settings.maxNewTokens}`, notMeasured }));
            rounds.push(r);
          },
          onProgress: (text) => progress.update(text, true),
        },
      });
    });
    progress.done();
    const overRun = runChangesLine(rounds);
    if (overRun) console.log(overRun);
    const interrupted = result.stopReason === 'aborted';
    // Cancelled before a round: the adapter would be the one HDR started from, so none is written.
    const adapterText = interrupted && result.rounds === 0 ? 'no round finished, so no adapter was written' : `adapter written to ${out}`;
    console.log(`${hdrStoppedText(result)}: pool ${result.poolStart} → ${result.poolEnd}; ${plural(result.added, 'example')} added; ${adapterText}`);
    return interrupted ? 130 : 0;
  },
};
export default hdr;
