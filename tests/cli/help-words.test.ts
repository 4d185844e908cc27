// A command's help speaks of the flags that command takes: a line shared among commands once told
// ablate's users of the --adapter run folder that ablate refuses, and export-gguf's of a --data it
// does not have.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ablate from '../../src/cli/commands/ablate.ts';
import evalCommand from '../../src/cli/commands/eval.ts';
import exportGguf from '../../src/cli/commands/export-gguf.ts';
import hdr from '../../src/cli/commands/hdr.ts';
import recipe from '../../src/cli/commands/recipe.ts';
import tokenize from '../../src/cli/commands/tokenize.ts';
import train from '../../src/cli/commands/train.ts';
import { FORMAT_NAMES } from '../../src/data/formats/registry.ts';
import { studioInProcess } from '../helpers/studioInProcess.ts';

describe('studio help <command> names only flags the command takes', () => {
  it('ablate (no --adapter) says the split flags\' defaults without an --adapter run folder; train and hdr with it', () => {
    expect(ablate.usage).not.toContain('--adapter');
    expect(ablate.usage).toMatch(/--split-seed <n> +the held-out split's seed \(default: 1234,/);
    expect(ablate.usage).toMatch(/--held-out <percent> +the share of examples held out, 1 to 50 \(default: 10\);/);
    for (const command of [train, hdr]) {
      const usage = command.usage.replace(/\n {26}/g, ' ');
      expect(usage).toContain("--split-seed <n>        the held-out split's seed (default: that of the --adapter run folder, if any, else 1234,");
      expect(usage).toContain("(default: the --adapter run folder's, if any, else question)");
      expect(usage).toContain('with --adapter <run folder>, and train --resume: as that run chose');
    }
  });

  it('export-gguf (no --data) says what its dataset flags, --imatrix-data and --check-data, take', () => {
    // --data alone, not the end of --imatrix-data or --check-data.
    expect(exportGguf.usage).not.toMatch(/(?<![\w-])--data\b/);
    expect(exportGguf.usage).toContain('--imatrix-data and --check-data take .json, .jsonl or .parquet files');
    expect(train.usage).toContain('--data takes .json, .jsonl or .parquet files');
  });
});

describe('--format', () => {
  const formats = FORMAT_NAMES.join(', ');

  it('is listed with its values in the help of every command that takes it (train, eval, hdr and ablate said only "force the dataset format")', () => {
    for (const command of [train, evalCommand, hdr, ablate, tokenize, recipe]) expect(command.usage).toContain(`--format <name>         force the dataset format: ${formats}\n`);
  });

  it('refuses a value it does not know by listing those it does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'format-flag-'));
    const flags = ['--model', 'public/models/tiny-qwen3', '--data', 'public/demo/demo-dataset.jsonl', '--format', 'bogus'];
    for (const [command, out] of [['train', 'run'], ['eval', 'p.jsonl'], ['hdr', 'hdr'], ['ablate', 'ablation'], ['tokenize', 't.jsonl']]) {
      const r = await studioInProcess([command, ...flags, '--out', join(dir, out)]);
      expect([r.code, r.err.trim()], command).toEqual([2, `studio ${command}: unknown --format "bogus" (known: ${formats})`]);
    }
  });

  it('names itself and its values, not the studio\'s Format select, beside a record of a shape no format has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'format-unknown-'));
    const data = join(dir, 'odd.jsonl');
    writeFileSync(data, '{"question": "weather?", "reply": "sunny"}\n');
    const r = await studioInProcess(['tokenize', '--model', 'public/models/tiny-qwen3', '--data', data, '--out', join(dir, 't.jsonl')]);
    expect(r.err).toContain(`${data}, line 1, record 1: format not recognised (choose it: --format ${FORMAT_NAMES.join('|')})`);
    const trained = await studioInProcess(['train', '--model', 'public/models/tiny-qwen3', '--data', `public/demo/demo-dataset.jsonl,${data}`, '--out', join(dir, 'run'), '--seq', '5000']);
    expect(trained.err).toContain(`odd.jsonl, line 1, record 1: format not recognised (choose it: --format ${FORMAT_NAMES.join('|')})`);
  });
});
