// `studio export-onnx`: merges a PEFT LoRA adapter into a model on the GPU and writes the ONNX
// folder transformers.js loads for text-generation, then checks it by running it with
// onnxruntime-web (WASM) against our engine on a few prompts and writes the report beside it.
// Owns argument handling, writing files and printing; the export is src/export/.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlags, positiveInt, requireFlag } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { OUT_OF_MEMORY_LOWER } from '../../gpu/errors.ts';
import { openCliModelFiles } from '../engine.ts';
import { checkExportFolder, readAdapter, replaceExport } from '../localFiles.ts';
import { fileErrorWords } from '../flagPaths.ts';
import { ProgressLine } from '../progress.ts';
import { quitOnCtrlC, stoppableExport } from '../interrupt.ts';
import { acquireNodeGpu } from '../../gpu/nodeGpu.ts';
import { createGpu } from '../../gpu/index.ts';
import { openWeights, readModelSpec } from '../../model/checkpoint.ts';
import type { ModelSpec } from '../../model/config.ts';
import { readModelText, type ModelFiles } from '../../model/model-files.ts';
import { EXPORT_SIDE_FILES, exportOnnxModel, type OnnxExportDtype } from '../../export/onnxExport.ts';
import { FP16_OVERFLOW_ADVICE } from '../../export/mergeLora.ts';
import { CHECK_PROMPT_ADVICE, checkFailure, verifyOnnxExport, type ExportCheckReport, type ExportCheckSide } from '../../export/verifyExport.ts';

export const EXPORT_CHECK_FILE = 'export_check.json';

const DEFAULT_PROMPTS = ['What is the weather in Paris?', 'Book a table for two at 7pm.', 'Convert 12 inches to centimetres.'];

const usage = `usage: studio export-onnx --model <dir|repo> --out <dir> [options]

Merges the adapter into the weights (W + scale·B·A, on the GPU) and writes config.json,
generation_config.json, the tokenizer files and onnx/model.onnx (fp32) or onnx/model_fp16.onnx
(fp16), with onnx/<file>_data when the weights exceed 2 GB. Then runs the export with
onnxruntime-web (WASM) and our engine on a few prompts and writes ${EXPORT_CHECK_FILE}.

options:
  --adapter <dir>        a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors)
  --dtype fp32|fp16      weight type of the export (default fp32)
  --prompt <text>        a check prompt (repeatable; default: three short requests)
  --steps <n>            greedy tokens compared per prompt (default 8)
  --no-check             skip running the export
  --force                replace an earlier export in --out (its onnx/ folder and check report)
  --hub-base <url>       Hugging Face endpoint for repo ids
  --cache <dir>          model download cache
  --json                 print the check report as one JSON object
  --quiet                no progress line
Exit code 0 when the check passes (or is skipped), 3 when it fails or cannot run (the export stays).`;

const flagsSpec = {
  model: 'string', adapter: 'string', out: 'string', dtype: 'string', prompt: 'texts', steps: 'number',
  'no-check': 'boolean', force: 'boolean', 'hub-base': 'string', cache: 'string', json: 'boolean', quiet: 'boolean',
} as const;

const command: CliCommand = {
  summary: 'export the model with its LoRA merged to ONNX for transformers.js, and check it',
  usage,
  // The check runs the engine on the prompts for --steps tokens; the merge holds the model alone.
  formFlags: { [OUT_OF_MEMORY_LOWER]: '--steps or the --prompt texts of the check (--no-check skips it)', [CHECK_PROMPT_ADVICE]: 'give --prompt texts in words the model was trained on', [FP16_OVERFLOW_ADVICE]: 'export it with --dtype fp32 (the default)' },
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const modelArg = requireFlag(f.model, 'model');
    const out = requireFlag(f.out, 'out');
    const dtype = (f.dtype ?? 'fp32') as OnnxExportDtype;
    if (dtype !== 'fp32' && dtype !== 'fp16') throw new CliError(`--dtype must be fp32 or fp16, got ${f.dtype}`, 2);
    const steps = positiveInt(f.steps, 'steps', 8);
    const quiet = f.quiet ?? false;
    const folder = checkExportFolder(out, { model: modelArg, adapter: f.adapter, force: f.force ?? false, files: ['onnx', EXPORT_CHECK_FILE], sideFiles: EXPORT_SIDE_FILES });
    const progress = new ProgressLine(quiet || f.json);
    // Before the merge (the model's files downloading or read, the GPU started) nothing is written
    // that a Ctrl-C should finish or keep: the command ends at once, without its lock, and without
    // --out where the lock made it. The download's progress line is cleared first.
    const untilMerge = quitOnCtrlC(() => {
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      folder.release();
      console.log(`interrupted: nothing was exported; ${out} is as it was`);
    });
    // The lock is held until the check report is written: another export into --out is refused meanwhile.
    try {
      // The adapter and --steps are checked against the model's config and tokenizer before its
      // weights are read (or downloaded), as studio train's settings are.
      const head = await openCliModelFiles(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet: quiet || f.json });
      const config = await readModelSpec(head.files);
      const adapter = (await readAdapter(config, f.adapter, modelArg)) ?? null;
      // Before the export is written: a check past the model's context fails only after it, on a
      // buffer limit that does not name --steps, and leaves an export without its check report.
      const prompts = f['no-check'] ? [] : await checkPrompts(head.files, config, f.prompt ?? DEFAULT_PROMPTS);
      const longest = Math.max(0, ...prompts.map((p) => p.length));
      if (prompts.length && longest + steps > config.maxPositionEmbeddings) throw new CliError(checkTooLong(f, longest, steps, config.maxPositionEmbeddings), 2);
      const files = await head.weightFiles();
      // The weights' headers against the config (their dtype is the spec's from here), before a GPU starts.
      const { spec, checkpoint } = await openWeights(files, config);
      await checkpoint.close();

      // Ctrl-C stops the merge before its next tensor (nothing is written) or the check before its
      // next prompt (the export stays, without its report); --out's lock goes either way.
      const stop = new AbortController();
      let written = false;
      const ctx = await acquireNodeGpu();
      const gpu = createGpu(ctx);
      const exportAndCheck = async (): Promise<number> => {
        const started = Date.now();
        const result = await exportOnnxModel(gpu, files, {
          dtype,
          adapter,
          signal: stop.signal,
          onProgress: (p) => progress.update(`export ${p.stage} ${p.tensorsDone}/${p.tensorsTotal} tensors, ${(p.bytesDone / 2 ** 20).toFixed(1)}/${(p.bytesTotal / 2 ** 20).toFixed(1)} MiB`, p.stage !== 'weights'),
        });
        progress.done();
        await replaceExport(folder, result.files);
        written = true;
        if (!f.json) console.log(`exported ${result.files.size} files (${(result.weightBytes / 2 ** 20).toFixed(1)} MiB of ${dtype} weights${adapter ? ', LoRA merged' : ''}) to ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        if (f['no-check']) return 0;

        progress.update('checking the export with onnxruntime-web (wasm) against the engine…', true);
        let report: ExportCheckReport;
        try {
          report = await verifyOnnxExport(gpu, files, adapter, result, { prompts, steps, eosTokenIds: spec.eosTokenIds, signal: stop.signal });
        } catch (err) {
          if (stop.signal.aborted) throw err;
          // As in the Runs panel: a check that cannot run (a model too large for onnxruntime-web's
          // WebAssembly heap) does not take the written export away, and says that it is there.
          // The check says which side failed: our engine's out-of-memory is said as the engine's,
          // with this command's flags (main words it), not as onnxruntime-web's.
          progress.done();
          const { side, message } = checkFailure(err);
          throw new CliError(`the export in ${out} is written, but its check could not run${side ? ` ${SIDE_WORDS[side]}` : ''}: ${message.split('\n')[0]}`, 3);
        }
        progress.done();
        if (f.json) console.log(JSON.stringify(report));
        else printReport(report);
        try {
          writeFileSync(join(out, EXPORT_CHECK_FILE), JSON.stringify(report, null, 2) + '\n');
        } catch (err) {
          // A full disk now fails only the report: the export is whole and was checked (printed
          // above), and a half-written report must not stand beside it as if it were one.
          rmSync(join(out, EXPORT_CHECK_FILE), { force: true });
          const checked = report.passed ? 'its check passed' : 'its check failed';
          throw new CliError(`the export in ${out} is written and ${checked}, but ${EXPORT_CHECK_FILE} could not be written (${fileErrorWords(err)})`, report.passed ? 1 : 3);
        }
        return report.passed ? 0 : 3;
      };
      untilMerge();
      try {
        return await stoppableExport(progress, stop, 'stopping at the next tensor or check prompt', () => (written ? `interrupted: the export in ${out} is written, but not checked (no ${EXPORT_CHECK_FILE})` : `interrupted: nothing was exported; ${out} is as it was`), exportAndCheck);
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

/** The side a check that could not run failed on, after "its check could not run". */
const SIDE_WORDS: Record<ExportCheckSide, string> = { engine: 'our engine', 'onnxruntime-web': 'on onnxruntime-web (wasm)' };

/** A check past the model's context, said as the flags the user gave (a long --prompt alone was
 * once told "--steps 8:", a flag never given); a prompt past the context alone is shortened, not
 * helped by fewer --steps. */
function checkTooLong(f: { prompt?: string[]; steps?: number }, longest: number, steps: number, context: number): string {
  const gave = [f.prompt && '--prompt', f.steps !== undefined && `--steps ${steps}`].filter(Boolean).join(' and ') || 'the default check';
  const compared = f.steps === undefined ? `${steps} compared tokens (--steps, default ${steps})` : `${steps} compared tokens`;
  const remedy = longest >= context ? 'shorten --prompt' : 'lower --steps or shorten --prompt';
  return `${gave}: a check prompt of ${longest} tokens and ${compared} pass the model's ${context}-token context (max_position_embeddings); ${remedy}`;
}

/** Prompt texts → ids with the model's tokenizer, encoded plainly: no chat template is rendered, so
 * a model without one (a base model) is checked too. A model without a tokenizer (tiny test models)
 * gets fixed pseudo-random ids so the check still runs. */
async function checkPrompts(files: ModelFiles, spec: ModelSpec, texts: string[]): Promise<number[][]> {
  const tokenizerJson = await readModelText(files, 'tokenizer.json', true);
  if (tokenizerJson !== null) {
    const { PreTrainedTokenizer } = await import('@huggingface/transformers');
    const config = JSON.parse((await readModelText(files, 'tokenizer_config.json', true)) ?? '{}');
    const tokenizer = new PreTrainedTokenizer(JSON.parse(tokenizerJson), config);
    return texts.map((t) => tokenizer.encode(t));
  }
  return texts.map((_, p) => Array.from({ length: 6 + p }, (_, i) => (7919 * (p + 1) + 104729 * i) % spec.vocabSize));
}

function printReport(r: ExportCheckReport): void {
  console.log(`check (${r.executionProvider}, ${r.dtype}): max |logit diff| ${r.maxAbsDiff.toExponential(2)} (tolerance ${r.tolerance.toExponential(1)}), KV-cache vs full ${r.kvCacheMaxAbsDiff.toExponential(2)}, greedy tokens ${r.greedyEqual ? 'equal' : r.greedyNearTie ? 'equal up to a near-tie' : 'DIFFER'} → ${r.passed ? 'passed' : 'FAILED'}`);
  for (const p of r.prompts) {
    console.log(`  prompt of ${p.promptIds.length} tokens: max diff ${p.maxAbsDiff.toExponential(2)}; engine [${p.engineTokens.join(' ')}] onnx [${p.onnxTokens.join(' ')}]`);
  }
}
