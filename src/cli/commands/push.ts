// `studio push`: a run's adapter, an exported model folder or one file, pushed to a Hugging Face model
// repo as one commit (export/hubPush.ts). A studio run folder pushes its PEFT adapter with a model
// card and nothing else of the run (its checkpoint, metrics and data stay here); any other folder
// pushes every file in it. `--data` pushes dataset files to a dataset repo instead, read as studio
// train reads them and written as the Dataset panel's push writes them (export/hubDataset.ts).
// Owns reading what is pushed, the card of a run, and printing.
import { createHash } from 'node:crypto';
import { existsSync, openAsBlob, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { parseFlags, requireFlag } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { ProgressLine } from '../progress.ts';
import { stoppableExport } from '../interrupt.ts';
import { hubBaseUrl, hubToken } from '../modelSource.ts';
import { formatBytes } from '../../data/record-limits.ts';
import { plural } from '../../data/plural.ts';
import { adapterModelCard, ggufModelCard } from '../../export/hubCards.ts';
import { readGgufHeader } from '../../export/ggufReadBack.ts';
import { isSourceKey, readGgufSources } from '../../export/ggufSources.ts';
import { nodeFileSource } from '../../model/byte-source-node.ts';
import { releaseAfter } from '../../model/releaseAfter.ts';
import { hubRepoId } from '../../export/mergedExport.ts';
import type { Sha256Hasher } from '../../export/sha256.ts';
import { HubPushError, pushToHub, repoIdProblem, type HubPushFile, type HubPushProgress } from '../../export/hubPush.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../model/peft.ts';
import { HubDatasetWriter } from '../../export/hubDataset.ts';
import { readmeOutcomeText } from '../../export/hubReadme.ts';
import { fileExamples } from '../../jobs/data.ts';
import { DEFAULT_SPLIT } from '../../data/split.ts';
import { datasetFiles, hubDatasetsIn, printNotes } from '../localFiles.ts';
import { ADAPTER_FILES_STEP, HDR_FILES, RUN_JSON } from '../../jobs/store/folder.ts';
import { pushedEvaluation, withoutBeside } from '../pushEvaluation.ts';
import type { RunConfig } from '../../train/config.ts';

const usage = `usage: studio push <folder|file> --repo <owner/name> [options]
       studio push --data <files> --repo <owner/name> [--all] [options]

Pushes to a Hugging Face repo (a model repo; a dataset repo for --data) as one commit, creating it
when it is not there:
  a studio run folder (studio train, hdr)   its PEFT adapter (adapter_config.json,
                                            adapter_model.safetensors) and a README model card;
                                            its checkpoint, metrics and data stay here
  any other folder (studio export-merged,   every file in it and its subfolders (hidden ones
  export-onnx)                              left out)
  a GGUF file (studio export-gguf)          that file with a model card, named <name>-<TYPE>.gguf
                                            unless its name has the type, so that
                                            ollama run hf.co/<repo>:<TYPE> finds it; the card
                                            names the base model and links the datasets the
                                            file records (studio export-gguf records them)
  any other file                            that file
  dataset files, given as --data <files>    a dataset repo: the examples of the dataset files
                                            (any format studio train reads; hf://datasets/… too)
                                            as data/train.jsonl in OpenAI's messages form, and a
                                            dataset card; those studio train would leave out (the
                                            quality check, a line's "included": false) stay here
Weights go up through Git LFS; a file the repo has already is not sent again.

options:
  --repo <owner/name>   the repo (a name alone: one of the token's own user)
  --all                 with --data: every example, those studio train would leave out too
  --private             a repo this push creates is private (one that is there keeps its visibility)
  --eval <preds.jsonl>  the card states this evaluation: the --out of studio eval --adapter <the run
                        folder>, or of studio eval --gguf <the file> (its settings file must say so,
                        and the weights must not have changed since)
  --beside <preds.jsonl>
                        with --eval: set beside it, answer by answer, the base model's evaluation
                        (for a run's adapter) or the run's adapter's (for a GGUF file), of the same
                        examples and answer length
  --message <text>      the commit's title (default: "Upload <what> with BalanceSFT Studio")
  --hub-base <url>      Hugging Face endpoint (default: $HF_ENDPOINT, else huggingface.co)
  --json                print the result as one JSON object
  --quiet               no progress line
The access token comes from $HF_TOKEN and must be allowed to write (huggingface.co/settings/tokens).`;

const flagsSpec = { repo: 'string', data: 'strings', all: 'boolean', private: 'boolean', message: 'string', eval: 'string', beside: 'string', 'hub-base': 'string', json: 'boolean', quiet: 'boolean' } as const;

interface Pushed {
  /** A run's card names the repo by its full id, known once the token is checked. */
  files: HubPushFile[] | ((repo: string, existing: () => Promise<string[]>) => Promise<HubPushFile[]>);
  /** For the default commit title. */
  what: string;
  repoType?: 'dataset';
  /** Whether a model card is written with the files (one that can state an evaluation). */
  card?: true;
}

const command: CliCommand = {
  summary: 'push a run’s adapter, an exported model folder or a file to a Hugging Face model repo, or dataset files to a dataset repo',
  usage,
  async run(argv) {
    const f = parseFlags(argv, flagsSpec, { positionals: true });
    if (f.data && f._.length) throw new CliError(`push takes dataset files as --data, or one folder or file, not both (got ${f._.join(', ')} beside --data)`, 2);
    if (f.all && !f.data) throw new CliError('--all is for --data (every example of the dataset files)', 2);
    if (f.data && (f.eval ?? f.beside) !== undefined) throw new CliError(`${f.eval !== undefined ? '--eval' : '--beside'} is for a run folder's adapter or a GGUF file, whose card states it; a dataset card has no evaluation`, 2);
    if (!f.data && f._.length !== 1) throw new CliError(f._.length ? `push takes one folder or file, got ${f._.length}: ${f._.join(', ')}` : 'push needs the folder or file to push (or dataset files as --data)', 2);
    const repo = requireFlag(f.repo, 'repo');
    const problem = repoIdProblem(repo);
    if (problem) throw new CliError(`--repo ${problem}`, 2);
    const token = hubToken();
    if (!token) throw new CliError('set HF_TOKEN to a Hugging Face access token that may write (huggingface.co/settings/tokens)', 2);
    const baseUrl = hubBaseUrl(f['hub-base']);
    const pushed = f.data ? await datasetPush(f.data, f.all ?? false, f.quiet ?? false) : await pathFiles(f._[0], { eval: f.eval, beside: f.beside });
    const progress = new ProgressLine(f.quiet ?? false);
    const stop = new AbortController();
    return stoppableExport(progress, stop, 'stopping the push', () => `interrupted: nothing was committed to ${repo}`, async () => {
      try {
        const out = await pushToHub({
          repo,
          ...(pushed.repoType ? { repoType: pushed.repoType } : {}),
          token,
          files: pushed.files,
          message: f.message ?? `Upload ${pushed.what} with BalanceSFT Studio`,
          private: f.private ?? false,
          baseUrl,
          signal: stop.signal,
          hasher: nodeSha256,
          onProgress: (p) => progress.update(progressText(p), p.phase !== 'hashing' && p.phase !== 'uploading'),
        });
        progress.done();
        if (f.json) {
          console.log(JSON.stringify(out));
          return 0;
        }
        const sent = out.files.filter((x) => x.sent);
        const total = out.files.reduce((n, x) => n + x.bytes, 0);
        console.log(`pushed ${plural(out.files.length, 'file')} (${formatBytes(total)}) to ${out.repo}${out.created ? ` (created${f.private ? ', private' : ''})` : ''}: ${out.commitUrl}`);
        if (sent.length < out.files.length) console.log(`  ${plural(out.files.length - sent.length, 'file')} the repo had already, not sent again: ${out.files.filter((x) => !x.sent).map((x) => x.path).join(', ')}`);
        for (const x of out.files) console.log(`  ${x.path}  ${formatBytes(x.bytes)}${x.lfs ? ' (LFS)' : ''}`);
        const readme = readmeOutcomeText(out.readme);
        if (readme) console.log(readme);
        return 0;
      } catch (err) {
        if (err instanceof HubPushError) throw new CliError(`could not push to ${repo}: ${err.message}`);
        throw err;
      }
    });
  },
};

/** node:crypto's SHA-256: a 3 GB folder hashed in seconds, not half a minute. */
function nodeSha256(): Sha256Hasher {
  const hash = createHash('sha256');
  return { update: (bytes) => hash.update(bytes), hex: () => hash.digest('hex') };
}

function progressText(p: HubPushProgress): string {
  const share = p.bytesTotal ? ` ${Math.floor((p.bytesDone / p.bytesTotal) * 100)}%` : '';
  if (p.phase === 'checking') return 'checking the token and the repo…';
  if (p.phase === 'hashing') return `hashing ${p.file}${share}`;
  if (p.phase === 'uploading') return `uploading${p.file ? ` ${p.file}` : ''}${share} of ${formatBytes(p.bytesTotal)}`;
  return 'committing…';
}

/** --eval and --beside as given. */
type EvalPaths = { eval?: string; beside?: string };

async function pathFiles(given: string, evalPaths: EvalPaths): Promise<Pushed> {
  const path = resolve(given);
  if (!existsSync(path)) throw new CliError(`${given} is not there`, 2);
  const pushed = statSync(path).isDirectory() ? await folderFiles(path, evalPaths) : path.toLowerCase().endsWith('.gguf') ? await ggufFiles(path, evalPaths) : await asItIs(path);
  if ((evalPaths.eval ?? evalPaths.beside) !== undefined && !pushed.card) throw new CliError(`--eval is for a run folder's adapter or a GGUF file the studio can read, whose card states it; ${given} goes as it is, with no card`, 2);
  return pushed;
}

/** Dataset files' examples as a dataset repo's files: those studio train uses (its quality check and
 * the lines' "included"), or `all`. */
async function datasetPush(paths: string[], all: boolean, quiet: boolean): Promise<Pushed> {
  const files = await datasetFiles(paths, { quiet });
  const data = await fileExamples(files, { split: DEFAULT_SPLIT });
  if (!quiet) printNotes(data.problems);
  const used = new Set([...data.train, ...data.eval, ...(data.heldOutSamples ?? [])].map((e) => e.id));
  const kept = all ? data.all : data.all.filter((e) => used.has(e.id));
  const writer = new HubDatasetWriter();
  writer.add(kept);
  const leftOut = data.all.length - kept.length;
  if (!quiet && leftOut) console.error(`${plural(leftOut, 'example')} left out, as studio train leaves them out (--all pushes them too)`);
  const name = files.map((f) => basename(f.name)).join(', ');
  return { files: async (repo) => writer.files(repo, name, leftOut), what: `the dataset ${name} (${plural(kept.length, 'example')})`, repoType: 'dataset' };
}

/** One file under its own name, nothing added. */
async function asItIs(path: string): Promise<Pushed> {
  return { files: [{ path: basename(path), blob: await openAsBlob(path) }], what: basename(path) };
}

/** A GGUF file with a card, named so that Ollama's and llama.cpp's `hf.co/<repo>:<TYPE>` find it
 * (its own name when that holds the type already). A file the read-back cannot read goes as it is. */
async function ggufFiles(path: string, evalPaths: EvalPaths): Promise<Pushed> {
  const name = basename(path);
  let header;
  try {
    const source = await nodeFileSource(path);
    header = await releaseAfter(() => readGgufHeader(source, (key) => key === 'general.name' || isSourceKey(key)), () => source.close());
  } catch {
    return asItIs(path);
  }
  const type = header.fileType;
  if (!type || type.startsWith('file type')) return asItIs(path);
  const fileName = name.toLowerCase().includes(type.toLowerCase()) ? name : `${name.replace(/\.gguf$/i, '')}-${type}.gguf`;
  const blob = await openAsBlob(path);
  // Whose file it is the CLI cannot tell (the studio's GGUF names its run in general.name, as others name theirs).
  const title = String(header.values.get('general.name') ?? name.replace(/\.gguf$/i, ''));
  // Its base model and datasets, where the file records them (the studio's exports do, as
  // convert_hf_to_gguf.py does from a model card): the card names and links them.
  const sources = readGgufSources(header.values);
  const scored = pushedEvaluation(evalPaths, { kind: 'gguf', file: path });
  const evaluation = scored && { ...withoutBeside(scored), ...(scored.beside && { adapter: scored.beside }) };
  return {
    files: async (repo, existing) => [
      { path: fileName, blob },
      { path: 'README.md', blob: new Blob([ggufModelCard({ title, repo, fileName, type, bytes: blob.size, others: await existing(), ...sources, ...(evaluation && { evaluation }) })]) },
    ],
    what: fileName,
    card: true,
  };
}

/** A run folder's adapter and card, or every file of any other folder. */
async function folderFiles(dir: string, evalPaths: EvalPaths): Promise<Pushed> {
  if (existsSync(join(dir, RUN_JSON))) return runFiles(dir, RUN_JSON, evalPaths);
  // An HDR run's folder says what it is in hdr.json (its settings, config and rounds).
  if (existsSync(join(dir, HDR_FILES.summary))) return runFiles(dir, HDR_FILES.summary, evalPaths);
  const files: HubPushFile[] = [];
  const walk = async (at: string) => {
    for (const name of readdirSync(at).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(at, name);
      if (statSync(p).isDirectory()) await walk(p);
      else files.push({ path: relative(dir, p).split(/[\\/]/).join('/'), blob: await openAsBlob(p) });
    }
  };
  await walk(dir);
  if (files.length === 0) throw new CliError(`${dir} holds no files to push`, 2);
  return { files, what: basename(dir) };
}

async function runFiles(dir: string, facts: string, evalPaths: EvalPaths): Promise<Pushed> {
  let run: { model?: string; config?: RunConfig; lastStep?: number; examples?: { train?: number }; data?: string[]; [ADAPTER_FILES_STEP]?: number; rounds?: number };
  try {
    run = JSON.parse(readFileSync(join(dir, facts), 'utf8'));
  } catch (err) {
    throw new CliError(`${join(dir, facts)} is not readable JSON (${(err as Error).message})`, 2);
  }
  const hdr = facts === HDR_FILES.summary;
  const missing = [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE].filter((n) => !existsSync(join(dir, n)));
  if (missing.length) throw new CliError(`${dir} is a run without an adapter (no ${missing.join(' or ')}): it saved no checkpoint; train it further, or push an export instead`, 2);
  if (!run.config?.lora) throw new CliError(`${join(dir, facts)} has no run settings (config): it is not a training or HDR run's folder`, 2);
  const name = basename(dir);
  // A model named by a path is nothing on the Hub; a Hub id is the card's base model.
  const model = run.model ?? '';
  const baseModel = isAbsolute(model) || existsSync(model) ? undefined : hubRepoId(model);
  const config = run.config;
  // Trained on hf://datasets/<owner>/<name>: the card links the repo.
  const hubData = hubDatasetsIn(run.data);
  const scored = pushedEvaluation(evalPaths, { kind: 'adapter', dir, weights: join(dir, ADAPTER_WEIGHTS_FILE) });
  const evaluation = scored && { ...withoutBeside(scored), ...(scored.beside && { base: scored.beside }) };
  const card = (repo: string) =>
    adapterModelCard({
      title: repo.split('/')[1],
      run: name,
      repo,
      ...(baseModel ? { baseModel } : {}),
      config,
      // An HDR run's adapter is its last round's.
      ...(hdr ? { hdrRounds: run.rounds ?? 0 } : { adapterStep: run[ADAPTER_FILES_STEP] ?? run.lastStep ?? 0 }),
      ...(run.examples?.train !== undefined ? { examples: run.examples.train } : {}),
      ...(run.data?.length ? { dataset: run.data.map((d) => basename(d)).join(', ') } : {}),
      ...(hubData.length ? { datasets: hubData } : {}),
      ...(evaluation && { evaluation }),
    });
  return {
    files: async (repo) => [
      { path: ADAPTER_CONFIG_FILE, blob: await openAsBlob(join(dir, ADAPTER_CONFIG_FILE)) },
      { path: ADAPTER_WEIGHTS_FILE, blob: await openAsBlob(join(dir, ADAPTER_WEIGHTS_FILE)) },
      { path: 'README.md', blob: new Blob([card(repo)]) },
    ],
    what: `the ${hdr ? 'HDR ' : ''}adapter of run ${name}`,
    card: true,
  };
}

export default command;
