"""train.py's parts that need no transformers, run with torch alone on an exported recipe folder:
the studio's data order, cursor and schedule (against values the studio computed, given as JSON),
loading and collating the tokenized rows, and the batch arithmetic of one optimizer step
(accumulation, several processes, clipping) through recipe_loop.train_step itself.

For the batch arithmetic a tiny torch.nn model STANDS IN FOR THE NETWORK (an embedding and a linear
head over the token ids taken mod 97; the real one is transformers' AutoModelForCausalLM), and
standins.py stands in for 🤗 Accelerate (backward divides the loss by the accumulation steps, the
optimizer steps and zeroes only on the step's last micro-batch); several processes run one after
the other and their gradients are averaged, as data parallelism does. The gradient that reaches the optimizer must be
that of the SSB loss of the whole step computed in one piece.

    /usr/bin/python3 loop_check.py <recipe dir> <reference.json>
Prints one line per check; exits non-zero on the first failure.
"""
import copy
import json
import math
import sys

import torch

sys.path.insert(0, sys.argv[1])
import recipe_data as D  # noqa: E402
import recipe_loop as L  # noqa: E402
import ssb_loss as S  # noqa: E402
from standins import Accelerator, GatedOptimizer  # noqa: E402

ref = json.load(open(sys.argv[2]))
recipe = json.load(open(f'{sys.argv[1]}/recipe.json'))
torch.manual_seed(0)


def ok(name, cond, detail=''):
    if not cond:
        raise SystemExit(f'FAIL {name}: {detail}')
    print(f'ok {name}')


# The studio's order, cursor and schedule, bit for bit.
for c in ref['orders']:
    ok(f'epoch_order n={c["n"]} seed={c["seed"]} epoch={c["epoch"]}', D.epoch_order(c['n'], c['seed'], c['epoch']) == c['order'], c['order'][:8])
for c in ref['takes']:
    got, cursor = D.take_indices(c['n'], c['seed'], tuple(c['cursor']), c['count'])
    ok(f'take_indices n={c["n"]} from {c["cursor"]}', got == c['indices'] and [cursor[0], cursor[1], list(cursor[2])] == c['next'], (got[:8], cursor))
for c in ref['schedules']:
    got = [D.learning_rate(c['kind'], c['lr'], c['warmup'], c['total'], s) for s in range(len(c['lrs']))]
    ok(f'learning_rate {c["kind"]} warmup {c["warmup"]}', all(abs(a - b) <= 1e-15 + 1e-12 * abs(b) for a, b in zip(got, c['lrs'])), (got[:4], c['lrs'][:4]))

# The exported data loads as the studio wrote it, and collates right-padded.
cfg = recipe['config']
rows = D.load_rows(f'{sys.argv[1]}/{recipe["data"]["files"]["train"]}', cfg['seqLen'])
held = D.load_rows(f'{sys.argv[1]}/{recipe["data"]["files"]["eval"]}', cfg['seqLen'])
ok('load_rows counts', len(rows) == recipe['data']['trainExamples'] and len(held) == recipe['data']['evalExamples'], (len(rows), len(held)))
batch = D.collate(rows[:3])
lens = [len(r['input_ids']) for r in rows[:3]]
ok('collate pads right with 0 and masks', batch['input_ids'].shape == (3, max(lens)) and batch['attention_mask'].sum(1).tolist() == lens
   and all(batch['segments'][b, lens[b]:].sum() == 0 for b in range(3)) and batch['input_ids'][0, :lens[0]].tolist() == rows[0]['input_ids'])
n_cot, n_call = S.segment_counts(S.target_segments(batch['segments']))
ok('target counts', (n_cot, n_call) == tuple(map(sum, zip(*[D.target_counts(r) for r in rows[:3]]))))

# ---------------------------------------------------------------------------------------------
# Batch arithmetic. STAND-IN NETWORK: not the model train.py trains.
V = 97
small = [{'id': r['id'], 'input_ids': [t % V for t in r['input_ids']], 'segments': r['segments']} for r in rows]


class StandInLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, 8)
        self.head = torch.nn.Linear(8, V)

    def forward(self, ids):
        return self.head(torch.tanh(self.emb(ids)))


def forward_logits(model, b):
    return model(b['input_ids'])


base = StandInLM()
examples_per_step = cfg['batchSize'] * cfg['gradAccum']
B = 4  # a step of 4 examples in these checks, whatever the exported run's batch
indices, _ = D.take_indices(len(small), cfg['seed'], (0, 0), B)
mode = S.parse_loss_mode('ssb')
alpha = 0.63


def reference(model):
    """The whole step's SSB loss in one piece: its value and gradient."""
    b = D.collate([small[i] for i in indices])
    nll, seg = S.next_token_nll(forward_logits(model, b), b['input_ids'], b['segments'])
    nc, nk = S.segment_counts(seg)
    loss = S.weighted_nll(nll, seg, S.loss_weights(mode, alpha, nc, nk))
    grads = torch.autograd.grad(loss, list(model.parameters()))
    s = S.segment_sums(nll, seg)
    return S.loss_value(mode, alpha, s[0].item(), s[1].item(), nc, nk), grads


want_value, want = reference(base)


def run_rank(per_device, world, rank, max_norm=0.0):
    model = copy.deepcopy(base)
    params = list(model.parameters())
    acc = Accelerator(D.step_plan(B, per_device, world), world, rank)
    opt = GatedOptimizer(acc, torch.optim.SGD(params, lr=0.0))
    value, norm, tokens = L.train_step(acc, model, opt, params, forward_logits, small, indices, mode=mode, alpha=alpha, lr=1e-3,
                                       max_grad_norm=max_norm, per_device_batch=per_device)
    ok(f'lr set on the optimizer (per-device {per_device}, {world} process(es), rank {rank})', opt.param_groups[0]['lr'] == 1e-3)
    return value, norm, opt.applied


def close(a, b, rtol=1e-5, atol=1e-7):
    return all(torch.allclose(x, y, rtol=rtol, atol=atol) for x, y in zip(a, b))


for per_device in (4, 2, 1):
    value, norm, got = run_rank(per_device, 1, 0)
    ok(f'one process, micro-batches of {per_device}: gradient = the whole step\'s', close(got, want), max((x - y).abs().max().item() for x, y in zip(got, want)))
    ok(f'one process, micro-batches of {per_device}: loss, L_cot, L_call', all(math.isclose(a, b, rel_tol=1e-6) for a, b in
       [(value.loss, want_value.loss), (value.loss_cot, want_value.loss_cot), (value.loss_call, want_value.loss_call)]), (value, want_value))
for world, per_device in ((2, 1), (2, 2), (4, 1)):
    per_rank = [run_rank(per_device, world, r)[2] for r in range(world)]
    averaged = [sum(g[i] for g in per_rank) / world for i in range(len(want))]  # what DDP / FSDP / ZeRO hand the optimizer
    ok(f'{world} processes, micro-batches of {per_device}: averaged gradient = the whole step\'s', close(averaged, want))
try:
    D.step_plan(B, 1, 8)
    ok('a step that cannot be split is refused', False)
except ValueError as err:
    ok('a step that cannot be split is refused, naming the arithmetic', '4 is not a multiple of 1 × 8' in str(err), str(err))
ok('default micro-batch splits the step', D.default_per_device_batch(8, 4, 4) == 2 and D.default_per_device_batch(8, 4, 1) == 4)

# Clipping as the studio's: g·min(1, max/(‖g‖ + 1e-6)).
total = torch.sqrt(sum((g ** 2).sum() for g in want)).item()
_, norm, clipped = run_rank(2, 1, 0, max_norm=total / 3)
coef = min(1.0, (total / 3) / (total + 1e-6))
ok('clip: the norm before, the gradient scaled by min(1, max/(‖g‖ + 1e-6))', math.isclose(norm, total, rel_tol=1e-6) and close(clipped, [g * coef for g in want]))

# The held-out loss: the studio's batches, sums over all of them.
e = L.eval_loss(Accelerator(1), base, forward_logits, small[:5], 2, mode=mode, alpha=alpha)
b = D.collate(small[:5])
nll, seg = S.next_token_nll(forward_logits(base, b), b['input_ids'], b['segments'])
s = S.segment_sums(nll, seg)
direct = S.loss_value(mode, alpha, s[0].item(), s[1].item(), *S.segment_counts(seg))
# (f32 forwards of differently padded batches: equal to ~1e-8, not bit for bit)
ok('eval_loss = the loss over all held-out tokens at once', all(math.isclose(a, b, rel_tol=1e-6) for a, b in
   [(e.loss, direct.loss), (e.loss_cot, direct.loss_cot), (e.loss_call, direct.loss_call)]), (e, direct))

# adapter_config.json as PEFT writes it for the recipe's LoraConfig: nothing the studio would refuse.
ok('adapter_config.json as PEFT writes it reads back as the run', D.adapter_config_problems(ref['peftWritten'], recipe['peft']) == [], D.adapter_config_problems(ref['peftWritten'], recipe['peft']))
bad = dict(ref['peftWritten'], r=recipe['peft']['r'] + 1, use_dora=True)
ok('a different rank or DoRA is named', len(D.adapter_config_problems(bad, recipe['peft'])) == 2, D.adapter_config_problems(bad, recipe['peft']))
