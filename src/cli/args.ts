// Minimal, strict `--flag value` / `--switch` parsing for the CLI. Unknown flags are errors,
// so a typo never silently runs with defaults.
import { CliError } from './command.ts';

/** 'strings': a list, repeatable and comma-separated (`--data a.jsonl,b.jsonl`); 'texts': a list of
 * whole texts, repeatable, commas kept (`--prompt "Book a table for two, at 7pm"`). */
export interface FlagSpec {
  [name: string]: 'string' | 'number' | 'boolean' | 'strings' | 'texts';
}

export type ParsedFlags<S extends FlagSpec> = {
  [K in keyof S]?: S[K] extends 'number' ? number : S[K] extends 'boolean' ? boolean : S[K] extends 'strings' | 'texts' ? string[] : string;
} & { _: string[] };

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };
/** A decimal number as people write one (no 0x/0b/0o, no empty text). */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** `--help` or `-h` where an option or argument would be: the command prints its usage. */
export class HelpRequested extends Error {}

/**
 * Parses `--name value`, `--name=value` and `--switch`, each at most once (a list option's values
 * add up). A value is never taken from the next
 * option (`--prompt --max-tokens 1` is an error, not the prompt "--max-tokens"; write
 * `--prompt=--max-tokens` to mean it). Words outside options are refused unless the command takes
 * them (`positionals`). `oldNames` maps an option's old name (in `spec`, kept for scripts) to its
 * current one: accepted, never both, and left out of the names an unknown option is told.
 */
export function parseFlags<S extends FlagSpec>(argv: string[], spec: S, options: { positionals?: boolean; oldNames?: Partial<Record<keyof S & string, keyof S & string>> } = {}): ParsedFlags<S> {
  const oldNames: Record<string, string | undefined> = options.oldNames ?? {};
  const out: Record<string, unknown> & { _: string[] } = { _: [] };
  const known = () => Object.keys(spec).filter((k) => !Object.hasOwn(oldNames, k)).map((k) => '--' + k).join(', ');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') throw new HelpRequested();
    // -q, -o: the short options of other tools, not a value out of place.
    if (/^-[A-Za-z]/.test(arg)) throw new CliError(`unknown option ${arg} (options are spelled out with two dashes; known: ${known()})`, 2);
    if (!arg.startsWith('--')) {
      if (!options.positionals) throw new CliError(`unexpected argument "${arg}" (every value follows its option; quote a value with spaces: --prompt "a b")`, 2);
      out._.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!kind) throw new CliError(`unknown option --${name} (known: ${known()})`, 2);
    // A second value would silently win (`--out a … --out b` writes only b); lists add up instead.
    if (kind !== 'strings' && kind !== 'texts' && Object.hasOwn(out, name)) throw new CliError(`option --${name} is given twice; give it once`, 2);
    if (kind === 'boolean') {
      if (inline === undefined) out[name] = true;
      else if (Object.hasOwn(BOOLEAN_WORDS, inline.toLowerCase())) out[name] = BOOLEAN_WORDS[inline.toLowerCase()];
      else throw new CliError(`option --${name} is a switch: give it alone, or --${name}=true / --${name}=false, not "${inline}"`, 2);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new CliError(`option --${name} needs a value${next === undefined ? '' : ` (found the option ${next}; write --${name}=${next} if that is the value)`}`, 2);
      value = next;
      i++;
    }
    if (kind === 'number') {
      const n = Number(value);
      if (!DECIMAL.test(value.trim()) || !Number.isFinite(n)) throw new CliError(`option --${name} expects a number, got "${value}"`, 2);
      out[name] = n;
    } else if (kind === 'strings') {
      // `--data "a.jsonl, b.jsonl"` names b.jsonl, not " b.jsonl".
      const items = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
      if (items.length === 0) throw new CliError(`option --${name} needs at least one value, got "${value}"`, 2);
      out[name] = [...((out[name] as string[]) ?? []), ...items];
    } else if (kind === 'texts') {
      if (value.trim() === '') throw new CliError(`option --${name} needs a value, got an empty one`, 2);
      out[name] = [...((out[name] as string[]) ?? []), value];
    } else {
      if (value === '') throw new CliError(`option --${name} needs a value, got an empty one`, 2);
      out[name] = value;
    }
  }
  for (const [oldName, current] of Object.entries(oldNames)) {
    if (current !== undefined && Object.hasOwn(out, oldName) && Object.hasOwn(out, current)) throw new CliError(`--${oldName} is the old name of --${current}: give one of them`, 2);
  }
  return out as ParsedFlags<S>;
}

export function requireFlag<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === null || value === '') throw new CliError(`missing required option --${name}`, 2);
  return value;
}

/** A whole-number option ≥ 1 (or the fallback), with a usage error naming the flag. */
export function positiveInt(value: number | undefined, flag: string, fallback: number): number {
  const v = value ?? fallback;
  if (!(Number.isInteger(v) && v >= 1)) throw new CliError(`--${flag} must be a whole number ≥ 1, got ${v}`, 2);
  return v;
}

/** A whole-number option ≥ 0, where 0 means none (undefined when not given), with a usage error naming the flag. */
export function wholeNumber(value: number | undefined, flag: string): number | undefined {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new CliError(`--${flag} must be a whole number ≥ 0, got ${value}`, 2);
  return value;
}
