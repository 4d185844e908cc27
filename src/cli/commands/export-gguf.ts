// `studio export-gguf`: merges a PEFT LoRA adapter into a model on the GPU and writes one GGUF file
// for llama.cpp, Ollama and LM Studio, then checks it by running it in llama.cpp (node-llama-cpp,
// on the CPU) against our engine. Owns argument handling, the output file and printing; the export
// is src/export/ggufExport.ts, the check src/export/ggufCheck.ts.
import { closeSync, existsSync, mkdtempSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseFlags, positiveInt, requireFlag } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { openCliModel } from '../engine.ts';
import { readAdapter } from '../localFiles.ts';
import { fileErrorWords } from '../flagPaths.ts';
import { ProgressLine } from '../progress.ts';
import { endOnCtrlC, quitOnCtrlC } from '../interrupt.ts';
import { acquireNodeGpu } from '../../gpu/nodeGpu.ts';
import { createGpu } from '../../gpu/index.ts';
import { exportGgufAdapter, exportGgufModel, GGUF_EXPORT_TYPES, isQuantizedExport, type GgufExportType } from '../../export/ggufExport.ts';
import { FP16_OVERFLOW_ADVICE } from '../../export/mergeLora.ts';
import type { GgmlTypeName } from '../../export/ggufFile.ts';
import { checkGgufWithLlamaCpp, F32_GAP_TOLERANCE, type GgufCheckReport } from '../../export/ggufCheck.ts';
import { nodeQuantPool } from '../quantWorkers.ts';

/** How a K-quant file's mix of tensor types is listed: fewest bits first. */
const MIX_ORDER: GgmlTypeName[] = ['Q4_K', 'Q5_0', 'Q5_K', 'Q5_1', 'Q6_K', 'Q8_0', 'F16', 'F32'];

const DEFAULT_PROMPTS = ['What is the weather in Paris?', 'Book a table for two at 7pm.', 'Convert 12 inches to centimetres.'];

const usage = `usage: studio export-gguf --model <dir|repo> --out <file.gguf> [options]

Merges the adapter into the weights (W + scale·B·A, on the GPU) and writes one GGUF file that
llama.cpp, Ollama (a Modelfile's FROM) and LM Studio load: the weights, the model's shape, its
tokenizer and chat template. Then runs the file in llama.cpp (node-llama-cpp, on the CPU) against
our engine on a few prompts: the same tokens, and the same next-token distribution.

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
  --name <text>          the model's name in the file (default: the --adapter's folder name, else the --model's)
  --prompt <text>        a check prompt (repeatable; default: three short requests)
  --tokens <n>           tokens of each prompt compared (default 32)
  --no-check             skip running the file in llama.cpp
  --force                replace an existing --out
  --hub-base <url>       Hugging Face endpoint for repo ids
  --cache <dir>          model download cache
  --json                 print the check report as one JSON object
  --quiet                no progress line
Exit code 0 when the check passes (or is skipped), 3 when it fails or cannot run (the file stays).`;

const flagsSpec = {
  model: 'string', adapter: 'string', 'adapter-only': 'boolean', out: 'string', type: 'string', name: 'string', prompt: 'texts', tokens: 'number',
  'no-check': 'boolean', force: 'boolean', 'hub-base': 'string', cache: 'string', json: 'boolean', quiet: 'boolean',
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
    if (existsSync(out) && !f.force) throw new CliError(`--out ${out} exists; pass --force to replace it`, 2);
    if (!existsSync(dirname(out))) throw new CliError(`--out ${out}: the folder ${dirname(out)} does not exist`, 2);
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

      const stop = new AbortController();
      const ctx = await acquireNodeGpu();
      const gpu = createGpu(ctx);
      let written = false;
      const name = f.name ?? basename(f.adapter ? resolve(f.adapter) : modelArg);
      /** The model (with `withAdapter` merged) as a GGUF file at `path`, its progress said by `label`. */
      const writeModel = (path: string, as: GgufExportType, withAdapter: typeof adapter, fileName: string, label: (mib: string, tensor: string) => string) =>
        writeFile(path, async (write) => {
          // Quantized types are made on worker threads, a block of rows shared among them.
          const quantPool = isQuantizedExport(as) ? nodeQuantPool() : null;
          try {
            return await exportGgufModel(gpu, model.files, {
              type: as, adapter: withAdapter, name: fileName, write, signal: stop.signal,
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
        if (adapterOnly && adapter) {
          const result = await writeFile(out, (write) => exportGgufAdapter(model.spec, adapter, { name, write }));
          said = `exported ${out}: ${(result.bytes / 2 ** 20).toFixed(2)} MiB, the LoRA adapter alone (${result.tensors} tensors, f32, alpha ${result.alpha.toPrecision(6)} for rank ${adapter.settings.rank})`;
        } else {
          const result = await writeModel(out, type, adapter, name, (mib, tensor) => `export ${mib} (${tensor})`);
          const mix = isQuantizedExport(type) && type !== 'q8_0' ? ` (${MIX_ORDER.filter((t) => result.tensorTypes[t]).map((t) => `${result.tensorTypes[t]} ${t}`).join(', ')})` : '';
          said = `exported ${out}: ${(result.bytes / 2 ** 20).toFixed(1)} MiB, ${result.tensors} tensors as ${type}${mix}${adapter ? ', LoRA merged' : ''}, llama.cpp pre-tokenizer ${result.preTokenizer}`;
        }
        written = true;
        progress.done();
        if (!f.json) console.log(`${said}, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        if (f['no-check']) return 0;

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
        if (f.json) console.log(JSON.stringify(report));
        else printReport(report, adapterOnly);
        return report.passed ? 0 : 3;
      };
      untilMerge();
      try {
        return await endOnCtrlC(progress, 'stopping at the next tensor', () => stop.abort(), () => exportAndCheck());
      } catch (err) {
        if (!stop.signal.aborted) throw err;
        progress.done();
        console.log(written ? `interrupted: ${out} is written, but not checked` : `interrupted: nothing was exported; ${out} is as it was`);
        return 130;
      } finally {
        ctx.destroy();
      }
    } finally {
      untilMerge();
    }
  },
};
export default command;

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
