// The jobs' messages name what to change by the studio forms' labels ("Max new tokens"), which a
// command-line user never sees: each command says them in its own flags (eval's answers at once are
// --batch, hdr's --gen-batch), as main prints any error.
import { describe, expect, it } from 'vitest';
import { GpuRefusedWorkError } from '../../src/gpu/errors.ts';
import { inCommandWords } from '../../src/cli/main.ts';
import type { CliCommand } from '../../src/cli/command.ts';

const command = async (name: string): Promise<CliCommand> => (await import(`../../src/cli/commands/${name}.ts`)).default;

describe('an out-of-memory refusal, as each command prints it', () => {
  const message = new GpuRefusedWorkError('out-of-memory', 'Not enough memory left').message;
  it.each([
    ['train', '--batch or --seq'],
    ['eval', '--batch (answers at once) or --max-tokens'],
    ['generate', '--max-tokens'],
    ['hdr', '--batch or --seq when retraining, --gen-batch or --max-tokens when generating'],
    ['ablate', '--batch or --seq when training, --gen-batch or --max-tokens when generating'],
  ])('studio %s names its flags', async (name, lower) => {
    expect(inCommandWords(message, await command(name))).toContain(`so the job stopped without keeping them. Lower ${lower}, or close other tabs that use the GPU`);
  });
});
