"""train.py's main() end to end on an exported recipe, with STAND-INS for accelerate, transformers
and peft (none is installed here): a one-process Accelerator with Accelerate's gating of optimizer
steps, a tiny causal LM over the full vocabulary in place of AutoModelForCausalLM, and a LoraConfig /
get_peft_model (and PeftModel.from_pretrained, for a continued adapter) that freeze it, add one
trainable vector and save adapter_config.json from the LoraConfig's arguments. This runs train.py's own code (arguments, data, the loop, the balance
update, metrics, saving and the adapter_config check) line by line; it says nothing about the real
libraries' behaviour, which only a machine with transformers + PEFT can show.

    /usr/bin/python3 train_smoke.py <recipe dir> <output dir> [train.py arguments…]
"""
import json
import sys
import types
from pathlib import Path

import torch

import standins

recipe_dir, out_dir, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
sys.path.insert(0, recipe_dir)


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


# --- accelerate (stand-in: standins.py) ------------------------------------------------------
module('accelerate', Accelerator=standins.Accelerator)
module('accelerate.utils', DistributedType=standins.DistributedType)


# --- transformers (stand-in network) -----------------------------------------------------------
class StandInCausalLM(torch.nn.Module):
    """NOT the model train.py trains: an embedding and a head over the real vocabulary."""

    def __init__(self, vocab):
        super().__init__()
        self.config = types.SimpleNamespace(use_cache=True)
        self.emb = torch.nn.Embedding(vocab, 4)
        self.head = torch.nn.Linear(4, vocab)
        self.delta = None

    def get_input_embeddings(self):
        return self.emb

    def forward(self, input_ids, attention_mask=None, use_cache=None):
        h = torch.tanh(self.emb(input_ids))
        if self.delta is not None:
            h = h + self.delta
        return types.SimpleNamespace(logits=self.head(h))


class AutoModelForCausalLM:
    @staticmethod
    def from_pretrained(path, dtype=None, **kw):
        assert isinstance(dtype, torch.dtype) and 'torch_dtype' not in kw, 'train.py names the dtype as transformers >= 4.56 does'
        config = json.loads((Path(path) / 'config.json').read_text())
        # The same stand-in weights every run, as a real checkpoint's are (tests compare curves).
        torch.manual_seed(0)
        return StandInCausalLM(config['vocab_size'])


module('transformers', AutoModelForCausalLM=AutoModelForCausalLM, __version__='5.0.0')


# --- peft (stand-in) ---------------------------------------------------------------------------
class LoraConfig:
    def __init__(self, **kw):
        self.kw = kw


class PeftModel(torch.nn.Module):
    def __init__(self, base, config):
        super().__init__()
        self.base, self.config_kw = base, config.kw
        for p in base.parameters():
            p.requires_grad_(False)
        base.delta = torch.nn.Parameter(torch.zeros(4))

    def forward(self, **kw):
        return self.base(**kw)

    @classmethod
    def from_pretrained(cls, base, path, is_trainable=False):
        # PEFT's way to train a saved adapter on: its LoraConfig is the one saved with it.
        saved = json.loads((Path(path) / 'adapter_config.json').read_text())
        keys = ('r', 'lora_alpha', 'lora_dropout', 'target_modules', 'use_rslora', 'layers_to_transform', 'bias', 'task_type')
        print(json.dumps({'from_pretrained': str(path), 'is_trainable': is_trainable}, separators=(',', ':')))
        return cls(base, LoraConfig(**{k: saved.get(k) for k in keys}))

    def save_pretrained(self, directory, is_main_process=True, state_dict=None):
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        # What PEFT writes: the LoraConfig's fields (the ones given, plus its own).
        cfg = {**self.config_kw, 'peft_type': 'LORA', 'base_model_name_or_path': 'stand-in', 'use_dora': False, 'fan_in_fan_out': False,
               'rank_pattern': {}, 'alpha_pattern': {}, 'modules_to_save': None, 'inference_mode': True}
        (d / 'adapter_config.json').write_text(json.dumps(cfg, indent=2, sort_keys=True))
        torch.save({k: v for k, v in state_dict.items() if 'delta' in k}, d / 'adapter_model.bin')


module('peft', LoraConfig=LoraConfig, get_peft_model=lambda m, c: PeftModel(m, c), PeftModel=PeftModel)

import train  # noqa: E402

code = train.main(['--config', f'{recipe_dir}/recipe.json', '--output-dir', out_dir, *extra])
print(json.dumps({'exit': code}))
