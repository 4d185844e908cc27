// Local files the CLI commands read the same way: dataset paths as blobs (and the examples in them,
// chosen by the studio's split and quality rule) and a PEFT adapter folder, each with a one-line
// error naming the missing path.
import { accessSync, appendFileSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openAsBlob, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type { Example, SourceFormat } from '../data/example.ts';
import { DATASET_FILES_TEXT, nonDatasetFiles } from '../data/fileKinds.ts';
import { FORMAT_NAMES, isSourceFormat } from '../data/formats/registry.ts';
import { downloadHubDataset, hubDatasetPath } from '../data/hub-dataset.ts';
import { formatBytes } from '../data/record-limits.ts';
import { HubAccessError, HubError } from '../model/hub.ts';
import { datasetCacheDir, hubBaseUrl, hubTimeoutMs, hubToken } from './modelSource.ts';
import { nodeDirectoryModelCache } from '../model/model-cache-node.ts';
import { ProgressLine } from './progress.ts';
import { DEFAULT_SPLIT, sideOf, splitSettings } from '../data/split.ts';
import type { DatasetFile } from '../data/import-dataset.ts';
import type { ModelSpec } from '../model/config.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, PeftAdapterError } from '../model/peft.ts';
import { fileExamples, fingerprintedExamples, UnknownLeaveOut, type FileExamples } from '../jobs/data.ts';
import { datasetFingerprint } from '../data/fingerprint.ts';
import { lineChoicesMap, lineChoicesRecord, type InclusionChoice, type LineChoices } from '../data/inclusion.ts';
import { ADAPTER_FILES_STEP, CHECKPOINT_FILE, existingRunJson, HDR_FILES, METRICS_FILE, readPeftAdapter, RUN_JSON, type RunFolderFacts, type RunSource } from '../jobs/store/folder.ts';
import type { RunConfig } from '../train/config.ts';
import { ABLATION_FILES, ABLATION_RUNS_FOLDER } from '../jobs/ablationReport.ts';
import { CliError } from './command.ts';
import { checkUnderFolder, fileErrorWords } from './flagPaths.ts';
import { DATASET_FILE, parseDatasetJsonl } from '../snapshot/dataset-jsonl.ts';
import { plural } from '../data/plural.ts';
import { hdrStopText } from '../hdr/stopReason.ts';
import { LEARN_EVERY_CALL_TURN } from '../data/call-turns.ts';

/** A Hugging Face dataset given as --data: `hf://datasets/<owner>/<name>`. */
const HUB_DATASET = /^hf:\/\/datasets\//i;

/** What a command's dataset flags take, for its usage text: `takes` names them ("--data takes", or
 * export-gguf's "--imatrix-data and --check-data take", which has no --data). */
export function dataFilesHelp(takes: string): string {
  return `${takes} .json, .jsonl or .parquet files, gzipped (.gz) or not;
hf://datasets/<owner>/<name> downloads a Hugging Face dataset's train split, and
hf://datasets/<owner>/<name>/<path> the file (or glob: data/*.jsonl) you name (HF_TOKEN for a gated
one, HF_ENDPOINT for a mirror), into $STUDIO_DATASET_CACHE (default ~/.cache/balancesft-studio/datasets),
where the next command finds it.`;
}

/** What a command's --data takes, for its usage text. */
export const DATA_FLAG_HELP = dataFilesHelp('--data takes');

/** --format's values, as its help, its refusal and the note on a record of no format it knows name them. */
const FORMAT_VALUES = FORMAT_NAMES.join(', ');

/** The --format line of the help of every command that reads dataset files. */
export const FORMAT_HELP = `  --format <name>         force the dataset format: ${FORMAT_VALUES}`;

/** Where a CLI user chooses a format the importer does not recognise: the flag, not the page's select. */
export const CHOOSE_FORMAT = `--format ${FORMAT_NAMES.join('|')}`;

/** --format as given: one of the formats, or a refusal that lists them. */
export function formatFlag(format: string | undefined): SourceFormat | undefined {
  if (format !== undefined && !isSourceFormat(format)) throw new CliError(`unknown --format "${format}" (known: ${FORMAT_VALUES})`, 2);
  return format;
}

export function isHubDataset(path: string): boolean {
  return HUB_DATASET.test(path);
}

/** The Hub dataset repos among a run's --data (`hf://datasets/<owner>/<name>…`), for its model cards. */
export function hubDatasetsIn(data: readonly string[] | undefined): string[] {
  const repos = (data ?? []).filter(isHubDataset).flatMap((d) => {
    try {
      return [hubDatasetPath(d).repo];
    } catch {
      return []; // not a dataset id a run could have read: nothing to link
    }
  });
  return [...new Set(repos)];
}

/** The Hub dataset repos a run folder's run trained on (its run.json, or an HDR run's hdr.json);
 * none for an adapter folder that is not a run's. */
export function runFolderHubDatasets(dir: string): string[] {
  for (const facts of [RUN_JSON, HDR_FILES.summary]) {
    const path = join(dir, facts);
    if (!existsSync(path)) continue;
    try {
      const data = (JSON.parse(readFileSync(path, 'utf8')) as { data?: unknown }).data;
      return Array.isArray(data) ? hubDatasetsIn(data.filter((d): d is string => typeof d === 'string')) : [];
    } catch {
      return []; // a card's link is no reason to refuse an export
    }
  }
  return [];
}

/** The dataset files of a Hub dataset (data/hub-dataset.ts chooses them), from $HF_ENDPOINT with
 * $HF_TOKEN, as the model downloads are; kept in the dataset cache, so the next command on the same
 * dataset reads them from there (while the Hub lists the same versions of them). */
async function hubDatasetFiles(given: string, quiet: boolean, namedAsGiven: boolean): Promise<DatasetFile[]> {
  const baseUrl = hubBaseUrl();
  const token = hubToken();
  const progress = new ProgressLine(quiet);
  try {
    const cacheDir = datasetCacheDir();
    if (existsSync(cacheDir) && !statSync(cacheDir).isDirectory()) throw new CliError(`${process.env.STUDIO_DATASET_CACHE ? '$STUDIO_DATASET_CACHE' : 'the dataset download cache'} ${cacheDir} is a file; give a folder for the downloaded datasets`, 2);
    const { repo, files } = hubDatasetPath(given);
    const got = await downloadHubDataset(repo, { cache: nodeDirectoryModelCache(cacheDir), files: files ? [files] : undefined, baseUrl, token, timeoutMs: hubTimeoutMs(), onProgress: (p) => progress.update(`${given}: ${p.file} ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`) });
    progress.done();
    const from = got.revision === 'main' ? '' : ` (the Hub's Parquet conversion, ${got.revision})`;
    const split = files ? '' : got.leftOut.length ? `, the train split; left out: ${got.leftOut.join(', ')}` : '';
    const cached = !got.reused.length ? '' : got.reused.length === got.files.length ? ' (read from the download cache)' : ` (${got.reused.length} read from the download cache)`;
    if (!quiet) console.error(`${given}: ${plural(got.files.length, 'file')}${from}${cached}${split}`);
    return got.files.map((f) => ({ name: namedAsGiven ? `hf://datasets/${got.repo}/${f.name}` : f.name, blob: f.blob }));
  } catch (err) {
    progress.done();
    if (err instanceof HubAccessError && !token) throw new CliError(`--data ${err.message}; here, set HF_TOKEN to an access token that may read it`);
    if (err instanceof HubError) throw new CliError(`--data ${err.message}`);
    throw err;
  }
}

/** Dataset files as blobs, with a clear error for a missing path and for a file that is plainly
 * not a dataset (model weights, a snapshot .zip, an image), named as the page names it; an
 * `hf://datasets/<owner>/<name>` path is that Hub dataset's files. Each is named by its file name,
 * or `namedAsGiven` by its path as given (a Hub dataset's files: hf://datasets/<owner>/<name>/<file>). */
export async function datasetFiles(paths: string[], opts: { quiet?: boolean; namedAsGiven?: boolean } = {}): Promise<DatasetFile[]> {
  const local = paths.filter((p) => !HUB_DATASET.test(p));
  const files = await Promise.all(
    local.map(async (p) => {
      if (!existsSync(p)) throw new CliError(`--data ${p}: no such file`, 2);
      if (statSync(p).isDirectory()) throw new CliError(`--data ${p} is a folder; give the dataset files in it (several: --data a.jsonl,b.jsonl)`, 2);
      return { path: p, blob: await openAsBlob(p) };
    }),
  );
  // Named by the path given, as the other --data errors are.
  const found = await nonDatasetFiles(files.map((f) => new File([f.blob], f.path)));
  if (found.length) throw new CliError(`--data ${found.join('; ')}, not a dataset; give ${DATASET_FILES_TEXT}`, 2);
  const out: DatasetFile[] = [];
  for (const p of paths) {
    if (HUB_DATASET.test(p)) out.push(...(await hubDatasetFiles(p, opts.quiet ?? false, opts.namedAsGiven ?? false)));
    else out.push({ name: opts.namedAsGiven ? p : basename(p), blob: files[local.indexOf(p)].blob });
  }
  return out;
}

/** The examples of the --data files: imported, quality-checked and split with `seed` (10% held out,
 * as studio train, eval and hdr all split, unless an --adapter run held out another share:
 * `evalFraction`), with the user's --include-flagged / --leave-out choice (`inclusion`, or the one an
 * --adapter run folder recorded: `inclusionFrom` names its file), and the studio's per-line choice of
 * an --adapter snapshot or of a run that started from one (`lineChoices`, for the run's own folder
 * to record). Import problems and exclusions are printed as notes. */
export async function dataExamples(paths: string[], opts: DataExampleOptions): Promise<FileExamples & { lineChoices?: LineChoices }> {
  const files = await datasetFiles(paths);
  const folder = opts.adapter ?? opts.ownRun;
  const snapshot = opts.ignoreLineChoices ? undefined : snapshotChoices(folder, paths);
  const included = snapshot?.included;
  const includedFrom = snapshot && (snapshot.recordedIn ? `${snapshot.path} (as ${snapshot.recordedIn} records it)` : snapshot.path);
  const data = await fileExamples(files, { split: splitSettings(opts.seed, opts.evalFraction ?? DEFAULT_SPLIT.evalFraction, opts.byQuestion ?? true), format: opts.format, chooseFormat: CHOOSE_FORMAT, includeFailing: opts.includeFailing, bfclPromptMode: opts.bfclPromptMode, everyCallTurn: opts.everyCallTurn, inclusion: opts.inclusion, inclusionFrom: opts.inclusionFrom, included, includedFrom, ignoreLineChoices: opts.ignoreLineChoices }).catch((err: unknown) => {
    throw err instanceof UnknownLeaveOut ? new CliError(`--leave-out: ${err.message} from ${paths.join(', ')}`, 2) : err;
  });
  if (opts.ignoreLineChoices) return data;
  printNotes(data.problems.map((p) => p.replace(LEARN_EVERY_CALL_TURN, 'give --every-call-turn')));
  // A snapshot whose lines chose nothing has nothing to record.
  if (!snapshot?.included.size) return data;
  const chosen = data.all.filter((e) => snapshot.included.has(e.id)).length;
  if (chosen > 0) {
    const whose = snapshot.recordedIn ? `started from a studio snapshot (${snapshot.recordedIn} records its choice)` : 'is a studio snapshot';
    console.error(`note: ${opts.adapter ? `--adapter ${opts.adapter}` : folder} ${whose}: ${chosen} of the ${plural(data.all.length, 'example')} here are used or left out as the studio chose (its ${DATASET_FILE}'s "included")`);
  }
  return { ...data, lineChoices: lineChoicesRecord(snapshot.included, resolve(snapshot.path)) };
}

/** `adapter`: the --adapter folder, whose snapshot lines' choice applies (snapshotChoices);
 * `ownRun`: instead, the run folder read again (train --resume, recipe --run), whose recorded one does. */
type DataExampleOptions = { seed: number; evalFraction?: number; /** Examples asking the same question on one side (data/split.ts, the default); false: one by one, as runs from before split. */ byQuestion?: boolean; format?: SourceFormat; includeFailing?: boolean; bfclPromptMode?: boolean; everyCallTurn?: boolean; inclusion?: InclusionChoice; inclusionFrom?: string; adapter?: string; ownRun?: string; ignoreLineChoices?: boolean };

/** Why the files give another dataset fingerprint than a run recorded, where the files are not to
 * blame: the run was trained before the CLI read a line's "included" (a snapshot's dataset.jsonl),
 * when every example the check passed was used whatever its line said, and read that way the files
 * still give its examples. Undefined: they do not (edited, or other files). */
export async function readBeforeLineChoices(paths: string[], opts: DataExampleOptions, fingerprint: string): Promise<string | undefined> {
  const before = await dataExamples(paths, { ...opts, ignoreLineChoices: true });
  if ((await datasetFingerprint(fingerprintedExamples(before))) !== fingerprint) return undefined;
  return `the run was trained on them before the CLI read a line's "included" (the choice a snapshot's dataset.jsonl carries), when every example that passes the quality check was used and every flagged one left out (unless --include-failing) whatever its line said; the same files now give other examples. To use them as it did, give a copy of the files with their "included" fields removed (to train on the lines' choice instead, start a new run)`;
}

/** The studio's choice of examples in an unzipped snapshot given as --adapter: the page records it
 * per line of the snapshot's dataset.jsonl ("included"), not as run.json's inclusion (which studio
 * train --leave-out writes), so eval and hdr on the original file would otherwise score or mine
 * other examples than the page's run used; `path`, that file, names it in the notes. A run folder
 * that started from a snapshot recorded its choice (`recordedIn`: its run.json or hdr.json), and
 * that record is read, the snapshot itself may be gone. None for another folder, or when --data is
 * that file (its lines say it already). */
function snapshotChoices(adapter: string | undefined, paths: string[]): { included: ReadonlyMap<string, boolean>; path: string; recordedIn?: string } | undefined {
  if (!adapter) return undefined;
  const given = (path: string) => paths.some((p) => resolve(p) === resolve(path));
  const run = adapterRun(adapter);
  if (run.lineChoices) return given(run.lineChoices.from) ? undefined : { included: lineChoicesMap(run.lineChoices), path: run.lineChoices.from, recordedIn: run.file };
  if (!existsSync(join(adapter, RUN_JSON))) return undefined;
  const path = join(adapter, DATASET_FILE);
  if (!existsSync(path) || given(path)) return undefined;
  try {
    return { included: parseDatasetJsonl(readFileSync(path), path).inclusion, path };
  } catch (err) {
    throw new CliError(`--adapter ${adapter}: ${(err as Error).message}`, 2);
  }
}

/** What became of the imported examples, for a message that none is left to train on or mine. */
export function importedWords(counts: FileExamples['counts']): string {
  return `${counts.imported} imported, ${counts.failedQuality} failed the quality check${counts.leftOut ? `, ${counts.leftOut} left out by their lines ("included": false)` : ''}${counts.leftOutAsked ? `, ${counts.leftOutAsked} left out by --leave-out` : ''}`;
}

/** At most 20 notes on stderr, then how many more there were. */
export function printNotes(notes: string[]): void {
  for (const p of notes.slice(0, 20)) console.error(`note: ${p}`);
  if (notes.length > 20) console.error(`note: … and ${notes.length - 20} more`);
}

/** A PEFT adapter folder for this model, or undefined without --adapter. An adapter whose config
 * names another base model is loaded when its shapes fit (a renamed folder is common), with a note:
 * the shapes of two models of one family match, and the answers of the wrong one are noise. */
export async function readAdapter(spec: ModelSpec, dir: string | undefined, modelArg: string): Promise<LoraAdapter | undefined> {
  if (!dir) return undefined;
  if (!existsSync(dir)) throw new CliError(`--adapter ${dir}: no such folder`, 2);
  if (!statSync(dir).isDirectory()) throw new CliError(`--adapter ${dir} is a file; give the adapter's folder (${ADAPTER_CONFIG_FILE}, ${ADAPTER_WEIGHTS_FILE})`, 2);
  if (!existsSync(join(dir, ADAPTER_CONFIG_FILE))) {
    // A paused run keeps a checkpoint but writes its adapter only when it ends.
    const paused = existsSync(join(dir, CHECKPOINT_FILE)) ? pausedAt(dir) : undefined;
    const hdr = unfinishedHdrRounds(dir);
    const ended = hdr === undefined ? endedHdrWithoutRound(dir) : undefined;
    const hint = paused ? `; it is a training run paused at step ${paused}: ${resumeToWrite(dir, paused)}` : hdr !== undefined ? `; it is an HDR run that finished no round (${HDR_UNFINISHED}), so it has no adapter yet` : (ended ?? '');
    // A flag naming a folder with no adapter is the command line's mistake (exit 2), not a failed run.
    throw new CliError(`--adapter ${dir}: no ${ADAPTER_CONFIG_FILE}${hint}`, 2);
  }
  const base = adapterBaseModel(dir);
  const otherBase = base !== undefined && modelName(base) !== modelName(modelArg);
  const adapter = await readPeftAdapter(dir, spec).catch((err: unknown) => {
    // Its file's words name a tensor, not the folder, nor the likely cause: another model.
    if (!(err instanceof PeftAdapterError)) throw err;
    throw new CliError(`--adapter ${dir}${otherBase ? ` was trained on "${base}", not --model ${modelArg}, and does not fit it` : ''}: ${err.message}`);
  });
  const hdrRounds = unfinishedHdrRounds(dir);
  if (hdrRounds !== undefined) console.error(`note: --adapter ${dir} is an HDR run that did not end (${HDR_UNFINISHED}); its adapter is that of round ${hdrRounds}, the last it finished`);
  const trainedOn = trainedPastAdapter(dir);
  if (trainedOn) {
    console.error(`note: --adapter ${dir} is a training run ${trainedOn.words}; its adapter files hold step ${trainedOn.adapterStep}, where it finished before it was resumed, not step ${trainedOn.step}${trainedOn.hint}`);
  }
  if (otherBase) {
    console.error(`note: --adapter ${dir} was trained on "${base}", and --model is "${modelArg}"; its shapes fit, but if these are different models its answers are meaningless`);
  }
  return adapter;
}

/** The model an adapter folder's adapter_config.json names (base_model_name_or_path), if any. */
function adapterBaseModel(dir: string): string | undefined {
  try {
    const base = (JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG_FILE), 'utf8')) as { base_model_name_or_path?: unknown }).base_model_name_or_path;
    return typeof base === 'string' && base ? base : undefined;
  } catch {
    // Not JSON: the adapter's reader says so, in its words.
    return undefined;
  }
}

/** What the run that wrote an --adapter folder recorded (nothing for a bare PEFT folder): its
 * training settings (a training run's run.json, an HDR run's hdr.json: `file`) and the seed of the split that
 * held examples out of its training. The studio retrains and scores a run it picks with those, so
 * the CLI does too. A snapshot also records the share its dataset held out (`evalFraction`); the
 * CLI's own folders record one only where it was not the default, and the examples the run chose
 * (`inclusion`: --include-flagged, --leave-out) where it chose any, and whether it used the examples
 * the quality check flags (`includeFailing`: --include-failing), and the studio's per-line choice of
 * the snapshot it started from (`lineChoices`), where it had one. */
export function adapterRun(dir: string | undefined): { config?: RunConfig; splitSeed?: number; evalFraction?: number; byQuestion?: boolean; inclusion?: InclusionChoice; includeFailing?: true; everyCallTurn?: true; lineChoices?: LineChoices; file?: string } {
  if (!dir) return {};
  for (const file of [RUN_JSON, HDR_FILES.summary]) {
    const run = existingRunJson(join(dir, file)) as { config?: RunConfig; source?: RunSource; splitSeed?: number; evalFraction?: number; splitBy?: string; inclusion?: InclusionChoice; includeFailing?: boolean; lineChoices?: LineChoices; dataset?: { split?: { seed?: number; evalFraction?: number; by?: string } } };
    const lineChoices = run.source?.lineChoices ?? run.lineChoices;
    // A studio snapshot unzipped keeps its dataset's split in run.json's dataset (1234 for the
    // studio's imports); folders written before the split seed was recorded split with the run's seed.
    if (run.config) return { config: run.config, splitSeed: run.source?.splitSeed ?? run.splitSeed ?? run.dataset?.split?.seed ?? run.config.seed, evalFraction: run.source?.evalFraction ?? run.evalFraction ?? run.dataset?.split?.evalFraction, byQuestion: (run.source?.splitBy ?? run.splitBy ?? run.dataset?.split?.by) === 'question', ...((run.source?.inclusion ?? run.inclusion) && { inclusion: run.source?.inclusion ?? run.inclusion }), ...((run.source?.includeFailing ?? run.includeFailing) === true && { includeFailing: true as const }), ...(run.source?.everyCallTurn === true && { everyCallTurn: true as const }), ...(typeof lineChoices?.from === 'string' && { lineChoices }), file: join(dir, file) };
  }
  return {};
}

/** The share of examples to hold out: an --adapter run's own, kept as its split seed is (held out
 * otherwise, its held-out examples would be trained on, mined or left unscored), and said when it
 * is not the CLI's default. */
export function adapterEvalFraction(dir: string | undefined): number {
  const own = adapterRun(dir).evalFraction;
  if (own === undefined || own === DEFAULT_SPLIT.evalFraction) return DEFAULT_SPLIT.evalFraction;
  const pct = (x: number) => `${+(100 * x).toFixed(1)}%`;
  console.error(`note: --adapter ${dir}'s run held out ${pct(own)} of its examples, so this holds out ${pct(own)} too, not the usual ${pct(DEFAULT_SPLIT.evalFraction)}`);
  return own;
}

/** Whether to split by question (data/split.ts): as the run of an --adapter folder split, where it
 * records a run (one written before splits went by question split example by example, said), else
 * by question. */
export function adapterSplitsByQuestion(dir: string | undefined): boolean {
  const { config, byQuestion } = adapterRun(dir);
  if (config === undefined || byQuestion) return true;
  console.error(`note: --adapter ${dir}'s run split its examples one by one (it was written before splits kept the examples asking the same question on one side), so this splits them so too`);
  return false;
}

/** The split's kind as a run folder records it (RunSource's `splitBy`). */
export const recordedSplitBy = (byQuestion: boolean): { splitBy?: 'question' } => (byQuestion ? { splitBy: 'question' } : {});

/** The held-out share as a run folder records it: only where it is not the usual one, so folders
 * split the usual way read as they always did. */
export function recordedEvalFraction(evalFraction: number): { evalFraction?: number } {
  return evalFraction === DEFAULT_SPLIT.evalFraction ? {} : { evalFraction };
}

/** A --split-seed other than the one an --adapter run folder trained with holds out other examples:
 * most of those `held` out here are ones the adapter trained on, and scored they flatter it. Said,
 * not refused: a user may mean it (the README once showed `eval ... --split-seed 1234` after a run
 * that split with seed 42, and did it unawares). */
export function noteAdapterTrainedOn(adapterDir: string | undefined, splitSeed: number, held: Example[]): void {
  const { splitSeed: runSeed, evalFraction, byQuestion } = adapterRun(adapterDir);
  if (runSeed === undefined || runSeed === splitSeed) return;
  const seen = held.filter((e) => sideOf(e, splitSettings(runSeed, evalFraction ?? DEFAULT_SPLIT.evalFraction, byQuestion ?? false)) === 'train').length;
  if (seen === 0) return;
  console.error(
    `note: --adapter ${adapterDir} was trained with split seed ${runSeed}, and --split-seed ${splitSeed} holds out other examples: ${seen} of the ${held.length} held out here are ones it trained on, so its held-out scores are flattered; leave out --split-seed to hold out what it held out`,
  );
}

/** What a continued run started from, as one SHA-256 (hex) of its adapter's config and weights and
 * its α state file: `studio recipe` ships those files as they are when it runs, and a folder
 * retrained or overwritten since would start the recipe from other weights than the run's. */
export function startFilesDigest(adapterDir: string | undefined, balancePath: string | undefined): string {
  const hash = createHash('sha256');
  const adapterFiles = adapterDir ? [join(adapterDir, ADAPTER_CONFIG_FILE), join(adapterDir, ADAPTER_WEIGHTS_FILE)] : [];
  for (const path of [...adapterFiles, ...(balancePath ? [balancePath] : [])]) {
    const bytes = readFileSync(path);
    // Each file's length first: the same bytes cut differently between files are another start.
    hash.update(`${bytes.length}:`).update(bytes);
  }
  return hash.digest('hex');
}

/** A model's name without its folder, hub owner or `embedded:` prefix, for comparing references. */
function modelName(ref: string): string {
  return ref.replace(/[\\/]+$/, '').split(/[\\/:]/).at(-1)!.toLowerCase();
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}

/** Before any work: an output file that can be written and is none of the inputs (writing it would
 * destroy them), in a folder that exists. With `keep`, a file already there (an earlier evaluation's
 * answers, an export) is replaced only with --force (`keep.force`); `keep.or` names the flags that
 * use it instead (eval's --resume, which goes on from it). */
export function checkOutputFile(path: string, flag: string, inputs: Array<{ path: string; flag: string }>, keep?: { force: boolean; or?: string[] }): void {
  for (const input of inputs) {
    if (samePath(path, input.path)) throw new CliError(`--${flag} ${path} is also the ${input.flag} file; writing it would destroy it: choose another --${flag}`, 2);
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new CliError(`--${flag} ${path} is a folder; give a file path`, 2);
  checkUnderFolder(path, flag);
  const dir = dirname(resolve(path));
  if (!existsSync(dir)) throw new CliError(`--${flag} ${path}: the folder ${dir} does not exist`, 2);
  if (keep && !keep.force && existsSync(path)) throw new CliError(`--${flag} ${path} exists; pass ${[...(keep.or ?? []), '--force to replace it'].join(', or ')}`, 2);
}

/** What marks a folder as a run's (a studio train, hdr or ablate --out, an unzipped snapshot, a bare
 * PEFT adapter), in words, with the file that says so; undefined for any other folder. */
export function runHeldIn(dir: string): { what: string; file: string } | undefined {
  const marks: Array<[string, string]> = [
    [ABLATION_FILES.json, 'an ablation'],
    [RUN_JSON, 'a run'],
    [HDR_FILES.summary, 'an HDR run'],
    [HDR_FILES.rounds, 'an HDR run'],
    [ADAPTER_CONFIG_FILE, 'an adapter'],
    [ADAPTER_WEIGHTS_FILE, 'an adapter'],
  ];
  const found = marks.find(([file]) => existsSync(join(dir, file)));
  return found && { what: found[1], file: found[0] };
}

/** --out held for one export, from its first look at the folder to its check report: `earlier` are
 * the files of an earlier export there (for `replaceExport`), `made` the first folder made on the
 * way to --out, if any; `release` lets --out go (and takes `made` away again if nothing was written). */
export interface ExportFolder {
  out: string;
  earlier: string[];
  made: string | undefined;
  release(): void;
}

/** Before any work: the folder an export (ONNX, merged) goes to. Never a model or adapter folder it
 * reads (it would write its config.json over the model's), nor any run's folder, never one that holds an earlier export
 * or files the export writes (another model's config.json, tokenizer) unless `force`, one this
 * user can write, and one no other export is writing into: its lock is taken before the folder is
 * looked at, so two exports never both find it empty. Deletes nothing: returns the `files` and
 * `sideFiles` found there, for `replaceExport` once the new export is ready to write. */
export function checkExportFolder(out: string, opts: { model: string; adapter?: string; force: boolean; files: string[]; sideFiles: string[] }): ExportFolder {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new CliError(`--out ${out} is a file; give a folder for the export`, 2);
  checkUnderFolder(out, 'out');
  for (const [flag, path] of [['--model', opts.model], ['--adapter', opts.adapter]] as const) {
    if (path !== undefined && existsSync(path) && samePath(out, path)) throw new CliError(`--out ${out} is the ${flag} folder; the export would write over it: choose another --out`, 2);
  }
  // Not even with --force: the run's files would stay beside the export's, and a loader that finds
  // an adapter_config.json there applies that adapter over the merged weights.
  const run = existsSync(out) ? runHeldIn(out) : undefined;
  if (run) throw new CliError(`--out ${out} holds ${run.what} (${run.file}); an export there would mix its files with the run's: choose another folder`, 2);
  let parent = resolve(out);
  while (!existsSync(parent)) parent = dirname(parent);
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw new CliError(`--out ${out}: ${parent} cannot be written here`, 2);
  }
  const lock = lockExportFolder(out);
  try {
    const earlier = presentIn(out, opts.files);
    const overwritten = presentIn(out, opts.sideFiles);
    if (!opts.force) refuseEarlierFiles(out, ['an export', 'the export'], earlier, overwritten, ", perhaps another model's");
    // All of them go: a tokenizer file the new export does not write (merges.txt) would be read with it.
    return { out, earlier: [...earlier, ...overwritten], ...lock };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Those of `names` (relative to `folder`) that are there. */
function presentIn(folder: string, names: string[]): string[] {
  return names.filter((name) => existsSync(join(folder, name)));
}

/** Refuses an --out folder where `what` (an export, a recipe) would replace an earlier one (`earlier`:
 * its files there) or other files of its names (`overwritten`), until the user passes --force. */
function refuseEarlierFiles(out: string, [a, the]: [string, string], earlier: string[], overwritten: string[], whose = ''): void {
  if (earlier.length) throw new CliError(`--out ${out} already holds ${a} (${earlier.join(', ')}); choose another folder, or pass --force to replace it`, 2);
  if (overwritten.length) throw new CliError(`--out ${out} holds files ${the} would write over (${overwritten.join(', ')})${whose}; choose another folder, or pass --force to replace them`, 2);
}

/** Before a recipe is written (`names`: its files, relative to --out): never over a file the run
 * reads (`inputs`: its data files, the adapter and α state it started from), --force or not: a
 * project folder's data/train.jsonl is as likely the user's dataset as an earlier recipe's. Never
 * over an earlier recipe (`recipeConfig`, its recipe.json) or another file of those names, but with `force`. */
export function checkRecipeFolder(out: string, opts: { names: string[]; recipeConfig: string; inputs: Array<{ path: string; what: string }>; force: boolean }): void {
  for (const name of opts.names) {
    const input = opts.inputs.find(({ path }) => samePath(join(out, name), path));
    if (input) throw new CliError(`--out ${out} would write ${name} over ${input.path}, ${input.what}; choose another --out`, 2);
  }
  if (opts.force) return;
  refuseEarlierFiles(out, ['a recipe', 'the recipe'], presentIn(out, [opts.recipeConfig]), presentIn(out, opts.names));
}

/** The file an export keeps in --out while it writes and checks the export there. */
export const EXPORT_LOCK_FILE = '.export.lock';

/** Who holds an export lock, as its file says. */
interface ExportLockOwner {
  pid: number;
  host: string;
  started: string;
}

/** --out (made if missing) held by this process until `release`: a second export into it is
 * refused in words, since its clean-up of staging folders would delete this one's mid-write and its
 * files would land among this one's (an fp16 config.json beside an fp32 model). The lock of an
 * export whose process ended without letting go (killed mid-export) is taken over. */
function lockExportFolder(out: string): { made: string | undefined; release(): void } {
  const made = mkdirSync(out, { recursive: true });
  const path = join(out, EXPORT_LOCK_FILE);
  const owner: ExportLockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  // The folders made for the lock go again when nothing else was written there.
  const unmake = (): void => {
    if (made && readdirSync(out).length === 0) rmSync(made, { recursive: true, force: true });
  };
  const release = (): void => {
    rmSync(path, { force: true });
    unmake();
  };
  /** Makes the lock; false where one is there already. */
  const create = (): boolean => {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      unmake();
      throw new CliError(`--out ${out}: ${path} could not be written (${fileErrorWords(err)})`, 2);
    }
    try {
      writeFileSync(fd, JSON.stringify(owner) + '\n');
    } catch (err) {
      // Left empty (a full disk), it would name no process, so no later export could take it over.
      rmSync(path, { force: true });
      unmake();
      throw new CliError(`--out ${out}: ${path} could not be written (${fileErrorWords(err)})`, 2);
    } finally {
      closeSync(fd);
    }
    return true;
  };
  const refuse = (who: string, files = path): never => {
    throw new CliError(`--out ${out} is being ${who}; wait for it to end, or choose another folder (if no export is running there, delete ${files})`, 2);
  };
  // Twice at most: a stale lock is taken over at the second try, unless another export took it first.
  for (let attempt = 0; ; attempt++) {
    if (create()) return { made, release };
    const holder = lockHolder(path, owner.host);
    if (holder === 'gone' && attempt === 0) continue;
    if (holder === 'ended' && attempt === 0) {
      const took = underTakeover(path, () => {
        // Judged again while no other export can take it over: one that did so first has made its
        // own lock by now, and removing that would leave two exports writing here.
        if (lockHolder(path, owner.host) === 'ended') rmSync(path, { force: true });
        return create();
      });
      if (took === 'busy') refuse('taken over by another export', `${path} and ${path}${TAKEOVER_SUFFIX}`);
      if (took) return { made, release };
      continue;
    }
    refuse(typeof holder === 'string' ? 'written by another export' : `written by another studio export-onnx (process ${holder.pid}${holder.host === owner.host ? '' : ` on ${holder.host}`}, started ${holder.started})`);
  }
}

/** Beside a lock while an export takes it over from one that ended. */
const TAKEOVER_SUFFIX = '.takeover';

/** `take` run while this process alone may take over the lock at `path`: the takeover file is made
 * exclusively (O_EXCL), so two exports that found the same ended lock cannot both remove it and each
 * make their own. 'busy': another export held it for a second (or one killed while holding it left it). */
function underTakeover(path: string, take: () => boolean): boolean | 'busy' {
  const takeover = path + TAKEOVER_SUFFIX;
  // Another export's takeover lasts microseconds: wait for it.
  const made = retryForASecond(() => {
    try {
      closeSync(openSync(takeover, 'wx'));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return undefined;
    }
  });
  if (!made) return 'busy';
  try {
    return take();
  } finally {
    rmSync(takeover, { force: true });
  }
}

/** Who holds an export lock: its owner while its process runs (or runs on another machine, where
 * this one cannot tell), 'ended' once it has, 'gone' where its file is no longer there, 'unknown'
 * where its file names no process. */
function lockHolder(path: string, host: string): ExportLockOwner | 'ended' | 'gone' | 'unknown' {
  // An export that has just made its lock writes it a moment later: read again.
  const holder = retryForASecond((): ExportLockOwner | 'gone' | undefined => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as ExportLockOwner;
    } catch (err) {
      // Gone as it was read: the export that held it ended.
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : undefined;
    }
  });
  if (holder === 'gone') return 'gone';
  if (!holder || !Number.isInteger(holder.pid)) return 'unknown';
  if (holder.host !== host) return holder;
  try {
    process.kill(holder.pid, 0);
    return holder;
  } catch (err) {
    // EPERM: a process of another user runs under that id.
    return (err as NodeJS.ErrnoException).code === 'ESRCH' ? 'ended' : holder;
  }
}

/** `attempt` again every 50 ms until it gives an answer, for up to a second; undefined if it never
 * did. It blocks: what the export lock waits for (another export writing its lock, or taking one
 * over) lasts microseconds, and the CLI has nothing else to do meanwhile. */
function retryForASecond<T>(attempt: () => T | undefined): T | undefined {
  for (let tries = 0; tries <= 20; tries++) {
    if (tries > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    const answer = attempt();
    if (answer !== undefined) return answer;
  }
  return undefined;
}

const STAGING_PREFIX = '.export-';
/** A staging folder's name as mkdtempSync makes it (the prefix and six characters): --out may be the
 * user's own folder, and their hidden files that only start alike are theirs. */
const STAGING_NAME = /^\.export-[A-Za-z0-9]{6}$/;

/** An export's files written into `out` in place of the `earlier` one's. Written first into a
 * folder inside `out`, so a write that fails (a full disk) leaves the earlier export whole and
 * nothing of the new one; only then do the earlier files go, none left stale beside the new ones (an
 * fp16 model next to a new fp32 one), and the new ones move in, which takes no space. */
export async function replaceExport(folder: ExportFolder, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  await replaceExportStreamed(folder, async (write) => {
    for (const [path, bytes] of files) write(path, bytes);
  });
}

/** A write into the staging folder that failed (a full disk), told apart from the export's own errors. */
class StagingWriteError extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error).message);
  }
}

/** replaceExport for an export made as it is written (`produce` calls `write` with each file's bytes
 * in order, a file's chunks one after another): no more of it is in memory than the chunk at hand.
 * An error `produce` throws (a Ctrl-C's abort) leaves --out as it was, as a failed write does. */
export async function replaceExportStreamed<T>({ out, earlier, made }: ExportFolder, produce: (write: (path: string, chunk: Uint8Array) => void) => Promise<T>): Promise<T> {
  // What an export killed mid-write (Ctrl-C) left: hidden, never an export, and as large as one. No
  // other export is writing one now: this one holds --out's lock.
  for (const entry of readdirSync(out, { withFileTypes: true })) if (entry.isDirectory() && STAGING_NAME.test(entry.name)) rmSync(join(out, entry.name), { recursive: true, force: true });
  const staging = mkdtempSync(join(out, STAGING_PREFIX));
  const started = new Set<string>();
  try {
    let result: T;
    try {
      result = await produce((path, chunk) => {
        try {
          if (started.has(path)) appendFileSync(join(staging, path), chunk);
          else {
            mkdirSync(dirname(join(staging, path)), { recursive: true });
            writeFileSync(join(staging, path), chunk);
            started.add(path);
          }
        } catch (err) {
          throw new StagingWriteError(err);
        }
      });
    } catch (err) {
      if (!(err instanceof StagingWriteError)) throw err;
      // The error names a file in the hidden staging folder, gone by the time it is read; say what
      // became of --out instead.
      // (A folder made for --out goes when its lock is released.)
      const kept = earlier.length ? `the earlier export there (${earlier.join(', ')}) is kept as it was` : made ? `${out} was not created` : 'nothing of it was left there';
      throw new CliError(`--out ${out}: the export could not be written (${fileErrorWords(err.cause)}); ${kept}`);
    }
    for (const name of earlier) rmSync(join(out, name), { recursive: true, force: true });
    for (const name of readdirSync(staging)) renameSync(join(staging, name), join(out, name));
    return result;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** A run folder's status and step as its run.json says, or undefined where none can be read. */
function runState(dir: string): { status?: string; lastStep?: number; config?: { keepBest?: boolean }; [ADAPTER_FILES_STEP]?: number } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, RUN_JSON), 'utf8')) as { status?: string; lastStep?: number; config?: { keepBest?: boolean }; [ADAPTER_FILES_STEP]?: number };
  } catch {
    return undefined;
  }
}

const HDR_UNFINISHED = 'its hdr.json says it was still running: cut off, or still at work';

/** The rounds an HDR run folder finished, where its hdr.json says the run has not ended (a process
 * killed mid-run leaves it so); undefined for a run that ended and for any other folder. */
function unfinishedHdrRounds(dir: string): number | undefined {
  const hdr = existingRunJson(join(dir, HDR_FILES.summary));
  return hdr.status === 'running' && typeof hdr.rounds === 'number' ? hdr.rounds : undefined;
}

/** Why an HDR run folder that ended before its first round finished has no adapter, and what it
 * started from (its own last line said so; --adapter named only the missing file), or undefined. */
function endedHdrWithoutRound(dir: string): string | undefined {
  const hdr = existingRunJson(join(dir, HDR_FILES.summary));
  if (hdr.status === 'running' || hdr.rounds !== 0) return undefined;
  const from = typeof hdr.adapter === 'string' ? `give the one it started from, ${hdr.adapter}` : 'it started from a fresh LoRA';
  return `; it is an HDR run that ended (${hdrStopText(typeof hdr.stopReason === 'string' ? hdr.stopReason : undefined)}) before it finished a round, so it has no adapter: ${from}`;
}

/** The step a paused training run reached, or undefined for any other folder. */
function pausedAt(dir: string): number | undefined {
  const run = runState(dir);
  return run?.status === 'paused' && typeof run.lastStep === 'number' && run.lastStep > 0 ? run.lastStep : undefined;
}

/** How a run folder's adapter files come to hold the step its checkpoint holds. */
function resumeToWrite(dir: string, step: number): string {
  return `resume it (studio train … --out ${dir} --resume --steps ${step} writes its adapter as it is now)`;
}

/** A run folder whose run.json says it trained past its adapter files: they are written only when a
 * run finishes, so one resumed since (still training, paused or failed) holds its earlier end's. */
function trainedPastAdapter(dir: string): { words: string; step: number; adapterStep: number; hint: string } | undefined {
  const run = runState(dir);
  const step = run?.lastStep;
  const adapterStep = run?.[ADAPTER_FILES_STEP];
  if (typeof step !== 'number' || typeof adapterStep !== 'number' || !(step > adapterStep)) return undefined;
  // A run that kept its best step ended with that step's adapter files: they are its own.
  if (run?.status === 'done' && run.config?.keepBest) return undefined;
  const resume = existsSync(join(dir, CHECKPOINT_FILE)) ? `: ${resumeToWrite(dir, step)}` : '';
  // run.json's step while it trains is that of its newest checkpoint.
  if (run?.status === 'running') return { words: `still training (checkpointed at step ${step}), or cut off while it trained`, step, adapterStep, hint: '' };
  // A stopped run ends 'done' without writing its adapter.
  const ended = run?.status === 'paused' ? 'paused' : run?.status === 'failed' ? 'that failed' : 'stopped';
  return { words: `${ended} at step ${step}`, step, adapterStep, hint: resume };
}

/** Where `--adapter`'s α comes from when its folder trained past its adapter files, in words
 * (undefined otherwise): the files' own step, kept with them (`kept`), or α₀ where the folder kept
 * none of that step (written before training runs kept balance.json beside their adapter). */
export function adapterBalanceNote(dir: string, kept: boolean): string | undefined {
  const past = trainedPastAdapter(dir);
  if (!past) return undefined;
  if (kept) return `α continues from step ${past.adapterStep}, that of ${dir}'s adapter files (its checkpoint holds step ${past.step}'s)`;
  return `α starts at α₀: ${dir} kept no α of step ${past.adapterStep}, that of its adapter files (its checkpoint holds step ${past.step}'s)${past.hint}`;
}

/** A training run that ended before its first step (Ctrl-C while it read its data, or a failure such
 * as no example fitting the sequence length) holds its settings and nothing else: training into it
 * again loses nothing, and --resume has no checkpoint to go on from. */
export function pausedUntrained(out: string): boolean {
  if (existsSync(join(out, CHECKPOINT_FILE)) || existsSync(join(out, METRICS_FILE))) return false;
  const run = runState(out);
  return (run?.status === 'paused' || run?.status === 'failed') && !run.lastStep;
}

/** A --model argument as it reads from any folder: a local folder's absolute path (a recipe's
 * train.py and Python PEFT loading a run's adapter run elsewhere), a hub repo id as it is. */
export function modelFromAnywhere(arg: string): string {
  return existsSync(arg) ? resolve(arg) : arg;
}

/** run.json's facts for a training run of this model and these data files: as given, with their
 * counts, and (`source`) where they are, absolute, with the import options, so `studio recipe` can
 * read the run's examples again. */
export function runFolderFacts(modelArg: string, dataFiles: string[], counts: Record<string, number>, opts: Omit<RunSource, 'model' | 'data'>): RunFolderFacts {
  const source: RunSource = { model: modelFromAnywhere(modelArg), data: dataFiles.map((p) => (isHubDataset(p) ? p : resolve(p))), ...opts };
  return { model: modelArg, data: dataFiles.map((p) => (isHubDataset(p) ? p : basename(p))), counts, source };
}

/** Before any work: a run folder to write into. A run already there is continued only with
 * --resume (training into it would truncate its metrics), an HDR run's folder is never written
 * into, and never the folder a run starts from. */
export function checkRunFolder(out: string, opts: { resume?: boolean; adapter?: string }): void {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new CliError(`--out ${out} is a file; give a folder for the run`, 2);
  checkUnderFolder(out, 'out');
  if (opts.adapter !== undefined && samePath(out, opts.adapter)) throw new CliError(`--out ${out} is the --adapter folder; the run would overwrite the adapter it starts from: choose another --out`, 2);
  // An ablation keeps a run.json of its own (no training config, no checkpoint) beside its report:
  // neither a run to continue nor one to train over.
  if (existsSync(join(out, ABLATION_FILES.json))) {
    throw new CliError(`--out ${out} holds an ablation (${ABLATION_FILES.json}), not a run; choose another folder (its arms' run folders are in ${join(out, ABLATION_RUNS_FOLDER)})`, 2);
  }
  if (!opts.resume && existsSync(join(out, RUN_JSON)) && !(opts.resume === false && pausedUntrained(out))) {
    throw new CliError(`--out ${out} already holds a run (run.json)${opts.resume === false ? '; continue it with --resume, or choose another folder' : '; choose another folder'}`, 2);
  }
  // An HDR run writes no run.json; a new run there would empty its rounds and replace its adapter.
  const hdr = [HDR_FILES.summary, HDR_FILES.rounds].find((name) => existsSync(join(out, name)));
  if (hdr) throw new CliError(`--out ${out} already holds an HDR run (${hdr}); choose another folder`, 2);
}
