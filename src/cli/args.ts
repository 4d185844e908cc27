// Minimal, strict `--flag value` / `--switch` parsing for the CLI. Unknown flags are errors,
// so a typo never silently runs with defaults.
import { CliError } from './command.ts';

export interface FlagSpec {
  [name: string]: 'string' | 'number' | 'boolean' | 'strings';
}

export type ParsedFlags<S extends FlagSpec> = {
  [K in keyof S]?: S[K] extends 'number' ? number : S[K] extends 'boolean' ? boolean : S[K] extends 'strings' ? string[] : string;
} & { _: string[] };

export function parseFlags<S extends FlagSpec>(argv: string[], spec: S): ParsedFlags<S> {
  const out: Record<string, unknown> & { _: string[] } = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
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
    const kind = spec[name];
    if (!kind) throw new CliError(`unknown option --${name} (known: ${Object.keys(spec).map((k) => '--' + k).join(', ')})`, 2);
    if (kind === 'boolean') {
      out[name] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CliError(`option --${name} needs a value`, 2);
    if (kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new CliError(`option --${name} expects a number, got "${value}"`, 2);
      out[name] = n;
    } else if (kind === 'strings') {
      out[name] = [...((out[name] as string[]) ?? []), ...value.split(',').filter(Boolean)];
    } else {
      out[name] = value;
    }
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
