#!/usr/bin/env bash
# Every test of the project, in the order that fails fastest: types, unit + GPU tests in Node
# (Dawn on SwiftShader), the production build, kernels and storage in Chromium, then the built app
# end to end in Chromium. Ends with one "total: N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results
rm -f test-results/*.counts
bash scripts/ensure-system-deps.sh
node scripts/prepare-assets.mjs

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json

echo "== unit and GPU tests (Node, Dawn)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json

echo "== production build"
npx vite build --logLevel warn

echo "== browser tests (Chromium, WebGPU on SwiftShader)"
node tests/browser/run-browser-tests.mjs

echo "== end-to-end (built app in Chromium)"
node tests/e2e/run-e2e.mjs

node scripts/sum-test-counts.mjs
