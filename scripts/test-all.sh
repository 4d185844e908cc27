#!/usr/bin/env bash
# Every test of the project, in the order that fails fastest: types beside the unit + GPU tests in
# Node (Dawn on SwiftShader), the production build, kernels and storage in Chromium, then the built app
# end to end in Chromium (the guided demo's test beside those two). Ends with one "total: N passed,
# N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results
started=$(date +%s)
# Each stage's start, in seconds since this script began: where CI's time went.
stage() { echo "== $1 (at $(( $(date +%s) - started )) s)"; }
rm -f test-results/*.counts
bash scripts/ensure-system-deps.sh
node scripts/prepare-assets.mjs

# The typecheck (one core, ~17 s) runs beside the unit tests' first files rather than before them,
# while the other core would wait; its verdict is said, and counted, once they end.
stage "typecheck (beside the unit tests)"
npx tsc --noEmit -p tsconfig.json > test-results/typecheck.log 2>&1 &
typecheck=$!

stage "unit and GPU tests (Node, Dawn)"
units=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || units=$?

stage "typecheck's verdict"
if ! wait "$typecheck"; then cat test-results/typecheck.log; echo "typecheck failed"; exit 1; fi
echo "typecheck passed"
[ "$units" = 0 ] || exit "$units"

stage "production build"
npx vite build --logLevel warn

# The guided demo's end-to-end test (five minutes) keeps about 1.6 of CI's 2 cores busy, and the
# browser tests and the other end-to-end tests about as much: they run beside it, its lines printed
# when it ends. Every stage still runs when one fails; the script fails if any did.
DEMO="demo.e2e.mjs the guided demo"
node tests/e2e/run-e2e.mjs "$DEMO" --counts e2e-demo > test-results/e2e-demo.log 2>&1 &
demo=$!
failed=0

stage "browser tests (Chromium, WebGPU on SwiftShader)"
node tests/browser/run-browser-tests.mjs || failed=1

stage "end-to-end (built app in Chromium)"
node tests/e2e/run-e2e.mjs --except "$DEMO" || failed=1

stage "end-to-end: the guided demo (ran beside the stages above)"
wait "$demo" || failed=1
cat test-results/e2e-demo.log

stage "done"
node scripts/sum-test-counts.mjs
exit "$failed"
