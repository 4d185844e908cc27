// `studio export-merged`: the model with a PEFT LoRA adapter merged into its weights, written as a
// Hugging Face folder (safetensors, config, tokenizer) that transformers, vLLM, MLX and llama.cpp's
// converter load without PEFT; then the written folder run by the engine against the model with the
// adapter. Owns argument handling, the folder and printing; the export is src/export/mergedExport.ts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseFlags, requireFlag } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { openCliModel } from '../engine.ts';
import { checkExportFolder, readAdapter, replaceExportStreamed, runFolderHubDatasets } from '../localFiles.ts';
import { ProgressLine } from '../progress.ts';
import { quitOnCtrlC, stoppableExport } from '../interrupt.ts';
import { acquireNodeGpu } from '../../gpu/nodeGpu.ts';
import { createGpu } from '../../gpu/index.ts';
import { nodeDirectoryModelFiles } from '../../model/model-files-node.ts';
import { checkInEngine, type EngineCheckReport } from '../../export/engineCheck.ts';
import { F32_GAP_TOLERANCE } from '../../export/nextTokenGaps.ts';
import { exportMergedModel, hubRepoId, MERGED_DTYPES, MERGED_SIDE_FILES, type MergedDtype } from '../../export/mergedExport.ts';
import { FP16_OVERFLOW_ADVICE } from '../../export/mergeLora.ts';

const DEFAULT_PROMPTS = ['What is the weather in Paris?', 'Book a table for two at 7pm.', 'Convert 12 inches to centimetres.'];

const usage = `usage: studio export-merged --model <dir|repo> --adapter <dir> --out <dir> [options]

Merges the adapter into the weights (W + scale·B·A, on the GPU, rounded once to the folder's
dtype, as PEFT's merge_and_unload() does) and writes a Hugging Face model folder: the model's
safetensors files (its shards and index, every other tensor as it is), config.json,
generation_config.json, the tokenizer files and a README model card. transformers, vLLM, SGLang,
mlx_lm.convert and llama.cpp's convert_hf_to_gguf.py load it as they load the base model, without
PEFT. Then runs the written folder in the engine against the model with the adapter on a few
prompts: the same most likely next tokens.

options:
  --adapter <dir>        the PEFT LoRA adapter to merge (adapter_config.json +
                         adapter_model.safetensors), such as a finished studio train run's folder
  --dtype bf16|f16|f32   the weights' type in the folder (default: the model's own)
  --prompt <text>        a check prompt (repeatable; default: three short requests)
  --no-check             skip running the folder
  --force                replace an earlier export in --out
  --hub-base <url>       Hugging Face endpoint for repo ids
  --cache <dir>          model download cache
  --quiet                no progress line
Exit code 0 when the check passes (or is skipped), 3 when it fails or cannot run (the folder stays).`;

const flagsSpec = {
  model: 'string', adapter: 'string', out: 'string', dtype: 'string', prompt: 'texts',
  'no-check': 'boolean', force: 'boolean', 'hub-base': 'string', cache: 'string', quiet: 'boolean',
} as const;

const command: CliCommand = {
  summary: 'export the model with its LoRA merged as a Hugging Face folder (safetensors) for transformers, vLLM and MLX',
  usage,
  formFlags: { [FP16_OVERFLOW_ADVICE]: 'export it with --dtype bf16 or --dtype f32' },
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const modelArg = requireFlag(f.model, 'model');
    const adapterDir = requireFlag(f.adapter, 'adapter');
    const out = requireFlag(f.out, 'out');
    const dtype = f.dtype as MergedDtype | undefined;
    if (dtype !== undefined && !MERGED_DTYPES.includes(dtype)) throw new CliError(`--dtype must be one of ${MERGED_DTYPES.join(', ')}, got ${f.dtype}`, 2);
    const quiet = f.quiet ?? false;
    // An earlier export's weights, one file or shards, all go with it: a shard left behind would be read as the model's.
    const weights = existsSync(out) && statSync(out).isDirectory() ? readdirSync(out).filter((n) => /^model(-\d+-of-\d+)?\.safetensors$/.test(n)) : [];
    const folder = checkExportFolder(out, { model: modelArg, adapter: adapterDir, force: f.force ?? false, files: [...new Set(['model.safetensors', 'model.safetensors.index.json', ...weights])], sideFiles: MERGED_SIDE_FILES });
    const progress = new ProgressLine(quiet);
    const untilMerge = quitOnCtrlC(() => {
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      folder.release();
      console.log(`interrupted: nothing was exported; ${out} is as it was`);
    });
    try {
      const cli = await openCliModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet });
      const adapter = (await readAdapter(cli.model.spec, adapterDir, modelArg))!;
      const texts = (f.prompt ?? DEFAULT_PROMPTS).map((text) => cli.model.tokenizer.encode(text) as number[]);
      if (texts.some((ids) => ids.length === 0)) throw new CliError('--prompt: a check prompt is empty', 2);
      const model = await cli.withWeights();
      // A Hub model is named in the card (a folder here means nothing on the Hub).
      const baseModel = existsSync(modelArg) ? undefined : hubRepoId(modelArg);
      // A run folder trained on hf://datasets/…: the card links the dataset.
      const datasets = runFolderHubDatasets(adapterDir);

      const stop = new AbortController();
      let written = false;
      const ctx = await acquireNodeGpu();
      const gpu = createGpu(ctx);
      const exportAndCheck = async (): Promise<number> => {
        const started = Date.now();
        // Written into --out as it is made (a tensor at a time), and in place of an earlier export once whole.
        const result = await replaceExportStreamed(folder, (write) => exportMergedModel(gpu, model.files, {
          adapter,
          write,
          ...(dtype ? { dtype } : {}),
          card: { title: basename(resolve(out)), run: basename(resolve(adapterDir)), ...(baseModel ? { baseModel } : {}), ...(datasets.length ? { datasets } : {}) },
          signal: stop.signal,
          onProgress: (p) => progress.update(`merging ${p.tensorsDone}/${p.tensorsTotal} tensors, ${(p.bytesDone / 2 ** 20).toFixed(1)}/${(p.bytesTotal / 2 ** 20).toFixed(1)} MiB`),
        }));
        progress.done();
        written = true;
        const shards = result.weightFiles.length > 1 ? ` in ${result.weightFiles.length} shards` : '';
        console.log(`exported ${out}: ${(result.weightBytes / 2 ** 20).toFixed(1)} MiB of ${result.dtype} weights${shards}, ${result.merged} with the LoRA merged, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        if (f['no-check']) return 0;
        progress.update('checking the folder in the engine against the model with the adapter…', true);
        let report: EngineCheckReport;
        try {
          report = await checkInEngine(gpu, model.files, adapter, nodeDirectoryModelFiles(resolve(out)), { texts, f32: result.dtype === 'f32' && model.spec.dtype === 'F32', signal: stop.signal });
        } catch (err) {
          if (stop.signal.aborted) throw err;
          progress.done();
          throw new CliError(`${out} is written, but its check could not run: ${(err as Error).message.split('\n')[0]}`, 3);
        }
        progress.done();
        const bound = result.dtype === 'f32' && model.spec.dtype === 'F32' ? ` (f32 allows ${F32_GAP_TOLERANCE.toExponential(0)})` : ` (${result.dtype} rounding of the merged weights)`;
        console.log(
          `check in the engine over ${report.positions} positions of ${report.texts} prompts: max |logit gap difference| ${report.maxGapDiff.toExponential(2)}${bound}, most likely next tokens ${report.topDisagreements ? `DIFFER at ${report.topDisagreements} positions` : 'equal'} → ${report.passed ? 'passed' : 'FAILED'}`,
        );
        return report.passed ? 0 : 3;
      };
      untilMerge();
      try {
        return await stoppableExport(progress, stop, 'stopping at the next tensor', () => (written ? `interrupted: the folder ${out} is written, but not checked` : `interrupted: nothing was exported; ${out} is as it was`), exportAndCheck);
      } finally {
        ctx.destroy();
      }
    } finally {
      untilMerge();
      folder.release();
    }
  },
};
export default command;
