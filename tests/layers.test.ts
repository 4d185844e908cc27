// The app edge keeps DESIGN.md's layer rule, checked on the import lines of the source files:
// components never reach the database, the page's stores import no engine module (only the worker
// protocol, its client, and the stores' schema), and the jobs layer sits below the worker and the
// CLI (it never imports them, the page, or Node's fs outside the run-folder store). The page's own
// code (what src/main.tsx loads, up front) holds no engine: transformers.js, onnxruntime, the
// kernels and their WGSL are the GPU worker's, and the page would download and parse them for nothing.
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

/** What `entry` loads with it, following value imports (static ones: a dynamic import is a chunk of
 * its own, loaded when asked for), and for each module the chain that brought it in. */
function loadedWith(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    const text = readFileSync(join('src', file), 'utf8');
    const specs = [...text.matchAll(/^\s*(import|export)\s(type\s)?[^'"]*?from\s+'([^']+)'/gm)].filter((m) => !m[2]).map((m) => m[3]);
    specs.push(...[...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]));
    for (const spec of specs) {
      const target = resolved(join('src', file), spec.replace(/\?.*$/, ''));
      if (chains.has(target)) continue;
      chains.set(target, [...chains.get(file)!, target]);
      if (/\.(ts|tsx)$/.test(target) && !target.startsWith('..')) queue.push(target);
    }
  }
  return chains;
}

describe('layers at the app edge', () => {
  it('the page loads no engine: no transformers.js, onnxruntime, kernel or shader comes with src/main.tsx', () => {
    const engine = (t: string) => /^(@huggingface\/transformers|onnxruntime-web|onnxruntime-common|webgpu)/.test(t) || (/^(ops|gpu)\//.test(t) && t !== 'gpu/errors.ts') || t.startsWith('../shaders/') || t === 'data/tokenizer-load.ts';
    const found = [...loadedWith('main.tsx')].filter(([t]) => engine(t)).map(([, chain]) => chain.join(' → '));
    expect(found).toEqual([]);
  });

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
