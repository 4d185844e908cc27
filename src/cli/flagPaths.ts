// Paths the flags name, in words: an input file that is missing or is a folder, and a file system
// error without the path Node puts in it. Light (node:fs only), so `studio ast-check` stays quick.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from './command.ts';

/** Before reading a file a flag names (`what`: the kind of file, for a folder given instead): there
 * and a file, or a one-line error naming the flag and path, never Node's EISDIR or ENOENT. */
export function checkInputFile(path: string, flag: string, what: string): void {
  if (!existsSync(path)) throw new CliError(`--${flag} ${path}: no such file`, 2);
  if (statSync(path).isDirectory()) throw new CliError(`--${flag} ${path} is a folder; give ${what}`, 2);
}

/** Before writing at a path a flag names (its folders made where missing): the nearest part of it
 * that exists is a folder, not a file (Node's ENOTDIR, after the work). */
export function checkUnderFolder(path: string, flag: string): void {
  let at = dirname(resolve(path));
  while (!existsSync(at)) at = dirname(at);
  if (!statSync(at).isDirectory()) throw new CliError(`--${flag} ${path}: ${at} is a file, not a folder`, 2);
}

/** A file system error in words, without the path it names: Node's "ENOSPC: no space left on
 * device, write '<path>'" → "ENOSPC: no space left on device", for a message that names the file
 * the user knows (a staging file's path would name one that is already gone). */
export function fileErrorWords(err: unknown): string {
  return (err as Error).message.split(', ')[0];
}
