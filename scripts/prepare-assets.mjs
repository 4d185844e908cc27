// Generated assets the studio and the tests need but git does not hold (they are reproducible
// from committed inputs): the embedded tiny model, spread from its pre-trained weights. Runs before
// dev, build and test; fast when done. An output older than any of its inputs is written again.
import { existsSync, statSync, utimesSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const steps = [
  { script: 'scripts/gen-tiny-model.ts', inputs: ['scripts/demo-model/pretrained.safetensors', 'src/model/tiny-model.ts'], output: 'public/models/tiny-qwen3/model.safetensors' },
];
const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);
for (const { script, inputs, output } of steps) {
  if (!existsSync(script) || (existsSync(output) && [script, ...inputs].every((p) => mtime(p) <= mtime(output)))) continue;
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  const now = new Date();
  utimesSync(output, now, now); // the generator leaves an unchanged file alone; mark it checked
}
