// `studio cache`: what the CLI's two download caches hold (the models --model downloads, the Hub
// dataset files --data hf://datasets/… downloads), each repo with its files and size, and
// `--clear` to delete a cache's files or one repo's. Nothing else ever deletes them.
import { existsSync, statSync } from 'node:fs';
import { formatBytes } from '../../data/record-limits.ts';
import { plural } from '../../data/plural.ts';
import { nodeDirectoryModelCache } from '../../model/model-cache-node.ts';
import type { CachedRepo } from '../../model/model-cache.ts';
import { parseFlags } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { datasetCacheDir, defaultCacheDir } from '../modelSource.ts';

const usage = `usage: studio cache [--clear models|datasets|all|<owner>/<name>] [--cache <dir>] [--json]

Lists what the download caches hold, each repo with its files and their size:
  models    what --model <owner>/<name> downloads: --cache, $STUDIO_CACHE, or ~/.cache/balancesft-studio/models
  datasets  what --data hf://datasets/… downloads: $STUDIO_DATASET_CACHE, or ~/.cache/balancesft-studio/datasets
options:
  --clear models|datasets|all   delete that cache's files (the next command downloads again what it needs)
  --clear <owner>/<name>        delete one repo's files, from whichever cache holds them
  --cache <dir>                 the model cache to read (as train's --cache)
  --json                        print one JSON object {models: {dir, repos}, datasets: {dir, repos}}
Do not clear a model while another studio command reads it.`;

type Which = 'models' | 'datasets';

const command: CliCommand = {
  summary: 'list the download caches (models, Hub datasets) and clear them',
  usage,
  async run(argv) {
    const f = parseFlags(argv, { clear: 'string', cache: 'string', json: 'boolean' });
    const dirs: Record<Which, string> = { models: f.cache ?? defaultCacheDir(), datasets: datasetCacheDir() };
    for (const which of ['models', 'datasets'] as const) {
      if (existsSync(dirs[which]) && !statSync(dirs[which]).isDirectory()) throw new CliError(`the ${which} cache ${dirs[which]} is a file, not a folder`, 2);
    }
    const caches = { models: nodeDirectoryModelCache(dirs.models), datasets: nodeDirectoryModelCache(dirs.datasets) };
    const list = async () => ({ models: await caches.models.repos(), datasets: await caches.datasets.repos() });
    const before = await list();

    if (f.clear !== undefined) {
      const target = f.clear;
      const whole = target === 'all' ? (['models', 'datasets'] as const) : target === 'models' || target === 'datasets' ? ([target] as const) : null;
      let freed = 0;
      if (whole) {
        for (const which of whole) {
          freed += before[which].reduce((n, r) => n + r.bytes, 0);
          await caches[which].clear();
        }
      } else {
        if (!/^[^/\s]+\/[^/\s]+$/.test(target)) throw new CliError(`--clear takes models, datasets, all or <owner>/<name>, got ${target}`, 2);
        const holders = (['models', 'datasets'] as const).filter((which) => before[which].some((r) => r.repo === target));
        if (holders.length === 0) throw new CliError(`--clear ${target}: neither cache holds it; they hold ${[...before.models, ...before.datasets].map((r) => r.repo).join(', ') || 'nothing'}`, 2);
        for (const which of holders) {
          freed += before[which].find((r) => r.repo === target)!.bytes;
          await caches[which].clear((repo) => repo !== target);
        }
      }
      if (!f.json) console.log(`deleted ${formatBytes(freed)} from the ${whole ? whole.join(' and ') : 'download'} cache${whole?.length === 2 ? 's' : ''}`);
    }

    const now = f.clear !== undefined ? await list() : before;
    if (f.json) {
      console.log(JSON.stringify({ models: { dir: dirs.models, repos: now.models }, datasets: { dir: dirs.datasets, repos: now.datasets } }));
      return 0;
    }
    for (const which of ['models', 'datasets'] as const) printCache(which, dirs[which], now[which]);
    return 0;
  },
};
export default command;

function printCache(which: Which, dir: string, repos: CachedRepo[]): void {
  const bytes = repos.reduce((n, r) => n + r.bytes, 0);
  console.log(`${which} (${dir}): ${repos.length ? `${plural(repos.length, 'repo')}, ${formatBytes(bytes)}` : 'empty'}`);
  const width = Math.max(0, ...repos.map((r) => r.repo.length));
  for (const r of repos) console.log(`  ${r.repo.padEnd(width)}  ${plural(r.files, 'file')}, ${formatBytes(r.bytes)}`);
}
