// Entry of the headless engine: `studio <command> [options]`. Each command is its own module in
// ./commands/, imported only when asked for, so `studio ast-check` never starts a GPU.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HelpRequested } from './args.ts';
import { CliError, type CliCommand } from './command.ts';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<CliCommand> {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !commandNames().includes(name)) {
    throw new CliError(`unknown command "${name}"; available: ${commandNames().join(', ')}`, 2);
  }
  const mod = (await import(`./commands/${name}.ts`)) as { default: CliCommand };
  return mod.default;
}

async function printHelp(): Promise<void> {
  const lines = ['usage: studio <command> [options]', '', 'commands:'];
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    lines.push(`  ${name.padEnd(12)} ${cmd.summary}`);
  }
  console.log(lines.join('\n'));
}

const BUG_ERRORS = new Set(['TypeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'InternalError']);

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      await printHelp();
      return 0;
    }
    const cmd = await loadCommand(name);
    try {
      return (await cmd.run(rest)) ?? 0;
    } catch (err) {
      // Raised by the flag parser where --help stands as an option, not as an option's value.
      if (!(err instanceof HelpRequested)) throw err;
      console.log(cmd.usage);
      return 0;
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // The project's own errors say what went wrong in words; a class name only helps for a bug.
    const prefix = err instanceof Error && BUG_ERRORS.has(err.name) ? `${err.name}: ` : '';
    console.error(`studio ${name ?? ''}: ${prefix}${message.split('\n')[0]}`);
    if (process.env.STUDIO_DEBUG && err instanceof Error) console.error(err.stack);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
