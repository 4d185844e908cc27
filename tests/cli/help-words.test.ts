// A command's help speaks of the flags that command takes: a line shared among commands once told
// ablate's users of the --adapter run folder that ablate refuses, and export-gguf's of a --data it
// does not have.
import { describe, expect, it } from 'vitest';
import ablate from '../../src/cli/commands/ablate.ts';
import exportGguf from '../../src/cli/commands/export-gguf.ts';
import hdr from '../../src/cli/commands/hdr.ts';
import train from '../../src/cli/commands/train.ts';

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
