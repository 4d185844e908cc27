// Ctrl-C during `studio eval` ends it after the batch in flight and writes the answers checked so
// far (an hours-long evaluation lost every answer to a Ctrl-C, a driver reset or a full GPU).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('studio eval interrupted', () => {
  it('writes what was checked and exits 130', { timeout: 300_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'eval-interrupt-')), 'predictions.jsonl');
    // Its own process group, as a terminal's foreground job is: Ctrl-C signals the whole group.
    const child = spawn(process.execPath, ['bin/studio.mjs', 'eval', '--model', 'public/models/tiny-qwen3', '--data', 'public/demo/demo-dataset.jsonl', '--split', 'all', '--limit', '60', '--batch', '1', '--max-tokens', '4', '--out', out], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    let sent = false;
    const interrupted = new Promise<void>((resolve) =>
      child.stderr.on('data', (d) => {
        stderr += d;
        if (!sent && /evaluated [1-9]\d*\/60/.test(stderr)) {
          sent = true; // one Ctrl-C (a second one quits at once)
          process.kill(-child.pid!, 'SIGINT');
          resolve();
        }
      }),
    );
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    await interrupted;
    expect(code, stderr).toBe(130);
    const written = readFileSync(out, 'utf8').trim().split('\n');
    expect(written.length).toBeGreaterThanOrEqual(1);
    expect(written.length).toBeLessThan(60);
    expect(stdout).toContain(`interrupted: ${written.length} of 60 examples evaluated; their predictions are written to ${out}`);
    expect(stdout).toMatch(new RegExp(`accuracy [\\d.]+% \\(\\d+/${written.length}\\)`));
  });
});
