// Ctrl-C during `studio train` pauses the run as the studio's Pause does: the step in flight ends,
// a checkpoint is written and --resume goes on from it (it lost every step since the last
// checkpoint, 20 by default). A resume to the step it reached writes the adapter as it is.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interruptedStudio } from '../helpers/interrupt.ts';
import { studioInProcess } from '../helpers/studioInProcess.ts';

const STEPS = 5000;
const args = (out: string, steps: number) => [
  'train', '--model', 'public/models/tiny-qwen3', '--data', 'public/demo/demo-dataset.jsonl', '--out', out,
  '--steps', String(steps), '--batch', '1', '--seq', '320', '--rank', '2', '--eval-every', '0', '--checkpoint-every', '1000',
];

describe('studio train interrupted', () => {
  it('writes a checkpoint at the step it reached, exits 130, and --resume goes on from there', { timeout: 300_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'train-interrupt-')), 'run');
    const r = await interruptedStudio(args(out, STEPS), new RegExp(`step ([3-9]|\\d\\d+)/${STEPS}`));
    expect([r.code, r.signal], r.stderr).toEqual([130, null]);
    const m = /paused after step (\d+) of 5000: the checkpoint is in (.*); continue with the same command and --resume \(with --steps \1 it writes the adapter as it is now\)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const reached = Number(m![1]);
    expect(m![2]).toBe(out);
    expect(reached).toBeGreaterThanOrEqual(3);
    expect(reached).toBeLessThan(STEPS);
    const steps = () => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps()).toEqual(Array.from({ length: reached }, (_, i) => i + 1));
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ status: 'paused', lastStep: reached });
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(true);
    expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(false);

    // Resumed to the step it reached: no step trained again, the adapter written.
    const resumed = await studioInProcess([...args(out, reached), '--resume', '--quiet']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain(`trained ${reached} steps`);
    expect(steps()).toHaveLength(reached);
    expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(true);
  });

  it('before the first step leaves nothing trained, and the same command starts the run again', { timeout: 300_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'train-interrupt-')), 'run');
    // Interrupted as it reads the data (the progress line names that phase).
    const r = await interruptedStudio(args(out, STEPS), /tokenizing: 0 of/);
    expect([r.code, r.signal], r.stderr).toEqual([130, null]);
    if (r.stdout.includes('paused after step')) {
      // The machine reached the training loop first: step 0's checkpoint is there to resume from.
      expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(true);
      return;
    }
    expect(r.stdout).toContain(`interrupted before the first step: nothing was trained; the same command starts the run again in ${out}`);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ status: 'paused', lastStep: 0 });
    // --resume has nothing to go on from, and says how to start again.
    const resumed = await studioInProcess([...args(out, 1), '--resume', '--quiet']);
    expect(resumed.code).toBe(1);
    expect(resumed.err.trim().split('\n').at(-1)).toBe(`studio train: --resume: ${join(out, 'checkpoint.safetensors')} does not exist; the run was interrupted before its first step, so start it again without --resume`);
    const again = await studioInProcess([...args(out, 1), '--quiet']);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('trained 1 step on ');
  });
});
