#!/usr/bin/env python3
"""Trains the BalanceSFT studio run this folder was exported from, with Hugging Face transformers +
PEFT under 🤗 Accelerate: the base model by repo id (or folder), a LoRA adapter with the run's rank,
alpha, targets and dropout (or the trained adapter the run continued, with its α state), the run's loss (SSB with its balance rule, fixed:α or sft; ssb_loss.py),
AdamW with its betas, eps and weight decay, its learning-rate schedule, gradient clipping and batch
arithmetic (recipe_loop.py), on the studio's tokenized examples in the studio's seeded order
(recipe_data.py). Writes a PEFT adapter (adapter_config.json + adapter_model.safetensors) that the
studio loads back, balance.json (α's state with SSB, which `studio hdr --adapter` and
`studio train --balance` continue) and
metrics.jsonl in the studio's format. A run that kept its best step does here too: the adapter
written is that of the evaluated step with the lowest held-out loss per token (its copy stays in
best-checkpoint/), and with patience the training ends once that loss stops falling.

    python train.py --config recipe.json --output-dir adapter
    accelerate launch --config_file accelerate_zero3.yaml train.py --config recipe.json --output-dir adapter
    accelerate launch --config_file accelerate_fsdp.yaml train.py --config recipe.json --output-dir adapter

--check-args parses the arguments and the recipe, loads the data, prints the plan and exits without
importing torch, transformers or accelerate.
"""
import argparse
import json
import math
import os
import re
import shutil
import sys
from pathlib import Path

from recipe_data import adapter_config_problems, default_per_device_batch, learning_rate, load_rows, step_plan, take_indices

RECIPE_FORMAT = 'balancesft-recipe'
RECIPE_VERSION = 1
DTYPES = ('bfloat16', 'float16', 'float32')
# Keep the best step: the best evaluated step's adapter, beside the output's own files.
BEST_DIR = 'best-checkpoint'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Train the exported BalanceSFT studio run with transformers + PEFT.')
    p.add_argument('--config', default=str(Path(__file__).resolve().parent / 'recipe.json'), help='the recipe (default: recipe.json beside train.py)')
    p.add_argument('--output-dir', default='adapter', help='where the PEFT adapter, balance.json and metrics.jsonl go (default: adapter)')
    p.add_argument('--base-model', help='a hub repo id or local folder in place of the recipe\'s base model (same tokenizer: the data is tokenized)')
    p.add_argument('--per-device-batch', type=int, help='examples per micro-batch on each process (default: the run\'s batch, or the largest smaller one that splits a step evenly)')
    p.add_argument('--global-batch', type=int, help='examples per optimizer step (default: the run\'s batch × accumulation); changes the run')
    p.add_argument('--dtype', choices=DTYPES, default='bfloat16', help='the frozen weights\' dtype (LoRA weights stay float32; default bfloat16)')
    p.add_argument('--attn-implementation', help='passed to from_pretrained (e.g. sdpa, flash_attention_2)')
    p.add_argument('--max-steps', type=int, help='stop after this many steps (the schedule still spans the run\'s steps)')
    p.add_argument('--check-args', action='store_true', help='check the arguments, the recipe and the data, print the plan as JSON and exit')
    args = p.parse_args(argv)
    for name in ('per_device_batch', 'global_batch', 'max_steps'):
        v = getattr(args, name)
        if v is not None and v < 1:
            p.error(f'--{name.replace("_", "-")} must be at least 1, got {v}')
    return args


def dtype_keyword(transformers_version):
    """from_pretrained's name for the weights' dtype: transformers 4.56 renamed torch_dtype to dtype
    (5.x still takes torch_dtype, with a warning on every load)."""
    m = re.match(r'(\d+)\.(\d+)', transformers_version)
    return 'dtype' if m and (int(m.group(1)), int(m.group(2))) >= (4, 56) else 'torch_dtype'


def load_recipe(path):
    path = Path(path)
    if not path.is_file():
        raise SystemExit(f'train.py: no recipe at {path} (give --config <recipe.json>)')
    try:
        recipe = json.loads(path.read_text(encoding='utf-8'))
    except ValueError as err:
        raise SystemExit(f'train.py: {path} is not valid JSON ({err})')
    if recipe.get('format') != RECIPE_FORMAT or recipe.get('version') != RECIPE_VERSION:
        raise SystemExit(f'train.py: {path} is not a version-{RECIPE_VERSION} {RECIPE_FORMAT} file')
    recipe['_dir'] = path.parent
    return recipe


def plan(args, recipe, world_size):
    """Everything the run is made of, as --check-args prints it."""
    c = recipe['config']
    base = args.base_model or recipe.get('base_model')
    if not base:
        raise SystemExit(f'train.py: the run\'s model ({recipe["run"]["model"]}) is not a hub repo; pass --base-model <repo id or folder> with the same tokenizer')
    per_step = args.global_batch or c['batchSize'] * c['gradAccum']
    per_device = args.per_device_batch or default_per_device_batch(per_step, c['batchSize'], world_size)
    try:
        accum = step_plan(per_step, per_device, world_size)
    except ValueError as err:
        raise SystemExit(f'train.py: {err}')
    data = {k: str(recipe['_dir'] / v) for k, v in recipe['data']['files'].items()}
    start = recipe.get('start')
    if start:
        # adapter null: the run trained a fresh LoRA from a continued α state (studio train --balance).
        adapter = recipe['_dir'] / start['adapter'] if start.get('adapter') else None
        if adapter and not (adapter / 'adapter_config.json').is_file():
            raise SystemExit(f'train.py: the run continued a trained adapter, expected in {adapter}, which has no adapter_config.json')
        balance = start.get('balance')
        rule = recipe['balance'].get('rule') if c['loss'] == 'ssb' else None
        if balance and balance.get('rule') != rule:
            raise SystemExit(f'train.py: the recipe\'s start α state is of the {balance.get("rule")} rule, the run learns α with {rule}')
        start = {'adapter': str(adapter) if adapter else None, 'balance': balance if c['loss'] == 'ssb' else None, 'from': start.get('from')}
    return {
        'base_model': base,
        'output_dir': args.output_dir,
        'loss': c['loss'],
        'balance': recipe['balance'] if c['loss'] == 'ssb' else None,
        'peft': recipe['peft'],
        'steps': c['steps'],
        'stop_after': min(c['steps'], args.max_steps or c['steps']),
        'examples_per_step': per_step,
        'per_device_batch': per_device,
        'world_size': world_size,
        'accumulation_per_process': accum,
        'seq_len': c['seqLen'],
        'lr': c['lr'],
        'schedule': c['schedule'],
        'warmup_steps': c['warmupSteps'],
        'adamw': {'betas': [c['beta1'], c['beta2']], 'eps': c['eps'], 'weight_decay': c['weightDecay']},
        'max_grad_norm': c['maxGradNorm'],
        'gradient_checkpointing': bool(c['recompute']),
        'keep_best': bool(c.get('keepBest')) and c['evalEvery'] > 0,
        'patience': c.get('patience') or 0,
        'dtype': args.dtype,
        'data': data,
        'changed_from_run': [k for k in ('global_batch',) if getattr(args, k)],
        'start': start,
    }


def main(argv=None):
    args = parse_args(argv)
    recipe = load_recipe(args.config)
    world = int(os.environ.get('WORLD_SIZE', '1'))
    p = plan(args, recipe, world)
    # A missing or damaged data file is one line naming it (and the line), not a traceback.
    try:
        rows = load_rows(p['data']['train'], p['seq_len'])
        held = load_rows(p['data']['eval'], p['seq_len'])
    except OSError as err:
        raise SystemExit(f'train.py: cannot read {err.filename}: {err.strerror} (the recipe\'s data/ folder belongs beside recipe.json)')
    except ValueError as err:
        raise SystemExit(f'train.py: {err}')
    if len(rows) != recipe['data']['trainExamples'] or len(held) != recipe['data']['evalExamples']:
        raise SystemExit(f'train.py: the data files hold {len(rows)} + {len(held)} examples, the recipe lists {recipe["data"]["trainExamples"]} + {recipe["data"]["evalExamples"]}')
    if args.check_args:
        print(json.dumps({**p, 'train_examples': len(rows), 'eval_examples': len(held)}, indent=2))
        return 0
    return train(args, recipe, p, rows, held)


def train(args, recipe, p, rows, held):
    import torch
    from accelerate import Accelerator
    from accelerate.utils import DistributedType
    from peft import LoraConfig, get_peft_model
    import transformers
    from transformers import AutoModelForCausalLM

    from recipe_loop import BestStep, Stopwatch, eval_loss, step_counts, train_step
    from ssb_loss import BalanceSettings, balance_alpha, initial_balance_state, parse_loss_mode, step_balance

    c = recipe['config']
    acc = Accelerator(gradient_accumulation_steps=p['accumulation_per_process'])
    if acc.num_processes != p['world_size']:
        # Accelerate falls back to one process when it finds no GPU, even under torchrun.
        hint = '; it found no GPU: set ACCELERATE_USE_CPU=true to train with several CPU processes' if acc.num_processes == 1 and acc.device.type == 'cpu' else ''
        raise SystemExit(f'train.py: WORLD_SIZE said {p["world_size"]} processes, Accelerate runs {acc.num_processes}{hint}')
    if acc.distributed_type == DistributedType.DEEPSPEED:
        gas = acc.state.deepspeed_plugin.deepspeed_config.get('gradient_accumulation_steps')
        if gas not in ('auto', p['accumulation_per_process']):
            raise SystemExit(f'train.py: the DeepSpeed config accumulates {gas} micro-batches, the plan {p["accumulation_per_process"]}; leave gradient_accumulation_steps out of the config')
    log = acc.print
    out = Path(args.output_dir)

    extra = {'attn_implementation': args.attn_implementation} if args.attn_implementation else {}
    extra[dtype_keyword(transformers.__version__)] = getattr(torch, args.dtype)
    model = AutoModelForCausalLM.from_pretrained(p['base_model'], **extra)
    model.config.use_cache = False
    vocab = model.get_input_embeddings().num_embeddings
    top = max(max(r['input_ids']) for r in rows + held)
    if top >= vocab:
        raise SystemExit(f'train.py: the data has token id {top}, {p["base_model"]} has {vocab} embeddings; its tokenizer is not the one the data was tokenized with')
    if c['recompute']:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={'use_reentrant': False})
        model.enable_input_require_grads()
    if p['start'] and p['start']['adapter']:
        # The run continued a trained adapter: train that one on, not a fresh LoRA.
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, p['start']['adapter'], is_trainable=True)
    else:
        # The LoRA init draws from the seeded generator (PEFT's init: A kaiming-uniform, B zero), the
        # same on every process.
        torch.manual_seed(c['seed'])
        model = get_peft_model(model, LoraConfig(**p['peft']))
    adamw = {'lr': c['lr'], 'betas': (c['beta1'], c['beta2']), 'eps': c['eps'], 'weight_decay': c['weightDecay']}
    if acc.distributed_type == DistributedType.FSDP:
        # LoRA layers in FSDP units of their own (float32 beside the frozen 16-bit weights); the
        # optimizer is made on the sharded parameters.
        from peft.utils.other import fsdp_auto_wrap_policy
        acc.state.fsdp_plugin.auto_wrap_policy = fsdp_auto_wrap_policy(model)
        model = acc.prepare(model)
        params = [q for q in model.parameters() if q.requires_grad]
        optimizer = acc.prepare(torch.optim.AdamW(params, **adamw))
    else:
        params = [q for q in model.parameters() if q.requires_grad]
        model, optimizer = acc.prepare(model, torch.optim.AdamW(params, **adamw))
        params = [q for q in model.parameters() if q.requires_grad]

    def forward_logits(m, batch):
        return m(input_ids=batch['input_ids'], attention_mask=batch['attention_mask'], use_cache=False).logits

    mode = parse_loss_mode(c['loss'])
    bs = BalanceSettings.from_recipe(recipe['balance'])
    # A run that continued an α state continues it here too.
    state = p['start']['balance'] if p['start'] and p['start']['balance'] else initial_balance_state(bs)
    cursor = (0, 0)
    steps = c['steps']
    if acc.is_main_process:
        out.mkdir(parents=True, exist_ok=True)
        (out / 'metrics.jsonl').write_text('')
    log(f'{len(rows)} training examples, {len(held)} held out; {p["stop_after"]} of {steps} steps of {p["examples_per_step"]} examples '
        f'({acc.num_processes} process(es) × {p["accumulation_per_process"]} micro-batches of {p["per_device_batch"]})')

    def write_metric(m):
        if acc.is_main_process:
            with open(out / 'metrics.jsonl', 'a') as f:
                f.write(json.dumps(m) + '\n')

    def keep(best_dir):
        """The best step's adapter (and α state) as the run's, in place of the last step's."""
        acc.wait_for_everyone()
        if acc.is_main_process:
            for f in sorted(Path(best_dir).iterdir()):
                if f.is_file():
                    shutil.copyfile(f, out / f.name)
        acc.wait_for_everyone()

    def save(directory):
        acc.wait_for_everyone()
        state_dict = acc.get_state_dict(model)
        acc.unwrap_model(model).save_pretrained(directory, is_main_process=acc.is_main_process, state_dict=state_dict)
        if acc.is_main_process:
            cfg = json.loads((Path(directory) / 'adapter_config.json').read_text())
            problems = adapter_config_problems(cfg, p['peft'])
            if problems:
                raise SystemExit(f'train.py: {directory}/adapter_config.json would not load into the studio as trained: ' + '; '.join(problems))
            if mode['kind'] == 'ssb':
                (Path(directory) / 'balance.json').write_text(json.dumps(state) + '\n')
        acc.wait_for_everyone()

    # The held-out set's target tokens, for the loss per token the studio logs beside the SSB loss.
    held_cot, held_call = step_counts(held, range(len(held)))
    model.train()
    clock = Stopwatch()
    best = BestStep(p['patience']) if p['keep_best'] else None
    trained = 0
    for step in range(p['stop_after']):
        epoch = cursor[0]
        indices, cursor = take_indices(len(rows), c['seed'], cursor, p['examples_per_step'])
        alpha = balance_alpha(bs, state)
        lr = learning_rate(c['schedule'], c['lr'], c['warmupSteps'], steps, step)
        value, grad_norm, tokens = train_step(acc, model, optimizer, params, forward_logits, rows, indices, mode=mode, alpha=alpha, lr=lr,
                                              max_grad_norm=c['maxGradNorm'], per_device_batch=p['per_device_batch'])
        if not math.isfinite(value.loss) or (grad_norm is not None and not math.isfinite(grad_norm)):
            raise SystemExit(f'train.py: training diverged at step {step + 1} (loss {value.loss}, gradient norm {grad_norm}); lower the learning rate or tighten the clip')
        if mode['kind'] == 'ssb':
            scheduled = learning_rate(c['schedule'], bs.lr, c['warmupSteps'], steps, step)
            state = step_balance(bs, state, value, scheduled, c['beta1'], c['beta2'], c['eps'])
        millis = clock.lap_ms()
        n_cot, n_call = step_counts(rows, indices)
        m = {'kind': 'train', 'step': step + 1, 'epoch': epoch, 'loss': value.loss, 'lossCot': value.loss_cot, 'lossCall': value.loss_call,
             'alpha': value.alpha, 'gradAlpha': value.grad_alpha, 'lr': lr, 'gradNorm': grad_norm, 'tokensPerSecond': tokens / (millis / 1000),
             'cotTokens': n_cot, 'callTokens': n_call, 'tokens': tokens, 'millis': millis}
        write_metric(m)
        trained = step + 1
        log(f'step {step + 1}/{steps}  loss {value.loss:.4f}  cot {value.loss_cot:.4f}  call {value.loss_call:.4f}  α {value.alpha:.3f}  lr {lr:.2e}'
            + (f'  |g| {grad_norm:.3f}' if grad_norm is not None else ''))
        if c['evalEvery'] > 0 and held and ((step + 1) % c['evalEvery'] == 0 or step + 1 == steps):
            model.eval()
            e = eval_loss(acc, model, forward_logits, held, c['batchSize'], mode=mode, alpha=balance_alpha(bs, state))
            model.train()
            n = held_cot + held_call
            per_token = (e.loss_cot * held_cot + e.loss_call * held_call) / n if n else None
            # A segment the held-out rows have no tokens of has no loss (null, as the studio writes it):
            # a 0 would read as a segment learned perfectly.
            write_metric({'kind': 'eval', 'step': step + 1, 'evalLoss': e.loss if n else None, 'evalLossCot': e.loss_cot if held_cot else None,
                          'evalLossCall': e.loss_call if held_call else None, 'evalLossTokens': per_token})
            log(f'  held-out loss {e.loss:.4f}  cot {e.loss_cot:.4f}  call {e.loss_call:.4f}')
            if best and best.observe(step + 1, per_token):
                save(out / BEST_DIR)
            # Patience run out: the run ends here, as the studio's did, keeping its best step.
            if best and best.patience_run_out() and step + 1 < steps:
                log(f'stopped early: {best.since} held-out evaluation(s) in a row found no lower loss than step {best.step}’s')
                break
        if c['checkpointEvery'] > 0 and (step + 1) % c['checkpointEvery'] == 0 and step + 1 < p['stop_after']:
            save(out / f'checkpoint-{step + 1}')
    if best and best.step is not None and best.step < trained:
        keep(out / BEST_DIR)
        log(f'kept the adapter of step {best.step}, its lowest held-out loss per token ({best.loss:.4f}), not step {trained}’s')
    else:
        save(out)
    log(f'adapter written to {out}; load it back with: studio eval --model <base model folder or repo> --adapter {out} --data <file>')
    return 0


if __name__ == '__main__':
    sys.exit(main())
