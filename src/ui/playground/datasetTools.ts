// What the playground takes from the dataset: every distinct tool it offers, and its held-out
// questions with their tools and the answer the dataset expects.
import type { Call, Example, ExampleRow, FunctionSchema } from '../../state/queries.ts';

/** Every distinct tool of the dataset (by name, first definition wins), sorted by name. */
export function datasetTools(examples: Array<{ tools: FunctionSchema[] }>): FunctionSchema[] {
  const byName = new Map<string, FunctionSchema>();
  for (const e of examples) for (const t of e.tools) if (!byName.has(t.name)) byName.set(t.name, t);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A held-out question the playground can ask as it stands: one user turn, with its tools. */
export interface PlaygroundSample {
  id: string;
  query: string;
  toolNames: string[];
  /** The calls the dataset expects (none: it expects a plain answer). */
  expected: Call[];
  /** The example itself, which the answer is checked against. */
  example: Example;
}

/** The held-out examples that are a single question (the playground sends one user turn), in order. */
export function heldOutSamples(rows: Array<Pick<ExampleRow, 'example' | 'split'>>): PlaygroundSample[] {
  const out: PlaygroundSample[] = [];
  for (const { example, split } of rows) {
    if (split !== 'eval') continue;
    const turns = example.messages.filter((m) => m.role !== 'system');
    if (turns.length !== 1 || turns[0].role !== 'user' || !turns[0].content.trim()) continue;
    out.push({ id: example.id, query: turns[0].content, toolNames: example.tools.map((t) => t.name), expected: example.target.calls, example });
  }
  return out;
}
