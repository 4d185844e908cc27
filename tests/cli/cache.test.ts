// `studio cache`: the two download caches listed per repo, and --clear of a cache, of all, or of
// one repo; what is not asked for stays.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeDirectoryModelCache } from '../../src/model/model-cache-node.ts';
import { studioInProcess } from '../helpers/studioInProcess.ts';

async function put(dir: string, repo: string, file: string, bytes: number) {
  const w = await nodeDirectoryModelCache(dir).openWriter(repo, 'main', file, false);
  await w.write(new Uint8Array(bytes));
  await w.commit();
}

describe('studio cache', () => {
  it('lists both caches, then clears one repo, one cache, all', async () => {
    const root = mkdtempSync(join(tmpdir(), 'studio-cache-'));
    const env = { STUDIO_CACHE: join(root, 'models'), STUDIO_DATASET_CACHE: join(root, 'datasets') };
    await put(env.STUDIO_CACHE, 'Qwen/Qwen3-0.6B', 'model.safetensors', 3 * 2 ** 20);
    await put(env.STUDIO_CACHE, 'Qwen/Qwen3-0.6B', 'config.json', 700);
    await put(env.STUDIO_CACHE, 'HuggingFaceTB/SmolLM2-135M-Instruct', 'model.safetensors', 2 ** 20);
    await put(env.STUDIO_DATASET_CACHE, 'Salesforce/xlam-function-calling-60k', 'data/train-00000.parquet', 2 * 2 ** 20);

    const listed = await studioInProcess(['cache'], env);
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toBe(
      [
        `models (${env.STUDIO_CACHE}): 2 repos, 4.0 MiB`,
        '  HuggingFaceTB/SmolLM2-135M-Instruct  1 file, 1.0 MiB',
        '  Qwen/Qwen3-0.6B                      2 files, 3.0 MiB',
        `datasets (${env.STUDIO_DATASET_CACHE}): 1 repo, 2.0 MiB`,
        '  Salesforce/xlam-function-calling-60k  1 file, 2.0 MiB',
        '',
      ].join('\n'),
    );

    const one = await studioInProcess(['cache', '--clear', 'Qwen/Qwen3-0.6B', '--json'], env);
    expect(one.code, one.err).toBe(0);
    const after = JSON.parse(one.out) as { models: { repos: Array<{ repo: string }> }; datasets: { repos: Array<{ repo: string; bytes: number; files: number }> } };
    expect(after.models.repos.map((r) => r.repo)).toEqual(['HuggingFaceTB/SmolLM2-135M-Instruct']);
    expect(after.datasets.repos).toEqual([{ repo: 'Salesforce/xlam-function-calling-60k', bytes: 2 * 2 ** 20, files: 1 }]);

    const datasets = await studioInProcess(['cache', '--clear', 'datasets'], env);
    expect(datasets.out).toMatch(/^deleted 2\.0 MiB from the datasets cache\nmodels .*: 1 repo, 1\.0 MiB\n.*\ndatasets .*: empty\n$/);
    const all = await studioInProcess(['cache', '--clear', 'all'], env);
    expect(all.out).toMatch(/^deleted 1\.0 MiB from the models and datasets caches\nmodels .*: empty\ndatasets .*: empty\n$/);
  });

  it('refuses a repo neither cache holds, naming what they hold, and a --clear it does not know', async () => {
    const root = mkdtempSync(join(tmpdir(), 'studio-cache-bad-'));
    const env = { STUDIO_CACHE: join(root, 'models'), STUDIO_DATASET_CACHE: join(root, 'datasets') };
    await put(env.STUDIO_CACHE, 'a/b', 'x.json', 10);
    const missing = await studioInProcess(['cache', '--clear', 'c/d'], env);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--clear c\/d: neither cache holds it; they hold a\/b/);
    const bad = await studioInProcess(['cache', '--clear', 'everything'], env);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--clear takes models, datasets, all or <owner>\/<name>, got everything/);
  });
});
