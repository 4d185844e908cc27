// The training recipe: one studio run exported as a folder that trains the same thing past one GPU
// with the engine people already run at scale (Hugging Face transformers + PEFT under Accelerate,
// with DeepSpeed ZeRO-3 or FSDP for several GPUs and nodes). The folder holds
//   data/train.jsonl, data/eval.jsonl   the run's training and held-out examples as `studio tokenize`
//                                       writes them ({"id", "input_ids", "segments"}), tokenized with
//                                       the run's model, split and length rule (trainingSets)
//   recipe.json                         the run's config verbatim, with what Python needs resolved:
//                                       the balance settings, the PEFT LoraConfig, the base model
//   start_adapter/                      for a run that continued a trained adapter (studio train
//                                       --adapter): that adapter, which train.py loads instead of a
//                                       fresh LoRA (its α state, if the run continued one, is in recipe.json)
//   train.py, ssb_loss.py, recipe_data.py, recipe_loop.py   the trainer (./python/, real .py files)
//   accelerate_zero3.yaml, accelerate_fsdp.yaml, requirements.txt, README.md
// One writer for the CLI (`studio recipe`) and the worker ("Export recipe"): it takes tokenized
// examples and returns files; it never tokenizes, reads storage or touches the GPU.
import type { BalanceRule, BalanceState } from '../train/balance.ts';
import { balanceSettingsOf, lossLabel, validateRunConfig, type RunConfig } from '../train/config.ts';
import type { TokenizedExample } from '../train/batching.ts';
import { parseLossMode } from '../train/ssb.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, peftAdapterConfig } from '../model/peft.ts';
import trainPy from './python/train.py?raw';
import ssbLossPy from './python/ssb_loss.py?raw';
import recipeDataPy from './python/recipe_data.py?raw';
import recipeLoopPy from './python/recipe_loop.py?raw';

export const RECIPE_FORMAT = 'balancesft-recipe';
export const RECIPE_VERSION = 1;
export const RECIPE_CONFIG_FILE = 'recipe.json';
export const RECIPE_DATA_FILES = { train: 'data/train.jsonl', eval: 'data/eval.jsonl' } as const;
/** The Python modules of the recipe, by file name (the text of ./python/*.py). */
export const RECIPE_PYTHON: Readonly<Record<string, string>> = { 'train.py': trainPy, 'ssb_loss.py': ssbLossPy, 'recipe_data.py': recipeDataPy, 'recipe_loop.py': recipeLoopPy };
/** The balance rules ssb_loss.py implements. A rule the studio gains is refused by name until it
 * is ported there (and added here), never trained as some other rule. */
export const RECIPE_BALANCE_RULES: readonly BalanceRule[] = ['grad', 'uncertainty', 'dwa'];

export interface RecipeFile {
  name: string;
  bytes: Uint8Array;
}

export interface RecipeInput {
  /** The run's name, where it came from (its folder or id) and the studio's model reference. */
  run: { name: string; from: string; model: string };
  /** What transformers loads: a hub repo id or a local folder; null when the studio's model is
   * neither (the embedded model in the browser, dropped files): train.py then asks for one. */
  baseModel: string | null;
  config: RunConfig;
  /** trainingSets' output for the run's examples (src/train/prepareData.ts). */
  train: TokenizedExample[];
  held: TokenizedExample[];
  tooLong: string[];
  /** Training examples the chat template cannot render (skipped as the too-long ones). */
  unrendered: string[];
  /** The adapter the run continued (its PEFT files) and the balance state it continued, if any. */
  start?: RecipeStart;
}

export interface RecipeStart {
  /** The trained adapter the run continued, or null: a fresh LoRA (`studio train --balance` alone). */
  adapter: {
    /** Where it was (for the README). */
    from: string;
    configJson: Uint8Array;
    weights: Uint8Array;
  } | null;
  /** The balance state (balance.json's content) the run started from; null: α₀ of the run's rule. */
  balance: BalanceState | null;
}

export const RECIPE_START_ADAPTER = 'start_adapter';

export class RecipeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecipeError';
  }
}

/** Why the recipe cannot train this configuration as the studio did (naming the loss, rule or
 * setting), or null when it can. */
export function recipeRefusal(config: RunConfig): string | null {
  try {
    parseLossMode(config.loss);
  } catch {
    return `the loss "${config.loss}" is not one train.py knows (ssb, sft, fixed:<α>)`;
  }
  const rule = config.balanceRule ?? 'grad';
  if (config.loss === 'ssb' && !RECIPE_BALANCE_RULES.includes(rule)) {
    return `the loss ${lossLabel(config)} learns α with the balance rule "${rule}", which ssb_loss.py does not implement (it has ${RECIPE_BALANCE_RULES.join(', ')})`;
  }
  try {
    // A run's own configuration: its seed may predate the 32-bit limit (seedProblem).
    validateRunConfig(config, { stored: true });
  } catch (err) {
    return (err as Error).message;
  }
  return null;
}

/** A studio model reference as a transformers base model: a hub repo id or an absolute folder. */
export function baseModelOf(ref: string): string | null {
  if (/^[\w.-]+\/[\w.-]+$/.test(ref) || ref.startsWith('/')) return ref;
  return null;
}

/** The LoraConfig arguments train.py passes to PEFT: the fields of the adapter_config.json the
 * studio writes for these settings (peftAdapterConfig), so what PEFT saves reads back the same. */
export function recipePeftConfig(config: RunConfig): Record<string, unknown> {
  const full = peftAdapterConfig(config.lora, '');
  const keys = ['r', 'lora_alpha', 'lora_dropout', 'target_modules', 'use_rslora', 'layers_to_transform', 'bias', 'task_type'];
  return Object.fromEntries(keys.map((k) => [k, full[k]]));
}

const text = (s: string) => new TextEncoder().encode(s);

function jsonlRows(examples: TokenizedExample[]): string {
  return examples.map((e) => JSON.stringify({ id: e.id, input_ids: Array.from(e.inputIds), segments: Array.from(e.segments) }) + '\n').join('');
}

/** recipe.json: the run's config verbatim and what Python needs resolved from it. */
export function recipeJson(input: RecipeInput): Record<string, unknown> {
  return {
    format: RECIPE_FORMAT,
    version: RECIPE_VERSION,
    run: input.run,
    base_model: input.baseModel,
    config: input.config,
    balance: balanceSettingsOf(input.config),
    peft: recipePeftConfig(input.config),
    data: { files: RECIPE_DATA_FILES, trainExamples: input.train.length, evalExamples: input.held.length, tooLong: input.tooLong, unrendered: input.unrendered },
    start: input.start ? { adapter: input.start.adapter ? RECIPE_START_ADAPTER : null, balance: input.start.balance, from: input.start.adapter?.from ?? null } : null,
  };
}

/** The launch settings both configs share (one machine of 8 processes until edited). */
const YAML_TAIL = `machine_rank: 0
main_training_function: main
mixed_precision: bf16
num_machines: 1
num_processes: 8
rdzv_backend: static
same_network: true
use_cpu: false
`;

const YAML_HEAD = (what: string) => `# Accelerate launch configuration for train.py: ${what}.
# Set num_processes to the GPUs in all and num_machines to the nodes; on several nodes also set
# machine_rank (0 … num_machines − 1) and main_process_ip / main_process_port on each. The optimizer
# step stays the run's batch × accumulation examples whatever the count: train.py splits it into
# micro-batches per process (--per-device-batch) and says so when it cannot.
`;

function zero3Yaml(c: RunConfig): string {
  return `${YAML_HEAD('DeepSpeed ZeRO-3 (parameters, gradients and optimizer state sharded)')}# gradient_clipping is the run's max gradient norm (0: none); gradient accumulation is left to
# train.py, which sets it from the run's batch arithmetic.
compute_environment: LOCAL_MACHINE
debug: false
deepspeed_config:
  deepspeed_multinode_launcher: standard
  gradient_clipping: ${c.maxGradNorm}
  offload_optimizer_device: none
  offload_param_device: none
  zero3_init_flag: true
  zero3_save_16bit_model: true
  zero_stage: 3
distributed_type: DEEPSPEED
downcast_bf16: 'no'
${YAML_TAIL}`;
}

function fsdpYaml(): string {
  return `${YAML_HEAD('FSDP full sharding')}# train.py wraps the LoRA layers in FSDP units of their own (PEFT's fsdp_auto_wrap_policy) and
# gathers a full state dict to save the adapter.
compute_environment: LOCAL_MACHINE
debug: false
distributed_type: FSDP
downcast_bf16: 'no'
fsdp_config:
  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP
  fsdp_backward_prefetch: BACKWARD_PRE
  fsdp_cpu_ram_efficient_loading: false
  fsdp_forward_prefetch: false
  fsdp_offload_params: false
  fsdp_sharding_strategy: FULL_SHARD
  fsdp_state_dict_type: FULL_STATE_DICT
  fsdp_sync_module_states: true
  fsdp_use_orig_params: true
${YAML_TAIL}`;
}

const REQUIREMENTS = `# What train.py imports (torch with CUDA from pytorch.org for your driver). deepspeed only for
# accelerate_zero3.yaml.
torch>=2.1
transformers>=4.45
peft>=0.13
accelerate>=0.34
deepspeed>=0.15
`;

/** A path or argument as one word of a POSIX shell line: as it is when it needs no quoting, else
 * in single quotes (a folder with a space, `Qwen's model`), so a printed line runs when pasted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The launch lines README.md gives, with --base-model where the recipe has none. */
export function launchLines(baseModel: string | null): { check: string; oneGpu: string; zero3: string; fsdp: string; twoCpus: string } {
  const base = baseModel ? '' : ' --base-model <repo id or folder>';
  const args = `--config recipe.json --output-dir adapter${base}`;
  return {
    check: `python train.py --check-args --config recipe.json${base}`,
    oneGpu: `python train.py ${args}`,
    zero3: `accelerate launch --config_file accelerate_zero3.yaml train.py ${args}`,
    fsdp: `accelerate launch --config_file accelerate_fsdp.yaml train.py ${args}`,
    // Accelerate runs one process under torchrun when it finds no GPU, unless told to use the CPU.
    twoCpus: `ACCELERATE_USE_CPU=true torchrun --nproc_per_node 2 train.py ${args}`,
  };
}

function readme(input: RecipeInput): string {
  const c = input.config;
  const lines = launchLines(input.baseModel);
  const model = input.baseModel ? shellWord(input.baseModel) : '<model>';
  const b = balanceSettingsOf(c);
  const loss =
    c.loss === 'ssb'
      ? `SSB with the \`${b.rule}\` balance rule (α₀ ${b.alpha0}, bounds [${b.alphaMin}, ${b.alphaMax}], ` +
        (b.rule === 'dwa' ? `temperature ${b.temperature}, window ${b.window} steps)` : `rate ${b.lr})`)
      : c.loss === 'sft'
        ? 'plain SFT (the token mean over reasoning and call tokens)'
        : `SSB with the fixed weight ${c.loss.slice('fixed:'.length)}`;
  const base = input.baseModel
    ? `\`${input.baseModel}\``
    : `none: the studio's model (\`${input.run.model}\`) is not a hub repo or folder, so give \`--base-model\` (a model with the same tokenizer; the embedded model's files are in \`public/models/tiny-qwen3/\` of the studio)`;
  return `# Training recipe: ${input.run.name}

Exported by BalanceSFT Studio from \`${input.run.from}\` (model \`${input.run.model}\`). It trains the same
LoRA adapter with Hugging Face transformers + PEFT under Accelerate, on one GPU or on many.

- Base model: ${base}.
- Data: \`${RECIPE_DATA_FILES.train}\` (${input.train.length} training examples) and \`${RECIPE_DATA_FILES.eval}\` (${input.held.length} held out for the
  eval loss), one JSON line each with \`input_ids\` and a segment per token (0 prompt, 1 reasoning, 2 call),
  exactly as the studio tokenized them for this run (${c.seqLen} tokens at most; ${input.tooLong.length} example(s) that did not fit${input.unrendered.length ? ` and ${input.unrendered.length} the chat template cannot render` : ''} were skipped, as the studio skipped them).
- Loss: ${loss}.
- LoRA: rank ${c.lora.rank}, alpha ${c.lora.alpha}${c.lora.useRsLora ? ' (rsLoRA)' : ''}, dropout ${c.lora.dropout}, on ${c.lora.targets.join(', ')}.
- Starts from: ${
    input.start?.adapter
      ? `the trained adapter the run continued (\`${RECIPE_START_ADAPTER}/\`, from \`${input.start.adapter.from}\`)${input.start.balance ? ', with the α state it continued' : `, α from α₀`}`
      : input.start?.balance
        ? "a fresh LoRA (PEFT's init), with the α state the run continued (`start.balance` in `recipe.json`)"
        : 'a fresh LoRA (PEFT\'s init)'
  }.
- Optimizer: AdamW (lr ${c.lr}, betas ${c.beta1}/${c.beta2}, eps ${c.eps}, weight decay ${c.weightDecay}); ${c.schedule} schedule with ${c.warmupSteps} warmup steps; ${c.steps} steps of
  ${c.batchSize * c.gradAccum} examples (batch ${c.batchSize} × accumulation ${c.gradAccum}); gradient clipping at ${c.maxGradNorm || 'none'}; seed ${c.seed}.

## Run it

\`\`\`sh
pip install -r requirements.txt
${lines.check}      # the plan, without loading anything
${lines.oneGpu}
${lines.zero3}
${lines.fsdp}
\`\`\`

Edit \`num_processes\` / \`num_machines\` in the YAML files for your cluster. An optimizer step is always the
run's ${c.batchSize * c.gradAccum} examples: train.py splits it into micro-batches of \`--per-device-batch\` (default ${c.batchSize}) over the
processes and accumulates the rest, and stops with the arithmetic when the numbers do not divide. \`--global-batch\`
changes the step (and so the run). \`--max-steps\` stops early; \`--dtype\` sets the frozen weights' dtype (bfloat16).
Without a GPU, \`${lines.oneGpu}\` runs on the CPU (slowly: a check before renting GPUs), and
\`${lines.twoCpus}\` on two CPU processes;
the ZeRO-3 and FSDP launches need GPUs.

## What is the same as in the studio

- The loss (\`ssb_loss.py\`): segment means over the whole optimizer batch (every micro-batch on every
  process), α from the balance rule, updated once per step from L_cot and L_call. A test in the studio runs this
  very file on a step dumped by \`studio train --dump-step\` and matches the studio's loss, L_cot, L_call, α,
  ∂L/∂α and the rule's next state to 1e-5.
- The data order: the studio's seeded permutation per epoch, bit for bit (\`recipe_data.py\`), and the schedule.
- AdamW and the clip (\`min(1, max/(‖g‖ + 1e-6))\`) are PyTorch's, which the studio's kernels follow.

What differs: ${input.start?.adapter ? 'nothing at the start (the run continued a trained adapter, which train.py loads);' : "the LoRA A matrices start from PEFT's init (the same distribution, another random stream),"} the
frozen weights run in PyTorch's kernels (bf16), and with DeepSpeed the LoRA weights compute in bf16 with f32
master weights. Under DeepSpeed the clip happens inside DeepSpeed (\`gradient_clipping\` in its YAML).${input.config.keepBest ? `
The run kept the adapter of its evaluated step with the lowest held-out loss per token (Keep the best step),
and so does train.py: \`adapter/\` gets that step's adapter and α state (a copy stays in
\`adapter/best-checkpoint/\`), and \`metrics.jsonl\` the held-out loss of every evaluated step.${input.config.patience ? ` Like the
run, it ends once ${input.config.patience} held-out evaluations in a row found no lower loss (patience).` : ''}` : ''}

## Back into the studio

\`adapter/\` gets \`adapter_config.json\` + \`adapter_model.safetensors\` (checked by train.py against what the
studio's adapter import reads), \`balance.json\` (α's state) and \`metrics.jsonl\` (the studio's format):

\`\`\`sh
studio eval --model ${model} --adapter adapter --data <file>
studio generate --model ${model} --adapter adapter --prompt "…" --tools <tools.json>   # the functions it may call; --python-calls for [f(a=1)] data
studio hdr --model ${model} --adapter adapter --data <file> --out <dir>   # continues α from balance.json
studio train --model ${model} --adapter adapter --balance adapter/balance.json ...   # trains on from here
\`\`\`
`;
}

/** The recipe folder's files for a run (names relative to the folder). */
export function recipeFiles(input: RecipeInput): RecipeFile[] {
  const refusal = recipeRefusal(input.config);
  if (refusal) throw new RecipeError(`run ${input.run.from} cannot be exported as a recipe: ${refusal}`);
  if (input.train.length === 0) throw new RecipeError(`run ${input.run.from} has no training example that fits its sequence length ${input.config.seqLen}`);
  return [
    { name: 'README.md', bytes: text(readme(input)) },
    { name: RECIPE_CONFIG_FILE, bytes: text(JSON.stringify(recipeJson(input), null, 2) + '\n') },
    ...Object.entries(RECIPE_PYTHON).map(([name, source]) => ({ name, bytes: text(source) })),
    { name: 'accelerate_zero3.yaml', bytes: text(zero3Yaml(input.config)) },
    { name: 'accelerate_fsdp.yaml', bytes: text(fsdpYaml()) },
    { name: 'requirements.txt', bytes: text(REQUIREMENTS) },
    { name: RECIPE_DATA_FILES.train, bytes: text(jsonlRows(input.train)) },
    { name: RECIPE_DATA_FILES.eval, bytes: text(jsonlRows(input.held)) },
    ...(input.start?.adapter
      ? [
          { name: `${RECIPE_START_ADAPTER}/${ADAPTER_CONFIG_FILE}`, bytes: input.start.adapter.configJson },
          { name: `${RECIPE_START_ADAPTER}/${ADAPTER_WEIGHTS_FILE}`, bytes: input.start.adapter.weights },
        ]
      : []),
  ];
}
