// Ctrl-C during `studio eval` ends it after the batch in flight and writes the answers checked so
// far (an hours-long evaluation lost every answer to a Ctrl-C, a driver reset or a full GPU).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interruptedStudio } from '../helpers/interrupt.ts';

describe('studio eval interrupted', () => {
  it('writes what was checked and exits 130', { timeout: 300_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'eval-interrupt-')), 'predictions.jsonl');
    const r = await interruptedStudio(['eval', '--model', 'public/models/tiny-qwen3', '--data', 'public/demo/demo-dataset.jsonl', '--split', 'all', '--limit', '60', '--batch', '1', '--max-tokens', '4', '--out', out], /evaluated [1-9]\d*\/60/);
    // Exited, not killed: a process ending under a pending GPU read-back crashed in Dawn (SIGSEGV).
    expect([r.code, r.signal], r.stderr).toEqual([130, null]);
    const written = readFileSync(out, 'utf8').trim().split('\n');
    expect(written.length).toBeGreaterThanOrEqual(1);
    expect(written.length).toBeLessThan(60);
    expect(r.stdout).toContain(`interrupted: ${written.length} of 60 examples evaluated; their predictions are written to ${out}`);
    expect(r.stdout).toMatch(new RegExp(`accuracy [\\d.]+% \\(\\d+/${written.length}\\)`));
  });
});
