// The Node side of the tuning store: one JSON file of tables keyed by adapter, in the user's cache
// ($STUDIO_KERNEL_TUNING, or ~/.cache/balancesft-studio/kernel-tuning.json). Never imported by browser code.
// Written whole through a temporary file and a rename, so a killed process leaves the old file intact.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TuningStore, TuningTable } from './tuning.ts';

export function defaultTuningPath(): string {
  return process.env.STUDIO_KERNEL_TUNING ?? join(homedir(), '.cache', 'balancesft-studio', 'kernel-tuning.json');
}

async function readAll(path: string): Promise<Record<string, TuningTable>> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, TuningTable>) : {};
  } catch {
    return {}; // absent or unreadable: tuning starts over, nothing else depends on it
  }
}

/** The npm `webgpu` package's version: the Dawn build that compiles and runs the kernels in Node. */
function dawnRuntime(): string {
  try {
    return `webgpu ${(createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version}`;
  } catch {
    return 'webgpu';
  }
}

export function fileTuningStore(path = defaultTuningPath(), runtime = dawnRuntime()): TuningStore {
  return {
    runtime,
    async load(key) {
      const all = await readAll(path);
      return Object.prototype.hasOwnProperty.call(all, key) ? all[key] : null;
    },
    async save(key, table) {
      const all = await readAll(path);
      all[key] = table;
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(all));
      await rename(tmp, path);
    },
  };
}
