// Ctrl-C during `studio eval` ends it after the batch in flight and writes the answers checked so
// far (an hours-long evaluation lost every answer to a Ctrl-C, a driver reset or a full GPU), and
// --resume answers the rest: the file ends as one uninterrupted run writes it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interruptedStudio } from '../helpers/interrupt.ts';
import { studioInProcess } from '../helpers/studioInProcess.ts';

// 24 examples: at --batch 1 the Ctrl-C sent at the first "evaluated" line has 23 more answers
// (about 0.2 s each on SwiftShader, seconds in all) to land before the last; at --batch 8 the resume
// and the straight run answer in several batches, so their files agree whatever the batch holds.
const LIMIT = 24;

describe('studio eval interrupted', () => {
  it('writes what was checked and exits 130; --resume answers the rest as one run would', { timeout: 300_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'eval-interrupt-')), 'predictions.jsonl');
    const args = (file: string, ...extra: string[]) => ['eval', '--model', 'public/models/tiny-qwen3', '--data', 'public/demo/demo-dataset.jsonl', '--split', 'all', '--max-tokens', '4', '--out', file, ...(extra.includes('--limit') ? [] : ['--limit', String(LIMIT)]), ...extra];
    // What follows the Ctrl-C runs in this process (main(), helpers/studioInProcess.ts), on one device.
    const studio = (...a: string[]) => studioInProcess(a);
    const r = await interruptedStudio(args(out, '--batch', '1'), new RegExp(`evaluated [1-9]\\d*/${LIMIT}`));
    // Exited, not killed: a process ending under a pending GPU read-back crashed in Dawn (SIGSEGV).
    expect([r.code, r.signal], r.stderr).toEqual([130, null]);
    const written = readFileSync(out, 'utf8').trim().split('\n');
    expect(written.length).toBeGreaterThanOrEqual(1);
    expect(written.length).toBeLessThan(LIMIT);
    expect(r.stdout).toContain(`interrupted: ${written.length} of ${LIMIT} examples evaluated; their predictions are written to ${out}`);
    expect(r.stdout).toMatch(new RegExp(`accuracy [\\d.]+% \\(\\d+/${written.length}; 95% interval \\d+–\\d+%\\)`));

    // Resumed (more answers at once: greedy answers do not depend on the batch), it answers the rest
    // and writes what one uninterrupted run writes.
    const resumed = await studio(...args(out, '--batch', '8', '--resume', '--quiet'));
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toContain(`resuming: ${written.length} of ${LIMIT} examples already answered in ${out}; ${LIMIT - written.length} left`);
    const straight = join(mkdtempSync(join(tmpdir(), 'eval-straight-')), 'predictions.jsonl');
    expect((await studio(...args(straight, '--batch', '8', '--quiet'))).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(straight, 'utf8'));
    // Resuming a finished evaluation answers nothing and leaves the file as it was (it was written twice over).
    const before = readFileSync(straight, 'utf8');
    expect(resumed.out.split('\n')[0]).toBe((await studio(...args(straight, '--batch', '8', '--resume', '--quiet'))).out.split('\n')[0]);
    expect(readFileSync(straight, 'utf8')).toBe(before);
    // Another sample of the data (another --limit) is refused, naming an answer it does not ask for;
    // so is a file that is not there.
    const other = await studio(...args(out, '--limit', '5', '--resume', '--quiet'));
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/--resume: .* answers \d+ examples? this evaluation does not ask \(demo-\d+/);
    const none = await studio(...args(join(tmpdir(), 'no-such-predictions.jsonl'), '--resume', '--quiet'));
    expect(none.code).toBe(2);
    expect(none.err).toContain('does not exist, so there is nothing to resume');
  });
});
