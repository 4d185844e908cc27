// Shared by the recipe tests: Debian's Python with torch, and the studio CLI's main() in this process.
import { spawnSync } from 'node:child_process';
import { studioInProcess, type StudioResult } from '../helpers/studioInProcess.ts';

/** Debian's python3 (python3-torch installs torch for it); `python3` on PATH may be another one. */
export const PYTHON = '/usr/bin/python3';

/** Runs Python with Debian's torch; fails naming the package when it is missing. */
export function python(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(PYTHON, args, { cwd: opts.cwd, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...opts.env }, timeout: 120_000 });
  if (r.error) throw new Error(`${PYTHON} could not run (${r.error.message}); run scripts/ensure-system-deps.sh`);
  if (/No module named 'torch'/.test(r.stderr)) throw new Error(`${PYTHON} has no torch: apt-get install python3-torch (scripts/ensure-system-deps.sh does)`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `studio <args>`: main() in this process (helpers/studioInProcess.ts). */
export function studio(...args: string[]): Promise<StudioResult> {
  return studioInProcess(args);
}

