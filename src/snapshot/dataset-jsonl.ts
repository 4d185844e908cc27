// `dataset.jsonl` inside a snapshot: the run's examples in the studio's own Example shape, one per
// line, each with `"included"`: whether the run's studio used it for training (the user's choice,
// not the data: outside the fingerprint; older snapshots lack it). Owns writing and the strict
// line-by-line check on import (errors name the line and field).
// Unlike a dataset import, a snapshot's dataset is all or nothing: one bad line refuses the whole
// snapshot, because it must reproduce the dataset fingerprint recorded in run.json.
// Never renders the text it carries.
import type { Example, FunctionSchema } from '../data/example.ts';
import { setOwn } from '../data/own-keys.ts';
import { DATASET_LIMITS as L } from './limits.ts';
import { arr, FieldError, int, jsonValue, obj, oneOf, opt, SnapshotError, str, type Check } from './validate.ts';

export const DATASET_FILE = 'dataset.jsonl';

/** `imported`: the example as it was imported, for one whose expected answer the user edited (it
 * travels beside the edited one, so it can be restored where the lines are read back). */
export function encodeDatasetJsonl(examples: Iterable<Example>, inclusion?: ReadonlyMap<string, boolean>, imported?: ReadonlyMap<string, Example>): Uint8Array {
  const lines: string[] = [];
  for (const e of examples) {
    const original = imported?.get(e.id);
    lines.push(JSON.stringify({ ...e, ...(inclusion?.has(e.id) && { included: inclusion.get(e.id) }), ...(original && { imported: original }) }));
  }
  return new TextEncoder().encode(lines.join('\n') + (lines.length ? '\n' : ''));
}

const text = str({ max: L.textChars });
const anyJson = jsonValue({ maxDepth: 32, maxString: L.textChars, maxItems: 10_000 });
const jsonObject: Check<Record<string, unknown>> = (v, path) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FieldError(path, 'must be an object');
  return anyJson(v, path) as Record<string, unknown>;
};
const call = obj({ name: str({ max: 1000, min: 1 }), arguments: jsonObject });
const knownToolFields = obj({ name: str({ max: 1000, min: 1 }), description: opt(text), parameters: jsonObject });
// A tool keeps every field its source gave it (OpenAI's "strict", a "type" beside "function"): the
// template renders them and the fingerprint covers them, so they travel as JSON, in their order.
const functionSchema: Check<FunctionSchema> = (v, path) => {
  const tool = jsonObject(v, path);
  const known = knownToolFields({ name: tool.name, description: tool.description, parameters: tool.parameters }, path) as FunctionSchema;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(tool)) setOwn(out, key, Object.hasOwn(known, key) ? (known as unknown as Record<string, unknown>)[key] : tool[key]);
  return out as unknown as FunctionSchema;
};
// A whole float's place in a turn's calls (whole-floats.ts): a call index, then keys and indices.
const pathStep: Check<string | number> = (v, path) => (typeof v === 'string' ? str({ max: 1000 })(v, path) : int({ min: 0, max: 1_000_000 })(v, path));
const wholeFloatPath: Check<Array<string | number>> = (v, path) => {
  const steps = arr(pathStep, { max: 64 })(v, path);
  if (steps.length < 2 || typeof steps[0] !== 'number') throw new FieldError(path, 'must be a call index followed by the keys and indices of a value in its arguments');
  return steps;
};
// As many as a record at the import's size limit can hold (256 KiB of "1.0,").
const wholeFloats = opt(arr(wholeFloatPath, { max: 100_000 }));

const message = obj({
  role: oneOf(['system', 'user', 'assistant', 'tool'] as const),
  content: text,
  calls: opt(arr(call, { max: L.maxCalls })),
  wholeFloats,
  reasoning: opt(text),
  name: opt(str({ max: 1000 })),
});

const example = obj({
  id: str({ max: 1000, min: 1 }),
  tools: arr(functionSchema, { max: L.maxTools }),
  messages: arr(message, { max: L.maxMessages }),
  target: obj({
    reasoning: opt(text),
    calls: arr(call, { max: L.maxCalls }),
    content: opt(text),
    callSyntax: opt(oneOf(['json', 'python'] as const)),
    wholeFloats,
  }),
  source: opt(oneOf(['openai', 'hermes', 'sharegpt', 'xlam', 'glaive', 'funreason', 'bfcl', 'hdr', 'demo'] as const)),
  possibleAnswer: opt((v, path) => arr(jsonObject, { max: L.maxCalls })(v, path) as Example['possibleAnswer'] & object),
  category: opt(str({ max: 100 })),
  hdrRound: opt(int({ min: 0, max: 10_000 })),
  parseIssues: opt(arr(obj({ rule: str({ max: 100 }), detail: str({ max: 10_000 }) }), { max: 100 })),
});

export interface SnapshotDataset {
  examples: Example[];
  /** Each example's `"included"`, for the lines that carry one. */
  inclusion: Map<string, boolean>;
  /** Each edited example's `"imported"`: the example as it was imported (absent: none edited). */
  imported: Map<string, Example>;
}

/** One line's record: the Example, checked field by field, with the `"included"` and `"imported"`
 * beside it when the line has them; a FieldError names the field. */
export function exampleLineFromJson(value: unknown): { example: Example; included?: boolean; imported?: Example } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { example: example(value, '') as Example };
  const { included, imported, ...rest } = value as Record<string, unknown>;
  if (included !== undefined && typeof included !== 'boolean') throw new FieldError('included', 'must be true or false');
  const out: { example: Example; included?: boolean; imported?: Example } = { example: example(rest, '') as Example };
  if (included !== undefined) out.included = included;
  if (imported !== undefined) {
    out.imported = example(imported, 'imported') as Example;
    if (out.imported.id !== out.example.id) throw new FieldError('imported.id', `must be the example's own id (${JSON.stringify(out.example.id)}), got ${JSON.stringify(out.imported.id)}`);
  }
  return out;
}

/** Every line as an Example, or one SnapshotError naming the line and field. */
export function parseDatasetJsonl(bytes: Uint8Array, entry = DATASET_FILE): SnapshotDataset {
  let textContent: string;
  try {
    textContent = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SnapshotError(`${entry}: not valid UTF-8 text`);
  }
  const out: Example[] = [];
  const inclusion = new Map<string, boolean>();
  const importedAs = new Map<string, Example>();
  const ids = new Set<string>();
  let lineNo = 0;
  for (const line of textContent.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    const where = `${entry} line ${lineNo}`;
    if (line.length > L.maxLineChars) throw new SnapshotError(`${where}: ${line.length} characters; the limit is ${L.maxLineChars}`);
    if (out.length >= L.maxExamples) throw new SnapshotError(`${entry}: more than ${L.maxExamples} examples`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      throw new SnapshotError(`${where}: not valid JSON (${(err as Error).message})`);
    }
    let e: Example;
    let included: boolean | undefined;
    let imported: Example | undefined;
    try {
      ({ example: e, included, imported } = exampleLineFromJson(parsed));
    } catch (err) {
      if (err instanceof FieldError) throw new SnapshotError(`${where}: ${err.message}`);
      throw err;
    }
    if (ids.has(e.id)) throw new SnapshotError(`${where}: example id ${JSON.stringify(e.id)} appears twice`);
    ids.add(e.id);
    out.push(e);
    if (included !== undefined) inclusion.set(e.id, included);
    if (imported) importedAs.set(e.id, imported);
  }
  return { examples: out, inclusion, imported: importedAs };
}
