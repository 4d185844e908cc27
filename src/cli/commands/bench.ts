// `studio bench`: our matmul and attention kernels against tfjs-backend-webgpu on the same adapter,
// in GFLOP/s (median of timed repetitions). A measurement tool, not a test: it never fails on speed.
import type { CliCommand } from '../command.ts';
import { CliError } from '../command.ts';
import { parseFlags } from '../args.ts';
import { OUT_OF_MEMORY_LOWER } from '../../gpu/errors.ts';

const bench: CliCommand = {
  summary: 'benchmark kernels against tfjs-backend-webgpu, training steps (MFU) and generation',
  usage: [
    'studio bench [--only <substring>] [--group matmul|attention|train|generate] [--no-tfjs] [--quick] [--json]',
    '  --quick    skip the Qwen2.5-0.5B-shaped cases (minutes on a software adapter)',
    '  --only     run only cases whose name contains the text (repeatable, comma-separated)',
    '  --group    run one group of cases',
    '  --no-tfjs  skip the tfjs peer (ours only)',
    '  --json     print one JSON object per case instead of the table',
    'Decoding against transformers.js (our ONNX export, onnxruntime-web) runs in Chromium: npm run bench:browser',
  ].join('\n'),
  // Each case's shapes are fixed: fewer or smaller cases are what lowers the memory.
  formFlags: { [OUT_OF_MEMORY_LOWER]: 'the cases run (--quick skips the Qwen2.5-0.5B-shaped ones; --only or --group runs fewer)' },
  async run(argv) {
    const flags = parseFlags(argv, { only: 'strings', group: 'string', 'no-tfjs': 'boolean', json: 'boolean', quick: 'boolean' });
    const { acquireNodeGpu } = await import('../../gpu/nodeGpu.ts');
    const { createGpu } = await import('../../gpu/index.ts');
    const { ALL_CASE_GROUPS } = await import('../../bench/cases.ts');
    const { runCase, formatTable, benchJson } = await import('../../bench/run.ts');
    const { createTfjsPeer } = await import('../../bench/tfjsPeer.ts');

    const { TRAINING_CASES, runTrainingCase, formatTrainingRows } = await import('../../bench/training.ts');
    const { GENERATION_CASES, runGenerationCase, formatGenerationRows } = await import('../../bench/generation.ts');
    const groups = Object.keys(ALL_CASE_GROUPS) as Array<keyof typeof ALL_CASE_GROUPS>;
    if (flags.group && !['train', 'generate'].includes(flags.group) && !groups.includes(flags.group as (typeof groups)[number])) {
      throw new CliError(`unknown --group "${flags.group}" (known: ${[...groups, 'train', 'generate'].join(', ')})`, 2);
    }
    const generationCases = GENERATION_CASES.filter((c) => (!flags.group || flags.group === 'generate') && !(flags.quick && c.large)).filter(
      (c) => !flags.only || flags.only.some((s) => c.name.includes(s)),
    );
    const trainingCases = TRAINING_CASES.filter((c) => (!flags.group || flags.group === 'train') && !(flags.quick && c.large)).filter(
      (c) => !flags.only || flags.only.some((s) => c.name.includes(s)),
    );
    const cases = groups
      .filter((g) => !flags.group || g === flags.group)
      .flatMap((g) => ALL_CASE_GROUPS[g].map((make) => make()))
      .filter((c) => !flags.only || flags.only.some((s) => c.name.includes(s)));
    // Lazily-built case inputs are cheap; GPU-sized ones are dropped below on software adapters.
    if (cases.length === 0 && trainingCases.length === 0 && generationCases.length === 0) throw new CliError('no benchmark case matches the filters', 2);

    const ctx = await acquireNodeGpu();
    const gpu = createGpu(ctx);
    await gpu.tuning.load();
    const software = ctx.adapter.isSoftware;
    const runnable = <T extends { gpuOnly?: boolean }>(list: T[]): T[] => list.filter((c) => !(software && c.gpuOnly));
    const matched = [...cases, ...trainingCases, ...generationCases];
    if (runnable(matched).length === 0) {
      ctx.destroy();
      const names = matched.map((c) => c.name);
      throw new CliError(`the cases matching the filters are GPU-sized and run on hardware adapters only, and this adapter is software: ${names.slice(0, 3).join('; ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`, 2);
    }
    const peer = flags['no-tfjs'] ? null : await createTfjsPeer(ctx);
    const a = ctx.adapter;
    if (!flags.json) console.log(`adapter: ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}${a.isSoftware ? ' (software)' : ''}\n`);
    const rows = [];
    for (const c of runnable(cases)) {
      const row = await runCase(gpu, peer, c);
      rows.push(row);
      if (flags.json) console.log(benchJson({ ...row, adapter: a.description || a.architecture }));
      else console.error(`  done: ${c.name}`);
    }
    if (!flags.json && rows.length) console.log(formatTable(rows));
    // MFU is measured against the best matmul rate of this run on this adapter.
    const matmulRates = rows.filter((r) => r.group === 'matmul').map((r) => r.oursGflops);
    const best = matmulRates.length ? Math.max(...matmulRates) : null;
    const trainingRows = [];
    for (const c of runnable(trainingCases)) {
      if (!flags.json) console.error(`  running: ${c.name}`);
      const row = await runTrainingCase(gpu, c, best);
      trainingRows.push(row);
      if (flags.json) console.log(benchJson({ name: row.name, ...row.result, plan: row.result.plan.trainingBytes, matmulGflops: row.matmulGflops, mfu: row.mfu }));
    }
    if (!flags.json && trainingRows.length) console.log('\n' + formatTrainingRows(trainingRows));
    const generationRows = [];
    for (const c of runnable(generationCases)) {
      if (!flags.json) console.error(`  running: ${c.name}`);
      const row = await runGenerationCase(gpu, c);
      generationRows.push(row);
      if (flags.json) console.log(benchJson(row));
    }
    if (!flags.json && generationRows.length) console.log('\n' + formatGenerationRows(generationRows));
    return 0;
  },
};
export default bench;
