// `studio recipe`: a training run's folder (as `studio train` writes it) → a folder that trains the
// same thing with transformers + PEFT on one GPU or a cluster (src/recipe/recipe.ts). Re-reads the
// run's data files (run.json's `source`, or --data) with the run's split and length rule, checks
// that they give the run's example counts (and, where run.json kept one, its training set's digest),
// and writes the tokenized examples beside the trainer.
// Never starts a GPU; reads only the model's tokenizer files.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseFlags, requireFlag } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { checkUnderFolder } from '../flagPaths.ts';
import { adapterRun, checkRecipeFolder, dataExamples, formatFlag, FORMAT_HELP, modelFromAnywhere, readBeforeLineChoices, startFilesDigest } from '../localFiles.ts';
import { resolveModel } from '../modelSource.ts';
import { datasetFingerprint } from '../../data/fingerprint.ts';
import { fingerprintedExamples } from '../../jobs/data.ts';
import { HDR_FILES, METRICS_FILE, readBalanceFile, RUN_JSON, type RunSource } from '../../jobs/store/folder.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../model/peft.ts';
import type { RunConfig } from '../../train/config.ts';
import { learningRate } from '../../train/schedule.ts';
import { trainingSets, tokenizerFromModel } from '../../train/prepareData.ts';
import { trainingSetDigest } from '../../train/batching.ts';
import { trainingSetChange } from '../../train/trainingSetChange.ts';
import { baseModelOf, RECIPE_CONFIG_FILE, recipeFiles, recipeRefusal, launchLines, shellWord, type RecipeStart } from '../../recipe/recipe.ts';

const usage = `usage: studio recipe --run <dir> --out <dir> [options]

Exports a training run (a folder written by studio train) as a recipe that trains the same thing
with Hugging Face transformers + PEFT, on one GPU or several (Accelerate with DeepSpeed ZeRO-3 or
FSDP): data/train.jsonl and data/eval.jsonl (the run's examples tokenized as studio tokenize does,
with the run's split and length rule), recipe.json (the run's config), train.py with its modules,
the Accelerate configs, requirements.txt and README.md with the launch lines.

options:
  --data <files>          the run's data files (default: the paths run.json recorded)
  --model <dir|repo>      where the run's tokenizer is (default: the model run.json recorded)
  --base-model <repo>     the model train.py loads (default: the run's model, if a repo id or folder)
${FORMAT_HELP}
                          (default: as the run was trained)
  --bfcl-prompt           BFCL question files in BFCL's prompt mode (default: as the run was trained)
  --every-call-turn       every calling turn of a conversation an example (default: as the run was trained)
  --include-failing       use examples that fail the quality check (default: as the run was trained)
  --force                 replace an earlier recipe in --out (never the run's data files)
  --hub-base <url>        Hugging Face endpoint for a repo id (default https://huggingface.co or $HF_ENDPOINT)
  --cache <dir>           model download cache`;

const flagsSpec = {
  run: 'string', out: 'string', data: 'strings', model: 'string', 'base-model': 'string', format: 'string', 'bfcl-prompt': 'boolean', 'every-call-turn': 'boolean',
  'include-failing': 'boolean', force: 'boolean', 'hub-base': 'string', cache: 'string',
} as const;

interface RunFolderJson {
  model?: string;
  data?: string[];
  config?: RunConfig;
  examples?: { train?: number; eval?: number; tooLong?: number; digest?: string };
  status?: string;
  source?: RunSource;
}

/** run.json of a training run folder, or a CliError naming the path and what is missing. */
function readTrainingRun(dir: string): RunFolderJson {
  if (!existsSync(dir)) throw new CliError(`--run ${dir}: no such folder`, 2);
  if (!statSync(dir).isDirectory()) throw new CliError(`--run ${dir} is a file; give the run's folder (the --out of studio train)`, 2);
  const path = join(dir, RUN_JSON);
  if (!existsSync(path)) throw new CliError(`--run ${dir} is not a run folder: it has no ${RUN_JSON} (studio train writes one in its --out folder)`);
  let run: RunFolderJson;
  try {
    run = JSON.parse(readFileSync(path, 'utf8')) as RunFolderJson;
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (existsSync(join(dir, HDR_FILES.summary))) throw new CliError(`${dir} is an HDR run (it has ${HDR_FILES.summary}); its data are sampled rounds, not a dataset: export the training run it started from`);
  if (existsSync(join(dir, 'ablation.json'))) throw new CliError(`${dir} is an ablation (it has ablation.json); export one of its arms' run folders`);
  if (!run.config) throw new CliError(`${path} has no "config": the run stopped before training started (status ${run.status ?? 'unknown'}); there is nothing to export`);
  if (!run.examples || typeof run.examples.train !== 'number') throw new CliError(`${path} has no "examples" counts; it was not written by studio train`);
  return run;
}

/** The adapter (and α state) a run continued (`studio train --adapter … --balance …`): train.py
 * loads them instead of a fresh LoRA, or the recipe would train another run. */
/** What a continued run started from (`studio train --adapter` and/or `--balance`), as the recipe
 * ships it: the same files, refused when they changed since the run read them. */
function readStart(runDir: string, source: RunSource): RecipeStart {
  const { startAdapter: adapterDir, startBalance: balancePath, startDigest } = source;
  const where = `${join(runDir, RUN_JSON)}: the run continued ${adapterDir ? `the adapter ${adapterDir}` : `the α state ${balancePath}`}`;
  for (const f of adapterDir ? [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE] : []) {
    if (!existsSync(join(adapterDir!, f))) throw new CliError(`${where}, whose ${f} is not there any more; the recipe starts from that adapter: put it back, or export a run that started fresh`);
  }
  let balance = null;
  if (balancePath) {
    try {
      balance = readBalanceFile(balancePath);
    } catch (err) {
      throw new CliError(`${where}${adapterDir ? ` and the α state ${balancePath}` : ''}, which cannot be read any more (${(err as Error).message})`);
    }
  }
  if (startDigest && startFilesDigest(adapterDir, balancePath) !== startDigest) {
    throw new CliError(`${where}${balancePath ? ` and the α state ${balancePath}` : ''}, which changed since the run started from them (retrained or overwritten); the recipe would start from other weights than the run did: put the run's files back, or export a run that started fresh`);
  }
  return {
    adapter: adapterDir ? { from: adapterDir, configJson: new Uint8Array(readFileSync(join(adapterDir, ADAPTER_CONFIG_FILE))), weights: new Uint8Array(readFileSync(join(adapterDir, ADAPTER_WEIGHTS_FILE))) } : null,
    balance,
  };
}

const recipe: CliCommand = {
  summary: 'export a training run as a transformers + PEFT recipe (tokenized data, config, train.py) for one or many GPUs',
  usage,
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const runDir = requireFlag(f.run, 'run');
    const out = requireFlag(f.out, 'out');
    if (existsSync(out) && !statSync(out).isDirectory()) throw new CliError(`--out ${out} is a file; give a folder for the recipe`, 2);
    checkUnderFolder(out, 'out');
    const run = readTrainingRun(runDir);
    const config = run.config!;
    const refusal = recipeRefusal(config);
    if (refusal) throw new CliError(`${join(runDir, RUN_JSON)}: cannot export this run as a recipe: ${refusal}`);

    const source = run.source;
    const start = source?.startAdapter || source?.startBalance ? readStart(runDir, source) : undefined;
    const dataPaths = f.data ?? source?.data;
    if (!dataPaths?.length) {
      throw new CliError(`${join(runDir, RUN_JSON)} does not say where its data files are (runs trained before run.json kept a "source"); pass --data <files> (it names ${(run.data ?? []).join(', ') || 'none'})`);
    }
    const format = formatFlag(f.format ?? source?.format);
    const modelArg = f.model ?? source?.model ?? run.model;
    if (!modelArg) throw new CliError(`${join(runDir, RUN_JSON)} names no model; pass --model <dir|repo>`);

    const files = await resolveModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, tokenizerOnly: true });
    const tokenizer = await tokenizerFromModel(files);
    // Split as the run split them: its seed and, where it recorded one, its held-out share (a studio
    // snapshot unzipped records them with its dataset), as --adapter reads a run folder's split.
    const split = adapterRun(runDir);
    const reading = {
      seed: split.splitSeed ?? config.seed,
      evalFraction: split.evalFraction,
      byQuestion: split.byQuestion ?? false,
      format,
      includeFailing: f['include-failing'] ?? source?.includeFailing,
      bfclPromptMode: f['bfcl-prompt'] ?? source?.bfclPromptMode,
      everyCallTurn: f['every-call-turn'] ?? source?.everyCallTurn,
      // The examples the run chose (--include-flagged, --leave-out), as it trained on them; an id it
      // left out that the files no longer hold is noted, not refused as a typed flag (the
      // fingerprint below says whether the files still give its examples).
      inclusion: source?.inclusion,
      inclusionFrom: join(runDir, RUN_JSON),
      // And those the lines of the snapshot it started from chose, as run.json records them.
      ownRun: runDir,
    };
    const data = await dataExamples(dataPaths, reading);
    if (source?.fingerprint && (await datasetFingerprint(fingerprintedExamples(data))) !== source.fingerprint) {
      // The files are the run's own; the CLI reads them otherwise since (readBeforeLineChoices).
      const lineChoices = await readBeforeLineChoices(dataPaths, reading, source.fingerprint);
      if (lineChoices) throw new CliError(`${dataPaths.join(', ')} give other examples than the run trained on: ${lineChoices}`);
      throw new CliError(
        `${dataPaths.join(', ')} give other examples than the run trained on (their dataset fingerprint differs from run.json's: edited since, or other files); the recipe would train on other data. Restore the files, or pass the run's own with --data (and the --format, --bfcl-prompt, --every-call-turn, --include-failing it used)`,
      );
    }
    const sets = await trainingSets(tokenizer, data, config);
    const want = run.examples!;
    const got = { train: sets.train.length, eval: sets.held.length, tooLong: sets.tooLong.length };
    if (got.train !== want.train || got.eval !== want.eval || got.tooLong !== (want.tooLong ?? 0)) {
      throw new CliError(
        `${dataPaths.join(', ')} give ${got.train} training, ${got.eval} held-out and ${got.tooLong} too-long examples, but the run had ${want.train}, ${want.eval} and ${want.tooLong ?? 0}; pass the data files (and --format, --bfcl-prompt, --every-call-turn, --include-failing) the run was trained with`,
      );
    }
    // As many is not the same (files without a fingerprint, or a tokenizer that renders them
    // otherwise): the digest the run kept tells, where the tokenizer read is the run's own.
    const ownTokenizer = f.model === undefined || f.model === (source?.model ?? run.model);
    if (trainingSetChange({ train: want.train!, digest: want.digest }, { train: got.train, digest: trainingSetDigest(sets.train) }, ownTokenizer) === 'examples') {
      throw new CliError(
        `${dataPaths.join(', ')} give the run’s ${got.train} training examples in number, but other ones than it trained on (the digest of their tokens differs from run.json’s); pass the data files (and --format, --bfcl-prompt, --every-call-turn, --include-failing) the run was trained with`,
      );
    }

    const baseFlag = f['base-model'];
    if (baseFlag !== undefined && !existsSync(baseFlag) && baseModelOf(baseFlag) === null) {
      throw new CliError(`--base-model ${baseFlag} is neither a folder nor a hub repo id (owner/name)`, 2);
    }
    // A folder as an absolute path: train.py runs from the recipe's folder, not from here.
    const baseModel = baseFlag !== undefined ? modelFromAnywhere(baseFlag) : baseModelOf(modelFromAnywhere(modelArg));
    const written = recipeFiles({ run: { name: runDir.replace(/\/+$/, '').split('/').pop() || runDir, from: resolve(runDir), model: run.model ?? modelArg }, baseModel, config, ...sets, start });
    // Checked once the files are known, before the first is written: the work before only reads.
    const inputs = [
      ...dataPaths.map((path) => ({ path, what: 'a data file of the run' })),
      ...(source?.startAdapter ? [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE].map((name) => ({ path: join(source.startAdapter!, name), what: 'a file of the adapter the run started from' })) : []),
      ...(source?.startBalance ? [{ path: source.startBalance, what: 'the α state the run started from' }] : []),
    ];
    checkRecipeFolder(out, { names: written.map((file) => file.name), recipeConfig: RECIPE_CONFIG_FILE, inputs, force: f.force ?? false });
    for (const file of written) {
      const path = join(out, file.name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.bytes);
    }
    const drift = scheduleDrift(runDir, config);
    if (drift) console.log(`note: ${drift}`);
    const lines = launchLines(baseModel);
    const cd = `cd ${shellWord(out)} &&`;
    console.log(`wrote ${out}: ${got.train} training and ${got.eval} held-out examples, recipe.json, train.py; run it with\n  ${cd} ${lines.oneGpu}\n  ${cd} ${lines.zero3}`);
    return 0;
  },
};
export default recipe;

/**
 * Where the run's logged learning rate left the one schedule its run.json gives (a run resumed
 * with more --steps trained its first steps toward the old end), in words; undefined when every
 * step followed it. The recipe can only train the one schedule.
 */
export function scheduleDrift(runDir: string, config: RunConfig): string | undefined {
  const path = join(runDir, METRICS_FILE);
  if (!existsSync(path)) return undefined;
  const schedule = { kind: config.schedule, lr: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.steps };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    let m: { kind?: string; step?: number; lr?: number };
    try {
      m = JSON.parse(line);
    } catch {
      continue;
    }
    if (m.kind !== 'train' || typeof m.step !== 'number' || typeof m.lr !== 'number') continue;
    // Step s is the s-th optimizer step, trained at the 0-based schedule position s - 1.
    const want = learningRate(schedule, m.step - 1);
    if (Math.abs(m.lr - want) > 1e-9 * Math.max(Math.abs(want), 1e-12)) {
      return `step ${m.step} of this run trained at learning rate ${m.lr.toPrecision(4)}, where one ${config.schedule} schedule of ${config.steps} steps gives ${want.toPrecision(4)} (the run was resumed with another --steps); the recipe trains that one schedule, so its learning rates before the resume differ from the run's`;
    }
  }
  return undefined;
}
