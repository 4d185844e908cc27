// The CLI as a user runs it: `npx studio …` through bin/studio.mjs (tsx, ?raw shaders, Dawn env).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function studio(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/studio.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('studio CLI', () => {
  it('`studio gpu` prints the adapter, its limits and a passing self-test', () => {
    const r = studio('gpu', '--json');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(report.selfTest.ok).toBe(true);
    expect(report.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(report.adapter.vendor.length + report.adapter.description.length).toBeGreaterThan(0);
  });
  it('an unknown command fails with one clear line and a non-zero exit', () => {
    const r = studio('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/unknown command "frobnicate"; available: .*gpu/);
  });
  it('an unknown option names the option', () => {
    const r = studio('gpu', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option --bogus/);
  });
});
