// Generated assets the studio and the tests need but git does not hold (they are reproducible
// from a fixed seed): the embedded tiny model. Runs before dev, build and test; fast when done.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const steps = [
  { script: 'scripts/gen-tiny-model.ts', output: 'public/models/tiny-qwen3/model.safetensors' },
];
for (const { script, output } of steps) {
  if (!existsSync(script) || existsSync(output)) continue;
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
