// `studio hdr`: Hard Data Re-sampling on the headless engine. Mines hard cases (training examples
// the model answers wrongly), then runs rounds of sampling, the quality gate, retraining from the
// current adapter and re-evaluation until the pool is empty, stops shrinking, or the round limit.
// Writes the adapter (PEFT), rounds.jsonl (one line per round), hdr-examples.jsonl (accepted
// samples in the Example shape), hard-cases.jsonl (the open pool) and hdr.json to --out.
// Owns only flags, files and output; the procedure is src/hdr/rounds.ts.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseFlags, requireFlag } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { resolveModel } from '../modelSource.ts';
import { ProgressLine } from '../progress.ts';
import type { SourceFormat } from '../../data/example.ts';
import { isSourceFormat } from '../../data/formats/registry.ts';
import { tokenizeExample } from '../../data/tokenize-example.ts';
import { readLoraParams } from '../../model/deviceLora.ts';
import { parseLoraTargets } from '../../model/lora.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, exportPeftAdapter } from '../../model/peft.ts';
import { DEFAULT_RUN_CONFIG, validateRunConfig, type RunConfig } from '../../train/config.ts';
import { prepareTrainingData, tokenizerFromModel } from '../../train/prepareData.ts';
import { DEFAULT_HDR_SETTINGS, mineHardCases, runHdrRounds, trainerRetraining, validateHdrSettings, type HardCase, type HdrEngine, type HdrRoundReport, type HdrSettings } from '../../hdr/index.ts';
import { loadForGeneration, positiveInt, predictionLine, prefillTokens } from './eval.ts';
import { datasetFiles, readAdapter } from '../localFiles.ts';

const d = DEFAULT_HDR_SETTINGS;
const usage = `usage: studio hdr --model <dir|repo> --data <file>[,<file>…] --out <dir> [options]

Hard Data Re-sampling: finds the training examples the model (+ adapter) answers wrongly, then per
round samples answers for them, keeps those that pass the quality gate (parse, AST check against
the ground truth, calls in the example's syntax, non-empty reasoning naming the called function,
base quality check), de-duplicates them, retrains the adapter on them plus replayed data, and
re-evaluates on the held-out split. Stops when the pool is empty, stops shrinking, or at --rounds.

options:
  --adapter <dir>         start from this PEFT adapter (else a fresh LoRA: --rank, --alpha, --targets)
  --rounds <n>            round limit (default ${d.maxRounds})
  --samples <k>           answers sampled per hard case and round (default ${d.samplesPerCase})
  --temperature <t>       sampling temperature (default ${d.temperature}); --top-p <p> (default ${d.topP})
  --steps-per-round <n>   optimizer steps after each round that accepted samples (default ${d.stepsPerRound})
  --replay <f>            share of each round's training set from qualified data, in [0, 1) (default ${d.replayShare})
  --max-tokens <n>        new tokens per answer (default ${d.maxNewTokens})
  --gen-batch <n>         prompts generated together (default ${d.batchSize})
  --mine train|eval       where hard cases come from (default train; eval leaks into the eval score)
  --mine-limit <n>        mine at most n examples; --eval-limit <n> evaluate on at most n
  --batch <n> --seq <n>   training micro-batch and sequence length (default ${DEFAULT_RUN_CONFIG.batchSize}, ${DEFAULT_RUN_CONFIG.seqLen})
  --lr <x> --loss <l>     learning rate (default ${DEFAULT_RUN_CONFIG.lr}), ssb | sft | fixed:<α> (default ssb)
  --rank <n> --alpha <x> --targets <list>   LoRA settings for a fresh adapter
  --seed <n>              split, sampling and data-order seed (default ${DEFAULT_RUN_CONFIG.seed}, as studio train)
  --format <name>         force the dataset format
  --hub-base <url> --cache <dir>   model download
  --quiet                 no progress line`;

const flagsSpec = {
  model: 'string', data: 'strings', out: 'string', adapter: 'string', rounds: 'number', samples: 'number', temperature: 'number', 'top-p': 'number',
  'steps-per-round': 'number', replay: 'number', 'max-tokens': 'number', 'gen-batch': 'number', mine: 'string', 'mine-limit': 'number', 'eval-limit': 'number',
  batch: 'number', seq: 'number', lr: 'number', loss: 'string', rank: 'number', alpha: 'number', targets: 'string', seed: 'number', format: 'string',
  'hub-base': 'string', cache: 'string', quiet: 'boolean',
} as const;

function roundLine(r: HdrRoundReport): string {
  const acc = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
  return `round ${r.round}: pool ${r.poolBefore} → ${r.poolAfter}  pass@k ${(100 * r.passAtK).toFixed(1)}%  accepted ${r.accepted} (${r.duplicates} duplicates)  eval ${acc(r.evalAccuracyBefore)} → ${acc(r.evalAccuracyAfter)}`;
}

function hardCaseLines(cases: HardCase[]): string {
  return cases.map((c) => JSON.stringify({ id: c.example.id, round: c.round, failed_outputs: c.failedOutputs }) + '\n').join('');
}

const hdr: CliCommand = {
  summary: 'hard data re-sampling: sample, gate and retrain on the examples the model fails',
  usage,
  async run(argv) {
    const f = parseFlags(argv, flagsSpec);
    const modelArg = requireFlag(f.model, 'model');
    const dataPaths = requireFlag(f.data, 'data');
    const out = requireFlag(f.out, 'out');
    const mine = f.mine ?? 'train';
    if (mine !== 'train' && mine !== 'eval') throw new CliError(`--mine must be train or eval, not ${mine}`, 2);
    if (f.format && !isSourceFormat(f.format)) throw new CliError(`unknown --format ${f.format}`, 2);
    const seed = f.seed ?? DEFAULT_RUN_CONFIG.seed;
    const settings: HdrSettings = {
      ...d,
      samplesPerCase: f.samples ?? d.samplesPerCase,
      temperature: f.temperature ?? d.temperature,
      topP: f['top-p'] ?? d.topP,
      maxRounds: f.rounds ?? d.maxRounds,
      stepsPerRound: f['steps-per-round'] ?? d.stepsPerRound,
      replayShare: f.replay ?? d.replayShare,
      maxNewTokens: f['max-tokens'] ?? d.maxNewTokens,
      batchSize: f['gen-batch'] ?? d.batchSize,
      seed,
    };
    const config: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      loss: f.loss ?? DEFAULT_RUN_CONFIG.loss,
      lora: {
        ...DEFAULT_RUN_CONFIG.lora,
        rank: f.rank ?? DEFAULT_RUN_CONFIG.lora.rank,
        alpha: f.alpha ?? DEFAULT_RUN_CONFIG.lora.alpha,
        targets: f.targets ? parseLoraTargets(f.targets) : DEFAULT_RUN_CONFIG.lora.targets,
      },
      lr: f.lr ?? DEFAULT_RUN_CONFIG.lr,
      batchSize: f.batch ?? DEFAULT_RUN_CONFIG.batchSize,
      seqLen: f.seq ?? DEFAULT_RUN_CONFIG.seqLen,
      seed,
      steps: settings.stepsPerRound,
      warmupSteps: Math.min(DEFAULT_RUN_CONFIG.warmupSteps, Math.max(0, settings.stepsPerRound - 1)),
    };
    try {
      validateHdrSettings(settings);
      validateRunConfig(config);
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
    const progress = new ProgressLine(f.quiet ?? false);

    const files = await resolveModel(modelArg, { hubBase: f['hub-base'], cacheDir: f.cache, quiet: f.quiet });
    const tokenizer = await tokenizerFromModel(files);
    const data = await prepareTrainingData(tokenizer, await datasetFiles(dataPaths), { seqLen: config.seqLen, format: f.format as SourceFormat | undefined, split: { seed, evalFraction: 0.1 } });
    for (const p of data.problems.slice(0, 20)) console.error(`note: ${p}`);
    if (data.problems.length > 20) console.error(`note: … and ${data.problems.length - 20} more`);
    let mineSet = mine === 'train' ? data.trainExamples : data.evalExamples;
    if (f['mine-limit'] !== undefined) mineSet = mineSet.slice(0, positiveInt(f['mine-limit'], 'mine-limit', 1));
    let evalSet = data.evalExamples;
    if (f['eval-limit'] !== undefined) evalSet = evalSet.slice(0, positiveInt(f['eval-limit'], 'eval-limit', 1));
    if (mineSet.length === 0) throw new CliError(`no ${mine} examples to mine hard cases from in ${dataPaths.join(', ')} (${data.counts.imported} imported, ${data.counts.failedQuality} failed the quality check, ${data.counts.tooLong} too long)`);

    const adapter = await readAdapter(files, f.adapter);
    if (adapter) config.lora = adapter.settings;
    const maxTokens = Math.max(config.batchSize * config.seqLen, prefillTokens(tokenizer, [...mineSet, ...evalSet]));
    const { model, access } = await loadForGeneration(files, tokenizer, { adapter, lora: config.lora, seed, maxTokens });
    const retrain = trainerRetraining(model.state, {
      config,
      stepsPerRound: settings.stepsPerRound,
      tokenize: (e) => {
        const t = tokenizeExample(tokenizer, e, { maxLen: config.seqLen });
        return { id: t.id, inputIds: t.inputIds, segments: t.segments };
      },
      onStep: (round, m) => progress.update(`round ${round}: step ${m.step}/${settings.stepsPerRound}  loss ${m.loss.toFixed(4)}  α ${m.alpha.toFixed(3)}`),
    });
    const engine: HdrEngine = { ...access, train: (examples, round, signal) => retrain.train(examples, round, signal) };

    mkdirSync(out, { recursive: true });
    const roundsPath = join(out, 'rounds.jsonl');
    const examplesPath = join(out, 'hdr-examples.jsonl');
    writeFileSync(roundsPath, '');
    writeFileSync(examplesPath, '');
    progress.update(`mining: answering ${mineSet.length} ${mine} examples`, true);
    const mined = await mineHardCases(mineSet, engine, settings);
    writeFileSync(join(out, 'mine-predictions.jsonl'), mined.report.predictions.map((p) => predictionLine(p) + '\n').join(''));
    console.log(`mined ${mined.pool.length} hard cases from ${mined.report.total} ${mine} examples (accuracy ${(100 * mined.report.accuracy).toFixed(1)}%)`);

    const result = await runHdrRounds({
      pool: mined.pool,
      evalSet,
      replayPool: data.trainExamples,
      engine,
      settings,
      hooks: {
        onHardCases: (_round, open) => writeFileSync(join(out, 'hard-cases.jsonl'), hardCaseLines(open)),
        onAccepted: (_round, examples) => appendFileSync(examplesPath, examples.map((e) => JSON.stringify(e) + '\n').join('')),
        onRound: (r) => {
          appendFileSync(roundsPath, JSON.stringify(r) + '\n');
          progress.done();
          console.log(roundLine(r));
        },
        onProgress: (text) => progress.update(text, true),
      },
    });
    progress.done();
    const peft = exportPeftAdapter(model.state.spec, await readLoraParams(model.state.gpu, model.state.lora!), modelArg);
    writeFileSync(join(out, ADAPTER_CONFIG_FILE), peft.adapterConfigJson);
    writeFileSync(join(out, ADAPTER_WEIGHTS_FILE), peft.adapterSafetensors);
    const summary = {
      model: modelArg, adapter: f.adapter ?? null, data: dataPaths.map((p) => basename(p)), settings, config, mine,
      stopReason: result.stopReason, rounds: result.rounds.length, poolStart: mined.pool.length,
      poolEnd: result.pool.filter((c) => c.status === 'open').length, added: result.added.length,
    };
    writeFileSync(join(out, 'hdr.json'), JSON.stringify(summary, null, 2) + '\n');
    console.log(`stopped: ${result.stopReason} after ${result.rounds.length} rounds; pool ${summary.poolStart} → ${summary.poolEnd}; ${summary.added} examples added; adapter written to ${out}`);
    model.release();
    return 0;
  },
};
export default hdr;
