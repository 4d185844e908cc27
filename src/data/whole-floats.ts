// Whole floats of a training target (`5.0`, `[90.0, 80.0]`), kept through storage. JS has one number
// type, so a parsed `5.0` is 5, and training wrote `[90, 80]` where the dataset said `[90.0, 80.0]`:
// the very form BFCL's checker fails for a list of floats. Parsers read a target's calls with
// whole floats boxed (IntegralFloat); before the example is stored the boxes become plain numbers
// and `target.wholeFloats` lists where they were, which storage, snapshots and workers carry as
// plain data. Rendering puts the boxes back (`targetCalls`) and writes them `5.0`.
// Owns the paths and the JSON text of boxed arguments; never parses records.
import type { Call, Example } from './example.ts';
import { IntegralFloat, plainNumbers, pythonFloatRepr, replaceWholeFloats } from './python/integral-float.ts';
import { setOwn } from './own-keys.ts';

/** Where a whole float sits in a target's calls: the call's index, then keys and list indices
 * inside its arguments. */
export type WholeFloatPath = Array<string | number>;

/** The calls with plain numbers, and the paths of the whole floats they held. */
export function unboxCalls(calls: Call[]): { calls: Call[]; wholeFloats: WholeFloatPath[] } {
  const wholeFloats: WholeFloatPath[] = [];
  const walk = (value: unknown, path: WholeFloatPath): void => {
    if (value instanceof IntegralFloat) wholeFloats.push(path);
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
  };
  calls.forEach((c, i) => walk(c.arguments, [i]));
  return { calls: plainNumbers(calls), wholeFloats };
}

/**
 * An example as a parser left it (boxes anywhere) made storable: the whole floats of the target's
 * calls listed in `target.wholeFloats`, those of an earlier turn's calls in that turn's
 * `wholeFloats`, every other box a plain number.
 */
export function storableExample(example: Example): Example {
  const { target, messages, ...rest } = example;
  const turns = Array.isArray(messages) ? messages.map((m) => (typeof m === 'object' && m !== null && !Array.isArray(m) ? storableCalls(m) : plainNumbers(m))) : plainNumbers(messages);
  return { ...plainNumbers(rest), messages: turns, target: storableCalls(target) };
}

/** `calls` unboxed with `wholeFloats` listing where their boxes were, joined to the places a line
 * already lists (the studio's own lines, an HDR sample; a line written by hand may also write one of
 * them 5.0); anything else of the holder a plain number. A holder whose calls are not a list of
 * calls is left to the field checks that follow, with plain numbers. */
function storableCalls<T extends { calls?: Call[]; wholeFloats?: WholeFloatPath[] }>(holder: T): T {
  const { calls, wholeFloats: listed, ...others } = holder;
  if (!Array.isArray(calls) || !calls.every((c) => typeof c === 'object' && c !== null) || (listed !== undefined && !Array.isArray(listed))) return plainNumbers(holder);
  const { calls: plain, wholeFloats: boxed } = unboxCalls(calls);
  const seen = new Set((listed ?? []).map((p) => JSON.stringify(p)));
  const wholeFloats = [...(listed ?? []), ...boxed.filter((p) => !seen.has(JSON.stringify(p)))];
  return { ...plainNumbers(others), calls: plain, ...(wholeFloats.length && { wholeFloats }) } as unknown as T;
}

/** The target's calls (or an earlier turn's) with their whole floats boxed again, for rendering;
 * the calls themselves when there are none. A path that no longer holds a whole number is ignored. */
export function targetCalls(target: Pick<Example['target'], 'calls' | 'wholeFloats'>): Call[] {
  if (!target.wholeFloats?.length) return target.calls;
  const calls: Call[] = target.calls.map((c) => ({ name: c.name, arguments: structuredClone(c.arguments) }));
  for (const path of target.wholeFloats) {
    const [callIndex, ...inside] = path;
    let holder: unknown = calls[callIndex as number]?.arguments;
    for (const key of inside.slice(0, -1)) holder = (holder as Record<string | number, unknown> | undefined)?.[key];
    const last = inside.at(-1);
    if (last === undefined || typeof holder !== 'object' || holder === null) continue;
    const value = (holder as Record<string | number, unknown>)[last];
    if (typeof value === 'number' && Number.isInteger(value)) setOwn(holder as Record<string, unknown>, String(last), new IntegralFloat(value));
  }
  return calls;
}

/**
 * JSON text of arguments as the chat template's `tojson` writes them (", " and ": ", no escaping
 * beyond JSON's), with a boxed whole float written as Python's json.dumps writes a float (`5.0`).
 * Given to the template as a string, which Qwen's templates print as it is.
 */
export function argumentsJson(value: unknown): string {
  if (value instanceof IntegralFloat) return pythonFloatRepr(value.value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(argumentsJson).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${argumentsJson(v)}`).join(', ')}}`;
}

/** A call's arguments for the chat template: as JSON text writing whole floats `5.0` where the
 * template prints text as it is (`argumentText`); otherwise with a marker string in each whole
 * float's place, which `markers.write` turns into `5.0` in the rendered text (a template would
 * write a box as {"value": 5}, and a plain 5 as an int). Arguments without whole floats go as they are. */
export function templateArguments(args: Record<string, unknown>, argumentText: boolean, markers: WholeFloatMarkers): Record<string, unknown> | string {
  if (!holdsWholeFloat(args)) return args;
  return argumentText ? argumentsJson(args) : markers.marked(args);
}

/**
 * Whole floats through a template that writes arguments itself (`tool_call.arguments | tojson`, as
 * Qwen2.5's and Llama's templates do): each goes in as a marker string and comes out of the rendered
 * text as Python writes the float, so the text is the one HF transformers renders from the
 * dataset's `5.0` with `json.dumps`. Markers carry a prefix the example's own text never holds.
 */
export class WholeFloatMarkers {
  private readonly texts: Array<[marker: string, text: string]> = [];
  private prefix?: string;

  constructor(private readonly example: unknown) {}

  /** A copy of `value` with a marker in each box's place. */
  marked(value: unknown): Record<string, unknown> {
    if (this.prefix === undefined) {
      const json = JSON.stringify(this.example);
      let n = 0;
      while (json.includes(`WholeFloat${n}x`)) n++;
      this.prefix = `WholeFloat${n}x`;
    }
    return replaceWholeFloats(value, (box) => {
      // The trailing "x" keeps marker 1 from matching inside marker 10.
      const marker = `${this.prefix}${this.texts.length}x`;
      this.texts.push([marker, pythonFloatRepr(box.value)]);
      return marker;
    }) as Record<string, unknown>;
  }

  /** The rendered text with each marker, quoted as `tojson` writes a string or printed bare, as its float. */
  write(text: string): string {
    let out = text;
    for (const [marker, float] of this.texts) out = out.replaceAll(`"${marker}"`, float).replaceAll(marker, float);
    return out;
  }
}

function holdsWholeFloat(value: unknown): boolean {
  if (value instanceof IntegralFloat) return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(holdsWholeFloat);
}

/** Whether the template prints a call's `arguments` given as a string as it is (Qwen3's
 * `{%- if tool_call.arguments is string %}`); others would quote it, and get plain numbers. */
export function templatePrintsArgumentText(chatTemplate: unknown): boolean {
  const t = typeof chatTemplate === 'string' ? chatTemplate : JSON.stringify(chatTemplate ?? '');
  return /arguments is string/.test(t);
}
