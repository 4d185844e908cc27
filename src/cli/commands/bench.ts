// `studio bench`: our matmul and attention kernels against tfjs-backend-webgpu on the same adapter,
// in GFLOP/s (median of timed repetitions). A measurement tool, not a test: it never fails on speed.
import type { CliCommand } from '../command.ts';
import { CliError } from '../command.ts';
import { parseFlags } from '../args.ts';

const bench: CliCommand = {
  summary: 'benchmark our matmul/attention kernels against tfjs-backend-webgpu',
  usage: [
    'studio bench [--only <substring>] [--group matmul|attention] [--no-tfjs] [--json]',
    '  --only     run only cases whose name contains the text (repeatable, comma-separated)',
    '  --group    run one group of cases',
    '  --no-tfjs  skip the tfjs peer (ours only)',
    '  --json     print one JSON object per case instead of the table',
  ].join('\n'),
  async run(argv) {
    const flags = parseFlags(argv, { only: 'strings', group: 'string', 'no-tfjs': 'boolean', json: 'boolean' });
    const { acquireNodeGpu } = await import('../../gpu/nodeGpu.ts');
    const { createGpu } = await import('../../gpu/index.ts');
    const { ALL_CASE_GROUPS } = await import('../../bench/cases.ts');
    const { runCase, formatTable } = await import('../../bench/run.ts');
    const { createTfjsPeer } = await import('../../bench/tfjsPeer.ts');

    const groups = Object.keys(ALL_CASE_GROUPS) as Array<keyof typeof ALL_CASE_GROUPS>;
    if (flags.group && !groups.includes(flags.group as (typeof groups)[number])) {
      throw new CliError(`unknown --group "${flags.group}" (known: ${groups.join(', ')})`, 2);
    }
    const cases = groups
      .filter((g) => !flags.group || g === flags.group)
      .flatMap((g) => ALL_CASE_GROUPS[g].map((make) => make()))
      .filter((c) => !flags.only || flags.only.some((s) => c.name.includes(s)));
    if (cases.length === 0) throw new CliError('no benchmark case matches the filters', 2);

    const ctx = await acquireNodeGpu();
    const gpu = createGpu(ctx);
    const peer = flags['no-tfjs'] ? null : await createTfjsPeer(ctx);
    const a = ctx.adapter;
    if (!flags.json) console.log(`adapter: ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}${a.isSoftware ? ' (software)' : ''}\n`);
    const rows = [];
    for (const c of cases) {
      const row = await runCase(gpu, peer, c);
      rows.push(row);
      if (flags.json) console.log(JSON.stringify({ ...row, adapter: a.description || a.architecture }));
      else console.error(`  done: ${c.name}`);
    }
    if (!flags.json) console.log(formatTable(rows));
    return 0;
  },
};
export default bench;
