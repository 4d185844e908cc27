"""SSB loss (Self-adjusted Signal Balancing, BalanceSFT arXiv 2505.20192) and the balance rules
that learn its weight α, exactly as the BalanceSFT studio computes them (src/train/ssb.ts,
balance.ts and scalarAdamW.ts), for a PyTorch training loop:

    L_cot = Σ_cot nll / N_cot        L_call = Σ_call nll / N_call
    L     = α·L_cot + (1 − α)·L_call

Means run over the whole optimizer batch (every micro-batch on every rank): the loop counts the
step's cot and call target tokens first, and each micro-batch's backward loss is Σ w·nll with the
per-token weights w = α/N_cot (cot) and (1 − α)/N_call (call), so accumulation and data
parallelism equal one big batch. A step without cot (or call) tokens drops that term and puts
weight 1 on the other. `sft` is the plain token mean, `fixed:<α>` a constant α.

How α is learned is a balance rule, updated once per optimizer step from that step's L_cot, L_call:
  grad         α = α_min + (α_max − α_min)·σ(θ), θ by AdamW on ∂L/∂θ = (L_cot − L_call)·dα/dθ
               (degenerate: descent moves α toward the segment whose loss is already lower)
  uncertainty  Kendall et al. 2018: log-variances s_k by gradient descent on
               ½e^{−s_cot}L_cot + ½e^{−s_call}L_call + ½(s_cot + s_call); α = σ(s_call − s_cot)
  dwa          Liu et al. 2019: α from how fast each segment's loss fell over the last two
               windows of W steps, a softmax with temperature T and prior α₀
Balance states are dicts in the studio's JSON shape (its checkpoints and balance.json), so a
state written here continues in the studio and back.

Pure functions of numbers and tensors; imports only math and torch. Never touches a model.
"""
import math
import re
from dataclasses import dataclass

import torch

PROMPT, COT, CALL = 0, 1, 2
BALANCE_RULES = ('grad', 'uncertainty', 'dwa')
# uncertainty: the largest change of one log-variance in one step (balance.ts, MAX_LOG_VAR_STEP).
MAX_LOG_VAR_STEP = 1.0


# ---------------------------------------------------------------------------------------------
# Loss


def parse_loss_mode(text):
    """`ssb`, `sft` or `fixed:<α>` as {'kind': ...} (and 'alpha' for fixed)."""
    if text in ('ssb', 'sft'):
        return {'kind': text}
    m = re.fullmatch(r'fixed:([0-9]*\.?[0-9]+)', text)
    if m:
        alpha = float(m.group(1))
        if not 0 <= alpha <= 1:
            raise ValueError(f'loss "{text}": the fixed weight must be between 0 and 1')
        return {'kind': 'fixed', 'alpha': alpha}
    raise ValueError(f'unknown loss "{text}": use ssb, sft or fixed:<weight between 0 and 1>')


@dataclass(frozen=True)
class LossWeights:
    """∂L/∂nll of each cot and each call token, and the α they stand for."""
    cot: float
    call: float
    alpha: float


def loss_weights(mode, ssb_alpha, n_cot, n_call):
    """Per-token weights from the whole optimizer batch's token counts (known before the forward)."""
    if mode['kind'] == 'sft':
        n = n_cot + n_call
        return LossWeights(1 / n if n else 0.0, 1 / n if n else 0.0, n_cot / n if n else 0.0)
    alpha = ssb_alpha if mode['kind'] == 'ssb' else mode['alpha']
    if n_cot == 0 and n_call > 0:
        alpha = 0.0
    if n_call == 0 and n_cot > 0:
        alpha = 1.0
    return LossWeights(alpha / n_cot if n_cot else 0.0, (1 - alpha) / n_call if n_call else 0.0, alpha)


def target_segments(segments):
    """(B, T) segments of the input tokens → (B, T − 1) segment of the token each position predicts
    (right padding carries segment 0, so padding never has a loss)."""
    return segments[:, 1:]


def next_token_nll(logits, input_ids, segments):
    """Per-token NLL of the cot and call targets, in f32: logits (B, T, V) of a causal LM on
    input_ids (B, T) → (nll (M,), segment (M,)) for the M positions whose next token is cot or call."""
    seg = target_segments(segments)
    keep = seg > PROMPT
    rows = logits[:, :-1][keep].float()  # (M, V)
    nll = torch.nn.functional.cross_entropy(rows, input_ids[:, 1:][keep], reduction='none')
    return nll, seg[keep]


def segment_counts(segments):
    """Cot and call token counts of target segments (any shape)."""
    return int((segments == COT).sum()), int((segments == CALL).sum())


def weighted_nll(nll, segments, w):
    """The backward loss of a micro-batch: Σ w_t·nll_t with the optimizer batch's weights."""
    weights = torch.where(segments == COT, w.cot, torch.where(segments == CALL, w.call, 0.0)).to(nll.dtype)
    return (weights * nll).sum()


def segment_sums(nll, segments):
    """(Σ_cot nll, Σ_call nll) as a float64 tensor of 2, to add over micro-batches and ranks."""
    nll = nll.detach().double()
    return torch.stack([nll[segments == COT].sum(), nll[segments == CALL].sum()])


@dataclass(frozen=True)
class LossValue:
    loss: float
    loss_cot: float
    loss_call: float
    alpha: float
    # ∂L/∂α = L_cot − L_call when both segments are present, else 0 (the studio's grad.ssb_alpha).
    grad_alpha: float
    both: bool


def loss_value(mode, ssb_alpha, nll_cot, nll_call, n_cot, n_call):
    """The step's loss and segment means from its NLL sums and token counts."""
    nll_cot, nll_call = float(nll_cot), float(nll_call)
    loss_cot = nll_cot / n_cot if n_cot else 0.0
    loss_call = nll_call / n_call if n_call else 0.0
    w = loss_weights(mode, ssb_alpha, n_cot, n_call)
    both = n_cot > 0 and n_call > 0
    return LossValue(w.cot * nll_cot + w.call * nll_call, loss_cot, loss_call, w.alpha, loss_cot - loss_call if both else 0.0, both)


def ssb_objective(loss_cot, loss_call, alpha):
    """α·L_cot + (1 − α)·L_call, differentiable in all three (∂/∂α = L_cot − L_call)."""
    return alpha * loss_cot + (1 - alpha) * loss_call


# ---------------------------------------------------------------------------------------------
# Balance rules


@dataclass(frozen=True)
class BalanceSettings:
    rule: str
    alpha0: float
    alpha_min: float
    alpha_max: float
    lr: float  # grad: θ's AdamW rate (through the run's schedule); uncertainty: the step on s
    temperature: float  # dwa
    window: int  # dwa, in steps

    @staticmethod
    def from_recipe(b):
        """The recipe's `balance` block (the studio's balanceSettingsOf, field names as there)."""
        if b['rule'] not in BALANCE_RULES:
            raise ValueError(f'balance rule "{b["rule"]}" is not one of {", ".join(BALANCE_RULES)}')
        return BalanceSettings(b['rule'], b['alpha0'], b['alphaMin'], b['alphaMax'], b['lr'], b['temperature'], int(b['window']))


def sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _clamp_alpha(s, a):
    return min(s.alpha_max, max(s.alpha_min, a))


def grad_rule_alpha(s, theta):
    return s.alpha_min + (s.alpha_max - s.alpha_min) * sigmoid(theta)


def grad_rule_initial_theta(s):
    p = (s.alpha0 - s.alpha_min) / (s.alpha_max - s.alpha_min)
    if not 0 < p < 1:
        raise ValueError(f'α₀ = {s.alpha0} must lie strictly between α_min = {s.alpha_min} and α_max = {s.alpha_max}')
    return math.log(p / (1 - p))


def grad_rule_alpha_slope(s, theta):
    p = sigmoid(theta)
    return (s.alpha_max - s.alpha_min) * p * (1 - p)


def scalar_adamw_step(st, grad, lr, beta1, beta2, eps, weight_decay=0.0):
    """torch.optim.AdamW's update for one scalar; st = {'value', 'm', 'v', 'step'}."""
    step = st['step'] + 1
    m = beta1 * st['m'] + (1 - beta1) * grad
    v = beta2 * st['v'] + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** step)
    v_hat = v / (1 - beta2 ** step)
    decayed = st['value'] * (1 - lr * weight_decay)
    return {'value': decayed - (lr * m_hat) / (math.sqrt(v_hat) + eps), 'm': m, 'v': v, 'step': step}


def uncertainty_gradient(log_var, loss):
    """∂K/∂s_k = ½(1 − e^{−s_k}·L_k)."""
    return 0.5 * (1 - math.exp(-log_var) * loss)


def dwa_alpha(s, rate_cot, rate_call):
    zc, zk = rate_cot / s.temperature, rate_call / s.temperature
    top = max(zc, zk)
    wc = s.alpha0 * math.exp(zc - top)
    wk = (1 - s.alpha0) * math.exp(zk - top)
    return wc / (wc + wk)


def _dwa_rates(s, st):
    W, n = s.window, len(st['cot'])
    if n < 2 * W:
        return None

    def ratio(a):
        before = sum(a[n - 2 * W:n - W]) / W
        return (sum(a[n - W:]) / W) / before if before > 0 else 1.0

    return ratio(st['cot']), ratio(st['call'])


def initial_balance_state(s):
    if s.rule == 'grad':
        return {'rule': 'grad', 'theta': {'value': grad_rule_initial_theta(s), 'm': 0.0, 'v': 0.0, 'step': 0}}
    if s.rule == 'uncertainty':
        return {'rule': 'uncertainty', 'logVarCot': -math.log(s.alpha0), 'logVarCall': -math.log(1 - s.alpha0)}
    return {'rule': 'dwa', 'cot': [], 'call': []}


def balance_alpha(s, st):
    """The α a step uses under this state (before that step's update)."""
    if st['rule'] != s.rule:
        raise ValueError(f'the balance state is of rule "{st["rule"]}", but the run learns α with "{s.rule}"')
    if s.rule == 'grad':
        return grad_rule_alpha(s, st['theta']['value'])
    if s.rule == 'uncertainty':
        return _clamp_alpha(s, sigmoid(st['logVarCall'] - st['logVarCot']))
    r = _dwa_rates(s, st)
    return _clamp_alpha(s, dwa_alpha(s, *r)) if r else s.alpha0


def step_balance(s, st, value, scheduled_lr, beta1, beta2, eps):
    """The state after one optimizer step with this LossValue. grad's θ takes `scheduled_lr` (the
    rule's rate through the run's learning-rate schedule) and the run's AdamW betas and eps."""
    # Without both segments α is not in the step's loss: no rule learns from it (θ keeps its moments
    # and step, as torch's Adam skips a parameter without a gradient).
    if not value.both:
        return st
    if s.rule == 'grad':
        grad_theta = value.grad_alpha * grad_rule_alpha_slope(s, st['theta']['value'])
        return {'rule': 'grad', 'theta': scalar_adamw_step(st['theta'], grad_theta, scheduled_lr, beta1, beta2, eps)}
    if s.rule == 'uncertainty':
        def step(log_var, loss):
            return log_var - max(-MAX_LOG_VAR_STEP, min(MAX_LOG_VAR_STEP, s.lr * uncertainty_gradient(log_var, loss)))
        return {'rule': 'uncertainty', 'logVarCot': step(st['logVarCot'], value.loss_cot), 'logVarCall': step(st['logVarCall'], value.loss_call)}
    keep = 2 * s.window
    return {'rule': 'dwa', 'cot': (st['cot'] + [value.loss_cot])[-keep:], 'call': (st['call'] + [value.loss_call])[-keep:]}
