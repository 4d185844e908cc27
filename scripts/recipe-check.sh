#!/usr/bin/env bash
# A training recipe end to end under the real Hugging Face stack, wherever transformers, PEFT and
# Accelerate are installed (a GPU machine, or a CPU with `pip install torch transformers peft accelerate`):
#   PYTHON=/path/to/python bash scripts/recipe-check.sh
# A 6-step studio run of the demo on the embedded model; its recipe; train.py in one process, then
# over two processes (FSDP through `accelerate launch` on a GPU machine, data-parallel CPU processes
# through torchrun elsewhere: Accelerate's FSDP needs GPUs); the two adapters compared; the adapter
# evaluated by the studio and trained on from its α state. Everything lands under $OUT. CI does not
# run this (it installs apt and npm packages only); tests/recipe covers the loss, data and arguments
# with Debian's python3-torch.
set -uo pipefail
export OUT=${OUT:-/tmp/recipe-check}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
model="$PWD/public/models/tiny-qwen3"
data="$PWD/public/demo/demo-dataset.jsonl"
run="$OUT/recipe/run"
recipe="$OUT/recipe/recipe"
rm -rf "$OUT/recipe"

"$PYTHON" -c 'import torch, transformers, peft, accelerate; print("torch", torch.__version__, "| transformers", transformers.__version__, "| peft", peft.__version__, "| accelerate", accelerate.__version__, "| cuda", torch.cuda.device_count())' \
  || { echo "recipe-check: $PYTHON lacks torch, transformers, peft or accelerate"; exit 1; }
gpus=$("$PYTHON" -c 'import torch; print(torch.cuda.device_count())')

node bin/studio.mjs train --model "$model" --data "$data" --out "$run" --steps 6 --batch 4 --seed 42 --split-seed 1234 --eval-every 0 > "$OUT/recipe-studio-train.log" 2>&1
echo "studio train exit $?"
node bin/studio.mjs recipe --run "$run" --out "$recipe" > "$OUT/recipe-export.log" 2>&1
echo "studio recipe exit $?"
( cd "$recipe" && timeout ${RECIPE_TIMEOUT:-240} "$PYTHON" train.py --config recipe.json --output-dir adapter --base-model "$model" > "$OUT/recipe-train-py.log" 2>&1; echo "train.py (one process) exit $?" )
tail -n 9 "$OUT/recipe-train-py.log"
if [ "$gpus" -gt 0 ]; then
  ( cd "$recipe" && timeout ${RECIPE_TIMEOUT:-240} "$PYTHON" -m accelerate.commands.launch --config_file accelerate_fsdp.yaml --num_processes 1 --num_machines 1 train.py --config recipe.json --output-dir adapter-multi --base-model "$model" > "$OUT/recipe-multi.log" 2>&1; echo "accelerate launch (FSDP, one process) exit $?" )
else
  ( cd "$recipe" && ACCELERATE_USE_CPU=true timeout ${RECIPE_TIMEOUT:-240} "$PYTHON" -m torch.distributed.run --nproc_per_node 2 train.py --config recipe.json --output-dir adapter-multi --base-model "$model" > "$OUT/recipe-multi.log" 2>&1; echo "torchrun (two CPU processes) exit $?" )
fi
grep -E "^(step|[0-9]+ training)" "$OUT/recipe-multi.log" | head -8
"$PYTHON" - "$recipe" <<'EOF'
import sys
from pathlib import Path
from safetensors.torch import load_file
root = Path(sys.argv[1])
try:
    a, b = load_file(root / 'adapter/adapter_model.safetensors'), load_file(root / 'adapter-multi/adapter_model.safetensors')
except FileNotFoundError as e:
    sys.exit(f'adapters not compared: {e}')
worst = max(float((a[k].float() - b[k].float()).abs().max() / (a[k].float().abs().max() + 1e-12)) for k in a)
print(f'one process vs two: {len(a)} tensors, same names {sorted(a) == sorted(b)}, largest difference {worst:.2e} of a tensor\'s largest value')
EOF
node bin/studio.mjs eval --model "$model" --adapter "$recipe/adapter" --data "$data" --seed 42 --split-seed 1234 --limit 8 --max-tokens 160 --out "$OUT/recipe-eval.jsonl" --summary "$OUT/recipe-eval.json" > "$OUT/recipe-eval.log" 2>&1
echo "studio eval of train.py's adapter exit $?"
grep -E "^(evaluated|accuracy|BFCL)" "$OUT/recipe-eval.log"
node bin/studio.mjs train --model "$model" --data "$data" --adapter "$recipe/adapter" --balance "$recipe/adapter/balance.json" --out "$OUT/recipe/continued" --steps 2 --batch 2 --seed 42 --split-seed 1234 --eval-every 0 > "$OUT/recipe-continue.log" 2>&1
echo "studio train on from train.py's adapter and α exit $?"
grep -E "^step" "$OUT/recipe-continue.log"
node -e '
  const fs = require("fs");
  const rows = (f) => { try { return fs.readFileSync(f, "utf8").trim().split("\n").filter(Boolean).map(JSON.parse).filter((r) => r.kind === "train"); } catch { return []; } };
  const line = (rs) => rs.map((r) => r.loss.toFixed(4) + " (α " + r.alpha.toFixed(3) + ")").join(" ");
  console.log("studio losses:   " + line(rows(process.env.OUT + "/recipe/run/metrics.jsonl")));
  console.log("train.py losses: " + line(rows(process.env.OUT + "/recipe/recipe/adapter/metrics.jsonl")));
  console.log("two processes:   " + line(rows(process.env.OUT + "/recipe/recipe/adapter-multi/metrics.jsonl")));
' 2>&1
