// What a download cache holds, per repo (the Storage section and `clear` act on it): the bytes and
// number of its files, nested folders included, partial downloads counted, the cache's own markers
// not, and a repo whose files were all removed not listed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeDirectoryModelCache } from '../../src/model/model-cache-node.ts';

async function put(cache: ReturnType<typeof nodeDirectoryModelCache>, repo: string, file: string, bytes: number, commit = true, version: string | null = null) {
  const w = await cache.openWriter(repo, 'main', file, false, version);
  await w.write(new Uint8Array(bytes));
  if (commit) await w.commit();
  else await w.abort();
}

describe('a download cache’s repos', () => {
  it('counts each repo’s files and bytes, nested and partial ones too, markers not', async () => {
    const cache = nodeDirectoryModelCache(mkdtempSync(join(tmpdir(), 'cache-repos-')));
    expect(await cache.repos()).toEqual([]);
    await put(cache, 'b/set', 'data/train-00000.parquet', 1000, true, '"etag-1"');
    await put(cache, 'b/set', 'data/test-00000.parquet', 300, false);
    await put(cache, 'a/model', 'config.json', 20);
    expect(await cache.repos()).toEqual([
      { repo: 'a/model', bytes: 20, files: 1 },
      { repo: 'b/set', bytes: 1300, files: 2 },
    ]);
    await cache.remove('a/model', 'main', 'config.json');
    expect((await cache.repos()).map((r) => r.repo)).toEqual(['b/set']);
    await cache.clear((repo) => repo === 'b/set');
    expect((await cache.repos()).map((r) => r.repo)).toEqual(['b/set']);
    await cache.clear();
    expect(await cache.repos()).toEqual([]);
  });
});
