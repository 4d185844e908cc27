// `studio files hf://datasets/<owner>/<name>[/<path or glob>]`: a Hugging Face dataset's dataset files
// with their sizes, marking those `--data` with the same words would download (the train split's, or
// those the path or glob names), so a user picks the files before any download, as the studio's
// listing lets them tick. Owns argument handling and printing; the listing is data/hub-dataset.ts's.
// Never downloads a file.
import { chosenFiles, hubDatasetPath, listHubDataset } from '../../data/hub-dataset.ts';
import { formatBytes } from '../../data/record-limits.ts';
import { plural } from '../../data/plural.ts';
import { HubAccessError, HubError } from '../../model/hub.ts';
import { parseFlags } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { hubBaseUrl, hubTimeoutMs, hubToken } from '../modelSource.ts';

const usage = `studio files hf://datasets/<owner>/<name>[/<path or glob>] [--json]
  Lists the dataset's .json, .jsonl and .parquet files (the Hub's Parquet conversion when it has
  none) with their sizes; * marks those --data with the same words downloads: the train split's,
  or the files the path or glob names (* within a folder, ** across folders). Nothing is downloaded.
  HF_TOKEN for a gated dataset, HF_ENDPOINT for a mirror.
  --json             print one JSON object {repo, revision, files: [{path, size, taken}]}`;

const command: CliCommand = {
  summary: 'list a Hugging Face dataset’s files and which --data takes',
  usage,
  async run(argv) {
    const f = parseFlags(argv, { json: 'boolean' }, { positionals: true });
    if (f._.length !== 1 || !/^hf:\/\/datasets\//i.test(f._[0])) throw new CliError(`expected one hf://datasets/<owner>/<name> address; ${usage.split('\n')[0]}`, 2);
    const given = f._[0];
    const token = hubToken();
    let listing;
    let taken;
    try {
      const { repo, files } = hubDatasetPath(given);
      listing = await listHubDataset(repo, { baseUrl: hubBaseUrl(), token, timeoutMs: hubTimeoutMs() });
      taken = new Set(chosenFiles(listing, files ? [files] : undefined).chosen);
    } catch (err) {
      if (err instanceof HubAccessError && !token) throw new CliError(`${err.message}; here, set HF_TOKEN to an access token that may read it`);
      if (err instanceof HubError) throw new CliError(err.message);
      throw err;
    }
    if (f.json) {
      console.log(JSON.stringify({ repo: listing.repo, revision: listing.revision, files: listing.files.map((x) => ({ ...x, taken: taken.has(x.path) })) }));
      return 0;
    }
    const bytes = listing.files.reduce((n, x) => n + (taken.has(x.path) ? x.size : 0), 0);
    const from = listing.revision === 'main' ? '' : ` (the Hub's Parquet conversion, ${listing.revision})`;
    console.log(`${listing.repo}${from}: ${plural(listing.files.length, 'dataset file')}; --data ${given} takes the ${taken.size} marked *, ${formatBytes(bytes)}`);
    const width = Math.max(...listing.files.map((x) => x.path.length));
    for (const x of listing.files) console.log(`${taken.has(x.path) ? '*' : ' '} ${x.path.padEnd(width)}  ${formatBytes(x.size)}`);
    return 0;
  },
};

export default command;
