"""STAND-INS for 🤗 Accelerate, for the recipe tests (loop_check.py, train_smoke.py): one process of
`num_processes`, with the behaviour train.py relies on: backward divides the loss by the
accumulation steps, `accumulate` marks the last micro-batch of a step (sync_gradients), and the
prepared optimizer steps and zeroes only then (Accelerate's AcceleratedOptimizer); a sum over
processes is this process's own. Not Accelerate: what it does across processes is the caller's.
"""
import contextlib
import enum
import types

import torch


class DistributedType(str, enum.Enum):
    NO = 'NO'
    DEEPSPEED = 'DEEPSPEED'
    FSDP = 'FSDP'


class GatedOptimizer:
    """Steps and zeroes only on a step's last micro-batch; keeps the gradient it applied."""

    def __init__(self, acc, optimizer):
        self.acc, self.optimizer, self.applied = acc, optimizer, None

    @property
    def param_groups(self):
        return self.optimizer.param_groups

    def step(self):
        if self.acc.sync_gradients:
            self.applied = [p.grad.clone() for g in self.param_groups for p in g['params']]
            self.optimizer.step()

    def zero_grad(self):
        if self.acc.sync_gradients:
            self.optimizer.zero_grad()


class Accelerator:
    def __init__(self, gradient_accumulation_steps=1, num_processes=1, process_index=0):
        self.gradient_accumulation_steps, self.num_processes, self.process_index = gradient_accumulation_steps, num_processes, process_index
        self.is_main_process = process_index == 0
        self.device, self.distributed_type, self.sync_gradients, self._step = torch.device('cpu'), DistributedType.NO, False, 0
        self.state = types.SimpleNamespace()

    @contextlib.contextmanager
    def accumulate(self, model):
        self._step += 1
        self.sync_gradients = self._step % self.gradient_accumulation_steps == 0
        yield

    def backward(self, loss):
        (loss / self.gradient_accumulation_steps).backward()

    def clip_grad_norm_(self, params, max_norm):
        return torch.nn.utils.clip_grad_norm_(params, max_norm)

    def reduce(self, t, reduction='sum'):
        return t

    def prepare(self, *objs):
        out = [GatedOptimizer(self, o) if isinstance(o, torch.optim.Optimizer) else o for o in objs]
        return out[0] if len(out) == 1 else out

    def print(self, *a):
        print(*a)

    def wait_for_everyone(self):
        pass

    def get_state_dict(self, model):
        return model.state_dict()

    def unwrap_model(self, model):
        return model
