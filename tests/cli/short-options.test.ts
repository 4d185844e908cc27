// A one-letter option (-q, -o out) as other CLIs take them: named as an option the studio does not
// know, with the ones it does, where it was called an "unexpected argument" with a hint to quote
// a --prompt that the command may not even have.
import { describe, expect, it } from 'vitest';
import { HelpRequested, parseFlags } from '../../src/cli/args.ts';

const SPEC = { out: 'string', quiet: 'boolean', steps: 'number' } as const;

describe('parseFlags and a one-letter option', () => {
  it('names it as an unknown option, with the known ones', () => {
    for (const arg of ['-q', '-o', '-steps']) {
      expect(() => parseFlags([arg], SPEC)).toThrow(`unknown option ${arg} (options are spelled out with two dashes; known: --out, --quiet, --steps)`);
    }
    // A negative number is still a value, and -h still asks for help.
    expect(parseFlags(['--steps', '-2'], SPEC).steps).toBe(-2);
    expect(() => parseFlags(['-h'], SPEC)).toThrow(HelpRequested);
  });
});
