// `studio export-gguf`: merges a PEFT LoRA adapter into a model on the GPU and writes one GGUF file
// for llama.cpp, Ollama and LM Studio, then checks it by running it in llama.cpp (node-llama-cpp,
// on the CPU) against our engine. Owns argument handling, the output file and printing; the export
// is src/export/ggufExport.ts, the check src/export/ggufCheck.ts.
import { closeSync, existsSync, mkdtempSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseFlags, positiveInt, requireFlag } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { openCliModel } from '../engine.ts';
import { fileErrorWords } from '../flagPaths.ts';
import { ProgressLine } from '../progress.ts';
import { quitOnCtrlC, stoppableExport } from '../interrupt.ts';
import { acquireNodeGpu } from '../../gpu/nodeGpu.ts';
import { createGpu } from '../../gpu/index.ts';
import { exportGgufAdapter, exportGgufModel, GGUF_EXPORT_TYPES, isQuantizedExport, takesImportance, type GgufExportType } from '../../export/ggufExport.ts';
import { importanceMatrixFile, ImportanceOfAnotherModelError, readImportanceMatrix, type ImportanceMatrix } from '../../export/importanceMatrix.ts';
import { importanceFromExamples, IMPORTANCE_EXAMPLES } from '../../jobs/importance.ts';
import { defaultSeqLen } from '../../jobs/data.ts';
import { DEFAULT_SPLIT } from '../../data/split.ts';
import { nodeFileSource } from '../../model/byte-source-node.ts';
import { adapterEvalFraction, adapterRun, adapterSplitsByQuestion, checkOutputFile, dataExamples, dataFilesHelp, readAdapter, runFolderHubDatasets } from '../localFiles.ts';
import { hubRepoId } from '../../export/mergedExport.ts';
import { plural } from '../../data/plural.ts';
import { checkGgufInEngine } from '../../export/engineCheck.ts';
import { divergenceWords, type HeldOutDivergence } from '../../export/heldOutDivergence.ts';
import { CHECK_HELD_OUT_EXAMPLES, heldOutAnswers } from '../../jobs/heldOutAnswers.ts';
import { FP16_OVERFLOW_ADVICE } from '../../export/mergeLora.ts';
import type { GgmlTypeName } from '../../export/ggufFile.ts';
import { ggufFallbackText } from '../../export/ggufFallback.ts';
import { checkGgufWithLlamaCpp, F32_GAP_TOLERANCE, type GgufCheckReport } from '../../export/ggufCheck.ts';
import { nodeQuantPool } from '../quantWorkers.ts';

/** How a K-quant file's mix of tensor types is listed: fewest bits first. */
const MIX_ORDER: GgmlTypeName[] = ['Q4_K', 'Q5_0', 'Q5_K', 'Q5_1', 'Q6_K', 'Q8_0', 'F16', 'F32'];

const DEFAULT_PROMPTS = ['What is the weather in Paris?', 'Book a table for two at 7pm.', 'Convert 12 inches to centimetres.'];

const usage = `usage: studio export-gguf --model <dir|repo> --out <file.gguf> [options]

Merges the adapter into the weights (W + scale·B·A, on the GPU) and writes one GGUF file that
llama.cpp, Ollama (a Modelfile's FROM) and LM Studio load: the weights, the model's shape, its
tokenizer and chat template, and (as convert_hf_to_gguf.py does) a Hub model's id and the Hub
dataset an --adapter run trained on, which studio push's card of the file links. Then runs the
file in llama.cpp (node-llama-cpp, on the CPU) against our engine on a few prompts: the same
tokens, and the same next-token distribution.

options:
  --adapter <dir>        a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors),
                         such as a finished studio train run's folder
  --type <type>          how the weight matrices are stored (vectors stay f32): q8_0 (default, a
                         quarter of f32's size), llama-quantize's K-quant mixes q6_k, q5_k_m and
                         q4_k_m (about 80%, 70% and 60% of q8_0's size; q4_k_m is what Ollama and
                         LM Studio download by default; quantized on the CPU, minutes for a model
                         of half a billion weights), f16, f32
  --adapter-only         write the adapter alone as a GGUF adapter file, for llama.cpp's --lora or
                         Ollama's ADAPTER over the same base model (checked over an F16 file of it)
  --imatrix-data <file>  round q4_k_m, q5_k_m and q6_k with an importance matrix collected from
                         these dataset files' training examples (the --adapter run's split and
                         sequence length; files as below), as llama-quantize --imatrix: the
                         model runs over them on the GPU and each weight's rounding is weighed by
                         how strongly those conversations use its columns
  --imatrix-examples <n> training examples the matrix is collected over (default ${IMPORTANCE_EXAMPLES},
                         every call category in its share)
  --imatrix <file>       an importance matrix file instead (llama-imatrix's .gguf or imatrix.dat,
                         or one --save-imatrix wrote)
  --save-imatrix <file>  also write the collected matrix as llama-imatrix's GGUF file, for
                         llama-quantize --imatrix (other types: IQ4_XS, Q3_K_M, …)
  --check-data <file>    also compare the file with the model and adapter over the answers of up
                         to ${CHECK_HELD_OUT_EXAMPLES} held-out conversations of these dataset files (the --adapter run's
                         split), in the engine as the studio's Check it does: the mean KL divergence
                         of the next-token distributions, and how often the most likely token is
                         the same (what the rounding costs on your own conversations)
  --name <text>          the model's name in the file (default: the --adapter's folder name, else the --model's)
  --prompt <text>        a check prompt (repeatable; default: three short requests)
  --tokens <n>           tokens of each prompt compared (default 32)
  --no-check             skip running the file in llama.cpp
  --force                replace an existing --out
  --hub-base <url>       Hugging Face endpoint for repo ids
  --cache <dir>          model download cache
  --json                 print the check report as one JSON object
  --quiet                no progress line
Exit code 0 when the check passes (or is skipped), 3 when it fails or cannot run (the file stays).
${dataFilesHelp('--imatrix-data and --check-data take')}`;

const flagsSpec = {
  model: 'string', adapter: 'string', 'adapter-only': 'boolean', out: 'string', type: 'string', name: 'string', prompt: 'texts', tokens: 'number',
  'no-check': 'boolean', force: 'boolean', 'hub-base': 'string', cache: 'string', json: 'boolean', quiet: 'boolean',
  'imatrix-data': 'strings', 'imatrix-examples': 'number', imatrix: 'string', 'save-imatrix': 'string', 'check-data': 'strings',
} as const;

const command: CliCommand = {
  summary: 'export the model with its LoRA merged as one GGUF file for llama.cpp / Ollama, and check it in llama.cpp',
  usage,
  formFlags: { [FP16_OVERFLOW_ADVICE]: 'export it with --type q8_0 or --type f32' },
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const modelArg = requireFlag(f.model, 'model');
    const out = resolve(requireFlag(f.out, 'out'));
    const type = (f.type ?? 'q8_0') as GgufExportType;
    if (!GGUF_EXPORT_TYPES.includes(type)) throw new CliError(`--type must be one of ${GGUF_EXPORT_TYPES.join(', ')}, got ${f.type}`, 2);
    const tokens = positiveInt(f.tokens, 'tokens', 32);
    const adapterOnly = f['adapter-only'] ?? false;
    if (adapterOnly && !f.adapter) throw new CliError('--adapter-only writes the adapter alone: give it with --adapter', 2);
    if (adapterOnly && f.type) throw new CliError('--adapter-only writes the adapter as trained (f32); --type is for the whole model', 2);
    const quiet = f.quiet ?? false;
    if (existsSync(out) && statSync(out).isDirectory()) throw new CliError(`--out ${out} is a folder; give the file to write, such as ${resolve(out, 'model.gguf')}`, 2);
    checkOutputFile(out, 'out', outputInputs(f), { force: f.force ?? false });
    checkImportanceFlags(f, type, adapterOnly, out);
    if (f['check-data'] && adapterOnly) throw new CliError('--check-data compares a whole model\'s file with the trained model; --adapter-only writes the adapter alone (its check runs in llama.cpp over the base model)', 2);
    const imatrixExamples = positiveInt(f['imatrix-examples'], 'imatrix-examples', IMPORTANCE_EXAMPLES);
    const progress = new ProgressLine(quiet || f.json);
    const untilMerge = quitOnCtrlC(() => {
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      console.log(`interrupted: nothing was exported; ${out} is as it was`);
    });
    try {
      const cli = await openCliModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet: quiet || f.json });
      const adapter = (await readAdapter(cli.model.spec, f.adapter, modelArg)) ?? null;
      if (tokens > cli.model.spec.maxPositionEmbeddings) throw new CliError(`--tokens ${tokens} is past the model's ${cli.model.spec.maxPositionEmbeddings}-token context (max_position_embeddings)`, 2);
      const model = await cli.withWeights();
      const texts = (f.prompt ?? DEFAULT_PROMPTS).map((text) => ({ text, ids: model.tokenizer.encode(text) as number[] }));
      if (texts.some((t) => t.ids.length === 0)) throw new CliError('--prompt: a check prompt is empty', 2);
      // A matrix file is read, and --imatrix-data's files imported, before anything is written.
      let importance: { matrix: ImportanceMatrix; fileName: string } | null = null;
      if (f.imatrix !== undefined) importance = { matrix: await readImatrixFlag(f.imatrix), fileName: basename(f.imatrix) };
      // The same files given to both are imported once (their notes said once).
      const imported = new Map<string, ReturnType<typeof importSplit>>();
      const imatrixData = f['imatrix-data'] ? await importanceExamples(f['imatrix-data'], f.adapter, model.tokenizer, model.spec.maxPositionEmbeddings, imported) : null;
      const checkData = f['check-data'] ? await runSplitExamples(f['check-data'], f.adapter, model.tokenizer, model.spec.maxPositionEmbeddings, '--check-data', imported) : null;

      const stop = new AbortController();
      const ctx = await acquireNodeGpu();
      const gpu = createGpu(ctx);
      let written = false;
      const name = f.name ?? basename(f.adapter ? resolve(f.adapter) : modelArg);
      // Recorded in the file, for the card a push of it writes: a Hub model (a folder here means
      // nothing on the Hub), and the Hub dataset an --adapter run folder trained on.
      const baseModel = existsSync(modelArg) ? undefined : hubRepoId(modelArg);
      const datasets = f.adapter ? runFolderHubDatasets(f.adapter) : [];
      const sources = { ...(baseModel ? { baseModel } : {}), ...(datasets.length ? { datasets } : {}) };
      /** The model (with `withAdapter` merged) as a GGUF file at `path`, its progress said by `label`. */
      const writeModel = (path: string, as: GgufExportType, withAdapter: typeof adapter, fileName: string, label: (mib: string, tensor: string) => string) =>
        writeFile(path, async (write) => {
          // Quantized types are made on worker threads, a block of rows shared among them.
          const quantPool = isQuantizedExport(as) ? nodeQuantPool() : null;
          try {
            return await exportGgufModel(gpu, model.files, {
              type: as, adapter: withAdapter, name: fileName, write, signal: stop.signal, sources,
              ...(importance && takesImportance(as) ? { importance } : {}),
              encode: (t) => model.tokenizer.encode(t),
              onProgress: (p) => progress.update(label(`${(p.bytesDone / 2 ** 20).toFixed(1)}/${(p.bytesTotal / 2 ** 20).toFixed(1)} MiB`, p.tensor)),
              ...(quantPool ? { quantPool } : {}),
            });
          } finally {
            quantPool?.close();
          }
        });
      const exportAndCheck = async (): Promise<number> => {
        const started = Date.now();
        let said: string;
        /** Why the file is no smaller than its type saves elsewhere (the mix's types fell back). */
        let fellBack = '';
        if (imatrixData) {
          const collected = await importanceFromExamples({
            gpu, files: model.files, tokenizer: model.tokenizer, adapter, examples: imatrixData.examples, seqLen: imatrixData.seqLen,
            datasetName: imatrixData.name, limit: imatrixExamples, signal: stop.signal,
            onProgress: (label, done, total) => progress.update(`${label} ${done}/${total}`),
          });
          const skipped = collected.skipped ? ` (${plural(collected.skipped, 'example')} longer than ${imatrixData.seqLen} tokens passed over)` : '';
          progress.done();
          if (!f.json) console.log(`importance matrix: ${plural(collected.examples, 'training example')}, ${collected.tokens} tokens, ${collected.matrix.entries.size} weights${skipped}, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          const save = f['save-imatrix'];
          if (save !== undefined) {
            await writeFile(resolve(save), (write) => Promise.resolve(write(importanceMatrixFile(collected.matrix))));
            if (!f.json) console.log(`wrote ${resolve(save)}: the importance matrix as llama-imatrix writes it (llama-quantize --imatrix ${basename(save)})`);
          }
          importance = { matrix: collected.matrix, fileName: save !== undefined ? basename(save) : `collected by BalanceSFT Studio from ${imatrixData.name}` };
        }
        if (adapterOnly && adapter) {
          const result = await writeFile(out, (write) => exportGgufAdapter(model.spec, adapter, { name, write, sources }));
          said = `exported ${out}: ${(result.bytes / 2 ** 20).toFixed(2)} MiB, the LoRA adapter alone (${result.tensors} tensors, f32, alpha ${result.alpha.toPrecision(6)} for rank ${adapter.settings.rank})`;
        } else {
          const result = await writeModel(out, type, adapter, name, (mib, tensor) => `export ${mib} (${tensor})`).catch((err: unknown) => {
            throw err instanceof ImportanceOfAnotherModelError ? new CliError(`--imatrix ${f.imatrix}: ${err.message}: it is not a matrix of ${modelArg}`, 2) : err;
          });
          const mix = isQuantizedExport(type) && type !== 'q8_0' ? ` (${MIX_ORDER.filter((t) => result.tensorTypes[t]).map((t) => `${result.tensorTypes[t]} ${t}`).join(', ')})` : '';
          const weighted = importance ? `, ${result.weightedTensors} weighted by the importance matrix` : '';
          const fallback = result.fallbackAs[type];
          if (fallback) fellBack = ggufFallbackText(type, fallback, result.bytesAs);
          said = `exported ${out}: ${(result.bytes / 2 ** 20).toFixed(1)} MiB, ${result.tensors} tensors as ${type}${mix}${weighted}${adapter ? ', LoRA merged' : ''}, llama.cpp pre-tokenizer ${result.preTokenizer}`;
        }
        written = true;
        progress.done();
        if (!f.json) console.log(`${said}, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        // As the studio says it beside its buttons.
        if (!f.json && fellBack) console.log(fellBack);
        // The studio's Check it, on the command line: the file's weights as llama.cpp reads them,
        // against the model with the adapter, over the answers of the held-out conversations.
        let heldOut: HeldOutDivergence | undefined;
        if (checkData) {
          const answers = await heldOutAnswers(model.tokenizer, checkData.examples.eval, checkData.seqLen, stop.signal);
          if (answers.length === 0) throw new CliError(`--check-data ${f['check-data']!.join(', ')}: none of the held-out examples fits ${checkData.seqLen} tokens with an answer to compare; ${out} is written`, 3);
          progress.update(`comparing ${basename(out)} with the trained model over the answers of ${plural(answers.length, 'held-out conversation')}…`, true);
          const file = await nodeFileSource(out);
          try {
            heldOut = (await checkGgufInEngine(gpu, model.files, model.spec, adapter, file, { texts: texts.map((t) => t.ids), f32: type === 'f32', heldOut: answers, signal: stop.signal })).heldOut;
          } finally {
            await file.close();
          }
          progress.done();
          if (!f.json && heldOut) console.log(heldOutLine(heldOut));
        }
        if (f['no-check']) {
          if (f.json && heldOut) console.log(JSON.stringify({ heldOut }));
          return 0;
        }

        let report: GgufCheckReport;
        // The adapter alone is checked as llama.cpp applies it: over an F16 file of the base model,
        // written beside the system's temporary files for the check and deleted after it.
        const scratch = adapterOnly ? mkdtempSync(join(tmpdir(), 'studio-gguf-base-')) : null;
        try {
          let base = out;
          if (scratch) {
            base = join(scratch, 'base-f16.gguf');
            await writeModel(base, 'f16', null, 'base', (mib) => `writing the base model for the check ${mib}`);
          }
          progress.update('checking the file in llama.cpp (CPU) against the engine…', true);
          report = await checkGgufWithLlamaCpp(gpu, model.files, adapter, { path: base, type: scratch ? 'f16' : type, texts, maxTokens: tokens, loraPath: scratch ? out : undefined });
        } catch (err) {
          if (stop.signal.aborted) throw err;
          progress.done();
          throw new CliError(`${out} is written, but its check could not run: ${(err as Error).message.split('\n')[0]}`, 3);
        } finally {
          if (scratch) rmSync(scratch, { recursive: true, force: true });
        }
        progress.done();
        if (f.json) console.log(JSON.stringify(heldOut ? { ...report, heldOut } : report));
        else printReport(report, adapterOnly);
        return report.passed ? 0 : 3;
      };
      untilMerge();
      try {
        return await stoppableExport(progress, stop, 'stopping at the next tensor', () => (written ? `interrupted: ${out} is written, but not checked` : `interrupted: nothing was exported; ${out} is as it was`), exportAndCheck);
      } finally {
        ctx.destroy();
      }
    } finally {
      untilMerge();
    }
  },
};
export default command;

type ImportanceFlags = { 'imatrix-data'?: string[]; 'imatrix-examples'?: number; imatrix?: string; 'save-imatrix'?: string; force?: boolean };

/** The importance-matrix flags together: one source, for a type it weighs, outputs that overwrite nothing. */
function checkImportanceFlags(f: ImportanceFlags, type: GgufExportType, adapterOnly: boolean, out: string): void {
  const data = f['imatrix-data'];
  if (data && f.imatrix !== undefined) throw new CliError('give the importance matrix one way: --imatrix-data (collected from dataset files) or --imatrix (a file)', 2);
  if (!data && f['imatrix-examples'] !== undefined) throw new CliError('--imatrix-examples is how many of --imatrix-data\'s examples the matrix is collected over: give --imatrix-data', 2);
  if (!data && f['save-imatrix'] !== undefined) throw new CliError('--save-imatrix writes the matrix --imatrix-data collects: give --imatrix-data', 2);
  if (!data && f.imatrix === undefined) return;
  if (adapterOnly) throw new CliError('--adapter-only writes the adapter as trained (f32): an importance matrix weighs a quantized model\'s rounding', 2);
  if (!takesImportance(type)) throw new CliError(`an importance matrix weighs the K-quant mixes' rounding (--type q4_k_m, q5_k_m or q6_k); ${type} has no use for one`, 2);
  const save = f['save-imatrix'];
  if (save === undefined) return;
  checkOutputFile(save, 'save-imatrix', [...outputInputs(f), { path: out, flag: '--out' }], { force: f.force ?? false });
}

/** The files export-gguf reads that --force must never let an output replace. */
function outputInputs(f: ImportanceFlags & { 'check-data'?: string[] }): Array<{ path: string; flag: string }> {
  return [
    ...(f['imatrix-data'] ?? []).map((path) => ({ path, flag: '--imatrix-data' })),
    ...(f['check-data'] ?? []).map((path) => ({ path, flag: '--check-data' })),
    ...(f.imatrix === undefined ? [] : [{ path: f.imatrix, flag: '--imatrix' }]),
  ];
}

async function readImatrixFlag(path: string): Promise<ImportanceMatrix> {
  if (!existsSync(path)) throw new CliError(`--imatrix ${path}: no such file`, 2);
  const source = await nodeFileSource(resolve(path));
  try {
    return await readImportanceMatrix(source);
  } catch (err) {
    throw new CliError(`--imatrix ${(err as Error).message}`, 2);
  } finally {
    await source.close();
  }
}

/** Dataset files' examples split and cut as the --adapter run was (its seed, held-out share, choice
 * of examples and sequence length), else as `studio train` would by default. */
async function runSplitExamples(paths: string[], adapterDir: string | undefined, tokenizer: Parameters<typeof defaultSeqLen>[0], context: number, flag: string, imported: Map<string, ReturnType<typeof importSplit>>) {
  const from = adapterRun(adapterDir);
  const key = JSON.stringify(paths);
  if (!imported.has(key)) imported.set(key, importSplit(paths, adapterDir));
  // The files are read as --data's are, and their errors named so: here they are this flag's.
  const data = await imported.get(key)!.catch((err: unknown) => {
    throw err instanceof CliError && err.message.startsWith('--data ') ? new CliError(err.message.replaceAll('--data ', `${flag} `), err.exitCode) : err;
  });
  const side = flag === '--check-data' ? data.eval : data.train;
  if (side.length === 0) throw new CliError(`${flag} ${paths.join(', ')}: no ${flag === '--check-data' ? 'held-out examples to compare over' : 'training examples to collect the importance matrix from'} (${data.all.length} imported)`, 2);
  const seqLen = from.config?.seqLen ?? (await defaultSeqLen(tokenizer, side, context)).seqLen;
  return { examples: data, seqLen, name: paths.map((p) => basename(p)).join(', ') };
}

/** The files imported and split as the --adapter run split its own. */
function importSplit(paths: string[], adapterDir: string | undefined) {
  const from = adapterRun(adapterDir);
  return dataExamples(paths, {
    seed: from.splitSeed ?? DEFAULT_SPLIT.seed, evalFraction: adapterEvalFraction(adapterDir), byQuestion: adapterSplitsByQuestion(adapterDir),
    ...(from.inclusion && { inclusion: from.inclusion, inclusionFrom: from.file ?? 'the --adapter run' }), ...(from.includeFailing && { includeFailing: true }), ...(from.everyCallTurn && { everyCallTurn: true }), adapter: adapterDir,
  });
}

/** --imatrix-data's training side (runSplitExamples). */
async function importanceExamples(paths: string[], adapterDir: string | undefined, tokenizer: Parameters<typeof defaultSeqLen>[0], context: number, imported: Map<string, ReturnType<typeof importSplit>>) {
  const r = await runSplitExamples(paths, adapterDir, tokenizer, context, '--imatrix-data', imported);
  return { examples: r.examples.train, seqLen: r.seqLen, name: r.name };
}

/** The held-out comparison as the studio's notice says it. */
function heldOutLine(h: HeldOutDivergence): string {
  return `check in the engine over the answers of ${plural(h.examples, 'held-out conversation')} (${h.positions} positions): ${divergenceWords(h)}`;
}

/** Writes `path` through `<path>.partial`, renamed when whole: a stopped or failed export never
 * leaves a file llama.cpp would half read. */
async function writeFile<T>(path: string, produce: (write: (bytes: Uint8Array) => void) => Promise<T>): Promise<T> {
  const partial = `${path}.partial`;
  let fd: number;
  try {
    fd = openSync(partial, 'w');
  } catch (err) {
    throw new CliError(`cannot write ${partial} (${fileErrorWords(err)})`);
  }
  try {
    const result = await produce((bytes) => {
      try {
        writeSync(fd, bytes);
      } catch (err) {
        throw new CliError(`cannot write ${partial} (${fileErrorWords(err)}); nothing was exported`);
      }
    });
    closeSync(fd);
    renameSync(partial, path);
    return result;
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // Closed already, after the rename failed.
    }
    rmSync(partial, { force: true });
    throw err;
  }
}

function printReport(r: GgufCheckReport, adapterOnly: boolean): void {
  const bound = r.type === 'f32' ? ` (f32 allows ${F32_GAP_TOLERANCE.toExponential(0)})` : ` (${r.type} rounding${adapterOnly ? ' of the base file' : ''})`;
  console.log(
    `check in llama.cpp${adapterOnly ? ', the adapter over an F16 file of the base model' : ''}: tokens ${r.tokenizerEqual ? 'equal' : 'DIFFER'}, max |logit gap difference| ${r.maxGapDiff.toExponential(2)}${bound}, most likely next tokens ${r.topDisagreements ? `DIFFER at ${r.topDisagreements} positions` : 'equal'} → ${r.passed ? 'passed' : 'FAILED'}`,
  );
  for (const t of r.texts) {
    const split = t.tokensEqual ? '' : `; llama.cpp split it otherwise: [${t.llamaCppIds.slice(0, 12).join(' ')}${t.llamaCppIds.length > 12 ? ' …' : ''}]`;
    console.log(`  "${t.text.length > 40 ? `${t.text.slice(0, 40)}…` : t.text}": ${t.ids.length} tokens compared, max diff ${t.maxGapDiff.toExponential(2)}${split}`);
  }
}
