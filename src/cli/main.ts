// Entry of the headless engine: `studio <command> [options]`. Each command is its own module in
// ./commands/, imported only when asked for, so `studio ast-check` never starts a GPU. Listed here,
// not read from the folder, so that a bundle of the CLI (bin/cli-bundle.mjs) holds every command.
import { HelpRequested } from './args.ts';
import { CliError, inCommandWords, type CliCommand } from './command.ts';
import packageJson from '../../package.json';
import { setTokenizeThreads } from '../data/tokenize-threads.ts';
import { nodeTokenizeThreads } from './tokenizeThreads.ts';

type CommandModule = Promise<{ default: CliCommand }>;

const COMMANDS: Record<string, () => CommandModule> = {
  ablate: () => import('./commands/ablate.ts'),
  'ast-check': () => import('./commands/ast-check.ts'),
  bench: () => import('./commands/bench.ts'),
  cache: () => import('./commands/cache.ts'),
  eval: () => import('./commands/eval.ts'),
  'export-gguf': () => import('./commands/export-gguf.ts'),
  'export-merged': () => import('./commands/export-merged.ts'),
  'export-onnx': () => import('./commands/export-onnx.ts'),
  files: () => import('./commands/files.ts'),
  generate: () => import('./commands/generate.ts'),
  gpu: () => import('./commands/gpu.ts'),
  hdr: () => import('./commands/hdr.ts'),
  help: () => import('./commands/help.ts'),
  inspect: () => import('./commands/inspect.ts'),
  push: () => import('./commands/push.ts'),
  recipe: () => import('./commands/recipe.ts'),
  tokenize: () => import('./commands/tokenize.ts'),
  train: () => import('./commands/train.ts'),
};

/** The commands, sorted. */
export function commandNames(): string[] {
  return Object.keys(COMMANDS).sort();
}

async function loadCommand(name: string): Promise<CliCommand> {
  if (!Object.hasOwn(COMMANDS, name)) {
    throw new CliError(`unknown command "${name}"; available: ${commandNames().join(', ')}`, 2);
  }
  return (await COMMANDS[name]()).default;
}

async function helpText(): Promise<string> {
  const lines = ['usage: studio <command> [options]    (studio help <command>: its options; studio --version)', '', 'commands:'];
  // The summaries in one column, past the longest name.
  const width = Math.max(...commandNames().map((n) => n.length)) + 1;
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    lines.push(`  ${name.padEnd(width)} ${cmd.summary}`);
  }
  return lines.join('\n');
}

const BUG_ERRORS = new Set(['TypeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'InternalError']);

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  let command: CliCommand | undefined;
  try {
    if (!name) {
      // A script that calls `studio` with an empty argument list did not do what it meant.
      console.error(await helpText());
      return 2;
    }
    if (name === 'help' || name === '--help' || name === '-h') {
      // `studio help train` is `studio train --help`.
      console.log(rest[0] ? (await loadCommand(rest[0])).usage : await helpText());
      return 0;
    }
    if (name === '--version' || name === '-V') {
      console.log(`studio ${packageJson.version}`);
      return 0;
    }
    const cmd = (command = await loadCommand(name));
    // Large datasets tokenize on threads for this command (and only for it: a test running commands
    // in its own process keeps what it had).
    const threadsBefore = setTokenizeThreads(nodeTokenizeThreads());
    try {
      return (await cmd.run(rest)) ?? 0;
    } catch (err) {
      // Raised by the flag parser where --help stands as an option, not as an option's value.
      if (!(err instanceof HelpRequested)) throw err;
      console.log(cmd.usage);
      return 0;
    } finally {
      setTokenizeThreads(threadsBefore);
    }
  } catch (err) {
    const message = inCommandWords(err instanceof Error ? err.message : String(err), command);
    // The project's own errors say what went wrong in words; a class name only helps for a bug.
    const prefix = err instanceof Error && BUG_ERRORS.has(err.name) ? `${err.name}: ` : '';
    console.error(`studio ${name ?? ''}: ${prefix}${message.split('\n')[0]}`);
    if (process.env.STUDIO_DEBUG && err instanceof Error) console.error(err.stack);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
