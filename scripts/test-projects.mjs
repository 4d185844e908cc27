// Which unit-test files run in shared worker processes (vitest isolate: false) and which each in a
// process of its own. Sharing is what makes the GPU tests affordable on CI's two cores: a file that
// trains or decodes the embedded model spends seconds compiling the engine's pipelines for
// SwiftShader, building the Qwen3 tokenizer and importing transformers.js, and in a shared process
// the files after the first find all three done (tests/jobs + tests/cli: 224 → 159 s).
// A file shares only if it is in one of SHARED_DIRS (engine, CLI, job, worker, dataset and GPU
// tests, which keep their state in their own folders, buffers and uniquely named databases) and
// neither it nor a helper it imports changes what the next file would see: module mocks, fake
// timers, stubbed, assigned or side-effect-installed globals and environment variables. Spies are
// restored after every test of a shared file (restoreMocks in vite.config.ts). Every other file runs
// in a process of its own. Sharing tests/worker, data, gpu and snapshot too: 174 → 135 s for them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The page's components and stores (tests/ui) are not here: they run in VM contexts (vite.config.ts).
const SHARED_DIRS = ['ops', 'model', 'train', 'jobs', 'cli', 'hdr', 'export', 'eval', 'recipe', 'bench', 'worker', 'data', 'gpu', 'snapshot'];

/** What a file may leave behind for the next one in its process, or needs to find undone: the
 * onnxruntime global transformers.js binds to as it is first evaluated (src/export/ortGlobal.ts);
 * fake-indexeddb/auto, which installs a global indexedDB as it is imported. */
const STATEFUL = /\bexport\/(ortGlobal|transformersModel)\.ts'|\bvi\.(mock|doMock|unmock|stubGlobal|stubEnv|useFakeTimers|resetModules)\b|\bprocess\.env(\.\w+|\[[^\]]+\])\s*=(?!=)|\bdelete process\.env\b|\bglobalThis(\.\w+|\[[^\]]+\])\s*=(?!=)|\bprocess\.(on|once)\(|\bfake-indexeddb\/auto\b/;

/** Helpers that put back what they change (studioInProcess: the environment and stdout it sets
 * for one command). */
const RESTORING_HELPERS = ['studioInProcess'];

/** Paths (relative to `root`, with forward slashes) of the test files that share processes. */
export function sharedProcessTests(root) {
  const helpers = join(root, 'tests', 'helpers');
  const statefulHelpers = readdirSync(helpers)
    .filter((f) => f.endsWith('.ts') && STATEFUL.test(readFileSync(join(helpers, f), 'utf8')))
    .map((f) => f.replace(/\.ts$/, ''))
    .filter((h) => !RESTORING_HELPERS.includes(h));
  const importsStatefulHelper = (text) => statefulHelpers.some((h) => text.includes(`/helpers/${h}.ts'`) || text.includes(`/helpers/${h}'`));
  const shared = [];
  for (const dir of SHARED_DIRS) {
    if (!existsSync(join(root, 'tests', dir))) continue;
    for (const f of readdirSync(join(root, 'tests', dir)).sort()) {
      if (!f.endsWith('.test.ts')) continue;
      const text = readFileSync(join(root, 'tests', dir, f), 'utf8');
      if (!STATEFUL.test(text) && !importsStatefulHelper(text)) shared.push(`tests/${dir}/${f}`);
    }
  }
  return shared;
}
