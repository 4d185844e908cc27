// `studio bench` as a user runs it: which cases its flags select, and what it says when none can run.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function studio(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/studio.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('studio bench', () => {
  it('filters that match only GPU-sized cases on a software adapter say so and fail, rather than run nothing and pass', () => {
    // 4096³ is GPU-sized; CI's adapter is SwiftShader.
    const r = studio('bench', '--only', '4096', '--no-tfjs');
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.err).toMatch(/hardware adapters only.*software: matmul 4096³/);
  });
});
