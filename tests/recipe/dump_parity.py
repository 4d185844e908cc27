"""The recipe's exported loss (ssb_loss.py, imported from a recipe folder) on steps dumped by
`studio train --dump-step`: reads each dump without the safetensors package (8-byte LE header
length, JSON header, raw little-endian bytes), recomputes the step from its per-token NLL and
segments and prints, per quantity, the recipe's value and the studio's, as JSON.

    /usr/bin/python3 dump_parity.py <recipe dir> <cases.json>
cases.json: [{"name", "dump", "balance": <recipe.json's balance block>, "fresh": <first step from α₀>}, ...]
Used by tests/recipe/parity.test.ts; needs only torch (Debian's python3-torch).
"""
import json
import struct
import sys

import torch

sys.path.insert(0, sys.argv[1])
import recipe_data as D  # noqa: E402
import ssb_loss as S  # noqa: E402

DTYPES = {'F32': torch.float32, 'I32': torch.int32}


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    tensors = {}
    for name, t in header.items():
        a, b = t['data_offsets']
        tensors[name] = torch.frombuffer(bytearray(data[8 + n + a:8 + n + b]), dtype=DTYPES[t['dtype']]).reshape(t['shape'])
    return tensors, meta


def numbers(x, prefix=''):
    """A balance state's numbers by path ('theta.value', 'cot.0', …)."""
    if isinstance(x, dict):
        return {k: v for key in sorted(x) if key != 'rule' for k, v in numbers(x[key], f'{prefix}{key}.').items()}
    if isinstance(x, list):
        return {k: v for i, y in enumerate(x) for k, v in numbers(y, f'{prefix}{i}.').items()}
    return {prefix[:-1]: float(x)}


def check(case):
    t, meta = read_safetensors(case['dump'])
    config = json.loads(meta['config'])
    step = int(meta['step'])
    before, after = json.loads(meta['balance_before']), json.loads(meta['balance_after'])
    mode = S.parse_loss_mode(config['loss'])
    settings = S.BalanceSettings.from_recipe(case['balance'])

    # Position t predicts token t + 1: the recipe's shift of the input segments.
    seg = S.target_segments(t['segments'].long())
    keep = seg > S.PROMPT
    nll, seg = t['token_nll'][:, :-1][keep], seg[keep]
    n_cot, n_call = S.segment_counts(seg)
    alpha = S.balance_alpha(settings, before)
    sums = S.segment_sums(nll, seg)
    value = S.loss_value(mode, alpha, sums[0].item(), sums[1].item(), n_cot, n_call)
    # The loss train.py backpropagates: Σ w·nll with the whole step's weights.
    backward_loss = S.weighted_nll(nll.double(), seg, S.loss_weights(mode, alpha, n_cot, n_call)).item()
    # ∂L/∂α by autograd through the objective.
    a = torch.tensor(value.alpha, dtype=torch.float64, requires_grad=True)
    S.ssb_objective(value.loss_cot, value.loss_call, a).backward()
    grad_alpha = a.grad.item() if value.both else 0.0
    c = config
    scheduled = D.learning_rate(c['schedule'], settings.lr, c['warmupSteps'], c['steps'], step - 1)
    stepped = S.step_balance(settings, before, value, scheduled, c['beta1'], c['beta2'], c['eps']) if mode['kind'] == 'ssb' else before
    scalar = lambda name: t[name].item()  # noqa: E731
    pairs = {
        'loss': (value.loss, scalar('loss')),
        'loss (backward: Σ w·nll)': (backward_loss, scalar('loss')),
        'loss_cot': (value.loss_cot, scalar('loss_cot')),
        'loss_call': (value.loss_call, scalar('loss_call')),
        'ssb_alpha': (value.alpha, scalar('ssb_alpha')),
        'grad.ssb_alpha': (grad_alpha, scalar('grad.ssb_alpha')),
    }
    mine, theirs = numbers(stepped), numbers(after)
    if set(mine) != set(theirs):
        raise SystemExit(f'{case["name"]}: the next balance state has {sorted(mine)}, the studio\'s {sorted(theirs)}')
    for k in mine:
        pairs[f'balance_after.{k}'] = (mine[k], theirs[k])
    if case.get('fresh'):  # a run's first step from α₀: the recipe's initial state is the studio's
        for k, v in numbers(S.initial_balance_state(settings)).items():
            pairs[f'initial.{k}'] = (v, numbers(before)[k])
    return {'name': case['name'], 'step': step, 'rule': settings.rule, 'loss': c['loss'], 'alpha0': settings.alpha0,
            'n_cot': n_cot, 'n_call': n_call, 'pairs': pairs}


cases = json.load(open(sys.argv[2]))
print(json.dumps([check(c) for c in cases]))
