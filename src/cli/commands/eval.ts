// `studio eval`: generates an answer for every example of a dataset's eval split (or all of a
// dropped BFCL file) with the model and an optional LoRA adapter, checks each with the AST
// checker, prints accuracy overall / per category / per failure rule and writes every prediction
// as JSONL. Owns only flags, the output paths and printing; the evaluation is src/jobs/evaluate.ts,
// the same one the studio's worker runs.
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseFlags, positiveInt } from '../args.ts';
import { CliError, inCommandWords, type CliCommand } from '../command.ts';
import { openCliModel } from '../engine.ts';
import { adapterEvalFraction, adapterRun, adapterSplitsByQuestion, checkOutputFile, dataExamples, importedWords, noteAdapterTrainedOn, readAdapter, DATA_FLAG_HELP, FORMAT_HELP } from '../localFiles.ts';
import type { FileExamples } from '../../jobs/data.ts';
import { plural } from '../../data/plural.ts';
import { promptKey } from '../../data/prompt-key.ts';
import { evaluationSample, fingerprintedExamples, heldOutLeftOutText } from '../../jobs/data.ts';
import { endOnCtrlC } from '../interrupt.ts';
import { ProgressLine } from '../progress.ts';
import { BFCL_PROMPT_HELP, everyCallTurnHelp, INCLUSION_DEFAULT_HELP, INCLUSION_FLAGS, INCLUSION_HELP, inclusionOrRecorded, runTarget, samplingFlags, seedFlag, heldOutHelp, heldOutFrom, splitByHelp, splitByFrom, splitSeedFrom } from '../runFlags.ts';
import { DEFAULT_SPLIT } from '../../data/split.ts';
import { DEFAULT_RUN_CONFIG } from '../../train/config.ts';
import { DEFAULT_DECODE } from '../../model/decoding.ts';
import { answerComparisonText, checkPrediction, compareAnswers, formatEvalSummary, summarizePredictions, withEarlierPredictions, type Prediction } from '../../eval/index.ts';
import type { Example } from '../../data/example.ts';
import { answerSettingsPath, readAnswerSettings, readPredictionLines, RunFolderStore, type AnswerSettings } from '../../jobs/store/folder.ts';
import { OUT_OF_MEMORY_LOWER } from '../../gpu/errors.ts';
import { GgufOfAnotherModelError, openGgufWeights } from '../../export/ggufReadBack.ts';
import { nodeFileSource } from '../../model/byte-source-node.ts';
import type { ModelFiles } from '../../model/model-files.ts';
import type { LoadedModel } from '../../jobs/context.ts';
import { unseenTokensNote } from '../runSummary.ts';

const usage = `usage: studio eval --model <dir|repo> --data <file>[,<file>…] --out <predictions.jsonl> [options]
${DATA_FLAG_HELP}

Generates an answer for each example with the model (and adapter), checks the calls against the
ground truth with the BFCL AST checker, prints accuracy overall, per category and per failure
rule, and writes one JSON line per prediction to --out. Ctrl-C ends it after the answers in flight
and writes those checked (a second Ctrl-C quits at once).

options:
  --adapter <dir>         a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors); a
                          run folder keeps its split, so its held-out examples are the ones scored
  --gguf <file>           answer with this GGUF file's weights in place of --model's (a studio
                          export-gguf file, the adapter merged in, or llama-quantize's F16, Q8_0,
                          Q6_K, Q5_K_M, Q4_K_M, Q4_0, Q3_K_M, Q2_K or IQ4_XS of --model, and their
                          _S/_L and _1/_NL kin), each read as llama.cpp reads it, with
                          --model's config and tokenizer: what the file's rounding costs in accuracy;
                          with --adapter <run folder>, that run's held-out examples are scored and
                          its adapter is not applied again (the file holds it)
  --split <s>             eval | train | all (default eval: the held-out side of the seeded split
                          that studio train and the studio hold out; use all for a BFCL file)
  --seed <n>              sampling seed (default ${DEFAULT_RUN_CONFIG.seed}, as studio train)
  --split-seed <n>        the split's seed (default: the --adapter run folder's, if any, else ${DEFAULT_SPLIT.seed},
                          the studio's)
${heldOutHelp(true)}
${splitByHelp(true)}
  --include-failing       with --split eval or train, keep examples that fail the quality check
                          (the studio leaves them out, so by default so does this, but for an
                          --adapter run folder trained with --include-failing)
${INCLUSION_HELP}
${INCLUSION_DEFAULT_HELP}; --split all takes
                          every example, flagged ones too, but those these flags, the run folder or
                          the studio (a line's "included": false) leave out
  --limit <n>             evaluate at most n examples, each category in its share
  --max-tokens <n>        new tokens per answer (default ${DEFAULT_DECODE.maxNewTokens}: room for the reasoning before the call)
  --batch <n>             answers generated at once (default ${DEFAULT_DECODE.batch}); as one ends, the next example starts
  --temperature <t>       sample instead of greedy decoding (default greedy); with it, --top-p <p>
${FORMAT_HELP}
${BFCL_PROMPT_HELP}
${everyCallTurnHelp(true)}
  --summary <file>        also write the summary (accuracy, per category, per rule) as JSON
  --against <file>        another studio eval --out of the same examples (the base model, another
                          adapter, a GGUF file): says how many answers are the same, and which
                          examples are right here and wrong there, and the other way round
  --resume                go on from the answers --out already holds (an evaluation interrupted by
                          Ctrl-C): they are kept and checked again, the rest answered; give the model,
                          adapter, data and settings it was run with (those that change answers are
                          kept in <out>.settings.json, and a resume under others is refused)
  --force                 replace an --out that is there already (without it, or --resume, it is refused)
  --hub-base <url>        Hugging Face endpoint for repo ids; --cache <dir> download cache
  --quiet                 no progress line`;

const flagsSpec = {
  ...INCLUSION_FLAGS,
  model: 'string', adapter: 'string', gguf: 'string', data: 'strings', out: 'string', split: 'string', 'include-failing': 'boolean', seed: 'number', 'split-seed': 'number', 'held-out': 'number', 'split-by': 'string', limit: 'number', 'max-tokens': 'number',
  batch: 'number', temperature: 'number', 'top-p': 'number', format: 'string', 'bfcl-prompt': 'boolean', 'every-call-turn': 'boolean', summary: 'string', against: 'string', resume: 'boolean', force: 'boolean', 'hub-base': 'string', cache: 'string', quiet: 'boolean',
} as const;

/** What changes the answers, as the flags name it: written beside --out, compared on --resume.
 * Local model and adapter folders by their full path (a resume may be run from elsewhere); the
 * seed only where answers are sampled (greedy decoding ignores it). */
function answerSettings(f: { adapter?: string; gguf?: string; 'top-p'?: number; 'bfcl-prompt'?: boolean }, modelArg: string, maxNewTokens: number, temperature: number, seed: number): AnswerSettings {
  return {
    '--model': existsSync(modelArg) ? resolve(modelArg) : modelArg,
    '--adapter': f.adapter === undefined ? null : resolve(f.adapter),
    '--gguf': f.gguf === undefined ? null : resolve(f.gguf),
    '--max-tokens': maxNewTokens,
    '--temperature': temperature,
    '--top-p': f['top-p'] ?? null,
    '--seed': temperature > 0 ? seed : null,
    '--bfcl-prompt': f['bfcl-prompt'] ?? false,
  };
}

function settingWords(value: AnswerSettings[string] | undefined): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'boolean') return value ? 'given' : 'not given';
  return String(value);
}

/** --resume: the answers --out holds, checked again against their examples (the checker is
 * deterministic), refused when one answers an example this evaluation does not ask, or was
 * generated under other settings: those recorded beside --out, and --max-tokens also from the
 * answers themselves (an answer the limit stopped ends at exactly the limit), which is all an
 * older --out without recorded settings can be checked for. */
function earlierPredictions(out: string, examples: Example[], settings: AnswerSettings, trainedAsks: ReadonlySet<string> | undefined): Prediction[] {
  if (!existsSync(out)) throw new CliError(`--resume: ${out} does not exist, so there is nothing to resume; run without --resume`, 2);
  let lines;
  let recorded;
  try {
    lines = readPredictionLines(out);
    recorded = readAnswerSettings(out);
  } catch (err) {
    throw new CliError(`--resume: ${(err as Error).message}`, 2);
  }
  if (recorded === null) {
    console.error(`note: ${out} has no ${basename(answerSettingsPath(out))} (an older studio eval wrote it), so only the --max-tokens of its answers can be checked; resume with the ${Object.keys(settings).join(', ')} it was run with`);
  } else {
    // A flag added since an --out was written (--gguf) was not given then.
    const other = Object.keys(settings).find((flag) => (recorded[flag] ?? null) !== settings[flag]);
    if (other) throw new CliError(`--resume: ${out} holds answers generated with another ${other} (${settingWords(recorded[other])} there, ${settingWords(settings[other])} here); give the ${other} it was run with`, 2);
  }
  const maxNewTokens = settings['--max-tokens'] as number;
  const byId = new Map(examples.map((e) => [e.id, e]));
  const foreign = lines.filter((l) => !byId.has(l.id));
  if (foreign.length) {
    throw new CliError(`--resume: ${out} answers ${foreign.length} example${foreign.length === 1 ? '' : 's'} this evaluation does not ask (${foreign[0].id}${foreign.length > 1 ? ', …' : ''}); give the --data, --split, --split-seed, --include-failing, --include-flagged, --leave-out and --limit it was run with`, 2);
  }
  const otherLimit = lines.find((l) => l.generatedTokens > maxNewTokens || (l.finishReason === 'length' && l.generatedTokens !== maxNewTokens));
  if (otherLimit) {
    const { id, finishReason, generatedTokens } = otherLimit;
    const said = finishReason === 'length' ? `stopped at the limit after ${generatedTokens} new tokens` : `has ${generatedTokens} new tokens`;
    throw new CliError(`--resume: ${out} holds answers generated with another --max-tokens ("${id}" ${said}, where this evaluation allows ${maxNewTokens}); give the --max-tokens it was run with`, 2);
  }
  const seen = new Set<string>();
  const kept: Prediction[] = [];
  for (const l of lines) {
    if (seen.has(l.id)) continue; // written twice: the first answer counts
    seen.add(l.id);
    const example = byId.get(l.id)!;
    const p = checkPrediction(example, l.output, l.finishReason, l.generatedTokens);
    // Marked as the evaluation marks its own answers: a resumed summary counted them with the others.
    if (trainedAsks?.has(promptKey(example))) p.askedInTraining = true;
    kept.push(p);
  }
  return kept;
}

/** --against's answers, refused in words where they are no studio eval --out (or are --out itself). */
function againstLines(path: string, out: string): { path: string; lines: ReturnType<typeof readPredictionLines> } {
  if (resolve(path) === resolve(out)) throw new CliError(`--against ${path} is the --out file: compare with another evaluation's answers`, 2);
  if (!existsSync(path)) throw new CliError(`--against ${path}: no such file`, 2);
  try {
    return { path, lines: readPredictionLines(path) };
  } catch (err) {
    throw new CliError(`--against ${(err as Error).message}`);
  }
}

/** This evaluation's answers beside --against's, each of those checked again against this
 * evaluation's example (the checker is deterministic; their file's verdicts may be an older checker's). */
function againstText(against: { path: string; lines: ReturnType<typeof readPredictionLines> }, here: Prediction[], examples: Example[]): string {
  const byId = new Map(examples.map((e) => [e.id, e]));
  const theirs = against.lines.filter((l) => byId.has(l.id)).map((l) => checkPrediction(byId.get(l.id)!, l.output, l.finishReason, l.generatedTokens));
  return answerComparisonText(compareAnswers(here, theirs), against.path);
}

/** --gguf before any example is read: a file, and --adapter beside it only as a run folder (whose
 * held-out examples it names), for the file holds its adapter merged in. */
function checkGgufFlags(path: string, adapter: string | undefined, runFolder: boolean): void {
  if (!existsSync(path)) throw new CliError(`--gguf ${path}: no such file`, 2);
  if (statSync(path).isDirectory()) throw new CliError(`--gguf ${path} is a folder; give the .gguf file`, 2);
  if (adapter !== undefined && !runFolder) {
    throw new CliError(`--adapter ${adapter} beside --gguf only chooses a run folder's held-out examples (the file holds the adapter merged in), and ${adapter} is no run folder of studio train or studio hdr: leave --adapter out`, 2);
  }
}

/** --gguf's weights as the model's files, with --model's config and tokenizer; a file of another
 * model (or of a type the studio cannot read) refused in words before the GPU is touched. */
async function ggufModelFiles(path: string, modelArg: string, model: LoadedModel): Promise<{ files: ModelFiles; fileType: string | null }> {
  const source = await nodeFileSource(path);
  try {
    const { files, gguf } = await openGgufWeights(model.files, model.spec, source);
    return { files, fileType: gguf.fileType };
  } catch (err) {
    await source.close();
    const words = (err as Error).message.replace(`${source.name}: `, '');
    const shapes = err instanceof GgufOfAnotherModelError ? `; it is not a file of --model ${modelArg}` : '';
    throw new CliError(`--gguf ${path}: ${words}${shapes}`);
  }
}

/** Why a side of the files has nothing to evaluate, and what would: "(split eval; 3 imported)" left
 * a user whose run held out nothing, or who gave a BFCL file without --split all, to guess. */
export function noneToEvaluate(split: 'eval' | 'train' | 'all', counts: FileExamples['counts'], splitSeed: number, evalFraction: number | undefined): string {
  const { imported, failedQuality } = counts;
  if (imported === 0) return `no example was imported (${importedWords(counts)})`;
  if (split !== 'all' && failedQuality === imported) return `all ${plural(imported, 'imported example')} fail the quality check; --include-failing scores them too`;
  const share = `${+(100 * (evalFraction ?? 0)).toFixed(1)}%`;
  if (split === 'eval') return `the split (split seed ${splitSeed}, holding out ${share}) held none of the ${plural(imported, 'imported example')} out; evaluate every one with --split all (as for a BFCL file), or choose a --split-seed that holds some out`;
  if (split === 'train') return `the split (split seed ${splitSeed}, holding out ${share}) held out all of the ${plural(imported, 'imported example')}; evaluate every one with --split all, or choose a --split-seed that keeps some for training`;
  return `every one of the ${plural(imported, 'imported example')} is left out (${importedWords(counts)})`;
}

const evalCommand: CliCommand = {
  summary: 'generate answers with the model (+ adapter) and score them with the AST checker',
  usage,
  formFlags: { [OUT_OF_MEMORY_LOWER]: '--batch (answers at once) or --max-tokens', 'Max new tokens': '--max-tokens' },
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const { modelArg, dataPaths, out, format, bfclPromptMode, everyCallTurn } = runTarget(f);
    const split = f.split ?? 'eval';
    if (split !== 'eval' && split !== 'train' && split !== 'all') throw new CliError(`--split must be eval, train or all, not ${split}`, 2);
    const maxNewTokens = positiveInt(f['max-tokens'], 'max-tokens', DEFAULT_DECODE.maxNewTokens);
    const batchSize = positiveInt(f.batch, 'batch', DEFAULT_DECODE.batch);
    const seed = seedFlag(f.seed, 'seed') ?? DEFAULT_RUN_CONFIG.seed;
    const { temperature } = samplingFlags(f);
    // The outputs are checked before hours of generation, and never overwrite an input.
    const inputs = dataPaths.map((path) => ({ path, flag: '--data' }));
    if (f.resume && f.force) throw new CliError('--resume goes on from the answers --out holds, and --force replaces them: give one of them', 2);
    // An earlier evaluation's answers are hours of generation, and what a later --resume goes on from.
    checkOutputFile(out, 'out', inputs, { force: (f.force ?? false) || (f.resume ?? false), or: ['--resume to go on from the answers it holds'] });
    // Another evaluation's summary is kept as its answers are; a --resume writes its own again.
    if (f.summary !== undefined) checkOutputFile(f.summary, 'summary', [...inputs, { path: out, flag: '--out' }], { force: (f.force ?? false) || (f.resume ?? false), or: ['--resume with the --out it summarises'] });
    // Read now: a file that cannot be compared is said before hours of generation.
    const against = f.against === undefined ? null : againstLines(f.against, out);
    const progress = new ProgressLine(f.quiet ?? false);

    // Every example answers, whatever the quality check says (BFCL files have no reasoning to check).
    // The held-out side the studio evaluates leaves out examples that fail the quality check; a
    // whole file (a BFCL category) is evaluated as it is.
    // A run folder's own split: scored on another, its held-out side would hold examples it trained on.
    const from = adapterRun(f.adapter);
    if (f.gguf !== undefined) checkGgufFlags(f.gguf, f.adapter, from.config !== undefined);
    const splitSeed = splitSeedFrom(f, from.splitSeed);
    // The examples a run folder chose are the ones it held out and scored, unless flags say otherwise.
    const { inclusion, inclusionFrom, includeFailing } = inclusionOrRecorded(f, from);
    // --split all holds nothing out: the run's held-out share is no matter (nor said).
    const evalFraction = split === 'all' ? undefined : heldOutFrom(f, () => adapterEvalFraction(f.adapter));
    const data = await dataExamples(dataPaths, { seed: splitSeed, evalFraction, byQuestion: splitByFrom(f, () => split === 'all' || adapterSplitsByQuestion(f.adapter)), format, includeFailing: includeFailing ?? (split === 'all'), bfclPromptMode, everyCallTurn: everyCallTurn ?? adapterRun(f.adapter).everyCallTurn, inclusion, inclusionFrom, adapter: f.adapter });
    // All: both sides in the files' order, every flagged one too (includeFailing), but those the user
    // left out, by --leave-out or in the studio (a snapshot line's "included": false).
    const used = new Set(fingerprintedExamples(data).map((e) => e.id));
    let examples = split === 'all' ? data.all.filter((e) => used.has(e.id)) : data[split];
    if (f.limit !== undefined) examples = evaluationSample(examples, positiveInt(f.limit, 'limit', 1));
    if (split === 'eval') noteAdapterTrainedOn(f.adapter, splitSeed, examples);
    // Held out but every one left out: using them again is the remedy, as ablate and the page say.
    if (examples.length === 0 && split === 'eval' && data.heldOutLeftOut) throw new CliError(`${dataPaths.join(', ')}: the ${heldOutLeftOutText(data.heldOutLeftOut, 'evaluate')}: use them (--include-failing, --include-flagged, or fewer ids in --leave-out), or change --split-seed`);
    if (examples.length === 0) throw new CliError(`no examples to evaluate in ${dataPaths.join(', ')}: ${noneToEvaluate(split, data.counts, splitSeed, evalFraction)}`);
    const all = examples;
    const settings = answerSettings(f, modelArg, maxNewTokens, temperature, seed);
    // Held-out questions also asked in training are counted apart, as the studio counts them.
    const trainedAsks = split === 'eval' ? new Set(data.train.map(promptKey)) : undefined;
    const earlier = f.resume ? earlierPredictions(out, all, settings, trainedAsks) : [];
    if (earlier.length) {
      const done = new Set(earlier.map((p) => p.exampleId));
      examples = all.filter((e) => !done.has(e.id));
      console.error(`resuming: ${earlier.length} of ${all.length} examples already answered in ${out}; ${examples.length} left`);
    }
    const order = all.map((e) => e.id);
    const facts = { model: modelArg, adapter: f.adapter ?? null, data: dataPaths.map((p) => basename(p)), summary: { split, ...(f.gguf !== undefined && { gguf: resolve(f.gguf) }) }, errorWords: (m: string) => inCommandWords(m, evalCommand) };
    // Recorded with them, not compared on --resume (files written before it have none): which side
    // was scored, which a pushed card's "held-out" claim rests on (cli/pushEvaluation.ts).
    const store = RunFolderStore.forEvaluation({ predictions: out, summary: f.summary, earlier: { predictions: earlier, order }, settings: { ...settings, '--split': split } }, facts);
    if (examples.length === 0) {
      // Every answer is there already: the summary is written again, with no model loaded (the
      // store adds the earlier answers to this empty run, as to any run).
      const run = { ...summarizePredictions([]), predictions: [], aborted: false };
      await store.saveEvaluation(run);
      const report = withEarlierPredictions(earlier, run, order);
      console.log(formatEvalSummary(report, `--max-tokens ${maxNewTokens}`));
      if (against) console.log(againstText(against, report.predictions, all));
      console.log(`every example was already answered; predictions written to ${out}`);
      return 0;
    }

    // An adapter for another model is refused before the weights are read (or downloaded).
    const described = await openCliModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet: f.quiet });
    // A GGUF file holds the adapter merged (the run folder only chose the examples), and its
    // weights are the model's: --model's own are not read (nor downloaded).
    const adapter = f.gguf !== undefined ? null : ((await readAdapter(described.model.spec, f.adapter, modelArg)) ?? null);
    const gguf = f.gguf === undefined ? null : await ggufModelFiles(f.gguf, modelArg, described.model);
    if (gguf) console.error(`answering with the weights of ${f.gguf} (${gguf.fileType ?? 'GGUF'}), read as llama.cpp reads them, and the config and tokenizer of ${modelArg}`);
    const { engine, model: loaded } = await described.engine(gguf?.files);
    const unseen = unseenTokensNote(loaded, examples, modelArg, true);
    if (unseen) console.error(`note: ${unseen}`);
    const t0 = performance.now();
    // Ctrl-C ends the evaluation after the batch in flight and writes what was checked (it lost
    // every answer of an hours-long run).
    const run = await endOnCtrlC(progress, 'finishing the batch in flight and writing what was checked', () => engine.cancel(), () =>
      engine.evaluate({
        store,
        examples,
        adapter,
        decoding: { maxNewTokens, batchSize, temperature: f.temperature, topP: f['top-p'], seed },
        ...(trainedAsks && { trainedAsks }),
        onProgress: (p) => progress.update(`evaluated ${p.done}/${p.total}  correct ${p.correct}  ${((performance.now() - t0) / 1000).toFixed(0)} s`, p.done === p.total),
      }),
    );
    progress.done();
    const report = withEarlierPredictions(earlier, run, order);
    console.log(formatEvalSummary(report, `--max-tokens ${maxNewTokens}`));
    if (against) console.log(againstText(against, report.predictions, all));
    if (report.aborted) {
      console.log(`interrupted: ${report.predictions.length} of ${all.length} examples evaluated; their predictions are written to ${out} (--resume goes on from them)`);
      return 130;
    }
    console.log(`predictions written to ${out}`);
    return 0;
  },
};
export default evalCommand;
