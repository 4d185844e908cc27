"""One optimizer step and the held-out loss of the recipe, written against the few methods of a
🤗 Accelerate `Accelerator` it needs (accumulate, backward, sync_gradients, clip_grad_norm_, reduce,
num_processes, process_index, device), so the same code runs on one GPU, under DDP, FSDP or
DeepSpeed, and under the tests' single-process stand-in.

Batch arithmetic (the studio's: DESIGN.md, "SSB loss"): an optimizer step takes the run's
batch × accumulation examples from the seeded order, whatever the number of processes. The step's
cot and call token counts are known before any forward (every rank holds the whole tokenized
dataset), so every rank computes the same per-token weights w = α/N_cot, (1 − α)/N_call. Each
micro-batch's backward loss is Σ w·nll multiplied by (micro-batches per rank × processes), because
Accelerate divides it by the accumulation steps and data parallelism averages over processes: the
gradient that reaches the optimizer is then exactly that of the whole step's SSB loss. NLL sums
are added over ranks for the metrics and the balance rule, so α moves the same way on every rank.
"""
import math
import time

import torch

from recipe_data import collate, rank_micro_batches, target_counts
from ssb_loss import loss_value, loss_weights, next_token_nll, segment_sums, weighted_nll


def step_counts(rows, indices):
    """(N_cot, N_call) target tokens of a whole optimizer step."""
    n_cot = n_call = 0
    for i in indices:
        c, k = target_counts(rows[i])
        n_cot += c
        n_call += k
    return n_cot, n_call


def train_step(acc, model, optimizer, params, forward_logits, rows, indices, *, mode, alpha, lr, max_grad_norm, per_device_batch):
    """One optimizer step over `indices` (the whole step's examples). `forward_logits(model, batch)`
    returns (B, T, V) logits. Returns the step's LossValue, gradient norm (None where the backend
    clips internally, as DeepSpeed does) and token count."""
    n_cot, n_call = step_counts(rows, indices)
    w = loss_weights(mode, alpha, n_cot, n_call)
    micro = rank_micro_batches(indices, per_device_batch, acc.num_processes, acc.process_index)
    scale = len(micro) * acc.num_processes
    for group in optimizer.param_groups:
        group['lr'] = lr
    sums = torch.zeros(2, dtype=torch.float64, device=acc.device)
    tokens = torch.zeros(1, dtype=torch.float64, device=acc.device)
    grad_norm = None
    for chunk in micro:
        batch = collate([rows[i] for i in chunk], acc.device)
        with acc.accumulate(model):
            logits = forward_logits(model, batch)
            nll, seg = next_token_nll(logits, batch['input_ids'], batch['segments'])
            acc.backward(weighted_nll(nll, seg, w) * scale)
            sums += segment_sums(nll, seg)
            tokens += batch['attention_mask'].sum()
            if acc.sync_gradients:
                # Global-norm clip as the studio's: g·min(1, max/(‖g‖ + 1e-6)); max 0 measures only.
                norm = acc.clip_grad_norm_(params, max_grad_norm if max_grad_norm > 0 else float('inf'))
                grad_norm = None if norm is None else float(norm)
            optimizer.step()
            optimizer.zero_grad()
    sums = acc.reduce(sums, reduction='sum')
    tokens = acc.reduce(tokens, reduction='sum')
    value = loss_value(mode, alpha, sums[0].item(), sums[1].item(), n_cot, n_call)
    return value, grad_norm, int(tokens.item())


@torch.no_grad()
def eval_loss(acc, model, forward_logits, rows, batch_size, *, mode, alpha):
    """Held-out loss under the current adapter: the studio's batches of `batch_size`, shared out
    over ranks, NLL sums and counts added over all of them."""
    chunks = [list(range(k, min(k + batch_size, len(rows)))) for k in range(0, len(rows), batch_size)]
    sums = torch.zeros(4, dtype=torch.float64, device=acc.device)
    # Every rank runs the same number of forwards (sharded weights are gathered collectively);
    # a rank past the last batch runs the first one again and counts nothing from it.
    rounds = -(-len(chunks) // acc.num_processes)
    for k in range(rounds):
        index = k * acc.num_processes + acc.process_index
        batch = collate([rows[i] for i in chunks[index if index < len(chunks) else 0]], acc.device)
        nll, seg = next_token_nll(forward_logits(model, batch), batch['input_ids'], batch['segments'])
        if index < len(chunks):
            s = segment_sums(nll, seg)
            sums += torch.stack([s[0], s[1], (seg == 1).sum().double(), (seg == 2).sum().double()])
    sums = acc.reduce(sums, reduction='sum')
    return loss_value(mode, alpha, sums[0].item(), sums[1].item(), int(sums[2].item()), int(sums[3].item()))


class Stopwatch:
    def __init__(self):
        self.t0 = time.perf_counter()

    def lap_ms(self):
        t, self.t0 = self.t0, time.perf_counter()
        return (self.t0 - t) * 1000


class BestStep:
    """The studio's Keep the best step: the evaluated step with the lowest held-out loss per token,
    and (patience) how many evaluations in a row since found no lower one. A loss that is not a
    number (no held-out token) is never the best, and counts as no lower one."""

    def __init__(self, patience=0):
        self.step, self.loss, self.since, self.patience = None, None, 0, patience or 0

    def observe(self, step, loss):
        """True when `loss` is the lowest so far: that step's adapter is the one to keep."""
        if loss is not None and math.isfinite(loss) and (self.loss is None or loss < self.loss):
            self.step, self.loss, self.since = step, loss, 0
            return True
        self.since += 1
        return False

    def patience_run_out(self):
        return self.patience > 0 and self.step is not None and self.since >= self.patience
