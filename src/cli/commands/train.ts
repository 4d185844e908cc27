// `studio train`: LoRA fine-tuning with the SSB loss (or SFT / fixed weight) on the headless
// engine. Writes a PEFT adapter, metrics.jsonl, run.json and a resumable checkpoint to --out.
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseFlags, requireFlag } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { resolveModel } from '../modelSource.ts';
import { datasetFiles, readAdapter } from '../localFiles.ts';
import { ProgressLine } from '../progress.ts';
import { acquireNodeGpu } from '../../gpu/nodeGpu.ts';
import { createGpu } from '../../gpu/index.ts';
import { isSourceFormat } from '../../data/formats/registry.ts';
import { loadEngineModel } from '../../model/engineModel.ts';
import { parseLoraTargets } from '../../model/lora.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, exportPeftAdapter } from '../../model/peft.ts';
import { readLoraParams } from '../../model/deviceLora.ts';
import { encodeSafetensors, type TensorToWrite } from '../../model/safetensors.ts';
import { DEFAULT_RUN_CONFIG, validateRunConfig, type RunConfig } from '../../train/config.ts';
import { prepareTrainingData, tokenizerFromModel } from '../../train/prepareData.ts';
import { Trainer, type DumpedStep } from '../../train/trainer.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../train/checkpointFile.ts';
import type { ScheduleKind } from '../../train/schedule.ts';

const usage = `usage: studio train --model <dir|repo> --data <file>[,<file>…] --out <dir> [options]

Fine-tunes a LoRA adapter on the GPU (WebGPU through Dawn; SwiftShader when there is no GPU).
Writes <out>/adapter_config.json + adapter_model.safetensors (PEFT), metrics.jsonl, run.json and
checkpoint.safetensors (resume with --resume).

options:
  --adapter <dir>         start from an existing PEFT adapter (its rank/alpha/targets win)
  --steps <n>             optimizer steps (default ${DEFAULT_RUN_CONFIG.steps}); or --epochs <n>
  --batch <n>             examples per micro-batch (default ${DEFAULT_RUN_CONFIG.batchSize})
  --grad-accum <n>        micro-batches per optimizer step (default 1)
  --seq <n>               sequence length in tokens (default ${DEFAULT_RUN_CONFIG.seqLen})
  --lr <x>                learning rate (default ${DEFAULT_RUN_CONFIG.lr}); --balance-lr for SSB's θ
  --schedule <s>          cosine | linear | constant (default cosine); --warmup <steps>
  --rank <n> --alpha <x>  LoRA rank and alpha (default 8, 16); --rslora
  --targets <list>        q,k,v,o,gate,up,down or all (default all)
  --loss <l>              ssb | sft | fixed:<α> (default ssb)
  --max-grad-norm <x>     global-norm clip (default 1; 0 disables)
  --weight-decay <x>      AdamW decoupled weight decay (default 0)
  --seed <n>              data order, LoRA init and split seed (default 42)
  --recompute             recompute activations per layer in the backward (less memory)
  --eval-every <n>        held-out loss every n steps (default 20, 0 = never); --eval-examples <n>
  --checkpoint-every <n>  checkpoint every n steps (default 20; always at the end)
  --resume                continue from <out>/checkpoint.safetensors
  --format <name>         force the dataset format
  --include-failing       train on examples that fail the quality check too
  --dump-step <file>      write the first optimizer step's inputs, losses and LoRA gradients as safetensors, then stop
  --hub-base <url>        Hugging Face endpoint for repo ids (default https://huggingface.co or $HF_ENDPOINT)
  --cache <dir>           model download cache
  --quiet                 no progress line`;

const flagsSpec = {
  model: 'string', data: 'strings', out: 'string', adapter: 'string', steps: 'number', epochs: 'number', batch: 'number', 'grad-accum': 'number',
  seq: 'number', lr: 'number', 'balance-lr': 'number', schedule: 'string', warmup: 'number', rank: 'number', alpha: 'number', rslora: 'boolean',
  targets: 'string', loss: 'string', 'max-grad-norm': 'number', 'weight-decay': 'number', seed: 'number', recompute: 'boolean',
  'eval-every': 'number', 'eval-examples': 'number', 'checkpoint-every': 'number', resume: 'boolean', format: 'string',
  'include-failing': 'boolean', 'dump-step': 'string', 'hub-base': 'string', cache: 'string', quiet: 'boolean',
} as const;

function i32Tensor(name: string, shape: number[], values: ArrayLike<number>): TensorToWrite {
  const a = Int32Array.from(values);
  return { name, dtype: 'I32', shape, data: new Uint8Array(a.buffer) };
}
function f32Tensor(name: string, shape: number[], values: ArrayLike<number>): TensorToWrite {
  const a = Float32Array.from(values);
  return { name, dtype: 'F32', shape, data: new Uint8Array(a.buffer) };
}

/** DESIGN.md's dump layout: the optimizer batch's rows padded to its longest micro-batch. */
export function encodeDumpStep(d: DumpedStep): Uint8Array {
  const T = Math.max(...d.batches.map((b) => b.T));
  const rows = d.batches.reduce((n, b) => n + b.B, 0);
  const ids = new Int32Array(rows * T);
  const mask = new Int32Array(rows * T);
  const segs = new Int32Array(rows * T);
  let r = 0;
  for (const b of d.batches) {
    for (let i = 0; i < b.B; i++, r++) {
      for (let t = 0; t < b.T; t++) {
        ids[r * T + t] = b.inputIds[i * b.T + t];
        mask[r * T + t] = b.attentionMask[i * b.T + t];
        segs[r * T + t] = b.attentionMask[i * b.T + t] ? b.segments[i * b.T + t] : 0;
      }
    }
  }
  const tensors: TensorToWrite[] = [
    i32Tensor('input_ids', [rows, T], ids),
    i32Tensor('attention_mask', [rows, T], mask),
    i32Tensor('segments', [rows, T], segs),
    f32Tensor('loss', [], [d.loss]),
    f32Tensor('loss_cot', [], [d.lossCot]),
    f32Tensor('loss_call', [], [d.lossCall]),
    f32Tensor('ssb_alpha', [], [d.alpha]),
    f32Tensor('grad.ssb_alpha', [], [d.gradAlpha]),
  ];
  for (const [key, g] of d.grads) tensors.push(f32Tensor(`grad.${key}`, [g.length], g));
  return encodeSafetensors(tensors, { format: 'balancesft-dump-step' });
}

const train: CliCommand = {
  summary: 'fine-tune a LoRA adapter with the SSB loss; writes a PEFT adapter and metrics',
  usage,
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const modelArg = requireFlag(f.model, 'model');
    const dataFiles = requireFlag(f.data, 'data');
    const out = requireFlag(f.out, 'out');
    if (f.format && !isSourceFormat(f.format)) throw new CliError(`unknown --format ${f.format}`);
    if (f.schedule && !['cosine', 'linear', 'constant'].includes(f.schedule)) throw new CliError(`--schedule must be cosine, linear or constant, not ${f.schedule}`);
    const config: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      loss: f.loss ?? DEFAULT_RUN_CONFIG.loss,
      lora: {
        ...DEFAULT_RUN_CONFIG.lora,
        rank: f.rank ?? DEFAULT_RUN_CONFIG.lora.rank,
        alpha: f.alpha ?? DEFAULT_RUN_CONFIG.lora.alpha,
        useRsLora: f.rslora ?? false,
        targets: f.targets ? parseLoraTargets(f.targets) : DEFAULT_RUN_CONFIG.lora.targets,
      },
      lr: f.lr ?? DEFAULT_RUN_CONFIG.lr,
      balanceLr: f['balance-lr'],
      schedule: (f.schedule as ScheduleKind) ?? DEFAULT_RUN_CONFIG.schedule,
      warmupSteps: f.warmup ?? DEFAULT_RUN_CONFIG.warmupSteps,
      batchSize: f.batch ?? DEFAULT_RUN_CONFIG.batchSize,
      gradAccum: f['grad-accum'] ?? 1,
      seqLen: f.seq ?? DEFAULT_RUN_CONFIG.seqLen,
      maxGradNorm: f['max-grad-norm'] ?? DEFAULT_RUN_CONFIG.maxGradNorm,
      weightDecay: f['weight-decay'] ?? 0,
      seed: f.seed ?? DEFAULT_RUN_CONFIG.seed,
      recompute: f.recompute ?? false,
      evalEvery: f['eval-every'] ?? DEFAULT_RUN_CONFIG.evalEvery,
      evalExamples: f['eval-examples'] ?? DEFAULT_RUN_CONFIG.evalExamples,
      checkpointEvery: f['checkpoint-every'] ?? DEFAULT_RUN_CONFIG.checkpointEvery,
      steps: f.steps ?? DEFAULT_RUN_CONFIG.steps,
    };
    try {
      validateRunConfig(config);
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
    const quiet = f.quiet ?? false;
    const progress = new ProgressLine(quiet);
    const files = await resolveModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet });
    const tokenizer = await tokenizerFromModel(files);
    const datasets = await datasetFiles(dataFiles);
    const data = await prepareTrainingData(tokenizer, datasets, { seqLen: config.seqLen, format: f.format as never, includeFailing: f['include-failing'], split: { seed: config.seed, evalFraction: 0.1 } });
    for (const p of data.problems.slice(0, 20)) console.error(`note: ${p}`);
    if (data.problems.length > 20) console.error(`note: … and ${data.problems.length - 20} more`);
    if (data.train.length === 0) throw new CliError(`no trainable examples in ${dataFiles.join(', ')} (${data.counts.imported} imported, ${data.counts.failedQuality} failed the quality check, ${data.counts.tooLong} too long)`);
    if (f.epochs !== undefined) config.steps = Math.max(1, Math.ceil((f.epochs * data.train.length) / (config.batchSize * config.gradAccum)));

    const adapter = await readAdapter(files, f.adapter);
    if (adapter) config.lora = adapter.settings;

    const ctx = await acquireNodeGpu();
    const gpu = createGpu(ctx);
    const model = await loadEngineModel(gpu, files, { lora: config.lora, adapter, seed: config.seed, maxTokens: config.batchSize * config.seqLen, recompute: config.recompute });
    const trainer = new Trainer(model.state, data.train, config);
    mkdirSync(out, { recursive: true });

    if (f['dump-step']) {
      writeFileSync(f['dump-step'], encodeDumpStep(await trainer.dumpNextStep()));
      console.log(`wrote ${f['dump-step']}`);
      return 0;
    }

    const metricsPath = join(out, 'metrics.jsonl');
    const ckptPath = join(out, 'checkpoint.safetensors');
    if (f.resume) {
      if (!existsSync(ckptPath)) throw new CliError(`--resume: ${ckptPath} does not exist`);
      const { state } = await decodeCheckpoint(new Uint8Array(readFileSync(ckptPath)), ckptPath);
      trainer.restoreState(state);
      // Metrics after the checkpoint's step are replayed; drop them so the history stays one curve.
      if (existsSync(metricsPath)) {
        const kept = readFileSync(metricsPath, 'utf8').split('\n').filter((l) => l && JSON.parse(l).step <= state.step);
        writeFileSync(metricsPath, kept.map((l) => l + '\n').join(''));
      }
    } else {
      writeFileSync(metricsPath, '');
    }
    const runJson = {
      model: modelArg,
      data: dataFiles.map((p) => basename(p)),
      config,
      examples: { train: data.train.length, eval: data.eval.length, ...data.counts },
      memory: model.bytes,
      adapter: ctx.adapter,
    };
    writeFileSync(join(out, 'run.json'), JSON.stringify(runJson, null, 2) + '\n');
    const evalSet = data.eval.slice(0, config.evalExamples);
    const saveCheckpoint = async () => writeFileSync(ckptPath, encodeCheckpoint(await trainer.saveState(), { model: modelArg }));

    while (trainer.step < config.steps) {
      const m = await trainer.trainStep();
      appendFileSync(metricsPath, JSON.stringify({ kind: 'train', ...m }) + '\n');
      progress.update(
        `step ${m.step}/${config.steps}  loss ${m.loss.toFixed(4)}  cot ${m.lossCot.toFixed(4)}  call ${m.lossCall.toFixed(4)}  α ${m.alpha.toFixed(3)}  lr ${m.lr.toExponential(2)}  |g| ${m.gradNorm.toFixed(3)}  ${m.tokensPerSecond.toFixed(0)} tok/s`,
        m.step === config.steps,
      );
      if (config.evalEvery > 0 && evalSet.length > 0 && (m.step % config.evalEvery === 0 || m.step === config.steps)) {
        appendFileSync(metricsPath, JSON.stringify({ kind: 'eval', ...(await trainer.evalLoss(evalSet)) }) + '\n');
      }
      if (config.checkpointEvery > 0 && m.step % config.checkpointEvery === 0) await saveCheckpoint();
    }
    progress.done();
    await saveCheckpoint();
    const peft = exportPeftAdapter(model.state.spec, await readLoraParams(gpu, model.state.lora!), modelArg);
    writeFileSync(join(out, ADAPTER_CONFIG_FILE), peft.adapterConfigJson);
    writeFileSync(join(out, ADAPTER_WEIGHTS_FILE), peft.adapterSafetensors);
    console.log(`trained ${config.steps} steps on ${data.train.length} examples; adapter written to ${out}`);
    trainer.destroy();
    model.release();
    return 0;
  },
};
export default train;
