// Every command's help keeps its option descriptions in one column, shared help lines included
// (a line written for one command's layout once stood a column off in another's).
import { describe, expect, it } from 'vitest';
import { commandNames } from '../../src/cli/main.ts';

const COMMAND_MODULES = import.meta.glob<{ default: { usage: string } }>('../../src/cli/commands/*.ts');

/** Where the description starts on each line that names one option (and maybe its value); lines
 * naming several options run past the column on purpose, three spaces before their words. */
function columns(usage: string): { line: string; column: number }[] {
  const found: { line: string; column: number }[] = [];
  for (const line of usage.split('\n')) {
    const option = /^( {2}--?[\w-]+(?: <[^>]+>)? {2,})\S/.exec(line);
    if (option) found.push({ line, column: option[1].length });
  }
  return found;
}

describe('studio help <command>', () => {
  for (const name of commandNames()) {
    it(`${name}: each option's description starts in the same column`, async () => {
      const usage = (await COMMAND_MODULES[`../../src/cli/commands/${name}.ts`]()).default.usage;
      const lines = columns(usage);
      if (!lines.length) return;
      const first = lines[0].column;
      const off = lines.filter((l) => l.column !== first).map((l) => `${l.column}: ${l.line}`);
      expect(off, `column ${first} expected`).toEqual([]);
    });
  }
});
