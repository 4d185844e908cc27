// `studio inspect --model <model dir | repo id>` (or the model as its one argument): the model's architecture, parameter count and the memory
// plan for a training setting, with the verdict the studio would give before allocating anything.
// Owns argument handling and printing only; the numbers come from src/model. Starts a GPU only
// with --gpu (to plan against this machine's real limits).
import { ASSUMED_GPU_MEMORY_BYTES } from '../../gpu/context.ts';
import { openModel } from '../../model/checkpoint.ts';
import { parameterCount, type ModelSpec } from '../../model/config.ts';
import { LORA_TARGETS, loraParameterCount, parseLoraTargets, type LoraTarget } from '../../model/lora.ts';
import { formatBytes, planMemory, type MemoryPlan, type PlanLimits } from '../../model/memory-plan.ts';
import { DEFAULT_DECODE, type DecodeShape } from '../../model/decoding.ts';
import { matmulScratchKind } from '../../ops/matmulKernels.ts';
import { DEFAULT_RUN_CONFIG } from '../../train/config.ts';
import { parseFlags, positiveInt } from '../args.ts';
import { samplingFlags } from '../runFlags.ts';
import { CliError, type CliCommand } from '../command.ts';
import { resolveModel } from '../modelSource.ts';

/** WebGPU's default limits: what every adapter grants, so a plan that fits these fits anywhere. */
const WEBGPU_DEFAULT_LIMITS = { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 };

/** The run planned without flags is the one `studio train` makes without them, so "does a default
 * run fit" gets that run's plan. */
const TRAIN = DEFAULT_RUN_CONFIG;

/** Train takes its length from the data, which inspect does not read: this stands in for it. */
const ASSUMED_SEQ_LEN = 1024;

const targetsWord = (targets: readonly LoraTarget[]) => (targets.length === LORA_TARGETS.length ? 'all' : targets.join(','));

const usage = `studio inspect --model <dir|repo> [options]   (or the model as the one argument: studio inspect <dir|repo>)
  --model DIR|REPO   the model's folder or Hugging Face repo id (or give it as the one argument)
  --batch N          micro-batch size (default ${TRAIN.batchSize}, as studio train)
  --seq N            sequence length in tokens (default ${ASSUMED_SEQ_LEN}; studio train picks it from the data
                     unless --seq is given): the 95th percentile of the training examples' tokens,
                     rounded up to 64; give that length here to plan the same run
  --rank N           LoRA rank (default ${TRAIN.lora.rank}, as studio train)
  --targets LIST     LoRA targets: q,k,v,o,gate,up,down or all (default ${targetsWord(TRAIN.lora.targets)}, as studio train)
  --recompute        recompute each layer's activations in backward (keeps only layer inputs;
                     default ${TRAIN.recompute ? 'on' : 'off'}, as studio train)
  --gen-batch N      answers generated at once by evaluation and HDR (default ${DEFAULT_DECODE.batch})
  --max-tokens N     new tokens per answer in evaluation and HDR (default ${DEFAULT_DECODE.maxNewTokens})
  --prompt-tokens N  the longest prompt evaluation and HDR decode (they render prompts whole,
                     whatever the training length); HDR retrains at it plus --max-tokens. Without
                     it, prompts up to --seq
  --temperature T    the temperature evaluation samples at (studio eval --temperature): above 0
                     it holds the sampler's buffers too (default 0, greedy; HDR always samples)
  --memory-gib N     GPU memory to plan against (default ${ASSUMED_GPU_MEMORY_BYTES / 2 ** 30}, assumed)
  --gpu              plan against this machine's WebGPU adapter limits instead of WebGPU defaults
  --hub-base URL     hub base URL (default $HF_ENDPOINT or https://huggingface.co)
  --cache DIR        download cache (default $STUDIO_CACHE or ~/.cache/balancesft-studio/models)
  --json             print one JSON object
Exit code 0 when the plan fits, 3 when it does not.`;

const command: CliCommand = {
  summary: 'show a model’s architecture, parameter count and memory plan',
  usage,
  async run(argv) {
    const f = parseFlags(argv, {
      batch: 'number', seq: 'number', rank: 'number', targets: 'strings', recompute: 'boolean', 'memory-gib': 'number', 'gen-batch': 'number', 'max-tokens': 'number', 'prompt-tokens': 'number', temperature: 'number',
      model: 'string', gpu: 'boolean', 'hub-base': 'string', cache: 'string', json: 'boolean',
    }, { positionals: true });
    // --model as every other command takes it; the bare argument as inspect always took it.
    if (f.model !== undefined && f._.length) throw new CliError(`give the model once: --model ${f.model} or the argument ${f._.map((w) => JSON.stringify(w)).join(' ')}, not both`, 2);
    // One line (a usage error prints only its first): the words given, so a path split at a space shows.
    if (f.model === undefined && f._.length === 0) throw new CliError('missing required option --model (or give the model as the one argument: studio inspect <dir|repo>)', 2);
    if (f.model === undefined && f._.length > 1) {
      throw new CliError(`expected one model directory or repo id, got ${f._.length}: ${f._.map((w) => JSON.stringify(w)).join(' ')} (quote a path with spaces); ${usage.split('\n')[0]}`, 2);
    }
    const model = f.model ?? f._[0];
    let targets;
    try {
      targets = f.targets ? parseLoraTargets(f.targets) : [...TRAIN.lora.targets];
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
    const { temperature } = samplingFlags(f);
    const decode: DecodeShape = { batch: f['gen-batch'] ?? DEFAULT_DECODE.batch, maxNewTokens: f['max-tokens'] ?? DEFAULT_DECODE.maxNewTokens, promptTokens: f['prompt-tokens'], sampled: temperature > 0 };
    const shape = { batch: f.batch ?? TRAIN.batchSize, seqLen: f.seq ?? ASSUMED_SEQ_LEN, rank: f.rank ?? TRAIN.lora.rank, targets, recompute: f.recompute ?? TRAIN.recompute, decode };
    const seqLenAssumed = f.seq === undefined;
    for (const [k, v] of Object.entries({ batch: shape.batch, seq: shape.seqLen, rank: shape.rank, 'gen-batch': decode.batch, 'max-tokens': decode.maxNewTokens, ...(decode.promptTokens !== undefined && { 'prompt-tokens': decode.promptTokens }) })) {
      positiveInt(v, k, 1);
    }
    // Before the model is read (or downloaded) and a GPU started, as every other flag.
    const memoryGib = f['memory-gib'] ?? ASSUMED_GPU_MEMORY_BYTES / 2 ** 30;
    if (!(memoryGib > 0)) throw new CliError(`--memory-gib must be above 0, got ${memoryGib}`, 2);

    // The same resolution (folder or repo id, cache location, progress line) as every other command.
    const files = await resolveModel(model, { hubBase: f['hub-base'], cacheDir: f.cache, quiet: f.json, label: f.model === undefined ? 'model' : '--model' });
    const { spec, checkpoint } = await openModel(files);
    const weightFiles = checkpoint.files;
    await checkpoint.close();

    let limits: PlanLimits & { source: string };
    if (f.gpu) {
      const { acquireNodeGpu } = await import('../../gpu/nodeGpu.ts');
      const ctx = await acquireNodeGpu();
      // The kernels this adapter runs, for their scratch: the plan the studio shows in a browser on it.
      limits = { maxBufferSize: ctx.limits.maxBufferSize, maxStorageBufferBindingSize: ctx.limits.maxStorageBufferBindingSize, matmulScratch: matmulScratchKind({ ctx }), source: 'this adapter' };
      ctx.destroy();
    } else {
      limits = { ...WEBGPU_DEFAULT_LIMITS, source: 'WebGPU defaults' };
    }
    limits.memoryBytes = Math.round(memoryGib * 2 ** 30);
    const plan = planMemory(spec, shape, limits);
    const loraParams = loraParameterCount(spec, { ...TRAIN.lora, rank: shape.rank, targets });

    if (f.json) {
      console.log(JSON.stringify({ model: files.label, spec, parameters: parameterCount(spec), weightFiles, loraParameters: loraParams, settings: shape, seqLenAssumed, limits, plan }));
    } else {
      printReport(files.label, spec, weightFiles, loraParams, shape, seqLenAssumed, limits, plan);
    }
    return plan.fits ? 0 : 3;
  },
};
export default command;

const n = (x: number) => x.toLocaleString('en-US');

function printReport(label: string, s: ModelSpec, weightFiles: string[], loraParams: number, shape: { batch: number; seqLen: number; rank: number; targets: string[]; recompute: boolean; decode: DecodeShape }, seqLenAssumed: boolean, limits: PlanLimits & { source: string }, plan: MemoryPlan): void {
  const rope = s.ropeScaling ? `llama3 scaling ×${s.ropeScaling.factor} from ${s.ropeScaling.originalMaxPositionEmbeddings}` : 'no scaling';
  const parts = [s.tieWordEmbeddings ? 'tied LM head' : 'separate LM head', s.qkvBias ? 'q/k/v bias' : '', s.qkNorm ? 'q/k norm' : ''].filter(Boolean);
  const lines = [
    `model        ${label}`,
    `architecture ${s.architecture} (${s.family}): ${s.numLayers} layers, hidden ${s.hiddenSize}, ${s.numHeads} heads / ${s.numKvHeads} KV heads × ${s.headDim}, MLP ${s.intermediateSize}, vocab ${n(s.vocabSize)}`,
    `             RoPE θ ${s.ropeTheta} (${rope}), RMSNorm ε ${s.rmsNormEps}, ${parts.join(', ')}, ${s.dtype}`,
    `parameters   ${n(parameterCount(s))} (${formatBytes(plan.categories.weights)} in ${weightFiles.join(', ')})`,
    `LoRA         r=${shape.rank} on ${shape.targets.join(',')}: ${n(loraParams)} trainable parameters`,
    '',
    `memory plan  batch ${shape.batch} × seq ${shape.seqLen}${seqLenAssumed ? ' (assumed: studio train picks the length from the data unless --seq is given)' : ''} = ${n(plan.tokens)} tokens, recompute ${shape.recompute ? 'on' : 'off'}, LM-head chunk ${plan.lmHeadChunk}`,
  ];
  const c = plan.categories;
  const rows: Array<[string, number]> = [
    ['weights', c.weights], ['LoRA params', c.loraParams], ['LoRA grads', c.loraGrads], ['AdamW moments', c.optimizer],
    ['activations', c.activations], ['scratch', c.scratch], ['LM head + loss', c.lmHead], ['inputs', c.inputs], ['kernel scratch', c.kernelScratch],
  ];
  for (const [name, bytes] of rows) lines.push(`  ${name.padEnd(16)} ${formatBytes(bytes).padStart(10)}`);
  lines.push(`  ${'training total'.padEnd(16)} ${formatBytes(plan.trainingBytes).padStart(10)}`);
  lines.push(`  ${'generation'.padEnd(16)} ${formatBytes(plan.generationBytes).padStart(10)}  (evaluation: weights + adapter + KV cache ${formatBytes(c.kvCache)}${shape.decode.sampled ? ', with the sampler' : ', greedy'})`);
  lines.push(`  ${'HDR'.padEnd(16)} ${formatBytes(plan.hdrBytes).padStart(10)}  (the model it retrains at sequence ${plan.hdrSeqLen}, with the KV cache and sampler)`);
  lines.push(`  (KV cache for ${shape.decode.batch} answers at once of up to ${Math.max(shape.seqLen, shape.decode.promptTokens ?? 0)} prompt + ${shape.decode.maxNewTokens} new tokens)`);
  lines.push(`  largest buffer   ${formatBytes(plan.largestBuffer.bytes).padStart(10)}  (${plan.largestBuffer.label})`);
  lines.push(`  limits           binding ${formatBytes(limits.maxStorageBufferBindingSize)}, buffer ${formatBytes(limits.maxBufferSize)} (${limits.source}), memory ${formatBytes(limits.memoryBytes ?? 0)}`);
  lines.push('');
  if (plan.fits) {
    lines.push('verdict      fits');
  } else {
    lines.push('verdict      does NOT fit');
    for (const p of plan.problems) lines.push(`  - ${p}`);
    lines.push('try');
    for (const sg of plan.suggestions) lines.push(`  - ${sg}`);
  }
  // HDR's own verdict (the studio's too): its longer retraining can pass a limit training does not.
  // The remedy is in studio hdr's flags: it retrains at its own --batch (else its --adapter run's),
  // not at this command's --batch, over the longest prompt among those it mines.
  if (plan.hdrProblems.length > 0) {
    // Inspect reads no data: the prompt is the one it was told, or its assumption (prompts up to --seq).
    const prompt = shape.decode.promptTokens !== undefined ? `a prompt of --prompt-tokens ${shape.decode.promptTokens}` : `prompts up to --seq ${shape.seqLen}`;
    lines.push(`HDR          does NOT fit: it retrains at sequence ${plan.hdrSeqLen} (${prompt}, plus up to --max-tokens ${shape.decode.maxNewTokens}); for studio hdr: lower its --max-tokens, or --mine-limit (fewer examples mined, so a shorter longest prompt), or retrain at a smaller --batch (default: the --adapter run folder’s, else ${DEFAULT_RUN_CONFIG.batchSize})`);
    for (const p of plan.hdrProblems) lines.push(`  - ${p}`);
  }
  console.log(lines.join('\n'));
}
