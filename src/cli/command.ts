// The contract every `studio <command>` module implements. Commands live one per file in
// src/cli/commands/, listed in ../main.ts (a test checks the list against the folder) and loaded
// only when run.
import { configMessageIn } from '../train/config.ts';
import { OUT_OF_MEMORY_ADVICE, OUT_OF_MEMORY_LOWER } from '../gpu/errors.ts';

/** An out-of-memory refusal's advice where the command has no setting that lowers what it holds on
 * the GPU (studio gpu, inspect): freeing memory, not the studio forms' fields it has no flags for. */
const OUT_OF_MEMORY_ADVICE_WITHOUT_FLAGS = 'Close other programs that use the GPU (browser tabs among them), and try again';

export interface CliCommand {
  /** One line for `studio help`. */
  summary: string;
  /** Usage text shown on `studio <command> --help` and on a usage error. */
  usage: string;
  /** The studio forms' labels the jobs' messages name (OUT_OF_MEMORY_LOWER, HDR's refusal), as this
   * command's flags: main prints every error with them in their place. A command without an
   * OUT_OF_MEMORY_LOWER entry says OUT_OF_MEMORY_ADVICE_WITHOUT_FLAGS instead. */
  formFlags?: Record<string, string>;
  /** Returns the process exit code (0 when omitted). Throw CliError for a one-line failure. */
  run(argv: string[]): Promise<number | void>;
}

/** An error whose message is printed as one line, without a stack, before exiting non-zero:
 * `exitCode` 2 where the command line cannot be right as given (a flag's value: a path that is not
 * there or is not the kind of thing the flag takes, a number out of range, flags that exclude each
 * other), 1 where the work it asked for failed, 3 where an export is written but its check failed. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** `message` as `cmd` prints it: the studio forms' labels it names, as the command's flags. */
export function inCommandWords(message: string, cmd: CliCommand | undefined): string {
  const said = cmd?.formFlags?.[OUT_OF_MEMORY_LOWER] ? message : message.replace(OUT_OF_MEMORY_ADVICE, OUT_OF_MEMORY_ADVICE_WITHOUT_FLAGS);
  return cmd?.formFlags ? configMessageIn(said, cmd.formFlags) : said;
}
