// The app edge keeps DESIGN.md's layer rule, checked on the import lines of the source files:
// components never reach the database, the page's stores import no engine module (only the worker
// protocol, its client, and the stores' schema), and the jobs layer sits below the worker and the
// CLI (it never imports them, the page, or Node's fs outside the run-folder store).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic); `values` leaves out
 * `import type` / `export type` lines, which bring no code along. */
function importsOf(path: string, values = false): string[] {
  const text = readFileSync(path, 'utf8');
  const statements = [...text.matchAll(/^\s*(import|export)\s(type\s)?[^'"]*?from\s+'([^']+)'/gm)].filter((m) => !(values && m[2])).map((m) => m[3]);
  return [...statements, ...[...text.matchAll(/^\s*import\s+'([^']+)'/gm), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1])];
}

/** `from` resolved against the file, as a path under src/ (packages stay as they are). */
function resolved(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative('src', join(file, '..', spec)).replaceAll('\\', '/');
}

function offending(dir: string, allowed: (target: string, file: string) => boolean, values = false): string[] {
  return sourceFiles(dir).flatMap((file) => importsOf(file, values).filter((spec) => !allowed(resolved(file, spec), file)).map((spec) => `${file} imports ${spec}`));
}

describe('layers at the app edge', () => {
  it('no component imports Dexie or the database module', () => {
    expect(offending('src/ui', (t) => !/^dexie/.test(t) && t !== 'data/db.ts' && !t.startsWith('jobs/'))).toEqual([]);
  });

  it('the page stores import only each other, the worker protocol and client, and the stores’ schema', () => {
    const ok = (t: string) => t.startsWith('state/') || ['react', 'zustand', 'worker/protocol.ts', 'worker/client.ts', 'jobs/store/schema.ts'].includes(t);
    expect(offending('src/state', ok)).toEqual([]);
  });

  it('the jobs layer imports no worker, CLI or page module, and only the run-folder store touches Node', () => {
    const ok = (t: string, file: string) => !/^(worker|cli|state|ui)\//.test(t) && (!t.startsWith('node:') || file.endsWith(join('store', 'folder.ts')));
    expect(offending('src/jobs', ok)).toEqual([]);
  });

  it('the worker and the CLI reach training, evaluation and HDR only through the jobs layer', () => {
    const loops = ['train/trainer.ts', 'hdr/rounds.ts', 'hdr/retrain.ts', 'eval/evaluate.ts'];
    const direct = (t: string) => !loops.includes(t);
    expect(offending('src/worker', direct, true)).toEqual([]);
    expect(offending('src/cli', direct, true)).toEqual([]);
    for (const dir of ['src/worker', 'src/cli']) {
      for (const file of sourceFiles(dir)) {
        const text = readFileSync(file, 'utf8');
        for (const name of ['new Trainer(', 'runHdrRounds(', 'mineHardCases(', 'evaluateExamples(', 'trainerRetraining(']) expect(text.includes(name), `${file} calls ${name}`).toBe(false);
      }
    }
  });
});
