// The jobs' messages name what to change by the studio forms' labels ("Max new tokens"), which a
// command-line user never sees: each command says them in its own flags (eval's answers at once are
// --batch, hdr's --gen-batch), as main prints any error.
import { describe, expect, it } from 'vitest';
import { GpuRefusedWorkError } from '../../src/gpu/errors.ts';
import { CliError, inCommandWords, type CliCommand } from '../../src/cli/command.ts';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveModel } from '../../src/cli/modelSource.ts';
import { openLoadedModel } from '../../src/jobs/context.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/index.ts';
import { fitSamplesOnGpu } from '../../src/jobs/hdr.ts';
import { retrainConfig } from '../../src/jobs/hdrRetrain.ts';

import { commandNames } from '../../src/cli/main.ts';
import { selfTestInCommandWords, selfTestLine } from '../../src/cli/commands/gpu.ts';

const MODEL = 'public/models/tiny-qwen3';

const command = async (name: string): Promise<CliCommand> => (await import(`../../src/cli/commands/${name}.ts`)).default;

describe('an out-of-memory refusal, as each command prints it', () => {
  const message = new GpuRefusedWorkError('out-of-memory', 'Not enough memory left').message;
  it.each([
    ['train', '--batch or --seq'],
    ['eval', '--batch (answers at once) or --max-tokens'],
    ['generate', '--max-tokens'],
    ['hdr', '--batch or --seq when retraining, --gen-batch or --max-tokens when generating'],
    ['ablate', '--batch or --seq when training, --gen-batch or --max-tokens when generating'],
    ['export-onnx', '--steps or the --prompt texts of the check (--no-check skips it)'],
    ['bench', 'the cases run (--quick skips the Qwen2.5-0.5B-shaped ones; --only or --group runs fewer)'],
  ])('studio %s names its flags', async (name, lower) => {
    expect(inCommandWords(message, await command(name))).toContain(`so the job stopped without keeping them. Lower ${lower}, or close other tabs that use the GPU`);
  });

  it.each(['gpu', 'inspect'])('studio %s, with no flag that lowers what it holds on the GPU, says what frees memory, not the page\u2019s fields', async (name) => {
    expect(inCommandWords(message, await command(name))).toBe(
      'the GPU ran out of memory (Not enough memory left); results since then cannot be trusted, so the job stopped without keeping them. Close other programs that use the GPU (browser tabs among them), and try again',
    );
  });

  it('studio gpu prints a self-test the GPU refused for memory in those words (its table and --json)', () => {
    const line = selfTestLine(selfTestInCommandWords({ ok: false, elements: 0, maxAbsDiff: Number.NaN, millis: 1, error: message }));
    expect(line).toBe('self-test FAILED: the GPU ran out of memory (Not enough memory left); results since then cannot be trusted, so the job stopped without keeping them. Close other programs that use the GPU (browser tabs among them), and try again');
  });

  it.each(commandNames())('studio %s never names the page\u2019s fields', async (name) => {
    const said = inCommandWords(message, await command(name));
    for (const field of ['Batch (examples)', 'Sequence length (tokens)', 'Answers at once', 'Max new tokens']) expect(said).not.toContain(field);
  });
});

describe('HDR’s refusal on this GPU', () => {
  // The job names the HDR and Ablation forms' fields; studio hdr and studio ablate set the same
  // settings with --max-tokens, --batch and --mine-limit. Mining fewer examples was said as "mine
  // examples with shorter prompts", a field neither surface has.
  const refusal = async () => {
    const model = await openLoadedModel(await resolveModel(MODEL), MODEL);
    const { examples } = await importDatasetFiles([{ name: 'demo.jsonl', blob: new Blob([readFileSync('public/demo/demo-dataset.jsonl')]) }]);
    const settings = { ...DEFAULT_HDR_SETTINGS, maxNewTokens: 1024 };
    const config = retrainConfig({ ...DEFAULT_RUN_CONFIG, batchSize: 2, seqLen: 320 }, settings);
    // A binding limit the tiny model's retraining at HDR's length passes (its [T, 32] f32 layer input).
    const ctx = { model, gpu: { ctx: { limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 128 * 1024 } } } } as unknown as Parameters<typeof fitSamplesOnGpu>[0];
    return ((await Promise.resolve().then(() => fitSamplesOnGpu(ctx, config, settings, examples.slice(0, 2))).catch((e) => e)) as Error).message;
  };

  it('names the page’s fields, Examples to mine among them', async () => {
    expect(await refusal()).toMatch(/^HDR cannot retrain on this GPU at sequence length \d+ .*\. Lower Max new tokens \(1024\), the retraining batch \(2\) or Examples to mine \(2 mined; fewer can leave the longest prompt out\)$/);
  });

  it.each(['hdr', 'ablate'])('studio %s says the same settings by its flags: --mine-limit in both', async (name) => {
    expect(inCommandWords(await refusal(), await command(name))).toMatch(/\. Lower --max-tokens \(1024\), --batch \(2\) or --mine-limit \(2 mined; fewer can leave the longest prompt out\)$/);
  });
});

describe('studio ablate --mine-limit', () => {
  const ablate = (flags: string[]) => command('ablate').then((c) => c.run(['--model', MODEL, '--data', 'public/demo/demo-dataset.jsonl', '--out', join(tmpdir(), `never-${Date.now()}`), ...flags]));
  it('is the one name of the HDR arm’s mining limit, as in studio hdr; --hdr-mine, its old name, still works', async () => {
    await expect(ablate(['--mine-limit', '0'])).rejects.toThrow(new CliError('--mine-limit must be a whole number ≥ 1, got 0', 2));
    await expect(ablate(['--hdr-mine', '0'])).rejects.toThrow(new CliError('--hdr-mine must be a whole number ≥ 1, got 0', 2));
    await expect(ablate(['--mine-limit', '4', '--hdr-mine', '4'])).rejects.toThrow(new CliError('--hdr-mine is the old name of --mine-limit: give one of them', 2));
    expect((await command('ablate')).usage).toMatch(/--mine-limit <n>/);
    expect((await command('ablate')).usage).not.toMatch(/--hdr-mine/);
  });

  it('a mistyped option lists the current name among the known ones, not the old one', async () => {
    const known = ((await ablate(['--mine-limt', '4']).catch((e) => e)) as Error).message;
    expect(known).toMatch(/^unknown option --mine-limt \(known: .*--mine-limit, /);
    expect(known).not.toContain('--hdr-mine');
  });
});
