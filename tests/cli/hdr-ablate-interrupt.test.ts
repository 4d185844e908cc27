// Ctrl-C during `studio hdr` and `studio ablate` ends the job with what it has, as the studio's
// Cancel does, and exits 130 (it killed the process: an ablation lost the arms it had finished).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interruptedStudio } from '../helpers/interrupt.ts';

const common = (out: string) => ['--model', 'public/models/tiny-qwen3', '--data', 'public/demo/demo-dataset.jsonl', '--out', out, '--batch', '1', '--seq', '320', '--rank', '2'];
const folder = (name: string) => join(mkdtempSync(join(tmpdir(), `${name}-interrupt-`)), 'run');

describe('studio hdr and ablate interrupted', () => {
  it('hdr: cancelled while mining, says how far it got and writes no adapter', { timeout: 300_000 }, async () => {
    const out = folder('hdr');
    const r = await interruptedStudio(['hdr', ...common(out), '--mine-limit', '40', '--eval-limit', '4', '--max-tokens', '64'], /mining: answering 40/);
    expect([r.code, r.signal], r.stderr).toEqual([130, null]);
    expect(r.stdout).toMatch(/^mining cancelled after \d+ of 40 train examples$/m);
    expect(r.stdout).toContain('stopped after 0 rounds (cancelled): pool 0 → 0; 0 examples added; no round finished, so no adapter was written');
    expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'hdr.json'), 'utf8'))).toMatchObject({ stopReason: 'aborted', rounds: 0 });
  });

  it('hdr: cancelled while sampling its first round, keeps the mined pool and writes no adapter', { timeout: 300_000 }, async () => {
    const out = folder('hdr');
    // Sampling (16 answers of up to 32 tokens per hard case, tens of seconds) outlasts the moment a
    // Ctrl-C takes to land. 32 tokens, not 64: mining and the evaluation before it take half as long.
    const r = await interruptedStudio(['hdr', ...common(out), '--mine-limit', '8', '--eval-limit', '2', '--samples', '16', '--max-tokens', '32'], /round 1: sampling/);
    expect([r.code, r.signal], r.stderr).toEqual([130, null]);
    const mined = /^mined (\d+) hard cases? from 8 train examples/m.exec(r.stdout);
    expect(mined, r.stdout).not.toBeNull();
    expect(r.stdout).toContain(`stopped after 0 rounds (cancelled): pool ${mined![1]} → ${mined![1]}; 0 examples added; no round finished, so no adapter was written`);
    expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(false);
    expect(readFileSync(join(out, 'hard-cases.jsonl'), 'utf8').trim().split('\n')).toHaveLength(Number(mined![1]));
  });

  it('ablate: cancelled in its first arm, writes the report of the arms done', { timeout: 300_000 }, async () => {
    const out = folder('ablate');
    const r = await interruptedStudio(['ablate', ...common(out), '--steps', '2000', '--rules', 'grad', '--hdr-rule', 'none', '--eval-limit', '4', '--max-tokens', '16'], /sft: step/);
    expect([r.code, r.signal], r.stderr).toEqual([130, null]);
    expect(r.stdout).toContain('stopped after 0 of 3 arms');
    expect(r.stdout).toContain(`report written to ${join(out, 'report.md')}`);
    expect(JSON.parse(readFileSync(join(out, 'ablation.json'), 'utf8'))).toMatchObject({ stopped: true, arms: [] });
  });
});
