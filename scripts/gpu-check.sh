#!/usr/bin/env bash
# The device check for a GPU machine (../shared/gpu/README.md), run from the project root through
#   bash .gpu/run.sh bash scripts/gpu-check.sh [tests|bench|recipe|all] ["bench groups"]
# It runs the tests of kernel variants that only a GPU can run (f16, subgroup matrices, the tuned
# paths), then the benchmark, then a recipe's train.py under the machine's real transformers + PEFT
# + Accelerate, writing everything under $OUT (logs, JSON rows). One prepared script: GPU time is
# scarce, so nothing here waits on anything but the GPU work itself.
# A command may run 10 minutes and a session has 15 of device time, start-up included, so `all` is too
# long for one call. In order of what the open issues still lack:
#   bash .gpu/run.sh bash scripts/gpu-check.sh bench "generate train"   decode and training figures
#   bash .gpu/run.sh bash scripts/gpu-check.sh recipe                    train.py under real PEFT
#   bash .gpu/run.sh bash scripts/gpu-check.sh tests                     variants only a GPU runs
#   bash .gpu/run.sh bash scripts/gpu-check.sh bench matmul              kernels against tfjs
#   bash .gpu/run.sh bash scripts/gpu-check.sh tensor                    tensor cores: the lab's forms side
#        by side, the variant and check tests, then the f16 matmul and training cases (the tuner races
#        the tensor-core kernels that pass their check)
set -uo pipefail
export OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
mode=${1:-all}
groups=${2:-matmul attention train}
export STUDIO_KERNEL_TUNING="$OUT/kernel-tuning.json"
vitest() { node node_modules/vitest/vitest.mjs run "$@"; }

node bin/studio.mjs gpu --json > "$OUT/gpu.json" 2>&1
head -c 1500 "$OUT/gpu.json"; echo

if [ "$mode" = tests ] || [ "$mode" = all ]; then
  timeout ${TEST_TIMEOUT:-200} node node_modules/vitest/vitest.mjs run ${TESTS:-tests/ops tests/gpu/recorded-program.test.ts tests/model/gpu-parity.test.ts tests/model/generate.test.ts tests/train/trainer.test.ts} \
    > "$OUT/tests.log" 2>&1
  echo "tests exit $?"
  grep -E "✓|×|↓|FAIL|Tests |not available|AssertionError|Error:" "$OUT/tests.log" | sed 's/\x1b\[[0-9;]*m//g' | head -80
fi

if [ "$mode" = tensor ]; then
  LAB_ONLY="raw 2x2 sg 4x4,staged" timeout 100 node --import tsx scripts/tc-lab.mjs --quick > "$OUT/tc-lab.log" 2>&1
  echo "lab exit $?"; grep -v '^skip' "$OUT/tc-lab.log" | cut -c1-200
  timeout 150 node node_modules/vitest/vitest.mjs run tests/ops/matmul-variants.test.ts tests/ops/matmul-check.test.ts > "$OUT/tests.log" 2>&1
  echo "tests exit $?"
  grep -E "✓|×|↓|FAIL|Tests |not available|AssertionError" "$OUT/tests.log" | sed 's/\x1b\[[0-9;]*m//g' | head -30
  mode=bench; groups="matmul train"; export BENCH_ONLY=${BENCH_ONLY:-f16,0.5B}
fi

if [ -n "${EXPERIMENT:-}" ]; then
  # What Dawn's bounds checks cost the tensor-core kernels (robustness off: the kernels stay in bounds).
  STUDIO_DAWN_TOGGLES=disable_robustness STUDIO_KERNEL_TUNING="$OUT/tuning-norobust.json" timeout 120 node bin/studio.mjs bench --group matmul --only f16 --no-tfjs --json > "$OUT/bench-norobust.jsonl" 2>&1
  node -e 'for (const l of require("fs").readFileSync(process.env.OUT + "/bench-norobust.jsonl", "utf8").split("\n")) if (l.startsWith("{")) { const r = JSON.parse(l); console.log("no robustness:", r.name, (r.oursGflops / 1000).toFixed(1) + " TF/s", r.variant); }'
fi

if [ "$mode" = bench ] || [ "$mode" = all ]; then
  for g in $groups; do
    timeout ${BENCH_TIMEOUT:-200} node bin/studio.mjs bench --group "$g" ${BENCH_ONLY:+--only "$BENCH_ONLY"} --json > "$OUT/bench-$g.jsonl" 2> "$OUT/bench-$g.err"
    echo "bench $g exit $?"
    tail -c 3000 "$OUT/bench-$g.err"
  done
  node -e '
    const fs = require("fs");
    const read = (g) => { try { return fs.readFileSync(process.env.OUT + "/bench-" + g + ".jsonl", "utf8").split("\n"); } catch { return []; } };
    for (const g of ["matmul", "attention"]) {
      for (const line of read(g)) {
        if (!line.startsWith("{")) continue;
        const r = JSON.parse(line);
        // studio bench --json writes NaN and Infinity as text (a kernel that produced them).
        const diff = typeof r.maxRelDiff === "number" ? r.maxRelDiff.toExponential(1) : r.maxRelDiff ?? "-";
        console.log([r.name, (r.oursGflops/1000).toFixed(2) + " TF/s", r.tfjsGflops ? (r.tfjsGflops/1000).toFixed(2) + " TF/s" : "-", typeof r.ratio === "number" ? r.ratio.toFixed(2) + "x" : r.ratio ?? "-", diff, r.oursGpuMs?.toFixed(3), r.variant].join(" | "));
      }
    }
    for (const line of read("generate")) {
      if (!line.startsWith("{")) continue;
      const r = JSON.parse(line);
      console.log([r.name, r.decodeTokensPerSecond.toFixed(1) + " tok/s decode", "TTFT " + r.prefillMillis.toFixed(0) + " ms", "CPU/step " + r.stepCpuMillis.recorded.toFixed(2) + " ms recorded, " + r.stepCpuMillis.replayed.toFixed(2) + " ms replayed", r.dispatchesPerStep + " dispatches in " + r.submitsPerStep + " submits"].join(" | "));
    }
    for (const line of read("train")) {
      if (!line.startsWith("{")) continue;
      const r = JSON.parse(line);
      console.log([r.name, (r.tokens / (r.stepMillis / 1000)).toFixed(0) + " tok/s", "step " + r.stepMillis.toFixed(0) + " ms", r.tokens + " tokens as " + r.laidOutTokens, "first " + r.firstStepMillis.toFixed(0) + " ms", "prepare " + r.prepare.millis.toFixed(0) + " ms", r.dispatchesPerStep + " dispatches", "plan " + (r.plan/1e9).toFixed(2) + " GB", "alloc " + (r.measuredBytes/1e9).toFixed(2) + " GB", "scratch " + (r.scratchBytes/1e6).toFixed(0) + " MB", r.weightDtype].join(" | "));
      if (r.profile) { const tot = r.profile.reduce((n, k) => n + k.millis, 0); console.log("   profile total " + tot.toFixed(1) + " ms: " + r.profile.slice(0, 12).map((k) => k.label.replace(".wgsl", "") + " " + k.millis.toFixed(1)).join(", ")); }
    }
  ' 2>&1
fi

if [ "$mode" = recipe ] || [ "$mode" = all ]; then
  # train.py under the machine's real transformers + PEFT + Accelerate (FSDP on its GPU): one script
  # for any machine that has them.
  bash scripts/recipe-check.sh
fi
