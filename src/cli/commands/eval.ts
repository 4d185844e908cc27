// `studio eval`: generates an answer for every example of a dataset's eval split (or all of a
// dropped BFCL file) with the model and an optional LoRA adapter, checks each with the AST
// checker, prints accuracy overall / per category / per failure rule and writes every prediction
// as JSONL. Also exports the model-loading helpers `studio hdr` shares. Owns only files, flags and
// output; generation, checking and counting live in src/model and src/eval.
import { appendFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { parseFlags, requireFlag } from '../args.ts';
import { datasetFiles, readAdapter } from '../localFiles.ts';
import { CliError, type CliCommand } from '../command.ts';
import { resolveModel } from '../modelSource.ts';
import { ProgressLine } from '../progress.ts';
import { acquireNodeGpu } from '../../gpu/nodeGpu.ts';
import { createGpu } from '../../gpu/index.ts';
import type { Example, SourceFormat } from '../../data/example.ts';
import { isSourceFormat } from '../../data/formats/registry.ts';
import { importDatasetFiles } from '../../data/import-dataset.ts';
import { formatIssue } from '../../data/record-error.ts';
import { splitOf } from '../../data/split.ts';
import { renderPrompt } from '../../data/render-prompt.ts';
import { openModel } from '../../model/checkpoint.ts';
import { loadEngineModel, type EngineModel } from '../../model/engineModel.ts';
import { defaultStopTokenIds, generate } from '../../model/generate.ts';
import type { LoraAdapter, LoraSettings } from '../../model/lora.ts';
import type { ModelFiles } from '../../model/model-files.ts';
import { tokenizerFromModel } from '../../train/prepareData.ts';
import { DEFAULT_RUN_CONFIG } from '../../train/config.ts';
import { bindGenerator, evaluateExamples, formatEvalSummary, tokenizerModelAccess, type ModelAccess, type Prediction } from '../../eval/index.ts';

const usage = `usage: studio eval --model <dir|repo> --data <file>[,<file>…] --out <predictions.jsonl> [options]

Generates an answer for each example with the model (and adapter), checks the calls against the
ground truth with the BFCL AST checker, prints accuracy overall, per category and per failure
rule, and writes one JSON line per prediction to --out.

options:
  --adapter <dir>        a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors)
  --split <s>            eval | train | all (default eval: the held-out side of the seeded split
                         that studio train uses with the same --seed; use all for a BFCL file)
  --seed <n>             split seed (default ${DEFAULT_RUN_CONFIG.seed}, as studio train)
  --limit <n>            evaluate at most n examples
  --max-tokens <n>       new tokens per answer (default 256)
  --batch <n>            prompts generated together (default 8)
  --temperature <t>      sample instead of greedy decoding (default greedy); --top-p <p>
  --format <name>        force the dataset format
  --summary <file>       also write the summary (accuracy, per category, per rule) as JSON
  --hub-base <url>       Hugging Face endpoint for repo ids; --cache <dir> download cache
  --quiet                no progress line`;

const flagsSpec = {
  model: 'string', adapter: 'string', data: 'strings', out: 'string', split: 'string', seed: 'number', limit: 'number', 'max-tokens': 'number',
  batch: 'number', temperature: 'number', 'top-p': 'number', format: 'string', summary: 'string', 'hub-base': 'string', cache: 'string', quiet: 'boolean',
} as const;


export interface LoadedForGeneration {
  model: EngineModel;
  access: ModelAccess;
  tokenizer: PreTrainedTokenizer;
}

/**
 * The model on the GPU, ready to generate with the chat template's prompts. `maxTokens` sizes the
 * activations (prefill chunks, training batches); `lora` creates a fresh adapter when none is given.
 */
export async function loadForGeneration(
  files: ModelFiles,
  tokenizer: PreTrainedTokenizer,
  opts: { adapter?: LoraAdapter; lora: LoraSettings | null; seed: number; maxTokens: number },
): Promise<LoadedForGeneration> {
  const { spec, checkpoint } = await openModel(files);
  await checkpoint.close();
  const gpu = createGpu(await acquireNodeGpu());
  const model = await loadEngineModel(gpu, files, { lora: opts.lora, adapter: opts.adapter, seed: opts.seed, maxTokens: opts.maxTokens });
  const access = tokenizerModelAccess(tokenizer, bindGenerator(generate, model.state), await defaultStopTokenIds(files, spec));
  return { model, access, tokenizer };
}

/** Activation rows to plan: the longest prompt, so one prefill chunk holds any prompt (bounded). */
export function prefillTokens(tokenizer: PreTrainedTokenizer, examples: Example[]): number {
  let longest = 16;
  for (const e of examples) longest = Math.max(longest, renderPrompt(tokenizer, e).ids.length);
  return Math.min(longest, 4096);
}

export function positiveInt(value: number | undefined, flag: string, fallback: number): number {
  const v = value ?? fallback;
  if (!(Number.isInteger(v) && v >= 1)) throw new CliError(`--${flag} must be a whole number ≥ 1, got ${v}`, 2);
  return v;
}

export function predictionLine(p: Prediction): string {
  return JSON.stringify({
    id: p.exampleId, category: p.category, valid: p.valid, error_type: p.errors[0]?.rule, error: p.errors[0]?.message,
    finish_reason: p.finishReason, generated_tokens: p.generatedTokens, output: p.output,
  });
}

const evalCommand: CliCommand = {
  summary: 'generate answers with the model (+ adapter) and score them with the AST checker',
  usage,
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const modelArg = requireFlag(f.model, 'model');
    const dataPaths = requireFlag(f.data, 'data');
    const out = requireFlag(f.out, 'out');
    const split = f.split ?? 'eval';
    if (!['eval', 'train', 'all'].includes(split)) throw new CliError(`--split must be eval, train or all, not ${split}`, 2);
    if (f.format && !isSourceFormat(f.format)) throw new CliError(`unknown --format ${f.format}`, 2);
    const maxNewTokens = positiveInt(f['max-tokens'], 'max-tokens', 256);
    const batchSize = positiveInt(f.batch, 'batch', 8);
    const seed = f.seed ?? DEFAULT_RUN_CONFIG.seed;
    const progress = new ProgressLine(f.quiet ?? false);

    const imported = await importDatasetFiles(await datasetFiles(dataPaths), { format: f.format as SourceFormat | undefined });
    for (const issue of imported.issues.slice(0, 20)) console.error(`note: ${formatIssue(issue)}`);
    let examples: Example[] = imported.examples;
    if (split !== 'all') examples = examples.filter((e) => splitOf(e.id, { seed, evalFraction: 0.1 }) === split);
    if (f.limit !== undefined) examples = examples.slice(0, positiveInt(f.limit, 'limit', 1));
    if (examples.length === 0) throw new CliError(`no examples to evaluate in ${dataPaths.join(', ')} (split ${split}; ${imported.examples.length} imported)`);

    const files = await resolveModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet: f.quiet });
    const tokenizer = await tokenizerFromModel(files);
    const adapter = await readAdapter(files, f.adapter);
    const { model, access } = await loadForGeneration(files, tokenizer, { adapter, lora: null, seed, maxTokens: prefillTokens(tokenizer, examples) });
    writeFileSync(out, '');
    const t0 = performance.now();
    const report = await evaluateExamples(examples, access, {
      maxNewTokens, batchSize, temperature: f.temperature, topP: f['top-p'], seed,
      onProgress: (p) => progress.update(`evaluated ${p.done}/${p.total}  correct ${p.correct}  ${((performance.now() - t0) / 1000).toFixed(0)} s`, p.done === p.total),
    });
    progress.done();
    for (const p of report.predictions) appendFileSync(out, predictionLine(p) + '\n');
    const { predictions: _predictions, ...summary } = report;
    if (f.summary) writeFileSync(f.summary, JSON.stringify({ model: modelArg, adapter: f.adapter ?? null, data: dataPaths.map((p) => basename(p)), split, ...summary }, null, 2) + '\n');
    console.log(formatEvalSummary(report));
    console.log(`predictions written to ${out}`);
    model.release();
    return 0;
  },
};
export default evalCommand;
