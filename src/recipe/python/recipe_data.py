"""The data side of the recipe, as the BalanceSFT studio trains (src/train/batching.ts and
schedule.ts): the tokenized JSONL rows, the seeded order of each epoch and the cursor through it,
right-padded micro-batches, how an optimizer step's examples are split over ranks, and the
learning-rate schedule. Also the check of a written adapter_config.json against what the studio's
adapter import reads (src/model/peft.ts).
Imports torch only inside `collate`, so argument checks run without it; never touches a model.
"""
import json
import math

M32 = 0xFFFFFFFF


def load_rows(path, seq_len):
    """One example per JSON line: {"id", "input_ids", "segments"} (segments 0 prompt, 1 cot, 2 call),
    as `studio tokenize` writes them. Every row must fit the run's sequence length."""
    rows = []
    with open(path, encoding='utf-8') as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line.strip())
            except ValueError as err:
                raise ValueError(f'{path}:{line_no}: not a JSON line ({err})') from None
            if not isinstance(r, dict):
                raise ValueError(f'{path}:{line_no}: expected {{"id", "input_ids", "segments"}}, got {type(r).__name__}')
            ids, segs = r.get('input_ids'), r.get('segments')
            where = f'{path}:{line_no} ({r.get("id")})'
            if not isinstance(ids, list) or not isinstance(segs, list) or len(ids) != len(segs) or not ids:
                raise ValueError(f'{where}: input_ids and segments must be equally long, non-empty lists')
            if any(s not in (0, 1, 2) for s in segs):
                raise ValueError(f'{where}: segments must be 0 (prompt), 1 (cot) or 2 (call)')
            if len(ids) > seq_len:
                raise ValueError(f'{where}: {len(ids)} tokens, more than the run\'s sequence length {seq_len}')
            rows.append({'id': r.get('id'), 'input_ids': ids, 'segments': segs})
    return rows


def target_counts(row):
    """(cot, call) tokens that are predicted (a loss target): every token after the first."""
    segs = row['segments'][1:]
    return segs.count(1), segs.count(2)


def _imul(a, b):
    return (a * b) & M32


def epoch_order(n, seed, epoch):
    """The permutation of n examples for `epoch`: the studio's epochOrder (a mulberry32 stream
    seeded by (seed, epoch), Fisher–Yates), bit for bit, so a run here sees the studio's order."""
    order = list(range(n))
    s = ((seed & M32) ^ _imul(epoch + 1, 0x9E3779B1)) & M32

    def next_uniform():
        nonlocal s
        s = (s + 0x6D2B79F5) & M32
        t = s
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    for i in range(n - 1, 0, -1):
        j = math.floor(next_uniform() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


def take_indices(n, seed, cursor, count):
    """The next `count` example indices from cursor (epoch, index, deferred), wrapping into the next
    epoch: the studio's takeIndices. Every example comes once per epoch; a step that crosses into a
    new epoch holds no example twice (the new epoch's copies wait in `deferred` for its end) unless
    the step is larger than the training set."""
    if n == 0:
        raise ValueError('the training set is empty')
    epoch, index = cursor[0], cursor[1]
    deferred = list(cursor[2]) if len(cursor) > 2 else []
    distinct = count <= n
    order = epoch_order(n, seed, epoch)
    out, in_step = [], set()
    while len(out) < count:
        if index >= n:
            if deferred:
                j = deferred.pop(0)
                out.append(j)
                in_step.add(j)
                continue
            epoch, index = epoch + 1, 0
            order = epoch_order(n, seed, epoch)
        j = order[index]
        index += 1
        if distinct and j in in_step:
            deferred.append(j)
            continue
        out.append(j)
        in_step.add(j)
    if index >= n and not deferred:
        return out, (epoch + 1, 0, ())
    return out, (epoch, index, tuple(deferred))


def step_plan(examples_per_step, per_device_batch, world_size):
    """How one optimizer step of `examples_per_step` examples (the run's batch × accumulation) is
    split: micro-batches of `per_device_batch`, the same number on every rank. Returns the number of
    micro-batches each rank runs (its gradient accumulation), or raises naming the arithmetic."""
    per_round = per_device_batch * world_size
    if per_device_batch < 1 or examples_per_step % per_round:
        raise ValueError(
            f'an optimizer step of {examples_per_step} examples cannot be split into micro-batches of {per_device_batch} '
            f'on {world_size} process(es) ({examples_per_step} is not a multiple of {per_device_batch} × {world_size}); '
            f'choose --per-device-batch and the process count so that it is, or change the step with --global-batch')
    return examples_per_step // per_round


def default_per_device_batch(examples_per_step, batch_size, world_size):
    """The largest micro-batch up to the run's batch that splits a step evenly over the processes
    (the run's batch when it does; step_plan names the problem when none does)."""
    for b in range(batch_size, 0, -1):
        if examples_per_step % (b * world_size) == 0:
            return b
    return batch_size


def rank_micro_batches(indices, per_device_batch, world_size, rank):
    """This rank's micro-batches of a step's example indices: contiguous chunks of the step."""
    accum = step_plan(len(indices), per_device_batch, world_size)
    chunks = [indices[k:k + per_device_batch] for k in range(0, len(indices), per_device_batch)]
    return chunks[rank * accum:(rank + 1) * accum]


def collate(rows, device=None):
    """Right-padded (B, T) tensors: input_ids (pad 0), attention_mask, segments (pad 0 = no loss)."""
    import torch

    T = max(len(r['input_ids']) for r in rows)
    ids = torch.zeros(len(rows), T, dtype=torch.long)
    mask = torch.zeros(len(rows), T, dtype=torch.long)
    segs = torch.zeros(len(rows), T, dtype=torch.long)
    for b, r in enumerate(rows):
        L = len(r['input_ids'])
        ids[b, :L] = torch.tensor(r['input_ids'])
        mask[b, :L] = 1
        segs[b, :L] = torch.tensor(r['segments'])
    out = {'input_ids': ids, 'attention_mask': mask, 'segments': segs}
    return {k: v.to(device) for k, v in out.items()} if device is not None else out


def learning_rate(kind, lr, warmup_steps, total_steps, step, min_ratio=0.0):
    """The studio's schedule at optimizer step `step` (0-based): linear warmup, then cosine or
    linear decay to min_ratio·lr, or constant."""
    if warmup_steps > 0 and step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    if kind == 'constant':
        return lr
    decay_steps = max(1, total_steps - warmup_steps)
    progress = min(1, (step - warmup_steps) / decay_steps)
    min_lr = lr * min_ratio
    shape = 0.5 * (1 + math.cos(math.pi * progress)) if kind == 'cosine' else 1 - progress
    return min_lr + (lr - min_lr) * shape


def adapter_config_problems(cfg, expected):
    """What in a written adapter_config.json the studio's adapter import (parsePeftAdapterConfig)
    would refuse or read differently from the recipe's `peft` block; empty when it loads as trained."""
    out = []
    if cfg.get('peft_type') != 'LORA':
        out.append(f'peft_type is {cfg.get("peft_type")!r}, the studio reads only "LORA"')
    if cfg.get('task_type') not in (None, 'CAUSAL_LM'):
        out.append(f'task_type is {cfg.get("task_type")!r}, the studio reads only "CAUSAL_LM"')
    if cfg.get('bias') not in (None, 'none'):
        out.append(f'bias is {cfg.get("bias")!r}, the studio reads only "none"')
    for flag in ('use_dora', 'fan_in_fan_out'):
        if cfg.get(flag) is True:
            out.append(f'{flag} is true; the studio cannot load it')
    for k in ('rank_pattern', 'alpha_pattern'):
        if cfg.get(k):
            out.append(f'{k} is not empty; the studio has one rank and alpha for every module')
    if cfg.get('modules_to_save'):
        out.append('modules_to_save is set; the studio loads LoRA weights only')
    for k in ('r', 'lora_alpha', 'lora_dropout', 'use_rslora'):
        if cfg.get(k) != expected[k]:
            out.append(f'{k} is {cfg.get(k)!r}, the run has {expected[k]!r}')
    if sorted(cfg.get('target_modules') or []) != sorted(expected['target_modules']):
        out.append(f'target_modules is {cfg.get("target_modules")!r}, the run has {expected["target_modules"]!r}')
    if (cfg.get('layers_to_transform') or None) != (expected.get('layers_to_transform') or None):
        out.append(f'layers_to_transform is {cfg.get("layers_to_transform")!r}, the run has {expected.get("layers_to_transform")!r}')
    return out
